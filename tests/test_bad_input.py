"""Every mistake a user can make in a definition: a clear message naming file, object and field; exit 1; nothing written."""
import json
import re

import pytest
from click.testing import CliRunner

from conftest import write_tree
from mrm_observe.cli import main

RULE = 'from mrm_observe import AlertRule, RecordingRule, RuleGroup\n'
DASH = 'from mrm_observe import Dashboard, Target, TimeSeries\n'


def group(*rules: str) -> str:
    return RULE + f'groups = [RuleGroup(name="g", rules=({", ".join(rules)},))]\n'


CASES = [
    pytest.param({"alerts/a.py": "from mrm_observe import RuleGroup\ngroups = [\n"},
                 ["alerts/a.py:2: syntax error: '[' was never closed"], id="syntax error names file and line"),
    pytest.param({"alerts/a.py": "X = 1\n"},
                 ["alerts/a.py: defines none of `dashboard`, `dashboards`, `groups`, `slos`"],
                 id="module without a definition variable"),
    pytest.param({"alerts/a.py": group('AlertRule(alert="A", expr="sum(rate(x[5m])")')},
                 ["alerts/a.py:2: group 'g', alert 'A': expr: invalid PromQL at 1:16: unclosed left parenthesis"],
                 id="invalid PromQL with promtool's position"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="One", uid="same", panels=[])\n',
                  "dashboards/b.py": DASH + 'dashboard = Dashboard(title="Two", uid="same", panels=[])\n'},
                 ["dashboards/b.py: dashboard 'Two': uid: 'same' is already used by a dashboard in dashboards/a.py"],
                 id="duplicate dashboard uid"),
    pytest.param({"alerts/a.py": group('RecordingRule(record="job:x:sum", expr="sum(x{a=\'1\'})")'),
                  "alerts/b.py": RULE + 'groups = [RuleGroup(name="h", rules=(RecordingRule(record="job:x:sum", '
                                        'expr="sum(\\n  x{a=\'1\'}  # the same\\n)"),))]\n'},
                 ["alerts/b.py:2: group 'h', record 'job:x:sum': expr: same name, labels and expression as a rule in "
                  "alerts/a.py"],
                 id="duplicate rule: name, labels and expression (spacing and comments aside)"),
    pytest.param({"alerts/a.py": RULE + 'groups = [RuleGroup(name="g", query_offset="a minute", labels={"team-a": "x"}, '
                                        'limit=-1, rules=(RecordingRule(record="job:x:sum", expr="sum(x)"),))]\n'},
                 ["alerts/a.py:2: group 'g': query_offset: invalid duration 'a minute'",
                  "alerts/a.py:2: group 'g': labels: 'team-a' is not a valid label name",
                  "alerts/a.py:2: group 'g': limit: must be 0 (no limit) or more (got -1)"],
                 id="group query_offset, labels and limit"),
    pytest.param({"pyproject.toml": '[tool.mrm-observe]\nseverities = "critical"\nrunbook-annotations = ["run-book"]\n',
                  "alerts/a.py": group('AlertRule(alert="A", expr="up == 0")')},
                 ["pyproject.toml: [tool.mrm-observe]: severities: must be a non-empty list of strings",
                  "pyproject.toml: [tool.mrm-observe]: runbook-annotations: must list annotation names"],
                 id="project settings of the wrong shape"),
    pytest.param({"alerts/a.py": group('AlertRule(alert="A", expr="up == 0", for_="5 minutes")')},
                 ["alerts/a.py:2: group 'g', alert 'A': for: invalid duration '5 minutes'"], id="invalid duration"),
    pytest.param({"alerts/a.py": group('AlertRule(alert="A", expr="up == 0", severity="page")')},
                 ["alerts/a.py:2: group 'g', alert 'A': severity: must be one of critical, warning, info (got 'page'): "
                  "add it to `severities` in [tool.mrm-observe] of pyproject.toml, or waive it for this rule"],
                 id="unknown severity"),
    pytest.param({"pyproject.toml": '[tool.mrm-observe]\nseverities = ["page", "ticket"]\n',
                  "alerts/a.py": RULE + 'groups = [RuleGroup(name="g", labels={"severity": "warning"}, rules=('
                                        'AlertRule(alert="A", expr="up == 0"),))]\n'},
                 ["alerts/a.py:2: group 'g', alert 'A': severity: must be one of page, ticket (got 'warning')"],
                 id="a severity from the group's labels, outside the project's own severities"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="D", panels=[TimeSeries(title="Empty")])\n'},
                 ["dashboards/a.py: dashboard 'D': panel 'Empty': has no query: give it targets=[Target(expr=...)]"],
                 id="panel without a query"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title=" ", panels=[])\n'},
                 ["dashboards/a.py: dashboard ' ': title: must not be blank"], id="blank dashboard title"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="D", uid="has space", panels=[])\n'},
                 ["dashboards/a.py: dashboard 'D': uid: must be 1-40 characters of A-Z a-z 0-9 _ -"],
                 id="uid Grafana would reject"),
    pytest.param({"alerts/a.py": RULE + 'groups = ["not a group"]\n'},
                 ["alerts/a.py:2: groups[0]: expected a RuleGroup, got str"], id="wrong object in groups"),
    pytest.param({"alerts/a.py": RULE + 'groups = [RuleGroup(name="g", rules=(AlertRule(alert="A", expr="up", labels=[1]),))]\n'},
                 ["alerts/a.py:2: AlertRule: labels: Input should be a valid dictionary"], id="wrong field type"),
    pytest.param({"alerts/a.py": group('AlertRule(alert="A", expr="up == 0", waive={"for": ""})')},
                 ["alerts/a.py:2: group 'g', alert 'A': waive: waiving 'for' needs a reason"], id="waiver without reason"),
    pytest.param({"alerts/a.py": group('RecordingRule(record="bad-name", expr="up")')},
                 ["alerts/a.py:2: group 'g', record 'bad-name': record: must be a metric name"], id="invalid record name"),
]

