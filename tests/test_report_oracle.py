"""The report on a history with incidents, uneven traffic, a counter reset, a scrape gap, series that appear and
vanish and zero traffic: every number equals what the PromQL oracle computes from the same samples, for each
backend's own semantics (Prometheus extrapolates `increase`, VictoriaMetrics does not), to 1e-9."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from conftest import write_tree

import promql_oracle as oracle
from mrm_observe.cli import main
from mrm_observe.durations import parse_duration
from slo_history import END, MOMENTS

SLOS = """
from mrm_observe import SLO, ErrorRatioSLI, LatencySLI

def availability(service):
    return SLO(service=service, name="availability", objective=99.5, period="3d",
               sli=ErrorRatioSLI(bad=f'sum(rate(http_requests_total{{service="{service}", status=~"5.."}}[{{{{window}}}}]))',
                                 total=f'sum(rate(http_requests_total{{service="{service}"}}[{{{{window}}}}]))'))

slos = [availability("api"), availability("checkout"),
        SLO(service="api", name="latency", objective=99, period="3d",
            sli=LatencySLI(histogram="http_request_duration_seconds", threshold=0.5, selector='service="api"'))]
"""
AT = {
    "the end of the history (api on the grid, checkout off it)": END,
    "ten minutes into the api outage, off the grid": MOMENTS["api_outage_start"] + 10 * 60_000 + 7_000,
    "just after the scrape gap": MOMENTS["api_gap_end"] + 90_000,
    "during checkout's zero traffic": MOMENTS["checkout_idle_start"] + 3_600_000,
}
SELECTORS = {
    "api-availability": ('http_requests_total{service="api",status=~"5.."}', 'http_requests_total{service="api"}'),
    "checkout-availability": ('http_requests_total{service="checkout",status=~"5.."}',
                              'http_requests_total{service="checkout"}'),
}


def oracle_rate(history, selector: str, window: float, t_ms: int, backend: str) -> float | None:
    vector = oracle.evaluate(history.series, "rate", selector, window, t_ms, by=(), backend=backend)
    return sum(vector.values()) if vector else None


def expected_ratio(history, slo_id: str, window: float, t_ms: int, backend: str) -> float | None:
    """bad / total over the window as the backend computes sum(rate(...)), None without traffic."""
    if slo_id == "api-latency":
        count = oracle_rate(history, 'http_request_duration_seconds_count{service="api"}', window, t_ms, backend)
        fast = oracle_rate(history, 'http_request_duration_seconds_bucket{service="api",le="0.5"}', window, t_ms,
                           backend)
        bad, total = (None if count is None else count - (fast or 0.0)), count
    else:
        bad_selector, total_selector = SELECTORS[slo_id]
        bad, total = (oracle_rate(history, s, window, t_ms, backend) for s in (bad_selector, total_selector))
    if total is None or total <= 0:
        return None
    return (bad or 0.0) / total


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = write_tree(tmp_path / "project", {"slo/history.py": SLOS})
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("backend", ["prometheus", "victoriametrics"])
@pytest.mark.parametrize("moment", list(AT), ids=list(AT))
def test_every_burn_rate_and_the_budget_match_the_oracle(servers, history, project, backend, moment):
    t_ms = AT[moment]
    result = CliRunner().invoke(main, ["report", "--at", f"{t_ms / 1000:.3f}", "--format", "json"],
                                env={"PROMETHEUS_URL": servers[backend], "CI": "1"})
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["at"] == datetime.fromtimestamp(t_ms // 1000, timezone.utc).isoformat().replace("+00:00", "Z")
    checked = 0
    for entry in document["slos"]:
        budget = entry["error_budget"]["total_fraction"]
        for window, burn in entry["burn_rates"].items():
            seconds = 3 * 86400 if window == "period" else parse_duration(window)
            ratio = expected_ratio(history, entry["id"], seconds, t_ms, backend)
            if ratio is None:
                assert burn is None, (entry["id"], window)
            else:
                assert burn == pytest.approx(ratio / budget, rel=1e-9, abs=1e-12), (entry["id"], window)
                checked += 1
        period_ratio = expected_ratio(history, entry["id"], 3 * 86400, t_ms, backend)
        assert entry["sli"] == pytest.approx(1 - period_ratio, rel=1e-12)
        assert entry["error_budget"]["consumed_fraction"] == pytest.approx(period_ratio / budget, rel=1e-9)
    assert checked >= 20


def test_zero_traffic_in_recent_windows_is_no_burn_rate_not_nan(servers, history, project):
    t_ms = AT["during checkout's zero traffic"]
    result = CliRunner().invoke(main, ["report", "--at", f"{t_ms / 1000:.3f}", "--format", "json", "--slo", "checkout-*"],
                                env={"PROMETHEUS_URL": servers["prometheus"], "CI": "1"})
    entry = json.loads(result.stdout)["slos"][0]
    assert entry["burn_rates"]["5m"] is None and entry["burn_rates"]["1h"] is None
    assert any("no traffic in the last" in p for p in entry["problems"]) and entry["status"] != "no-data"
    assert "NaN" not in result.stdout
