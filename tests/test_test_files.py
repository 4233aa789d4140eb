"""Every promtool test file under the tests folder is run or reported as skipped with the reason; `rule_files` may
name the file a rule module was imported from; groups with fields promtool 2.42 predates still pass `check`."""
import shutil

import pytest

from conftest import write_tree
from mrm_observe.pipeline import Project, build

SERVICE_TEST = "tests/promtool/service_test.yaml"


def test_a_test_file_of_any_yaml_name_or_subfolder_runs_and_other_yaml_is_reported(run, sample_project):
    tests = sample_project / "tests" / "promtool"
    (tests / "upstream").mkdir()
    shutil.move(tests / "service_test.yaml", tests / "upstream" / "test_alerts.yml")
    (tests / "notes.yaml").write_text("owner: team-checkout\n")
    (tests / "README.md").write_text("not YAML, not a test\n")
    result = run("test")
    assert result.exit_code == 0, result.output
    assert "ok   build/tests/upstream/test_alerts.yml" in result.output
    assert ("skip tests/promtool/notes.yaml: not a promtool test file: it has neither rule_files nor tests"
            in result.output)
    assert "promtool tests: 1 passed, 0 failed, 1 skipped" in result.output
    staged = (sample_project / "build" / "tests" / "upstream" / "test_alerts.yml").read_text()
    assert "- ../../prometheus/alerts-service.rules.yaml" in staged


def test_building_some_sources_reports_each_test_of_the_others_as_skipped(run, sample_project):
    result = run("test", "--source", "dashboards")
    assert result.exit_code == 1  # no test left to run
    assert (f"skip {SERVICE_TEST}: it tests 'alerts-service.rules.yaml', not built from the sources chosen with "
            "--source") in result.output
    assert "promtool tests: 0 passed, 0 failed, 1 skipped" in result.output
    built = run("build", "--source", "dashboards")
    assert f"skip {SERVICE_TEST}: it tests" in built.stderr
    assert "0 promtool test files (1 skipped)" in built.output


def test_a_test_of_several_rule_files_is_skipped_not_half_run_when_one_is_outside_the_sources(sample_project):
    write_tree(sample_project, {"slo/api.py": """
        from mrm_observe import SLO, ErrorRatioSLI
        slos = [SLO(service="api", name="availability", objective=99.9, sli=ErrorRatioSLI(
            bad='sum(rate(http_requests_total{code=~"5.."}[{{window}}]))',
            total='sum(rate(http_requests_total[{{window}}]))'))]
    """})
    test_file = sample_project / SERVICE_TEST
    test_file.write_text(test_file.read_text().replace(
        "rule_files: [alerts-service.rules.yaml]", "rule_files: [alerts-service.rules.yaml, slo-api-availability.rules.yaml]"))
    report = build(Project.at(sample_project, sources=("alerts",)))
    assert [str(s) for s in report.skipped_tests] == [
        f"{SERVICE_TEST}: it tests 'slo-api-availability.rules.yaml', not built from the sources chosen with --source"]
    assert not [rel for rel in report.artifacts if rel.startswith("tests/")]


def test_a_test_naming_the_imported_original_runs_against_the_built_file(run, sample_project):
    module = sample_project / "alerts" / "service.py"
    module.write_text(module.read_text() + 'imported_from = "checkout_alerts.yml"\n')
    test_file = sample_project / SERVICE_TEST
    test_file.write_text(test_file.read_text().replace("rule_files: [alerts-service.rules.yaml]",
                                                       "rule_files: [../rules/checkout_alerts.yml]"))
    result = run("test")
    assert result.exit_code == 0, result.output + result.stderr
    assert "- ../prometheus/alerts-service.rules.yaml" in (sample_project / "build" / "tests" /
                                                           "service_test.yaml").read_text()


def test_an_original_imported_twice_is_ambiguous_and_a_bad_origin_is_an_error(run, sample_project):
    module = sample_project / "alerts" / "service.py"
    module.write_text(module.read_text() + 'imported_from = "alerts.yml"\n')
    write_tree(sample_project, {"alerts/copy.py": """
        from mrm_observe import RecordingRule, RuleGroup
        imported_from = "alerts.yml"
        groups = [RuleGroup(name="copy", rules=(RecordingRule(record="job:up:sum", expr="sum by (job) (up)"),))]
    """})
    test_file = sample_project / SERVICE_TEST
    test_file.write_text(test_file.read_text().replace("alerts-service.rules.yaml", "alerts.yml"))
    result = run("build")
    assert result.exit_code == 1
    assert ("rule_files: 'alerts.yml' was imported into several modules (alerts-copy.rules.yaml, "
            "alerts-service.rules.yaml): name the built rule file instead") in result.stderr
    module.write_text(module.read_text().replace('"alerts.yml"', "['alerts.yml']"))
    assert "alerts/service.py: imported_from: must be the name of the file" in run("build").stderr


GROUP_FIELDS = """
    from mrm_observe import AlertRule, RuleGroup
    groups = [RuleGroup(name="paging", query_offset="1m", labels={"team": "core", "severity": "warning"}, rules=(
        AlertRule(alert="Down", expr="up == 0", for_="5m", severity="critical", summary="s", description="d",
                  runbook_url="https://example.invalid/rb#down"),))]
"""


def test_check_passes_on_group_fields_that_promtool_2_42_does_not_read_and_says_so(run, sample_project, promtool):
    from mrm_observe.promtool import version
    if version(promtool, sample_project) >= (3, 0, 0):
        pytest.skip("this promtool reads query_offset and group labels itself")
    write_tree(sample_project, {"alerts/paging.py": GROUP_FIELDS})
    (sample_project / "tests" / "promtool" / "paging_test.yaml").write_text(
        "rule_files: [alerts-paging.rules.yaml]\ntests: []\n")
    result = run("check")
    assert "ok   promtool check rules build/prometheus/alerts-paging.rules.yaml" in result.output, result.stderr
    assert ("note: prometheus/alerts-paging.rules.yaml: checked without query_offset of group 'paging', labels of "
            "group 'paging': promtool 2.42.0 does not read them (mrm-observe validated them)") in result.stderr
    built = (sample_project / "build" / "prometheus" / "alerts-paging.rules.yaml").read_text()
    assert "query_offset: 1m" in built and "  labels:\n    severity: warning\n    team: core\n" in built
    tested = run("test")
    assert ("skip tests/promtool/paging_test.yaml: its rule files use query_offset of group 'paging', labels of "
            "group 'paging', which promtool 2.42.0 does not read: run it with promtool 3.0.0 or later") in tested.output
    assert "promtool tests: 1 passed, 0 failed, 1 skipped" in tested.output


def test_readable_without_folds_group_labels_under_the_rules_own():
    from mrm_observe.promtool import readable_without
    data = {"groups": [{"name": "g", "query_offset": "1m", "labels": {"team": "a", "severity": "info"},
                        "rules": [{"alert": "A", "expr": "up", "labels": {"severity": "critical"}}]}]}
    assert readable_without(data, ["query_offset", "labels"]) == [("g", "query_offset"), ("g", "labels")]
    assert data == {"groups": [{"name": "g", "rules": [
        {"alert": "A", "expr": "up", "labels": {"severity": "critical", "team": "a"}}]}]}
