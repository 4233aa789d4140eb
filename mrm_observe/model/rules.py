"""Prometheus rule models: recording rules, alerting rules and their groups.

The models hold what the author wrote; `validate` checks the meaning (durations, PromQL,
severity, names) so that every problem in a module is reported at once.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    expr: str
    labels: dict[str, str] = Field(default_factory=dict)
    waive: dict[str, str] = Field(
        default_factory=dict, description="lint check id -> reason for not following that convention"
    )


class RecordingRule(_Rule):
    """A recording rule: `record` names the new series, `level:metric:operations` by convention."""

    record: str

    @property
    def name(self) -> str:
        return self.record


class AlertRule(_Rule):
    """An alerting rule; `severity`, `summary`, `description` and `runbook_url` become labels and annotations."""

    alert: str
    for_: str | None = Field(default=None, alias="for")
    keep_firing_for: str | None = None
    severity: str | None = None
    summary: str | None = None
    description: str | None = None
    runbook_url: str | None = None
    annotations: dict[str, str] = Field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.alert

    def all_labels(self) -> dict[str, str]:
        """Labels as Prometheus will see them (severity folded in)."""
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


Rule = RecordingRule | AlertRule


class RuleGroup(BaseModel):
    """A named group of rules evaluated together every `interval`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    rules: tuple[Rule, ...]
    interval: str | None = None
    limit: int | None = None
