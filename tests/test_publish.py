"""`mrm-observe publish grafana` end to end through the CLI against the Grafana stand-in."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from conftest import write_tree
from standin import Faults, GrafanaStandin

from mrm_observe.cli import main
from mrm_observe.conventions import folder_uid
from mrm_observe.publish import MARKER, normalise
from prometheus_server import free_port

ADMIN = "glsa_ADMIN_token_that_must_never_leak_31337"
VIEWER = "glsa_VIEWER_token_that_must_never_leak_4242"
WRONG = "glsa_WRONG_token_that_must_never_leak_1111"
UI_USER = ("alice", "alice-password-never-leak")

APPS = """
from mrm_observe import Dashboard, timeseries

folder = ["Platform", "Apps"]

def board(title, service):
    return Dashboard(title=title, panels=[
        timeseries("Requests", f'sum(rate(http_requests_total{{service="{service}"}}[5m]))'),
        timeseries("Errors", f'sum(rate(http_requests_total{{service="{service}", code=~"5.."}}[5m]))'),
    ])

dashboards = [board("Checkout", "checkout"), board("Search", "search")]
"""
INFRA = """
from mrm_observe import Dashboard, timeseries

dashboards = [Dashboard(title="Nodes", panels=[timeseries("CPU", 'sum(rate(node_cpu_seconds_total[5m]))')])]
"""


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = write_tree(tmp_path / "project", {"dashboards/apps.py": APPS, "dashboards/infra.py": INFRA})
    monkeypatch.chdir(root)
    return root


GRAFANAS = {"Grafana 11 (one GET per dashboard)": (), "Grafana 12 (dashboard.grafana.app listing)": ("v1beta1",)}
"""Every behaviour holds on both ways of reading the remote dashboards."""


@pytest.fixture(params=list(GRAFANAS.values()), ids=list(GRAFANAS))
def grafana(request):
    with GrafanaStandin(tokens={ADMIN: "Admin", VIEWER: "Viewer"}, users={UI_USER: "Editor"},
                        dashboard_api=request.param) as server:
        yield server


def publish(grafana: GrafanaStandin | str, *args: str, token: str = ADMIN, env: dict | None = None) -> Result:
    url = grafana if isinstance(grafana, str) else grafana.url
    base = ["publish", "grafana", "--grafana-url", url, "--backoff", "0.001", "--json"]
    environment = {"GRAFANA_TOKEN": token, "GRAFANA_URL": None, "CI": "1"} | (env or {})
    return CliRunner().invoke(main, base + list(args), env=environment)


def outcomes(result: Result) -> dict[str, dict]:
    return {d["uid"]: d for d in json.loads(result.stdout)["dashboards"]}


def actions(result: Result) -> dict[str, str]:
    return {uid: d["action"] for uid, d in outcomes(result).items()}


def built(project: Path) -> dict[str, dict]:
    """The compiled dashboards by uid, as the build wrote them."""
    return {p.stem: json.loads(p.read_text()) for p in (project / "build" / "grafana").glob("*.json")}


def uid_of(project: Path, title: str) -> str:
    return next(uid for uid, d in built(project).items() if d["title"] == title)


def ui_edit(grafana: GrafanaStandin, uid: str, keep_marker: bool = False) -> None:
    """Rename the first panel the way a person would: through the API as another user (the UI drops our marker)."""
    with httpx.Client(base_url=grafana.url, auth=UI_USER) as client:
        got = client.get(f"/api/dashboards/uid/{uid}").json()
        dashboard = got["dashboard"]
        dashboard["panels"][0]["title"] = "Edited in the UI"
        if not keep_marker:
            dashboard.pop(MARKER)
        answer = client.post("/api/dashboards/db", json={"dashboard": dashboard,
                                                         "folderUid": got["meta"]["folderUid"]})
        assert answer.status_code == 200


def changed_lines(diff: str) -> list[str]:
    return [line for line in diff.splitlines()[2:] if line[:1] in "+-"]


def assert_published(grafana: GrafanaStandin, project: Path, uids: list[str] | None = None) -> None:
    """Every (or each given) built dashboard is in Grafana, equal to its definition, in its folder."""
    dashboards = built(project)
    for uid in uids or list(dashboards):
        remote = grafana.store.get_dashboard(uid)
        assert normalise(remote["dashboard"]) == normalise(dashboards[uid])
        assert remote["dashboard"][MARKER]["hash"].startswith("sha256:")


def test_first_publish_creates_folders_and_every_dashboard(grafana, project):
    result = publish(grafana)
    assert result.exit_code == 0, result.output
    assert set(actions(result).values()) == {"created"}
    assert len(actions(result)) == 3
    assert_published(grafana, project)
    apps = grafana.store.get_folder(folder_uid(("Platform", "Apps")))
    assert (apps["title"], apps["parentUid"]) == ("Apps", folder_uid(("Platform",)))
    checkout = outcomes(result)[uid_of(project, "Checkout")]
    assert (checkout["folder"], checkout["version"], checkout["error"]) == ("Platform/Apps", 1, None)
    meta = grafana.store.get_dashboard(uid_of(project, "Nodes"))["meta"]
    assert meta["folderTitle"] == "Infra"
    summary = json.loads(result.stdout)["summary"]
    assert (summary["counts"]["created"], summary["failed"], summary["drift"]) == (3, [], [])


def test_a_second_publish_writes_nothing(grafana, project):
    publish(grafana)
    grafana.clear_log()
    result = publish(grafana)
    assert result.exit_code == 0
    assert set(actions(result).values()) == {"unchanged"}
    assert grafana.counts()["writes"] == 0
    assert {o["version"] for o in outcomes(result).values()} == {1}


def test_a_changed_definition_updates_exactly_that_dashboard(grafana, project):
    publish(grafana)
    module = project / "dashboards" / "infra.py"
    module.write_text(module.read_text().replace('"CPU"', '"CPU busy"'))
    grafana.clear_log()
    result = publish(grafana)
    nodes = uid_of(project, "Nodes")
    assert result.exit_code == 0
    assert actions(result) == {uid: "updated" if uid == nodes else "unchanged" for uid in actions(result)}
    assert outcomes(result)[nodes]["version"] == 2
    assert grafana.counts()["writes"] == 1
    assert grafana.store.get_dashboard(nodes)["dashboard"]["panels"][0]["title"] == "CPU busy"


def test_a_moved_module_moves_its_dashboards_to_the_new_folder(grafana, project):
    publish(grafana)
    (project / "dashboards" / "infra.py").write_text('folder = "Hosts"\n' + INFRA)
    result = publish(grafana)
    assert actions(result)[uid_of(project, "Nodes")] == "updated"
    assert grafana.store.get_dashboard(uid_of(project, "Nodes"))["meta"]["folderTitle"] == "Hosts"


@pytest.mark.parametrize("keep_marker", [False, True],
                         ids=["a UI save (drops the publish record)", "another tool (keeps the record, edits)"])
def test_an_edit_in_grafana_is_drift_reported_with_a_diff_and_left_intact(grafana, project, keep_marker):
    publish(grafana)
    checkout = uid_of(project, "Checkout")
    ui_edit(grafana, checkout, keep_marker)
    grafana.clear_log()
    result = publish(grafana)
    assert result.exit_code == 4
    entry = outcomes(result)[checkout]
    assert (entry["action"], entry["version"]) == ("drift", 2)
    assert changed_lines(entry["diff"]) == ['-        "title": "Edited in the UI",', '+        "title": "Requests",']
    assert "alice" in entry["error"] and "--force" in entry["error"]
    assert json.loads(result.stdout)["summary"]["drift"] == [checkout]
    assert grafana.counts()["writes"] == 0
    assert grafana.store.get_dashboard(checkout)["dashboard"]["panels"][0]["title"] == "Edited in the UI"


def test_drift_in_text_mode_prints_the_diff_and_names_the_dashboard(grafana, project):
    publish(grafana)
    checkout = uid_of(project, "Checkout")
    ui_edit(grafana, checkout)
    result = CliRunner().invoke(main, ["publish", "grafana", "--grafana-url", grafana.url],
                                env={"GRAFANA_TOKEN": ADMIN, "CI": "1"})
    assert result.exit_code == 4
    assert f"drift         {checkout}  Platform/Apps/Checkout v2" in result.stdout
    assert '    -        "title": "Edited in the UI",' in result.stdout.splitlines()
    assert "1 unchanged" in result.stdout or "2 unchanged" in result.stdout
    assert f"drift: {checkout}" in result.stderr


def test_force_backs_up_the_edit_then_overwrites(grafana, project):
    publish(grafana)
    checkout = uid_of(project, "Checkout")
    ui_edit(grafana, checkout)
    result = publish(grafana, "--force", "--backup-dir", "saved")
    assert result.exit_code == 0, result.output
    entry = outcomes(result)[checkout]
    assert (entry["action"], entry["version"], entry["backup"]) == ("updated", 3, "saved/" + f"{checkout}-v2.json")
    backup = json.loads((project / "saved" / f"{checkout}-v2.json").read_text())
    assert backup["panels"][0]["title"] == "Edited in the UI"
    assert_published(grafana, project)
    assert set(actions(publish(grafana)).values()) == {"unchanged"}


def test_dry_run_shows_changes_and_writes_nothing(grafana, project):
    first = publish(grafana, "--dry-run")
    assert first.exit_code == 0
    assert set(actions(first).values()) == {"would-create"}
    assert grafana.counts()["writes"] == 0 and not grafana.store.folders
    publish(grafana)
    module = project / "dashboards" / "infra.py"
    module.write_text(module.read_text().replace('"CPU"', '"CPU busy"'))
    grafana.clear_log()
    second = publish(grafana, "--dry-run")
    nodes = outcomes(second)[uid_of(project, "Nodes")]
    assert nodes["action"] == "would-update"
    assert changed_lines(nodes["diff"]) == ['-        "title": "CPU",', '+        "title": "CPU busy",']
    assert grafana.counts()["writes"] == 0


def test_prune_removes_only_managed_leftovers_in_our_folders(grafana, project):
    publish(grafana)
    search = uid_of(project, "Search")
    apps = folder_uid(("Platform", "Apps"))
    foreign = {"unmanaged": (apps, []), "elsewhere": ("", ["mrm-observe"])}
    for uid, (folder, tags) in foreign.items():
        grafana.store.save_dashboard({"dashboard": {"uid": uid, "title": uid, "tags": tags}, "folderUid": folder},
                                     "alice")
    module = project / "dashboards" / "apps.py"
    module.write_text(module.read_text().replace(', board("Search", "search")', ""))
    assert actions(publish(grafana, "--prune", "--dry-run"))[search] == "would-prune"
    assert search in grafana.store.dashboards
    result = publish(grafana, "--prune")
    assert result.exit_code == 0, result.output
    entry = outcomes(result)[search]
    assert (entry["action"], entry["backup"]) == ("pruned", f"backups/grafana/{search}-v1.json")
    assert json.loads((project / entry["backup"]).read_text())["title"] == "Search"
    assert search not in grafana.store.dashboards
    assert {"unmanaged", "elsewhere"} <= set(grafana.store.dashboards)
    assert "unmanaged" not in actions(result) and "elsewhere" not in actions(result)
    assert search not in actions(publish(grafana))


def test_without_prune_leftovers_stay(grafana, project):
    publish(grafana)
    search = uid_of(project, "Search")
    module = project / "dashboards" / "apps.py"
    module.write_text(module.read_text().replace(', board("Search", "search")', ""))
    result = publish(grafana)
    assert search not in actions(result)
    assert search in grafana.store.dashboards
    document = json.loads(result.stdout)
    assert [(o["uid"], o["action"], o["folder"]) for o in document["orphans"]] == [(search, "orphaned", "Apps")]
    assert document["summary"]["orphaned"] == [search]
    text = CliRunner().invoke(main, ["publish", "grafana", "--grafana-url", grafana.url],
                              env={"GRAFANA_TOKEN": ADMIN, "CI": "1"})
    assert text.exit_code == 0, text.output
    assert (f"note: 1 managed dashboard(s) in our folders that no definition produces any more: {search} "
            "(Apps/Search); rerun with --prune to delete them (after a backup)") in text.stderr
    assert "note:" not in CliRunner().invoke(main, ["publish", "grafana", "--grafana-url", grafana.url, "-q"],
                                             env={"GRAFANA_TOKEN": ADMIN, "CI": "1"}).stderr


def test_folder_option_puts_every_dashboard_in_one_folder(grafana, project):
    result = publish(grafana, "--folder", "Observability")
    assert {o["folder"] for o in outcomes(result).values()} == {"Observability"}
    assert {grafana.store.get_dashboard(uid)["meta"]["folderTitle"] for uid in actions(result)} == {"Observability"}


MANY = """
from mrm_observe import Dashboard, timeseries

