"""SLO models: a service's objective over a period, measured by one SLI, alerted by burn rate.

The models hold what the author wrote; `SLO.problems()` checks the meaning (objective range, durations,
queries) so that every problem is reported with the SLO id and field; slo_math checks the window table.
"""
from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict, Field

from .. import go_template, promql
from ..conventions import (DEFAULT_SCRAPE_INTERVAL, LABEL_NAME, LABEL_NAME_PATTERN, METRIC_NAME,
                           SLO_WINDOW_PLACEHOLDER, slo_id)
from ..durations import parse_duration
from .windows import WindowTable, table_for

NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
TEMPLATE = re.compile(r"\{\{(.*?)\}\}")
LABEL_TEMPLATE = re.compile(rf"^\s*\$labels\.({LABEL_NAME_PATTERN})\s*$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErrorRatioSLI(_Frozen):
    """Events SLI: `bad` (or `good`) and `total` event rates as PromQL with a `{{window}}` placeholder,
    e.g. `sum(rate(http_requests_total{service="api",status=~"5.."}[{{window}}]))`."""

    total: str
    bad: str | None = None
    good: str | None = None

    def templates(self) -> dict[str, str]:
        return {k: v for k, v in (("bad", self.bad), ("good", self.good), ("total", self.total)) if v is not None}

    def problems(self) -> list[tuple[str, str]]:
        if (self.bad is None) == (self.good is None):
            return [("sli", "give exactly one of `bad` and `good` (with `total`)")]
        return []


LE_EXPONENT_FROM = 1e6
"""From here up client libraries write `le` in exponent form (`1e+06`), which the generated matcher does not cover."""


class LatencySLI(_Frozen):
    """Latency SLI from a classic histogram: bad = count - bucket{le=threshold}.

    `histogram` is the base name (`http_request_duration_seconds`), `threshold` an existing bucket bound
    in seconds (finite, positive, below 1e6), `selector` the label matchers (`service="api"`).
    """

    histogram: str
    threshold: float
    selector: str = ""

    def templates(self) -> dict[str, str]:
        return {}

    def problems(self) -> list[tuple[str, str]]:
        found = []
        if not METRIC_NAME.match(self.histogram) or self.histogram.endswith(("_bucket", "_count")):
            found.append(("sli.histogram", f"give the histogram's base name, e.g. http_request_duration_seconds "
                          f"(got {self.histogram!r})"))
        why = self._threshold_problem()
        if why:
            found.append(("sli.threshold", why))
        if self.selector.strip().startswith("{"):
            found.append(("sli.selector", "give the matchers without braces, e.g. service=\"api\""))
        return found

    def _threshold_problem(self) -> str | None:
        """Why `threshold` cannot be a bucket bound the generated `le` matcher finds, else None."""
        value = self.threshold
        if math.isnan(value):
            return "must be a bucket bound in seconds, not NaN"
        if value == math.inf:
            return ('+Inf (le="+Inf") is the bucket every request falls in, so no request could ever be too slow: '
                    "give a finite bucket bound in seconds, e.g. 0.5")
        if value <= 0:
            return f"must be a positive bucket bound in seconds (got {value:g})"
        if value >= LE_EXPONENT_FROM:
            return (f"must be below {LE_EXPONENT_FROM:g} s: from there up client libraries write `le` in exponent "
                    f"form (le=\"1e+06\"), which the generated matcher does not match (got {value!r})")
        return None


class RawSLI(_Frozen):
    """An expression that already yields the error ratio over `{{window}}`.

    Raw SLIs carry no event counts, so the period ratio is a time average. For the generated tests, name
    a gauge (`test_success_gauge`, a series selector) that holds the success ratio the expression reads.
    """

    error_ratio: str
    test_success_gauge: str | None = None

    def templates(self) -> dict[str, str]:
        return {"error_ratio": self.error_ratio}

    def problems(self) -> list[tuple[str, str]]:
        return []


SLI = ErrorRatioSLI | LatencySLI | RawSLI


class AlertTier(_Frozen):
    """Page or ticket tier: extra labels and annotations, or `enabled=False` to drop it."""

    enabled: bool = True
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class Alerting(_Frozen):
    """Burn-rate alerts: one name for all pairs; `severity` defaults to critical (page) / warning (ticket)."""

    name: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    summary: str | None = None
    description: str | None = None
    runbook_url: str | None = None
    annotations: dict[str, str] = Field(default_factory=dict)
    page: AlertTier = AlertTier()
    ticket: AlertTier = AlertTier()


class SLO(_Frozen):
    """A service level objective: `objective` percent of events good over a rolling `period`."""

    service: str
    name: str
    objective: float
    sli: SLI
    period: str = "30d"
    description: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    alerting: Alerting = Alerting()
    windows: WindowTable | None = None
    scrape_interval: str = DEFAULT_SCRAPE_INTERVAL
    spec: str = Field(default="python", description="where it was written: python, prometheus/v1, openslo/v1")

    @property
    def id(self) -> str:
        return slo_id(self.service, self.name)

    @property
    def table(self) -> WindowTable:
        return self.windows or table_for(self.period)

    @property
    def alert_name(self) -> str:
        return self.alerting.name or "".join(p.capitalize() for p in re.split(r"[^a-zA-Z0-9]+", self.id) if p) + "BurnRate"

    def with_default_runbook(self, base_url: str, annotations: tuple[str, ...] = ("runbook_url",)) -> SLO:
        """This SLO, its alerts linking to `<base_url>#<alert name, lower case>` (the anchor GitHub gives a
        `## AlertName` heading) in the first of the runbook `annotations`, unless it names a runbook itself."""
        alerting = self.alerting
        if alerting.runbook_url or any(name in alerting.annotations for name in annotations):
            return self
        url, name = f"{base_url}#{self.alert_name.lower()}", annotations[0]
        update = {"runbook_url": url} if name == "runbook_url" else {"annotations": {**alerting.annotations, name: url}}
        return self.model_copy(update={"alerting": alerting.model_copy(update=update)})

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for everything wrong with this SLO."""
        found: list[tuple[str, str]] = []
        for field in ("service", "name"):
            if not NAME.match(getattr(self, field)):
                found.append((field, f"use letters, digits, '-', '_' or '.' (got {getattr(self, field)!r})"))
        why = objective_problem(self.objective)
        if why:
            found.append(("objective", why))
        found += _duration_problems(self)
        found += self.sli.problems()
        for field, template in self.sli.templates().items():
            found += _template_problems(f"sli.{field}", template)
        for field, labels in (("labels", self.labels), ("alerting.labels", self.alerting.labels),
                              ("alerting.page.labels", self.alerting.page.labels),
                              ("alerting.ticket.labels", self.alerting.ticket.labels)):
            found += [(field, f"{name!r} is not a valid label name") for name in labels if not LABEL_NAME.match(name)]
        found += _annotation_problems(self.alerting)
        return found


def objective_problem(objective: float) -> str | None:
    """Why an objective (a percentage) cannot be one, else None; a ratio such as 0.999 is taken for the mistake it
    is (0.999%), not reported as the window factors it would break."""
    if not 0 < objective < 100:
        return f"must be between 0 and 100, both exclusive (got {objective:g}): 100 leaves no error budget"
    if objective < 1:
        return (f"is a percentage: {objective:g} would mean {objective:g}% of events good; "
                f"for {objective * 100:g}% write {objective * 100:g}")
    return None


def _duration_problems(slo: SLO) -> list[tuple[str, str]]:
    found = []
    for field in ("period", "scrape_interval"):
        try:
            parse_duration(getattr(slo, field))
        except ValueError as err:
            found.append((field, str(err)))
    if not found and slo.windows is not None and slo.windows.period != slo.period:
        found.append(("windows.period", f"the table is for {slo.windows.period} but the SLO period is {slo.period}"))
    return found


def _template_problems(field: str, template: str) -> list[tuple[str, str]]:
    if SLO_WINDOW_PLACEHOLDER not in template:
        return [(field, f"needs the {SLO_WINDOW_PLACEHOLDER} placeholder where the range goes, "
                 f"e.g. rate(http_requests_total[{SLO_WINDOW_PLACEHOLDER}])")]
    try:
        parsed = promql.parse(template.replace(SLO_WINDOW_PLACEHOLDER, "5m"))
    except ValueError as err:
        return [(field, f"{err} (with {SLO_WINDOW_PLACEHOLDER} = 5m)")]
    if not parsed.is_one_series():
        return [(field, "must return one series without labels: aggregate it, e.g. sum(rate(...)) "
                 "(per-label SLOs are not supported; define one SLO per label value)")]
    return []


def _annotation_problems(alerting: Alerting) -> list[tuple[str, str]]:
    """Only {{ $labels.NAME }} templates: the generated tests must be able to predict the rendered text."""
    texts = {"alerting.summary": alerting.summary, "alerting.description": alerting.description,
             "alerting.runbook_url": alerting.runbook_url}
    for prefix, extra in (("alerting.annotations", alerting.annotations),
                         ("alerting.page.annotations", alerting.page.annotations),
                         ("alerting.ticket.annotations", alerting.ticket.annotations)):
        texts.update({f"{prefix}.{k}": v for k, v in extra.items()})
    found = [(field, why) for field, text in texts.items() if text for why in [go_template.problem(text)] if why]
    return found or [(field, f"only {{{{ $labels.NAME }}}} templates are supported (got {{{{{bad}}}}}): the "
                      "generated tests must predict the rendered text")
                     for field, text in texts.items() if text
                     for bad in TEMPLATE.findall(text) if not LABEL_TEMPLATE.match(bad)]


def render_labels(text: str, labels: dict[str, str]) -> str:
    """Render `{{ $labels.NAME }}` the way Prometheus does (missing labels render empty)."""
    return TEMPLATE.sub(lambda m: labels.get(LABEL_TEMPLATE.match(m.group(1)).group(1), ""), text)
