"""Convention checks on rules (`mrm-observe lint`); each finding can be waived per rule with a reason."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from . import promql
from .conventions import RuleConventions
from .definitions import Sourced
from .errors import Problem
from .model.rules import AlertRule, RecordingRule, Rule, RuleGroup
from .secret_scan import secret_kind
from .validate import same_expr

CAMEL_CASE = re.compile(r"^[A-Z][a-zA-Z0-9]*$")
RECORD_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*(:[a-zA-Z0-9_]+)+$")
"""level:metric:operations: two or more parts, none empty (`job:http_requests:rate5m`, `instance:node_cpu:ratio`,
`node_namespace_pod_container:container_memory_rss`)."""
MIN_WINDOW_SCRAPES = 4


@dataclass(frozen=True)
class Finding:
    """A convention a rule does not follow (`check` is a key of conventions.LINT_CHECKS)."""

    check: str
    problem: Problem
    waived: str | None = None

    def __str__(self) -> str:
        text = f"{self.problem} [{self.check}]"
        return f"{text} (waived: {self.waived})" if self.waived else text


def lint_rules(groups: list[Sourced], tested_alerts: set[str], scrape_interval: float,
               conventions: RuleConventions = RuleConventions()) -> list[Finding]:
    """Every finding on every rule, waived ones included (marked), in file order; one per rule, check and field."""
    return [Finding(check, Problem(item.source, rule_object(item.obj.name, rule), field, message),
                    rule.waive.get(check))
            for item, rule, found in findings_by_rule(groups, tested_alerts, scrape_interval, conventions)
            for check, field, message in found]


RuleFindings = tuple[Sourced, Rule, list[tuple[str, str, str]]]


def findings_by_rule(groups: list[Sourced], tested_alerts: set[str], scrape_interval: float,
                     conventions: RuleConventions = RuleConventions()) -> Iterator[RuleFindings]:
    """(group, rule, its (check, field, message) findings, waived or not) for every rule in file order."""
    by_expr: dict[tuple, list[str]] = defaultdict(list)
    for item in groups:
        group: RuleGroup = item.obj
        for rule in group.rules:
            same = by_expr[(type(rule).__name__, same_expr(rule.expr), tuple(sorted(group.labels_of(rule).items())))]
            same.append(rule_object(group.name, rule))
            found = _rule_findings(rule, group.labels_of(rule), tested_alerts, scrape_interval, conventions)
            if len(same) > 1:
                found.append(("duplicate", "expr", f"same expression and labels as {same[0]}: keep one"))
            yield item, rule, one_per_field(found)


def one_per_field(found: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """(check, field, message) of one rule with one entry per check and field: the distinct messages of a check on
    a field joined by '; ', in order."""
    messages: dict[tuple[str, str], list[str]] = {}
    for check, field, message in found:
        said = messages.setdefault((check, field), [])
        if message not in said:
            said.append(message)
    return [(check, field, "; ".join(said)) for (check, field), said in messages.items()]


def rule_object(group: str, rule: AlertRule | RecordingRule) -> str:
    """How findings name a rule: `group 'api', alert 'HighErrorRate'`."""
    return f"group {group!r}, {'alert' if isinstance(rule, AlertRule) else 'record'} {rule.name!r}"


def _rule_findings(rule: AlertRule | RecordingRule, labels: dict[str, str], tested: set[str], scrape: float,
                   conventions: RuleConventions) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    try:
        parsed = promql.parse(rule.expr)
    except ValueError:
        return found  # validation reports it
    texts = {f"labels.{k}": v for k, v in rule.labels.items()}
    if isinstance(rule, AlertRule):
        texts.update({f"annotations.{k}": v for k, v in rule.all_annotations().items()})
    found += [("secret", field, f"holds {kind}: a secret must not be written into a definition (it would enter the "
               "build): link to where it is kept instead")
              for field, text in texts.items() if (kind := secret_kind(text))]
    short = sorted({f"{func}() over {seconds:g}s" for func, seconds in parsed.range_windows()
                    if seconds < MIN_WINDOW_SCRAPES * scrape})
    if short:
        found.append(("rate-window", "expr", f"{', '.join(short)} {'sees' if len(short) == 1 else 'see'} fewer than "
                      f"{MIN_WINDOW_SCRAPES} scrapes at a {scrape:g}s interval: use at least "
                      f"{MIN_WINDOW_SCRAPES * scrape:g}s"))
    if isinstance(rule, RecordingRule):
        if not RECORD_NAME.match(rule.record):
            found.append(("record-name", "record", "name it level:metric:operations (two or more parts joined by "
                          "':', none empty), e.g. job:http_requests:rate5m"))
        return found
    annotations = rule.all_annotations()
    if not CAMEL_CASE.match(rule.alert):
        found.append(("alert-name", "alert", "use CamelCase, e.g. HighErrorRate"))
    if "severity" not in labels:
        found.append(("severity", "severity", f"set severity to one of {', '.join(conventions.severities)}"))
    for key in ("summary", "description"):
        if not annotations.get(key, "").strip():
            found.append((key, key, f"add a {key} annotation"))
    if not any(annotations.get(key, "").strip() for key in conventions.runbook_annotations):
        found.append(("runbook", conventions.runbook_annotations[0],
                      f"add a runbook annotation ({' or '.join(conventions.runbook_annotations)})"))
    if not rule.for_:
        found.append(("for", "for", "set `for` (e.g. 5m) so a single bad evaluation does not fire"))
    if not parsed.has_condition():
        found.append(("comparison", "expr", "the expression has no comparison: it fires whenever it returns any series"))
    if rule.alert not in tested:
        found.append(("untested", "alert", "no promtool test shows this alert firing: add a case under tests/promtool/"))
    return found
