"""`mrm-observe gate` against a real Prometheus holding two days of history: a healthy rollout on day one, and a
rollout on day two followed by a regression and an alert of the project."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from conftest import write_tree

from mrm_observe.cli import main
from mrm_observe.http_client import ServerSettings
from mrm_observe.pipeline import Project
from mrm_observe.pipeline_report import gate
from prometheus_server import PrometheusServer

STEP = 60
START = 1_764_000_000  # on the 60 s grid
HEALTHY_DEPLOY = START + 86400
BAD_DEPLOY = START + 2 * 86400
END = BAD_DEPLOY + 3 * 3600
TOTAL_RATE, GOOD_ERRORS, BAD_ERRORS = 10.0, 0.001, 0.05  # errors per request: 0.1 %, then 5 % after the bad deploy
ALERT_FROM = BAD_DEPLOY + 600
PROJECT = {
    "slo/platform.py": """
from mrm_observe import SLO, ErrorRatioSLI

slos = [SLO(service="api", name="availability", objective=99.9,
            sli=ErrorRatioSLI(bad='sum(rate(http_requests_total{service="api", status=~"5.."}[{{window}}]))',
                              total='sum(rate(http_requests_total{service="api"}[{{window}}]))'))]
""",
    "alerts/api.py": """
from mrm_observe import AlertRule, RuleGroup

groups = [RuleGroup(name="api", rules=(AlertRule(
    alert="ApiErrors", expr='sum(rate(http_requests_total{status=~"5.."}[5m])) > 1', for_="5m", severity="critical",
    summary="API errors", description="{{ $value }} errors per second", runbook_url="https://example.invalid/rb"),))]
""",
}


def errors_until(t: int) -> float:
    return TOTAL_RATE * (GOOD_ERRORS * (min(t, BAD_DEPLOY) - START) + BAD_ERRORS * max(0, t - BAD_DEPLOY))


def openmetrics() -> str:
    times = range(START, END + 1, STEP)
    lines = ["# TYPE http_requests counter"]
    lines += [f'http_requests_total{{service="api",status="500"}} {errors_until(t)} {t}' for t in times]
    lines += [f'http_requests_total{{service="api",status="200"}} {TOTAL_RATE * (t - START) - errors_until(t)} {t}'
              for t in times]
    lines.append("# TYPE ALERTS gauge")
    lines += [f'ALERTS{{alertname="ApiErrors",alertstate="firing",severity="critical"}} 1 {t}'
              for t in range(ALERT_FROM, END + 1, STEP)]
    lines += [f'ALERTS{{alertname="SomeoneElsesAlert",alertstate="firing",severity="page"}} 1 {t}'
              for t in range(START, END + 1, STEP)]
    return "\n".join(lines) + "\n# EOF\n"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    with PrometheusServer.start(tmp_path_factory.mktemp("gate"), rule_files=(), openmetrics=openmetrics()) as server:
        yield server.url


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = write_tree(tmp_path / "project", PROJECT)
    monkeypatch.chdir(root)
    return root


def run(url: str, *args: str):
    return CliRunner().invoke(main, ["gate", *args], env={"PROMETHEUS_URL": url, "CI": "1"})


def test_a_healthy_rollout_passes_and_ignores_alerts_of_other_projects(prometheus, project):
    result = run(prometheus, "--since", str(HEALTHY_DEPLOY), "--until", str(HEALTHY_DEPLOY + 3600), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["passed"] and document["reasons"] == [] and document["alerts_fired"] == []
    assert document["slos"][0]["burn_rate"] == pytest.approx(GOOD_ERRORS / 0.001, rel=1e-6)  # 1x: at the limit
    assert document["slos"][0]["limit"] == pytest.approx(1.0)


def test_a_regression_after_the_rollout_fails_with_every_reason_named(prometheus, project):
    result = run(prometheus, "--since", str(BAD_DEPLOY), "--until", str(BAD_DEPLOY + 3600))
    assert result.exit_code == 5, result.output
    assert "gate: SLO api-availability burned 50.00x its budget since the deploy (limit 1x)" in result.stderr
    assert "gate: alert ApiErrors (critical) fired since the deploy" in result.stderr
    assert "SomeoneElsesAlert" not in result.output
    assert "FAILED" in result.stdout and "too fast" in result.stdout


def test_a_higher_burn_limit_lets_the_slo_pass_but_not_the_alert(prometheus, project):
    result = run(prometheus, "--since", str(BAD_DEPLOY), "--until", str(BAD_DEPLOY + 3600), "--max-burn", "60",
                 "--format", "json")
    document = json.loads(result.stdout)
    assert result.exit_code == 5
    assert document["slos"][0]["passed"] and document["reasons"] == [
        "alert ApiErrors (critical) fired since the deploy"]


def test_before_the_alert_fires_only_the_burn_fails(prometheus, project):
    document = json.loads(run(prometheus, "--since", str(BAD_DEPLOY), "--until", str(BAD_DEPLOY + 300),
                              "--format", "json").stdout)
    assert document["alerts_fired"] == [] and len(document["reasons"]) == 1


class Clock:
    """Minutes after a rollout, one evaluation at a time (the gate sleeps between them)."""

    def __init__(self, start: int) -> None:
        self.now = datetime.fromtimestamp(start, timezone.utc)
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


def settings(url: str) -> ServerSettings:
    return ServerSettings(url=url)


def test_watching_a_healthy_rollout_evaluates_until_the_end_and_passes(prometheus, project):
    since = datetime.fromtimestamp(HEALTHY_DEPLOY, timezone.utc)
    clock = Clock(HEALTHY_DEPLOY + 60)
    document = gate(Project.at(project), settings(prometheus), since, limit=1.5, watch_until=since + timedelta(minutes=5),
                    now=clock, sleep=clock.sleep)
    assert document["passed"] and clock.sleeps == [30.0] * 8
    assert document["until"] == "2025-11-25T16:05:00Z"


def test_watching_a_bad_rollout_fails_at_the_first_evaluation_that_sees_it(prometheus, project):
    since = datetime.fromtimestamp(BAD_DEPLOY, timezone.utc)
    clock = Clock(BAD_DEPLOY - 90)  # still before the rollout's errors: the first looks are clean
    document = gate(Project.at(project), settings(prometheus), since - timedelta(minutes=2), limit=1.5,
                    watch_until=since + timedelta(hours=1), now=clock, sleep=clock.sleep)
    assert not document["passed"] and len(clock.sleeps) < 6
