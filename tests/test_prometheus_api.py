"""The Prometheus client against a real Prometheus and a real VictoriaMetrics on 127.0.0.1 (no fakes).

Both hold the same samples at fixed times (Prometheus from TSDB blocks written by promtool, VictoriaMetrics
through its import API), so every query has one exact answer on both.
"""
from __future__ import annotations

import subprocess
import sys
import time
from collections import deque
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from forward_proxy import ForwardProxy

from mrm_observe.errors import ExitCode
from mrm_observe.http_client import (Auth, AuthRejected, BadRequest, HttpClient, InsecureTransportWarning, RetryPolicy,
                                     ServerSettings, Unreachable)
from mrm_observe.prometheus_api import PrometheusClient, RangeSeries, Sample
from prometheus_server import PrometheusServer, binary, free_port, self_signed
from victoria_server import VictoriaMetricsServer

T0 = 1767225600
"""2026-01-01T00:00:00Z; samples every minute for ten minutes: instance a = i, instance b = 2 * i."""
AT = datetime.fromtimestamp(T0 + 300, timezone.utc)
SAMPLES = [(instance, T0 + 60 * i, i * (1 if instance == "a" else 2)) for instance in "ab" for i in range(11)]
OPENMETRICS = ("# TYPE demo_value gauge\n" + "".join(
    f'demo_value{{job="api",instance="{n}"}} {v} {t}\n' for n, t, v in SAMPLES) + "# EOF\n")
EXPOSITION = "".join(f'demo_value{{job="api",instance="{n}"}} {v} {t * 1000}\n' for n, t, v in SAMPLES)


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    port = free_port()
    scrape_self = [{"job_name": "self", "scrape_interval": "2s", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}]
    with PrometheusServer.start(tmp_path_factory.mktemp("prometheus"), rule_files=[], openmetrics=OPENMETRICS,
                                scrape_configs=scrape_self, port=port,
                                extra_args=["--storage.tsdb.retention.time=100y"]) as server:
        yield server


@pytest.fixture(scope="module")
def victoria(tmp_path_factory):
    with VictoriaMetricsServer.start(tmp_path_factory.mktemp("victoria")) as server:
        server.import_prometheus(EXPOSITION)
        yield server


@pytest.fixture(params=["prometheus", "victoria"], ids=["Prometheus", "VictoriaMetrics"])
def server_url(request) -> str:
    return request.getfixturevalue(request.param).url


def client(url: str, attempts: int = 3, **settings) -> PrometheusClient:
    return PrometheusClient(ServerSettings(url=url, retry=RetryPolicy(attempts, 0.01), **settings),
                            sleep=lambda seconds: None)


def test_instant_and_range_queries_give_the_exact_values_at_fixed_times(server_url):
    with client(server_url) as prom:
        assert prom.query("sum(demo_value)", AT) == [Sample({}, T0 + 300, 15.0)]
        assert prom.query('demo_value{instance="b"}', AT - timedelta(minutes=2)) == [
            Sample({"__name__": "demo_value", "instance": "b", "job": "api"}, T0 + 180, 6.0)]
        assert prom.query_range('demo_value{instance="a"}', AT - timedelta(minutes=5), AT, 120) == [RangeSeries(
            {"__name__": "demo_value", "instance": "a", "job": "api"}, [(T0, 0.0), (T0 + 120, 2.0), (T0 + 240, 4.0)])]


def test_series_labels_and_label_values(server_url):
    with client(server_url) as prom:
        series = prom.series(["demo_value"], AT - timedelta(minutes=5), AT)
        assert sorted(s["instance"] for s in series) == ["a", "b"]
        assert {"__name__", "instance", "job"} <= set(prom.labels())
        assert prom.label_values("instance") == ["a", "b"]


