"""What `tune` reads: rule files and PrometheusRule manifests, the project's alerts (SLO alerts included), incident
files; bad input names the file, the object and the field, all problems at once, exit code 1."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_tree

from mrm_observe.cli import main
from mrm_observe.durations import iso, parse_time
from mrm_observe.errors import DefinitionError
from mrm_observe.project import Project
from mrm_observe.pipeline_tune import alerts
from mrm_observe.tune.inputs import load_incidents, rule_file_alerts

RULE_FILE = """
groups:
  - name: api
    interval: 30s
    rules:
      - record: job:errors:rate5m
        expr: sum by (job) (rate(errors_total[5m]))
      - alert: ApiErrors
        expr: job:errors:rate5m > 3
        for: 0
        keep_firing_for: 10m
        labels: {severity: page, team: api}
  - name: defaults
    rules:
      - alert: Down
        expr: up == 0
"""
MANIFEST = """
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: web, namespace: monitoring}
spec:
  groups:
    - name: web
      interval: 2m
      rules:
        - alert: WebSlow
          expr: histogram_quantile(0.9, sum by (le) (rate(web_seconds_bucket[5m]))) > 2
          for: 15m
---
apiVersion: v1
kind: ConfigMap
"""


def test_a_rule_file_gives_its_alerting_rules_with_group_intervals(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULE_FILE)
    found = rule_file_alerts([path])
    assert [(a.alert, a.group, a.interval_seconds, a.for_seconds, a.keep_firing_for_seconds) for a in found] == [
        ("ApiErrors", "api", 30, 0, 600), ("Down", "defaults", 60, 0, 0)]
    assert found[0].labels == {"severity": "page", "team": "api"} and found[0].source == str(path)


def test_a_prometheusrule_manifest_is_read_and_other_documents_are_named(tmp_path):
    path = tmp_path / "web.yaml"
    path.write_text(MANIFEST)
    with pytest.raises(DefinitionError) as err:
        rule_file_alerts([path])
    assert [str(p) for p in err.value.problems] == [
        f"{path}: document 2: groups: expected a rule file (`groups: [...]`) or a PrometheusRule manifest "
        f"(`kind: PrometheusRule`, `spec.groups`)"]
    path.write_text(MANIFEST.split("---")[0])
    (alert,) = rule_file_alerts([path])
    assert (alert.alert, alert.group, alert.interval_seconds, alert.for_seconds) == ("WebSlow", "web", 120, 900)


def test_every_problem_of_a_rule_file_names_the_object_and_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("""
groups:
  - name: g
    interval: often
    rules:
      - alert: A
        expr: sum(rate(x[5m])
      - alert: B
        expr: x > 1
        for: 5 minutes
      - expr: y > 1
  - rules: []
""")
    with pytest.raises(DefinitionError) as err:
        rule_file_alerts([path])
    text = [str(p) for p in err.value.problems]
    assert f"{path}: groups[1]: a group needs `name: <text>` and `rules: [...]`" in text
    assert any(t.startswith(f"{path}: group g: interval: invalid duration 'often'") for t in text)
    assert any(t.startswith(f"{path}: group g rule A: expr: invalid PromQL") for t in text)
    assert any(t.startswith(f"{path}: group g rule B: for: invalid duration '5 minutes'") for t in text)
    assert f"{path}: group g rule #3: alert: an alerting rule needs `alert: <name>` (or `record:` for a recording " \
           f"rule)" in text


def test_bad_rule_files_exit_1_with_every_problem_on_stderr(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("groups: {}\n")
    result = CliRunner().invoke(main, ["tune", "--rules", str(path), "--prometheus-url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "error:" in result.stderr and "groups: expected a rule file" in result.stderr


INCIDENTS_YAML = """
incidents:
  - name: checkout down
    start: 2026-11-01T03:20:00Z
    end: 2026-11-01T03:50:00Z
    labels: {service: checkout}
    alerts: [Checkout*, HighErrorRate]
  - start: "1793520000"
    end: 2026-11-01T08:25:00+00:00
"""


def test_incidents_from_yaml_and_csv_are_the_same(tmp_path):
    (tmp_path / "i.yaml").write_text(INCIDENTS_YAML)
    (tmp_path / "i.csv").write_text("name,start,end,service,alerts\ncheckout down,2026-11-01T03:20:00Z,"
                                    "2026-11-01T03:50:00Z,checkout,Checkout* HighErrorRate\n"
                                    ",1793520000,2026-11-01T08:25:00+00:00,,\n")
    from_yaml, from_csv = load_incidents(tmp_path / "i.yaml"), load_incidents(tmp_path / "i.csv")
    assert from_yaml == from_csv
    assert [i.entry() for i in from_yaml] == [
        {"name": "checkout down", "start": "2026-11-01T03:20:00Z", "end": "2026-11-01T03:50:00Z",
         "labels": {"service": "checkout"}, "alerts": ["Checkout*", "HighErrorRate"]},
        {"name": "", "start": "2026-11-01T08:00:00Z", "end": "2026-11-01T08:25:00Z", "labels": {}, "alerts": []}]
    assert from_yaml[0].concerns("CheckoutDown") and not from_yaml[0].concerns("ApiDown")
    assert from_yaml[1].concerns("ApiDown")


def test_bad_incidents_name_the_incident_and_the_field(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("""
- {start: 2026-11-01T03:20:00Z, end: 2026-11-01T03:00:00Z}
- {start: 2026-11-01T03:20:00, end: yesterday, owner: me}
- {start: 2026-11-01T03:20:00Z}
""")
    with pytest.raises(DefinitionError) as err:
        load_incidents(path)
    assert [str(p) for p in err.value.problems] == sorted([
        f"{path}: incident 1: end: must be after start",
        f"{path}: incident 2: owner: unknown field; an incident has start, end, labels, name, alerts",
        f"{path}: incident 2: start: 2026-11-01T03:20:00 has no time zone: add Z or an offset",
        f"{path}: incident 2: end: 'yesterday' is neither RFC 3339 (2026-11-30T12:00:00Z) nor Unix seconds",
        f"{path}: incident 3: end: missing: give RFC 3339 (2026-11-30T12:00:00Z) or Unix seconds"])
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text("from,to\n1,2\n")
    with pytest.raises(DefinitionError) as err:
        load_incidents(csv_path)
    assert str(err.value) == f"{csv_path}: header: start, end: the first line must name the columns, with start and " \
                             f"end (found: from, to)"


def test_times_are_rfc3339_with_a_zone_or_unix_seconds():
    assert iso(parse_time("2026-11-01T01:00:00+01:00")) == "2026-11-01T00:00:00Z"
    assert iso(parse_time("1793491200")) == "2026-11-01T00:00:00Z"
    with pytest.raises(ValueError, match="no time zone"):
        parse_time("2026-11-01T00:00:00")


PROJECT = {
    "alerts/api.py": """
        from mrm_observe import AlertRule, RecordingRule, RuleGroup

        groups = [RuleGroup(name="api", interval="30s", rules=(
            RecordingRule(record="job:x:rate5m", expr="sum by (job) (rate(x_total[5m]))"),
            AlertRule(alert="ApiErrors", expr="job:x:rate5m > 1", for_="5m", severity="critical",
                      summary="s", runbook_url="https://runbooks.example.org/api"),
        ))]
    """,
    "slo/api.py": """
        from mrm_observe import SLO, Alerting, ErrorRatioSLI

        slos = [SLO(service="api", name="availability", objective=99.9,
                    sli=ErrorRatioSLI(bad='sum(rate(r_total{code="500"}[{{window}}]))',
                                      total='sum(rate(r_total[{{window}}]))'),
                    alerting=Alerting(name="ApiBurn", runbook_url="https://runbooks.example.org/burn"))]
    """,
}


def test_the_projects_alerts_include_one_per_slo_window_pair(tmp_path):
    root = write_tree(tmp_path / "project", PROJECT)
    found = alerts(Project.at(root), ())
    assert [(a.alert, a.interval_seconds, a.for_seconds) for a in found] == [
        ("ApiErrors", 30, 300), ("ApiBurn", 60, 0), ("ApiBurn", 60, 0), ("ApiBurn", 60, 0), ("ApiBurn", 60, 0)]
    assert found[0].labels == {"severity": "critical"} and found[0].source == "alerts/api.py"
    assert [(a.slo.window.short, a.slo.window.long) for a in found[1:]] == [("5m", "1h"), ("30m", "6h"),
                                                                            ("2h", "1d"), ("6h", "3d")]
    assert [a.alert for a in alerts(Project.at(root), ("Api?rrors",))] == ["ApiErrors"]


def test_an_alert_pattern_that_matches_nothing_says_what_there_is(tmp_path):
    root = write_tree(tmp_path / "project", PROJECT)
    with pytest.raises(DefinitionError) as err:
        alerts(Project.at(root, (Path("alerts"),)), ("Nope*",))
    assert str(err.value) == "alerts: --alert: no alerting rule matches 'Nope*' (alerts: ApiErrors)"


@pytest.mark.parametrize("args, message", [
    (["--since", "7d", "--start", "1793491200"], "give --since or --start, not both"),
    (["--start", "1793491200", "--end", "1793491100"], "the range must end after it starts"),
    (["--burn-windows", "1h/5m"], "the short window must be shorter than the long one"),
    (["--for", "soon"], "invalid duration 'soon'"),
    (["--timezone", "Mars/Olympus"], "unknown time zone"),
    (["--source", "alerts", "--rules", "rules.yaml"], "not both"),
])
def test_usage_errors_exit_2(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(RULE_FILE)
    result = CliRunner().invoke(main, ["tune", "--prometheus-url", "http://127.0.0.1:9", *args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_the_yaml_incident_docs_tune_md_shows_is_read_as_the_csv_of_its_session(tmp_path):
    """docs/tune.md's YAML incident is the first incident of docs/tune-session/incidents.csv, with the alerts it
    names (the session's CSV names none)."""
    import doc_examples
    (example,) = [e for e in doc_examples.examples("docs/tune.md") if e.arg == "tests/test_tune_input.py"]
    (tmp_path / "incidents.yaml").write_text(example.body)
    (incident,) = load_incidents(tmp_path / "incidents.yaml")
    first = load_incidents(doc_examples.ROOT / "docs" / "tune-session" / "incidents.csv")[0]
    assert incident.entry() == {**first.entry(), "alerts": ["CheckoutHighErrorRate", "Checkout*BurnRate"]}
    assert incident.concerns("CheckoutHighErrorRate") and incident.concerns("CheckoutAvailabilityBurnRate")
    assert not incident.concerns("ApiAvailabilityBurnRate")
