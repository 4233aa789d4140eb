"""The shared HTTP layer's settings: warnings before unsafe sends, credentials from env or files, no secrets shown."""
from __future__ import annotations

import warnings

import pytest

from mrm_observe.errors import ExitCode
from mrm_observe.http_client import (Auth, HttpClient, InsecureTransportWarning, ServerSettings, SettingsError,
                                     auth_from, is_loopback, parse_header, server_settings)


@pytest.mark.parametrize("url", ["http://prometheus.example.org:9090", "http://10.0.0.7:9090/prom"],
                         ids=["a host name", "a private address"])
def test_a_credential_for_plain_http_beyond_loopback_warns_before_sending(url):
    shown = url.removesuffix("/prom") + ("/prom" if url.endswith("/prom") else "")
    with pytest.warns(InsecureTransportWarning) as caught:
        HttpClient(ServerSettings(url=url, auth=Auth(token="tok-secret-1"))).close()
    assert [str(w.message) for w in caught] == [
        f"credentials will be sent in clear text to {shown} (plain http:// to another machine): use https://"]


@pytest.mark.parametrize("settings", [
    ServerSettings(url="http://127.0.0.1:9090", auth=Auth(token="t")),
    ServerSettings(url="http://localhost:9090", auth=Auth(user="u", password="p")),
    ServerSettings(url="http://[::1]:9090", auth=Auth(token="t")),
    ServerSettings(url="https://prometheus.example.org", auth=Auth(token="t")),
    ServerSettings(url="http://prometheus.example.org", headers={"X-Scope-OrgID": "team-a"}),
], ids=["loopback IPv4", "localhost", "loopback IPv6", "https", "no credential, only a tenant header"])
def test_no_warning_when_nothing_secret_travels_in_clear_text(settings):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        HttpClient(settings).close()


def test_a_credential_header_counts_as_a_credential():
    with pytest.warns(InsecureTransportWarning, match="credentials will be sent in clear text"):
        HttpClient(ServerSettings(url="http://mimir.example.org", headers={"X-Api-Key": "k-123456"})).close()


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True),
                                            ("localhost", True), ("10.0.0.1", False), ("example.org", False)])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_settings_reprs_and_redaction_hide_every_secret():
    settings = ServerSettings(url="https://p.example.org", auth=Auth(user="ops", password="pw-4711"),
                              headers={"X-Scope-OrgID": "team-a", "Authorization-Extra": "hdr-secret-9"})
    client = HttpClient(settings)
    texts = [repr(settings), repr(client), client.redact("pw-4711 hdr-secret-9 b3BzOnB3LTQ3MTE= team-a")]
    client.close()
    assert texts[2] == "*** *** *** team-a"
    assert not any(s in t for t in texts[:2] for s in ("pw-4711", "hdr-secret-9", "team-a"))


@pytest.mark.parametrize("kwargs, message", [
    ({"url": "prometheus:9090"}, "server URL must be http:// or https:// with a host (got 'prometheus:9090'): "
                                 "did you mean 'http://prometheus:9090'?"),
    ({"url": "ftp://p.example.org"}, "server URL must be http:// or https:// with a host (got 'ftp://p.example.org'): "
                                     "e.g. http://localhost:9090 or https://grafana.example.com"),
    ({"url": "https://p.example.org", "ca_file": "ca.pem", "insecure": True},
     "a CA file and skipping TLS verification exclude each other"),
], ids=["no scheme", "not http", "a CA file and insecure"])
def test_settings_that_cannot_work_are_refused(kwargs, message):
    with pytest.raises(ValueError) as caught:
        ServerSettings(**kwargs)
    assert str(caught.value) == message


def test_a_missing_ca_file_is_named():
    with pytest.raises(SettingsError) as caught:
        HttpClient(ServerSettings(url="https://p.example.org", ca_file="no-such-ca.pem"))
    assert str(caught.value).startswith("cannot use CA file no-such-ca.pem: [Errno 2] No such file or directory")


@pytest.mark.parametrize("env, expected", [
    ({"PROM_TOKEN": " tok \n", "PROM_USER": "u", "PROM_PASSWORD": "p"}, Auth(token="tok")),
    ({"PROM_USER": "u", "PROM_PASSWORD": ""}, Auth(user="u", password="")),
    ({"PROM_TOKEN": "  ", "PROM_USER": "u"}, None),
    ({}, None),
], ids=["a token wins over user and password", "user and (empty) password", "blank token, no password", "none"])
def test_auth_from_the_environment(env, expected):
    assert auth_from(env, "PROM") == expected


def test_a_token_file_wins_and_an_empty_one_is_a_usage_error(tmp_path):
    token = tmp_path / "token"
    token.write_text("file-token\n")
    assert auth_from({"PROM_TOKEN": "env-token"}, "PROM", token) == Auth(token="file-token")
    token.write_text("\n")
    with pytest.raises(SettingsError) as caught:
        auth_from({}, "PROM", token)
    assert (str(caught.value), caught.value.exit_code) == (f"{token} is empty: expected a token", ExitCode.USAGE)


@pytest.mark.parametrize("text, expected", [
    ("X-Scope-OrgID: team-a", ("X-Scope-OrgID", "team-a")), ("  X-A :  b c ", ("X-A", "b c")),
])
def test_parse_header(text, expected):
    assert parse_header(text) == expected


def test_server_settings_builds_by_keyword_and_turns_bad_options_into_usage_errors():
    settings = server_settings("https://p.example.org", {"PROMETHEUS_TOKEN": "t"}, "PROMETHEUS",
                               headers=["X-Scope-OrgID: team-a"], timeout=3.0)
    assert (settings.auth, dict(settings.headers), settings.timeout) == (Auth(token="t"), {"X-Scope-OrgID": "team-a"},
                                                                         3.0)
    with pytest.raises(SettingsError) as caught:
        server_settings("https://p.example.org", {}, "PROMETHEUS", headers=["X-Scope-OrgID team-a"])
    assert str(caught.value) == "a header must read 'Name: value' (got 'X-Scope-OrgID team-a'...)"
