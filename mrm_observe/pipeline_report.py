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
    batches = batch([expr for _, _, expr in jobs], [key[0] for _, key, _ in jobs])
    progress = progress or NoProgress()
    progress.start(len(batches))
    with PrometheusClient(settings) as client, ThreadPoolExecutor(QUERY_POOL) as pool:
        client.ready()
        answers: list[float | None] = [None] * len(jobs)
        for found in pool.map(lambda b: _ask(client, b, at, progress), batches):
            for index, value in found.items():
                answers[index] = value
    by_slo: dict[str, dict[Query, float | None]] = {slo.id: {} for slo in slos}
    for (slo_id, key, _), value in zip(jobs, answers):
        by_slo[slo_id][key] = value
    entries = [slo_report(slo, periods[slo.id], by_slo[slo.id], at) for slo in slos]
    return {"at": iso(at), "prometheus": public_url(settings.url), "source": "raw", "slos": worst_first(entries)}


Batch = list[tuple[int, str]]
"""(index of the job, its expression): queries asked in one request."""


def batch(exprs: list[str], windows: list[str]) -> list[Batch]:
    """The queries grouped by window, so each request reads one window's samples for every SLO at once."""
    groups: dict[str, Batch] = {}
    for index, (expr, window) in enumerate(zip(exprs, windows)):
        groups.setdefault(window, []).append((index, expr))
    return list(groups.values())


def combined(queries: Batch) -> str:
    """One PromQL query answering every query of a batch, each series tagged with its query's index."""
    return "\nor\n".join(f'label_replace(({expr}), "{TAG}", "{index}", "", "")' for index, expr in queries)


def _ask(client: PrometheusClient, queries: Batch, at: datetime, progress: Progress) -> dict[int, float | None]:
    """Every query's value at `at` (the sum when it returns several series; None when nothing) in one request."""
    found: dict[int, float | None] = {index: None for index, _ in queries}
    for sample in client.query(combined(queries), at):
        index = int(sample.labels[TAG])
        found[index] = (found[index] or 0.0) + sample.value
    progress.advance()
    return found


TAG = "mrm_observe_query"
"""The label a batched query adds to tell its parts apart."""
