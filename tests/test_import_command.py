"""`mrm-observe import FILE... [--into DIR] [--force] [--tests FILE...]`: kinds, stdout or a project folder, no
file replaced without --force, promtool tests carried with their rule_files rewritten, notes and exit codes."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from mrm_observe.cli import main

CEPH = FIXTURES / "ceph" / "alerts" / "ceph_default_alerts.yml"
TEAM = FIXTURES / "import" / "team_rules.yml"
CEPH_TEST = """\
# A promtool test written against the rule file as Debian installs it.
rule_files:
  - ../alerts/ceph_default_alerts.yml   # upstream's path
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'ceph_health_status{instance="ceph:9283",job="ceph"}'
        values: '2x10'
      - series: 'ceph_health_detail{name="OSD_FULL",instance="ceph:9283",job="ceph"}'
        values: '0 0 1x10'
    alert_rule_test:
      - eval_time: 6m
        alertname: CephHealthError
        exp_alerts:
          - exp_labels: {instance: "ceph:9283", job: ceph, oid: 1.3.6.1.4.1.50495.1.2.1.2.1, severity: critical,
                         type: ceph_default}
            exp_annotations:
              summary: Ceph is in the ERROR state
              description: "The cluster state has been HEALTH_ERROR for more than 5 minutes. Please check 'ceph health detail' for more information."
      - eval_time: 4m
        alertname: CephOSDFull
        exp_alerts:
          - exp_labels: {name: OSD_FULL, instance: "ceph:9283", job: ceph, oid: 1.3.6.1.4.1.50495.1.2.1.4.6,
                         severity: critical, type: ceph_default}
            exp_annotations:
              summary: OSD full, writes blocked
              documentation: https://docs.ceph.com/en/latest/rados/operations/health-checks#osd-full
              description: "An OSD has reached the FULL threshold. Writes to pools that share the affected OSD will be blocked. Use 'ceph health detail' and 'ceph osd df' to identify the problem. To resolve, add capacity to the affected OSD's failure domain, restore down/out OSDs, or delete unwanted data."
"""
SLOTH = """\
version: prometheus/v1
service: billing
slos:
  - name: charge-availability
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(charges_total{result="error"}[{{.window}}]))
        total_query: sum(rate(charges_total[{{.window}}]))
    alerting: {name: ChargeErrors}
"""


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return lambda *args: CliRunner().invoke(main, [str(a) for a in args])


def test_one_file_without_into_prints_its_module_and_notes_go_to_stderr(run):
    result = run("import", TEAM)
    assert result.exit_code == 0
    assert result.stdout.startswith('"""Rules imported from team_rules.yml by `mrm-observe import`."""\n')
    assert "note: team_rules.yml: 2 rule group(s), 5 rule(s) -> alerts/team_rules.py" in result.stderr
    assert result.stderr.splitlines()[-1] == "imported 1 module(s) (1 alerts), 0 promtool test file(s), 3 note(s)"


@pytest.mark.parametrize("args", [[TEAM, CEPH], [TEAM, "--tests", TEAM], [TEAM, "--force"]],
                         ids=["two files", "--tests", "--force"])
def test_what_needs_a_project_folder_without_into_is_a_usage_error(run, args):
    result = run("import", *args)
    assert result.exit_code == 2
    assert "give --into DIR to import several files, or to use --tests or --force" in result.stderr


def test_into_writes_every_kind_to_its_folder_and_the_project_builds(run, tmp_path):
    (tmp_path / "billing.yml").write_text(SLOTH)
    result = run("import", CEPH, "billing.yml", "--into", "project")
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(tmp_path / "project").as_posix() for p in (tmp_path / "project").rglob("*.py")) == \
        ["alerts/ceph_default_alerts.py", "slo/billing.py"]
    assert "imported 2 module(s) (1 alerts, 1 slo), 0 promtool test file(s)" in result.output
    assert "wrote 2 changed file(s) in project" in result.output
    built = CliRunner().invoke(main, ["build", "--source", "project/alerts", "--source", "project/slo", "--out",
                                      "project/build", "--tests", "project/tests/promtool"])
    assert built.exit_code == 0, built.stderr
    assert "1 dashboards, 16 rule groups, 91 rules" in built.output  # Ceph: 13 groups, 58 rules; the SLO: 3, 33


def test_existing_modules_are_not_replaced_without_force_and_nothing_is_written(run, tmp_path):
    assert run("import", CEPH, TEAM, "--into", ".").exit_code == 0
    (tmp_path / "alerts" / "team_rules.py").write_text("# edited by hand\n")
    (tmp_path / "alerts" / "ceph_default_alerts.py").unlink()
    result = run("import", CEPH, TEAM, "--into", ".")
    assert result.exit_code == 1
    assert "error: alerts/team_rules.py: exists already: give --force to replace it" in result.stderr
    assert not (tmp_path / "alerts" / "ceph_default_alerts.py").exists()  # nothing written, not even the new one
    assert (tmp_path / "alerts" / "team_rules.py").read_text() == "# edited by hand\n"
    forced = run("import", CEPH, TEAM, "--into", ".", "--force")
    assert forced.exit_code == 0 and "wrote 2 changed file(s)" in forced.output
    assert (tmp_path / "alerts" / "team_rules.py").read_text().startswith('"""Rules imported from team_rules.yml')


