"""SLO reports: error budgets, burn rates, alert pairs and forecasts from event counts at one fixed time.

Pure: `plan` says which queries a report needs, `slo_report` turns their answers into the report's JSON entry
(the document is described in docs/report.md). Events are counted from the raw SLI queries over each exact window
(`rate(...[W])` times W seconds, which is Prometheus's `increase`), so a report needs no recording rules.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .compile.slo import at as with_window
from .compile.slo import enabled_windows, event_queries, selector
from .conventions import SLO_BAD_EVENTS, SLO_ERROR_RATIO, SLO_TOTAL_EVENTS
from .durations import format_duration, iso, parse_duration
from .model.slo import SLO, RawSLI
from .slo_math import burn_rate_factor, burn_threshold, calendar_bounds, error_budget, pair_fires, rolling_bounds

PeriodKind = Literal["rolling", "calendar-month", "calendar-week"]
PERIOD_KINDS: tuple[str, ...] = ("rolling", "calendar-month", "calendar-week")
WARNING_REMAINING = 0.25
"""Below this share of the budget left, an SLO that is not breached is a warning."""
FORECAST_WINDOWS = ("1h", "1d")
"""The burn rates the exhaustion forecast extrapolates."""


@dataclass(frozen=True)
class Period:
    """The period a report covers: [start, end) and its full length (a calendar month is longer than its part)."""

    kind: str
    start: datetime
    end: datetime
    length_seconds: float

    @property
    def window(self) -> str:
        """The PromQL range covering start..end."""
        return range_between(self.start, self.end)


def range_between(start: datetime, end: datetime) -> str:
    """The PromQL range from `start` to `end` (whole seconds, at least one)."""
    return format_duration(max(1, round((end - start).total_seconds())))


def period_of(slo: SLO, kind: str, at: datetime, zone: str = "UTC") -> Period:
    """The SLO's rolling period ending at `at`, or the calendar month or week holding `at`, up to `at`."""
    if kind == "rolling":
        start, end = rolling_bounds(slo.period, at)
        return Period(kind, start, end, parse_duration(slo.period))
    full_start, full_end = calendar_bounds("month" if kind == "calendar-month" else "week", at, zone)
    return Period(kind, full_start, at, (full_end - full_start).total_seconds())


def windows_of(slo: SLO) -> list[str]:
    """The SLO's own alert windows and the forecast's (1h, 1d), shortest first."""
    return sorted(set(slo.table.durations()) | set(FORECAST_WINDOWS), key=parse_duration)


Query = tuple[str, str]
"""(window, "bad" | "total" | "ratio"): what one query of a report answers."""


def plan(slo: SLO, period: Period, source: str = "raw") -> dict[Query, str]:
    """Every query one SLO's report needs. From raw events: bad and total events per second over each window and
    the period (a raw SLI: its error ratio). From recordings: the recorded error ratio of each window and of the
    period, and the period's average bad and total event rates."""
    if source == "recordings":
        return _recorded(slo, period)
    queries: dict[Query, str] = {}
    for label, window in [*((w, w) for w in windows_of(slo)), ("period", period.window)]:
        if isinstance(slo.sli, RawSLI):
            queries[(label, "ratio")] = with_window(slo.sli.error_ratio, window)
        else:
            bad, total = event_queries(slo.sli, window)
            queries[(label, "bad")], queries[(label, "total")] = bad, total
    return queries


def _recorded(slo: SLO, period: Period) -> dict[Query, str]:
    """The `slo:*` series the SLO's recording rules write (they exist only for the SLO's own rolling period)."""
    if period.kind != "rolling":
        raise ValueError(f"recordings cover {slo.id}'s rolling {slo.period} only: use --from raw for calendar periods")
    sel, table = selector(slo), set(slo.table.durations())
    queries: dict[Query, str] = {(w, "ratio"): f"{SLO_ERROR_RATIO.format(window=w)}{sel}"
                                 for w in windows_of(slo) if w in table}
    queries[("period", "ratio")] = f"{SLO_ERROR_RATIO.format(window=slo.period)}{sel}"
    if not isinstance(slo.sli, RawSLI):
        base = slo.table.durations()[0]
        for kind, record in (("bad", SLO_BAD_EVENTS), ("total", SLO_TOTAL_EVENTS)):
            queries[("period", kind)] = f"avg_over_time({record.format(window=base)}{sel}[{slo.period}])"
    return queries


