"""The steps that read a Prometheus-compatible server: the SLO report (every query at one fixed time) and the deploy
gate (burn since a deploy, alerts that fired). report.py and gate.py hold their pure parts."""
from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from .definitions import Definitions
from .errors import DefinitionError, Problem
from .gate import ALERTS_QUERY, gate_plan, slo_check, verdict
from .http_client import ServerSettings, public_url
from .model.rules import AlertRule
from .model.slo import SLO
from .project import Project, load
from .prometheus_api import PrometheusClient
from .progress import NoProgress, Progress
from .compile.slo import enabled_windows, event_queries
from .durations import format_duration, iso, parse_duration
from .model.slo import RawSLI
from .query_batch import Request, requests
from .report import PERIOD_KINDS, Period, Query, period_of, plan, range_between, seconds_of, slo_report
from .report_markdown import worst_first
from .slo_math import burn_rate_factor, error_budget

QUERY_POOL = 8
"""Queries sent at the same time."""


def report(project: Project, settings: ServerSettings, at: datetime, kind: str = "rolling", zone: str = "UTC",
           pattern: str = "*", progress: Progress | None = None, charts: bool = False,
           source: str = "raw") -> tuple[dict, dict]:
    """The report document for the SLOs whose id matches `pattern` (worst first), every query evaluated at `at`,
    and, with `charts`, per SLO the series its charts draw (see `chart_series`; else {})."""
    if kind not in PERIOD_KINDS:
        raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)} (got {kind!r})")
    slos = _selected(load(project), project, pattern)
    periods = {slo.id: period_of(slo, kind, at, zone) for slo in slos}
    with PrometheusClient(settings) as client:
        client.ready()
        document = _document(client, slos, periods, at, progress or NoProgress(), source)
        document["prometheus"] = public_url(settings.url)
        return document, chart_series(client, slos, periods) if charts else {}


def _document(client: PrometheusClient, slos: list[SLO], periods: dict[str, Period], at: datetime,
              progress: Progress, source: str) -> dict:
    jobs = planned(slos, periods, source)
    answers = ask_all(client, [expr for _, _, expr in jobs], [key for _, key, _ in jobs], at, progress)
    by_slo: dict[str, dict[Query, float | None]] = {slo.id: {} for slo in slos}
    for (slo_id, key, _), value in zip(jobs, answers):
        by_slo[slo_id][key] = value
    entries = [slo_report(slo, periods[slo.id], by_slo[slo.id], at) for slo in slos]
    return {"at": iso(at), "prometheus": "", "source": source, "slos": worst_first(entries)}


def planned(slos: list[SLO], periods: dict[str, Period], source: str) -> list[tuple[str, Query, str]]:
    """(SLO id, query key, PromQL) of every query of a report, longest windows first: they cost most, so they
    start first and the last requests to finish are short ones."""
    return sorted(((slo.id, key, expr) for slo in slos for key, expr in plan(slo, periods[slo.id], source).items()),
                  key=lambda job: -seconds_of(job[1][0], periods[job[0]]))


CHART_POINTS = 120
"""Points per chart line."""


def chart_series(client: PrometheusClient, slos: list[SLO], periods: dict[str, Period]) -> dict[str, dict]:
    """Per SLO: the budget left after each step of the period (cumulative from its start, over the period's whole
    budget) and the burn rate of each long alert window over the last of them, with the pairs' factors."""
    out: dict[str, dict] = {}
    with ThreadPoolExecutor(QUERY_POOL) as pool:
        futures = {slo.id: pool.submit(_slo_series, client, slo, periods[slo.id]) for slo in slos}
        for slo_id, future in futures.items():
            out[slo_id] = future.result()
    return out


def _slo_series(client: PrometheusClient, slo: SLO, period: Period) -> dict:
    budget, end = error_budget(slo.objective), period.end
    step = max(60.0, (period.end - period.start).total_seconds() / CHART_POINTS)
    thresholds = {f"{w.short}/{w.long}": round(burn_rate_factor(w, slo.period), 6) for w in enabled_windows(slo)}
    longest = max(parse_duration(w.long) for w in slo.table.windows)
    if isinstance(slo.sli, RawSLI):
        return {"budget_remaining": [], "burn_rates": {}, "thresholds": thresholds}
    step_text = format_duration(round(step))
    bad, total = (_range(client, q, period.start + timedelta(seconds=step), end, step)
                  for q in event_queries(slo.sli, step_text))
    spent, remaining = 0.0, []
    for t, total_rate in sorted(total.items()):
        spent += bad.get(t, 0.0) * step
        expected = total_rate * step  # this step's events
        remaining.append((t, spent, expected))
    events_total = sum(e for _, _, e in remaining) * period.length_seconds / max(
        1.0, (period.end - period.start).total_seconds())
    budget_line = [(t, 1 - s / (budget * events_total)) for t, s, _ in remaining] if events_total > 0 else []
    burn_step = max(60.0, longest / CHART_POINTS)
    since = end - timedelta(seconds=longest)
    burns = {}
    for window in sorted({w.long for w in slo.table.windows}, key=parse_duration):
        wbad, wtotal = (_range(client, q, since, end, burn_step) for q in event_queries(slo.sli, window))
        burns[window] = [(t, wbad.get(t, 0.0) / v / budget) for t, v in sorted(wtotal.items()) if v > 0]
    return {"budget_remaining": budget_line, "burn_rates": burns, "thresholds": thresholds}


