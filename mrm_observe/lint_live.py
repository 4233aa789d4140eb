"""Live lint (`mrm-observe lint --prometheus-url`): the project's rules against what a Prometheus-compatible server
knows. Pure: `plan` says what to ask the server, `check` turns its answers (`Facts`) into findings in the offline
lint's format (same `Finding`, same per-rule waivers) plus notes on what could not be checked.
`pipeline_lint` asks the server.

Checks (each a key of conventions.LINT_CHECKS):
- `live-series`: every selector selects series now or did within the last LOOKBACK_DAYS days;
- `live-counter`: rate(), irate(), increase() and resets() read counters (the server's metric metadata);
- `live-rate-window`: rate()-like windows are at least MIN_WINDOW_SCRAPES times the scrape interval of the targets
  that scrape the series they read;
- `live-eval-interval`: every rule group's evaluation interval is known (set on the group, or told by the server).

What is not asked: names recorded by the project's own rules (they have no series before the rules are loaded,
and no metadata), the series Prometheus makes for alerts (ALERTS, ALERTS_FOR_STATE), and selectors that only occur
inside absent() or absent_over_time() (selecting nothing is what those test).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import promql
from .definitions import Sourced
from .durations import parse_duration
from .errors import Problem
from .lint import MIN_WINDOW_SCRAPES, Finding, one_per_field, rule_object
from .model.rules import AlertRule, RecordingRule
from .promql import Selector, SelectorUse

LOOKBACK_DAYS = 7
"""A selector passes when it selected series at any time within this many days before now."""
ALERT_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})
"""Series Prometheus writes for alerting rules: they exist only while an alert is pending or firing."""
COUNTER_SUFFIXES = {"_total": frozenset({"counter"}), "_count": frozenset({"histogram", "summary"}),
                    "_sum": frozenset({"histogram", "summary"}), "_bucket": frozenset({"histogram"})}
"""A series name ending so is counter-like when its metric family (the name without the suffix) has one of these
types: OpenMetrics counters drop `_total` from the family name, histograms and summaries count in `_count`,
`_sum` and `_bucket` (a gauge histogram's buckets are gauges)."""
UNTYPED = frozenset({"unknown", "untyped", ""})
"""Metadata types that say nothing (an exporter that wrote no TYPE line, or `# TYPE x untyped`)."""


@dataclass(frozen=True)
class RuleUses:
    """One rule, where lint names it, and the selectors of its expression."""

    source: str
    obj: str
    group: str
    group_interval: str | None
    rule: AlertRule | RecordingRule
    uses: tuple[SelectorUse, ...]


@dataclass(frozen=True)
class Plan:
    """The rules to check and the distinct selectors to ask the server about."""

    rules: tuple[RuleUses, ...]
    recorded: frozenset[str]
    """Metric names the project's own recording rules write."""
    selectors: tuple[Selector, ...]
    """Distinct selectors to ask about, in first-use order."""
    skipped_recorded: int
    """Distinct selectors not asked because they read a name the project records (or ALERTS)."""
    skipped_absent: int
    """Distinct selectors not asked because they occur only inside absent() or absent_over_time()."""


@dataclass(frozen=True)
class SeriesFacts:
    """What the series API said about one selector over the look-back."""

    found: bool
    targets: frozenset[tuple[str, str]] = frozenset()
    """(job, instance) of the series it selected."""
    names: frozenset[str] = frozenset()
    """Metric names of the series it selected."""
    listed: bool = True
    """False when there were too many series to list (known to exist, but not their labels)."""


@dataclass(frozen=True)
class Facts:
    """The server's answers."""

    series: Mapping[Selector, SeriesFacts]
    metadata: Mapping[str, frozenset[str]]
    """Metric family -> its types (several when targets disagree); empty when the server keeps none."""
    intervals: Mapping[tuple[str, str], float]
    """(job, instance) of each active target -> its scrape interval in seconds."""
    evaluation_interval: float | None
    """The server's global evaluation_interval (/api/v1/status/config), when it tells one."""
    loaded_groups: Mapping[str, float] = field(default_factory=dict)
    """Rule groups loaded on the server (/api/v1/rules): name -> evaluation interval in seconds."""


@dataclass(frozen=True)
class LiveResult:
    """Findings (fail lint unless waived) and notes (what could not be checked; never fail)."""

    findings: list[Finding]
    notes: list[Finding]


def plan(groups: list[Sourced]) -> Plan:
    """The rules of every group with their selectors, and the distinct selectors worth asking the server about."""
    rules: list[RuleUses] = []
    for item in groups:
        for rule in item.obj.rules:
            try:
                uses = tuple(promql.parse(rule.expr).selector_uses())
            except ValueError:
                uses = ()  # validation reports it
            rules.append(RuleUses(item.source, rule_object(item.obj.name, rule), item.obj.name, item.obj.interval,
                                  rule, uses))
    recorded = frozenset(r.rule.record for r in rules if isinstance(r.rule, RecordingRule))
    asked: dict[Selector, None] = {}
    known: set[Selector] = set()
    absent_only: set[Selector] = set()
    for r in rules:
        for use in r.uses:
            if _known(use.selector, recorded):
                known.add(use.selector)
            elif use.in_absent:
                absent_only.add(use.selector)
            else:
                asked.setdefault(use.selector)
    return Plan(tuple(rules), recorded, tuple(asked), len(known), len(absent_only - set(asked)))


def _known(selector: Selector, recorded: frozenset[str]) -> bool:
    return selector.name in recorded or selector.name in ALERT_SERIES


def check(live: Plan, facts: Facts) -> LiveResult:
    """Every live finding and note, per rule in plan order; a rule's waiver of a check silences both."""
    findings: list[Finding] = []
    notes: list[Finding] = []
    if not facts.metadata and any(_counter_uses(r, live.recorded) for r in live.rules):
        notes.append(Finding("live-counter", Problem("", "", "", "the server has no metric metadata (VictoriaMetrics "
                                                     "keeps none), so no metric's type is known: not checked")))
    for r in live.rules:
        results = _rule_results(r, live, facts)
        for check_name, field_name, message in one_per_field([(c, f, m) for c, f, m, note in results if not note]):
            findings.append(Finding(check_name, Problem(r.source, r.obj, field_name, message),
                                    r.rule.waive.get(check_name)))
        for check_name, field_name, message in one_per_field([(c, f, m) for c, f, m, note in results if note]):
            if not r.rule.waive.get(check_name):
                notes.append(Finding(check_name, Problem(r.source, r.obj, field_name, message)))
    return LiveResult(findings, notes)


def _counter_uses(r: RuleUses, recorded: frozenset[str]) -> list[SelectorUse]:
    return [u for u in r.uses if u.function in promql.COUNTER_FUNCTIONS and not u.in_absent
            and not _known(u.selector, recorded)]


def _rule_results(r: RuleUses, live: Plan, facts: Facts) -> list[tuple[str, str, str, bool]]:
    """(check, field, message, is_note) of one rule."""
    out: list[tuple[str, str, str, bool]] = []
    for use in r.uses:
        if use.in_absent or _known(use.selector, live.recorded):
            continue
        seen = facts.series.get(use.selector)
        if seen is None:
            continue  # not asked (cannot happen for a plan's own rules)
        if not seen.found:
            out.append(("live-series", "expr", f"{use.selector.text} selects no series, now or in the last "
                        f"{LOOKBACK_DAYS} days: check the metric name and labels", False))
            continue
        if use.function in promql.COUNTER_FUNCTIONS:
            out.extend(_counter_results(use, seen, facts.metadata))
        if use.function in promql.RANGE_FUNCTIONS and use.window is not None:
            out.extend(_window_results(use, seen, facts.intervals))
    interval = _group_interval(r, facts)
    if interval is None:
        out.append(("live-eval-interval", "interval", f"group {r.group!r} sets no interval and the server tells none "
                    f"(no evaluation_interval in its configuration, no loaded group named {r.group!r}): set the "
                    "group's interval", False))
    return out


def _counter_results(use: SelectorUse, seen: SeriesFacts,
                     metadata: Mapping[str, frozenset[str]]) -> list[tuple[str, str, str, bool]]:
    if not metadata:
        return []  # one note for the whole run says so
    names = sorted({use.selector.name} if use.selector.name else seen.names)
    out: list[tuple[str, str, str, bool]] = []
    for name in names:
        family, types = metric_types(name, metadata)
        said = types - UNTYPED
        if not said:
            why = "its type is `unknown`" if types else "the server has no metadata for it"
            out.append(("live-counter", "expr", f"{use.function}() over {name}: unknown type ({why}), not "
                        "checked", True))
        elif not counter_like(name, family, said):
            typed = " and ".join(sorted(said))
            of = name if family == name else f"{name} (family {family})"
            out.append(("live-counter", "expr", f"{use.function}() over {of}, which the server's metadata types "
                        f"{typed}: {use.function}() is for counters (deriv() or delta() for a gauge)", False))
    return out


def metric_types(name: str, metadata: Mapping[str, frozenset[str]]) -> tuple[str, frozenset[str]]:
    """(metric family, its types) of a series name: the name itself when the metadata lists it, else the name
    without a `_total`, `_count`, `_sum` or `_bucket` suffix; (name, {}) when neither is listed."""
    if name in metadata:
        return name, metadata[name]
    for suffix in COUNTER_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in metadata:
            return name[: -len(suffix)], metadata[name[: -len(suffix)]]
    return name, frozenset()


def counter_like(name: str, family: str, types: frozenset[str]) -> bool:
    """True when every type the server names makes `name` a counter (a histogram named as such is a native one)."""
    if family == name:
        return types <= {"counter", "histogram"}
    return types <= COUNTER_SUFFIXES[name[len(family):]]


def _window_results(use: SelectorUse, seen: SeriesFacts,
                    intervals: Mapping[tuple[str, str], float]) -> list[tuple[str, str, str, bool]]:
    assert use.window is not None
    scraped = {t: intervals[t] for t in seen.targets if t in intervals}
    if not scraped:
        jobs = {job for job, _ in seen.targets}
        scraped = {t: v for t, v in intervals.items() if t[0] in jobs}
    if not scraped:
        why = ("too many series to list their targets" if not seen.listed else
               "no active target has the job and instance of its series")
        return [("live-rate-window", "expr", f"{use.function}() over {use.selector.text}: scrape interval unknown "
                 f"({why}), not checked", True)]
    slowest = max(scraped.values())
    if use.window >= MIN_WINDOW_SCRAPES * slowest:
        return []
    jobs = sorted({job for (job, _), v in scraped.items() if v == slowest})
    of = ", ".join(f"job {j!r}" for j in jobs)
    return [("live-rate-window", "expr", f"{use.function}() over {use.window:g}s sees fewer than "
             f"{MIN_WINDOW_SCRAPES} scrapes of {use.selector.text} at the {slowest:g}s scrape interval of {of}: "
             f"use at least {MIN_WINDOW_SCRAPES * slowest:g}s", False)]


def _group_interval(r: RuleUses, facts: Facts) -> float | None:
    """The group's evaluation interval: its own, else the one the server loaded it with, else the server's global."""
    if r.group_interval:
        return parse_duration(r.group_interval)
    if r.group in facts.loaded_groups:
        return facts.loaded_groups[r.group]
    return facts.evaluation_interval
