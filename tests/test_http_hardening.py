"""Nothing leaked, nothing hung: credentials are checked before any request and never shown in any escaped form;
every answer is bounded in total time and in size, however the server misbehaves."""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from misbehaving_server import flood, misbehaving, slow_answer, trickle_body, trickle_headers

from mrm_observe.cli import main
from mrm_observe.http_client import (Auth, HttpClient, ResponseTooLarge, RetryPolicy, ServerSettings, SettingsError,
                                     Unreachable, auth_from)

TOKEN = "glsa_Sup3r+Secret/Token=="


@pytest.mark.parametrize("content, why", [
    (f"{TOKEN}\n# rotated 2026-11-01 by alice\n", "it has 2 lines (a comment or a second value?)"),
    ("glsa_first\nglsa_second\n", "it has 2 lines"),
    ("glsa with space\n", "it has spaces or control characters"),
    ("glsa\x07bell\n", "it has spaces or control characters"),
], ids=["a trailing comment line", "two tokens", "a space inside", "a control character"])
def test_a_token_file_that_is_not_one_token_is_a_usage_error_before_any_request(tmp_path, monkeypatch, content, why):
    token_file = tmp_path / "token"
    token_file.write_text(content)
    with misbehaving(trickle_body) as (url, connections):
        monkeypatch.chdir(tmp_path)
        result = CliRunner().invoke(main, ["publish", "grafana", "--grafana-url", url, "--token-file", str(token_file),
                                           "--json"])
    assert result.exit_code == 2, result.output
    assert f"the token in {token_file}: the token must be one line" in result.output and why in result.output
    assert connections == []
    for secret in ("glsa_first", "glsa_second", "Sup3r", "rotated"):
        assert secret not in result.output


@pytest.mark.parametrize("env, source", [
    ({"GRAFANA_TOKEN": "glsa_a\nglsa_b"}, "$GRAFANA_TOKEN"),
    ({"GRAFANA_USER": "ad:min", "GRAFANA_PASSWORD": "pw"}, "$GRAFANA_USER/$GRAFANA_PASSWORD"),
    ({"GRAFANA_USER": "admin", "GRAFANA_PASSWORD": "pass\nword"}, "$GRAFANA_USER/$GRAFANA_PASSWORD"),
], ids=["a token with a line break", "a user name with a colon", "a password with a line break"])
def test_credentials_from_the_environment_are_checked_and_the_source_is_named_not_the_value(env, source):
    with pytest.raises(SettingsError, match=f"^{source.replace('$', '[$]')}: ") as err:
        auth_from(env, "GRAFANA")
    assert not any(value in str(err.value) for value in ("glsa_a", "glsa_b", "pass\nword", "ad:min"))


def test_every_escaped_form_of_a_secret_is_redacted():
    settings = ServerSettings(url="https://g.example", auth=Auth(token=TOKEN))
    client = HttpClient(settings)
    try:
        for shown in (TOKEN, quote(TOKEN, safe=""), json.dumps(TOKEN), repr(TOKEN)):
            assert client.redact(f"error near {shown} here") in ("error near *** here", 'error near "***" here',
                                                                 "error near '***' here")
    finally:
        client.close()


def client(url: str, timeout: float = 1.0, **extra) -> HttpClient:
    return HttpClient(ServerSettings(url=url, timeout=timeout, retry=RetryPolicy(attempts=2, backoff=0), **extra))


@pytest.mark.parametrize("behaviour", [trickle_body, trickle_headers], ids=["a trickled body", "trickled headers"])
def test_a_server_that_trickles_cannot_hold_a_request_past_its_timeout(behaviour):
    with misbehaving(behaviour) as (url, connections):
        http = client(url)
        started = time.monotonic()
        with pytest.raises(Unreachable, match=r"no answer within 1s \(gave up after 2 tries\)"):
            http.send("GET", "/api/search")
        elapsed = time.monotonic() - started
        http.close()
    assert elapsed < 3.5 and len(connections) == 2


class Stopped(BaseException):
    """What a SIGTERM handler raises, as the file transaction's does."""


@pytest.mark.parametrize("sig, expected", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Stopped)],
                         ids=["Ctrl-C", "SIGTERM"])
def test_a_signal_during_a_request_takes_effect_when_it_ends_and_the_client_still_works(sig, expected):
    """Raised inside httpcore, the exception could leave its pool's lock taken: the next request (a rollback's
    reload) would then wait for ever."""
    def stop(signum, frame):
        raise Stopped()
    previous = signal.signal(signal.SIGTERM, stop) if sig == signal.SIGTERM else None
    try:
        with misbehaving(slow_answer) as (url, connections):
            http = client(url, timeout=5)
            threading.Timer(0.1, os.kill, (os.getpid(), sig)).start()
            started = time.monotonic()
            with pytest.raises(expected):
                http.send("GET", "/api/search")
            assert time.monotonic() - started >= 0.45, "the request ran to its end first"
            assert http.send("GET", "/api/search").json() == {}
            http.close()
        assert len(connections) == 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def test_an_endless_answer_is_cut_at_the_size_bound_and_not_retried():
    with misbehaving(flood) as (url, connections):
        http = client(url, timeout=20, max_response_bytes=1024 * 1024)
        with pytest.raises(ResponseTooLarge, match="/api/search: the answer is larger than 1048576 bytes"):
            http.send("GET", "/api/search")
        http.close()
    assert len(connections) == 1


def test_publish_grafana_against_a_trickling_server_stops_within_its_timeout_and_says_unavailable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with misbehaving(trickle_body) as (url, _):
        started = time.monotonic()
        result = CliRunner().invoke(main, ["publish", "grafana", "--grafana-url", url, "--timeout", "1",
                                           "--retries", "1", "--backoff", "0", "--json"],
                                    env={"GRAFANA_TOKEN": "glsa_ok"})
    assert time.monotonic() - started < 5
    assert result.exit_code == 3, result.output
    assert json.loads(result.stdout)["error"].endswith("no answer within 1s (gave up after 2 tries)")
