"""Lint: each convention is checked, explained, and can be waived per rule with a reason."""
import pytest

from mrm_observe import AlertRule, RecordingRule, RuleGroup
from mrm_observe.definitions import Sourced
from mrm_observe.lint import lint_rules

GOOD = dict(alert="GoodAlert", expr="up == 0", for_="5m", severity="critical", summary="s", description="d",
            runbook_url="https://example.invalid/rb#goodalert")


def findings(*rules, tested=("GoodAlert",), scrape=30.0):
    group = Sourced("alerts/a.py", RuleGroup(name="g", rules=rules))
    return lint_rules([group], set(tested), scrape)


def test_a_rule_that_follows_every_convention_has_no_findings():
    assert findings(AlertRule(**GOOD), RecordingRule(record="job:up:sum", expr="sum by (job) (up)")) == []


@pytest.mark.parametrize("change, check", [
    pytest.param({"alert": "good_alert"}, "alert-name", id="snake_case alert name"),
    pytest.param({"severity": None}, "severity", id="no severity"),
    pytest.param({"summary": None}, "summary", id="no summary"),
    pytest.param({"description": " "}, "description", id="blank description"),
    pytest.param({"runbook_url": None}, "runbook", id="no runbook"),
    pytest.param({"for_": None}, "for", id="no for"),
    pytest.param({"expr": "sum(rate(errors_total[5m]))"}, "comparison", id="no comparison"),
    pytest.param({"expr": "rate(errors_total[1m]) > 0"}, "rate-window", id="rate window shorter than 4 scrapes"),
])
def test_each_broken_convention_is_found_and_can_be_waived(change, check):
    rule = AlertRule(**{**GOOD, **change})
    found = findings(rule, tested=(rule.alert,))
    assert [f.check for f in found] == [check]
    assert str(found[0]).startswith(f"alerts/a.py: group 'g', alert '{rule.alert}'")
    waived = findings(AlertRule(**{**GOOD, **change, "waive": {check: "accepted on purpose"}}), tested=(rule.alert,))
    assert [(f.check, f.waived) for f in waived] == [(check, "accepted on purpose")]


def test_untested_alerts_are_reported():
    assert [f.check for f in findings(AlertRule(**GOOD), tested=())] == ["untested"]


def test_recording_rule_names_need_three_parts():
    assert [f.check for f in findings(RecordingRule(record="http_requests_rate", expr="sum(up)"))] == ["record-name"]


def test_the_same_expression_twice_is_a_duplicate():
    rules = (RecordingRule(record="job:up:sum", expr="sum(up)"), RecordingRule(record="job:up:total", expr="sum(up)"))
    (dup,) = findings(*rules)
    assert dup.check == "duplicate" and "job:up:sum" in dup.problem.message


def test_rate_window_threshold_follows_the_scrape_interval():
    rule = AlertRule(**{**GOOD, "expr": "rate(x[2m]) > 0"})
    assert findings(rule, scrape=30.0) == []
    assert [f.check for f in findings(rule, scrape=60.0)] == ["rate-window"]


WAIVED_PROJECT = {"alerts/a.py": """
    from mrm_observe import AlertRule, RuleGroup
    groups = [RuleGroup(name="g", rules=(
        AlertRule(alert="Quiet", expr="up == 0", for_="5m", severity="info", summary="s", description="d",
                  waive={"runbook": "no runbook for info alerts", "untested": "covered end to end"}),
        AlertRule(alert="Loud", expr="up < 1", for_="5m", severity="info", description="d",
                  runbook_url="https://example.invalid/rb#loud", waive={"untested": "covered end to end"}),
    ))]
"""}


@pytest.mark.parametrize("show", [False, True], ids=["summary only", "--show-waived"])
def test_lint_show_waived_lists_each_waived_finding_with_its_reason(tmp_path, monkeypatch, show):
    from click.testing import CliRunner

    from conftest import write_tree
    from mrm_observe.cli import main
    monkeypatch.chdir(write_tree(tmp_path, WAIVED_PROJECT))
    result = CliRunner().invoke(main, ["lint", *(["--show-waived"] if show else [])])
    assert result.exit_code == 1  # Loud has no summary: not waived
    assert "group 'g', alert 'Loud': summary:" in result.stderr and "(waived" not in result.stderr
    waived = [line for line in result.stdout.splitlines() if "(waived: " in line]
    untested = "alert: no promtool test shows this alert firing: add a case under tests/promtool/ [untested]"
    assert waived == ([
        "lint: alerts/a.py: group 'g', alert 'Quiet': runbook_url: add a runbook_url annotation [runbook] "
        "(waived: no runbook for info alerts)",
        f"lint: alerts/a.py: group 'g', alert 'Quiet': {untested} (waived: covered end to end)",
        f"lint: alerts/a.py: group 'g', alert 'Loud': {untested} (waived: covered end to end)"] if show else [])
    assert result.stdout.splitlines()[-1] == "lint: 1 finding(s), 3 waived"
