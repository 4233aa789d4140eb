"""The report step: load the SLO definitions, ask a Prometheus-compatible server every query at one fixed time,
and turn the answers into the report document (report.py holds the pure part)."""
from __future__ import annotations

import fnmatch
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from .errors import DefinitionError, Problem
from .http_client import ServerSettings, public_url
from .pipeline import Project, load
from .prometheus_api import PrometheusClient
from .progress import NoProgress, Progress
from .report import PERIOD_KINDS, Query, iso, period_of, plan, slo_report, worst_first

QUERY_POOL = 8
"""Queries sent at the same time."""


def report(project: Project, settings: ServerSettings, at: datetime, kind: str = "rolling", zone: str = "UTC",
           pattern: str = "*", progress: Progress | None = None) -> dict:
    """The report document for the SLOs whose id matches `pattern` (worst first), every query evaluated at `at`."""
    if kind not in PERIOD_KINDS:
        raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)} (got {kind!r})")
    slos = [item.obj for item in load(project).slos if fnmatch.fnmatchcase(item.obj.id, pattern)]
    if not slos:
        raise DefinitionError([Problem(", ".join(str(s.relative_to(project.root)) for s in project.sources), "",
                                       "", f"no SLO matches {pattern!r}: nothing to report")])
    periods = {slo.id: period_of(slo, kind, at, zone) for slo in slos}
    plans = {slo.id: plan(slo, periods[slo.id]) for slo in slos}
    jobs = [(slo.id, key, expr) for slo in slos for key, expr in plans[slo.id].items()]
    progress = progress or NoProgress()
    progress.start(len(jobs))
    with PrometheusClient(settings) as client, ThreadPoolExecutor(QUERY_POOL) as pool:
        client.ready()
        answers = list(pool.map(lambda job: _value(client, job[2], at, progress), jobs))
    by_slo: dict[str, dict[Query, float | None]] = {slo.id: {} for slo in slos}
    for (slo_id, key, _), value in zip(jobs, answers):
        by_slo[slo_id][key] = value
    entries = [slo_report(slo, periods[slo.id], by_slo[slo.id], at) for slo in slos]
    return {"at": iso(at), "prometheus": public_url(settings.url), "source": "raw", "slos": worst_first(entries)}


def _value(client: PrometheusClient, expr: str, at: datetime, progress: Progress) -> float | None:
    """The query's one value at `at` (the sum when it returns several series); None when it returns nothing."""
    samples = client.query(expr, at)
    progress.advance()
    return sum(s.value for s in samples) if samples else None