RETURNS = "but a rule must return an instant vector or a scalar (Prometheus fails it at every evaluation)"
REFRESH_FORMS = "use a whole number and one unit of ms, s, m or h (e.g. 30s, 1m, 24h), 'auto', or '' for no auto-refresh"
LATER = [
    pytest.param({"alerts/a.py": group('AlertRule(alert="A", expr="up{job=\'api\'}[5m]")')},
                 [f"alerts/a.py:2: group 'g', alert 'A': expr: returns a range vector, {RETURNS}: apply a function to "
                  "the range, e.g. rate(...) or max_over_time(...)"],
                 id="an alert expression that returns a range vector"),
    pytest.param({"alerts/a.py": group('RecordingRule(record="job:x:max", expr="max_over_time(up[1h])[1h:5m]")')},
                 [f"alerts/a.py:2: group 'g', record 'job:x:max': expr: returns a range vector, {RETURNS}"],
                 id="a recording rule that returns a subquery's range vector"),
    pytest.param({"alerts/a.py": group('AlertRule(alert="A", expr="(\\"down\\")")')},
                 [f"alerts/a.py:2: group 'g', alert 'A': expr: returns a string, {RETURNS}"],
                 id="an alert expression that returns a string"),
    pytest.param({"alerts/a.py": group('RecordingRule(record="job:up:x", expr=\'label_replace(up, "team-name", "$1", '
                                       '"job", "(.*)")\')')},
                 ["alerts/a.py:2: group 'g', record 'job:up:x': expr: label_replace() target label 'team-name' is not "
                  "a valid label name ([a-zA-Z_][a-zA-Z0-9_]*): Prometheus fails the query when it runs"],
                 id="a label_replace whose target label is not a label name"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="D", panels=[TimeSeries(title="P", targets=['
                                            'Target(expr=\'label_join(up, "", ",", "job")\')])])\n'},
                 ["dashboards/a.py: dashboard 'D': panel 'P': label_join() target label '' is not a valid label name "
                  "([a-zA-Z_][a-zA-Z0-9_]*): Prometheus fails the query when it runs in 'label_join(up, \"\", \",\", "
                  "\"job\")'"],
                 id="a panel query whose label_join writes an empty label name"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="T" * 6000, panels=[])\n'},
                 [f"dashboards/a.py: dashboard {'T' * 60!r}... (6000 characters): title: is 6000 bytes long: Grafana "
                  "refuses titles over 5000 bytes (UTF-8); shorten it"],
                 id="a 6000-character dashboard title"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="\\u00e9" * 2501, panels=[])\n'},
                 [f"dashboards/a.py: dashboard {'é' * 60!r}... (2501 characters): title: is 5002 bytes long: "
                  "Grafana refuses titles over 5000 bytes (UTF-8); shorten it"],
                 id="a title of 2501 two-byte characters is over Grafana's 5000 bytes"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="D", refresh="1s", panels=[])\n'},
                 ["dashboards/a.py: dashboard 'D': refresh: '1s' is below Grafana's minimum refresh interval "
                  "(min_refresh_interval, 5s by default), which Grafana refuses or replaces: use 5s or more, or '' for "
                  "no auto-refresh"],
                 id="a refresh below Grafana's minimum"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="D", refresh="1d", panels=[])\n'},
                 [f"dashboards/a.py: dashboard 'D': refresh: '1d' is not an interval every Grafana accepts: {REFRESH_FORMS}"],
                 id="a refresh in days, which Grafana 12's API cannot parse"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="D", refresh="every minute", panels=[])\n'},
                 [f"dashboards/a.py: dashboard 'D': refresh: 'every minute' is not an interval every Grafana accepts: "
                  f"{REFRESH_FORMS}"],
                 id="a refresh that is not an interval"),
    pytest.param({"slo/a.py": 'from mrm_observe import SLO, LatencySLI\nslos = [SLO(service="api", name="latency", '
                              'objective=99, sli=LatencySLI(histogram="h", threshold=float("inf")))]\n'},
                 ["slo/a.py: slo 'api-latency': sli.threshold: +Inf (le=\"+Inf\") is the bucket every request falls "
                  "in, so no request could ever be too slow: give a finite bucket bound in seconds, e.g. 0.5"],
                 id="a latency threshold of inf"),
]
CASES += LATER


