"""Mistakes get hints: each case shows the message before (which must not come back) and the one after."""
import json
import textwrap

import pytest
from click.testing import CliRunner

from conftest import write_tree
from mrm_observe.cli import main
from mrm_observe.rules_install import confirm, pending_summary
from mrm_observe.slo_specs import load_spec

IMPORT = "from mrm_observe import *\n"
SLI = "ErrorRatioSLI(bad='sum(rate(x{code=\"5\"}[{{window}}]))', total='sum(rate(x[{{window}}]))')"


def rules(rule: str) -> str:
    return IMPORT + f"groups = [RuleGroup(name='g', rules=(\n    {rule},\n))]\n"


def dashboard(panels: str, title: str = "'D'") -> str:
    return IMPORT + f"dashboard = Dashboard(title={title}, panels={panels})\n"


HINTS = [
    pytest.param({"dashboards/a.py": dashboard("[]", title="42")},
                 "AttributeError: 'int' object has no attribute 'strip'",
                 "dashboards/a.py:2: dashboard: title: expected a string, got 42", id="a wrong type"),
    pytest.param({"alerts/a.py": rules("AlertRule(alert='A', expr='up == 0', for='5m')")},
                 "alerts/a.py:3: syntax error: invalid syntax\n",
                 "alerts/a.py:3: syntax error: invalid syntax: `for` is a Python keyword and cannot be an argument "
                 "name; write for_=... (e.g. AlertRule(..., for_=\"5m\"))", id="for= instead of for_="),
    pytest.param({"alerts/a.py": rules("AlertRule(alert='A', expr='up == 0', summry='x')")},
                 "summry: Extra inputs are not permitted",
                 "alerts/a.py:3: AlertRule: summry: unknown field; did you mean 'summary'? (valid: expr, labels, "
                 "waive, alert, for_, keep_firing_for, severity, summary, description, runbook_url, annotations)",
                 id="a misspelt field"),
    pytest.param({"slo/a.py": IMPORT + f"slos = [SLO(service='s', name='n', objective=99.9, sli={SLI}, "
                                       "alerting=Alerting(sumary='x'))]\n"},
                 "sumary: Extra inputs are not permitted",
                 "slo/a.py:2: Alerting: sumary: unknown field; did you mean 'summary'?", id="a misspelt nested field"),
    pytest.param({"dashboards/a.py": dashboard("[request_rate('m', 'job=\"a\"', selecter='x')]")},
                 "TypeError: _finish() got an unexpected keyword argument 'selecter'",
                 "dashboards/a.py:2: request_rate() has no argument 'selecter'; did you mean 'selector'? (it takes "
                 "metric, selector, by, width, title, description, thresholds, legend_table, overrides, links)",
                 id="a misspelt helper argument"),
    pytest.param({"dashboards/a.py": dashboard("[timeseries('T', 'up', overrides=[by_name('up', "
                                                "thresholds=thresholds([1], colour=['red']))])]")},
                 "TypeError: thresholds() got an unexpected keyword argument 'colour'",
                 "dashboards/a.py:2: thresholds() has no argument 'colour'; did you mean 'colours'? (it takes values, "
                 "colours, base)", id="a misspelt argument of an exported function"),
    pytest.param({"dashboards/a.py": IMPORT + "dashboard = Dashboard(titel='D', panels=[])\n"},
                 "TypeError: Dashboard.__init__() got an unexpected keyword argument 'titel'",
                 "dashboards/a.py:2: Dashboard() has no argument 'titel'; did you mean 'title'?",
                 id="a misspelt grafanalib argument"),
    pytest.param({"slo/a.py": IMPORT + f"slos = [SLO(service='s', name='n', objective=0.999, sli={SLI})]\n"},
                 "factor 14.4 x error budget 0.99001 >= 1",
                 "slo/a.py: slo 's-n': objective: is a percentage: 0.999 would mean 0.999% of events good; for 99.9% "
                 "write 99.9", id="an objective given as a ratio"),
    pytest.param({"dashboards/a.py": dashboard("[request_rate('m', 'job=\"a\"', thresholds=0.5)]")},
                 "TypeError: object of type 'float' has no len()",
                 "dashboards/a.py:2: thresholds: expected a list of numbers, one (red) or two (amber, red), e.g. [0.5] "
                 "or [0.5, 0.9] (got 0.5)", id="one threshold not in a list"),
    pytest.param({"dashboards/a.py": dashboard("stat_kpi('K', 'up')")},
                 "Stat(dataSource=None",
                 "dashboards/a.py:2: Dashboard: panels: expected list, got a Stat (put it in a list: panels=[...])",
                 id="a panel where a list is expected"),
    pytest.param({"alerts/a.py": rules("AlertRule(alert='A', expr='up', labels=stat_kpi('K', 'up'))")},
                 "(got Stat(",
                 "alerts/a.py:3: AlertRule: labels: Input should be a valid dictionary (got a Stat)",
                 id="a long value named by its type"),
    pytest.param({"alerts/a.py": rules("AlertRule(alert='A', expr='up == 0', summary='{{ $labels.job }')")},
                 "0 dashboards, 1 rule groups",
                 "alerts/a.py:3: group 'g', alert 'A': summary: template does not parse at 1:16: a single '}': close "
                 "the action with '}}' (in '{{ $labels.job }')", id="a broken template"),
    pytest.param({"alerts/a.py": rules("AlertRule(alert='A', expr='up == 0', annotations={'value': "
                                       "'{{ $value | humanise }}'})")},
                 "0 dashboards, 1 rule groups",
                 "alerts/a.py:3: group 'g', alert 'A': annotations.value: template does not parse at 1:13: function "
                 "'humanise' not defined; did you mean 'humanize'?", id="an unknown template function"),
    pytest.param({"alerts/a.py": rules("AlertRule(alert='A', expr='up == 0', labels={'team': '{{ $label.team }}'})")},
                 "0 dashboards, 1 rule groups",
                 "alerts/a.py:3: group 'g', alert 'A': labels.team: template does not parse at 1:4: undefined "
                 "variable '$label'; did you mean '$labels'?", id="an undefined template variable in a label"),
    pytest.param({"slo/a.py": IMPORT + f"slos = [SLO(service='s', name='n', objective=99.9, sli={SLI}, "
                                       "alerting=Alerting(summary='{{ $labels.team }'))]\n"},
                 "0 dashboards",
                 "slo/a.py: slo 's-n': alerting.summary: template does not parse at 1:17", id="a broken SLO template"),
    pytest.param({"dashboards/a.py": dashboard("[TimeSeries(title='x', targets=['up'])]")},
                 "panel 'x': has no query",
                 "dashboards/a.py: dashboard 'D': panel 'x': targets[0]: expected a Target(expr=...), got 'up'",
                 id="a query string where a Target is expected"),
    pytest.param({"dashboards/a.py": dashboard("[TimeSeries(title='x', targets=[Target(expr=5)])]")},
                 "AttributeError: 'int' object has no attribute 'strip'",
                 "dashboards/a.py: dashboard 'D': panel 'x': targets[0].expr: expected a PromQL string, got 5",
                 id="a number as a query"),
    pytest.param({"dashboards/a.py": IMPORT + "dashboard = Dashboard(title='D', uid=5, panels=[])\n"},
                 "TypeError: expected string or bytes-like object",
                 "dashboards/a.py:2: dashboard 'D': uid: expected a string, got 5", id="a number as a uid"),
    pytest.param({"alerts/a.py": IMPORT + "groups = [\n    RuleGroup(name='g', rules=()),\n    'not a group',\n]\n"},
                 "alerts/a.py: groups[1]: expected a RuleGroup",
                 "alerts/a.py:4: groups[1]: expected a RuleGroup, got str", id="a wrong object names its line"),
]


