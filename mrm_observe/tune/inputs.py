"""What `tune` reads: the project's alerting rules (SLO burn-rate alerts included), the alerting rules of Prometheus
rule files and `PrometheusRule` manifests, and incident files (YAML or CSV). Every problem names the file, the
object and the field, and says what would be right."""
from __future__ import annotations

import csv
import fnmatch
import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import promql, yaml_input
from ..compile.slo import alert_rules, enabled_windows
from ..conventions import slo_groups
from ..definitions import Definitions
from ..durations import parse_duration, parse_time
from ..errors import DefinitionError, Problem
from ..model.rules import AlertRule
from ..yaml_input import YAMLInputError
from .backtest import Incident, SloPair, TunedAlert

DEFAULT_INTERVAL = 60.0
"""Seconds between evaluations of a group that sets no interval (Prometheus's default evaluation_interval)."""
INCIDENT_FIELDS = ("start", "end", "labels", "name", "alerts")


def project_alerts(defs: Definitions) -> list[TunedAlert]:
    """The project's alerting rules, then one alert per window pair of each SLO (as `build` compiles them)."""
    found = []
    for item in defs.groups:
        interval = parse_duration(item.obj.interval) if item.obj.interval else DEFAULT_INTERVAL
        for rule in item.obj.rules:
            if isinstance(rule, AlertRule):
                found.append(TunedAlert(rule.alert, rule.expr, _seconds(rule.for_), _seconds(rule.keep_firing_for),
                                        interval, rule.all_labels(), item.obj.name, item.source))
    for item in defs.slos:
        slo = item.obj
        for window, rule in zip(enabled_windows(slo), alert_rules(slo)):
            found.append(TunedAlert(rule.alert, rule.expr, _seconds(rule.for_), _seconds(rule.keep_firing_for),
                                    DEFAULT_INTERVAL, rule.all_labels(), slo_groups(slo.id)[2], item.source,
                                    SloPair(slo, window)))
    return found


def _seconds(duration: str | None) -> float:
    return parse_duration(duration) if duration else 0.0


def select(alerts: list[TunedAlert], patterns: Iterable[str], where: str) -> list[TunedAlert]:
    """The alerts whose name matches any glob (every alert without patterns); an error naming what was read when a
    pattern matches none."""
    patterns = list(patterns)
    if not patterns:
        chosen = alerts
    else:
        unmatched = [p for p in patterns if not any(fnmatch.fnmatchcase(a.alert, p) for a in alerts)]
        if unmatched:
            names = ", ".join(sorted({a.alert for a in alerts})) or "none"
            raise DefinitionError([Problem(where, "", "--alert", f"no alerting rule matches {p!r} (alerts: {names})")
                                   for p in unmatched])
        chosen = [a for a in alerts if any(fnmatch.fnmatchcase(a.alert, p) for p in patterns)]
    if not chosen:
        raise DefinitionError([Problem(where, "", "", "holds no alerting rule to tune")])
    return chosen


# --- rule files ---------------------------------------------------------------------------------------------------


def rule_file_alerts(paths: Iterable[Path]) -> list[TunedAlert]:
    """The alerting rules of Prometheus rule files (`groups: [...]`) and `PrometheusRule` manifests (`spec.groups`),
    several YAML documents per file allowed; DefinitionError with every problem of every file."""
    found: list[TunedAlert] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            documents = yaml_input.load_all(path)
        except (YAMLInputError, OSError) as err:
            problems.append(Problem(str(path), "", "", str(err)))
            continue
        for number, doc in enumerate(documents, 1):
            where = f"document {number}" if len(documents) > 1 else ""
            groups = _groups_of(doc, str(path), where, problems)
            for index, group in enumerate(groups):
                found += _group_alerts(group, str(path), where, index, problems)
    if problems:
        raise DefinitionError(problems)
    return found


def _groups_of(doc: Any, file: str, where: str, problems: list[Problem]) -> list[Any]:
    if isinstance(doc, dict) and doc.get("kind") == "PrometheusRule":
        spec = doc.get("spec")
        name = (doc.get("metadata") or {}).get("name", "") if isinstance(doc.get("metadata"), dict) else ""
        where = " ".join(p for p in (where, f"PrometheusRule {name}".strip()) if p)
        doc = spec if isinstance(spec, dict) else {}
        if not isinstance(spec, dict):
            problems.append(Problem(file, where, "spec", "a PrometheusRule needs `spec: {groups: [...]}`"))
            return []
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        problems.append(Problem(file, where, "groups", "expected a rule file (`groups: [...]`) or a PrometheusRule "
                                                       "manifest (`kind: PrometheusRule`, `spec.groups`)"))
        return []
    return doc["groups"]


