"""Lint: each convention is checked, explained, and can be waived per rule with a reason."""
import pytest

from mrm_observe import AlertRule, RecordingRule, RuleGroup
from mrm_observe.conventions import RuleConventions
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


@pytest.mark.parametrize("name, ok", [
    ("job:http_requests:rate5m", True),
    ("node_namespace_pod_container:container_memory_rss", True),
    ("cluster:namespace:pod_cpu:active:kube_pod_container_resource_requests", True),
    ("instance:node_cpu:rate:sum", True),
    ("http_requests_rate", False),
    (":node_memory_MemAvailable_bytes:sum", False),
    ("job::rate5m", False),
    ("job:http_requests:", False),
], ids=["three parts", "two parts", "five parts", "four parts", "one part", "empty level", "empty metric",
        "empty operations"])
def test_record_names_have_the_level_metric_operations_shape_with_two_or_more_parts(name, ok):
    found = [f.check for f in findings(RecordingRule(record=name, expr="sum(up)"))]
    assert found == ([] if ok else ["record-name"])


def test_a_finding_appears_once_per_rule_and_field_however_often_its_cause_repeats():
    rule = AlertRule(**{**GOOD, "expr": "rate(a[1m]) / rate(b[1m]) > irate(c[30s]) + rate(d[1m])"})
    (found,) = findings(rule)
    assert found.check == "rate-window" and found.problem.field == "expr"
    assert found.problem.message.startswith("irate() over 30s, rate() over 60s see fewer than 4 scrapes")


def test_documentation_counts_as_a_runbook_and_the_project_chooses_its_runbook_annotations_and_severities():
    documented = AlertRule(**{**GOOD, "runbook_url": None, "annotations": {"documentation": "https://docs/x"}})
    assert findings(documented) == []
    own = RuleConventions(severities=("page",), runbook_annotations=("playbook",))
    group = Sourced("alerts/a.py", RuleGroup(name="g", rules=(documented, AlertRule(**{**GOOD, "severity": None}))))
    found = lint_rules([group], {"GoodAlert"}, 30.0, own)
    assert [(f.check, f.problem.field, f.problem.message) for f in found] == [
        ("runbook", "playbook", "add a runbook annotation (playbook)"),
        ("severity", "severity", "set severity to one of page"),
        ("runbook", "playbook", "add a runbook annotation (playbook)")]


def test_a_severity_from_the_groups_labels_counts():
    group = Sourced("alerts/a.py", RuleGroup(name="g", labels={"severity": "warning"},
                                             rules=(AlertRule(**{**GOOD, "severity": None}),)))
    assert lint_rules([group], {"GoodAlert"}, 30.0) == []


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
        "lint: alerts/a.py: group 'g', alert 'Quiet': runbook_url: add a runbook annotation (runbook_url or documentation) [runbook] "
        "(waived: no runbook for info alerts)",
        f"lint: alerts/a.py: group 'g', alert 'Quiet': {untested} (waived: covered end to end)",
        f"lint: alerts/a.py: group 'g', alert 'Loud': {untested} (waived: covered end to end)"] if show else [])
    assert result.stdout.splitlines()[-1] == "lint: 1 finding(s), 3 waived"
