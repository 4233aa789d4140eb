"""Panel factories on grafanalib: RED (rate, errors, duration), USE (utilisation, saturation) and KPI stats.

Every factory returns an ordinary grafanalib panel; layout, ids and datasource references are
filled in at compile time, so definitions only say what to show. Time series factories take the
keyword options of `_finish` (`**look`): title, description, thresholds, legend_table.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grafanalib.core import GridPos, RowPanel, Stat, Target, Threshold, TimeSeries

RATE_WINDOW = "$__rate_interval"
THRESHOLD_COLOURS = ("orange", "red")
LEGEND_TABLE_CALCS = ("mean", "max", "lastNotNull")


def _by(labels: Sequence[str]) -> str:
    return f" by ({', '.join(labels)})" if labels else ""


def _legend(labels: Sequence[str]) -> str:
    return " ".join("{{" + label + "}}" for label in labels)


def _matchers(selector: str, extra: str = "") -> str:
    parts = [p for p in (selector.strip(), extra) if p]
    return "{" + ", ".join(parts) + "}"


def _steps(values: Sequence[float]) -> list[Threshold]:
    """Green base step, then amber and red at the given values (red alone when only one is given as crit)."""
    colours = THRESHOLD_COLOURS[-len(values):] if values else ()
    return [Threshold("green", 0, 0.0)] + [Threshold(c, i + 1, float(v)) for i, (c, v) in enumerate(zip(colours, values))]


def _finish(panel: TimeSeries, title: str | None = None, description: str | None = None,
            thresholds: Sequence[float] = (), legend_table: bool = False) -> TimeSeries:
    """Apply the keyword options every time series factory takes.

    title and description replace the factory's; thresholds draws lines at one (red) or two (amber, red)
    values, e.g. the alert thresholds; legend_table puts a mean/max/last legend table under the graph.
    """
    if title:
        panel.title = title
    if description:
        panel.description = description
    if thresholds:
        panel.thresholds = _steps(thresholds)
        panel.thresholdsStyleMode = "line"
    if legend_table:
        panel.legendDisplayMode = "table"
        panel.legendCalcs = list(LEGEND_TABLE_CALCS)
    return panel


def row(title: str) -> RowPanel:
    """A full-width row header; the panels after it belong to it."""
    return RowPanel(title=title)


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


def request_rate(metric: str, selector: str, by: Sequence[str] = ("service",), width: int = 8,
                 **look: Any) -> TimeSeries:
    """RED rate: requests per second from a counter (or a histogram's _count)."""
    panel = timeseries("Request rate", f"sum{_by(by)} (rate({metric}{_matchers(selector)}[{RATE_WINDOW}]))",
                       unit="reqps", legend=_legend(by), width=width,
                       description=f"Requests per second, from {metric}.")
    return _finish(panel, **look)


def error_ratio(metric: str, selector: str, by: Sequence[str] = ("service",), status_label: str = "status",
                width: int = 8, **look: Any) -> TimeSeries:
    """RED errors: 4xx and 5xx as a fraction of all requests (a ratio, not a rate)."""
    total = f"sum{_by(by)} (rate({metric}{_matchers(selector)}[{RATE_WINDOW}]))"
    targets = []
    for cls in ("4", "5"):
        bad = f"sum{_by(by)} (rate({metric}{_matchers(selector, f'{status_label}=~{chr(34)}{cls}..{chr(34)}')}[{RATE_WINDOW}]))"
        targets.append(Target(expr=f"{bad}\n/\n{total}", legendFormat=f"{cls}xx {_legend(by)}".strip()))
    panel = timeseries("Error ratio (4xx / 5xx)", targets, unit="percentunit", width=width,
                       description="Share of requests answered with 4xx and with 5xx.")
    return _finish(panel, **look)


def latency_quantiles(histogram: str, selector: str, by: Sequence[str] = ("service",),
                      quantiles: Sequence[float] = (0.5, 0.95, 0.99), width: int = 8, **look: Any) -> TimeSeries:
    """RED duration: p50/p95/p99 from a Prometheus histogram (`<histogram>_bucket`)."""
    group = _by(("le", *by))
    targets = [
        Target(expr=f"histogram_quantile({q}, sum{group} (rate({histogram}_bucket{_matchers(selector)}[{RATE_WINDOW}])))",
               legendFormat=f"p{round(q * 100):d} {_legend(by)}".strip())
        for q in quantiles
    ]
    panel = timeseries("Latency " + "/".join(f"p{round(q * 100):d}" for q in quantiles), targets, unit="s",
                       width=width, description=f"Request duration quantiles from {histogram}.")
    return _finish(panel, **look)


def red_panels(metric: str, histogram: str, selector: str, by: Sequence[str] = ("service",),
               status_label: str = "status") -> list[TimeSeries]:
    """Rate, errors and duration side by side for one service selector."""
    return [request_rate(metric, selector, by), error_ratio(metric, selector, by, status_label),
            latency_quantiles(histogram, selector, by)]


def utilisation(title: str, expr: str, legend: str = "", unit: str = "percentunit", width: int = 12,
                **look: Any) -> TimeSeries:
    """USE utilisation: a 0..1 (or unit-bearing) busy fraction over time."""
    return timeseries(title, expr, unit=unit, legend=legend, width=width, **look)


def saturation(title: str, expr: str, legend: str = "", unit: str = "short", width: int = 12,
               **look: Any) -> TimeSeries:
    """USE saturation: queued or waiting work over time."""
    return timeseries(title, expr, unit=unit, legend=legend, width=width, **look)


def stat_kpi(title: str, expr: str, unit: str = "short", warn: float | None = None, crit: float | None = None,
             description: str = "", width: int = 6, height: int = 4, reduce: str = "lastNotNull") -> Stat:
    """A KPI stat with a sparkline; warn/crit add amber/red thresholds."""
    steps = [Threshold("green", 0, 0.0)]
    if warn is not None:
        steps.append(Threshold("orange", 1, float(warn)))
    if crit is not None:
        steps.append(Threshold("red", len(steps), float(crit)))
    return Stat(title=title, description=description, format=unit, reduceCalc=reduce, graphMode="area",
                targets=[Target(expr=expr, instant=True)], thresholds=steps,
                gridPos=GridPos(h=height, w=width, x=0, y=0))