@pytest.mark.parametrize("files, before, after", HINTS)
def test_a_mistake_gets_its_hint(tmp_path, monkeypatch, files, before, after):
    write_tree(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1, result.output
    assert f"error: {after}" in result.stderr
    assert before not in result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert all(len(line) < 400 for line in result.stderr.splitlines())
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize("call", [
    "red_panels('http_requests_total', 'http_request_duration_seconds', 'job=\"api\"', by='route')",
    "[request_rate('http_requests_total', 'job=\"api\"', by='route')]",
    "[latency_quantiles('http_request_duration_seconds', 'job=\"api\"', by='route', quantiles=0.99)]",
    "[ranked_table('Top', Column('rps', 'sum by (route) (rate(x[5m]))'), by='route')]",
])
def test_one_label_name_as_a_string_is_one_label(tmp_path, monkeypatch, call):
    write_tree(tmp_path, {"dashboards/a.py": dashboard(call)})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    text = "".join(p.read_text() for p in (tmp_path / "build/grafana").glob("*.json"))
    assert "r, o, u, t, e" not in text and '"r"' not in text
    assert "by (route)" in text or "by (le, route)" in text or '"route": 0' in text


def test_one_rule_alone_is_a_group_of_one(tmp_path, monkeypatch):
    """Before: 22 problems, pydantic reading the rule's fields as the tuple of rules."""
    write_tree(tmp_path, {"alerts/a.py": IMPORT + "groups = [RuleGroup(name='g', rules=AlertRule(alert='A', "
                                                  "expr='up == 0'))]\n"})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert "1 rule groups, 1 rules" in result.output


def test_a_label_list_of_the_wrong_type_is_refused_clearly(tmp_path, monkeypatch):
    write_tree(tmp_path, {"dashboards/a.py": dashboard("[request_rate('m', 'job=\"a\"', by=3)]")})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert "dashboards/a.py:2: by: expected a label name or a list of label names, e.g. by=[\"service\"] (got 3)" \
        in result.stderr


def test_one_override_or_link_alone_is_one_not_its_keys(tmp_path, monkeypatch):
    call = ("[timeseries('T', 'up', links=data_link('Runbook', 'https://x.example'), "
            "overrides=by_name('up', unit='s'))]")
    write_tree(tmp_path, {"dashboards/a.py": dashboard(call)})
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["build"]).exit_code == 0
    panel = json.loads(next((tmp_path / "build/grafana").glob("*.json")).read_text())["panels"][0]
    assert [link["title"] for link in panel["links"]] == ["Runbook"]
    assert [o["matcher"]["options"] for o in panel["fieldConfig"]["overrides"]] == ["up"]


