"""The built Alertmanager config as prometheus-operator resources (pure: dicts in, dicts out), never with a secret.

* A Secret in kube-prometheus' shape (`alertmanager-main`, key `alertmanager.yaml`, templates as keys of their
  own): the operator mounts it at /etc/alertmanager/config, so template globs are rewritten to that folder. A
  secret left to the environment (`conventions.env_placeholder`) becomes a `*_file` path in the Secret
  `ENV_SECRET`, which the Alertmanager resource mounts through `spec.secrets` at /etc/alertmanager/secrets/.
* An `AlertmanagerConfig` (monitoring.coreos.com/v1alpha1) holding the whole tree, for
  `spec.alertmanagerConfiguration` of the Alertmanager resource, where the config fits its schema: every receiver
  of a kind and with fields it knows, every secret a file in a mounted Secret or from the environment (both
  become Secret key references). What does not fit is named instead, and only the Secret is written.
"""
from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from .. import matchers
from ..conventions import ENV_PLACEHOLDER
from .k8s import metadata

CONFIG_KEY = "alertmanager.yaml"
SECRET_NAME = "alertmanager-main"
CONFIG_NAME = "mrm-observe"
ENV_SECRET = "alertmanager-mrm-observe-env"
"""The Secret holding the values the config takes from the environment, one key per variable name."""
CONFIG_DIR = "/etc/alertmanager/config"
SECRETS_DIR = "/etc/alertmanager/secrets"
FILE_FORMS = {"api_url": "api_url_file", "routing_key": "routing_key_file", "service_key": "service_key_file",
              "api_key": "api_key_file", "auth_password": "auth_password_file", "password": "password_file",
              "credentials": "credentials_file", "bot_token": "bot_token_file", "url": "url_file",
              "slack_api_url": "slack_api_url_file", "opsgenie_api_key": "opsgenie_api_key_file",
              "smtp_auth_password": "smtp_auth_password_file", "client_secret": "client_secret_file"}
"""Secret fields and the field naming a file to read the secret from (webhook `url_file`: Alertmanager 0.26+)."""
_MOUNTED = re.compile(rf"^{re.escape(SECRETS_DIR)}/([a-z0-9][-a-z0-9.]*)/([-._a-zA-Z0-9]+)$")
_DAYS = re.compile(r"(-?\d+)(?::(-?\d+))?")