folder = ["Fleet"]
dashboards = [Dashboard(title=f"Service {n:02d}", panels=[timeseries("Rate", f'sum(rate(svc_{n}_total[5m]))')])
              for n in range(20)]
"""


@pytest.mark.parametrize("seed, versions", [(1, ()), (2, ()), (3, ("v1",)), (4, ("v1",))])
def test_thirty_percent_faults_still_publish_every_dashboard_correctly(project, seed, versions):
    write_tree(project, {"dashboards/many.py": MANY})
    faults = Faults(rate=0.3, kinds=("500", "429", "reset", "reset-after"), seed=seed)
    with GrafanaStandin(tokens={ADMIN: "Admin"}, faults=faults, dashboard_api=versions) as grafana:
        result = publish(grafana, "--retries", "8", "--concurrency", "4")
        assert result.exit_code == 0, result.output
        assert set(actions(result).values()) == {"created"}
        assert_published(grafana, project)
        again = publish(grafana, "--retries", "8", "--concurrency", "4")
        assert again.exit_code == 0, again.output
        assert set(actions(again).values()) == {"unchanged"}
        assert faults_seen(grafana) > 0.1 * grafana.counts()["total"], "faults were really injected"


def test_with_faults_and_no_retries_it_reports_exactly_which_failed(project):
    write_tree(project, {"dashboards/many.py": MANY})
    faults = Faults(rate=0.3, kinds=("500", "429", "reset"), seed=11, only="/api/dashboards/")
    with GrafanaStandin(tokens={ADMIN: "Admin"}, faults=faults) as grafana:
        result = publish(grafana, "--retries", "0", "--concurrency", "4")
        doc = json.loads(result.stdout)
        failed = {d["uid"] for d in doc["dashboards"] if d["action"] == "failed"}
        assert failed, "with 30% faults and no retries some dashboards must fail"
        assert result.exit_code == 4
        assert set(doc["summary"]["failed"]) == failed
        assert all(d["error"] for d in doc["dashboards"] if d["action"] == "failed")
        assert_published(grafana, project, [u for u, a in actions(result).items() if a == "created"])
        assert not failed & set(grafana.store.dashboards)
        grafana.faults.rate = 0.0
        healed = publish(grafana)
        assert healed.exit_code == 0
        assert {u for u, a in actions(healed).items() if a == "created"} == failed
        assert_published(grafana, project)


def faults_seen(grafana: GrafanaStandin) -> int:
    return sum(n for key, n in grafana.counts().items() if key.split(" ")[-1] in ("500", "429", "reset", "reset-after"))


def test_a_wrong_token_exits_3_says_so_and_never_prints_the_token(grafana, project):
    result = publish(grafana, token=WRONG)
    assert result.exit_code == 3
    assert "GET /api/frontend/settings: 401: Invalid API key (the token or user/password was rejected)" in result.stderr
    assert json.loads(result.stdout)["error"].startswith("GET /api/frontend/settings: 401")
    assert WRONG not in result.output + result.stderr


def _write_token(path: str, token: str) -> str:
    Path(path).write_text(token + "\n")
    return path


def _fail_all(grafana: GrafanaStandin, only: str) -> None:
    grafana.faults.rate, grafana.faults.kinds, grafana.faults.only = 1.0, ("500",), only


SCENARIOS = {
    # id: (args, token/env, setup(grafana, project), exit code, text expected in stdout+stderr)
    "wrong token (401)": ([], {"GRAFANA_TOKEN": WRONG}, None, 3, "401: Invalid API key"),
    "wrong token from --token-file (401)": (["--token-file", "token.txt"], {}, lambda g, p: _write_token(
        "token.txt", WRONG), 3, "was rejected"),
    "wrong basic-auth password (401)": ([], {"GRAFANA_TOKEN": None, "GRAFANA_USER": "alice",
                                             "GRAFANA_PASSWORD": WRONG}, None, 3, "Invalid username or password"),
    "viewer token cannot write (403)": ([], {"GRAFANA_TOKEN": VIEWER}, None, 3, "lack permission"),
    "unreachable Grafana": (["--grafana-url", "UNREACHABLE"], {}, None, 3, "connection failed"),
    "unhealthy Grafana (500 everywhere)": (["--retries", "1"], {}, lambda g, p: _fail_all(g, ""), 3,
                                           "is not healthy"),
    "dashboard writes fail (500)": (["--retries", "1"], {}, lambda g, p: _fail_all(g, "/api/dashboards/"), 4,
                                    "500: Internal Server Error"),
    "drift": ([], {}, lambda g, p: (publish(g), ui_edit(g, uid_of(p, "Checkout"))), 4, "left intact"),
    "force with backups": (["--force"], {}, lambda g, p: (publish(g), ui_edit(g, uid_of(p, "Checkout"))), 0,
                           "backup"),
    "prune with backups": (["--prune"], {}, lambda g, p: (publish(g), (p / "dashboards/apps.py").write_text(
        APPS.replace(', board("Search", "search")', ""))), 0, "pruned"),
}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=list(SCENARIOS))
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_no_error_path_ever_shows_the_secret(grafana, project, scenario, as_json):
    args, env, setup, code, expected = SCENARIOS[scenario]
    secret = env.get("GRAFANA_PASSWORD") or env.get("GRAFANA_TOKEN") or (WRONG if "token-file" in scenario else ADMIN)
    if setup:
        setup(grafana, project)
    args = [a if a != "UNREACHABLE" else f"http://127.0.0.1:{free_port()}" for a in args]
    command = ["publish", "grafana", "--grafana-url", grafana.url, "--backoff", "0.001", *args]
    result = CliRunner().invoke(main, command + (["--json"] if as_json else []),
                                env={"GRAFANA_TOKEN": ADMIN, "CI": "1"} | env)
    assert result.exit_code == code, result.output
    assert expected in result.stdout + result.stderr
    written = [p.read_text(errors="replace") for p in project.rglob("*") if p.is_file() and p.name != "token.txt"]
    for text in [result.stdout, result.stderr, *written]:
        assert secret not in text
    assert ADMIN not in result.stdout + result.stderr


@pytest.mark.parametrize("args, env, message", [
    ([], {"GRAFANA_URL": None}, "no Grafana URL: pass --grafana-url or set GRAFANA_URL"),
    (["--grafana-url", "http://127.0.0.1:9"], {"GRAFANA_TOKEN": None},
     "no Grafana credentials: set GRAFANA_TOKEN"),
    (["--grafana-url", "http://127.0.0.1:9", "--token-file", "empty.txt"], {}, "empty.txt is empty"),
    (["--grafana-url", "http://127.0.0.1:9", "--folder", " "], {}, "--folder"),
], ids=["a missing URL", "missing credentials", "an empty token file", "a blank folder"])
def test_usage_errors_exit_2_and_say_what_is_missing(project, args, env, message):
    (project / "empty.txt").write_text("\n")
    result = CliRunner().invoke(main, ["publish", "grafana", *args], env={"GRAFANA_TOKEN": ADMIN} | env)
    assert result.exit_code == 2
    assert message in result.stderr


def test_invalid_definitions_exit_1_before_any_request(grafana, project):
    write_tree(project, {"dashboards/bad.py": 'from mrm_observe import Dashboard\ndashboards = [Dashboard(title="")]\n'})
    result = publish(grafana)
    assert result.exit_code == 1
    assert "dashboards/bad.py: dashboard '': title: must not be blank" in result.stderr
    assert grafana.counts()["total"] == 0


def read_paths(grafana: GrafanaStandin) -> list[str]:
    return [path for method, path, _ in grafana.log if method == "GET"]


@pytest.mark.parametrize("versions, reads, requests", [
    ((), "/api/dashboards/uid", 2 + 1 + 1 + 23 + 1),
    (("v0alpha1", "v1beta1"), "dashboard.grafana.app/v1beta1", 2 + 1 + 2 + 1 + 1),
], ids=["Grafana 11: health and auth, search, a 404 discovery, a GET per dashboard, one write",
        "Grafana 12: health and auth, search, discovery and namespace, one listing page, one write"])
def test_a_one_change_republish_costs_per_path(project, versions, reads, requests):
    write_tree(project, {"dashboards/many.py": MANY})
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=versions) as grafana:
        publish(grafana)
        module = project / "dashboards" / "infra.py"
        module.write_text(module.read_text().replace('"CPU"', '"CPU busy"'))
        grafana.clear_log()
        result = publish(grafana)
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)["summary"]
        assert (summary["counts"]["updated"], summary["counts"]["unchanged"]) == (1, 22)
        assert (summary["reads"], summary["requests"]) == (reads, requests)
        assert grafana.counts()["writes"] == 1
        per_dashboard = [p for p in read_paths(grafana) if p.startswith("/api/dashboards/uid/")]
        assert len(per_dashboard) == (0 if versions else 23)


def test_drift_is_found_from_the_listing_without_reading_dashboards_one_by_one(project):
    with GrafanaStandin(tokens={ADMIN: "Admin"}, users={UI_USER: "Editor"}, dashboard_api=("v1",)) as grafana:
        publish(grafana)
        checkout = uid_of(project, "Checkout")
        ui_edit(grafana, checkout)
        grafana.clear_log()
        result = publish(grafana)
        entry = outcomes(result)[checkout]
        assert (result.exit_code, entry["action"], entry["version"]) == (4, "drift", 2)
        assert changed_lines(entry["diff"]) == ['-        "title": "Edited in the UI",', '+        "title": "Requests",']
        assert "user:alice" in entry["error"]
        assert not [p for p in read_paths(grafana) if p.startswith("/api/dashboards/uid/")]
        assert grafana.counts()["writes"] == 0


def test_a_listing_in_several_pages_sees_every_dashboard(project):
    write_tree(project, {"dashboards/many.py": MANY})
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=("v1",), max_page_bytes=4000) as grafana:
        publish(grafana)
        grafana.clear_log()
        result = publish(grafana)
        assert set(actions(result).values()) == {"unchanged"} and len(actions(result)) == 23
        pages = [p for p in read_paths(grafana) if p.startswith("/apis/dashboard.grafana.app/v1/namespaces/default/")]
        assert len(pages) >= 3, "the byte budget split the listing"
        assert json.loads(result.stdout)["summary"]["requests"] == 2 + 1 + 2 + len(pages)


def test_a_dashboard_the_listing_cannot_give_as_classic_json_is_read_on_its_own(project, monkeypatch):
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=("v1",)) as grafana:
        publish(grafana)
        nodes = uid_of(project, "Nodes")
        resource = grafana.store._resource

        def converted(record, version):
            out = resource(record, version)
            if record.uid == nodes:  # stored as a v2 dashboard that Grafana could not convert
                out["spec"], out["status"] = {}, {"conversion": {"failed": True, "storedVersion": "v2beta1"}}
            return out
        monkeypatch.setattr(grafana.store, "_resource", converted)
        grafana.clear_log()
        result = publish(grafana)
        assert set(actions(result).values()) == {"unchanged"}
        assert [p for p in read_paths(grafana) if p.startswith("/api/dashboards/uid/")] == [
            f"/api/dashboards/uid/{nodes}"]


def test_a_listing_refused_midway_falls_back_to_reading_each_dashboard(project, monkeypatch):
    from standin.store import k8s_error

    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=("v1",)) as grafana:
        publish(grafana)

        def expired(*args):
            raise k8s_error(410, "Expired", "The provided continue parameter is too old")
        monkeypatch.setattr(grafana.store, "list_resources", expired)
        result = publish(grafana)
        assert result.exit_code == 0, result.output
        assert set(actions(result).values()) == {"unchanged"}
        assert json.loads(result.stdout)["summary"]["reads"] == "/api/dashboards/uid"


def test_reads_reuse_kept_alive_connections_one_per_sending_thread(project):
    write_tree(project, {"dashboards/many.py": MANY})
    with GrafanaStandin(tokens={ADMIN: "Admin"}) as grafana:
        publish(grafana, "--concurrency", "4")
        before = grafana.connections
        result = publish(grafana, "--concurrency", "4")
        assert set(actions(result).values()) == {"unchanged"}
        assert json.loads(result.stdout)["summary"]["requests"] == 2 + 1 + 1 + 23
        # one kept-alive connection per pool thread, plus the main thread's (health, credentials, folders)
        assert grafana.connections - before <= 4 + 1, "27 requests over at most 5 kept-alive connections"
