"""Shared pieces of the platform dashboards: variables, thresholds, legends and the dashboard shell.

Not a definition module (the leading underscore keeps discovery away); the dashboards import it
relatively: `from ._common import platform_dashboard, variable, ...`.
"""
from __future__ import annotations

from collections.abc import Sequence

from mrm_observe import Dashboard, GridPos, Stat, Template, Templating, Threshold, Time, TimeSeries, stat_kpi

TAGS = ["mrm-platform"]
RATE = "$__rate_interval"

# Colours of threshold steps: the base step is green, then amber, then red.
_STEP_COLOURS = ("orange", "red")


def variable(name: str, query: str, label: str, include_all: bool = True) -> Template:
    """A multi-value query variable with an `All` option, refreshed when the time range changes."""
    return Template(name=name, label=label, query=query, dataSource="Prometheus",
                    includeAll=include_all, multi=include_all, refresh=2, sort=1)


def with_thresholds(panel: TimeSeries, *values: float, style: str = "line") -> TimeSeries:
    """Draw amber/red threshold lines (e.g. the alert thresholds) on a time series."""
    panel.thresholds = [Threshold("green", 0, 0.0)] + [
        Threshold(colour, i + 1, float(v)) for i, (colour, v) in enumerate(zip(_STEP_COLOURS, values))
    ]
    panel.thresholdsStyleMode = style
    return panel


def table_legend(panel: TimeSeries, calcs: Sequence[str] = ("mean", "max", "lastNotNull")) -> TimeSeries:
    """A legend table under the graph with summary columns, sortable in Grafana."""
    panel.legendDisplayMode = "table"
    panel.legendCalcs = list(calcs)
    return panel


def describe(panel: TimeSeries, description: str) -> TimeSeries:
    """Give a factory-made panel a description (utilisation() and saturation() take none)."""
    panel.description = description
    return panel


def titled(panel: TimeSeries, title: str, description: str = "") -> TimeSeries:
    """Rename a factory-made panel (factories use generic titles) and optionally describe it."""
    panel.title = title
    if description:
        panel.description = description
    return panel


def kpi(title: str, expr: str, unit: str, description: str, warn: float | None = None,
        crit: float | None = None, width: int = 6, height: int = 4) -> Stat:
    """A stat with a description and a sparkline of the same query (height 8 to sit beside graphs)."""
    panel = stat_kpi(title, expr, unit=unit, warn=warn, crit=crit, description=description, width=width)
    panel.graphMode = "area"
    panel.gridPos = GridPos(h=height, w=width, x=0, y=0)
    return panel


def platform_dashboard(title: str, description: str, panels: list, variables: Sequence[Template] = (),
                       tags: Sequence[str] = ()) -> Dashboard:
    """The common shell: tags, shared crosshair, 1m refresh, last 6 hours, UTC."""
    return Dashboard(
        title=title, description=description, panels=panels,
        tags=[*TAGS, *tags], graphTooltip=1, refresh="1m", timezone="utc",
        time=Time("now-6h", "now"), templating=Templating(list=list(variables)),
    )
