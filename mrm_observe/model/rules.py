"""Prometheus rule models: recording rules, alerting rules and their groups.

The models hold what the author wrote; `validate` checks the meaning (durations, PromQL,
severity, names) so that every problem in a module is reported at once.
"""
from __future__ import annotations

import sys
import weakref
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

_PACKAGE = str(Path(__file__).resolve().parents[1])
_DEFINED_AT: dict[int, tuple[str, int] | None] = {}


def prometheus_text(value: object) -> object:
    """A label or annotation value as Prometheus reads a YAML scalar: numbers and booleans become their text
    ("1", "0.5", "true"); anything else is left for the type check."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(prometheus_text)]
"""A string field that also takes the YAML scalars Prometheus reads as strings."""


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    expr: str
    labels: dict[str, Text] = Field(default_factory=dict)
    waive: dict[str, str] = Field(
        default_factory=dict, description="lint check id -> reason for not following that convention"
    )


class RecordingRule(_Rule):
    """A recording rule: `record` names the new series, `level:metric:operations` by convention."""

    record: str

    @property
    def name(self) -> str:
        return self.record

    def all_labels(self) -> dict[str, str]:
        """Labels as the rule file holds them."""
        return dict(self.labels)


class AlertRule(_Rule):
    """An alerting rule; `severity`, `summary`, `description` and `runbook_url` become labels and annotations."""

    alert: str
    for_: str | None = Field(default=None, alias="for")
    keep_firing_for: str | None = None
    severity: Text | None = None
    summary: Text | None = None
    description: Text | None = None
    runbook_url: Text | None = None
    annotations: dict[str, Text] = Field(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        _DEFINED_AT[id(self)] = _caller()
        weakref.finalize(self, _DEFINED_AT.pop, id(self), None)

    @property
    def defined_at(self) -> tuple[str, int] | None:
        """(file, line) of the code that made this rule, outside this package and pydantic (kept beside the model,
        so rules equal in every field stay equal)."""
        return _DEFINED_AT.get(id(self))

    @property
    def name(self) -> str:
        return self.alert

    def all_labels(self) -> dict[str, str]:
        """Labels as the rule file holds them (severity folded in)."""
        labels = dict(self.labels)
        if self.severity is not None:
            labels["severity"] = self.severity
        return labels

    def all_annotations(self) -> dict[str, str]:
        """Annotations as Prometheus will see them (summary, description, runbook_url folded in)."""
        annotations = dict(self.annotations)
        for key in ("summary", "description", "runbook_url"):
            value = getattr(self, key)
            if value is not None:
                annotations[key] = value
        return annotations


def _caller() -> tuple[str, int] | None:
    frame = sys._getframe(2)
    while frame is not None and (frame.f_code.co_filename.startswith(_PACKAGE)
                                 or "/pydantic/" in frame.f_code.co_filename):
        frame = frame.f_back
    return (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None


Rule = RecordingRule | AlertRule


class RuleGroup(BaseModel):
    """A named group of rules evaluated together every `interval`.

    `query_offset` delays every query of the group (Prometheus 2.53 and later); `labels` are added to every rule's
    result, a rule's own labels winning (Prometheus 3.0 and later).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    rules: tuple[Rule, ...]
    interval: str | None = None
    query_offset: str | None = None
    limit: int | None = None
    labels: dict[str, Text] = Field(default_factory=dict)

    def labels_of(self, rule: Rule) -> dict[str, str]:
        """The labels Prometheus gives a rule's result: the group's, then the rule's own (which win)."""
        return {**self.labels, **rule.all_labels()}

    @field_validator("rules", mode="before")
    @classmethod
    def _one_rule_alone(cls, rules: Any) -> Any:
        """One rule given alone is a group of one (pydantic would read its fields as a tuple of pairs)."""
        return (rules,) if isinstance(rules, _Rule) else rules
