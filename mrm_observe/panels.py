"""Panel factories on grafanalib: RED (rate, errors, duration), USE (utilisation, saturation) and KPI stats.

Every factory returns an ordinary grafanalib panel; layout, ids and datasource references are
filled in at compile time, so definitions only say what to show. Time series factories take the
keyword options of `_finish` (`**look`): title, description, thresholds, legend_table.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from grafanalib.core import GridPos, RowPanel, Stat, Target, Threshold, TimeSeries

from .hints import ArgumentError, describe, unknown_argument

Factory = TypeVar("Factory", bound=Callable[..., Any])

RATE_WINDOW = "$__rate_interval"
THRESHOLD_COLOURS = ("orange", "red")
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


def _threshold_values(values: Sequence[float]) -> tuple[float, ...]:
    """None, one (red) or two (amber, red) numbers, or a TypeError saying so."""
    if (not isinstance(values, (list, tuple)) or len(values) > 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
        raise ArgumentError(f"thresholds: expected a list of one number (red) or two (amber, red), e.g. thresholds=[0.5] "
                        f"or thresholds=[0.5, 0.9] (got {describe(values)})")
    return tuple(values)


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
    values = _threshold_values(thresholds)
    if values:
        panel.thresholds = _steps(values)
        panel.thresholdsStyleMode = "line"
    if legend_table:
        panel.legendDisplayMode = "table"
        panel.legendCalcs = list(LEGEND_TABLE_CALCS)
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
    steps = [Threshold("green", 0, 0.0)]
    if warn is not None:
        steps.append(Threshold("orange", 1, float(warn)))
    if crit is not None:
        steps.append(Threshold("red", len(steps), float(crit)))
    return Stat(title=title, description=description, format=unit, reduceCalc=reduce, graphMode="area",
                targets=[Target(expr=expr, instant=True)], thresholds=steps,
                gridPos=GridPos(h=height, w=width, x=0, y=0))