def test_build_without_definitions_says_where_it_looked_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert (f"error: {tmp_path.as_posix()}: no definitions found: none of dashboards/, alerts/, slo/, alertmanager/ exists here; "
            "run from the project's folder, pass --source, or pass --allow-empty to build nothing") in result.stderr
    assert not (tmp_path / "build").exists()
    (tmp_path / "alerts").mkdir()
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert "error: alerts/: no definitions found: add a module that sets" in result.stderr
    assert not (tmp_path / "build").exists()
    result = CliRunner().invoke(main, ["build", "--allow-empty"])
    assert result.exit_code == 0, result.output
    assert "0 dashboards, 0 rule groups, 0 rules" in result.output


def windows(*args: str):
    return CliRunner().invoke(main, ["slo", "windows", "--objective", "99.9", *args])


def test_slo_windows_refuses_what_the_build_refuses_with_the_same_reasons(tmp_path, monkeypatch):
    result = windows("--period", "1h")
    assert result.exit_code == 2
    reasons = [line.strip() for line in result.output.splitlines() if line.startswith("  windows[")]
    assert reasons and all("the short window must be shorter than the long one" in r for r in reasons)
    write_tree(tmp_path, {"slo/a.py": IMPORT + f"slos = [SLO(service='s', name='n', objective=99.9, period='1h', "
                                               f"sli={SLI})]\n"})
    monkeypatch.chdir(tmp_path)
    built = CliRunner().invoke(main, ["build"])
    assert built.exit_code == 1
    for reason in reasons:
        assert f"slo 's-n': period (1h): {reason}" in built.stderr


def test_slo_windows_checks_the_scrape_interval_and_objective_as_the_build_does():
    slow = windows("--period", "7d", "--scrape-interval", "2m")
    assert slow.exit_code == 2 and "short window 5m is under 4 scrape intervals (8m)" in slow.output
    ratio = CliRunner().invoke(main, ["slo", "windows", "--objective", "0.999"])
    assert ratio.exit_code == 2 and "is a percentage: 0.999 would mean 0.999%" in ratio.output


def test_4w_and_28d_are_one_table_and_durations_are_plain():
    weeks, days = windows("--period", "4w"), windows("--period", "28d")
    assert weeks.exit_code == days.exit_code == 0
    assert weeks.output.splitlines()[1:] == days.output.splitlines()[1:]
    assert "30d1m33s" not in days.output
    last = days.output.splitlines()[-1].split()
    assert last[:3] == ["ticket", "6h", "3d"] and last[-1] == "30d"


PROMTOOL_TEST = """
    rule_files: [alerts-a.rules.yaml]
    tests:
      - interval: 1m
        input_series: [{series: 'up{job="x"}', values: '0x10'}]
        alert_rule_test: [{eval_time: 5m, alertname: A, exp_alerts: [{exp_labels: {job: x}}]}]
    """


@pytest.mark.parametrize("change, message", [
    (("      - interval: 1m\n        input_series", "      - input_series"),
     "tests[0]: interval: is missing: give the step between input_series values, e.g. `interval: 1m`"),
    (("values: '0x10'", "values: 0x10"),
     "tests[0].input_series[0]: values: YAML read these values as the number 16 (unquoted 0x10 is hexadecimal 16): "
     "quote them, e.g. values: '0x10'"),
], ids=["no interval", "values read as a number"])
def test_promtool_test_series_read_otherwise_are_caught_before_running(tmp_path, monkeypatch, change, message):
    write_tree(tmp_path, {"alerts/a.py": rules("AlertRule(alert='A', expr='up == 0', for_='1m')"),
                          "tests/promtool/a_test.yaml": PROMTOOL_TEST.replace(*change)})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 1
    assert f"error: tests/promtool/a_test.yaml: {message}" in result.stderr
    assert "FAIL" not in result.output and "exp:[" not in result.output + result.stderr


