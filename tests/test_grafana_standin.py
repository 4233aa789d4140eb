"""Pins the stand-in to Grafana's documented HTTP API semantics (dashboards-anchors.md section 2), over raw HTTP."""
from __future__ import annotations

import base64
import time

import httpx
import pytest

from standin import Faults, GrafanaStandin

ADMIN, VIEWER = "glsa_admin_token", "glsa_viewer_token"


@pytest.fixture
def grafana():
    with GrafanaStandin(tokens={ADMIN: "Admin", VIEWER: "Viewer"}, users={("ops", "s3cret"): "Editor"}) as server:
        yield server


@pytest.fixture
def api(grafana):
    with httpx.Client(base_url=grafana.url, headers={"Authorization": f"Bearer {ADMIN}"}) as client:
        yield client


def save(api, dashboard, **body):
    return api.post("/api/dashboards/db", json={"dashboard": dashboard, **body})


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_health_needs_no_credentials(grafana):
    answer = httpx.get(f"{grafana.url}/api/health")
    assert answer.status_code == 200
    assert answer.json()["database"] == "ok"


@pytest.mark.parametrize("header, method, path, status", [
    (None, "GET", "/api/search", 401),
    ("Bearer glsa_wrong", "GET", "/api/search", 401),
    (basic("ops", "wrong"), "GET", "/api/search", 401),
    (basic("ops", "s3cret"), "GET", "/api/search", 200),
    (f"Bearer {VIEWER}", "GET", "/api/search", 200),
    (f"Bearer {VIEWER}", "POST", "/api/dashboards/db", 403),
    (f"Bearer {VIEWER}", "POST", "/api/folders", 403),
    (f"Bearer {ADMIN}", "POST", "/api/folders", 200),
], ids=["no credentials are rejected with 401", "an unknown token is rejected with 401",
        "a wrong password is rejected with 401", "basic auth with the right password reads",
        "a viewer token reads", "a viewer token cannot save a dashboard (403)",
        "a viewer token cannot create a folder (403)", "an admin token creates a folder"])
def test_auth_tells_401_from_403(grafana, header, method, path, status):
    headers = {"Authorization": header} if header else {}
    body = {"title": "F"} if path == "/api/folders" else {"dashboard": {"title": "D"}}
    answer = httpx.request(method, f"{grafana.url}{path}", headers=headers, json=body if method == "POST" else None)
    assert answer.status_code == status
    if status >= 400:
        assert answer.json()["message"]


def test_create_starts_at_version_1_and_update_adds_one(api):
    created = save(api, {"uid": "d1", "title": "Service Overview"})
    assert created.status_code == 200
    assert created.json() == {"id": created.json()["id"], "uid": "d1", "url": "/d/d1/service-overview",
                              "status": "success", "version": 1, "slug": "service-overview", "folderUid": ""}
    updated = save(api, {"uid": "d1", "title": "Service Overview", "version": 1})
    assert updated.json()["version"] == 2
    assert updated.json()["id"] == created.json()["id"]


def test_id_null_with_a_known_uid_updates_that_dashboard(api):
    save(api, {"uid": "d1", "title": "A"})
    again = save(api, {"id": None, "uid": "d1", "title": "B", "version": 1})
    assert again.json()["version"] == 2
    assert api.get("/api/dashboards/uid/d1").json()["dashboard"]["title"] == "B"


@pytest.mark.parametrize("version", [None, 0, 5], ids=["a missing version counts as 0 and conflicts",
                                                       "version 0 conflicts", "a newer version conflicts"])
def test_a_stale_version_without_overwrite_is_412_version_mismatch(api, version):
    save(api, {"uid": "d1", "title": "A"})
    body = {"uid": "d1", "title": "B"} | ({"version": version} if version is not None else {})
    answer = save(api, body)
    assert answer.status_code == 412
    assert answer.json() == {"status": "version-mismatch", "message": "The dashboard has been changed by someone else"}
    assert api.get("/api/dashboards/uid/d1").json()["dashboard"]["title"] == "A"