def test_a_promtool_test_goes_beside_the_projects_tests_with_rule_files_rewritten_and_runs(run, tmp_path):
    (tmp_path / "ceph_alerts_test.yml").write_text(CEPH_TEST)
    result = run("import", CEPH, "--into", ".", "--tests", "ceph_alerts_test.yml")
    assert result.exit_code == 0, result.output
    copied = (tmp_path / "tests" / "promtool" / "ceph_alerts_test.yml").read_text()
    assert copied == CEPH_TEST.replace("../alerts/ceph_default_alerts.yml", "alerts-ceph-default-alerts.rules.yaml")
    module = (tmp_path / "alerts" / "ceph_default_alerts.py").read_text()
    untested = module.count('"untested": AS_IMPORTED')
    assert untested == 56  # the two alerts the test shows firing need no waiver
    tested = run("test")
    assert tested.exit_code == 0, tested.output + tested.stderr
    assert "ok   build/tests/ceph_alerts_test.yml" in tested.output
    assert run("check").exit_code == 0


def test_an_unchanged_upstream_test_naming_the_original_is_mapped_by_the_build(run, tmp_path):
    assert run("import", CEPH, "--into", ".").exit_code == 0
    (tmp_path / "tests" / "promtool").mkdir(parents=True)
    (tmp_path / "tests" / "promtool" / "test_alerts.yml").write_text(CEPH_TEST)
    tested = run("test")
    assert tested.exit_code == 0, tested.output + tested.stderr
    assert "promtool tests: 1 passed, 0 failed, 0 skipped" in tested.output


def test_a_test_naming_a_file_not_imported_now_is_kept_with_a_note(run, tmp_path):
    (tmp_path / "t.yml").write_text("rule_files: [other.yml]\ntests: []\n")
    result = run("import", TEAM, "--into", ".", "--tests", "t.yml")
    assert result.exit_code == 0
    assert "note: t.yml: rule_files entry 'other.yml' is none of the files imported now: kept" in result.stderr
    assert (tmp_path / "tests" / "promtool" / "t.yml").read_text() == "rule_files: [other.yml]\ntests: []\n"
    (tmp_path / "bad.yml").write_text("tests: []\n")
    bad = run("import", TEAM, "--into", ".", "--force", "--tests", "bad.yml")
    assert bad.exit_code == 1 and "error: bad.yml: rule_files: a promtool test file needs a list" in bad.stderr


def test_dashboards_and_configmaps_of_dashboards_go_to_the_dashboard_importer(run, tmp_path):
    (tmp_path / "app.json").write_text(json.dumps({"title": "App", "panels": [], "schemaVersion": 39}))
    (tmp_path / "cm.yaml").write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: dashboards, labels: {grafana_dashboard: "1"}, annotations: {grafana_folder: Team}}
        data:
          db.json: '{"title": "Db", "panels": []}'
          queue.json: '{"title": "Queue", "rows": []}'
        """))
    result = run("import", "app.json", "cm.yaml", "--into", ".")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "dashboards").iterdir()) == ["app.py", "db.py", "queue.py"]
    assert 'folder = "Team"' in (tmp_path / "dashboards" / "queue.py").read_text()
    assert 'title="Queue"' in (tmp_path / "dashboards" / "queue.py").read_text()


def test_a_dashboard_exported_through_the_api_is_passed_whole(run, tmp_path):
    (tmp_path / "export.json").write_text(json.dumps({"dashboard": {"title": "App", "uid": "app", "panels": []},
                                                      "meta": {"folderUid": "t", "folderTitle": "Team"}}))
    result = run("import", "export.json")
    assert result.exit_code == 0, result.output
    assert 'uid="app"' in result.stdout and 'folder = "Team"' in result.stdout


def test_a_file_with_documents_of_no_known_kind_beside_rules_notes_them(run, tmp_path):
    (tmp_path / "bundle.yaml").write_text(Path(FIXTURES / "import" / "team-rules-manifest.yaml").read_text()
                                          + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n")
    result = run("import", "bundle.yaml")
    assert result.exit_code == 0
    assert ("note: bundle.yaml: document 3 (kind 'Deployment') is none of the kinds import reads: not imported"
            in result.stderr)


def test_two_files_that_would_make_the_same_module_are_refused(run, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "team_rules.yml").write_text(TEAM.read_text())
    result = run("import", TEAM, "a/team_rules.yml", "--into", ".")
    assert result.exit_code == 1
    assert "would be written to alerts/team_rules.py, as another file given would" in result.stderr


def test_a_kubectl_list_of_prometheus_rules_imports_like_its_items(run, tmp_path):
    import yaml
    items = list(yaml.safe_load_all((FIXTURES / "import" / "team-rules-manifest.yaml").read_text()))
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}))
    listed = run("import", "rules.yaml")
    assert listed.exit_code == 0, listed.output
    direct = run("import", FIXTURES / "import" / "team-rules-manifest.yaml").stdout
    assert listed.stdout == direct.replace("team-rules-manifest.yaml", "rules.yaml")
