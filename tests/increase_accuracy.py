"""How far `increase()` (Prometheus 2.42 and VictoriaMetrics 1.79, via the oracle) is from the true event count on
the synthetic history; `python tests/increase_accuracy.py` prints the table quoted in docs/report-correctness.md.

For each service and window, the evaluation time sweeps the history every 997 s (windows under a day) or every
3 h 7 s (a day and more), once rounded down to the 30 s grid ("on") and once as is ("off"). Errors:
`total` = |increase / true events - 1| of all requests; `ratio` = |estimated error ratio - true error ratio|
(absolute, in percentage points), where the error ratio is 5xx / all.
"""
from __future__ import annotations

import math
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import promql_oracle as oracle  # noqa: E402
import slo_history  # noqa: E402
from slo_history import History  # noqa: E402

BACKENDS = ("prometheus", "victoriametrics")
WINDOWS = (300, 3600, 6 * 3600, 86400, 3 * 86400)


@dataclass
class Errors:
    total_max: float
    total_mean: float
    ratio_max_pp: float
    count: int


def truth(history: History, selector: str, start_ms: int, end_ms: int) -> float:
    return math.fsum(slo_history.true_events(history, labels, start_ms, end_ms)
                     for labels in oracle.select(history.series, selector))


def estimate(history: History, selector: str, window_s: float, t_ms: int, backend: str) -> float:
    return math.fsum(oracle.evaluate(history.series, "increase", selector, window_s, t_ms, backend=backend).values())


def sweep(history: History, service: str, window_s: int, on_grid: bool, backend: str) -> Errors:
    total_sel = f'http_requests_total{{service="{service}"}}'
    bad_sel = f'http_requests_total{{service="{service}",status=~"5.."}}'
    step = 997_000 if window_s < 86400 else 3 * 3_600_000 + 7_000
    totals: list[float] = []
    ratios: list[float] = []
    t = history.start + window_s * 1000 + 3_600_000
    while t <= history.end:
        at = t - t % 30_000 if on_grid else t
        start = at - window_s * 1000
        true_total, true_bad = truth(history, total_sel, start, at), truth(history, bad_sel, start, at)
        est_total = estimate(history, total_sel, window_s, at, backend)
        est_bad = estimate(history, bad_sel, window_s, at, backend)
        if true_total > 0 and est_total > 0:
            totals.append(abs(est_total / true_total - 1))
            ratios.append(abs(est_bad / est_total - true_bad / true_total) * 100)
        t += step
    return Errors(max(totals), statistics.fmean(totals), max(ratios), len(totals))


def main() -> None:
    history = slo_history.generate()
    print("| service | window | eval time | n | Prometheus total max / mean | Prometheus ratio max (pp) "
          "| VictoriaMetrics total max / mean | VictoriaMetrics ratio max (pp) |")
    print("|---|---|---|---|---|---|---|---|")
    for service in ("api", "checkout"):
        for window in WINDOWS:
            for on_grid in (True, False):
                prom, vm = (sweep(history, service, window, on_grid, backend) for backend in BACKENDS)
                label = f"{window // 86400}d" if window >= 86400 else f"{window // 3600}h" if window >= 3600 \
                    else f"{window // 60}m"
                print(f"| {service} | {label} | {'on grid' if on_grid else 'off grid'} | {prom.count} "
                      f"| {prom.total_max:.2e} / {prom.total_mean:.1e} | {prom.ratio_max_pp:.3f} "
                      f"| {vm.total_max:.2e} / {vm.total_mean:.1e} | {vm.ratio_max_pp:.3f} |")


if __name__ == "__main__":
    main()