@pytest.mark.parametrize("files, messages", CASES)
def test_bad_definition_is_reported_with_file_object_and_field(tmp_path, monkeypatch, files, messages):
    write_tree(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1, result.output
    for message in messages:
        assert f"error: {message}" in result.stderr
    assert "nothing was written" in result.stderr
    assert not (tmp_path / "build").exists()


def test_all_problems_are_reported_together(tmp_path, monkeypatch):
    write_tree(tmp_path, {"alerts/a.py": group(
        'AlertRule(alert="A", expr="up == 0", for_="soon")',
        'AlertRule(alert="B", expr="up == 0", severity="urgent")',
        'RecordingRule(record="x:y:z", expr="rate(x)")',
    )})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert [e.split(": ")[2] for e in errors] == ["group 'g', alert 'A'", "group 'g', alert 'B'", "group 'g', record 'x:y:z'"]
    assert "3 problem(s)" in result.stderr


def test_a_module_that_raises_is_reported_with_its_line(tmp_path, monkeypatch):
    write_tree(tmp_path, {"alerts/a.py": "x = 1\nraise RuntimeError('boom')\n"})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert "error: alerts/a.py:2: RuntimeError: boom" in result.stderr


def test_missing_source_folder_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", "--source", "nowhere"])
    assert result.exit_code == 1
    assert "error: nowhere: source folder does not exist" in result.stderr


@pytest.mark.parametrize("body, code", [
    ("import sys\nsys.exit(0)\n", "0"),
    ("import sys\nsys.exit()\n", "None"),
    ("import argparse\nargparse.ArgumentParser(prog='x').parse_args(['--help'])\n", "0"),
    ("raise SystemExit(3)\n", "3"),
], ids=["sys.exit(0)", "sys.exit()", "argparse --help", "SystemExit(3)"])
@pytest.mark.parametrize("command", [["build"], ["check"], ["test"], ["lint"],
                                     ["publish", "grafana", "--grafana-url", "http://127.0.0.1:9"]],
                         ids=" ".join)
def test_a_module_that_exits_at_import_is_an_error_not_a_silent_success(tmp_path, monkeypatch, body, code, command):
    write_tree(tmp_path, {"alerts/a.py": body})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRAFANA_TOKEN", "glsa_test")
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1, result.output
    assert re.search(rf"error: alerts/a.py:\d+: called sys.exit\({re.escape(code)}\) while being imported",
                     result.stderr), result.stderr


@pytest.mark.parametrize("content, message", [
    (("version: prometheus/v1\nservice: s\nlabels: &a [x, x, x, x, x, x, x, x, x, x]\n"
      + "".join(f"l{i}: &{'b' * i}a [{', '.join(['*' + 'b' * (i - 1) + 'a'] * 10)}]\n" for i in range(1, 8))).encode(),
     "expands to more than 1000000 values through aliases"),
    ("version: prometheus/v1\nservice: caf\xe9\n".encode("latin-1"), "is not UTF-8 text"),
], ids=["billion laughs in a Sloth spec", "a Latin-1 Sloth spec"])
def test_a_hostile_or_mis_encoded_slo_spec_is_an_error_naming_the_file(tmp_path, monkeypatch, content, message):
    (tmp_path / "slo").mkdir()
    (tmp_path / "slo" / "spec.yml").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert f"error: slo/spec.yml: {message}" in result.stderr


def test_a_definition_modules_print_output_goes_to_stderr_never_into_the_json_document(tmp_path, monkeypatch):
    write_tree(tmp_path, {"alerts/a.py": RULE + 'print("debug: loading alerts")\ngroups = []\n'})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["publish", "grafana", "--grafana-url", "http://127.0.0.1:9", "--retries", "0",
                                       "--json"], env={"GRAFANA_TOKEN": "glsa_test"})
    assert result.exit_code == 3
    assert json.loads(result.stdout)["error"]
    assert "debug: loading alerts" in result.stderr


