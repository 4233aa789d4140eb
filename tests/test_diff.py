"""`mrm-observe diff`: what publishing would change in Grafana (the stand-in) and in a rules folder, written nowhere."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import write_tree
from standin import GrafanaStandin
from test_publish import ADMIN, APPS, INFRA, publish, ui_edit, uid_of
from test_publish_rules import ALPHA, BETA, NO_ENV, publish_rules

from mrm_observe.cli import main


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = write_tree(tmp_path / "project", {"dashboards/apps.py": APPS, "dashboards/infra.py": INFRA,
                                             "alerts/alpha.py": ALPHA, "alerts/beta.py": BETA})
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def grafana():
    with GrafanaStandin(tokens={ADMIN: "Admin"}, users={("alice", "alice-password-never-leak"): "Editor"}) as server:
        yield server


@pytest.fixture
def rules_dir(tmp_path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "someone-else.rules.yaml").write_text("groups: []\n")
    return folder


def diff(*args: str) -> Result:
    return CliRunner().invoke(main, ["diff", *args], env={**NO_ENV, "GRAFANA_URL": None, "GRAFANA_TOKEN": ADMIN,
                                                          "CI": "1"})


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_diff_against_grafana_names_each_change_and_writes_nothing(grafana, project):
    assert publish(grafana).exit_code == 0
    checkout, search, nodes = (uid_of(project, t) for t in ("Checkout", "Search", "Nodes"))
    ui_edit(grafana, checkout)
    apps = project / "dashboards" / "apps.py"
    edit(apps, ', board("Search", "search")', ', board("Payments", "payments")')
    edit(project / "dashboards" / "infra.py", 'timeseries("CPU"', 'timeseries("CPU busy"')
    build_before = tree(project / "build")
    grafana.clear_log()

    result = diff("--grafana-url", grafana.url, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    by_title = {d["title"]: d for d in document["grafana"]["dashboards"]}
    assert {t: (d["change"], d["edited"]) for t, d in by_title.items()} == {
        "Checkout": ("changed", True), "Nodes": ("changed", False), "Payments": ("created", False),
        "Search": ("orphaned", False)}
    assert by_title["Nodes"]["changes"] == ["panels[0].title"]
    assert by_title["Checkout"]["changes"] == ["panels[0].title"]
    assert by_title["Search"]["uid"] == search and by_title["Nodes"]["uid"] == nodes
    assert document["grafana"]["summary"] == {"created": 1, "changed": 2, "unchanged": 0, "orphaned": 1, "failed": 0}
    assert document["changes"] is True and document["rules"] is None
    assert grafana.counts()["writes"] == 0 and {m for m, _, _ in grafana.log} == {"GET"}
    assert tree(project / "build") == build_before  # not even the build folder
    assert not (project / "backups").exists()

    text = diff("--grafana-url", grafana.url)
    assert f"  orphaned  {search}  Apps/Search" in text.output
    assert f"  changed   {checkout}  Platform/Apps/Checkout  (edited in Grafana: publish refuses it without --force)" \
        in text.output
    assert "            fields: panels[0].title" in text.output
    assert "  1 created, 2 changed, 0 unchanged, 1 orphaned, 0 failed" in text.output


def test_diff_of_a_published_project_is_empty_and_exit_code_says_so(grafana, project, rules_dir):
    assert publish(grafana).exit_code == 0
    assert publish_rules(rules_dir, None).exit_code == 0
    same = diff("--grafana-url", grafana.url, "--rules-dir", str(rules_dir), "--exit-code")
    assert same.exit_code == 0, same.output
    assert "0 created, 0 changed, 3 unchanged, 0 orphaned, 0 failed" in same.output
    assert "0 added, 0 changed, 2 unchanged, 0 removed" in same.output
    edit(project / "dashboards" / "infra.py", 'timeseries("CPU"', 'timeseries("CPU busy"')
    assert diff("--grafana-url", grafana.url, "--exit-code").exit_code == 5


def test_diff_against_a_rules_folder_shows_added_changed_and_removed_files(project, rules_dir):
    assert publish_rules(rules_dir, None).exit_code == 0
    before = tree(rules_dir)
    (project / "alerts" / "beta.py").unlink()
    edit(project / "alerts" / "alpha.py", 'count by (job) (up)', 'count by (job, instance) (up)')
    write_tree(project, {"alerts/gamma.py": ALPHA.replace('name="alpha"', 'name="gamma"').replace("job:up:", "gamma:up:")})

    result = diff("--rules-dir", str(rules_dir), "--json")
    assert result.exit_code == 0, result.output
    rules = json.loads(result.stdout)["rules"]
    assert (rules["added"], rules["removed"], rules["unchanged"]) == (
        ["alerts-gamma.rules.yaml"], ["alerts-beta.rules.yaml"], [])
    [changed] = rules["changed"]
    assert changed["file"] == "alerts-alpha.rules.yaml"
    assert [line for line in changed["diff"].splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        "-    expr: count by (job) (up)", "+    expr: count by (job, instance) (up)"]
    assert tree(rules_dir) == before  # someone-else.rules.yaml, and nothing written

    text = diff("--rules-dir", str(rules_dir)).output
    assert "  added     alerts-gamma.rules.yaml\n  removed   alerts-beta.rules.yaml\n" in text
    assert "    +    expr: count by (job, instance) (up)" in text
    assert "1 added, 1 changed, 0 unchanged, 1 removed" in text


def test_diff_refuses_a_rules_file_that_is_not_ours_as_publish_would(project, rules_dir):
    (rules_dir / "alerts-alpha.rules.yaml").write_text("groups: []\n")
    result = diff("--rules-dir", str(rules_dir))
    assert result.exit_code == 4 and "not generated by mrm-observe" in result.stderr


def test_diff_needs_something_to_compare_with(project):
    result = diff()
    assert result.exit_code == 2 and "pass --grafana-url" in result.stderr


def test_diff_stops_on_invalid_definitions_before_any_request(grafana, project):
    edit(project / "alerts" / "beta.py", 'severity="warning"', 'severity="bad"')
    result = diff("--grafana-url", grafana.url)
    assert result.exit_code == 1 and grafana.counts()["total"] == 0
