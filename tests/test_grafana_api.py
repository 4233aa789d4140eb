"""The Grafana client against the stand-in: typed errors, bounded retries with backoff, Retry-After, no secrets."""
from __future__ import annotations

import email.utils
import time

import pytest
from standin import GrafanaStandin

from mrm_observe import grafana_api
from mrm_observe.errors import ExitCode
from mrm_observe.http_client import SettingsError
from mrm_observe.grafana_api import (Auth, AuthRejected, BadRequest, Conflict, GrafanaClient, GrafanaSettings,
                                     GrafanaUnreachable, NotFound, PermissionDenied, RetryPolicy, ServerError,
                                     VersionMismatch, public_url)
from prometheus_server import free_port

ADMIN = "glsa_ADMIN_secret_4711"
VIEWER = "glsa_VIEWER_secret_0815"


@pytest.fixture
def grafana():
    with GrafanaStandin(tokens={ADMIN: "Admin", VIEWER: "Viewer"}, users={("ops", "pa55word"): "Editor"}) as server:
        yield server


def client_for(url: str, auth: Auth = Auth(token=ADMIN), attempts: int = 4, timeout: float = 5.0,
               sleeps: list[float] | None = None, max_delay: float = 30.0) -> GrafanaClient:
    record = sleeps.append if sleeps is not None else (lambda seconds: None)
    settings = GrafanaSettings(url, auth, timeout=timeout, retry=RetryPolicy(attempts, 0.01, max_delay))
    return GrafanaClient(settings, sleep=record, rand=lambda: 1.0)


def test_retries_500_429_and_resets_then_succeeds(grafana):
    sleeps: list[float] = []
    client = client_for(grafana.url, sleeps=sleeps)
    grafana.faults.inject("500", "429", "reset")
    assert client.create_folder("Team", "team")["uid"] == "team"
    assert client.requests == 4
    assert len(sleeps) == 3
    assert grafana.counts()["writes"] == 1


def test_a_write_applied_before_the_connection_dropped_surfaces_as_a_version_mismatch_not_a_duplicate(grafana):
    client = client_for(grafana.url)
    grafana.faults.inject("reset-after")
    with pytest.raises(Conflict):
        client.create_folder("Team", "team")
    assert grafana.counts()["writes"] == 1


@pytest.mark.parametrize("header, expected", [
    ("7", 7.0), ("120", 30.0), (None, 0.01),
], ids=["Retry-After seconds are waited", "Retry-After is capped at max_delay",
        "without Retry-After the backoff applies"])
def test_retry_after_is_honoured(grafana, header, expected):
    sleeps: list[float] = []
    grafana.faults.retry_after = header or ""
    grafana.faults.inject("429")
    client_for(grafana.url, sleeps=sleeps).search()
    assert sleeps == [pytest.approx(expected)]


def test_retry_after_as_an_http_date(grafana):
    sleeps: list[float] = []
    grafana.faults.retry_after = email.utils.formatdate(time.time() + 5, usegmt=True)
    grafana.faults.inject("429")
    client_for(grafana.url, sleeps=sleeps).search()
    assert 3.5 <= sleeps[0] <= 5.0


@pytest.mark.parametrize("rand, expected", [
    (1.0, [0.5, 1.0, 2.0, 4.0, 4.0]), (0.0, [0.25, 0.5, 1.0, 2.0, 2.0]),
], ids=["full jitter draws double each time up to max_delay", "the smallest draw is half the ceiling"])
def test_backoff_grows_exponentially_with_jitter_and_is_capped(rand, expected):
    policy = RetryPolicy(attempts=6, backoff=0.5, max_delay=4.0)
    assert [policy.delay(n, None, lambda: rand) for n in range(5)] == expected


def test_retries_are_bounded_and_the_error_says_so(grafana):
    grafana.faults.rate, grafana.faults.kinds = 1.0, ("500",)
    client = client_for(grafana.url, attempts=3)
    with pytest.raises(ServerError, match=r"GET /api/search at http://127\.0\.0\.1:\d+: 500: Internal Server Error "
                                          r"\(gave up after 3 tries\)") as caught:
        client.search()
    assert client.requests == 3
    assert caught.value.exit_code == ExitCode.PUBLISH_FAILED


def test_an_unreachable_grafana_is_exit_code_3():
    client = client_for(f"http://127.0.0.1:{free_port()}", attempts=2)
    with pytest.raises(GrafanaUnreachable, match="connection failed .*gave up after 2 tries") as caught:
        client.health()
    assert caught.value.exit_code == ExitCode.UNAVAILABLE


def test_a_slow_answer_times_out_and_is_retried(grafana):
    grafana.faults.slow_seconds = 0.5
    grafana.faults.inject("slow")
    client = client_for(grafana.url, timeout=0.1)
    assert client.get_dashboard("nope") is None
    assert client.requests == 2
    grafana.faults.inject("slow", "slow")
    with pytest.raises(GrafanaUnreachable, match=r"no answer within 0\.1s"):
        client_for(grafana.url, timeout=0.1, attempts=2).search()


def test_an_unhealthy_grafana_is_unreachable(grafana):
    grafana.faults.rate, grafana.faults.kinds = 1.0, ("500",)
    with pytest.raises(GrafanaUnreachable, match="is not healthy"):
        client_for(grafana.url, attempts=1).health()


def _save_blank(c: GrafanaClient) -> None:
    c.save_dashboard({"uid": "d", "title": ""}, "")


def _stale(c: GrafanaClient) -> None:
    c.save_dashboard({"uid": "d", "title": "A"}, "")
    c.save_dashboard({"uid": "d", "title": "B", "version": 7}, "")


