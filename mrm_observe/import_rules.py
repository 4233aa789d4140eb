"""Prometheus rule files and PrometheusRule manifests -> a definition module for `alerts/` (`mrm-observe import`).

Documents are read as written (yaml_input.documents(as_written=True)), so every value is the text Prometheus reads.
The module keeps each group and rule in order with its fields exactly: expressions and annotation templates
character for character (comments and line breaks included), `for`, `keep_firing_for`, `limit`, labels and
annotations, so that building it gives the original rule file back. What mrm-observe cannot carry (fields of
other rulers, a manifest's metadata) is listed in the notes and as a comment at its place in the module.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from .errors import DefinitionError, Problem
from .input_kinds import PROMETHEUS_RULE, RULE_FILE, kind_of
from .conventions import ORIGIN_VARIABLE
from .model.rules import AlertRule, RecordingRule, RuleGroup
from .python_source import Name, Source, call, quoted

GROUP_FIELDS = ("name", "interval", "query_offset", "limit", "labels", "rules")
RULE_FIELDS = ("record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations")
NOT_IN_RECORDING_RULES = ("for", "keep_firing_for", "annotations")
FOLDED_LABELS = ("severity",)
FOLDED_ANNOTATIONS = ("summary", "description", "runbook_url")
"""Labels and annotations written as AlertRule's own fields (they become the same labels and annotations)."""
WAIVER_REASON = "AS_IMPORTED"
"""Module constant holding the reason of the waivers an import adds."""
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True)
class ImportedGroups:
    """The rule groups of one file, what was left out of each and why, and notes for the whole file."""

    groups: tuple[RuleGroup, ...]
    dropped: dict[tuple[int, int | None], tuple[str, ...]] = field(default_factory=dict)
    """(group index, rule index or None for the group) -> one line per field not carried."""
    notes: tuple[str, ...] = ()


def module_name(file_name: str) -> str:
    """A Python module name for an imported file: `kubePrometheus-prometheusRule.yaml` ->
    `kube_prometheus_prometheus_rule` (never starting with `_`, which would make it a helper)."""
    stem = file_name.rsplit("/", 1)[-1].split(".", 1)[0]
    name = re.sub(r"[^a-z0-9]+", "_", _CAMEL.sub("_", stem).lower()).strip("_")
    if not name or name[0].isdigit():
        name = f"rules_{name}".rstrip("_")
    return f"{name}_rules" if keyword.iskeyword(name) else name


def rule_groups(documents: list[object], source: str) -> ImportedGroups:
    """The groups of a file's rule-file and PrometheusRule documents, in order; DefinitionError with every problem
    (naming the document, group, rule and field) when Prometheus would refuse them."""
    problems: list[Problem] = []
    groups: list[RuleGroup] = []
    dropped: dict[tuple[int, int | None], tuple[str, ...]] = {}
    notes: list[str] = []
    for number, document in enumerate(documents, 1):
        where = f"document {number}" if len(documents) > 1 else ""
        kind = kind_of(document)
        if kind not in (RULE_FILE, PROMETHEUS_RULE):
            continue
        assert isinstance(document, dict)
        listed = document.get("groups") if kind == RULE_FILE else _mapping(document.get("spec")).get("groups")
        if kind == PROMETHEUS_RULE:
            notes.append(_metadata_note(document))
        if not isinstance(listed, list):
            problems.append(Problem(source, where, "spec.groups", "must be a list of rule groups"))
            continue
        for index, data in enumerate(listed):
            group = _group(data, source, f"{where}, groups[{index}]".lstrip(", "), problems, dropped, len(groups))
            if group is not None:
                groups.append(group)
    if not groups and not problems:
        problems.append(Problem(source, "", "groups", "holds no rule group"))
    if problems:
        raise DefinitionError(problems)
    for (group, rule), lines in sorted(dropped.items(), key=lambda item: (item[0][0], -1 if item[0][1] is None
                                                                           else item[0][1])):
        obj = _object(groups[group], None if rule is None else groups[group].rules[rule])
        notes += [f"{obj}: {line}" for line in lines]
    return ImportedGroups(tuple(groups), dropped, tuple(notes))


