"""Cross-object checks on discovered definitions: returns every problem, never stops at the first."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import go_template, promql
from .conventions import (DATASOURCE_TYPE, LABEL_NAME, LABEL_NAME_PATTERN, LINT_CHECKS, METRIC_NAME,
                          METRIC_NAME_PATTERN, UID_MAX, RuleConventions, dashboard_uid)
from .definitions import Definitions, Sourced
from .durations import parse_duration
from .errors import Problem
from .hints import describe, exception_message
from .model.rules import AlertRule, RecordingRule, RuleGroup
from .slo_math import slo_window_problems

if TYPE_CHECKING:
    from grafanalib.core import Dashboard

    from .model.slo import SLO

Locator = Callable[[str], "str | None"]
"""Says where a bad PromQL expression breaks ('line:column: reason'), when it can (promtool does)."""

UID = re.compile(r"^[a-zA-Z0-9_-]+$")
QUERYLESS_PANELS = frozenset({"row", "text", "dashlist", "news", "alertlist"})
TITLE_MAX_BYTES = 5000
"""Grafana refuses a dashboard whose trimmed title is longer (it counts UTF-8 bytes, Go's len())."""
TITLE_SHOWN = 60
"""Longer titles are cut to this many characters where a problem names the dashboard."""
MIN_REFRESH = "5s"
"""Grafana's default `min_refresh_interval`: a shorter refresh is refused (Grafana 12 API) or replaced on save."""
REFRESH = re.compile(r"^\d+(ms|s|m|h)$")
"""A refresh every Grafana version and API parses alike (Go's time.ParseDuration has no d, w or y)."""
NO_REFRESH = ("", "auto")


def validate(defs: Definitions, locate: Locator | None = None,
             conventions: RuleConventions = RuleConventions()) -> list[Problem]:
    """Every problem in the definitions (discovery problems included)."""
    problems = list(defs.problems)
    problems += validate_dashboards(defs.dashboards, locate)
    problems += validate_groups(defs.groups, locate, conventions)
    problems += slo_problems(defs.slos)
    if defs.alertmanagers:  # validate_routing brings the routing models, which nothing else here needs
        from .validate_routing import alertmanager_problems
        problems += alertmanager_problems(defs.alertmanagers)
    return problems


def slo_problems(items: list[Sourced]) -> list[Problem]:
    """Each SLO's own problems plus ids used twice."""
    problems, seen = [], {}
    for item in items:
        slo: SLO = item.obj
        obj = f"slo {slo.id!r}"
        problems += [Problem(item.source, obj, field, message)
                     for field, message in slo.problems() + slo_window_problems(slo)]
        if slo.id in seen:
            problems.append(Problem(item.source, obj, "name", f"SLO id {slo.id!r} is already defined in "
                                    f"{seen[slo.id]}: service + name must be unique"))
        seen.setdefault(slo.id, item.source)
    return problems


def promql_problem(expr: str, locate: Locator | None) -> str | None:
    """Why an expression does not parse (with promtool's position when a locator is given) or would fail when
    Prometheus runs it, else None."""
    try:
        parsed = promql.parse(expr)
    except ValueError as err:
        where = locate(expr) if locate else None
        return f"invalid PromQL at {where}" if where else str(err)
    for function, label in parsed.label_targets():
        if not LABEL_NAME.match(label):
            return (f"{function}() target label {label!r} is not a valid label name ({LABEL_NAME_PATTERN}): "
                    "Prometheus fails the query when it runs")
    return None


def rule_result_problem(expr: str) -> str | None:
    """Why a parsable rule expression cannot be a rule (it must return an instant vector or a scalar), else None."""
    returns = promql.parse(expr).value_type()
    if returns not in (promql.RANGE_VECTOR, promql.STRING):
        return None
    hint = ""
    if returns == promql.RANGE_VECTOR:
        hint = ": apply a function to the range, e.g. rate(...) or max_over_time(...)"
    return (f"returns a {returns}, but a rule must return an instant vector or a scalar "
            f"(Prometheus fails it at every evaluation){hint}")


def uid_of(item: Sourced) -> str:
    """The dashboard's own uid, or the stable one derived from its module and title."""
    dashboard: Dashboard = item.obj
    return dashboard.uid or dashboard_uid(item.source, dashboard.title or "")


def validate_dashboards(items: list[Sourced], locate: Locator | None = None) -> list[Problem]:
    """Titles, uids (unique across all dashboards), and a parsable query on every data panel."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for item in items:
        try:
            problems += _dashboard_problems(item, seen, locate)
        except Exception as err:  # a value of a type grafanalib never checked (e.g. a number as a uid)
            problems.append(Problem(item.where, f"dashboard {describe(item.obj.title)}", "",
                                    f"cannot be checked: {exception_message(err, lambda name: None)}"))
    return problems


def _dashboard_problems(item: Sourced, seen: dict[str, str], locate: Locator | None) -> list[Problem]:
    """One dashboard's problems; `seen` maps the uids of the dashboards before it to their files."""
    problems: list[Problem] = []
    dashboard: Dashboard = item.obj
    title = (dashboard.title or "").strip()
    obj = f"dashboard {dashboard.title!r}"
    if len(dashboard.title or "") > TITLE_SHOWN:
        obj = f"dashboard {dashboard.title[:TITLE_SHOWN]!r}... ({len(dashboard.title)} characters)"
    if not title:
        problems.append(Problem(item.source, obj, "title", "must not be blank (Grafana rejects it)"))
    if len(title.encode()) > TITLE_MAX_BYTES:
        problems.append(Problem(item.source, obj, "title", f"is {len(title.encode())} bytes long: Grafana refuses "
                                f"titles over {TITLE_MAX_BYTES} bytes (UTF-8); shorten it"))
    why = _refresh_problem(dashboard.refresh)
    if why:
        problems.append(Problem(item.source, obj, "refresh", why))
    if dashboard.uid is not None and not isinstance(dashboard.uid, str):
        return [*problems, Problem(item.where, obj, "uid", f"expected a string, got {describe(dashboard.uid)}")]
    uid = uid_of(item)
    if dashboard.uid is not None and (not UID.match(uid) or len(uid) > UID_MAX):
        problems.append(Problem(item.source, obj, "uid", f"must be 1-{UID_MAX} characters of A-Z a-z 0-9 _ - (got {uid!r})"))
    if uid in seen:
        problems.append(Problem(item.source, obj, "uid", f"{uid!r} is already used by a dashboard in {seen[uid]}"))
    seen.setdefault(uid, item.source)
    problems += _panel_problems(item.source, obj, dashboard, locate)
    return problems


def _refresh_problem(refresh: object) -> str | None:
    """Why Grafana would refuse or rewrite a dashboard's auto-refresh interval, else None (a refresh that is not
    a string is left to the schema check)."""
    if not isinstance(refresh, str) or refresh in NO_REFRESH:
        return None
    if not REFRESH.match(refresh):
        return (f"{refresh!r} is not an interval every Grafana accepts: use a whole number and one unit of ms, s, m "
                "or h (e.g. 30s, 1m, 24h), 'auto', or '' for no auto-refresh")
    if parse_duration(refresh) < parse_duration(MIN_REFRESH):
        return (f"{refresh!r} is below Grafana's minimum refresh interval (min_refresh_interval, {MIN_REFRESH} by "
                f"default), which Grafana refuses or replaces: use {MIN_REFRESH} or more, or '' for no auto-refresh")
    return None


def _panel_problems(source: str, obj: str, dashboard: Dashboard, locate: Locator | None) -> list[Problem]:
    problems = []
    if dashboard.rows:
        problems.append(Problem(source, obj, "rows", "legacy rows are not supported: use panels=[RowPanel(...), ...]"))
    panels = []
    for panel in dashboard.panels or []:
        panels += [panel, *(getattr(panel, "panels", None) or [])]
    for index, panel in enumerate(panels):
        title = getattr(panel, "title", "") or f"#{index + 1}"
        field = f"panel {title!r}"
        panel_type = panel.to_json_data().get("type", "")
        if panel_type in QUERYLESS_PANELS:
            continue
        targets = getattr(panel, "targets", None) or []
        wrong = _target_problems(targets)
        if wrong:
            problems += [Problem(source, obj, field, why) for why in wrong]
            continue
        exprs = [getattr(t, "expr", "") for t in targets]
        if not any(e and e.strip() for e in exprs):
            problems.append(Problem(source, obj, field, "has no query: give it targets=[Target(expr=...)]"))
        promql_exprs = [getattr(t, "expr", "") for t in targets
                        if _queries_prometheus(getattr(t, "datasource", None) or getattr(panel, "dataSource", None))]
        for expr in promql_exprs:
            why = promql_problem(promql.from_grafana(expr), locate) if expr and expr.strip() else None
            if why:
                problems.append(Problem(source, obj, field, f"{why} in {expr!r}"))
    return problems


def _queries_prometheus(datasource: object) -> bool:
    """Whether a panel's or target's datasource is Prometheus: a {type, uid} reference of another type (Loki for a
    logs panel) is not; names and None mean the dashboard's Prometheus `datasource` variable."""
    return not isinstance(datasource, dict) or datasource.get("type", DATASOURCE_TYPE) == DATASOURCE_TYPE


def _target_problems(targets: object) -> list[str]:
    """Targets that are not Target objects with a string query, said as expected vs got."""
    if not isinstance(targets, list):
        return [f"targets: expected a list of Target(expr=...), got {describe(targets)}"]
    found = []
    for i, target in enumerate(targets):
        if not hasattr(target, "expr"):
            found.append(f"targets[{i}]: expected a Target(expr=...), got {describe(target)}")
        elif not isinstance(target.expr, str):
            found.append(f"targets[{i}].expr: expected a PromQL string, got {describe(target.expr)}")
    return found


def validate_groups(items: list[Sourced], locate: Locator | None = None,
                    conventions: RuleConventions = RuleConventions()) -> list[Problem]:
    """Group and rule fields, PromQL, durations, and rules unique across all groups (a rule is the same as
    another when its name, labels and expression are: rules of one name that differ by selector are not)."""
    problems: list[Problem] = []
    group_names: dict[str, str] = {}
    identities: dict[tuple, str] = {}
    for item in items:
        group: RuleGroup = item.obj
        gobj = f"group {group.name!r}"
        if not group.name.strip():
            problems.append(Problem(item.where, gobj, "name", "must not be blank"))
        if group.name in group_names:
            problems.append(Problem(item.where, gobj, "name", f"is already used by a group in {group_names[group.name]}"))
        group_names.setdefault(group.name, item.source)
        problems += _duration_problem(item.where, gobj, "interval", group.interval)
        problems += _duration_problem(item.where, gobj, "query_offset", group.query_offset)
        problems += _label_name_problems(item.where, gobj, "labels", group.labels)
        if group.limit is not None and group.limit < 0:
            problems.append(Problem(item.where, gobj, "limit", f"must be 0 (no limit) or more (got {group.limit})"))
        if not group.rules:
            problems.append(Problem(item.where, gobj, "rules", "is empty: a group needs at least one rule"))
        for index, rule in enumerate(group.rules):
            robj = f"{gobj}, {'alert' if isinstance(rule, AlertRule) else 'record'} {rule.name!r}"
            where = item.where_of(f"rules[{index}]")
            problems += validate_rule(where, robj, rule, locate, conventions, group.labels)
            key = (type(rule).__name__, rule.name, tuple(sorted(group.labels_of(rule).items())), same_expr(rule.expr))
            if key in identities:
                problems.append(Problem(where, robj, "expr", f"same name, labels and expression as a rule in "
                                        f"{identities[key]}: remove one"))
            identities.setdefault(key, f"{item.source} ({gobj})")
    return problems


def same_expr(expr: str) -> str:
    """What two expressions share when they compute the same thing as written (spacing and comments aside)."""
    try:
        return promql.parse(expr).canonical()
    except ValueError:
        return " ".join(expr.split())


def severity_problem(labels: dict[str, str], conventions: RuleConventions) -> str | None:
    """Why an alert's severity label is outside the project's vocabulary, else None."""
    severity = labels.get("severity")
    if severity is None or severity in conventions.severities:
        return None
    return (f"must be one of {', '.join(conventions.severities)} (got {severity!r}): add it to `severities` in "
            "[tool.mrm-observe] of pyproject.toml, or waive it for this rule: waive={'severity': 'reason'}")


def validate_rule(source: str, obj: str, rule: AlertRule | RecordingRule, locate: Locator | None = None,
                  conventions: RuleConventions = RuleConventions(),
                  group_labels: dict[str, str] | None = None) -> list[Problem]:
    """Problems of one rule: name, expression, durations, labels, severity (unless waived), waivers."""
    problems: list[Problem] = []
    if isinstance(rule, RecordingRule) and not METRIC_NAME.match(rule.record):
        problems.append(Problem(source, obj, "record", f"must be a metric name ({METRIC_NAME_PATTERN})"))
    if isinstance(rule, AlertRule) and not rule.alert.strip():
        problems.append(Problem(source, obj, "alert", "must not be blank"))
    why = promql_problem(rule.expr, locate)
    if why is None:
        why = rule_result_problem(rule.expr)
    if why:
        problems.append(Problem(source, obj, "expr", why))
    problems += _label_name_problems(source, obj, "labels", rule.labels)
    if isinstance(rule, AlertRule):
        problems += _duration_problem(source, obj, "for", rule.for_)
        problems += _duration_problem(source, obj, "keep_firing_for", rule.keep_firing_for)
        why = severity_problem({**(group_labels or {}), **rule.all_labels()}, conventions)
        if why and not rule.waive.get("severity", "").strip():
            problems.append(Problem(source, obj, "severity", why))
        for name in rule.annotations:
            if not LABEL_NAME.match(name):
                problems.append(Problem(source, obj, "annotations", f"{name!r} is not a valid annotation name"))
        problems += _template_problems(source, obj, rule)
    for check, reason in rule.waive.items():
        if check not in LINT_CHECKS:
            problems.append(Problem(source, obj, "waive", f"unknown check {check!r}: one of {', '.join(LINT_CHECKS)}"))
        elif not reason.strip():
            problems.append(Problem(source, obj, "waive", f"waiving {check!r} needs a reason"))
    return problems


def _template_problems(source: str, obj: str, rule: AlertRule) -> list[Problem]:
    """Go template syntax of every annotation and label, at build time and at the line that made the rule."""
    file, line = rule.defined_at or ("", 0)
    where = f"{source}:{line}" if line and Path(file).as_posix().endswith(source) else source
    found = []
    for kind, texts in (("annotations", rule.all_annotations()), ("labels", rule.all_labels())):
        for key, text in texts.items():
            why = go_template.problem(text)
            if why:
                field = key if hasattr(rule, key) and kind == "annotations" else f"{kind}.{key}"
                found.append(Problem(where, obj, field, why))
    return found


def _label_name_problems(source: str, obj: str, field: str, labels: dict[str, str]) -> list[Problem]:
    return [Problem(source, obj, field, f"{name!r} is not a valid label name ({LABEL_NAME_PATTERN})")
            for name in labels if not LABEL_NAME.match(name) or name.startswith("__")]


def _duration_problem(source: str, obj: str, field: str, value: str | None) -> list[Problem]:
    if value is None:
        return []
    try:
        parse_duration(value)
    except ValueError as err:
        return [Problem(source, obj, field, str(err))]
    return []

