"""The PromQL oracle (tests/promql_oracle.py) against a real Prometheus and a real VictoriaMetrics holding the
synthetic SLO history (tests/slo_history.py), and the history against its own ground truth.

One server of each kind per module, on 127.0.0.1 with free ports and temporary folders.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
import pytest

import promql_oracle as oracle
import slo_history
from slo_history import END, MOMENTS, History

REL = 1e-12
"""Relative tolerance between a server's answer and the oracle's (absolute 1e-9 near 0); measured: Prometheus
bit-identical on every value of the table, VictoriaMetrics within 1e-15."""

M = MOMENTS
MIN = 60_000
HOUR = 60 * MIN
API = 'http_requests_total{service="api"}'
API_BAD = 'http_requests_total{service="api",status=~"5.."}'
CHECKOUT = 'http_requests_total{service="checkout"}'
REQUESTS = "http_requests_total"
API_FAST = 'http_request_duration_seconds_bucket{service="api",le="0.25"}'
LATENCY_COUNT = "http_request_duration_seconds_count"


@dataclass(frozen=True)
class Case:
    """`sum by (by) (function(selector[window]))` at t (by=None: no aggregation; function="" : instant selector)."""

    name: str
    function: str
    selector: str
    window_s: float
    t_ms: int
    by: tuple[str, ...] | None = None
    subquery: tuple[int, int] | None = None
    """(range s, step s): wrap the expression as `sum_over_time((expr)[range:step])`."""

    def query(self) -> str:
        if not self.function:
            return self.selector
        inner = oracle.promql(self.function, self.selector, self.window_s, self.by)
        return inner if self.subquery is None else f"sum_over_time(({inner})[{self.subquery[0]}s:{self.subquery[1]}s])"

    def expected(self, history: History, backend: str) -> oracle.Vector:
        if not self.function:
            return oracle.instant(history.series, self.selector, self.t_ms, backend)

        def inner(t_ms: int) -> oracle.Vector:
            return oracle.evaluate(history.series, self.function, self.selector, self.window_s, t_ms, self.by, backend)

        if self.subquery is None:
            return inner(self.t_ms)
        return oracle.sum_over_time_of(inner, self.t_ms, *self.subquery, backend=backend)


CASES = [
    Case("5xx per service over the last 5 minutes at the end", "increase", API_BAD, 300, END, ("service",)),
    Case("all requests over the last hour at the end", "increase", REQUESTS, 3600, END, ("service", "status")),
    Case("the whole history with the window starting on the first sample", "increase", API, 4 * 86400, END),
    Case("a 30 day period longer than the history", "increase", REQUESTS, 30 * 86400, END, ("service",)),
    Case("an hour spanning the api counter reset", "increase", API, 3600, M["api_reset"] + 30 * MIN),
    Case("five minutes right after the counter reset", "increase", API, 300, M["api_reset"] + MIN),
    Case("the rate over 5 minutes spanning the reset", "rate", API, 300, M["api_reset"] + 2 * MIN),
    Case("an hour spanning the scrape gap", "increase", API, 3600, M["api_gap_end"] + 10 * MIN),
    Case("ten minutes ending inside the gap", "increase", API, 600, M["api_gap_start"] + 5 * MIN),
    Case("five minutes entirely inside the gap (no answer)", "increase", API, 300, M["api_gap_start"] + 15 * MIN),
    Case("ten minutes starting inside the gap", "increase", API, 600, M["api_gap_end"] + 2 * MIN),
    Case("the rate over an hour spanning the gap", "rate", API_BAD, 3600, M["api_gap_end"] + 30 * MIN, ("service",)),
    Case("samples per api series in an hour spanning the gap", "count_over_time", API, 3600,
         M["api_gap_end"] + 30 * MIN),
    Case("an hour in which the 502 series appears", "increase", CHECKOUT, 3600, M["checkout_502_appears"] + 10 * MIN),
    Case("the first minute of the 502 series", "increase", CHECKOUT, 3600, M["checkout_502_appears"] + 45_000),
    Case("an hour in which the 503 series vanishes", "increase", CHECKOUT, 3600, M["checkout_503_vanishes"] + 30 * MIN),
    Case("after the 503 series vanished", "increase", CHECKOUT, 3600, M["checkout_503_vanishes"] + 2 * HOUR),
    Case("an hour of zero checkout traffic", "increase", CHECKOUT, 3600, M["checkout_idle_start"] + 2 * HOUR),
    Case("an hour in which checkout traffic stops", "increase", CHECKOUT, 3600, M["checkout_idle_start"] + 20 * MIN,
         ("service",)),
    Case("an hour in which checkout traffic resumes", "rate", CHECKOUT, 3600, M["checkout_idle_end"] + 20 * MIN,
         ("service",)),
    Case("the checkout error tail at an off-grid time", "rate", CHECKOUT, 300, END - 7_000, ("status",)),
    Case("fast api requests during the outage", "increase", API_FAST, 1800, M["api_outage_end"] + 5 * MIN),
    Case("latency counts per service over a day at an off-grid time", "increase", LATENCY_COUNT, 86400,
         END - 12 * HOUR - 17_000, ("service",)),
    Case("all api latency buckets over 3 days spanning reset and gap", "increase",
         'http_request_duration_seconds_bucket{service="api"}', 3 * 86400, END, ("le",)),
    Case("a 6 hour rate during the api error burst", "rate", API, 6 * 3600, M["api_burst_end"] + 2 * HOUR,
         ("status",)),
    Case("samples in the last hour on the scrape grid (window start included or not)", "count_over_time", REQUESTS,
         3600, END),
    Case("sum over time of the latency sum in the idle stretch", "sum_over_time",
         'http_request_duration_seconds_sum{service="checkout"}', 1800, M["checkout_idle_start"] + HOUR),
    Case("the sum over an hour of 5 minute checkout rates on the step grid", "rate", CHECKOUT, 300, END, ("status",),
         subquery=(3600, 300)),
    Case("the sum over a day of 1 minute api error rates spanning the gap", "rate", API_BAD, 60,
         M["api_gap_end"] + 10 * MIN, ("service",), subquery=(86400, 60)),
    Case("the sum over 30 minutes of 5 minute increases off the step grid", "increase", CHECKOUT, 300, END - 7_000,
         ("service",), subquery=(1800, 30)),
    Case("the instant counters 4 minutes into the gap", "", API, 0, M["api_gap_start"] + 4 * MIN),
    Case("the instant counters 6 minutes into the gap (gone)", "", API, 0, M["api_gap_start"] + 6 * MIN),
    Case("the instant counters exactly 5 minutes after the last sample", "", API, 0,
         M["api_gap_start"] - 30_000 + 5 * MIN),
]


def query(url: str, promql: str, t_ms: int) -> oracle.Vector:
    """An instant query's vector: {labels (with __name__ when the server keeps it): value}."""
    response = httpx.get(f"{url}/api/v1/query",
                         params={"query": promql, "time": f"{t_ms / 1000:.3f}", "nocache": "1"}, timeout=10)
    response.raise_for_status()
    data = response.json()["data"]
    assert data["resultType"] == "vector", data
    return {tuple(sorted(item["metric"].items())): float(item["value"][1]) for item in data["result"]}