@pytest.mark.parametrize("name, status, reason", [
    ("prometheus", 400, 'GET /api/v1/query: 400 bad_data: invalid parameter "query": 1:5: parse error: '
                        "unclosed left parenthesis"),
    ("victoria", 422, 'GET /api/v1/query: 422: error when executing query="sum(" for (time=1767225900000, '
                      'step=300000): singleExpr: unexpected token ""; want "(", "{", "-", "+"; unparsed data: ""'),
], ids=["Prometheus says 400 bad_data", "VictoriaMetrics says 422"])
def test_a_bad_query_is_a_bad_request_with_the_servers_reason_and_is_not_retried(request, name, status, reason):
    with client(request.getfixturevalue(name).url) as prom:
        with pytest.raises(BadRequest) as caught:
            prom.query("sum(", AT)
        assert (str(caught.value), caught.value.status, prom.requests) == (reason, status, 1)


def test_build_info_names_the_prometheus_version_and_victoriametrics_answers_empty(prometheus, victoria):
    version = subprocess.run([binary("prometheus"), "--version"], capture_output=True, text=True).stdout.split()[2]
    with client(prometheus.url) as prom:
        assert prom.build_info()["version"] == version
    with client(victoria.url) as vm:
        assert vm.build_info() == {}


def test_the_configuration_is_prometheus_yaml_and_victoriametrics_answers_empty(prometheus, victoria):
    with client(prometheus.url) as prom:
        config = yaml.safe_load(prom.status_config())
    assert config["global"]["evaluation_interval"] == "1s"
    assert [job["scrape_interval"] for job in config["scrape_configs"]] == ["2s"]
    with client(victoria.url) as vm:
        assert vm.status_config() == ""


