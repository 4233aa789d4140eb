"""The live lint's questions to a Prometheus-compatible server (`mrm-observe lint --prometheus-url`).

lint_live.py holds the checks; this module builds their facts with few requests, sent together: the series of
every distinct selector over the last 7 days (SERIES_BATCH selectors a request, told apart here by matching the
returned labels), the metric metadata, the active targets, the configuration and the loaded rule groups (one
request each). An endpoint the server does not have (404 or 400), or an answer too large, leaves its facts
unknown: the checks that need them then say so instead of the command failing.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import yaml

from . import lint_live
from .durations import parse_duration
from .http_client import BadRequest, NotFound, ResponseTooLarge, ServerSettings, public_url
from .lint import Finding
from .lint_live import Facts, Plan, SeriesFacts
from .pipeline import BuildReport, slo_rule_groups
from .prometheus_api import PrometheusClient
from .promql import Selector

SERIES_BATCH = 25
"""Selectors asked in one series request at most."""
SERIES_BATCH_CHARS = 4000
"""Characters of selectors in one series request at most (they travel in the URL of a GET)."""
POOL = 6
"""Requests sent at the same time."""
T = TypeVar("T")


@dataclass(frozen=True)
class LiveReport:
    """The live findings and notes, and what it took to get them."""

    findings: list[Finding]
    notes: list[Finding]
    server: str
    selectors: int
    """Distinct selectors asked about."""
    skipped_recorded: int
    skipped_absent: int
    requests: int
    seconds: float


def live_lint(report: BuildReport, settings: ServerSettings, now: datetime | None = None) -> LiveReport:
    """The live checks of every rule group of the build (the SLOs' generated ones too) against the server."""
    assert report.definitions is not None
    live = lint_live.plan(report.definitions.groups + slo_rule_groups(report.definitions))
    started = time.monotonic()
    with PrometheusClient(settings) as client:
        client.ready()
        facts = ask(client, live, now or datetime.now(timezone.utc))
        requests = client.requests
    result = lint_live.check(live, facts)
    return LiveReport(result.findings, result.notes, public_url(settings.url), len(live.selectors),
                      live.skipped_recorded, live.skipped_absent, requests, time.monotonic() - started)


def ask(client: PrometheusClient, live: Plan, now: datetime) -> Facts:
    """The server's answers to everything the plan's checks need."""
    start = now - timedelta(days=lint_live.LOOKBACK_DAYS)
    with ThreadPoolExecutor(POOL) as pool:
        config = pool.submit(_optional, client.status_config, "")
        rules = pool.submit(_optional, client.rule_groups, [])
        metadata = pool.submit(_optional, client.metadata, [])
        targets = pool.submit(_optional, client.targets, [])
        parts = pool.map(lambda b: _series(client, b, start, now), series_batches(live.selectors))
        series = {selector: facts for part in parts for selector, facts in part.items()}
        settings = _config(config.result())
        return Facts(series, _types(metadata.result()), _intervals(targets.result(), settings),
                     settings.get("evaluation_interval"),
                     {g["name"]: float(g.get("interval") or 0) for g in rules.result() if g.get("interval")})


def series_batches(selectors: Sequence[Selector]) -> list[list[Selector]]:
    """Selectors cut into requests of at most SERIES_BATCH selectors and SERIES_BATCH_CHARS characters; one whose
    regex Python may read differently from the server's RE2 goes alone (its answer needs no telling apart)."""
    batches: list[list[Selector]] = []
    current: list[Selector] = []
    size = 0
    for selector in selectors:
        if not selector.portable:
            batches.append([selector])
            continue
        if current and (len(current) >= SERIES_BATCH or size + len(selector.text) > SERIES_BATCH_CHARS):
            batches.append(current)
            current, size = [], 0
        current.append(selector)
        size += len(selector.text)
    return batches + ([current] if current else [])


def _series(client: PrometheusClient, batch: list[Selector], start: datetime, end: datetime) -> dict[Selector,
                                                                                                   SeriesFacts]:
    """What the series API says about each selector of a batch; a batch whose answer is too large is split, and a
    single selector with too many series to list is known to select some."""
    try:
        found = client.series([s.text for s in batch], start, end)
    except ResponseTooLarge:
        if len(batch) == 1:
            return {batch[0]: SeriesFacts(True, listed=False)}
        middle = len(batch) // 2
        return {**_series(client, batch[:middle], start, end), **_series(client, batch[middle:], start, end)}
    out = {}
    for selector in batch:
        mine = found if len(batch) == 1 else [labels for labels in found if selector.matches(labels)]
        out[selector] = SeriesFacts(bool(mine), frozenset((s.get("job", ""), s.get("instance", "")) for s in mine),
                                    frozenset(s.get("__name__", "") for s in mine) - {""})
    return out


def _optional(call: Callable[[], T], default: T) -> T:
    """The call's answer, or `default` when the server has no such endpoint (404, 400) or its answer is larger
    than the settings allow."""
    try:
        return call()
    except (NotFound, BadRequest, ResponseTooLarge):
        return default


def _config(text: str) -> dict[str, Any]:
    """From the server's configuration: its evaluation_interval and scrape intervals (global and per job), in
    seconds; {} when it tells none or cannot be read."""
    try:
        config = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        config = None
    if not isinstance(config, dict):
        return {}
    out: dict[str, Any] = {}
    glob = config.get("global") if isinstance(config.get("global"), dict) else {}
    for key in ("evaluation_interval", "scrape_interval"):
        if (seconds := _seconds(glob.get(key))) is not None:
            out[key] = seconds
    jobs = config.get("scrape_configs") if isinstance(config.get("scrape_configs"), list) else []
    out["jobs"] = {job["job_name"]: seconds for job in jobs if isinstance(job, dict) and "job_name" in job
                   and (seconds := _seconds(job.get("scrape_interval"))) is not None}
    return out


def _seconds(value: object) -> float | None:
    try:
        return parse_duration(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _types(metadata: list[dict[str, str]]) -> dict[str, frozenset[str]]:
    """Metric family -> the types the server's targets give it."""
    types: dict[str, set[str]] = {}
    for entry in metadata:
        types.setdefault(entry["metric_name"], set()).add(entry.get("type") or "unknown")
    return {name: frozenset(found) for name, found in types.items()}


def _intervals(targets: list[dict[str, Any]], config: dict[str, Any]) -> dict[tuple[str, str], float]:
    """(job, instance) of every active target -> its scrape interval (the target's own, else its job's in the
    configuration, else the global one; a target with none of them is left out)."""
    out: dict[tuple[str, str], float] = {}
    for target in targets:
        labels = target.get("labels") or {}
        seconds = (_seconds(target.get("scrapeInterval")) or config.get("jobs", {}).get(target.get("scrapePool"))
                   or config.get("scrape_interval"))
        if seconds:
            out[(labels.get("job", ""), labels.get("instance", ""))] = seconds
    return out
