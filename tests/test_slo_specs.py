"""Sloth and OpenSLO inputs of our own making: accepted, rejected with the field named, and `import` round-trips."""
from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from mrm_observe.cli import main
from mrm_observe.slo_specs import load_spec

SLOTH = """
version: prometheus/v1
service: billing
labels: {team: payments}
slos:
  - name: charge-availability
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(charges_total{result="error"}[{{.window}}]))
        total_query: sum(rate(charges_total[{{.window}}]))
    alerting:
      name: ChargeErrors
      ticket_alert: {disable: true}
"""
OPENSLO = """
apiVersion: openslo/v1
kind: SLI
metadata: {name: search-good}
spec:
  ratioMetric:
    good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(search_total{code!~"5.."}[{{window}}]))'}}}
    total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(search_total[{{window}}]))'}}}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: search-availability}
spec:
  service: search
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  indicatorRef: search-good
  objectives: [{target: 0.995}]
"""


def load(tmp_path, text: str):
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(text))
    return load_spec(path, "slo/spec.yaml")


def test_sloth_spec_becomes_an_slo_with_merged_labels_and_disabled_ticket(tmp_path):
    found = load(tmp_path, SLOTH)
    assert found.problems == []
    slo = found.slos[0].obj
    assert (slo.id, slo.objective, slo.labels, slo.alerting.ticket.enabled) == (
        "billing-charge-availability", 99.5, {"team": "payments"}, False)
    assert slo.sli.bad == 'sum(rate(charges_total{result="error"}[{{window}}]))'


def test_openslo_v1_with_indicator_ref_and_28d_rolling_window(tmp_path):
    found = load(tmp_path, OPENSLO)
    assert found.problems == []
    slo = found.slos[0].obj
    assert (slo.id, slo.objective, slo.period, slo.spec) == ("search-availability", 99.5, "28d", "openslo/v1")
    assert slo.sli.good.startswith("sum(rate(search_total{code!~")


def test_an_openslo_name_without_the_service_prefix_keeps_its_whole_name(tmp_path):
    slo = load(tmp_path, OPENSLO.replace("{name: search-availability}", "{name: latency}")).slos[0].obj
    assert (slo.name, slo.id) == ("latency", "search-latency")


@pytest.mark.parametrize("text, field, message", [
    (OPENSLO.replace("Occurrences", "Timeslices"), "spec.budgetingMethod", "'Timeslices' is not supported"),
    (OPENSLO.replace("isRolling: true", "isRolling: false"), "spec.timeWindow[0]", "calendar windows are not supported"),
    (OPENSLO.replace("indicatorRef: search-good", "indicatorRef: nope"), "spec.indicatorRef", "no SLI named 'nope'"),
    (SLOTH.replace("    sli:\n      events:", "    sli:\n      plugin:"), "slos[0].sli", "unsupported SLI"),
    (SLOTH.replace("        total_query: sum(rate(charges_total[{{.window}}]))\n", ""), "slos[0].sli.events.total_query",
     "is required"),
    ("version: prometheus/v2\n", "version", "unsupported spec version 'prometheus/v2'"),
    ("version: [unclosed\n", "", "not valid YAML"),
    ("version: prometheus/v1\nservice: s\nslos: 5\n", "slos", "must be a list (got a number 5)"),
    ("version: prometheus/v1\nservice: s\nslos: [7]\n", "slos[0]", "must be a mapping (got a number 7)"),
    (SLOTH.replace("labels: {team: payments}", "labels: [a]"), "labels", "must be a mapping (got a list ['a'])"),
    (SLOTH.replace("ChargeErrors", "ChargeErrors\n      labels: {team: [a, b]}"), "slos[0].alerting.labels.team",
     "must be a string (got a list"),
    (SLOTH.replace("ticket_alert: {disable: true}", "ticket_alert: off"), "slos[0].alerting.ticket_alert",
     "must be a mapping (got a boolean False)"),
    (SLOTH.replace('error_query: sum(rate(charges_total{result="error"}[{{.window}}]))', "error_query: [1, 2]"),
     "slos[0].sli.events.error_query", "must be a string (got a list"),
    (OPENSLO.replace("isRolling: true", "isRolling: true}, {duration: 1d").replace("timeWindow:", "timeWindow: 3\n  alertPolicies:"),
     "spec.timeWindow", "must be a list (got a number 3)"),
    ("apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: s\n  timeWindows: [{unit: Day}]\n"
     "  objectives: [{target: 0.99}]\n", "spec.timeWindows[0].count", "is required"),
    (OPENSLO.replace("kind: SLO", "kind: Slo"), "kind", "unknown OpenSLO kind 'Slo': expected one of SLO, SLI"),
], ids=["time-slice budgeting", "calendar window", "unknown indicatorRef", "Sloth plugin SLI", "missing total query",
        "unknown version", "malformed YAML", "slos is a number", "an SLO is a number", "labels is a list",
        "a label value is a list", "a tier is a boolean", "a query is a list", "timeWindow is a number",
        "v1alpha window without count", "OpenSLO kind typo"])
def test_unsupported_or_malformed_specs_name_the_file_document_and_field(tmp_path, text, field, message):
    problems = load(tmp_path, text).problems
    assert len(problems) == 1
    assert problems[0].file == "slo/spec.yaml" and problems[0].field == field and message in problems[0].message


def test_import_prints_a_python_module_that_defines_the_same_slos(tmp_path):
    (tmp_path / "billing.yml").write_text(textwrap.dedent(SLOTH))
    result = CliRunner().invoke(main, ["import", str(tmp_path / "billing.yml")])
    assert result.exit_code == 0, result.output
    namespace: dict = {}
    exec(result.stdout, namespace)  # noqa: S102 - the generated module is the thing under test
    assert namespace["slos"] == [s.obj for s in load(tmp_path, SLOTH).slos]


def test_import_of_a_bad_spec_exits_1_with_every_problem(tmp_path):
    (tmp_path / "bad.yml").write_text(textwrap.dedent(SLOTH).replace("99.5", "100"))
    result = CliRunner().invoke(main, ["import", str(tmp_path / "bad.yml")])
    assert result.exit_code == 1
    assert "bad.yml: slo 'billing-charge-availability': objective: must be between 0 and 100" in result.output


def test_slo_windows_prints_the_workbook_table():
    result = CliRunner().invoke(main, ["slo", "windows", "--objective", "99.9", "--period", "30d"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "objective 99.9% over 30d: error budget 0.001 (43m12s of full outage)"
    assert lines[2].split() == ["page", "5m", "1h", "14.4x", "2%", "52s", "2d2h"]
    assert lines[5].split() == ["ticket", "6h", "3d", "1x", "10%", "4m19s", "30d"]


def test_slo_windows_rejects_an_objective_of_100():
    result = CliRunner().invoke(main, ["slo", "windows", "--objective", "100"])
    assert result.exit_code == 2 and "must be between 0 and 100" in result.output
