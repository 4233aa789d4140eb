"""Panel factories on grafanalib: RED (rate, errors, duration), USE (utilisation, saturation), KPI stats, and the
other panels dashboards are made of: ranked tables, gauges, bar gauges, latency heatmaps, state timelines, pies.

Every factory returns an ordinary grafanalib panel; layout, ids and datasource references are
filled in at compile time, so definitions only say what to show. Time series factories take the
keyword options of `_finish` (`**look`): title, description, thresholds, legend_table, overrides, links.
Thresholds, value mappings, overrides and links are built with `mrm_observe.field_config`.
"""
from __future__ import annotations

import functools
import inspect
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from grafanalib.core import (BarGauge, GaugePanel, GridPos, Heatmap, PieChartv2, Repeat, RowPanel, Stat,
                             StateTimeline, Table, Target, TimeSeries)

from .field_config import by_name, thresholds as threshold_steps, transformation
from .hints import ArgumentError, describe, unknown_argument

Factory = TypeVar("Factory", bound=Callable[..., Any])

RATE_WINDOW = "$__rate_interval"
LEGEND_TABLE_CALCS = ("mean", "max", "lastNotNull")


def helper(factory: Factory) -> Factory:
    """Check a factory's keyword arguments before it runs: a misspelled one names the factory, the closest valid
    name and all of them (including the `_finish` options it passes on as `**look`), never `_finish()`."""
    own = inspect.signature(factory).parameters
    valid = [n for n, p in own.items() if p.kind is not p.VAR_KEYWORD]
    if any(p.kind is p.VAR_KEYWORD for p in own.values()):
        valid += [n for n in inspect.signature(_finish).parameters if n != "panel" and n not in valid]

    @functools.wraps(factory)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for name in kwargs:
            if name not in valid:
                raise ArgumentError(unknown_argument(factory.__name__, name, valid))
        return factory(*args, **kwargs)
    return checked  # type: ignore[return-value]


def label_names(labels: Sequence[str] | str, argument: str = "by") -> tuple[str, ...]:
    """Label names as a tuple: one name given as a string is one label (`by="route"`, not r, o, u, t, e)."""
    names = (labels,) if isinstance(labels, str) else labels
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ArgumentError(f"{argument}: expected a label name or a list of label names, e.g. {argument}=[\"service\"] "
                        f"(got {describe(labels)})")
    return tuple(names)


def _by(labels: Sequence[str]) -> str:
    return f" by ({', '.join(labels)})" if labels else ""


def _legend(labels: Sequence[str]) -> str:
    return " ".join("{{" + label + "}}" for label in labels)


