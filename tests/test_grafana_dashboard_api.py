"""The client's use of Grafana 12's dashboard.grafana.app API against the stand-in: discovery (and its absence on
older Grafana), the namespace, paging with continue tokens, and the listed resource in the legacy GET shape."""
from __future__ import annotations

import pytest
from standin import GrafanaStandin

from mrm_observe.grafana_api import (AuthRejected, Auth, DashboardApi, GrafanaClient, GrafanaSettings, RetryPolicy,
                                     ServerError, as_legacy)

ADMIN = "glsa_ADMIN_dashboards_9001"


def client_for(grafana: GrafanaStandin, org_id: int | None = None, token: str = ADMIN) -> GrafanaClient:
    return GrafanaClient(GrafanaSettings(grafana.url, Auth(token=token), org_id=org_id, retry=RetryPolicy(2, 0.0)))


def seed(client: GrafanaClient, count: int, folder: str = "") -> None:
    for n in range(count):
        client.save_dashboard({"uid": f"d{n:02d}", "title": f"Dashboard {n}", "panels": [{"type": "text"}]}, folder)


def test_grafana_11_offers_no_new_api_and_one_request_says_so():
    with GrafanaStandin(tokens={ADMIN: "Admin"}) as grafana, client_for(grafana) as client:
        assert client.dashboard_api() is None
        assert client.dashboard_api() is None
        assert client.requests == 1, "asked once per client"
        assert grafana.counts()["GET 404"] == 1


@pytest.mark.parametrize("served, chosen", [
    (("v1beta1", "v0alpha1"), "v1beta1"), (("v0alpha1", "v1", "v1beta1"), "v1"), (("v0alpha1",), "v0alpha1"),
], ids=["Grafana 12: v1beta1", "Grafana 13: v1 over the betas, whatever the order", "an alpha-only server"])
def test_the_best_classic_json_version_is_chosen_with_the_orgs_namespace(served, chosen):
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=served, namespace="stacks-42") as grafana, \
            client_for(grafana) as client:
        assert client.dashboard_api() == DashboardApi(chosen, "stacks-42")
        assert client.requests == 2, "the group, then the namespace from the frontend settings"


def test_without_a_namespace_in_the_settings_it_follows_the_org(monkeypatch):
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=("v1",)) as grafana:
        original = GrafanaClient.request

        def request(self, method, path, params=None, json=None):
            body = original(self, method, path, params, json)
            return {k: v for k, v in body.items() if k != "namespace"} if path == "/api/frontend/settings" else body
        monkeypatch.setattr(GrafanaClient, "request", request)
        for org, namespace in ((None, "default"), (1, "default"), (3, "org-3")):
            with client_for(grafana, org_id=org) as client:
                assert client.dashboard_api() == DashboardApi("v1", namespace)


def test_discovery_with_a_wrong_token_is_an_auth_error_not_a_fallback():
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=("v1",)) as grafana, \
            client_for(grafana, token="glsa_wrong") as client:
        with pytest.raises(AuthRejected):
            client.dashboard_api()


def test_a_failing_discovery_is_an_error_not_a_silent_fallback():
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=("v1",)) as grafana, client_for(grafana) as client:
        grafana.faults.inject("500", "500")
        with pytest.raises(ServerError):
            client.dashboard_api()


def test_the_list_follows_continue_tokens_until_a_page_has_none():
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=("v1beta1",)) as grafana, \
            client_for(grafana) as client:
        seed(client, 7)
        api = client.dashboard_api()
        grafana.clear_log()
        names = [r["metadata"]["name"] for r in client.list_dashboards(api, limit=3)]
        assert names == [f"d{n:02d}" for n in range(7)]
        assert grafana.counts()["GET 200"] == 3, "pages of 3, 3 and 1"


def test_a_page_cut_short_by_its_byte_budget_is_not_mistaken_for_the_last():
    with GrafanaStandin(tokens={ADMIN: "Admin"}, dashboard_api=("v1",), max_page_bytes=200) as grafana, \
            client_for(grafana) as client:
        seed(client, 5)
        api = client.dashboard_api()
        grafana.clear_log()
        assert len(client.list_dashboards(api, limit=1000)) == 5
        assert grafana.counts()["GET 200"] == 2, "two pages (3 and 2 items) though the limit was 1000"


def test_a_listed_dashboard_reads_like_the_legacy_get():
    with GrafanaStandin(tokens={ADMIN: "Admin"}, users={("alice", "pw"): "Editor"},
                        dashboard_api=("v1beta1",)) as grafana, client_for(grafana) as client:
        client.create_folder("Team", "team")
        seed(client, 1, "team")
        grafana.store.save_dashboard({"dashboard": {"uid": "d00", "title": "Edited", "version": 1},
                                      "folderUid": "team"}, "alice")
        [resource] = client.list_dashboards(client.dashboard_api())
        listed, legacy = as_legacy(resource), client.get_dashboard("d00")
        assert {k: v for k, v in legacy["dashboard"].items() if k != "id"} == listed["dashboard"]
        assert (listed["meta"]["folderUid"], listed["meta"]["version"]) == (legacy["meta"]["folderUid"], 2)
        assert listed["meta"]["updatedBy"] == "user:alice"


@pytest.mark.parametrize("resource", [
    {"metadata": {"name": "d"}, "spec": {}, "status": {"conversion": {"failed": True, "storedVersion": "v2beta1",
                                                                      "error": "backend conversion not implemented"}}},
    {"metadata": {"name": "d"}, "spec": {"title": "T"}, "status": {"conversion": {"failed": True}}},
    {"metadata": {"name": "d"}},
    {"metadata": {}, "spec": {"title": "T"}},
], ids=["a v2 dashboard that failed to convert", "a failed conversion with a partial spec", "no spec", "no name"])
def test_a_resource_without_classic_json_is_read_on_its_own(resource):
    assert as_legacy(resource) is None


def test_folder_and_version_fall_back_to_the_root_and_the_generation():
    listed = as_legacy({"metadata": {"name": "d", "generation": 4}, "spec": {"title": "T"}})
    assert listed == {"dashboard": {"title": "T", "uid": "d", "version": 4},
                      "meta": {"folderUid": "", "version": 4, "updatedBy": "?", "updated": "?",
                               "resourceVersion": None}}