def _metadata_note(document: dict) -> str:
    metadata = _mapping(document.get("metadata"))
    held = ", ".join(f"{key} {metadata[key]!r}" if isinstance(metadata[key], str) else key for key in sorted(metadata))
    return (f"PrometheusRule {metadata.get('name', '')!r}: its metadata ({held or 'none'}) is not carried: "
            "`mrm-observe export k8s` writes the project's own manifest")


def _mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _group(data: object, source: str, where: str, problems: list[Problem],
           dropped: dict[tuple[int, int | None], tuple[str, ...]], number: int) -> RuleGroup | None:
    if not isinstance(data, dict):
        problems.append(Problem(source, where, "", "must be a mapping with name and rules"))
        return None
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(source, where, "name", "is required"))
        return None
    obj = f"group {name!r}"
    before = len(problems)
    problems += [Problem(source, obj, key, "must be text") for key in ("interval", "query_offset")
                 if key in data and not isinstance(data[key], str)]
    rules = []
    listed = data.get("rules")
    if not isinstance(listed, list):
        problems.append(Problem(source, obj, "rules", "must be a list of rules"))
        listed = []
    for index, rule_data in enumerate(listed):
        rule, left = _rule(rule_data, source, obj, index, problems)
        if rule is not None:
            if left:
                dropped[(number, len(rules))] = left
            rules.append(rule)
    limit = data.get("limit")
    if limit is not None and not re.fullmatch(r"\d+", str(limit)):
        problems.append(Problem(source, obj, "limit", f"must be a whole number (got {limit!r})"))
    labels = _texts(data.get("labels"), source, obj, "labels", problems)
    if len(problems) > before:
        return None
    left = _left_out(data, GROUP_FIELDS, "rule groups")
    if left:
        dropped[(number, None)] = left
    try:
        return RuleGroup(name=name, rules=tuple(rules), interval=data.get("interval") or None,
                         query_offset=data.get("query_offset") or None,
                         limit=None if limit is None else int(str(limit)), labels=labels)
    except ValidationError as err:
        problems += [Problem(source, obj, ".".join(map(str, e["loc"])), e["msg"]) for e in err.errors()]
        return None


def _rule(data: object, source: str, group: str, index: int,
          problems: list[Problem]) -> tuple[AlertRule | RecordingRule | None, tuple[str, ...]]:
    where = f"{group}, rules[{index}]"
    if not isinstance(data, dict):
        problems.append(Problem(source, where, "", "must be a mapping with record or alert, and expr"))
        return None, ()
    if ("record" in data) == ("alert" in data):
        problems.append(Problem(source, where, "", "needs exactly one of record and alert"))
        return None, ()
    recording = "record" in data
    name = data["record" if recording else "alert"]
    obj = f"{group}, {'record' if recording else 'alert'} {name!r}"
    before = len(problems)
    problems += [Problem(source, obj, key, "must be text") for key in ("record", "alert", "for", "keep_firing_for")
                 if key in data and not isinstance(data[key], str)]
    if not isinstance(data.get("expr"), str) or not data["expr"].strip():
        problems.append(Problem(source, obj, "expr", "is required"))
    if recording:
        problems += [Problem(source, obj, key, "is not allowed in a recording rule (Prometheus refuses it)")
                     for key in NOT_IN_RECORDING_RULES if key in data]
    labels = _texts(data.get("labels"), source, obj, "labels", problems)
    annotations = _texts(data.get("annotations"), source, obj, "annotations", problems)
    if len(problems) > before:
        return None, ()
    left = _left_out(data, RULE_FIELDS, "rules")
    if recording:
        return RecordingRule(record=name, expr=data["expr"], labels=labels), left
    own = {key: labels.pop(key) for key in FOLDED_LABELS if key in labels}
    own |= {key: annotations.pop(key) for key in FOLDED_ANNOTATIONS if key in annotations}
    return AlertRule(alert=name, expr=data["expr"], for_=data.get("for") or None,
                     keep_firing_for=data.get("keep_firing_for") or None, labels=labels, annotations=annotations,
                     **own), left


