"""The step of `tune` that reads a Prometheus-compatible server: every expression the selected alerts need, as range
queries at each group's evaluation interval, aligned to its multiples, cut so that none exceeds Prometheus's 11,000
points, sent a few at a time. The tune package holds everything else (pure)."""
from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import ExitCode, ObserveError
from .http_client import RequestFailed, ServerSettings, public_url
from .project import Project, load
from .progress import NoProgress, Progress
from .prometheus_api import PrometheusClient
from .promql import comparison
from .tune.backtest import Axes, Frame, Grid, Incident, Inputs, TunedAlert, frame, grid_for, lead_seconds, \
    ratio_query, windows_needed
from .tune.document import chart_data, document, tune_alert
from .tune.inputs import project_alerts, rule_file_alerts, select

MAX_POINTS = 11_000
"""Points per range query at most (Prometheus refuses more than 11,000 steps)."""
QUERY_POOL = 4
"""Range queries sent at the same time (each is evaluated on one of the server's cores)."""


class QueryFailed(ObserveError):
    """The server answered a query with an error (a refused expression, a timeout on its side...)."""

    exit_code = ExitCode.UNAVAILABLE


def alerts(source: Project | Sequence[Path], patterns: Sequence[str]) -> list[TunedAlert]:
    """The alerting rules of the project's definitions (SLO alerts included), or of rule files, whose name matches
    any of the globs (all without globs)."""
    if not isinstance(source, Project):
        return select(rule_file_alerts(source), patterns, ", ".join(map(str, source)))
    where = ", ".join(str(s.relative_to(source.root)) if s.is_relative_to(source.root) else str(s)
                      for s in source.sources) or f"{source.root} (no alerts/ or slo/ folder)"
    return select(project_alerts(load(source)), patterns, where)


@dataclass(frozen=True)
class Plan:
    """What one alert reads: per name (the query itself, or an SLO window), a query; and how to compare it."""

    queries: dict[str, str]
    op: str | None = None
    threshold: float | None = None


def plan(alert: TunedAlert, axes: Axes) -> Plan:
    """The expression without its comparison when it ends in one with a constant; the whole expression otherwise;
    for an SLO alert the error ratio over every window its grid reads."""
    if alert.slo is not None:
        return Plan({w: ratio_query(alert.slo.slo, w) for w in windows_needed(alert, axes)})
    found = comparison(alert.expr)
    if found is None:
        return Plan({alert.expr: alert.expr})
    return Plan({found.expr: found.expr}, found.op, found.threshold)


def tune(alerts: Sequence[TunedAlert], settings: ServerSettings, start: datetime, end: datetime, axes: Axes,
         incidents: Sequence[Incident] | None = None, zone: str = "UTC", progress: Progress | None = None,
         charts: bool = False) -> tuple[dict, list[dict]]:
    """The tune document for `alerts` over [start, end), and with `charts` what each alert's timeline draws (in the
    document's order; else [])."""
    plans, grids, wanted = reads(alerts, axes, start, end)
    with PrometheusClient(settings) as client:
        client.ready()
        frames = _fetch(client, wanted, grids, progress or NoProgress())
        prometheus = public_url(settings.url)
    entries, drawn = [], {}
    for alert, p in zip(alerts, plans):
        grid = grids[alert.interval_seconds]
        inputs = Inputs({name: frames[(q, alert.interval_seconds)] for name, q in p.queries.items()}, p.op,
                        p.threshold)
        entries.append(tune_alert(alert, inputs, grid, axes, incidents, zone))
        if charts:
            drawn[id(entries[-1])] = chart_data(alert, inputs, grid)
    doc = document(entries, start.timestamp(), end.timestamp(), [a.interval_seconds for a in alerts], incidents,
                   zone, prometheus)
    return doc, [drawn[id(entry)] for entry in doc["alerts"]] if charts else []


def reads(alerts: Sequence[TunedAlert], axes: Axes, start: datetime,
          end: datetime) -> tuple[list[Plan], dict[float, Grid], list[tuple[str, float]]]:
    """What the back-test of `alerts` reads: each alert's plan; per evaluation interval the evaluation times (with
    the lead before `start` that the longest `for` and `keep_firing_for` of the grids need); every distinct
    (query, interval)."""
    plans = [plan(alert, axes) for alert in alerts]
    leads: dict[float, float] = {}
    for alert in alerts:
        leads[alert.interval_seconds] = max(leads.get(alert.interval_seconds, 0.0), lead_seconds(alert, axes))
    grids = {step: grid_for(start.timestamp(), end.timestamp(), step, lead) for step, lead in leads.items()}
    wanted = sorted({(q, alert.interval_seconds) for alert, p in zip(alerts, plans) for q in p.queries.values()})
    return plans, grids, wanted


RangeQuery = tuple[tuple[str, float], float, float]
"""((query, step), first evaluation time, last evaluation time)."""


def range_queries(wanted: Sequence[tuple[str, float]], grids: dict[float, Grid]) -> list[RangeQuery]:
    """Every (query, step) on its grid, cut into range queries of at most MAX_POINTS points."""
    return [(key, first, last) for key in wanted for first, last in grids[key[1]].chunks(MAX_POINTS)]


def _fetch(client: PrometheusClient, wanted: list[tuple[str, float]], grids: dict[float, Grid],
           progress: Progress) -> dict[tuple[str, float], Frame]:
    """Every (query, step) on its grid, in the range queries `range_queries` cuts it into."""
    jobs = range_queries(wanted, grids)
    progress.start(len(jobs))

    def ask(job: RangeQuery) -> list:
        (query, step), first, last = job
        try:
            answer = client.query_range(query, _utc(first), _utc(last), step)
        except RequestFailed as err:
            if err.exit_code == ExitCode.UNAVAILABLE:
                raise
            raise QueryFailed(f"{client.url} could not answer {query!r}: {err}") from None
        progress.advance()
        return [(series.labels, series.points) for series in answer]

    answers: dict[tuple[str, float], list] = {key: [] for key in wanted}
    with ThreadPoolExecutor(QUERY_POOL) as pool:
        for (key, _, _), found in zip(jobs, pool.map(ask, jobs)):
            answers[key] += found
    return {key: frame(found, grids[key[1]]) for key, found in answers.items()}


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)