def test_overwrite_wins_over_a_stale_version(api):
    save(api, {"uid": "d1", "title": "A"})
    save(api, {"uid": "d1", "title": "B", "version": 1})
    answer = save(api, {"uid": "d1", "title": "C", "version": 1}, overwrite=True)
    assert answer.json()["version"] == 3
    assert api.get("/api/dashboards/uid/d1").json()["dashboard"]["title"] == "C"


def test_an_unknown_id_is_404_and_an_id_uid_clash_is_400(api):
    first = save(api, {"uid": "d1", "title": "A"}).json()
    save(api, {"uid": "d2", "title": "B"})
    assert save(api, {"id": 999, "uid": "d1", "title": "A"}).status_code == 404
    clash = save(api, {"id": first["id"], "uid": "d2", "title": "A", "version": 1})
    assert (clash.status_code, clash.json()["message"]) == (400, "A dashboard with the same uid already exists")


@pytest.mark.parametrize("dashboard, body, message", [
    ({"uid": "d1", "title": "  "}, {}, "Dashboard title cannot be empty"),
    ({"uid": "bad uid!", "title": "A"}, {}, "uid contains illegal characters"),
    ({"uid": "x" * 41, "title": "A"}, {}, "uid too long, max 40 characters"),
    ({"uid": "d1", "title": "A", "tags": ["t" * 51]}, {}, "dashboard tag too long, max 50 characters"),
    ({"uid": "d1", "title": "A", "refresh": "1s"}, {}, "Dashboard refresh interval is too low"),
    ({"uid": "d1", "title": "A"}, {"folderUid": "nope"}, "folder not found"),
    ({"uid": "d1", "title": "A"}, {"message": "m" * 501}, "message too long, max 500 characters"),
], ids=["blank title", "illegal uid characters", "uid over 40 characters", "tag over 50 characters",
        "refresh below the 5s minimum", "unknown folder uid", "version message over 500 characters"])
def test_invalid_saves_are_400_with_a_message(api, dashboard, body, message):
    answer = save(api, dashboard, **body)
    assert (answer.status_code, answer.json()["message"]) == (400, message)
    assert api.get("/api/dashboards/uid/d1").status_code == 404


def test_a_body_without_dashboard_is_bad_request_data(api):
    answer = api.post("/api/dashboards/db", content=b"not json", headers={"Content-Type": "application/json"})
    assert (answer.status_code, answer.json()["message"]) == (400, "bad request data")


def test_get_returns_the_stored_json_as_sent_with_id_uid_version_and_meta(api):
    api.post("/api/folders", json={"uid": "f1", "title": "Team"})
    sent = {"uid": "d1", "title": "A", "id": None, "version": 0, "custom": {"kept": True}, "panels": [{"id": 7}]}
    save(api, sent, folderUid="f1")
    got = api.get("/api/dashboards/uid/d1").json()
    assert got["dashboard"] == {**sent, "id": got["dashboard"]["id"], "version": 1}
    assert isinstance(got["dashboard"]["id"], int)
    meta = got["meta"]
    assert (meta["version"], meta["folderUid"], meta["folderTitle"], meta["slug"], meta["url"]) == \
           (1, "f1", "Team", "a", "/d/d1/a")
    assert meta["updatedBy"] == meta["createdBy"] == "sa-mrm-observe"
    assert {"canSave", "created", "updated", "provisioned", "isFolder", "folderId", "hasAcl"} <= set(meta)


def test_an_update_without_folder_moves_the_dashboard_to_root(api):
    api.post("/api/folders", json={"uid": "f1", "title": "Team"})
    save(api, {"uid": "d1", "title": "A"}, folderUid="f1")
    save(api, {"uid": "d1", "title": "A", "version": 1})
    meta = api.get("/api/dashboards/uid/d1").json()["meta"]
    assert (meta["folderUid"], meta["folderTitle"]) == ("", "General")


def test_delete_removes_and_then_is_404(api):
    save(api, {"uid": "d1", "title": "A"})
    assert api.delete("/api/dashboards/uid/d1").json() == {"title": "A", "message": "Dashboard A deleted", "uid": "d1"}
    assert api.get("/api/dashboards/uid/d1").json() == {"message": "Dashboard not found"}
    assert api.delete("/api/dashboards/uid/d1").status_code == 404


