"""Rule files and PrometheusRule manifests imported as Python: readable golden modules, and a round trip on real
corpora (Debian's Ceph alerts, kube-prometheus): import, build, `check`, and the built rule file equals the original."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, GOLDEN, assert_golden
from mrm_observe import yaml_input
from mrm_observe.cli import main
from mrm_observe.conventions import rule_file_name
from mrm_observe.import_rules import module_name

CEPH = FIXTURES / "ceph" / "alerts" / "ceph_default_alerts.yml"
KUBE = sorted((FIXTURES / "kube-prometheus" / "rules").glob("*.yaml"))
TEAM = FIXTURES / "import" / "team_rules.yml"
MANIFESTS = FIXTURES / "import" / "team-rules-manifest.yaml"
CARRIED = {"name", "interval", "query_offset", "limit", "labels", "rules"}


def cli(project: Path, *args: str):
    """The CLI run in `project` (the current directory for the call)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        return CliRunner().invoke(main, list(args))


def original_groups(path: Path) -> list[dict]:
    """The groups of a rule file or of every PrometheusRule in a file, as Prometheus reads them (as written), less
    the group fields mrm-observe does not carry (the import notes each)."""
    groups = []
    for document in yaml_input.load_all(path, as_written=True):
        listed = document["groups"] if "groups" in document else document["spec"]["groups"]
        groups += [{key: value for key, value in group.items() if key in CARRIED} for group in listed]
    return groups


def built_groups(project: Path, original: Path) -> list[dict]:
    built = project / "build" / "prometheus" / rule_file_name(f"alerts/{module_name(original.name)}.py")
    return yaml_input.load_all(built, as_written=True)[0]["groups"]


@pytest.mark.parametrize("corpus", [pytest.param([CEPH], id="Debian's Ceph alerts"),
                                    pytest.param(KUBE, id="kube-prometheus PrometheusRule manifests"),
                                    pytest.param([TEAM, MANIFESTS], id="a team's rule file and two manifests")])
def test_a_corpus_imports_builds_passes_check_and_round_trips(tmp_path, corpus):
    result = cli(tmp_path, "import", *map(str, corpus), "--into", ".")
    assert result.exit_code == 0, result.output
    checked = cli(tmp_path, "check")
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert "lint: 0 finding(s)" in checked.output
    for original in corpus:
        want, got = original_groups(original), built_groups(tmp_path, original)
        assert [g["name"] for g in got] == [g["name"] for g in want]
        for want_group, got_group in zip(want, got):
            assert got_group == want_group, want_group["name"]


def test_all_58_ceph_alerts_come_back_with_their_expressions_character_for_character(tmp_path):
    assert cli(tmp_path, "import", str(CEPH), "--into", ".").exit_code == 0
    assert cli(tmp_path, "build").exit_code == 0
    want = [rule for group in original_groups(CEPH) for rule in group["rules"]]
    got = [rule for group in built_groups(tmp_path, CEPH) for rule in group["rules"]]
    assert len(got) == len(want) == 58
    multi_line = [(w["expr"], g["expr"]) for w, g in zip(want, got) if "\n" in w["expr"]]
    assert multi_line and all(w == g for w, g in multi_line)
    assert [(g["alert"], g.get("for"), g["labels"], g["annotations"]) for g in got] == \
        [(w["alert"], w.get("for"), w["labels"], w["annotations"]) for w in want]


def test_comments_and_line_breaks_inside_expressions_survive(tmp_path):
    (control,) = [p for p in KUBE if p.name.startswith("kubernetesControlPlane")]
    assert cli(tmp_path, "import", str(control), "--into", ".").exit_code == 0
    assert cli(tmp_path, "build").exit_code == 0
    commented = [r["expr"] for g in built_groups(tmp_path, control) for r in g["rules"] if "# too slow" in r["expr"]]
    originals = [r["expr"] for g in original_groups(control) for r in g["rules"] if "# too slow" in r["expr"]]
    assert len(commented) == len(originals) > 0 and commented == originals
    same_name = [r for g in built_groups(tmp_path, control) for r in g["rules"]
                 if r.get("record") == "code_verb:apiserver_request_total:increase1h"]
    assert [r["expr"].count('code=~"') for r in same_name] == [1, 1, 1, 1]  # one per HTTP code class, all kept


@pytest.mark.parametrize("source", [TEAM, MANIFESTS], ids=lambda p: p.name)
def test_the_module_is_readable_python_and_the_same_every_time(tmp_path, source):
    first = cli(tmp_path, "import", str(source))
    assert first.exit_code == 0, first.output
    assert cli(tmp_path, "import", str(source)).stdout == first.stdout
    assert_golden(first.stdout.encode(), GOLDEN / "import" / f"{module_name(source.name)}.py")
    assert max(len(line) for line in first.stdout.splitlines()) <= 120
    compile(first.stdout, source.name, "exec")


