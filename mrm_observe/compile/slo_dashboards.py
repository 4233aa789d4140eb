"""SLOs of one service -> a grafanalib dashboard (compiled to Grafana JSON by `compile_dashboard`).

One row per SLO: SLI against the objective, error budget left over the period, burn rate per window
with the alert factors drawn as thresholds, and which burn-rate alerts are firing.
"""
from __future__ import annotations

from grafanalib.core import Dashboard, GridPos, RowPanel, Stat, Target, Threshold, Time, TimeSeries

from ..conventions import (SLO_BUDGET_REMAINING, SLO_ERROR_RATIO, SLO_OBJECTIVE, SLO_TIER_LABEL,
                           SLO_ALERT_WINDOW_LABELS, dashboard_uid, slo_dashboard_title)
from ..model.slo import SLO
from ..slo_math import burn_rate_factor, error_budget
from .slo import enabled_windows, num, selector

COLOURS = ("yellow", "orange", "red", "purple")
"""Threshold line colours by rising burn-rate factor: the slow ticket burn is yellow, the fastest page burn purple."""


def _series(title: str, targets: list[Target], unit: str, width: int, description: str,
            steps: list[Threshold] | None = None) -> TimeSeries:
    panel = TimeSeries(title=title, description=description, unit=unit, targets=targets,
                       gridPos=GridPos(h=8, w=width, x=0, y=0))
    if steps:
        panel.thresholds = steps
        panel.thresholdsStyleMode = "dashed"
    return panel


def slo_row(slo: SLO) -> list:
    """The panels of one SLO."""
    sel, first = selector(slo), slo.table.durations()[0]
    sli = _series(
        "SLI vs objective", [Target(expr=f"1 - {SLO_ERROR_RATIO.format(window=first)}{sel}", legendFormat=f"SLI ({first})"),
                             Target(expr=f"1 - {SLO_ERROR_RATIO.format(window=slo.period)}{sel}",
                                    legendFormat=f"SLI ({slo.period})"),
                             Target(expr=f"{SLO_OBJECTIVE}{sel}", legendFormat="objective")],
        "percentunit", 8, f"Share of good events; the objective is {num(slo.objective)}% over {slo.period}.")
    budget = Stat(title=f"Error budget left ({slo.period})", format="percentunit", reduceCalc="lastNotNull",
                  description="1 - period burn rate: below 0 the SLO is missed over the period.",
                  targets=[Target(expr=f"{SLO_BUDGET_REMAINING}{sel}", instant=True)],
                  thresholds=[Threshold("red", 0, 0.0), Threshold("orange", 1, 0.25), Threshold("green", 2, 0.5)],
                  gridPos=GridPos(h=8, w=4, x=0, y=0))
    windows = enabled_windows(slo)
    steps = [Threshold("green", 0, 0.0)] + [
        Threshold(COLOURS[i % len(COLOURS)], i + 1, burn_rate_factor(w, slo.period))
        for i, w in enumerate(sorted(windows, key=lambda w: burn_rate_factor(w, slo.period)))]
    burn = _series(
        "Burn rate per window",
        [Target(expr=f"{SLO_ERROR_RATIO.format(window=w)}{sel} / {num(error_budget(slo.objective))}", legendFormat=w)
         for w in slo.table.durations()],
        "x", 8, "Error ratio / error budget; dashed lines are the alert factors "
        + ", ".join(f"{w.tier} {w.pair} {num(burn_rate_factor(w, slo.period))}x" for w in windows) + ".", steps)
    labels = ", ".join((SLO_TIER_LABEL, *SLO_ALERT_WINDOW_LABELS[:2]))
    alerts = _series(
        "Firing burn-rate alerts",
        [Target(expr=f'sum by ({labels}) (ALERTS{{alertname="{slo.alert_name}", sloth_id="{slo.id}", '
                     f'alertstate="firing"}})', legendFormat="{{sloth_severity}} {{short_window}}/{{long_window}}")],
        "short", 4, "Which window pairs of this SLO fire now.")
    return [RowPanel(title=f"{slo.name}: {num(slo.objective)}% over {slo.period}"), sli, budget, burn, alerts]


def slo_dashboard(service: str, slos: list[SLO]) -> Dashboard:
    """The SLO dashboard of one service."""
    panels = [panel for slo in sorted(slos, key=lambda s: s.name) for panel in slo_row(slo)]
    title = slo_dashboard_title(service)
    return Dashboard(title=title, uid=dashboard_uid("slo", title), tags=["slo"], panels=panels, time=Time("now-7d", "now"),
                     description=f"Generated from the SLOs of {service}.")
