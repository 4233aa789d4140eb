"""The platform's own routing (alertmanager/platform.py): every alert of alerts/ and slo/ goes where issue 12 says,
its route tests pass through amtool, and its inhibit rules silence what they should and nothing else."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from mrm_observe.cli import main
from mrm_observe.matchers import matches_all, parse
from mrm_observe.model.routing import InhibitRule
from mrm_observe.model.rules import AlertRule
from mrm_observe.project import Project, load
from mrm_observe.route_checks import alert_routes, route_findings

ROOT = Path(__file__).resolve().parent.parent


@cache
def definitions():
    return load(Project.at(ROOT))


@cache
def routing():
    return definitions().alertmanagers[0].obj


def routes():
    return alert_routes(definitions())


def test_every_platform_alert_reaches_a_receiver_and_every_page_pages():
    defs = definitions()
    hand_written = {r.alert for g in defs.groups for r in g.obj.rules if isinstance(r, AlertRule)}
    from_slos = {slo.obj.alert_name for slo in defs.slos}
    assert {r.rule.alert for r in routes()} == hand_written | from_slos
    assert route_findings(defs, routes()) == []


@pytest.mark.parametrize("labels, receiver, group_by", [
    ({"severity": "critical"}, "page", ("alertname", "service")),
    ({"severity": "warning"}, "slack", ("alertname", "service")),
    ({"sloth_severity": "page"}, "page", ("sloth_id",)),
    ({"sloth_severity": "ticket"}, "ticket", ("sloth_id",)),
])
def test_alerts_go_where_the_issue_says_grouped_sensibly(labels, receiver, group_by):
    (name, value), = labels.items()
    chosen = [r for r in routes() if r.labels.get(name) == value
              and ("sloth_severity" in labels or "sloth_severity" not in r.labels)]
    assert chosen, labels
    for found in chosen:
        assert found.receivers == (receiver,), (found.rule.alert, found.labels)
        assert found.routes[0].group_by == group_by


def test_receivers_page_by_pagerduty_and_keep_their_secrets_out():
    config = routing()
    assert config.receiver("page").paging and not config.receiver("slack").paging
    assert config.receiver("page").pagerduty_configs[0].routing_key_file
    assert config.receiver("slack").slack_configs[0].api_url_file
    assert config.receiver("ticket").webhook_configs[0].url.name == "MRM_TICKET_WEBHOOK_URL"


def test_the_platforms_route_tests_pass_through_amtool(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["test", "--out", str(tmp_path / "build"), "platform.yaml"])
    assert result.exit_code == 0, result.output
    assert "ok   tests/routes/platform.yaml" in result.output and "route tests: 1 passed, 0 failed" in result.output


def inhibited(target: dict[str, str], source: dict[str, str]) -> bool:
    """Whether a firing `source` alert inhibits `target` under the platform's rules (Alertmanager's semantics: the
    source matches the source matchers, the target the target matchers, and the `equal` labels are equal, missing
    being equal to missing). The real Alertmanager's verdict is tested end to end with a running server."""
    def side(rule: InhibitRule, field: str, labels: dict[str, str]) -> bool:
        return matches_all([m for text in getattr(rule, field) for m in parse(text)], labels)

    return any(side(rule, "source_matchers", source) and side(rule, "target_matchers", target)
               and all(source.get(name, "") == target.get(name, "") for name in rule.equal)
               for rule in routing().inhibit_rules)


SLO = {"sloth_id": "api-availability", "sloth_service": "api", "alertname": "ApiAvailabilityBurnRate"}
LAG = {"alertname": "PostgresReplicationLag", "instance": "pg-1:9187"}


@pytest.mark.parametrize("source, target, expected", [
    ({**SLO, "sloth_severity": "page", "severity": "critical"}, {**SLO, "sloth_severity": "ticket", "severity": "warning"}, True),
    ({**SLO, "sloth_severity": "page"}, {**SLO, "sloth_id": "api-latency", "alertname": "ApiLatencyBurnRate",
                                         "sloth_severity": "ticket"}, False),
    ({**LAG, "severity": "critical"}, {**LAG, "severity": "warning"}, True),
    ({**LAG, "severity": "critical"}, {**LAG, "severity": "warning", "instance": "pg-2:9187"}, False),
    ({"alertname": "HighErrorRate", "severity": "critical", "service": "api"},
     {"alertname": "HighErrorRate", "severity": "warning", "service": "api"}, True),
    ({"alertname": "HighErrorRate", "severity": "critical", "service": "api"},
     {"alertname": "HighLatency", "severity": "warning", "service": "api"}, False),
    ({"alertname": "PostgresDown", "severity": "critical", "instance": "pg-0:9187"},
     {"alertname": "PostgresConnectionsNearLimit", "severity": "warning", "instance": "pg-0:9187"}, True),
    ({"alertname": "PostgresDown", "severity": "critical", "instance": "pg-0:9187"},
     {"alertname": "PostgresWalArchivingStale", "severity": "critical", "instance": "pg-0:9187"}, True),
    ({"alertname": "PostgresDown", "severity": "critical", "instance": "pg-0:9187"},
     {"alertname": "PostgresConnectionsNearLimit", "severity": "warning", "instance": "pg-1:9187"}, False),
    ({"alertname": "RedisDown", "severity": "critical", "instance": "redis:9121"},
     {"alertname": "RedisMemoryNearLimit", "severity": "warning", "instance": "redis:9121"}, True),
    ({"alertname": "PostgresDown", "severity": "critical", "namespace": "mrm", "instance": "pg-0:9187"},
     {"alertname": "PodCrashLooping", "severity": "warning", "namespace": "mrm", "pod": "api-1"}, True),
    ({"alertname": "ClickHouseDown", "severity": "critical", "namespace": "mrm"},
     {"alertname": "PodCrashLooping", "severity": "warning", "namespace": "mrm", "pod": "worker-1"}, True),
    ({"alertname": "PostgresDown", "severity": "critical", "namespace": "mrm"},
     {"alertname": "PodCrashLooping", "severity": "warning", "namespace": "other", "pod": "x"}, False),
    ({"alertname": "PostgresDown", "severity": "critical", "instance": "pg-0:9187"},
     {"alertname": "BackupStale", "severity": "critical", "job": "postgres-backup"}, False),
])
def test_inhibitions_silence_the_consequence_and_nothing_else(source, target, expected):
    assert inhibited(target, source) is expected