def test_folders_nest_by_parent_uid_and_reject_duplicate_uids(api):
    assert api.post("/api/folders", json={"uid": "top", "title": "Top"}).status_code == 200
    child = api.post("/api/folders", json={"uid": "kid", "title": "Kid", "parentUid": "top"}).json()
    assert child["parentUid"] == "top"
    assert [p["uid"] for p in child["parents"]] == ["top"]
    duplicate = api.post("/api/folders", json={"uid": "top", "title": "Other"})
    assert (duplicate.status_code, duplicate.json()["message"]) == (409, "a folder with the same uid already exists")
    orphan = api.post("/api/folders", json={"uid": "o", "title": "O", "parentUid": "missing"})
    assert orphan.status_code == 404
    assert api.post("/api/folders", json={"title": ""}).status_code == 400
    assert api.get("/api/folders/kid").json()["title"] == "Kid"
    assert api.get("/api/folders/nope").json() == {"status": "not-found", "message": "folder not found"}
    assert api.get("/api/folders").json() == [{"id": api.get("/api/folders/top").json()["id"], "uid": "top",
                                               "title": "Top"}]
    assert [f["uid"] for f in api.get("/api/folders", params={"parentUid": "top"}).json()] == ["kid"]


def test_search_filters_sorts_by_title_and_pages(api):
    api.post("/api/folders", json={"uid": "f1", "title": "Team"})
    save(api, {"uid": "b", "title": "Beta", "tags": ["mrm-observe", "x"]}, folderUid="f1")
    save(api, {"uid": "a", "title": "alpha", "tags": ["mrm-observe"]})
    save(api, {"uid": "c", "title": "Gamma"}, folderUid="f1")

    def uids(**params):
        return [h["uid"] for h in api.get("/api/search", params=params).json()]
    assert uids() == ["a", "b", "c", "f1"]
    assert uids(type="dash-db") == ["a", "b", "c"]
    assert uids(type="dash-folder") == ["f1"]
    assert uids(tag="mrm-observe") == ["a", "b"]
    assert uids(tag=["mrm-observe", "x"]) == ["b"]
    assert uids(folderUIDs="f1", type="dash-db") == ["b", "c"]
    assert uids(dashboardUIDs="a,c") == ["a", "c"]
    assert uids(query="ALP") == ["a"]
    assert uids(type="dash-db", limit=2, page=2) == ["c"]
    root, in_folder = api.get("/api/search", params={"dashboardUIDs": "a,b"}).json()
    assert "folderUid" not in root
    assert (in_folder["folderUid"], in_folder["folderTitle"], in_folder["tags"]) == ("f1", "Team", ["mrm-observe", "x"])


@pytest.mark.parametrize("kind, status", [("500", 500), ("429", 429)],
                         ids=["an injected 500", "an injected 429 carries Retry-After"])
def test_injected_error_answers_apply_nothing(grafana, api, kind, status):
    grafana.faults.retry_after = "3"
    grafana.faults.inject(kind)
    answer = save(api, {"uid": "d1", "title": "A"})
    assert answer.status_code == status
    assert answer.headers.get("Retry-After") == ("3" if kind == "429" else None)
    assert api.get("/api/dashboards/uid/d1").status_code == 404


@pytest.mark.parametrize("kind, applied", [("reset", False), ("reset-after", True)],
                         ids=["a reset drops the request", "a reset after the write applies it"])
def test_dropped_connections(grafana, api, kind, applied):
    grafana.faults.inject(kind)
    with pytest.raises(httpx.TransportError):
        save(api, {"uid": "d1", "title": "A"})
    assert (api.get("/api/dashboards/uid/d1").status_code == 200) is applied
    assert grafana.counts()["writes"] == int(applied)