def _range(client: PrometheusClient, expr: str, start: datetime, end: datetime, step: float) -> dict[float, float]:
    """{time: value} of a range query (series summed at each time; NaN dropped)."""
    found: dict[float, float] = {}
    for series in client.query_range(expr, start, end, step):
        for t, value in series.points:
            if value == value:
                found[t] = found.get(t, 0.0) + value
    return found


def gate(project: Project, settings: ServerSettings, since: datetime, until: datetime | None = None,
         limit: float | None = None, pattern: str = "*", watch_until: datetime | None = None,
         now: Callable[[], datetime] = lambda: datetime.now(timezone.utc), sleep: Callable[[float], None] = time.sleep,
         progress: Progress | None = None) -> dict:
    """The deploy gate since `since`: each SLO's burn rate against its limit and the project's alerts that fired.

    With `watch_until`, it evaluates again every WATCH_SECONDS until then and returns as soon as it fails."""
    defs = load(project)
    slos = _selected(defs, project, pattern)
    names = {r.alert for g in defs.groups for r in g.obj.rules if isinstance(r, AlertRule)} | \
        {s.obj.alert_name for s in defs.slos}
    progress = progress or NoProgress()
    if watch_until is not None:
        progress.start(max(1, round((watch_until - since).total_seconds())))
    with PrometheusClient(settings) as client:
        client.ready()
        while True:
            end = until or now()
            document = _gate_once(client, slos, names, since, end, limit)
            if not document["passed"] or watch_until is None or end >= watch_until:
                return document
            progress.advance()
            sleep(min(WATCH_SECONDS, (watch_until - end).total_seconds()))


WATCH_SECONDS = 30.0
"""How often a watching gate evaluates again."""


def _gate_once(client: PrometheusClient, slos: list[SLO], names: set[str], since: datetime, until: datetime,
               limit: float | None) -> dict:
    window = range_between(since, until)
    plans = [gate_plan(slo, window) for slo in slos]
    jobs = [(i, key, expr) for i, queries in enumerate(plans) for key, expr in queries.items()]
    answers: list[dict[str, float | None]] = [{} for _ in slos]
    found = ask_all(client, [expr for _, _, expr in jobs], [key for _, key, _ in jobs], until, NoProgress())
    for (i, key, _), value in zip(jobs, found):
        answers[i][key] = value
    fired = [s.labels for s in client.query(ALERTS_QUERY.format(window=window), until)]
    return verdict([slo_check(slo, a, limit) for slo, a in zip(slos, answers)], fired, names, since, until)


def _selected(defs: Definitions, project: Project, pattern: str) -> list[SLO]:
    """The SLOs whose id matches `pattern`; an error naming the sources when none does."""
    slos = [item.obj for item in defs.slos if fnmatch.fnmatchcase(item.obj.id, pattern)]
    if not slos:
        raise DefinitionError([Problem(", ".join(str(s.relative_to(project.root)) for s in project.sources), "",
                                       "", f"no SLO matches {pattern!r}")])
    return slos


def ask_all(client: PrometheusClient, exprs: list[str], groups: list[Hashable], at: datetime,
            progress: Progress) -> list[float | None]:
    """Every expression's value at `at` (the sum when it returns several series; None when nothing), asked in the
    few requests `query_batch.requests` makes of them (expressions of one group only merged), QUERY_POOL at a time."""
    asked = requests(exprs, groups)
    progress.start(len(asked))
    answers: list[float | None] = [None] * len(exprs)

    def ask(request: Request) -> dict[int, float | None]:
        found = request.answers((sample.labels, sample.value) for sample in client.query(request.expr, at))
        progress.advance()
        return found

    with ThreadPoolExecutor(QUERY_POOL) as pool:
        for found in pool.map(ask, asked):
            for index, value in found.items():
                answers[index] = value
    return answers
