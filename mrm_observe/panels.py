"""Panel factories on grafanalib: RED (rate, errors, duration), USE (utilisation, saturation) and KPI stats.

Every factory returns an ordinary grafanalib panel; layout, ids and datasource references are
filled in at compile time, so definitions only say what to show.
"""
from __future__ import annotations

from collections.abc import Sequence

from grafanalib.core import GridPos, RowPanel, Stat, Target, Threshold, TimeSeries

RATE_WINDOW = "$__rate_interval"


def _by(labels: Sequence[str]) -> str:
    return f" by ({', '.join(labels)})" if labels else ""


def _legend(labels: Sequence[str]) -> str:
    return " ".join("{{" + label + "}}" for label in labels)


def _matchers(selector: str, extra: str = "") -> str:
    parts = [p for p in (selector.strip(), extra) if p]
    return "{" + ", ".join(parts) + "}"


def row(title: str) -> RowPanel:
    """A full-width row header; the panels after it belong to it."""
    return RowPanel(title=title)


def timeseries(title: str, exprs: Sequence[str] | str, unit: str = "short", legend: str = "",
               description: str = "", width: int = 12, height: int = 8, stacked: bool = False) -> TimeSeries:
    """A time series panel with one target per expression (legend applied to all)."""
    exprs = [exprs] if isinstance(exprs, str) else list(exprs)
    return TimeSeries(
        title=title, description=description, unit=unit,
        targets=[Target(expr=e, legendFormat=legend) for e in exprs],
        gridPos=GridPos(h=height, w=width, x=0, y=0),
        stacking={"mode": "normal", "group": "A"} if stacked else {},
    )


def request_rate(metric: str, selector: str, by: Sequence[str] = ("service",), width: int = 8) -> TimeSeries:
    """RED rate: requests per second from a counter (or a histogram's _count)."""
    return timeseries("Request rate", f"sum{_by(by)} (rate({metric}{_matchers(selector)}[{RATE_WINDOW}]))",
                      unit="reqps", legend=_legend(by), width=width,
                      description=f"Requests per second, from {metric}.")


def error_ratio(metric: str, selector: str, by: Sequence[str] = ("service",), status_label: str = "status",
                width: int = 8) -> TimeSeries:
    """RED errors: 4xx and 5xx as a fraction of all requests (a ratio, not a rate)."""
    total = f"sum{_by(by)} (rate({metric}{_matchers(selector)}[{RATE_WINDOW}]))"
    targets = []
    for cls in ("4", "5"):
        bad = f"sum{_by(by)} (rate({metric}{_matchers(selector, f'{status_label}=~{chr(34)}{cls}..{chr(34)}')}[{RATE_WINDOW}]))"
        targets.append(Target(expr=f"{bad}\n/\n{total}", legendFormat=f"{cls}xx {_legend(by)}".strip()))
    panel = timeseries("Error ratio (4xx / 5xx)", [], unit="percentunit", width=width,
                       description="Share of requests answered with 4xx and with 5xx.")
    return _with_targets(panel, targets)


def latency_quantiles(histogram: str, selector: str, by: Sequence[str] = ("service",),
                      quantiles: Sequence[float] = (0.5, 0.95, 0.99), width: int = 8) -> TimeSeries:
    """RED duration: p50/p95/p99 from a Prometheus histogram (`<histogram>_bucket`)."""
    group = _by(("le", *by))
    targets = [
        Target(expr=f"histogram_quantile({q}, sum{group} (rate({histogram}_bucket{_matchers(selector)}[{RATE_WINDOW}])))",
               legendFormat=f"p{round(q * 100):d} {_legend(by)}".strip())
        for q in quantiles
    ]
    panel = timeseries("Latency " + "/".join(f"p{round(q * 100):d}" for q in quantiles), [], unit="s",
                       width=width, description=f"Request duration quantiles from {histogram}.")
    return _with_targets(panel, targets)


def red_panels(metric: str, histogram: str, selector: str, by: Sequence[str] = ("service",),
               status_label: str = "status") -> list[TimeSeries]:
    """Rate, errors and duration side by side for one service selector."""
    return [request_rate(metric, selector, by), error_ratio(metric, selector, by, status_label),
            latency_quantiles(histogram, selector, by)]


def utilisation(title: str, expr: str, legend: str = "", unit: str = "percentunit", width: int = 12) -> TimeSeries:
    """USE utilisation: a 0..1 (or unit-bearing) busy fraction over time."""
    return timeseries(title, expr, unit=unit, legend=legend, width=width)


def saturation(title: str, expr: str, legend: str = "", unit: str = "short", width: int = 12) -> TimeSeries:
    """USE saturation: queued or waiting work over time."""
    return timeseries(title, expr, unit=unit, legend=legend, width=width)


def stat_kpi(title: str, expr: str, unit: str = "short", warn: float | None = None, crit: float | None = None,
             description: str = "", width: int = 6, reduce: str = "lastNotNull") -> Stat:
    """A business KPI stat; warn/crit add amber/red thresholds."""
    steps = [Threshold("green", 0, 0.0)]
    if warn is not None:
        steps.append(Threshold("orange", 1, float(warn)))
    if crit is not None:
        steps.append(Threshold("red", 2, float(crit)))
    return Stat(title=title, description=description, format=unit, reduceCalc=reduce,
                targets=[Target(expr=expr, instant=True)], thresholds=steps,
                gridPos=GridPos(h=4, w=width, x=0, y=0))


def _with_targets(panel: TimeSeries, targets: list[Target]) -> TimeSeries:
    panel.targets = targets
    return panel