def test_slow_answers_and_latency_delay_the_response(grafana, api):
    grafana.faults.slow_seconds = 0.3
    grafana.faults.inject("slow")
    start = time.monotonic()
    assert api.get("/api/search").status_code == 200
    assert time.monotonic() - start >= 0.3
    with pytest.raises(httpx.ReadTimeout):
        grafana.faults.inject("slow")
        api.get("/api/search", timeout=0.1)


def test_random_faults_hit_about_the_configured_share():
    with GrafanaStandin(faults=Faults(rate=0.3, kinds=("500",), seed=7)) as grafana, httpx.Client() as client:
        statuses = [client.get(f"{grafana.url}/api/health").status_code for _ in range(200)]
    assert 40 <= statuses.count(500) <= 80
    assert statuses.count(500) + statuses.count(200) == 200


# The new dashboard API (Grafana 12+), read side: Grafana's docs "Dashboard HTTP API" (List Dashboards) and
# "New API Structure"; see docs/publishing-api.md. By default the stand-in is a Grafana 11 without it.
DASHBOARDS = "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards"


@pytest.fixture
def grafana12():
    with GrafanaStandin(tokens={ADMIN: "Admin", VIEWER: "Viewer"}, dashboard_api=("v1beta1", "v0alpha1")) as server:
        yield server


@pytest.fixture
def api12(grafana12):
    with httpx.Client(base_url=grafana12.url, headers={"Authorization": f"Bearer {ADMIN}"}) as client:
        yield client


@pytest.mark.parametrize("path", ["/apis", "/apis/dashboard.grafana.app", DASHBOARDS])
def test_grafana_11_has_no_apis(api, path):
    answer = api.get(path)
    assert (answer.status_code, answer.json()) == (404, {"message": "Not found"})
    assert api.get("/api/frontend/settings").json()["buildInfo"]["version"].startswith("11.")


def test_grafana_12_advertises_the_dashboard_group_and_its_versions(api12):
    group = api12.get("/apis/dashboard.grafana.app").json()
    assert group == {"kind": "APIGroup", "apiVersion": "v1", "name": "dashboard.grafana.app",
                     "versions": [{"groupVersion": "dashboard.grafana.app/v1beta1", "version": "v1beta1"},
                                  {"groupVersion": "dashboard.grafana.app/v0alpha1", "version": "v0alpha1"}],
                     "preferredVersion": {"groupVersion": "dashboard.grafana.app/v1beta1", "version": "v1beta1"}}
    assert api12.get("/apis/dashboard.grafana.app/").json() == group
    assert api12.get("/apis").json()["groups"] == [{k: group[k] for k in ("name", "versions", "preferredVersion")}]
    settings = api12.get("/api/frontend/settings").json()
    assert (settings["namespace"], settings["buildInfo"]["version"][:3]) == ("default", "12.")


def test_a_listed_dashboard_carries_its_json_folder_and_versions(grafana12, api12):
    api12.post("/api/folders", json={"uid": "f1", "title": "Team"})
    save(api12, {"uid": "d1", "title": "A", "panels": [{"id": 1, "type": "text"}], "mrmObserve": {"hash": "h"}},
         folderUid="f1")
    save(api12, {"id": None, "uid": "d1", "title": "A2", "version": 1}, folderUid="f1")
    page = api12.get(DASHBOARDS).json()
    assert (page["kind"], page["apiVersion"]) == ("DashboardList", "dashboard.grafana.app/v1beta1")
    assert "continue" not in page["metadata"]
    [item] = page["items"]
    assert (item["kind"], item["apiVersion"]) == ("Dashboard", "dashboard.grafana.app/v1beta1")
    meta = item["metadata"]
    assert (meta["name"], meta["namespace"], meta["generation"]) == ("d1", "default", 2)
    assert meta["annotations"]["grafana.app/folder"] == "f1"
    assert meta["annotations"]["grafana.app/updatedBy"] == "service-account:sa-mrm-observe"
    assert meta["labels"] == {"grafana.app/deprecatedInternalID": str(grafana12.store.dashboards["d1"].id)}
    assert item["spec"] == {"uid": "d1", "title": "A2", "version": 2}, "stored JSON as sent, with uid and version"
    assert page["metadata"]["resourceVersion"] == meta["resourceVersion"]
    assert api12.get(f"{DASHBOARDS}/d1").json() == item
    save(api12, {"uid": "d1", "title": "A3", "version": 2})
    moved = api12.get(f"{DASHBOARDS}/d1").json()["metadata"]
    assert int(moved["resourceVersion"]) > int(meta["resourceVersion"])
    assert "grafana.app/folder" not in moved["annotations"], "saved without a folder: moved to the root"