def _texts(value: object, source: str, obj: str, field_name: str, problems: list[Problem]) -> dict[str, str]:
    """A labels or annotations mapping of names to text (read as written, so every scalar already is text)."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        problems.append(Problem(source, obj, field_name, "must be a mapping of names to text"))
        return {}
    return dict(value)


def _left_out(data: dict, known: tuple[str, ...], what: str) -> tuple[str, ...]:
    """One line per field mrm-observe does not carry."""
    return tuple(f"{key}: {value!r} is not carried (mrm-observe {what} have no such field)"
                 for key, value in data.items() if key not in known)


def rule_module(imported: ImportedGroups, origin: str) -> str:
    """The definition module: `imported_from`, the waiver reason when a rule waives a check, and `groups`."""
    reason = waiver_reason(origin)
    waived = any(rule.waive for group in imported.groups for rule in group.rules)
    used = sorted({"RuleGroup"} | {type(rule).__name__ for group in imported.groups for rule in group.rules})
    body = "".join(f"    {_group_call(imported, index, reason)},\n" for index in range(len(imported.groups)))
    constant = f"{WAIVER_REASON} = {quoted(reason)}\n" if waived else ""
    return (f'"""Rules imported from {origin} by `mrm-observe import`."""\n'
            f"from mrm_observe import {', '.join(used)}\n\n"
            f"{ORIGIN_VARIABLE} = {quoted(origin)}\n{constant}\ngroups = [\n{body}]\n")


def waiver_reason(origin: str) -> str:
    """Why an imported rule waives a convention: it is kept as it was."""
    return f"kept as imported from {origin}; follow the convention and remove this waiver"


def _group_call(imported: ImportedGroups, index: int, reason: str) -> str:
    group = imported.groups[index]
    rules = tuple(Source(_rule_call(rule, imported.dropped.get((index, number), ()), reason))
                  for number, rule in enumerate(group.rules))
    arguments: list[tuple[str, object]] = [("name", group.name)]
    arguments += [(key, getattr(group, key)) for key in ("interval", "query_offset", "limit", "labels")
                  if getattr(group, key) not in (None, {})]
    return call("RuleGroup", [*arguments, ("rules", rules)], 1, imported.dropped.get((index, None), ()))


def _rule_call(rule: AlertRule | RecordingRule, dropped: tuple[str, ...], reason: str) -> str:
    """The rule as a call: its name, expression, then AlertRule's own fields, labels, annotations and waivers."""
    if isinstance(rule, RecordingRule):
        arguments: list[tuple[str, object]] = [("record", rule.record), ("expr", rule.expr)]
    else:
        arguments = [("alert", rule.alert), ("expr", rule.expr)]
        arguments += [(key, getattr(rule, key)) for key in ("for_", "keep_firing_for", *FOLDED_LABELS,
                                                            *FOLDED_ANNOTATIONS) if getattr(rule, key) is not None]
    arguments += [(key, getattr(rule, key)) for key in ("labels", "annotations") if getattr(rule, key, None)]
    if rule.waive:
        arguments.append(("waive", {check: Name(WAIVER_REASON) if why == reason else why
                                    for check, why in rule.waive.items()}))
    return call(type(rule).__name__, arguments, 3, dropped)


def _object(group: RuleGroup, rule: AlertRule | RecordingRule | None) -> str:
    if rule is None:
        return f"group {group.name!r}"
    return f"group {group.name!r}, {'record' if isinstance(rule, RecordingRule) else 'alert'} {rule.name!r}"