def assert_same_vector(actual: oracle.Vector, expected: oracle.Vector) -> float:
    """Same label sets, values within REL; returns the largest relative difference seen."""
    assert set(actual) == set(expected), f"labels differ: server {sorted(actual)} oracle {sorted(expected)}"
    worst = 0.0
    for labels, want in expected.items():
        got = actual[labels]
        assert not math.isnan(want)
        assert math.isclose(got, want, rel_tol=REL, abs_tol=1e-9), f"{labels}: server {got!r} oracle {want!r}"
        if want:
            worst = max(worst, abs(got - want) / abs(want))
    return worst


@pytest.mark.parametrize("backend", ["prometheus", "victoriametrics"])
@pytest.mark.parametrize("case", CASES, ids=[case.name.replace(" ", "_") for case in CASES])
def test_server_answers_what_the_oracle_computes(case: Case, backend: str, servers: dict[str, str],
                                                 history: History) -> None:
    actual = query(servers[backend], case.query(), case.t_ms)
    expected = case.expected(history, backend)
    assert_same_vector(actual, expected)


def test_the_table_covers_answers_and_empty_answers(history: History) -> None:
    """Guard against a table whose cases all return nothing (or never return nothing)."""
    sizes = [len(case.expected(history, "prometheus")) for case in CASES]
    assert sum(1 for size in sizes if size == 0) in range(1, 4)
    assert sum(sizes) > 50


@pytest.mark.parametrize("service", ["api", "checkout"])
def test_exact_events_from_the_counters_equal_the_true_events(history: History, service: str) -> None:
    """Windows whose edges are not inside the scrape gap: the counters (reset-aware) lose no event."""
    windows = [(slo_history.START, END), (M["api_reset"] - HOUR, M["api_reset"] + HOUR),
               (M["api_gap_start"] - HOUR, M["api_gap_end"] + HOUR),
               (M["checkout_502_appears"] - HOUR, M["checkout_503_vanishes"] + HOUR), (END - 300_000, END)]
    selected = oracle.select(history.series, f'http_requests_total{{service="{service}"}}')
    assert len(selected) >= 3
    for labels, samples in selected.items():
        for start, end in windows:
            assert oracle.exact_events(samples, start, end) == slo_history.true_events(history, labels, start, end), (
                labels, start, end)