def test_the_list_pages_by_limit_with_opaque_continue_tokens(api12):
    for uid in "ecabd":
        save(api12, {"uid": uid, "title": uid.upper()})
    pages, token = [], None
    while True:
        page = api12.get(DASHBOARDS, params={"limit": 2} | ({"continue": token} if token else {})).json()
        pages.append([i["metadata"]["name"] for i in page["items"]])
        token = page["metadata"].get("continue")
        if not token:
            break
    assert pages == [["a", "b"], ["c", "d"], ["e"]]
    assert [i["metadata"]["name"] for i in api12.get(DASHBOARDS).json()["items"]] == list("abcde")
    bad = api12.get(DASHBOARDS, params={"continue": "not-a-token"})
    assert (bad.status_code, bad.json()["kind"], bad.json()["reason"]) == (400, "Status", "BadRequest")


def test_a_page_also_ends_at_the_byte_budget_with_fewer_items_than_the_limit():
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=("v1",), max_page_bytes=300) as grafana, \
            httpx.Client(base_url=grafana.url, headers={"Authorization": f"Bearer {ADMIN}"}) as api:
        for n in range(6):
            save(api, {"uid": f"d{n}", "title": "x" * 100})
        first = api.get("/apis/dashboard.grafana.app/v1/namespaces/default/dashboards", params={"limit": 100}).json()
        assert len(first["items"]) == 3 and first["metadata"]["continue"]


@pytest.mark.parametrize("path, status, reason", [
    ("/apis/dashboard.grafana.app/v2beta1/namespaces/default/dashboards", 404, "NotFound"),
    ("/apis/dashboard.grafana.app/v1/namespaces/default/dashboards", 404, "NotFound"),
    ("/apis/dashboard.grafana.app/v1beta1/namespaces/org-2/dashboards", 403, "Forbidden"),
    (f"{DASHBOARDS}/missing", 404, "NotFound"),
], ids=["a v2 schema is not served", "a version not advertised", "another org's namespace", "an unknown name"])
def test_new_api_errors_are_kubernetes_status_objects(api12, path, status, reason):
    answer = api12.get(path)
    assert answer.status_code == status
    assert {k: answer.json()[k] for k in ("kind", "status", "reason", "code")} == {
        "kind": "Status", "status": "Failure", "reason": reason, "code": status}


def test_the_new_api_needs_credentials_and_lets_viewers_list(grafana12):
    assert httpx.get(f"{grafana12.url}{DASHBOARDS}").status_code == 401
    viewer = httpx.get(f"{grafana12.url}{DASHBOARDS}", headers={"Authorization": f"Bearer {VIEWER}"})
    assert viewer.status_code == 200


def test_a_cloud_stack_lists_under_its_own_namespace():
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=("v1",), namespace="stacks-42") as grafana, \
            httpx.Client(base_url=grafana.url, headers={"Authorization": f"Bearer {ADMIN}"}) as api:
        save(api, {"uid": "d1", "title": "A"})
        assert api.get("/api/frontend/settings").json()["namespace"] == "stacks-42"
        listed = api.get("/apis/dashboard.grafana.app/v1/namespaces/stacks-42/dashboards").json()["items"]
        assert [i["metadata"]["namespace"] for i in listed] == ["stacks-42"]
        assert api.get("/apis/dashboard.grafana.app/v1/namespaces/default/dashboards").status_code == 403


def test_only_classic_json_versions_can_be_served():
    with pytest.raises(ValueError, match="v2beta1"):
        GrafanaStandin(dashboard_api=("v2beta1",))
