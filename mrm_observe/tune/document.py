"""The tune document: one entry per alert (its episodes and numbers as written, the what-if grid, the
recommendation), the range and the incidents; and the series the HTML timeline draws. docs/tune.md lists every
field."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..durations import duration_text
from ..slo_math import budget_spent_at_detection, detection_seconds, error_budget
from .advice import recommend
from .backtest import (Axes, Firing, Grid, Incident, Inputs, Labels, Runs, TunedAlert, Variant, active_runs,
                       burn_window, episode_labels, episodes, firing, moment, own_variant, variants)
from .numbers import incident_numbers, stats

CHART_POINTS = 600
"""Points per line of a timeline (each the extreme of its stretch, so a spike is never averaged away)."""
CHART_SERIES = 6
"""Lines per timeline at most: the label sets that fired longest, then the highest."""


def slo_numbers(alert: TunedAlert, variant: Variant) -> dict:
    """An SLO alert variant's windows and factor, and after how long a full outage pages and what share of the
    period's error budget is spent by then (slo_math)."""
    slo = alert.slo.slo
    window, budget = burn_window(alert, variant), error_budget(slo.objective)
    seconds = detection_seconds(window, slo.period, budget)
    spent = budget_spent_at_detection(window, slo.period, budget)
    return {"short_window": variant.short, "long_window": variant.long, "factor": variant.factor,
            "detection_seconds": None if seconds is None else round(seconds, 3),
            "budget_spent_at_detection": None if spent is None else round(spent, 6)}


def tune_alert(alert: TunedAlert, inputs: Inputs, grid: Grid, axes: Axes, incidents: Sequence[Incident] | None,
               zone: str = "UTC") -> dict:
    """One alert's entry."""
    own = own_variant(alert, inputs.threshold)
    concerned = None if incidents is None else [i for i in incidents if i.concerns(alert.alert)]
    conditions: dict[tuple, dict[Labels, Runs]] = {}

    def outcome(variant: Variant) -> tuple[Firing, dict | None]:
        key = (variant.threshold, variant.factor, variant.short, variant.long)
        if key not in conditions:
            conditions[key] = active_runs(alert, inputs, variant)
        found = firing(conditions[key], grid, variant, episode_labels(alert, variant))
        return found, None if concerned is None else incident_numbers(found, concerned)

    fired, numbers = outcome(own)
    found = episodes(fired)
    rows = [(variant, _row(alert, variant, *outcome(variant))) for variant in variants(alert, inputs.threshold, axes)]
    no_data = (alert.slo is not None or inputs.op is not None) and not any(inputs.frames.values())
    entry = {
        "alert": alert.alert, "group": alert.group, "source": alert.source,
        "interval": duration_text(alert.interval_seconds), "expr": alert.expr, "threshold": inputs.threshold,
        "for": duration_text(alert.for_seconds), "keep_firing_for": duration_text(alert.keep_firing_for_seconds),
        "labels": dict(alert.labels),
        "slo": None if alert.slo is None else {"id": alert.slo.slo.id, "tier": alert.slo.window.tier,
                                               **slo_numbers(alert, own)},
        "episodes": [e.entry() for e in found], **stats(found, zone), "incidents": numbers,
        "whatif": [row for _, row in rows],
        "problems": ["no data: " + ("the SLI returned no traffic over the range" if alert.slo else
                                    "the expression without its comparison returned nothing over the range")]
        if no_data else [],
    }
    entry["recommendation"] = recommend(own, entry, rows, inputs.op)
    return entry


def _row(alert: TunedAlert, variant: Variant, found: Firing, numbers: dict | None) -> dict:
    threshold = variant.threshold if alert.slo is None else \
        round(variant.factor * error_budget(alert.slo.slo.objective), 12)
    row = {"threshold": threshold, "for": duration_text(variant.for_seconds),
           "keep_firing_for": duration_text(variant.keep_firing_for_seconds),
           "episode_count": sum(fired.size for fired, _ in found.values()),
           "firing_seconds": round(float(sum((resolved - fired).sum() for fired, resolved in found.values())), 3),
           "precision": None if numbers is None else numbers["precision"],
           "recall": None if numbers is None else numbers["recall"],
           "detection_delay_seconds": None if numbers is None else numbers["detection_delay_seconds"]}
    if alert.slo is not None:
        row.update(slo_numbers(alert, variant))
    return row


def document(entries: list[dict], start: float, end: float, steps: Sequence[float],
             incidents: Sequence[Incident] | None, zone: str, prometheus: str) -> dict:
    """The whole document: the range, the alerts noisiest first (then by name, group and expression), the incidents
    given. `range.step` is the evaluation interval when every alert shares one, else null."""
    order = sorted(range(len(entries)), key=lambda i: (-entries[i]["episode_count"], entries[i]["alert"],
                                                        entries[i]["group"], entries[i]["expr"], i))
    distinct = sorted(set(steps))
    return {"range": {"start": moment(start), "end": moment(end),
                      "step": duration_text(distinct[0]) if len(distinct) == 1 else None},
            "prometheus": prometheus, "timezone": zone,
            "incidents": None if incidents is None else [i.entry() for i in incidents],
            "alerts": [entries[i] for i in order]}


def chart_data(alert: TunedAlert, inputs: Inputs, grid: Grid) -> dict:
    """What the alert's timeline draws against its threshold: the expression without its comparison, or for an SLO
    alert the burn rate over its short and long window against the burn factor; nothing for other expressions.
    {"kind": "value" | "burn" | "none", "threshold", "series": [{"name", "points": [(seconds, value | None)]}]}."""
    if alert.slo is not None:
        own = own_variant(alert, None)
        budget = error_budget(alert.slo.slo.objective)
        lines = [(f"burn rate {window}{_name(labels)}", series.values / budget, series.present)
                 for window in (own.short, own.long) for labels, series in sorted(inputs.frames[window].items())]
        return {"kind": "burn", "threshold": own.factor, "series": _lines(lines[:CHART_SERIES], grid, ">")}
    if inputs.op is None:
        return {"kind": "none", "threshold": None, "series": []}
    (only,) = inputs.frames.values()
    first = grid.first
    ranked = sorted(only.items(), key=lambda item: (-int(item[1].present[first:].sum()),
                                                     -_extreme(item[1], first, inputs.op), item[0]))
    lines = [(_name(labels), series.values, series.present) for labels, series in ranked[:CHART_SERIES]]
    return {"kind": "value", "threshold": inputs.threshold, "series": _lines(lines, grid, inputs.op)}


def _name(labels: Labels) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels) + "}" if labels else ""


def _extreme(series, first: int, op: str) -> float:
    values = series.values[first:][series.present[first:]]
    if not values.size or np.isnan(values).all():
        return -np.inf
    return float(np.nanmax(values) if op.startswith(">") else -np.nanmin(values))


def _lines(lines: list[tuple[str, np.ndarray, np.ndarray]], grid: Grid, op: str) -> list[dict]:
    """Each line over the range cut into at most CHART_POINTS stretches, each drawn at its extreme (the maximum for
    `>`, the minimum for `<`), None where nothing was returned."""
    size = max(1, -(-(grid.count - grid.first) // CHART_POINTS))
    pick = np.fmax.reduce if op.startswith(">") or op == "!=" else np.fmin.reduce
    out = []
    for name, values, present in lines:
        points = []
        for start in range(grid.first, grid.count, size):
            stretch = values[start:start + size][present[start:start + size]]
            value = float(pick(stretch)) if stretch.size else None
            points.append((grid.time(start), None if value is None or np.isnan(value) else value))
        out.append({"name": name, "points": points})
    return out