def test_the_same_promtool_test_passes_when_written_as_meant(tmp_path, monkeypatch):
    write_tree(tmp_path, {"alerts/a.py": rules("AlertRule(alert='A', expr='up == 0', for_='1m')"),
                          "tests/promtool/a_test.yaml": PROMTOOL_TEST})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 0, result.output + result.stderr


@pytest.mark.parametrize("url, message", [
    ("localhost:3000", "must be http:// or https:// with a host (got 'localhost:3000'): did you mean "
                       "'http://localhost:3000'?"),
    ("http://localhost:99999", "has a port that is not a number from 1 to 65535"),
    ("http://grafana .example", "must not be empty or contain spaces"),
    ("https://admin:s3cret@grafana:abc", "(got 'https://grafana:abc')"),
])
def test_a_malformed_server_url_is_a_usage_error_before_anything_runs(tmp_path, monkeypatch, url, message):
    write_tree(tmp_path, {"dashboards/a.py": "raise RuntimeError('never imported')\n"})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["publish", "grafana"], env={"GRAFANA_URL": url, "GRAFANA_TOKEN": "t"})
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "never imported" not in result.output and "s3cret" not in result.output


def test_the_first_publish_summarises_rules_not_evaluated_yet_by_group():
    pending = [(f"group-{g:02d}", f"rule-{r}") for g in range(12) for r in range(20 + g)]
    line = pending_summary(pending)
    assert "\n" not in line and len(line) < 250
    assert line.startswith(f"not evaluated yet: {len(pending)} rules in 12 group(s), normal right after a reload")
    assert line.endswith("group-11 (31), group-10 (30), group-09 (29), group-08 (28), group-07 (27), "
                         "and 7 more group(s)")
    assert pending_summary([("g", "HighLatency")]) == "not evaluated yet: rule 'HighLatency' of group 'g'"


def test_confirm_reports_pending_rules_by_group_and_rule():
    class Loaded:
        def rule_groups(self):
            return [{"file": "/rules/a.rules.yaml", "name": "g/1", "rules": [
                {"name": "A", "health": "unknown"}, {"name": "B", "health": "ok", "lastEvaluation": "2026-11-30"}]}]

    clock = iter(range(100))
    groups, pending = confirm(Loaded(), {("a.rules.yaml", "g/1"): 2}, 1, lambda: next(clock), lambda s: None)
    assert groups == ["a.rules.yaml: g/1"] and pending == [("g/1", "A")]


SLOTH = """
    version: prometheus/v1
    service: billing
    slos:
      - name: charges
        objective: 99.5
        sli: {events: {error_query: 'sum(rate(c{r="e"}[{{.window}}]))', total_query: 'sum(rate(c[{{.window}}]))'}}
        alerting:
          name: ChargeErrors
          anotations: {summary: charges fail}
          page_alert: {disabel: true}
    """
OPENSLO = """
    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: search, dispalyName: Search}
    spec:
      service: search
      budgetingMetod: Occurrences
      timeWindow: [{duration: 28d, isRolling: true}]
      indicator:
        spec:
          ratioMetric:
            good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(s{c!~"5.."}[{{window}}]))'}}}
            total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(s[{{window}}]))'}}}
      objectives: [{target: 0.995}]
    """


@pytest.mark.parametrize("text, expected", [
    (SLOTH, [("slos[0].alerting.anotations", "unknown key; did you mean 'annotations'? (valid here: name, labels, "
                                              "annotations, page_alert, ticket_alert)"),
             ("slos[0].alerting.page_alert.disabel", "unknown key; did you mean 'disable'?")]),
    (OPENSLO, [("metadata.dispalyName", "unknown key; did you mean 'displayName'?"),
               ("spec.budgetingMetod", "unknown key; did you mean 'budgetingMethod'?")]),
], ids=["Sloth", "OpenSLO"])
def test_unknown_keys_in_slo_specs_are_reported_with_a_suggestion(tmp_path, text, expected):
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(text))
    found = load_spec(path, "slo/spec.yaml")
    got = [(p.field, p.message) for p in found.problems]
    assert len(got) == len(expected)
    for (field, message), (want_field, want_message) in zip(sorted(got), sorted(expected)):
        assert field == want_field and message.startswith(want_message)