def operator_config(config: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(the config as the operator's Secret holds it, [(where, why)] for values from the environment it cannot
    turn into a file)."""
    out = operator_templates(config)
    problems: list[tuple[str, str]] = []
    _env_to_files(out, "", problems)
    return out, problems


def operator_templates(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of the config whose relative template globs point where the operator mounts the Secret's keys."""
    out = copy.deepcopy(config)
    if out.get("templates"):
        out["templates"] = [f"{CONFIG_DIR}/{PurePosixPath(glob).name}" if not str(glob).startswith("/") else glob
                            for glob in out["templates"]]
    return out


def alertmanager_secret(config_yaml: str, templates: dict[str, str], namespace: str, source: str,
                        name: str = SECRET_NAME, encoded: bool = False) -> dict[str, Any]:
    """The kube-prometheus Secret: the config (from `operator_config`) and the templates, as text (`stringData`,
    readable in a repository) or `encoded` (`data`, base64: what a server-side apply should send)."""
    values = {CONFIG_KEY: config_yaml, **templates}
    body = ({"data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}} if encoded
            else {"stringData": values})
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata(name, namespace, source), "type": "Opaque",
            **body}


def alertmanager_config_resource(spec: dict[str, Any], namespace: str, source: str) -> dict[str, Any]:
    """An AlertmanagerConfig (from `alertmanager_config_spec`) named for `spec.alertmanagerConfiguration`."""
    return {"apiVersion": "monitoring.coreos.com/v1alpha1", "kind": "AlertmanagerConfig",
            "metadata": metadata(CONFIG_NAME, namespace, source), "spec": spec}


def _env_to_files(node: Any, path: str, problems: list[tuple[str, str]]) -> None:
    """Replace each `field: <placeholder>` by `field_file: <the key's file in the mounted ENV_SECRET>`."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _env_to_files(item, f"{path}[{index}]", problems)
        return
    if not isinstance(node, dict):
        return
    items = list(node.items())
    node.clear()
    for key, value in items:  # rebuilt in order, a secret field renamed in its place
        where = f"{path}.{key}" if path else key
        whole = ENV_PLACEHOLDER.fullmatch(value) if isinstance(value, str) else None
        if whole is not None and key in FILE_FORMS:
            node[FILE_FORMS[key]] = f"{SECRETS_DIR}/{ENV_SECRET}/{whole[1]}"
            continue
        if isinstance(value, str) and ENV_PLACEHOLDER.search(value):
            problems.append((where, "a value taken from the environment can only be exported as a whole "
                             f"secret field ({', '.join(sorted(FILE_FORMS))})"))
        node[key] = value
        _env_to_files(value, where, problems)


# --- AlertmanagerConfig --------------------------------------------------------------------------------------

RECEIVER_FIELDS: dict[str, tuple[str, dict[str, str], frozenset[str]]] = {
    # kind: (CRD list name, {field: CRD name} beyond plain camelCase, secret fields)
    "webhook_configs": ("webhookConfigs", {}, frozenset({"url"})),
    "slack_configs": ("slackConfigs", {"api_url": "apiURL", "icon_url": "iconURL", "title_link": "titleLink"},
                      frozenset({"api_url"})),
    "pagerduty_configs": ("pagerdutyConfigs", {"client_url": "clientURL"},
                          frozenset({"routing_key", "service_key"})),
    "email_configs": ("emailConfigs", {"require_tls": "requireTLS"}, frozenset({"auth_password", "auth_secret"})),
    "opsgenie_configs": ("opsgenieConfigs", {"api_url": "apiURL"}, frozenset({"api_key"})),
}
PLAIN_FIELDS = {
    "webhook_configs": {"send_resolved", "url", "max_alerts"},
    "slack_configs": {"send_resolved", "channel", "username", "color", "title", "title_link", "pretext", "text",
                      "footer", "fallback", "callback_id", "icon_emoji", "icon_url", "image_url", "thumb_url",
                      "short_fields", "link_names", "mrkdwn_in"},
    "pagerduty_configs": {"send_resolved", "url", "client", "client_url", "description", "severity", "class",
                          "component", "group", "details"},
    "email_configs": {"send_resolved", "to", "from", "hello", "smarthost", "auth_username", "auth_identity",
                      "headers", "html", "text", "require_tls"},
    "opsgenie_configs": {"send_resolved", "api_url", "message", "description", "source", "tags", "note",
                         "priority", "details", "responders", "entity", "actions", "update_alerts"},
}
KEY_VALUE_LISTS = {"details", "headers"}
"""Maps in Alertmanager's config, lists of {key, value} in the CRD."""
ROUTE_FIELDS = {"receiver", "group_by", "group_wait", "group_interval", "repeat_interval", "matchers", "continue",
                "routes", "mute_time_intervals", "active_time_intervals"}
TIME_FIELDS = {"times", "weekdays", "days_of_month", "months", "years"}


class DoesNotFit(ValueError):
    """Part of the config that an AlertmanagerConfig cannot say."""


def alertmanager_config_spec(config: dict[str, Any]) -> dict[str, Any]:
    """The spec of an AlertmanagerConfig saying what `config` says; DoesNotFit names the first part it cannot."""
    extra = sorted(set(config) - {"route", "receivers", "inhibit_rules", "time_intervals", "mute_time_intervals",
                                  "templates"})
    if extra:
        raise DoesNotFit(f"{', '.join(extra)}: global settings belong to the Alertmanager resource "
                         "(spec.alertmanagerConfiguration.global), not to an AlertmanagerConfig")
    spec: dict[str, Any] = {"route": _route(config["route"], "route")}
    spec["receivers"] = [_receiver(r, f"receivers[{i}]") for i, r in enumerate(config.get("receivers") or [])]
    rules = []
    for i, rule in enumerate(config.get("inhibit_rules") or []):
        _only(rule, {"source_matchers", "target_matchers", "equal"}, f"inhibit_rules[{i}]")
        rules.append({"sourceMatch": _matchers(rule.get("source_matchers") or []),
                      "targetMatch": _matchers(rule.get("target_matchers") or []),
                      **({"equal": list(rule["equal"])} if rule.get("equal") else {})})
    if rules:
        spec["inhibitRules"] = rules
    intervals = [*(config.get("time_intervals") or []), *(config.get("mute_time_intervals") or [])]
    if intervals:
        spec["muteTimeIntervals"] = [{"name": t["name"], "timeIntervals": [
            _period(p, f"time_intervals[{i}]") for p in t.get("time_intervals") or []]}
            for i, t in enumerate(intervals)]
    return spec


def _only(node: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(node) - allowed)
    if unknown:
        raise DoesNotFit(f"{where}: {', '.join(unknown)} has no AlertmanagerConfig field")


def _route(node: dict[str, Any], where: str) -> dict[str, Any]:
    _only(node, ROUTE_FIELDS, where)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "matchers":
            out["matchers"] = _matchers(value)
        elif key == "routes":
            out["routes"] = [_route(child, f"{where}.routes[{i}]") for i, child in enumerate(value)]
        else:
            out[_camel(key)] = value
    return out


def _receiver(node: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": node["name"]}
    for kind, configs in node.items():
        if kind == "name":
            continue
        if kind not in RECEIVER_FIELDS:
            raise DoesNotFit(f"{where}: {kind} is not a receiver kind this export writes as an AlertmanagerConfig")
        crd_name, renames, secrets = RECEIVER_FIELDS[kind]
        out[crd_name] = [_notifier(c, kind, renames, secrets, f"{where}.{kind}[{i}]") for i, c in enumerate(configs)]
    return out


def _notifier(node: dict[str, Any], kind: str, renames: dict[str, str], secrets: frozenset[str],
              where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        field = key.removesuffix("_file")
        plain_url = kind == "webhook_configs" and key == "url" and not ENV_PLACEHOLDER.fullmatch(str(value))
        if field in secrets and not plain_url:
            name = "urlSecret" if kind == "webhook_configs" else renames.get(field, _camel(field))
            out[name] = _secret_ref(value, key.endswith("_file"), f"{where}.{key}")
        elif key in PLAIN_FIELDS[kind]:
            crd = renames.get(key, _camel(key))
            out[crd] = ([{"key": k, "value": v} for k, v in value.items()] if key in KEY_VALUE_LISTS else value)
        else:
            raise DoesNotFit(f"{where}: {key} has no AlertmanagerConfig field this export writes")
    return out


def _secret_ref(value: str, is_file: bool, where: str) -> dict[str, str]:
    """A Secret key reference for a secret read from a mounted Secret's file, or taken from the environment."""
    mounted = _MOUNTED.fullmatch(value) if is_file else None
    env = ENV_PLACEHOLDER.fullmatch(value) if not is_file else None
    if mounted:
        return {"name": mounted[1], "key": mounted[2]}
    if env:
        return {"name": ENV_SECRET, "key": env[1]}
    raise DoesNotFit(f"{where}: an AlertmanagerConfig takes secrets from Secrets only: read it from "
                     f"{SECRETS_DIR}/<secret>/<key> or from the environment")


def _matchers(texts: list[str]) -> list[dict[str, str]]:
    try:
        return [{"name": m.name, "value": m.value, "matchType": m.op} for t in texts for m in matchers.parse(str(t))]
    except ValueError as err:
        raise DoesNotFit(str(err)) from None


def _period(node: dict[str, Any], where: str) -> dict[str, Any]:
    _only(node, TIME_FIELDS, where)
    convert: dict[str, Callable[[Any], Any]] = {
        "times": lambda times: [{"startTime": t["start_time"], "endTime": t["end_time"]} for t in times],
        "days_of_month": lambda days: [dict(zip(("start", "end"), _range_ints(d))) for d in days],
    }
    return {_camel(key): convert.get(key, list)(value) for key, value in node.items()}


def _range_ints(text: Any) -> tuple[int, int]:
    """'1:7' -> (1, 7); '-1' -> (-1, -1)."""
    match = _DAYS.fullmatch(str(text))
    if match is None:
        raise DoesNotFit(f"days_of_month {text!r} is not a day or a range of days")
    return int(match[1]), int(match[2] or match[1])


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