def _group_alerts(group: Any, file: str, where: str, index: int, problems: list[Problem]) -> list[TunedAlert]:
    if not isinstance(group, dict) or not isinstance(group.get("name"), str) or \
            not isinstance(group.get("rules"), list):
        problems.append(Problem(file, " ".join(p for p in (where, f"groups[{index}]") if p), "",
                                "a group needs `name: <text>` and `rules: [...]`"))
        return []
    obj = " ".join(p for p in (where, f"group {group['name']}") if p)
    interval = _duration(group.get("interval"), file, obj, "interval", problems, DEFAULT_INTERVAL)
    if interval == 0:
        problems.append(Problem(file, obj, "interval", "must be longer than 0s, e.g. 1m"))
    found = []
    for number, rule in enumerate(group["rules"]):
        if not isinstance(rule, dict) or "record" in rule:
            continue
        name = rule.get("alert")
        what = f"{obj} rule {name if isinstance(name, str) else f'#{number + 1}'}"
        before = len(problems)
        if not isinstance(name, str) or not name:
            problems.append(Problem(file, what, "alert", "an alerting rule needs `alert: <name>` (or `record:` for a "
                                                         "recording rule)"))
        expr = rule.get("expr")
        if not isinstance(expr, str):
            problems.append(Problem(file, what, "expr", "needs a PromQL expression"))
        else:
            try:
                promql.parse(expr)
            except ValueError as err:
                problems.append(Problem(file, what, "expr", str(err)))
        labels = rule.get("labels") or {}
        if not isinstance(labels, dict):
            problems.append(Problem(file, what, "labels", "expected a mapping of label names to values"))
            labels = {}
        hold = _duration(rule.get("for"), file, what, "for", problems, 0.0)
        keep = _duration(rule.get("keep_firing_for"), file, what, "keep_firing_for", problems, 0.0)
        if len(problems) == before:
            found.append(TunedAlert(name, expr, hold, keep, interval, {str(k): str(v) for k, v in labels.items()},
                                    group["name"], file))
    return found


def _duration(value: Any, file: str, obj: str, field: str, problems: list[Problem], default: float) -> float:
    """A Prometheus duration (`0` allowed, as Prometheus allows it), the default when absent."""
    if value is None:
        return default
    if value == "0" or value == 0:
        return 0.0
    try:
        return parse_duration(value)
    except ValueError as err:
        problems.append(Problem(file, obj, field, str(err)))
        return default


# --- incidents ----------------------------------------------------------------------------------------------------


def load_incidents(path: Path) -> list[Incident]:
    """Incident windows from YAML (a list, or `incidents: [...]`, of {start, end, labels, name, alerts}) or CSV (a
    header with start and end; `name` and `alerts` (globs separated by spaces) columns; every other column is a
    label, empty cells left out). Times are RFC 3339 with a zone or Unix seconds."""
    file = str(path)
    problems: list[Problem] = []
    try:
        if path.suffix.lower() == ".csv":
            records = _csv_records(path, file, problems)
        else:
            loaded = yaml_input.load(path)
            records = loaded.get("incidents") if isinstance(loaded, dict) else loaded
            if not isinstance(records, list):
                problems.append(Problem(file, "", "", "expected a list of incidents ({start, end, labels, name, alerts}), "
                                                      "or `incidents: [...]`"))
                records = []
    except (YAMLInputError, OSError, UnicodeDecodeError, csv.Error) as err:
        raise DefinitionError([Problem(file, "", "", str(err))]) from None
    found = [incident for number, record in enumerate(records, 1)
             if (incident := _incident(record, file, f"incident {number}", problems)) is not None]
    if problems:
        raise DefinitionError(problems)
    return found


def _csv_records(path: Path, file: str, problems: list[Problem]) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    columns = reader.fieldnames or []
    missing = [c for c in ("start", "end") if c not in columns]
    if missing:
        problems.append(Problem(file, "header", ", ".join(missing), f"the first line must name the columns, with "
                                                                    f"start and end (found: {', '.join(columns)})"))
        return []
    records = []
    for row in reader:
        labels = {k: v for k, v in row.items() if k not in ("start", "end", "name", "alerts") and k and v}
        records.append({"start": row["start"], "end": row["end"], "name": row.get("name") or "", "labels": labels,
                        "alerts": (row.get("alerts") or "").split()})
    return records


def _incident(record: Any, file: str, obj: str, problems: list[Problem]) -> Incident | None:
    if not isinstance(record, dict):
        problems.append(Problem(file, obj, "", "expected a mapping with start, end and optional labels, name and "
                                               "alerts"))
        return None
    before = len(problems)
    unknown = sorted(str(k) for k in record if k not in INCIDENT_FIELDS)
    if unknown:
        problems.append(Problem(file, obj, ", ".join(unknown), f"unknown field; an incident has "
                                                               f"{', '.join(INCIDENT_FIELDS)}"))
    start, end = (_moment(record.get(f), file, obj, f, problems) for f in ("start", "end"))
    labels = record.get("labels") or {}
    if not isinstance(labels, Mapping) or not all(isinstance(v, (str, int, float)) for v in labels.values()):
        problems.append(Problem(file, obj, "labels", "expected a mapping of label names to values, e.g. "
                                                     "{service: api}"))
        labels = {}
    if start is not None and end is not None and end <= start:
        problems.append(Problem(file, obj, "end", "must be after start"))
    alerts = record.get("alerts") or []
    alerts = alerts.split() if isinstance(alerts, str) else alerts
    if not isinstance(alerts, list) or not all(isinstance(a, str) for a in alerts):
        problems.append(Problem(file, obj, "alerts", "expected alert names or globs, e.g. [HighErrorRate, 'Api*']"))
    if len(problems) > before:
        return None
    return Incident(start, end, {str(k): str(v) for k, v in labels.items()}, str(record.get("name") or ""),
                    tuple(alerts))


def _moment(value: Any, file: str, obj: str, field: str, problems: list[Problem]) -> float | None:
    if value is None or value == "":
        problems.append(Problem(file, obj, field, "missing: give RFC 3339 (2026-11-30T12:00:00Z) or Unix seconds"))
        return None
    if isinstance(value, datetime):  # YAML reads unquoted timestamps itself
        if value.tzinfo is None:
            problems.append(Problem(file, obj, field, f"{value.isoformat()} has no time zone: add Z or an offset"))
            return None
        return value.timestamp()
    try:
        return parse_time(str(value)).timestamp()
    except ValueError as err:
        problems.append(Problem(file, obj, field, str(err)))
        return None
