"""Generated routing checks: every alert rule (hand-written and from SLOs) routed by its static labels; unrouted
and unpaged alerts are lint findings, waivable with a reason; `mrm-observe routes` shows where everything goes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write_tree
from mrm_observe.cli import main

ROUTING = '''
from mrm_observe import Alertmanager, Env, PagerDutyConfig, Receiver, Route, SlackConfig
alertmanager = Alertmanager(
    route=Route(receiver="default", group_by=("alertname",), routes=(
        Route(matchers=('sloth_severity="page"',), receiver="page", group_by=("sloth_id",)),
        Route(matchers=('sloth_severity="ticket"',), receiver="slack", group_by=("sloth_id",),
              mute_time_intervals=()),
        Route(matchers=('severity="critical"',), receiver="page"),
        Route(matchers=('severity="warning"',), receiver="slack"),
        Route(matchers=('team="quiet"',), receiver="nobody"),
    )),
    receivers=(Receiver(name="default"), Receiver(name="nobody"),
               Receiver(name="page", pagerduty_configs=(PagerDutyConfig(routing_key=Env("PD")),)),
               Receiver(name="slack", slack_configs=(SlackConfig(channel="#a", api_url=Env("SLACK")),))),
)
'''
ALERTS = '''
from mrm_observe import AlertRule, RuleGroup
R = dict(expr="up == 0", for_="1m", summary="s", description="d", runbook_url="https://runbooks.example.org/x")
groups = [RuleGroup(name="g", rules=(
    AlertRule(alert="Down", severity="critical", **R),
    AlertRule(alert="Slow", severity="warning", **R),
    AlertRule(alert="Fyi", severity="info", **R),
    AlertRule(alert="Hush", severity="info", labels={"team": "quiet"}, **R),
    AlertRule(alert="Known", severity="info", waive={"unrouted": "a dashboard shows it; nobody needs a message"}, **R),
))]
'''
SLO = '''
from mrm_observe import SLO, AlertTier, Alerting, ErrorRatioSLI
slos = [SLO(service="api", name="availability", objective=99.9, labels={"team": "web"},
            sli=ErrorRatioSLI(bad='sum(rate(http_requests_total{code=~"5.."}[{{window}}]))',
                              total='sum(rate(http_requests_total[{{window}}]))'),
            alerting=Alerting(name="ApiBurn", page=AlertTier(labels={"severity": "warning"})))]
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    write_tree(tmp_path, {"alertmanager/routing.py": ROUTING, "alerts/a.py": ALERTS, "slo/api.py": SLO})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_unrouted_alerts_are_lint_findings_and_waivers_are_honoured(project):
    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 1
    unrouted = [line for line in result.stderr.splitlines() if line.endswith("[unrouted]")]
    assert unrouted == [
        "lint: alerts/a.py: group 'g', alert 'Fyi': labels: reaches only 'default', the default or a receiver that "
        "notifies nobody: add a route whose matchers match {alertname=\"Fyi\", severity=\"info\"}, or waive "
        "'unrouted' with a reason [unrouted]",
        "lint: alerts/a.py: group 'g', alert 'Hush': labels: reaches only 'nobody', the default or a receiver that "
        "notifies nobody: add a route whose matchers match {alertname=\"Hush\", severity=\"info\", team=\"quiet\"}, "
        "or waive 'unrouted' with a reason [unrouted]"]
    assert not [line for line in result.stderr.splitlines() if "'Known'" in line and "[unrouted]" in line]
    assert not [line for line in result.stderr.splitlines() if line.endswith("[unpaged]")]


def test_a_page_that_does_not_page_is_a_finding(project):
    write_tree(project, {"alertmanager/routing.py": ROUTING.replace('receiver="page", group_by=("sloth_id",)',
                                                                   'receiver="slack", group_by=("sloth_id",)')})
    result = CliRunner().invoke(main, ["lint"])
    unpaged = [line for line in result.stderr.splitlines() if line.endswith("[unpaged]")]
    assert len(unpaged) == 2  # the SLO's two page window pairs (their severity is warning: the tier decides)
    assert unpaged[0].startswith("lint: slo/api.py: group 'sloth-slo-alerts-api-availability', alert 'ApiBurn': "
                                 "labels: is critical or an SLO page alert but reaches 'slack', none of which pages")


def test_routes_json_is_the_builds_table(project):
    result = CliRunner().invoke(main, ["routes", "--json"])
    assert result.exit_code == 1  # Fyi and Hush are unrouted
    table = json.loads(result.output)
    assert table == json.loads((project / "build/alertmanager/routes.json").read_text())
    assert table["default_receiver"] == "default"
    assert table["receivers"]["page"] == {"pages": True, "integrations": ["pagerduty"]}
    assert table["receivers"]["nobody"] == {"pages": False, "integrations": []}
    by_alert = {}
    for alert in table["alerts"]:
        by_alert.setdefault(alert["alert"], []).append(alert)
    assert [a["receivers"] for a in by_alert["ApiBurn"]] == [["page"], ["page"], ["slack"], ["slack"]]
    page = by_alert["ApiBurn"][0]
    assert page["labels"]["sloth_id"] == "api-availability" and page["labels"]["team"] == "web"
    assert page["routes"] == [{"route": "route.routes[0]", "matchers": ['sloth_severity="page"'],
                               "conditions": ['sloth_severity="page"'], "receiver": "page", "group_by": ["sloth_id"],
                               "mute_time_intervals": [], "active_time_intervals": []}]
    assert by_alert["Known"][0]["findings"] == [{"check": "unrouted", "waived": "a dashboard shows it; nobody needs "
                                                 "a message", "message": by_alert["Known"][0]["findings"][0]["message"]}]
    assert by_alert["Down"][0]["findings"] == []


def test_routes_table_shows_where_each_alert_goes_and_why(project):
    result = CliRunner().invoke(main, ["routes"])
    lines = result.output.splitlines()
    down = next(line for line in lines if "│ Down" in line)
    assert "critical" in down and "page (pages)" in down and '{severity="critical"}' in down
    burn = [line for line in lines if "ApiBurn" in line]
    assert len(burn) == 2 and all("│ 2 " in line for line in burn)  # two window pairs per tier share a row
    assert "UNROUTED" in next(line for line in lines if "│ Fyi" in line)
    assert "unrouted waived: a dashboard shows it" in next(line for line in lines if "│ Known" in line)
    assert "no route matched (root)" in next(line for line in lines if "│ Fyi" in line)
    assert lines[-1] == "9 alert rule(s), 2 routing finding(s), 1 waived"


def test_fixing_the_routing_makes_routes_and_lint_pass(project):
    write_tree(project, {"alertmanager/routing.py": ROUTING.replace(
        "Route(matchers=('team=\"quiet\"',), receiver=\"nobody\"),",
        "Route(matchers=('severity=\"info\"',), receiver=\"slack\"),")})
    result = CliRunner().invoke(main, ["routes"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "9 alert rule(s), 0 routing finding(s), 0 waived"  # Known is routed now


def test_routes_without_an_alertmanager_definition_says_so(project):
    (project / "alertmanager/routing.py").unlink()
    result = CliRunner().invoke(main, ["routes"])
    assert result.exit_code == 1
    assert "no Alertmanager definition among the sources" in result.stderr
    lint = CliRunner().invoke(main, ["lint"])
    assert "[unrouted]" not in lint.stderr  # without routing there is nothing to route through
