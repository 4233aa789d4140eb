"""Hand-written route tests: run through `amtool config routes test` in the same `mrm-observe test` run as the
promtool tests; a mismatch fails with a diff; bad route test files are invalid definitions."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write_tree
from mrm_observe.cli import main

ROUTING = '''
from mrm_observe import Alertmanager, Env, Receiver, Route, SlackConfig, WebhookConfig
alertmanager = Alertmanager(
    route=Route(receiver="default", routes=(
        Route(matchers=('severity="critical"',), receiver="page", continue_=True),
        Route(matchers=('severity=~"critical|warning"',), receiver="slack"),
    )),
    receivers=(Receiver(name="default"), Receiver(name="page", webhook_configs=(WebhookConfig(url=Env("PAGE")),)),
               Receiver(name="slack", slack_configs=(SlackConfig(channel="#a", api_url=Env("SLACK")),))),
)
'''
ALERTS = '''
from mrm_observe import AlertRule, RuleGroup
groups = [RuleGroup(name="g", rules=(AlertRule(alert="Down", expr="up == 0", severity="critical"),))]
'''
PROMTOOL_TEST = '''
rule_files: [alerts-a.rules.yaml]
tests:
  - interval: 1m
    input_series: [{series: 'up{job="x"}', values: '0x10'}]
    alert_rule_test:
      - {eval_time: 5m, alertname: Down, exp_alerts: [{exp_labels: {severity: critical, job: x}}]}
'''
PASSING = '''
- name: critical pages and goes to Slack
  labels: {alertname: Down, severity: critical}
  receivers: [page, slack]
- labels: {alertname: Slow, severity: warning, note: 'with "quotes", commas = and spaces'}
  receivers: [slack]
- labels: {alertname: Other}
  receivers: [default]
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    write_tree(tmp_path, {"alertmanager/routing.py": ROUTING, "alerts/a.py": ALERTS,
                          "tests/promtool/a_test.yaml": PROMTOOL_TEST, "tests/routes/ok.yaml": PASSING})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_test(*args: str):
    return CliRunner().invoke(main, ["test", *args])


def test_route_tests_run_with_the_promtool_tests(project):
    result = run_test()
    assert result.exit_code == 0, result.output
    assert "ok   build/tests/a_test.yaml" in result.output and "ok   tests/routes/ok.yaml" in result.output
    assert result.output.rstrip().endswith("promtool tests: 1 passed, 0 failed, 0 skipped; route tests: 1 passed, 0 failed")


def test_a_case_reaching_other_receivers_fails_with_a_diff(project):
    write_tree(project, {"tests/routes/wrong.yaml": '''
        - name: warnings page
          labels: {alertname: Slow, severity: warning}
          receivers: [page]
        - name: order matters
          labels: {alertname: Down, severity: critical}
          receivers: [slack, page]
        - labels: {alertname: Fine, severity: critical}
          receivers: [page, slack]
    '''})
    result = run_test()
    assert result.exit_code == 1
    assert "ok   tests/routes/ok.yaml" in result.output and "FAIL tests/routes/wrong.yaml" in result.output
    assert ('warnings page {alertname="Slow", severity="warning"}:\n  exp: page\n  got: slack' in result.stderr)
    assert ('order matters {alertname="Down", severity="critical"}:\n  exp: slack, page\n  got: page, slack'
            in result.stderr)
    assert "Fine" not in result.stderr
    assert "route tests: 1 passed, 1 failed" in result.output


def test_patterns_choose_route_test_files_too(project):
    write_tree(project, {"tests/routes/other.yaml": "- labels: {a: b}\n  receivers: [page]\n"})
    result = run_test("ok")
    assert result.exit_code == 0, result.output
    assert "other.yaml" not in result.output and "promtool tests: 0 passed, 0 failed, 0 skipped; route tests: 1 passed" in \
        result.output


@pytest.mark.parametrize("content, message", [
    ("- labels: {a: b}\n  receivers: [pager]\n",
     "tests/routes/bad.yaml: case 1: receivers: unknown receiver 'pager' (defined: 'default', 'page', 'slack')"),
    ("- labels: {code: 500}\n  receivers: [page]\n",
     "tests/routes/bad.yaml: case 1: labels.code: 500 is not a string: quote it (code: \"500\")"),
    ("- name: x\n  labels: {a-b: c}\n  receivers: [page]\n",
     "tests/routes/bad.yaml: case 'x': labels: 'a-b' is not a label name"),
    ("- labels: {a: b}\n  receiver: [page]\n", "tests/routes/bad.yaml: case 1: receiver: unknown key"),
    ("- labels: {a: b}\n  receivers: []\n", "tests/routes/bad.yaml: case 1: receivers: must be a non-empty list"),
    ("labels: {a: b}\n", "tests/routes/bad.yaml: a route test file is a non-empty list of cases"),
    ("- [unclosed\n", "tests/routes/bad.yaml: is not valid YAML"),
])
def test_a_bad_route_test_file_is_an_invalid_definition(project, content, message):
    write_tree(project, {"tests/routes/bad.yaml": content})
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert f"error: {message}" in result.stderr


def test_route_tests_without_an_alertmanager_definition_are_an_error_unless_the_sources_leave_it_out(project):
    assert run_test("--source", "alerts").exit_code == 0  # chosen by hand: the route tests are skipped
    (project / "alertmanager/routing.py").unlink()
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert "error: tests/routes/ok.yaml: route tests need an Alertmanager definition" in result.stderr


def test_without_amtool_the_command_says_how_to_install_it(project, monkeypatch):
    monkeypatch.setenv("PROMTOOL", shutil.which("promtool"))
    monkeypatch.setenv("PATH", str(project / "empty"))
    monkeypatch.delenv("AMTOOL", raising=False)
    for command in (["test"], ["check"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 3, result.output
        assert "amtool not found: install it (Debian/Ubuntu: `apt-get install -y prometheus-alertmanager`), point " \
               "$AMTOOL at the binary, or install Docker to run it from the prom/alertmanager image" in result.stderr
    (project / "alertmanager/routing.py").unlink()
    (project / "tests/routes/ok.yaml").unlink()
    assert CliRunner().invoke(main, ["check"]).exit_code == 1  # lint findings, but no amtool needed
    assert run_test().exit_code == 0


def test_amtool_is_found_as_AMTOOL_first_and_a_bad_one_is_reported(project, monkeypatch):
    monkeypatch.setenv("AMTOOL", "/nope/amtool")
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 3
    assert "$AMTOOL is '/nope/amtool', which is not an executable. amtool not found: install it" in result.stderr
    calls = project / "calls.log"
    write_tree(project, {"wrapper/amtool": f"#!/bin/sh\necho \"$1\" >> {calls}\nexec {shutil.which('amtool')} \"$@\"\n"})
    (project / "wrapper/amtool").chmod(0o755)
    monkeypatch.setenv("AMTOOL", str(project / "wrapper/amtool"))
    monkeypatch.setenv("PROMTOOL", shutil.which("promtool"))
    monkeypatch.setenv("PATH", str(project / "empty"))
    assert run_test().exit_code == 0
    assert set(calls.read_text().split()) == {"config"}  # every route case went through $AMTOOL
