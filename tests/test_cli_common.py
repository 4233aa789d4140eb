"""The CLI's shared server options: one decorator adds them, one typed object carries them, one builder turns
them into a client's settings."""
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from mrm_observe.cli.servers import SERVERS, ServerOptions, grafana_settings, server_options
from mrm_observe.http_client import RetryPolicy, SettingsError


def command_for(kind: str) -> tuple[click.Command, list[ServerOptions]]:
    """A throwaway command with `kind`'s server options that records what it received."""
    seen: list[ServerOptions] = []

    @click.command()
    @server_options(kind)
    @click.option("--other", default="x")
    def cmd(other: str, **server: ServerOptions) -> None:
        assert other == "x"
        seen.append(server[kind])
    return cmd, seen


def test_grafana_options_arrive_as_one_typed_object(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    cmd, seen = command_for("grafana")
    result = CliRunner().invoke(cmd, ["--grafana-url", "https://g.example", "--ca-file", str(ca), "--timeout", "3",
                                      "--retries", "2", "--backoff", "0"], env={"GRAFANA_URL": None})
    assert result.exit_code == 0, result.output
    (server,) = seen
    assert (server.url, server.ca_file, server.insecure, server.timeout, server.retries, server.backoff) == \
        ("https://g.example", str(ca), False, 3.0, 2, 0.0)
    assert server.kind is SERVERS["grafana"]


def test_grafana_settings_are_built_by_keyword_from_the_options(tmp_path, monkeypatch):
    monkeypatch.delenv("GRAFANA_TOKEN", raising=False)
    token = tmp_path / "token"
    token.write_text("glsa_secret\n")
    server = ServerOptions(SERVERS["grafana"], "https://g.example", token_file=token, ca_file="/ca.pem",
                           timeout=3.0, retries=2, backoff=0.25)
    settings = grafana_settings(server, org_id=7, concurrency=5)
    assert (settings.url, settings.auth.token, settings.headers, settings.ca_file, settings.insecure,
            settings.timeout, settings.pool) == \
        ("https://g.example", "glsa_secret", {"X-Grafana-Org-Id": "7"}, "/ca.pem", False, 3.0, 5)
    assert settings.retry == RetryPolicy(attempts=3, backoff=0.25)
    insecure = grafana_settings(ServerOptions(SERVERS["grafana"], "https://g", token_file=token, insecure=True),
                                org_id=None, concurrency=1)
    assert (insecure.insecure, insecure.headers) == (True, {})


def test_credentials_come_from_the_environment_when_no_token_file(monkeypatch):
    server = ServerOptions(SERVERS["grafana"], "https://g.example")
    monkeypatch.delenv("GRAFANA_TOKEN", raising=False)
    monkeypatch.setenv("GRAFANA_USER", "admin")
    monkeypatch.setenv("GRAFANA_PASSWORD", "pw")
    assert (server.settings().auth.user, server.settings().auth.password) == ("admin", "pw")
    monkeypatch.setenv("GRAFANA_TOKEN", " glsa_env ")
    assert server.settings().auth.token == "glsa_env"


def test_missing_url_and_credentials_are_usage_errors_naming_the_server(monkeypatch, tmp_path):
    for name in ("GRAFANA_TOKEN", "GRAFANA_USER", "GRAFANA_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(click.UsageError, match="no Grafana URL: pass --grafana-url or set GRAFANA_URL"):
        ServerOptions(SERVERS["grafana"], None).require_url()
    with pytest.raises(click.UsageError, match="no Grafana credentials: set GRAFANA_TOKEN .* pass --token-file"):
        ServerOptions(SERVERS["grafana"], "https://g").settings()
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(SettingsError, match=f"{empty} is empty: expected a token"):
        ServerOptions(SERVERS["grafana"], "https://g", token_file=empty).settings()


def test_prometheus_credentials_are_optional_and_take_headers(monkeypatch):
    for name in ("PROMETHEUS_TOKEN", "PROMETHEUS_USER", "PROMETHEUS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    cmd, seen = command_for("prometheus")
    options = {opt for param in cmd.params for opt in param.opts}
    assert options == {"--prometheus-url", "--prometheus-token-file", "--ca-file", "--insecure", "--header", "--timeout",
                       "--retries", "--backoff", "--other"}
    result = CliRunner().invoke(cmd, ["--header", "X-Scope-OrgID: team-a"],
                                env={"PROMETHEUS_URL": "http://127.0.0.1:9090"})
    assert result.exit_code == 0, result.output
    settings = seen[0].settings()
    assert (settings.url, settings.auth, settings.headers, settings.insecure) == \
        ("http://127.0.0.1:9090", None, {"X-Scope-OrgID": "team-a"}, False)


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "mrm_observe", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "0.1.0" in result.stdout, result.stderr
