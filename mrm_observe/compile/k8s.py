"""Kubernetes and Grafana-provisioning shapes for built rules and dashboards (pure: dicts in, dicts out).

* PrometheusRule (prometheus-operator, monitoring.coreos.com/v1): one per rule file, `spec.groups` as built.
* ConfigMap per dashboard for the Grafana sidecar (grafana Helm chart / kube-prometheus-stack): label
  `grafana_dashboard: "1"`, folder in the `grafana_folder` annotation, data key `<uid>.json`; Kubernetes caps
  ConfigMap data at 1 MiB, so larger dashboards are refused.
* A Grafana file-provisioning provider whose folders come from the folder structure of the JSON files.
* The Alertmanager config as a Secret and an AlertmanagerConfig: alertmanager_k8s.py.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

from ..conventions import TOOL, slug

CONFIGMAP_LIMIT = 1024 * 1024
"""Bytes of data a ConfigMap may hold."""
SIDECAR_LABEL = "grafana_dashboard"
SIDECAR_LABEL_VALUE = "1"
FOLDER_ANNOTATION = "grafana_folder"
SOURCE_ANNOTATION = f"{TOOL}/source"
MANAGED_BY = {"app.kubernetes.io/managed-by": TOOL}
NAME_MAX = 253
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_MAX = 63
"""Length limit of an RFC 1123 label, such as a namespace name."""


_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def label_problem(name: str) -> str | None:
    """What keeps `name` from being an RFC 1123 label (a namespace name), or None when it is one."""
    return _rfc1123_problem(name, _NAME, LABEL_MAX, "Kubernetes namespace", "Kubernetes namespace name",
                            "lower-case letters, digits and '-'", "RFC 1123 label")


def name_problem(name: str) -> str | None:
    """What keeps `name` from being a Kubernetes object name such as a Secret's (an RFC 1123 subdomain), or None."""
    return _rfc1123_problem(name, _SUBDOMAIN, NAME_MAX, "Kubernetes object name", "Kubernetes object name",
                            "lower-case letters, digits, '-' and '.'", "RFC 1123 subdomain")


def _rfc1123_problem(name: str, form: re.Pattern[str], limit: int, holder: str, kind: str, letters: str,
                     standard: str) -> str | None:
    """Why `name` is not of `form` (at most `limit` characters of `letters`), with a suggestion; None when it is."""
    if not name:
        return "must not be empty"
    if len(name) > limit:
        return f"{name!r} is {len(name)} characters long; a {holder} has at most {limit}"
    if not form.match(name):
        suggestion = slug(name)[:limit].strip("-")
        hint = f", e.g. {suggestion!r}" if suggestion and suggestion != name else ""
        return f"{name!r} is not a {kind}: {letters}, starting and ending with a letter or digit ({standard}){hint}"
    return None


def k8s_name(prefix: str, text: str) -> str:
    """A DNS-1123 name `<prefix>-<text>`; a short hash keeps it unique when text had to be changed."""
    cleaned = slug(text)
    name = f"{prefix}-{cleaned}" if cleaned else prefix
    if cleaned != text or not _NAME.match(name):
        name = f"{name}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"
    return name[:NAME_MAX].rstrip("-")


def metadata(name: str, namespace: str, source: str, labels: dict[str, str] | None = None,
              annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": {**MANAGED_BY, **(labels or {})},
            "annotations": {SOURCE_ANNOTATION: source, **(annotations or {})}}


def prometheus_rule(file_name: str, rules: dict[str, Any], namespace: str, source: str) -> dict[str, Any]:
    """A PrometheusRule holding the groups of one built rule file (`alerts-api.rules.yaml` -> `alerts-api`)."""
    stem = file_name.split(".", 1)[0]
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": metadata(k8s_name("mrm", stem), namespace, source),
            "spec": {"groups": rules.get("groups") or []}}


def oversized(content: str) -> str | None:
    """Why a dashboard cannot go into a ConfigMap (over 1 MiB), or None."""
    size = len(content.encode())
    if size <= CONFIGMAP_LIMIT:
        return None
    return (f"is {size / CONFIGMAP_LIMIT:.2f} MiB of JSON; a ConfigMap holds at most 1 MiB: split the dashboard, "
            f"or use `export provisioning`")


def folder_path(folder: tuple[str, ...]) -> str:
    """Folder titles joined by '/', with any '/' inside a title replaced (it would nest a directory)."""
    return "/".join(title.replace("/", "-") for title in folder)


def dashboard_configmap(uid: str, content: str, folder: tuple[str, ...], namespace: str,
                        source: str) -> dict[str, Any]:
    """A sidecar ConfigMap for one dashboard's JSON (call `oversized` first)."""
    annotations = {FOLDER_ANNOTATION: folder_path(folder)} if folder else {}
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": metadata(k8s_name("grafana-dashboard", uid), namespace, source,
                                  {SIDECAR_LABEL: SIDECAR_LABEL_VALUE}, annotations),
            "data": {f"{uid}.json": content}}


def kustomization(resources: list[str], namespace: str) -> dict[str, Any]:
    """A kustomization listing the manifests (add `labels:` there for your Prometheus' ruleSelector)."""
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "namespace": namespace,
            "resources": sorted(resources)}


def provisioning_provider(path: str, name: str = TOOL, org_id: int = 1) -> dict[str, Any]:
    """Grafana dashboard provider: JSON files under `path`, one folder per sub-directory, no UI edits."""
    return {"apiVersion": 1, "providers": [{
        "name": name, "orgId": org_id, "type": "file", "disableDeletion": False, "updateIntervalSeconds": 30,
        "allowUiUpdates": False, "options": {"path": path, "foldersFromFilesStructure": True}}]}