def test_history_has_the_promised_shape(history: History) -> None:
    api_200 = history.get("http_requests_total", service="api", status="200")
    times = [t for t, _ in api_200]
    assert times[0] == slo_history.START and times[-1] == END
    assert all(b - a == 30_000 for a, b in zip(times, times[1:], strict=False) if a != M["api_gap_start"] - 30_000)
    assert M["api_gap_end"] - (M["api_gap_start"] - 30_000) in {b - a for a, b in zip(times, times[1:], strict=False)}
    values = dict(api_200)
    assert values[M["api_reset"] + 30_000] < values[M["api_reset"]] / 100
    appeared = history.get("http_requests_total", service="checkout", status="502")
    assert appeared[0][0] > M["checkout_502_appears"]
    vanished = history.get("http_requests_total", service="checkout", status="503")
    assert vanished[-1][0] < M["checkout_503_vanishes"]
    idle = history.get("http_request_duration_seconds_count", service="checkout")
    assert len({v for t, v in idle if M["checkout_idle_start"] + MIN <= t < M["checkout_idle_end"]}) == 1
    checkout_times = [t for t, _ in idle]
    assert max(checkout_times) <= END and all(t % 30_000 != 0 for t in checkout_times)


def increase_vs_truth(history: History, selector: str, window_s: float, t_ms: int) -> tuple[float, float, float]:
    """(Prometheus increase, VictoriaMetrics increase, true events) summed over the selected series."""
    start = t_ms - round(window_s * 1000)
    true = math.fsum(slo_history.true_events(history, labels, start, t_ms)
                     for labels in oracle.select(history.series, selector))
    prom, vm = (math.fsum(oracle.evaluate(history.series, "increase", selector, window_s, t_ms,
                                          backend=backend).values()) for backend in ("prometheus", "victoriametrics"))
    return prom, vm, true


CHECKOUT_502 = 'http_requests_total{service="checkout",status="502"}'
SCENARIOS: Sequence[tuple[str, str, float, int, float, float]] = [
    # (scenario, selector, window s, t, |prometheus / true - 1|, |victoriametrics / true - 1|), measured and rounded up
    ("api 1h on the grid", API, 3600, END, 0, 0),
    ("api 1h 10 s off the grid", API, 3600, END - 10_000, 0.0014, 0),
    ("api 5m 10 s off the grid", API, 300, END - 10_000, 0.0047, 0),
    ("api 5xx over the 30 min burst", API_BAD, 1800, M["api_burst_end"], 0, 0),
    ("api 1h spanning the reset 10 s off the grid", API, 3600, M["api_reset"] + 30 * MIN + 10_000, 0.0012, 0),
    ("api 1h spanning the whole gap", API, 3600, M["api_gap_end"] + 10 * MIN, 0, 0),
    ("api 1h starting 10 min into the gap", API, 3600, M["api_gap_start"] + 70 * MIN, 0.145, 0.149),
    ("api 10m ending 5 min into the gap", API, 600, M["api_gap_start"] + 5 * MIN, 0.535, 0.559),
    ("checkout 1h with off-grid samples", CHECKOUT, 3600, END - 20 * MIN, 0.0002, 0),
    ("checkout 5m with off-grid samples", CHECKOUT, 300, END - 20 * MIN, 0.014, 0),
    ("checkout 502 in the hour it appeared", CHECKOUT_502, 3600, M["checkout_502_appears"] + 40 * MIN, 0.0043, 0),
    ("checkout 1h as traffic stops", CHECKOUT, 3600, M["checkout_idle_start"] + 20 * MIN, 0.0044, 0),
    ("checkout 1h as traffic resumes", CHECKOUT, 3600, M["checkout_idle_end"] + 20 * MIN, 0.0084, 0),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s[0].replace(" ", "_") for s in SCENARIOS])
def test_increase_differs_from_the_true_event_count_by_the_documented_bound(
        history: History, scenario: tuple[str, str, float, int, float, float]) -> None:
    """The figures of docs/report-correctness.md; VictoriaMetrics is exact unless a window edge lies in the gap."""
    _, selector, window_s, t_ms, prom_bound, vm_bound = scenario
    prom, vm, true = increase_vs_truth(history, selector, window_s, t_ms)
    assert true > 0
    assert abs(prom / true - 1) <= prom_bound + 1e-12
    assert abs(vm / true - 1) <= vm_bound + 1e-12


def test_increase_over_zero_traffic_is_zero_on_both_backends(history: History) -> None:
    t = M["checkout_idle_start"] + 2 * HOUR
    assert increase_vs_truth(history, CHECKOUT, 3600, t) == (0.0, 0.0, 0.0)