def test_what_cannot_be_carried_is_noted_and_commented_at_its_place(tmp_path):
    result = cli(tmp_path, "import", str(TEAM), str(MANIFESTS), "--into", ".")
    assert ("note: team_rules.yml: group 'api': partial_response_strategy: 'warn' is not carried (mrm-observe rule "
            "groups have no such field)") in result.stderr
    assert ("note: team-rules-manifest.yaml: PrometheusRule 'queues': its metadata (labels, name 'queues', namespace "
            "'monitoring') is not carried") in result.stderr
    module = (tmp_path / "alerts" / "team_rules.py").read_text()
    assert module.index("# partial_response_strategy: 'warn' is not carried") < module.index('name="api"')
    assert "imported 2 module(s) (2 alerts), 0 promtool test file(s), 7 note(s)" in result.output


def test_yaml_numbers_and_booleans_stay_the_text_prometheus_reads(tmp_path):
    assert cli(tmp_path, "import", str(TEAM), "--into", ".").exit_code == 0
    module = (tmp_path / "alerts" / "team_rules.py").read_text()
    assert 'labels={"paging": "yes", "code": "500"}' in module and 'labels={"quantile": "0.99"}' in module


def test_a_severity_outside_the_projects_is_waived_on_import_unless_the_project_has_it(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.mrm-observe]\nseverities = ["critical", "warning", "info", '
                                             '"none", "page"]\n')
    assert cli(tmp_path, "import", str(TEAM), "--into", ".").exit_code == 0
    assert '"severity": AS_IMPORTED' not in (tmp_path / "alerts" / "team_rules.py").read_text()


BAD = [
    ("groups:\n- name: g\n  rules:\n  - record: a:b:c\n    alert: A\n    expr: up\n",
     "r.yml: group 'g', rules[0]: needs exactly one of record and alert"),
    ("groups:\n- name: g\n  rules:\n  - record: a:b:c\n    expr: up\n    for: 5m\n",
     "r.yml: group 'g', record 'a:b:c': for: is not allowed in a recording rule (Prometheus refuses it)"),
    ("groups:\n- name: g\n  rules:\n  - alert: A\n", "r.yml: group 'g', alert 'A': expr: is required"),
    ("groups:\n- name: g\n  limit: ten\n  rules:\n  - alert: A\n    expr: up\n",
     "r.yml: group 'g': limit: must be a whole number (got 'ten')"),
    ("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    expr: down\n", "r.yml: is not valid YAML: key "
     "'expr' is given twice"),
    ("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: {team: {name: a}}\n",
     "r.yml: group 'g', alert 'A': labels: must be a mapping of names to text"),
    ("groups:\n- rules: []\n", "r.yml: groups[0]: name: is required"),
    ("groups:\n- name: g\n  interval: [1m]\n  rules:\n  - alert: A\n    expr: up\n    for: {m: 5}\n",
     "r.yml: group 'g', alert 'A': for: must be text"),
    ("groups: []\n", "r.yml: groups: holds no rule group"),
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
     "r.yml: cannot tell what it holds: expected a Sloth prometheus/v1 SLO spec, an OpenSLO document, a Prometheus "
     "rule file, a PrometheusRule manifest, a Grafana dashboard JSON or a ConfigMap holding Grafana dashboards"),
]


@pytest.mark.parametrize("text, message", BAD, ids=["record and alert", "for on a recording rule", "no expr",
                                                    "limit not a number", "a key twice", "a nested label value",
                                                    "a group without a name", "for given as a mapping", "no group",
                                                    "an unknown kind"])
def test_input_prometheus_would_refuse_is_an_error_naming_file_object_and_field(tmp_path, text, message):
    (tmp_path / "r.yml").write_text(text)
    result = cli(tmp_path, "import", "r.yml", "--into", ".")
    assert result.exit_code == 1
    assert f"error: {message}" in result.stderr
    assert "nothing was written" in result.stderr and not (tmp_path / "alerts").exists()


def test_a_rule_file_dropped_into_alerts_is_told_apart_from_an_slo_spec(tmp_path):
    (tmp_path / "alerts").mkdir()
    shutil.copy(CEPH, tmp_path / "alerts")
    result = cli(tmp_path, "build")
    assert result.exit_code == 1
    assert ("error: alerts/ceph_default_alerts.yml: document 1: is a Prometheus rule file, not an SLO spec: turn it "
            "into a Python module with `mrm-observe import FILE --into .` and remove the file from here") in result.stderr
    assert "unsupported spec version" not in result.stderr
