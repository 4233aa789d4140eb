"""Publishing survives servers that answer nonsense, lose answers or die: no traceback, a report of what was done,
the right exit code, and prune touches only what we published and nobody edited since."""
from __future__ import annotations

import json

import pytest
from misbehaving_server import canned
from standin import Faults, GrafanaStandin
from test_publish import ADMIN, GRAFANAS, actions, outcomes, project, publish, ui_edit, uid_of  # noqa: F401

from mrm_observe.conventions import MANAGED_TAG, folder_uid

HEALTHY = {"/api/health": {"database": "ok"}, "/api/frontend/settings": {}}


@pytest.mark.parametrize("search, message", [
    ({"hits": []}, "GET /api/search (page 1): expected a list of hits, each with a uid, got {\"hits\": []}"),
    (None, "GET /api/search (page 1): expected a list of hits, each with a uid, got null"),
    ([{"title": "no uid", "type": "dash-db"}], "expected a list of hits, each with a uid"),
], ids=["search returns an object", "search returns null", "a hit without a uid"])
def test_a_search_of_the_wrong_shape_stops_before_any_write_with_exit_3(project, search, message):
    with canned({**HEALTHY, "/api/search": search}) as url:
        result = publish(url)
    assert result.exit_code == 3, result.output
    document = json.loads(result.stdout)
    assert message in document["error"] and document["dashboards"] == []
    assert "Traceback" not in result.output


def test_a_server_that_ignores_the_page_parameter_is_refused_not_looped_over(project):
    full_page = [{"uid": f"d{n}", "title": f"d{n}", "type": "dash-db"} for n in range(5000)]
    with canned({**HEALTHY, "/api/search": full_page}) as url:
        result = publish(url)
    assert result.exit_code == 3
    assert "page 2 repeats page 1" in json.loads(result.stdout)["error"]


def test_a_dashboard_answer_of_the_wrong_shape_fails_that_dashboard_and_the_report_is_complete(project):
    checkout = {"uid": "x", "type": "dash-db"}
    with canned({**HEALTHY, "/api/search": [checkout], "/api/dashboards/uid/x": ["not", "an", "object"]}) as url:
        result = publish(url)
    document = json.loads(result.stdout)
    assert result.exit_code == 4, result.output
    assert len(document["dashboards"]) == 3 and document["summary"] is not None


@pytest.fixture(params=list(GRAFANAS.values()), ids=list(GRAFANAS))
def lossy(request):
    """A Grafana whose dashboard writes land but whose answers are lost on the way back."""
    faults = Faults(rate=1.0, kinds=("reset-after",), only="/api/dashboards/db")
    with GrafanaStandin(tokens={ADMIN: "Admin"}, faults=faults, dashboard_api=request.param) as server:
        yield server


def test_a_write_whose_answer_was_lost_is_confirmed_by_reading_back(lossy, project):
    result = publish(lossy, "--retries", "1")
    assert result.exit_code == 0, result.output
    assert set(actions(result).values()) == {"created"}
    assert set(lossy.store.dashboards) == set(actions(result))


def test_once_grafana_stops_answering_the_rest_is_not_attempted_and_named(project):
    faults = Faults(rate=1.0, kinds=("reset",), only="/api/dashboards")
    with GrafanaStandin(tokens={ADMIN: "Admin"}, faults=faults) as grafana:
        result = publish(grafana, "--retries", "2", "--concurrency", "1")
        requests = grafana.counts()["total"]
    document = json.loads(result.stdout)
    assert result.exit_code == 3, result.output
    not_attempted = document["summary"]["not_attempted"]
    assert len(not_attempted) == 1 and not_attempted[0] in outcomes(result)
    assert "not attempted:" in outcomes(result)[not_attempted[0]]["error"]
    # health, auth, search, discovery and three folders, then three unanswered requests of three tries each (a write,
    # its read-back, the next write); without the breaker every dashboard would spend its write and read-back tries
    assert requests == 7 + 3 * 3, requests


@pytest.fixture(params=list(GRAFANAS.values()), ids=list(GRAFANAS))
def grafana(request):
    with GrafanaStandin(tokens={ADMIN: "Admin"}, users={("alice", "alice-password-never-leak"): "Editor"},
                        dashboard_api=request.param) as server:
        yield server


def test_prune_leaves_a_hand_made_dashboard_that_merely_carries_the_managed_tag(grafana, project):
    publish(grafana)
    apps = folder_uid(("Platform", "Apps"))
    grafana.store.save_dashboard({"dashboard": {"uid": "handmade", "title": "Handmade", "tags": [MANAGED_TAG]},
                                  "folderUid": apps}, "alice")
    result = publish(grafana, "--prune")
    assert result.exit_code == 0, result.output
    assert "handmade" in grafana.store.dashboards and "handmade" not in actions(result)


def test_prune_refuses_a_dashboard_edited_since_we_published_it_unless_forced(grafana, project):
    publish(grafana)
    search = uid_of(project, "Search")
    ui_edit(grafana, search, keep_marker=True)
    module = project / "dashboards" / "apps.py"
    module.write_text(module.read_text().replace(', board("Search", "search")', ""))
    refused = publish(grafana, "--prune")
    assert refused.exit_code == 4
    assert outcomes(refused)[search]["action"] == "drift"
    assert "not pruned: rerun with --force to delete it after a backup" in outcomes(refused)[search]["error"]
    assert search in grafana.store.dashboards
    forced = publish(grafana, "--prune", "--force")
    assert outcomes(forced)[search]["action"] == "pruned" and outcomes(forced)[search]["backup"]
    assert search not in grafana.store.dashboards
