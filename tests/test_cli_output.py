"""What every command shares in its output: -q, -v, --no-color, and the --json documents of the local loop."""
import json
import sys

import click
import pytest
from click.testing import CliRunner
from conftest import GOLDEN, assert_golden
from rich.text import Text
from test_docs_cli import COMMANDS

from mrm_observe.cli import common

BROKEN_TEMPLATE = ("{{ $labels.service }}", "{{ $labels.service ")


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_takes_the_output_options(name):
    options = {opt for param in COMMANDS[name].params for opt in param.opts}
    assert {"-q", "--quiet", "-v", "--verbose", "--no-color"} <= options


def test_quiet_prints_nothing_on_success_and_only_errors_on_failure(run, sample_project):
    ok = run("build", "-q")
    assert (ok.exit_code, ok.stdout, ok.stderr) == (0, "", "")
    edit(sample_project / "alerts" / "service.py", 'severity="critical"', 'severity="urgent"')
    bad = run("check", "--quiet")
    assert bad.exit_code == 1 and bad.stdout == ""
    assert "error: alerts/service.py" in bad.stderr and "severity" in bad.stderr


def test_quiet_keeps_a_requested_json_document(run):
    result = run("build", "-q", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"] is True


def test_verbose_says_what_each_step_did_on_stderr(run):
    first = run("check", "-v")
    assert first.exit_code == 0, first.stderr
    assert "info: loaded 1 dashboard(s), 1 rule group(s), 0 SLO(s) from dashboards, alerts" in first.stderr
    assert "info: wrote prometheus/alerts-service.rules.yaml" in first.stderr
    assert "info: promtool check rules build/prometheus/alerts-service.rules.yaml: ok" in first.stderr
    assert "info: lint: 3 rule(s) in 1 group(s) checked: 0 finding(s), 0 waived" in first.stderr
    again = run("build", "--verbose")
    assert "info: wrote" not in again.stderr and "info: 3 file(s) in build left as they were" in again.stderr
    assert "info:" not in run("build").stderr  # not without -v


def test_quiet_and_verbose_together_are_a_usage_error(run):
    result = run("build", "-q", "-v")
    assert result.exit_code == 2 and "--quiet and --verbose exclude each other" in result.stderr


class _Terminal:
    """A stdout that says it is a terminal, as rich_text asks."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("meta, env, coloured", [({}, {}, True), ({"no_color": True}, {}, False),
                                                 ({}, {"NO_COLOR": "1"}, False)])
def test_no_color_and_NO_COLOR_take_the_colour_out_of_tables(monkeypatch, meta, env, coloured):
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "stdout", _Terminal())
    with click.Context(click.Command("x")) as ctx:
        ctx.meta[common.OUTPUT_KEY] = meta
        text = common.rich_text(Text("breached", style="bold red"))
        assert common.color() is coloured
    assert ("\x1b[" in text) is coloured and "breached" in text


def test_no_color_reaches_the_command(run):
    @click.command()
    def probe() -> None:
        click.echo(f"colour={common.color()}")
    common.with_output_options(probe)
    runner = CliRunner()
    assert runner.invoke(probe, [], env={"NO_COLOR": ""}).output == "colour=True\n"
    assert runner.invoke(probe, ["--no-color"], env={"NO_COLOR": ""}).output == "colour=False\n"


def test_build_json_lists_every_file_and_is_golden(run):
    first = json.loads(run("build", "--json").stdout)
    assert first["ok"] and first["summary"] == {"dashboards": 1, "rule_groups": 1, "rules": 3, "tests": 1,
                                               "written": 3, "removed": 0}
    assert {f["path"]: f["kind"] for f in first["files"]} == {
        "grafana/" + next(f["path"] for f in first["files"] if f["kind"] == "dashboard").split("/")[1]: "dashboard",
        "prometheus/alerts-service.rules.yaml": "rules", "tests/service_test.yaml": "test"}
    second = run("build", "--json")
    assert second.exit_code == 0
    document = json.loads(second.stdout)
    assert not any(f["written"] for f in document["files"]) and document["summary"]["written"] == 0
    assert_golden(second.stdout.encode(), GOLDEN / "cli" / "build-sample.json")


def test_build_json_on_invalid_definitions_carries_every_problem(run, sample_project):
    edit(sample_project / "alerts" / "service.py", 'severity="critical"', 'severity="urgent"')
    edit(sample_project / "alerts" / "service.py", 'for_="5m"', 'for_="5 minutes"')
    result = run("build", "--json")
    assert result.exit_code == 1 and "2 problem(s); nothing was written" in result.stderr
    document = json.loads(result.stdout)
    assert (document["ok"], document["summary"], document["files"]) == (False, None, [])
    assert {p["field"] for p in document["problems"]} == {"severity", "for"}
    problem = next(p for p in document["problems"] if p["field"] == "severity")
    assert problem["file"] == "alerts/service.py" and problem["object"] == "group 'checkout', alert " \
        "'CheckoutHighErrorRate'" and "urgent" in problem["message"]
    assert set(document) == {"command", "ok", "out", "summary", "files", "removed", "skipped", "problems", "error"}


def test_check_json_reports_each_rule_file_and_finding(run, sample_project):
    edit(sample_project / "alerts" / "service.py", 'for_="5m", ', "")
    result = run("check", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["rule_checks"] == [{"file": "build/prometheus/alerts-service.rules.yaml", "ok": True,
                                        "output": document["rule_checks"][0]["output"]}]
    assert document["config_checks"] == []  # no Alertmanager definition in the sample
    assert [(f["check"], f["file"], f["field"], f["waived"]) for f in document["findings"]] == [
        ("for", "alerts/service.py", "for", None)]


def test_check_json_carries_a_problem_with_its_line(run, sample_project):
    edit(sample_project / "alerts" / "service.py", *BROKEN_TEMPLATE)
    result = run("check", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["ok"], document["rule_checks"], document["summary"]) == (False, [], None)
    [problem] = document["problems"]
    assert (problem["file"], problem["line"], problem["field"]) == ("alerts/service.py", 11, "description")
    assert problem["message"].startswith("template does not parse at 1:21")


def test_lint_json_marks_waived_findings(run, sample_project):
    edit(sample_project / "alerts" / "service.py", 'for_="5m", ', 'waive={"for": "pages at once"}, ')
    result = run("lint", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True and document["live"] is None and document["notes"] == []
    assert [(f["check"], f["waived"]) for f in document["findings"]] == [("for", "pages at once")]


def test_test_json_reports_each_promtool_test_file(run, sample_project):
    passing = json.loads(run("test", "--json").stdout)
    assert passing["ok"] is True and [(t["file"], t["ok"]) for t in passing["tests"]] == [
        ("build/tests/service_test.yaml", True)]
    edit(sample_project / "alerts" / "service.py", "> 0.05", "> 0.95")
    failing = run("test", "--json")
    assert failing.exit_code == 1
    document = json.loads(failing.stdout)
    assert document["ok"] is False and document["tests"][0]["ok"] is False
    assert "FAILED" in document["tests"][0]["output"]


def test_json_error_document_when_no_test_file_matches(run):
    result = run("test", "--json", "nothing-like-this")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False and "no promtool or route test file matches nothing-like-this" in document["error"]
    assert document["tests"] == [] and document["route_tests"] == []
