"""Rule groups -> the dict of a Prometheus rule file."""
from __future__ import annotations

from ..model.rules import AlertRule, RecordingRule, RuleGroup


def rule_dict(rule: AlertRule | RecordingRule) -> dict:
    """One rule in Prometheus' rule-file shape, keys in the customary order, labels sorted."""
    if isinstance(rule, RecordingRule):
        out: dict = {"record": rule.record, "expr": rule.expr}
        labels, annotations = rule.labels, {}
    else:
        out = {"alert": rule.alert, "expr": rule.expr}
        if rule.for_:
            out["for"] = rule.for_
        if rule.keep_firing_for:
            out["keep_firing_for"] = rule.keep_firing_for
        labels, annotations = rule.all_labels(), rule.all_annotations()
    if labels:
        out["labels"] = dict(sorted(labels.items()))
    if annotations:
        out["annotations"] = dict(sorted(annotations.items()))
    return out


def group_dict(group: RuleGroup) -> dict:
    """One group; rules keep their order (later rules may read earlier recordings at the same step)."""
    out: dict = {"name": group.name}
    if group.interval:
        out["interval"] = group.interval
    if group.query_offset:
        out["query_offset"] = group.query_offset
    if group.limit is not None:
        out["limit"] = group.limit
    if group.labels:
        out["labels"] = dict(sorted(group.labels.items()))
    out["rules"] = [rule_dict(rule) for rule in group.rules]
    return out


def rule_file(groups: list[RuleGroup]) -> dict:
    """A whole rule file, loadable by Prometheus as it is."""
    return {"groups": [group_dict(g) for g in groups]}
