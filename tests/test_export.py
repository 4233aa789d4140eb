"""`mrm-observe export k8s` and `export provisioning`: manifests and files a cluster or Grafana can load."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import write_tree

from mrm_observe.cli import main
from mrm_observe.compile.k8s import CONFIGMAP_LIMIT, k8s_name, oversized

DASHBOARDS = """
from mrm_observe import Dashboard, timeseries

folder = ["Platform", "Apps"]
dashboards = [Dashboard(title=t, panels=[timeseries("Rate", 'sum(rate(http_requests_total[5m]))')])
              for t in ("Checkout", "Search")]
"""
RULES = """
from mrm_observe import RecordingRule, RuleGroup

groups = [RuleGroup(name="api", rules=(RecordingRule(record="job:up:sum", expr="sum by (job) (up)"),))]
"""


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = write_tree(tmp_path / "project", {"dashboards/apps.py": DASHBOARDS, "alerts/api.py": RULES})
    monkeypatch.chdir(root)
    return root


def export(*args: str) -> Result:
    return CliRunner().invoke(main, ["export", *args])


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def built_dashboards(project: Path) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in (project / "build" / "grafana").glob("*.json")}


def test_k8s_writes_a_prometheus_rule_per_rule_file(project):
    result = export("k8s", "--namespace", "observability")
    assert result.exit_code == 0, result.output
    rule = load(project / "build" / "k8s" / "prometheusrule-mrm-alerts-api.yaml")
    assert (rule["apiVersion"], rule["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    assert rule["metadata"] == {"name": "mrm-alerts-api", "namespace": "observability",
                                "labels": {"app.kubernetes.io/managed-by": "mrm-observe"},
                                "annotations": {"mrm-observe/source": "alerts/api.py"}}
    assert rule["spec"] == load(project / "build" / "prometheus" / "alerts-api.rules.yaml")


def test_the_prometheus_rule_spec_passes_promtool(project, promtool, tmp_path):
    export("k8s")
    spec = load(project / "build" / "k8s" / "prometheusrule-mrm-alerts-api.yaml")["spec"]
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    done = promtool.run(["check", "rules", "spec.yaml"], tmp_path)
    assert done.returncode == 0, done.stderr


def test_k8s_writes_one_sidecar_config_map_per_dashboard(project):
    export("k8s")
    dashboards = built_dashboards(project)
    maps = [load(p) for p in sorted((project / "build" / "k8s").glob("configmap-*.yaml"))]
    assert len(maps) == len(dashboards) == 2
    for config_map in maps:
        (key, content), = config_map["data"].items()
        uid = key.removesuffix(".json")
        assert content.encode() == dashboards[uid]
        assert config_map["metadata"]["name"] == f"grafana-dashboard-{uid}"
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert config_map["metadata"]["annotations"]["grafana_folder"] == "Platform/Apps"
        assert config_map["metadata"]["namespace"] == "monitoring"
    kustomization = load(project / "build" / "k8s" / "kustomization.yaml")
    assert kustomization["resources"] == sorted(p.name for p in (project / "build" / "k8s").glob("*-*.yaml"))


def test_k8s_export_is_stable_and_removes_what_is_gone(project):
    first = export("k8s")
    assert "4 file(s) in" in first.output and "4 written, 0 stale removed" in first.output
    assert "0 written, 0 stale removed" in export("k8s").output
    module = project / "dashboards" / "apps.py"
    module.write_text(module.read_text().replace('("Checkout", "Search")', '("Checkout",)'))
    third = export("k8s")
    assert "1 written, 1 stale removed" in third.output
    assert len(list((project / "build" / "k8s").glob("configmap-*.yaml"))) == 1


def test_a_dashboard_over_one_mib_is_refused_with_its_name(project):
    big = "x" * (CONFIGMAP_LIMIT + 10)
    write_tree(project, {"dashboards/huge.py": f"""
        from mrm_observe import Dashboard, timeseries
        dashboards = [Dashboard(title="Huge", description="{big}",
                                panels=[timeseries("Rate", 'sum(rate(up[5m]))')])]
        """})
    result = export("k8s")
    assert result.exit_code == 1
    assert "dashboards/huge.py: dashboard 'Huge': is 1.00 MiB of JSON; a ConfigMap holds at most 1 MiB" in result.stderr
    assert not (project / "build" / "k8s").exists()


@pytest.mark.parametrize("size, refused", [(CONFIGMAP_LIMIT, False), (CONFIGMAP_LIMIT + 1, True)],
                         ids=["exactly 1 MiB fits", "one byte more is refused"])
def test_the_config_map_limit_is_1_mib_of_bytes(size, refused):
    assert (oversized("é" * (size // 2) + "x" * (size % 2)) is not None) is refused


def test_config_map_names_are_valid_dns_names_and_stay_distinct():
    assert k8s_name("grafana-dashboard", "svc-overview-1a2b3c4d") == "grafana-dashboard-svc-overview-1a2b3c4d"
    upper, lower = k8s_name("grafana-dashboard", "Svc_Overview"), k8s_name("grafana-dashboard", "svc_overview")
    assert upper.startswith("grafana-dashboard-svc-overview-") and lower.startswith("grafana-dashboard-svc-overview-")
    assert upper != lower
    assert all(c.islower() or c.isdigit() or c == "-" for c in upper + lower)


def test_provisioning_writes_the_provider_and_the_json_in_folders(project):
    result = export("provisioning", "--dashboards-path", "/srv/grafana/mrm")
    assert result.exit_code == 0, result.output
    out = project / "build" / "provisioning"
    assert load(out / "dashboards.yaml") == {"apiVersion": 1, "providers": [{
        "name": "mrm-observe", "orgId": 1, "type": "file", "disableDeletion": False, "updateIntervalSeconds": 30,
        "allowUiUpdates": False, "options": {"path": "/srv/grafana/mrm", "foldersFromFilesStructure": True}}]}
    files = {p.stem: p.read_bytes() for p in (out / "dashboards" / "Platform" / "Apps").glob("*.json")}
    assert files == built_dashboards(project)
    assert all(json.loads(content)["uid"] == uid for uid, content in files.items())


@pytest.mark.parametrize("namespace, message", [
    ("Monitoring", "'Monitoring' is not a Kubernetes namespace name"),
    ("team_a", "e.g. 'team-a'"),
    ("-edge", "starting and ending with a letter or digit"),
    ("", "must not be empty"),
    ("a" * 64, "at most 63"),
])
def test_k8s_refuses_a_namespace_kubernetes_would_refuse_before_building(project, namespace, message):
    result = export("k8s", "--namespace", namespace)
    assert result.exit_code == 2
    assert "Invalid value for '--namespace'" in result.output and message in result.output
    assert not (project / "build").exists()


def test_k8s_takes_a_63_character_namespace(project):
    assert export("k8s", "--namespace", "a" * 63).exit_code == 0
