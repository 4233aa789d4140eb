"""Where every alert of the project goes: each alert rule (hand-written and generated from SLOs) routed by its
static labels through the routing tree, as Alertmanager would route it, and the lint findings that follow.

Routing sees the labels a rule sets (`severity`, the tier of an SLO alert, ...) and the labels every generated SLO
series carries (`sloth_id`, ...); labels the expression adds at run time (`service`, `instance`) are unknown here,
so a route that needs them is checked by the hand-written route tests instead.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .compile.slo import alert_rules, series_labels
from .conventions import PAGING_LABELS, slo_groups
from .definitions import Definitions
from .errors import Problem
from .lint import Finding, rule_object
from .matchers import quote
from .model.routing import Alertmanager
from .model.rules import AlertRule
from .routing_tree import Node, tree


@dataclass(frozen=True)
class AlertRoute:
    """One alert rule, the labels it is routed by and the routes that take it."""

    source: str
    group: str
    rule: AlertRule
    labels: dict[str, str]
    routes: tuple[Node, ...]

    @property
    def receivers(self) -> tuple[str, ...]:
        return tuple(node.receiver for node in self.routes)

    @property
    def must_page(self) -> bool:
        return any(self.labels.get(name) == value for name, value in PAGING_LABELS)


def alert_labels(defs: Definitions) -> Iterator[tuple[str, str, AlertRule, dict[str, str]]]:
    """(source, group, rule, labels it is routed by) for every alert rule, SLO alerts included."""
    for item in defs.groups:
        for rule in item.obj.rules:
            if isinstance(rule, AlertRule):
                yield item.source, item.obj.name, rule, {**rule.all_labels(), "alertname": rule.alert}
    for item in defs.slos:
        group = slo_groups(item.obj.id)[2]
        for rule in alert_rules(item.obj):
            yield item.source, group, rule, {**series_labels(item.obj), **rule.labels, "alertname": rule.alert}


def alert_routes(defs: Definitions) -> list[AlertRoute]:
    """Every alert rule and where it goes (empty without an Alertmanager definition)."""
    if not defs.alertmanagers:
        return []
    root = tree(defs.alertmanagers[0].obj.route)
    return [AlertRoute(source, group, rule, labels, tuple(root.match(labels)))
            for source, group, rule, labels in alert_labels(defs)]


def route_findings(defs: Definitions, routes: list[AlertRoute]) -> list[Finding]:
    """The routing findings of every alert (none without an Alertmanager definition)."""
    if not defs.alertmanagers:
        return []
    return [f for found in routes for f in findings_of(defs.alertmanagers[0].obj, found)]


def findings_of(config: Alertmanager, found: AlertRoute) -> list[Finding]:
    """`unrouted`: the alert reaches only the default (root) receiver or receivers that notify nobody;
    `unpaged`: a critical or SLO page alert reaches no paging receiver. Waived per rule as any lint check."""
    receivers = [config.receiver(name) for name in found.receivers]
    messages = []
    if all(r is None or r.null or r.name == config.route.receiver for r in receivers):
        messages.append(("unrouted", f"reaches only {_names(found.receivers)}, the default or a receiver that "
                         f"notifies nobody: add a route whose matchers match {_labels(found.labels)}, or waive "
                         "'unrouted' with a reason"))
    if found.must_page and not any(r is not None and r.paging for r in receivers):
        messages.append(("unpaged", f"is critical or an SLO page alert but reaches {_names(found.receivers)}, none "
                         "of which pages: route it to a receiver with PagerDuty or OpsGenie (or pages=True)"))
    obj = rule_object(found.group, found.rule)
    return [Finding(check, Problem(found.source, obj, "labels", message), found.rule.waive.get(check))
            for check, message in messages]


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(repr(n) for n in names)


def _labels(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={quote(v)}" for k, v in sorted(labels.items())) + "}"


def routes_table(defs: Definitions, routes: list[AlertRoute]) -> dict[str, Any]:
    """The build's routes.json: every alert rule with its labels, the routes and receivers it reaches and why,
    and its routing findings; and every receiver with what it notifies."""
    config: Alertmanager = defs.alertmanagers[0].obj
    alerts = []
    for found in routes:
        alerts.append({
            "alert": found.rule.alert, "source": found.source, "group": found.group, "labels": found.labels,
            "receivers": list(found.receivers),
            "routes": [{"route": node.path, "matchers": [str(m) for m in node.matchers],
                        "conditions": [str(m) for m in node.conditions], "receiver": node.receiver,
                        "group_by": list(node.group_by), "mute_time_intervals": list(node.mute_time_intervals),
                        "active_time_intervals": list(node.active_time_intervals)} for node in found.routes],
            "findings": [{"check": f.check, "message": f.problem.message, **({"waived": f.waived} if f.waived else {})}
                         for f in findings_of(config, found)],
        })
    receivers = {r.name: {"pages": r.paging, "integrations": [field.removesuffix("_configs") for field in
                                                               type(r).model_fields if field.endswith("_configs")
                                                               and getattr(r, field)]}
                 for r in config.receivers}
    return {"default_receiver": config.route.receiver, "receivers": receivers, "alerts": alerts}