def test_scrape_intervals_and_metadata_come_from_prometheus_targets(prometheus):
    with client(prometheus.url) as prom:
        deadline = time.monotonic() + 15
        while not any(t["health"] == "up" for t in prom.targets()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert prom.scrape_intervals() == {"self": 2.0}
        assert prom.metadata("prometheus_build_info") == [{
            "metric_name": "prometheus_build_info", "type": "gauge", "unit": "",
            "help": "A metric with a constant '1' value labeled by version, revision, branch, goversion from which "
                    "prometheus was built, and the goos and goarch for the build."}]


def test_victoriametrics_without_scraping_has_no_targets_and_no_metadata(victoria):
    with client(victoria.url) as vm:
        assert (vm.targets(), vm.metadata()) == ([], [])


def test_ready_and_reload_answer_on_both(server_url):
    with client(server_url) as prom:
        prom.ready()
        prom.reload()
        assert prom.rule_groups() == []
        assert prom.requests == 3


def test_an_unreachable_server_is_exit_code_3_after_the_retries_for_library_calls_too():
    url = f"http://127.0.0.1:{free_port()}"
    with client(url, attempts=2) as prom:
        with pytest.raises(Unreachable, match=rf"^{url} is unreachable: GET /-/ready at {url}: connection failed "
                                              r"\(ConnectError: .*\) \(gave up after 2 tries\)$") as caught:
            prom.ready()
        assert caught.value.exit_code == ExitCode.UNAVAILABLE
        with pytest.raises(Unreachable, match=r"^GET /api/v1/query at .*\(gave up after 2 tries\)$"):
            prom.query("up", AT)
        assert prom.requests == 4


def test_a_query_time_needs_a_time_zone(prometheus):
    with client(prometheus.url) as prom, pytest.raises(ValueError, match=r"^a query time needs a time zone "
                                                                         r"\(got 2026-01-01T00:05:00\)$"):
        prom.query("up", AT.replace(tzinfo=None))


def test_library_calls_go_through_the_environment_proxy_with_auth_headers_and_retries(prometheus, monkeypatch):
    """Proxies come from the environment; 503 + Retry-After is waited and retried; auth and headers are sent."""
    sleeps: list[float] = []
    with ForwardProxy(fail=deque([503]), retry_after="2") as proxy:
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        settings = ServerSettings(url=prometheus.url, auth=Auth(token="prom-token-123"),
                                  headers={"X-Scope-OrgID": "team-a"}, retry=RetryPolicy(3, 0.01))
        with PrometheusClient(settings, sleep=sleeps.append) as prom:
            assert prom.query("sum(demo_value)", AT)[0].value == 15.0
    assert sleeps == [2.0]
    assert [s.url.split("?")[0] for s in proxy.seen] == [f"{prometheus.url}/api/v1/query"] * 2
    assert {(s.headers["Authorization"], s.headers["X-Scope-OrgID"]) for s in proxy.seen} == {
        ("Bearer prom-token-123", "team-a")}


def test_without_trust_env_the_environment_proxy_is_not_used(prometheus, monkeypatch):
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with client(prometheus.url, trust_env=False) as prom:
            prom.ready()
    assert proxy.seen == []


@pytest.fixture(scope="module")
def tls_prometheus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = self_signed(folder)
    with PrometheusServer.start(folder / "server", rule_files=[], tls=(cert, key)) as server:
        yield server, cert


def test_tls_is_verified_by_default_and_an_untrusted_certificate_is_not_retried(tls_prometheus):
    server, _ = tls_prometheus
    with client(server.url) as prom:
        with pytest.raises(Unreachable, match=r"^GET /api/v1/status/buildinfo at https://127\.0\.0\.1:\d+: TLS certificate not "
                                              r"trusted \(self.signed certificate\); pass a CA file, or skip "
                                              r"verification explicitly$"):
            prom.build_info()
        assert prom.requests == 1


def test_a_ca_file_makes_the_certificate_trusted_for_every_call(tls_prometheus):
    server, cert = tls_prometheus
    with client(server.url, ca_file=str(cert)) as prom:
        prom.ready()
        assert prom.labels() == []


def test_a_plain_http_client_loads_no_certificate_and_would_trust_none(tls_prometheus, monkeypatch):
    server, cert = tls_prometheus
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with client(server.url) as trusting:  # an https client takes the environment's CA file
        trusting.ready()
    plain = HttpClient(ServerSettings(url=server.url.replace("https://", "http://")))
    with pytest.raises(Unreachable, match=r"^GET /-/ready at http://127\.0\.0\.1:\d+: TLS certificate not trusted \(self.signed certificate\)"):
        plain.send("GET", f"{server.url}/-/ready")
    plain.close()


def test_skipping_verification_works_and_warns(tls_prometheus):
    server, _ = tls_prometheus
    with pytest.warns(InsecureTransportWarning, match=r"^TLS verification is off for https://127\.0\.0\.1:\d+: "
                                                      "anyone on the path can read and change the traffic$"):
        prom = client(server.url, insecure=True)
    with prom:
        assert prom.build_info()["version"]


def test_basic_auth_reaches_victoriametrics_and_a_wrong_password_is_rejected_without_showing_it(tmp_path):
    with VictoriaMetricsServer.start(tmp_path / "vm", ["-httpAuth.username=ops", "-httpAuth.password=s3cret-pw"]) as vm:
        with client(vm.url, auth=Auth(user="ops", password="s3cret-pw")) as good:
            assert good.query("1", AT) == [Sample({}, T0 + 300, 1.0)]
        with client(vm.url, auth=Auth(user="ops", password="wrong-pw-77")) as bad:
            with pytest.raises(AuthRejected) as caught:
                bad.query("1", AT)
    assert str(caught.value).startswith("GET /api/v1/query: 401 Unauthorized")
    assert str(caught.value).endswith("(the token or user/password was rejected)")
    assert caught.value.exit_code == ExitCode.UNAVAILABLE
    assert "wrong-pw-77" not in str(caught.value) + repr(caught.value) + repr(bad)



def test_importing_the_client_leaves_prometheus_api_client_and_requests_for_the_first_library_call():
    code = ("import sys, mrm_observe.prometheus_api, mrm_observe.cli; "
            "print(sorted(m for m in ('prometheus_api_client', 'requests') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown == "[]\n"


def test_a_server_answering_503_on_every_try_is_not_ready_and_exit_code_3(prometheus, monkeypatch):
    with ForwardProxy(fail=deque([503, 503]), retry_after="0") as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with client(prometheus.url, attempts=2) as prom, pytest.raises(Unreachable) as caught:
            prom.ready()
    assert str(caught.value) == (f"{prometheus.url} is not ready: GET /-/ready at {prometheus.url}: "
                                 "503 Service Unavailable: busy (gave up after 2 tries)")
    assert (caught.value.status, caught.value.exit_code) == (None, ExitCode.UNAVAILABLE)
