"""`mrm-observe export k8s` writes the Alertmanager config as kube-prometheus' Secret and, where it fits, as an
AlertmanagerConfig: no secret value in either, only Secret keys and files."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import GOLDEN, assert_golden, built_alertmanager, write_tree

from mrm_observe import amtool
from mrm_observe.cli import main
from mrm_observe.compile.alertmanager_k8s import ENV_SECRET
from mrm_observe.conventions import env_placeholder

TEMPLATE = '{{ define "mrm.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ end }}\n'
CONFIG = {
    "templates": ["templates/*.tmpl"],
    "route": {"receiver": "chat", "group_by": ["alertname", "service"], "group_wait": "30s", "repeat_interval": "4h",
              "routes": [{"matchers": ['sloth_severity="page"'], "receiver": "page", "group_by": ["sloth_id"]},
                         {"matchers": ["severity=~critical|error"], "receiver": "page",
                          "mute_time_intervals": ["maintenance"]},
                         {"matchers": ['severity="warning"'], "receiver": "tickets", "continue": True,
                          "active_time_intervals": ["business-hours"]}]},
    "inhibit_rules": [{"source_matchers": ['severity="critical"'], "target_matchers": ['severity="warning"'],
                       "equal": ["alertname", "service"]}],
    "receivers": [
        {"name": "page", "pagerduty_configs": [{"routing_key": env_placeholder("PAGERDUTY_KEY"),
                                                "severity": "critical", "details": {"runbook": "{{ .CommonAnnotations.runbook_url }}"}}]},
        {"name": "chat", "slack_configs": [{"api_url_file": "/etc/alertmanager/secrets/slack/url",
                                            "channel": "#alerts", "title": '{{ template "mrm.title" . }}'}]},
        {"name": "tickets", "webhook_configs": [{"url": "https://tickets.example.org/hook", "max_alerts": 10}],
         "email_configs": [{"to": "oncall@example.org", "from": "am@example.org", "smarthost": "smtp.example.org:587",
                            "auth_username": "am", "auth_password_file": "/etc/alertmanager/secrets/smtp/password"}]},
    ],
    "time_intervals": [
        {"name": "business-hours", "time_intervals": [{"weekdays": ["monday:friday"],
                                                      "times": [{"start_time": "09:00", "end_time": "17:00"}]}]},
        {"name": "maintenance", "time_intervals": [{"weekdays": ["sunday"], "days_of_month": ["1:7"],
                                                   "times": [{"start_time": "02:00", "end_time": "04:00"}]}]},
    ],
}


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = write_tree(tmp_path / "project", {"alerts/api.py": """
        from mrm_observe import RecordingRule, RuleGroup
        groups = [RuleGroup(name="api", rules=(RecordingRule(record="job:up:sum", expr="sum by (job) (up)"),))]
        """})
    monkeypatch.chdir(root)
    return root


def export(project: Path, config: dict) -> Result:
    built_alertmanager(project, config, {"mrm.tmpl": TEMPLATE})
    return CliRunner().invoke(main, ["export", "k8s", "--namespace", "monitoring"])


def manifest(project: Path, name: str) -> dict:
    return yaml.safe_load((project / "build" / "k8s" / name).read_text())


def test_the_config_becomes_kube_prometheus_secret(project, tmp_path):
    result = export(project, CONFIG)
    assert result.exit_code == 0, result.output + result.stderr
    out = project / "build" / "k8s"
    assert_golden((out / "secret-alertmanager-main.yaml").read_bytes(), GOLDEN / "k8s" / "secret-alertmanager-main.yaml")
    secret = manifest(project, "secret-alertmanager-main.yaml")
    assert (secret["kind"], secret["metadata"]["name"], secret["metadata"]["namespace"]) == \
        ("Secret", "alertmanager-main", "monitoring")
    assert set(secret["stringData"]) == {"alertmanager.yaml", "mrm.tmpl"}
    assert secret["stringData"]["mrm.tmpl"] == TEMPLATE
    config = yaml.safe_load(secret["stringData"]["alertmanager.yaml"])
    assert config["templates"] == ["/etc/alertmanager/config/*.tmpl"], "where the operator mounts the Secret's keys"
    pagerduty = config["receivers"][0]["pagerduty_configs"][0]
    assert pagerduty["routing_key_file"] == f"/etc/alertmanager/secrets/{ENV_SECRET}/PAGERDUTY_KEY"
    assert "routing_key" not in pagerduty and "mrm-observe.invalid" not in secret["stringData"]["alertmanager.yaml"]
    assert config["receivers"][1:] == CONFIG["receivers"][1:], "file references are kept as they are"
    assert "secret-alertmanager-main.yaml" in manifest(project, "kustomization.yaml")["resources"]
    check = tmp_path / "check" / "alertmanager.yaml"
    write_tree(check.parent, {"alertmanager.yaml": secret["stringData"]["alertmanager.yaml"]})
    tool = amtool.find_amtool({"PATH": "/usr/bin:/bin"}, tmp_path)
    result = amtool.check_config(tool, check)
    assert result.ok, result.output


def test_the_tree_becomes_an_alertmanager_config_with_secret_references(project):
    assert export(project, CONFIG).exit_code == 0
    assert_golden((project / "build" / "k8s" / "alertmanagerconfig-mrm-observe.yaml").read_bytes(),
                  GOLDEN / "k8s" / "alertmanagerconfig-mrm-observe.yaml")
    resource = manifest(project, "alertmanagerconfig-mrm-observe.yaml")
    assert (resource["apiVersion"], resource["kind"]) == ("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig")
    spec = resource["spec"]
    assert spec["route"]["groupBy"] == ["alertname", "service"] and spec["route"]["repeatInterval"] == "4h"
    assert [r["receiver"] for r in spec["route"]["routes"]] == ["page", "page", "tickets"]
    assert spec["route"]["routes"][1]["matchers"] == [{"name": "severity", "value": "critical|error",
                                                        "matchType": "=~"}]
    assert spec["route"]["routes"][2]["continue"] is True
    assert spec["route"]["routes"][2]["activeTimeIntervals"] == ["business-hours"]
    page, chat, tickets = spec["receivers"]
    assert page["pagerdutyConfigs"][0]["routingKey"] == {"name": ENV_SECRET, "key": "PAGERDUTY_KEY"}
    assert page["pagerdutyConfigs"][0]["details"] == [{"key": "runbook", "value": "{{ .CommonAnnotations.runbook_url }}"}]
    assert chat["slackConfigs"][0]["apiURL"] == {"name": "slack", "key": "url"}
    assert tickets["webhookConfigs"] == [{"url": "https://tickets.example.org/hook", "maxAlerts": 10}]
    assert tickets["emailConfigs"][0]["authPassword"] == {"name": "smtp", "key": "password"}
    assert spec["inhibitRules"][0]["sourceMatch"] == [{"name": "severity", "value": "critical", "matchType": "="}]
    maintenance = spec["muteTimeIntervals"][1]
    assert maintenance == {"name": "maintenance", "timeIntervals": [{
        "weekdays": ["sunday"], "daysOfMonth": [{"start": 1, "end": 7}],
        "times": [{"startTime": "02:00", "endTime": "04:00"}]}]}


@pytest.mark.parametrize("change, why", [
    (lambda c: c.update({"global": {"resolve_timeout": "5m"}}), "global: global settings belong to the "
     "Alertmanager resource"),
    (lambda c: c["receivers"][1]["slack_configs"][0].update(api_url_file="/run/secrets/slack"),
     "receivers[1].slack_configs[0].api_url_file: an AlertmanagerConfig takes secrets from Secrets only"),
    (lambda c: c["receivers"].append({"name": "tg", "telegram_configs": [{"chat_id": 1}]}),
     "receivers[3]: telegram_configs is not a receiver kind this export writes as an AlertmanagerConfig"),
], ids=["global settings", "a secret file outside a mounted Secret", "another receiver kind"])
def test_what_does_not_fit_an_alertmanager_config_is_named_and_only_the_secret_is_written(project, change, why):
    config = copy.deepcopy(CONFIG)
    change(config)
    result = export(project, config)
    assert result.exit_code == 0, result.stderr
    assert f"note: no AlertmanagerConfig: {why}" in result.output
    assert (project / "build" / "k8s" / "secret-alertmanager-main.yaml").is_file()
    assert not (project / "build" / "k8s" / "alertmanagerconfig-mrm-observe.yaml").exists()


def test_a_value_only_partly_from_the_environment_cannot_be_exported(project):
    config = copy.deepcopy(CONFIG)
    config["receivers"][1]["slack_configs"][0]["title"] = f"see {env_placeholder('TITLE')}"
    result = export(project, config)
    assert result.exit_code == 1
    assert ("error: alertmanager/: Alertmanager config: receivers[1].slack_configs[0].title: a value taken from the "
            "environment can only be exported as a whole secret field") in result.stderr
    assert not (project / "build" / "k8s").exists()


def test_the_platforms_routing_exports_as_a_secret_without_secret_values(tmp_path, monkeypatch):
    root = tmp_path / "platform"
    shutil.copytree(Path(__file__).resolve().parents[1] / "alertmanager", root / "alertmanager")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["export", "k8s"])
    assert result.exit_code == 0, result.stderr
    secret = manifest(root, "secret-alertmanager-main.yaml")
    assert set(secret["stringData"]) == {"alertmanager.yaml", "mrm-observe.tmpl"}, "templates only, no routes table"
    config = yaml.safe_load(secret["stringData"]["alertmanager.yaml"])
    ticket = next(r for r in config["receivers"] if r["name"] == "ticket")
    assert ticket["webhook_configs"][0] == {
        "url_file": f"/etc/alertmanager/secrets/{ENV_SECRET}/MRM_TICKET_WEBHOOK_URL"}
    assert "note: no AlertmanagerConfig: receivers[0].slack_configs[0].api_url_file" in result.output
