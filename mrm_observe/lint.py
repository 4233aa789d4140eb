"""Convention checks on rules (`mrm-observe lint`); each finding can be waived per rule with a reason."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from . import promql
from .definitions import Sourced
from .errors import Problem
from .model.rules import AlertRule, RecordingRule
from .secret_scan import secret_kind

CAMEL_CASE = re.compile(r"^[A-Z][a-zA-Z0-9]*$")
RECORD_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$")
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


def lint_rules(groups: list[Sourced], tested_alerts: set[str], scrape_interval: float) -> list[Finding]:
    """Every finding on every rule, waived ones included (marked), in file order."""
    findings: list[Finding] = []
    by_expr: dict[tuple, list[str]] = defaultdict(list)
    for item in groups:
        for rule in item.obj.rules:
            obj = rule_object(item.obj.name, rule)
            labels = rule.all_labels() if isinstance(rule, AlertRule) else rule.labels
            same = by_expr[(type(rule).__name__, rule.expr.strip(), tuple(sorted(labels.items())))]
            same.append(obj)
            for check, field, message in _rule_findings(rule, tested_alerts, scrape_interval):
                findings.append(Finding(check, Problem(item.source, obj, field, message), rule.waive.get(check)))
            if len(same) > 1:
                first = same[0]
                findings.append(Finding("duplicate", Problem(item.source, obj, "expr",
                                        f"same expression and labels as {first}: keep one"), rule.waive.get("duplicate")))
    return findings


def rule_object(group: str, rule: AlertRule | RecordingRule) -> str:
    """How findings name a rule: `group 'api', alert 'HighErrorRate'`."""
    return f"group {group!r}, {'alert' if isinstance(rule, AlertRule) else 'record'} {rule.name!r}"


def _rule_findings(rule: AlertRule | RecordingRule, tested: set[str], scrape: float) -> list[tuple[str, str, str]]:
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
    for func, seconds in parsed.range_windows():
        if seconds < MIN_WINDOW_SCRAPES * scrape:
            found.append(("rate-window", "expr", f"{func}() over {seconds:g}s sees fewer than {MIN_WINDOW_SCRAPES} "
                          f"scrapes at a {scrape:g}s interval: use at least {MIN_WINDOW_SCRAPES * scrape:g}s"))
    if isinstance(rule, RecordingRule):
        if not RECORD_NAME.match(rule.record):
            found.append(("record-name", "record", "name it level:metric:operations, e.g. job:http_requests:rate5m"))
        return found
    annotations = rule.all_annotations()
    if not CAMEL_CASE.match(rule.alert):
        found.append(("alert-name", "alert", "use CamelCase, e.g. HighErrorRate"))
    if "severity" not in rule.all_labels():
        found.append(("severity", "severity", "set severity to critical, warning or info"))
    for key, check in (("summary", "summary"), ("description", "description"), ("runbook_url", "runbook")):
        if not annotations.get(key, "").strip():
            found.append((check, key, f"add a {key} annotation"))
    if not rule.for_:
        found.append(("for", "for", "set `for` (e.g. 5m) so a single bad evaluation does not fire"))
    if not parsed.has_condition():
        found.append(("comparison", "expr", "the expression has no comparison: it fires whenever it returns any series"))
    if rule.alert not in tested:
        found.append(("untested", "alert", "no promtool test shows this alert firing: add a case under tests/promtool/"))
    return found