def seconds_of(label: str, period: Period) -> float:
    return (period.end - period.start).total_seconds() if label == "period" else parse_duration(label)


def slo_report(slo: SLO, period: Period, answers: Mapping[Query, float | None], at: datetime) -> dict:
    """One SLO's report entry from the answers to `plan(slo, period)` (None: the query returned nothing)."""
    budget = error_budget(slo.objective)
    problems: list[str] = []
    ratios = {label: _ratio(slo, label, answers) for label in [*windows_of(slo), "period"]}
    events = _events(slo, period, answers)
    period_ratio = ratios["period"]
    if period_ratio is None:
        problems.append(f"no traffic in the period ({iso(period.start)} to {iso(period.end)}): nothing to report")
    consumed = None if period_ratio is None else period_ratio / budget * (period.end - period.start).total_seconds() \
        / period.length_seconds
    remaining = None if consumed is None else 1 - consumed
    burn = {label: None if ratio is None else ratio / budget for label, ratio in ratios.items()}
    silent = [label for label in windows_of(slo) if ratios[label] is None]
    if silent and period_ratio is not None:
        problems.append(f"no traffic in the last {', '.join(silent)}: no burn rate there")
    alerts = [{"severity": w.tier, "short_window": w.short, "long_window": w.long,
               "factor": round(burn_rate_factor(w, slo.period), 6),
               "firing": pair_fires(burn_threshold(w, slo.period, budget), ratios[w.short], ratios[w.long])}
              for w in enabled_windows(slo)]
    return {
        "id": slo.id, "service": slo.service, "slo": slo.name, "objective": slo.objective,
        "period": {"start": iso(period.start), "end": iso(period.end), "kind": period.kind},
        "events": events,
        "sli": None if period_ratio is None else 1 - period_ratio,
        "error_budget": {
            "total_fraction": budget, "consumed_fraction": consumed, "remaining_fraction": remaining,
            "remaining_minutes": None if remaining is None else remaining * budget * period.length_seconds / 60},
        "burn_rates": burn,
        "alerts": alerts,
        "exhaustion_forecast": {w: _exhaustion(remaining, burn.get(w), period, at) for w in FORECAST_WINDOWS},
        "status": _status(remaining, alerts),
        "problems": problems,
    }


def _ratio(slo: SLO, label: str, answers: Mapping[Query, float | None]) -> float | None:
    """The error ratio over a window; None without traffic (never NaN, never a division by zero)."""
    if (label, "ratio") in answers or isinstance(slo.sli, RawSLI):
        value = answers.get((label, "ratio"))
        return None if value is None or value != value else min(1.0, max(0.0, value))
    total, bad = answers.get((label, "total")), answers.get((label, "bad"))
    if total is None or total != total or total <= 0:
        return None
    return min(1.0, max(0.0, (bad or 0.0) / total))  # no bad series at all: no bad events


def _events(slo: SLO, period: Period, answers: Mapping[Query, float | None]) -> dict[str, float | None]:
    """Bad and total events over the period (rate times the window's seconds); null for a raw SLI."""
    if isinstance(slo.sli, RawSLI):
        return {"total": None, "bad": None}
    seconds = seconds_of("period", period)
    total, bad = answers.get(("period", "total")), answers.get(("period", "bad"))
    return {"total": None if total is None else total * seconds,
            "bad": None if total is None else (bad or 0.0) * seconds}


def _exhaustion(remaining: float | None, burn: float | None, period: Period, at: datetime) -> str | None:
    """When the budget runs out if it keeps burning at `burn`: `at` when it already has, None when it never will
    (no burn) or nothing is known."""
    if remaining is None or burn is None:
        return None
    if remaining <= 0:
        return iso(at)
    if burn <= 0:
        return None
    return iso(at + timedelta(seconds=round(remaining * period.length_seconds / burn)))


def _status(remaining: float | None, alerts: list[dict]) -> str:
    if remaining is None:
        return "no-data"
    if remaining <= 0:
        return "breached"
    if remaining < WARNING_REMAINING or any(a["firing"] for a in alerts):
        return "warning"
    return "ok"