ACCEPTED = [
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="T" * 5000, refresh="5s", panels=[])\n'},
                 id="a 5000-byte title and a 5s refresh are Grafana's limits, not past them"),
    pytest.param({"dashboards/a.py": DASH + 'dashboards = [Dashboard(title=f"D{i}", refresh=r, panels=[]) for i, r in '
                                            'enumerate([None, "", "auto", "5000ms", "30s", "1m", "24h"])]\n'},
                 id="no refresh, auto refresh and ms s m h intervals are accepted"),
    pytest.param({"alerts/a.py": group('RecordingRule(record="job:time:s", expr="time()")',
                                       'RecordingRule(record="job:one:v", expr="vector(1)")',
                                       'RecordingRule(record="job:up:x", expr=\'label_replace(up, "__name__", "x", '
                                       '"", "")\')')},
                 id="rules returning a scalar or an instant vector, and a label_replace onto __name__"),
    pytest.param({"dashboards/a.py": DASH + 'dashboard = Dashboard(title="D", panels=[TimeSeries(title="P", targets=['
                                            'Target(expr="sum(rate(http_requests_total[$__rate_interval])) by ($grp)")'
                                            '])])\n'},
                 id="a Grafana query with a dashboard variable in by()"),
    pytest.param({"alerts/a.py": group(*(f'RecordingRule(record="code:http_requests:rate5m", expr=\'sum(rate('
                                         f'http_requests_total{{code=~"{c}.."}}[5m]))\')' for c in "2345"))},
                 id="recording rules of one name that differ by selector (one per HTTP code class)"),
    pytest.param({"alerts/a.py": group('AlertRule(alert="Watchdog", expr="vector(1)", severity="none", '
                                       'waive={"severity": "routed to the dead man\'s switch, never paged"})')},
                 id="a severity outside the vocabulary, waived for one rule"),
    pytest.param({"pyproject.toml": '[tool.mrm-observe]\nseverities = ["critical", "warning", "info", "none"]\n',
                  "alerts/a.py": group('AlertRule(alert="Watchdog", expr="vector(1)", severity="none")')},
                 id="a severity the project adds to its vocabulary"),
    pytest.param({"alerts/a.py": group('AlertRule(alert="A", expr="up == 0", labels={"code": 500, "paging": True}, '
                                       'annotations={"ratio": 0.5})')},
                 id="label and annotation values that are numbers or booleans, as YAML gives them"),
]