def _listed(value: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A list of field-config mappings (overrides, links, value mappings); one given alone is one, not a list of its
    keys."""
    return [value] if isinstance(value, Mapping) else list(value)


def _matchers(selector: str, extra: str = "") -> str:
    parts = [p for p in (selector.strip(), extra) if p]
    return "{" + ", ".join(parts) + "}"


def _warn_crit(warn: float | None, crit: float | None) -> list[dict[str, Any]]:
    """Threshold steps: green, then amber at warn and red at crit (either may be left out)."""
    given = [(v, c) for v, c in ((warn, "orange"), (crit, "red")) if v is not None]
    return threshold_steps([v for v, _ in given], [c for _, c in given])["steps"]


def _finish(panel: TimeSeries, title: str | None = None, description: str | None = None,
            thresholds: Sequence[float] = (), legend_table: bool = False,
            overrides: Sequence[Mapping[str, Any]] | Mapping[str, Any] = (),
            links: Sequence[Mapping[str, Any]] | Mapping[str, Any] = ()) -> TimeSeries:
    """Apply the keyword options every time series factory takes.

    title and description replace the factory's; thresholds draws lines at one (red) or two (amber, red)
    values, e.g. the alert thresholds; legend_table puts a mean/max/last legend table under the graph;
    overrides (field_config.by_name, by_regex, by_query) and links (field_config.data_link) are added.
    """
    if title:
        panel.title = title
    if description:
        panel.description = description
    steps = threshold_steps(thresholds)["steps"]
    if len(steps) > 1:
        panel.thresholds = steps
        panel.thresholdsStyleMode = "line"
    if legend_table:
        panel.legendDisplayMode = "table"
        panel.legendCalcs = list(LEGEND_TABLE_CALCS)
    panel.overrides = [*panel.overrides, *_listed(overrides)]
    panel.links = [*panel.links, *_listed(links)]
    return panel


@helper
def row(title: str) -> RowPanel:
    """A full-width row header; the panels after it belong to it."""
    return RowPanel(title=title)


@helper
def timeseries(title: str, exprs: Sequence[str | Target] | str, unit: str = "short", legend: str = "",
               description: str = "", width: int = 12, height: int = 8, stacked: bool = False,
               **look: Any) -> TimeSeries:
    """A time series panel with one target per expression (legend applied to all) or per given Target."""
    exprs = [exprs] if isinstance(exprs, str) else list(exprs)
    return _finish(TimeSeries(
        title=title, description=description, unit=unit,
        targets=[e if isinstance(e, Target) else Target(expr=e, legendFormat=legend) for e in exprs],
        gridPos=GridPos(h=height, w=width, x=0, y=0),
        stacking={"mode": "normal", "group": "A"} if stacked else {},
    ), **look)


@helper
def request_rate(metric: str, selector: str, by: Sequence[str] | str = ("service",), width: int = 8,
                 **look: Any) -> TimeSeries:
    """RED rate: requests per second from a counter (or a histogram's _count)."""
    by = label_names(by)
    panel = timeseries("Request rate", f"sum{_by(by)} (rate({metric}{_matchers(selector)}[{RATE_WINDOW}]))",
                       unit="reqps", legend=_legend(by), width=width,
                       description=f"Requests per second, from {metric}.")
    return _finish(panel, **look)


@helper
def error_ratio(metric: str, selector: str, by: Sequence[str] | str = ("service",), status_label: str = "status",
                width: int = 8, **look: Any) -> TimeSeries:
    """RED errors: 4xx and 5xx as a fraction of all requests (a ratio, not a rate)."""
    by = label_names(by)
    total = f"sum{_by(by)} (rate({metric}{_matchers(selector)}[{RATE_WINDOW}]))"
    targets = []
    for cls in ("4", "5"):
        bad = f"sum{_by(by)} (rate({metric}{_matchers(selector, f'{status_label}=~{chr(34)}{cls}..{chr(34)}')}[{RATE_WINDOW}]))"
        targets.append(Target(expr=f"{bad}\n/\n{total}", legendFormat=f"{cls}xx {_legend(by)}".strip()))
    panel = timeseries("Error ratio (4xx / 5xx)", targets, unit="percentunit", width=width,
                       description="Share of requests answered with 4xx and with 5xx.")
    return _finish(panel, **look)


@helper
def latency_quantiles(histogram: str, selector: str, by: Sequence[str] | str = ("service",),
                      quantiles: Sequence[float] | float = (0.5, 0.95, 0.99), width: int = 8, **look: Any) -> TimeSeries:
    """RED duration: p50/p95/p99 from a Prometheus histogram (`<histogram>_bucket`); one quantile may be given alone."""
    by = label_names(by)
    quantiles = (quantiles,) if isinstance(quantiles, (int, float)) else quantiles
    group = _by(("le", *by))
    targets = [
        Target(expr=f"histogram_quantile({q}, sum{group} (rate({histogram}_bucket{_matchers(selector)}[{RATE_WINDOW}])))",
               legendFormat=f"p{round(q * 100):d} {_legend(by)}".strip())
        for q in quantiles
    ]
    panel = timeseries("Latency " + "/".join(f"p{round(q * 100):d}" for q in quantiles), targets, unit="s",
                       width=width, description=f"Request duration quantiles from {histogram}.")
    return _finish(panel, **look)


@helper
def red_panels(metric: str, histogram: str, selector: str, by: Sequence[str] | str = ("service",),
               status_label: str = "status") -> list[TimeSeries]:
    """Rate, errors and duration side by side for one service selector."""
    return [request_rate(metric, selector, by), error_ratio(metric, selector, by, status_label),
            latency_quantiles(histogram, selector, by)]


@helper
def utilisation(title: str, expr: str, legend: str = "", unit: str = "percentunit", width: int = 12,
                **look: Any) -> TimeSeries:
    """USE utilisation: a 0..1 (or unit-bearing) busy fraction over time."""
    return timeseries(title, expr, unit=unit, legend=legend, width=width, **look)


@helper
def saturation(title: str, expr: str, legend: str = "", unit: str = "short", width: int = 12,
               **look: Any) -> TimeSeries:
    """USE saturation: queued or waiting work over time."""
    return timeseries(title, expr, unit=unit, legend=legend, width=width, **look)


@helper
def stat_kpi(title: str, expr: str, unit: str = "short", warn: float | None = None, crit: float | None = None,
             description: str = "", width: int = 6, height: int = 4, reduce: str = "lastNotNull") -> Stat:
    """A KPI stat with a sparkline; warn/crit add amber/red thresholds."""
    return Stat(title=title, description=description, format=unit, reduceCalc=reduce, graphMode="area",
                targets=[Target(expr=expr, instant=True)], thresholds=_warn_crit(warn, crit),
                gridPos=GridPos(h=height, w=width, x=0, y=0))


def _ref(index: int) -> str:
    return string.ascii_uppercase[index]


@dataclass(frozen=True)
class Column:
    """One value column of a ranked table: its title, the instant query behind it, its unit, and optional amber/red
    thresholds that colour its text."""

    title: str
    expr: str
    unit: str = "short"
    warn: float | None = None
    crit: float | None = None


@helper
def ranked_table(title: str, columns: Sequence[Column] | Column, by: Sequence[str] | str, sort_by: str | None = None,
                 limit: int = 10, description: str = "", width: int = 24, height: int = 8,
                 links: Sequence[Mapping[str, Any]] | Mapping[str, Any] = (),
                 overrides: Sequence[Mapping[str, Any]] | Mapping[str, Any] = ()) -> Table:
    """A table with one row per label set of `by` and one column per query, sorted on one column (the first by
    default), highest first, cut to `limit` rows: "top routes by error ratio". Each query must aggregate by
    exactly `by`; `overrides` add to the columns' own (e.g. a data link on a label column)."""
    by = label_names(by)
    columns = [columns] if isinstance(columns, Column) else list(columns)
    if not columns or len(columns) > 26:
        raise ValueError("a ranked table takes 1 to 26 columns")
    titles = [c.title for c in columns]
    sort_by = sort_by or titles[0]
    if sort_by not in titles:
        raise ValueError(f"sort_by {sort_by!r} is not one of the columns {titles}")
    overrides = [*(by_name(c.title, unit=c.unit, **_colour_text(c.warn, c.crit)) for c in columns),
                 *_listed(overrides)]
    return Table(
        title=title, description=description, links=_listed(links), gridPos=GridPos(h=height, w=width, x=0, y=0),
        targets=[Target(expr=c.expr, instant=True, format="table", refId=_ref(i)) for i, c in enumerate(columns)],
        overrides=overrides,
        transformations=[
            transformation("merge"),
            transformation("organize", excludeByName={"Time": True},
                           indexByName={name: i for i, name in enumerate([*by, *(f"Value #{_ref(i)}" for i in
                                                                                    range(len(columns)))])},
                           renameByName={f"Value #{_ref(i)}": c.title for i, c in enumerate(columns)}),
            transformation("sortBy", sort=[{"desc": True, "field": sort_by}]),
            transformation("limit", limitField=limit),
        ],
    )


def _colour_text(warn: float | None, crit: float | None) -> dict[str, Any]:
    if warn is None and crit is None:
        return {}
    return {"thresholds": {"mode": "absolute", "steps": _warn_crit(warn, crit)},
            "properties": {"custom.cellOptions": {"type": "color-text"}}}


@helper
def gauge(title: str, expr: str, unit: str = "percentunit", min_value: float = 0, max_value: float = 1,
          warn: float | None = None, crit: float | None = None, legend: str = "", description: str = "",
          width: int = 6, height: int = 6, repeat: str | None = None) -> GaugePanel:
    """USE saturation as a gauge between min and max (0..1 by default), amber/red from warn/crit; `repeat` draws
    one gauge per value of that dashboard variable."""
    return GaugePanel(
        title=title, description=description, format=unit, min=min_value, max=max_value, calc="lastNotNull",
        targets=[Target(expr=expr, legendFormat=legend, instant=True)], thresholds=_warn_crit(warn, crit),
        gridPos=GridPos(h=height, w=width, x=0, y=0), repeat=Repeat("h", repeat, 6) if repeat else Repeat())


@helper
def bar_gauge(title: str, expr: str, legend: str, unit: str = "percentunit", min_value: float = 0,
              max_value: float | None = 1, warn: float | None = None, crit: float | None = None,
              description: str = "", width: int = 12, height: int = 8) -> BarGauge:
    """One horizontal bar per series (per instance, queue, ...), now: how full each one is."""
    return BarGauge(
        title=title, description=description, format=unit, min=min_value, max=max_value, calc="lastNotNull",
        displayMode="gradient", targets=[Target(expr=expr, legendFormat=legend, instant=True)],
        thresholds=_warn_crit(warn, crit), gridPos=GridPos(h=height, w=width, x=0, y=0))


HEATMAP_OPTIONS = {
    "calculate": False, "cellGap": 1, "color": {"exponent": 0.5, "fill": "dark-orange", "mode": "scheme",
                                                "reverse": False, "scale": "exponential", "scheme": "Oranges",
                                                "steps": 64},
    "exemplars": {"color": "rgba(255,0,255,0.7)"}, "filterValues": {"le": 1e-09}, "legend": {"show": True},
    "rowsFrame": {"layout": "le"}, "showValue": "never",
    "tooltip": {"mode": "single", "showColorScale": False, "yHistogram": True},
}


@helper
def latency_heatmap(histogram: str, selector: str, title: str = "Latency distribution", unit: str = "s",
                    description: str = "", width: int = 12, height: int = 8) -> Heatmap:
    """Requests per second in each bucket of a Prometheus histogram (`<histogram>_bucket`), over time: where the
    quantiles hide a second mode, the heatmap shows it."""
    expr = f"sum by (le) (rate({histogram}_bucket{_matchers(selector)}[{RATE_WINDOW}]))"
    return Heatmap(
        title=title, description=description or f"Requests per second in each duration bucket of {histogram}.",
        targets=[Target(expr=expr, format="heatmap", legendFormat="{{le}}")],
        options={**HEATMAP_OPTIONS, "cellValues": {"unit": "reqps"},
                 "yAxis": {"axisPlacement": "left", "reverse": False, "unit": unit}},
        gridPos=GridPos(h=height, w=width, x=0, y=0))


@helper
def state_timeline(title: str, expr: str, legend: str, mappings: Sequence[Mapping[str, Any]] | Mapping[str, Any],
                   description: str = "", width: int = 24, height: int = 8) -> StateTimeline:
    """Each series as a band of states over time, coloured and named by value mappings (field_config.value_map)."""
    return StateTimeline(
        title=title, description=description, mappings=_listed(mappings), rowHeight=0.8,
        targets=[Target(expr=expr, legendFormat=legend)], gridPos=GridPos(h=height, w=width, x=0, y=0))


@helper
def pie(title: str, expr: str, legend: str, unit: str = "short", description: str = "", width: int = 8,
        height: int = 8) -> PieChartv2:
    """Shares of a whole as a donut, with value and percent in a legend table."""
    return PieChartv2(
        title=title, description=description, unit=unit, pieType="donut", legendDisplayMode="table",
        legendPlacement="right", legendValues=["value", "percent"],
        targets=[Target(expr=expr, legendFormat=legend, instant=True)], gridPos=GridPos(h=height, w=width, x=0, y=0))
