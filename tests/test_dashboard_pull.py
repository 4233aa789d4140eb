"""Dashboards pulled from Grafana (the stand-in) through the publishing client, by uid, folder or all."""
from __future__ import annotations

import json

import pytest
from standin import GrafanaStandin

from conftest import FIXTURES
from mrm_observe.dashboard_pull import import_pulled, pull_dashboards
from mrm_observe.errors import DefinitionError
from mrm_observe.grafana_api import Auth, GrafanaClient, GrafanaSettings, RetryPolicy

TOKEN = "glsa_standin_admin"
CEPH = FIXTURES / "ceph" / "dashboards"


@pytest.fixture
def grafana():
    with GrafanaStandin() as server:
        client = _client(server.url)
        client.create_folder("Ceph", "ceph-folder")
        client.create_folder("Other", "other-folder")
        for name, folder in (("osds-overview.json", "ceph-folder"), ("pool-overview.json", "ceph-folder"),
                             ("rbd-overview.json", "other-folder"), ("cephfs-overview.json", "")):
            client.save_dashboard(json.loads((CEPH / name).read_text()), folder)
        yield server


def _client(url: str) -> GrafanaClient:
    return GrafanaClient(GrafanaSettings(url, Auth(token=TOKEN), retry=RetryPolicy(2, 0.01)))


def test_by_uid_in_the_order_given(grafana):
    pulled = pull_dashboards(_client(grafana.url), uids=["41FrpeUiz", "lo02I1Aiz"])
    assert [uid for uid, _ in pulled] == ["41FrpeUiz", "lo02I1Aiz"]
    assert pulled[1][1]["dashboard"]["title"] == "OSD Overview"
    assert pulled[1][1]["meta"]["folderTitle"] == "Ceph"


def test_by_folder_and_all(grafana):
    client = _client(grafana.url)
    assert [a["dashboard"]["title"] for _, a in pull_dashboards(client, folder="Ceph")] == [
        "Ceph Pools Overview", "OSD Overview"]
    assert len(pull_dashboards(client, everything=True)) == 4


def test_missing_uids_and_folders_are_named(grafana):
    client = _client(grafana.url)
    with pytest.raises(DefinitionError) as caught:
        pull_dashboards(client, uids=["nope", "lo02I1Aiz", "gone"])
    assert [(p.obj, p.message) for p in caught.value.problems] == [
        ("dashboard uid 'gone'", "Grafana has no dashboard with this uid"),
        ("dashboard uid 'nope'", "Grafana has no dashboard with this uid")]
    with pytest.raises(DefinitionError, match="no folder of this title .it has 'Ceph', 'Other'"):
        pull_dashboards(client, folder="Missing")
    with pytest.raises(ValueError):
        pull_dashboards(client, uids=["a"], everything=True)


def test_pulled_dashboards_become_modules_in_their_folders(grafana):
    grafana.clear_log()
    modules = import_pulled(_client(grafana.url), everything=True)
    by_name = {m.name: m for m in modules}
    assert set(by_name) == {"ceph_pools_overview", "osd_overview", "rbd_overview", "mds_performance"}
    assert 'folder = "Ceph"' in by_name["osd_overview"].source
    assert 'folder = "Other"' in by_name["rbd_overview"].source
    assert "folder = " not in by_name["mds_performance"].source  # Grafana's root folder
    assert 'uid="lo02I1Aiz"' in by_name["osd_overview"].source
    assert (grafana.counts()["total"], grafana.counts()["writes"]) == (5, 0)  # one search, four reads


def run(args, env=None, cwd=None):
    from click.testing import CliRunner

    from mrm_observe.cli import main
    environment = {"GRAFANA_TOKEN": TOKEN, "GRAFANA_URL": None, "GRAFANA_USER": None, "CI": "1"} | (env or {})
    return CliRunner().invoke(main, ["import", *args], env=environment)


def test_the_import_command_reads_one_dashboard_to_stdout(grafana):
    result = run(["--grafana-url", grafana.url, "--uid", "lo02I1Aiz"])
    assert result.exit_code == 0, result.output
    assert 'uid="lo02I1Aiz"' in result.stdout and 'folder = "Ceph"' in result.stdout
    assert "note: " in result.stderr and "imported 1 module(s) (1 dashboards)" in result.stderr


def test_the_import_command_writes_a_folders_dashboards_into_a_project(grafana, tmp_path):
    result = run(["--folder", "Ceph", "--into", str(tmp_path)], env={"GRAFANA_URL": grafana.url})
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "dashboards").iterdir()) == ["ceph_pools_overview.py",
                                                                          "osd_overview.py"]
    again = run(["--folder", "Ceph", "--into", str(tmp_path)], env={"GRAFANA_URL": grafana.url})
    assert again.exit_code == 1 and "exists already" in again.stderr


@pytest.mark.parametrize("args, message", [
    (["--uid", "a", "--all"], "choose dashboards one way"),
    (["--folder", "Ceph", "--all"], "choose dashboards one way"),
    (["x.json", "--uid", "a"], "not both"),
    ([], "give the files to import"),
])
def test_the_import_command_refuses_ambiguous_choices(grafana, tmp_path, args, message):
    (tmp_path / "x.json").write_text("{}")
    result = run([a if a != "x.json" else str(tmp_path / a) for a in args], env={"GRAFANA_URL": grafana.url})
    assert result.exit_code == 2 and message in result.output


def test_the_import_command_needs_a_url_and_credentials(grafana):
    assert "no Grafana URL" in run(["--all"]).output
    no_token = run(["--all"], env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": None})
    assert no_token.exit_code == 2 and "no Grafana credentials" in no_token.output


def test_the_import_command_names_what_grafana_lacks_and_a_grafana_it_cannot_reach(grafana):
    missing = run(["--uid", "nope"], env={"GRAFANA_URL": grafana.url})
    assert missing.exit_code == 1 and "dashboard uid 'nope': Grafana has no dashboard with this uid" in missing.stderr
    from prometheus_server import free_port
    down = run(["--all", "--retries", "0"], env={"GRAFANA_URL": f"http://127.0.0.1:{free_port()}"})
    assert down.exit_code == 3, down.output