@pytest.mark.parametrize("files", ACCEPTED)
def test_valid_input_at_the_edge_of_a_check_builds(tmp_path, monkeypatch, files):
    write_tree(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 0, result.stderr


DOCUMENTED = {  # the broken files behind the example messages of docs/definitions.md ("Bad input")
    "alerts/api.py": RULE + 'groups = [RuleGroup(name="api", rules=(\n'
                            '    AlertRule(alert="ApiHighLatency", expr="sum(rate(x[5m])"),\n'
                            '    AlertRule(alert="ApiDown", expr="up == 0", severity="page"),\n))]\n',
    "dashboards/app.py": DASH + 'dashboard = Dashboard(title="App", panels=[TimeSeries(title="Errors")])\n',
    "dashboards/a.py": DASH + 'dashboard = Dashboard(title="One", uid="same", panels=[])\n',
    "dashboards/b.py": DASH + 'dashboard = Dashboard(title="Two", uid="same", panels=[])\n',
}


def test_the_messages_docs_definitions_md_shows_are_what_build_prints(tmp_path, monkeypatch):
    import doc_examples
    (example,) = [e for e in doc_examples.examples("docs/definitions.md")
                  if e.kind == "run by" and e.arg == "tests/test_bad_input.py"]
    monkeypatch.chdir(write_tree(tmp_path, DOCUMENTED))
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    printed = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert printed == example.body.splitlines()
    assert f"{len(printed)} problem(s); nothing was written" in result.stderr


def test_problems_are_shown_by_file_then_by_line_as_a_number():
    from mrm_observe.errors import DefinitionError, Problem
    found = DefinitionError([Problem("alerts/b.py:2", "group 'g'", "name", "x"),
                             Problem("alerts/a.py:10", "group 'g', alert 'B'", "expr", "x"),
                             Problem("alerts/a.py", "", "", "defines none of ..."),
                             Problem("alerts/a.py:9", "group 'g', alert 'A'", "expr", "x")]).problems
    assert [p.file for p in found] == ["alerts/a.py", "alerts/a.py:9", "alerts/a.py:10", "alerts/b.py:2"]


def test_a_rule_problem_names_the_rule_s_own_line(tmp_path, monkeypatch):
    rules = "".join(f'    RecordingRule(record="job:x{n}:sum", expr="sum(x)"),\n' for n in range(9))
    monkeypatch.chdir(write_tree(tmp_path, {"alerts/a.py": RULE + 'groups = [RuleGroup(\n    name="g", rules=(\n'
                                            + rules + '    RecordingRule(record="bad-name", expr="up"),\n'
                                            '    AlertRule(alert="A", expr="up ==", severity="page"),\n))]\n'}))
    result = CliRunner().invoke(main, ["build"])
    assert [line.split(": group")[0] for line in result.stderr.splitlines() if line.startswith("error: ")] == [
        "error: alerts/a.py:13", "error: alerts/a.py:14", "error: alerts/a.py:14"]