@pytest.mark.parametrize("token, call, error, status, calls", [
    (ADMIN, _save_blank, BadRequest, 400, 1),
    ("glsa_wrong", lambda c: c.check_auth(), AuthRejected, 401, 1),
    (VIEWER, lambda c: c.create_folder("T", "t"), PermissionDenied, 403, 1),
    (ADMIN, lambda c: c.delete_dashboard("missing"), NotFound, 404, 1),
    (ADMIN, lambda c: [c.create_folder("T", "t"), c.create_folder("T", "t")], Conflict, 409, 2),
    (ADMIN, _stale, VersionMismatch, 412, 2),
], ids=["a blank title is BadRequest (400)", "a wrong token is AuthRejected (401)",
        "a viewer writing is PermissionDenied (403)", "a missing dashboard is NotFound (404)",
        "a duplicate folder uid is Conflict (409)", "a stale version is VersionMismatch (412)"])
def test_error_answers_are_typed_and_not_retried(grafana, token, call, error, status, calls):
    client = client_for(grafana.url, auth=Auth(token=token))
    with pytest.raises(error) as caught:
        call(client)
    assert caught.value.status == status
    assert client.requests == grafana.counts()["total"] == calls


@pytest.mark.parametrize("status, hint, code", [
    (401, "the token or user/password was rejected", ExitCode.UNAVAILABLE),
    (403, "the credentials lack permission for this", ExitCode.UNAVAILABLE),
], ids=["401 says the credentials were rejected", "403 says a permission is missing"])
def test_auth_errors_say_which_and_exit_3(grafana, status, hint, code):
    token = "glsa_wrong" if status == 401 else VIEWER
    with pytest.raises((AuthRejected, PermissionDenied)) as caught:
        client_for(grafana.url, auth=Auth(token=token)).create_folder("T", "t")
    assert hint in str(caught.value)
    assert caught.value.exit_code == code


@pytest.mark.parametrize("auth, secrets", [
    (Auth(token="glsa_never_show_me_123"), ["glsa_never_show_me_123"]),
    (Auth(user="ops", password="hunter2-secret"), ["hunter2-secret", "b3BzOmh1bnRlcjItc2VjcmV0"]),
], ids=["a bearer token", "a basic-auth password and its base64 form"])
def test_secrets_never_appear_in_reprs_or_errors(grafana, auth, secrets):
    client = client_for(grafana.url, auth=auth, attempts=1)
    texts = [repr(client), repr(auth), repr(GrafanaSettings(grafana.url, auth))]
    for call in (lambda: client.check_auth(), lambda: client_for(f"http://127.0.0.1:{free_port()}", auth=auth,
                                                                  attempts=1).search()):
        with pytest.raises(grafana_api.GrafanaError) as caught:
            call()
        texts += [str(caught.value), repr(caught.value)]
    for secret in secrets:
        assert not any(secret in text for text in texts), secret


def test_a_secret_that_ends_up_in_a_message_is_redacted(grafana):
    client = client_for(grafana.url, attempts=1)
    with pytest.raises(NotFound) as caught:
        client.delete_dashboard(ADMIN)  # the path, and so the message, would carry the token
    assert str(caught.value) == "DELETE /api/dashboards/uid/***: 404: Dashboard not found"


def test_search_follows_pages(grafana, monkeypatch):
    monkeypatch.setattr(grafana_api, "SEARCH_PAGE", 2)
    client = client_for(grafana.url)
    for n in range(5):
        client.save_dashboard({"uid": f"d{n}", "title": f"D{n}"}, "")
    before = client.requests
    assert [h["uid"] for h in client.search(type="dash-db")] == ["d0", "d1", "d2", "d3", "d4"]
    assert client.requests - before == 3


def test_basic_auth_and_org_header_work(grafana):
    settings = GrafanaSettings(grafana.url, Auth(user="ops", password="pa55word"), org_id=2)
    with GrafanaClient(settings) as client:
        assert client.check_auth()["buildInfo"]["version"]


@pytest.mark.parametrize("url, shown", [
    ("https://admin:pw@grafana.example.org:3000/", "https://grafana.example.org:3000"),
    ("http://127.0.0.1:3000/grafana/", "http://127.0.0.1:3000/grafana"),
], ids=["credentials in the URL are dropped", "a sub-path is kept without its trailing slash"])
def test_public_url_is_safe_to_print(url, shown):
    assert public_url(url) == shown


def test_a_retry_policy_needs_one_attempt():
    with pytest.raises(ValueError, match="attempts >= 1"):
        RetryPolicy(attempts=0)


@pytest.mark.parametrize("verify, ca_file, insecure", [(True, None, False), ("ca.pem", "ca.pem", False),
                                                       (False, None, True)],
                         ids=["system CAs", "a CA file", "no verification"])
def test_grafana_settings_keep_the_earlier_positional_signature(verify, ca_file, insecure):
    settings = GrafanaSettings("https://grafana.example.org", Auth(token="t"), 3, verify, 5.0)
    assert (settings.ca_file, settings.insecure, dict(settings.headers), settings.timeout) == (
        ca_file, insecure, {"X-Grafana-Org-Id": "3"}, 5.0)


def test_grafana_settings_refuse_a_url_without_a_scheme_as_a_usage_error():
    with pytest.raises(SettingsError) as caught:
        GrafanaSettings("grafana.example.org:3000", Auth(token="t"))
    assert (str(caught.value), caught.value.exit_code) == (
        "server URL must be http:// or https:// with a host (got 'grafana.example.org:3000'): did you mean "
        "'http://grafana.example.org:3000'?", ExitCode.USAGE)
