"""What a file someone hands us holds, told from its parsed documents: the kinds `mrm-observe import` turns into
definitions (and that a definition folder cannot read as they are)."""
from __future__ import annotations

SLOTH = "prometheus/v1"
OPENSLO = ("openslo/v1", "openslo/v1alpha")
PROMETHEUS_RULE_API = "monitoring.coreos.com/"

SLOTH_SPEC, OPENSLO_SPEC, RULE_FILE, PROMETHEUS_RULE, DASHBOARD, DASHBOARD_CONFIGMAP = (
    "sloth", "openslo", "rules", "prometheusrule", "dashboard", "configmap")
KINDS = {
    SLOTH_SPEC: "a Sloth prometheus/v1 SLO spec",
    OPENSLO_SPEC: "an OpenSLO document",
    RULE_FILE: "a Prometheus rule file",
    PROMETHEUS_RULE: "a PrometheusRule manifest",
    DASHBOARD: "a Grafana dashboard JSON",
    DASHBOARD_CONFIGMAP: "a ConfigMap holding Grafana dashboards",
}
"""Every kind `mrm-observe import` reads, and how messages name it."""
SLO_KINDS = (SLOTH_SPEC, OPENSLO_SPEC)
RULE_KINDS = (RULE_FILE, PROMETHEUS_RULE)
DASHBOARD_KINDS = (DASHBOARD, DASHBOARD_CONFIGMAP)


def kind_of(document: object) -> str | None:
    """The kind of one parsed YAML or JSON document (a key of KINDS), or None when it is none of them."""
    if not isinstance(document, dict):
        return None
    version, kind = document.get("apiVersion"), document.get("kind")
    if document.get("version") == SLOTH:
        return SLOTH_SPEC
    if version in OPENSLO:
        return OPENSLO_SPEC
    if isinstance(version, str) and version.startswith(PROMETHEUS_RULE_API) and kind == "PrometheusRule":
        return PROMETHEUS_RULE
    if kind == "ConfigMap" and isinstance(document.get("data"), dict) \
            and any(str(key).endswith(".json") for key in document["data"]):
        return DASHBOARD_CONFIGMAP
    if version is None and kind is None and isinstance(document.get("groups"), list):
        return RULE_FILE
    if _dashboard(document) or _dashboard(document.get("dashboard")):
        return DASHBOARD
    return None


def expanded(documents: list[object]) -> list[object]:
    """The documents with each Kubernetes `List` (what `kubectl get prometheusrules -o yaml` prints) replaced by
    its items."""
    out: list[object] = []
    for document in documents:
        if isinstance(document, dict) and document.get("kind") == "List" and isinstance(document.get("items"), list):
            out += document["items"]
        else:
            out.append(document)
    return out


def _dashboard(document: object) -> bool:
    """A dashboard's JSON model, as Grafana exports it (panels, or the rows of old versions)."""
    return isinstance(document, dict) and (isinstance(document.get("panels"), list)
                                           or isinstance(document.get("rows"), list))


def expected() -> str:
    """What an input may be, for messages."""
    return ", ".join(list(KINDS.values())[:-1]) + " or " + list(KINDS.values())[-1]
