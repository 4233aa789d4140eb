"""Issue 10's benchmark: `mrm-observe tune` back-testing 50 alert rules over 30 days of history at 30 s.

The history is bench_report's (per service sN 200 and 500 counters, uneven traffic, a 40 % error incident of an hour
for every 7th service, a counter reset for every 10th), for 50 services, backfilled with promtool (untimed) into a
Prometheus on a free 127.0.0.1 port, left to compact. The rules: one group evaluated every minute with, per
service, `HighErrorRateSn`: its 5xx share over 5m above 5 % for 5m. Then, in the same run, straight to Prometheus:
  back-test     `mrm-observe tune --rules FILE --start S --end E --format json` for all 50 rules
  bare          the range queries that back-test sends (each rule's expression without its comparison, at 1m,
                cut at 11,000 points), 4 at a time with httpx: what any back-test must at least wait for
  one alert     the same for `--alert HighErrorRateS0`
  grid          `--alert HighErrorRateS0` with 5 thresholds x 10 `for` values: a 50-combination what-if grid
Each measurement runs `--repeat` times (interleaved) and the least counts; requests are counted in one more, untimed
run of each through a recording loopback proxy, made first so that it leaves the bytecode compiled (see
bench_report). Targets: the 50-rule back-test under 30 s, the grid within 1.5x of
the single back-test of that alert.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import httpx
import yaml

from bench.bench_report import STEP, backfill, proxy_env, queries_seen, wait_for_compaction, write_history
from mrm_observe.pipeline_tune import QUERY_POOL, range_queries, reads
from mrm_observe.tune.backtest import Axes
from mrm_observe.tune.inputs import rule_file_alerts
from tests.forward_proxy import ForwardProxy
from tests.prometheus_server import PrometheusServer

MRM = [sys.executable, "-m", "mrm_observe"]
THRESHOLDS = ("0.01", "0.02", "0.05", "0.1", "0.2")
FORS = ("0s", "1m", "2m", "5m", "10m", "15m", "20m", "30m", "45m", "1h")


def write_rules(path: Path, count: int) -> None:
    rules = [{"alert": f"HighErrorRateS{n}",
              "expr": f'sum(rate(http_requests_total{{service="s{n}",status="500"}}[5m]))\n'
                      f'/\nsum(rate(http_requests_total{{service="s{n}"}}[5m])) > 0.05',
              "for": "5m", "labels": {"severity": "warning", "service": f"s{n}"},
              "annotations": {"summary": f"s{n} fails more than 5 % of requests"}} for n in range(count)]
    path.write_text(yaml.safe_dump({"groups": [{"name": "bench", "interval": "1m", "rules": rules}]}, sort_keys=False))


def tune_command(rules: Path, start: int, end: int, *extra: str) -> list[str]:
    return [*MRM, "tune", "--rules", str(rules), "--start", str(start), "--end", str(end), "--format", "json",
            "--timeout", "120", *extra]


def run(command: list[str], pycache: Path, proxy: ForwardProxy | None = None) -> dict:
    done = subprocess.run(command, env=proxy_env(proxy, pycache), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:5])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def bare_queries(rules: Path, url: str, start: int, end: int) -> tuple[Callable[[], None], int]:
    """The back-test's range queries, ready to send QUERY_POOL at a time with httpx, and how many they are."""
    alerts = rule_file_alerts([rules])
    _, grids, wanted = reads(alerts, Axes(), datetime.fromtimestamp(start, timezone.utc),
                             datetime.fromtimestamp(end, timezone.utc))
    jobs = range_queries(wanted, grids)

    def send() -> None:
        with httpx.Client(base_url=url, trust_env=False, timeout=120) as client, ThreadPoolExecutor(QUERY_POOL) as pool:
            def ask(job: tuple[tuple[str, float], float, float]) -> None:
                (query, step), first, last = job
                answer = client.get("/api/v1/query_range",
                                    params={"query": query, "start": first, "end": last, "step": step})
                answer.raise_for_status()
            list(pool.map(ask, jobs))
    return send, len(jobs)


def seconds(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=50, help="alert rules (one service each)")
    parser.add_argument("--days", type=float, default=30, help="days of history (at 30 s) and of the back-test")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the least counts")
    args = parser.parse_args([] if argv is None else argv)
    end = int(time.time()) // STEP * STEP
    start = end - round(args.days * 86400) // STEP * STEP
    with tempfile.TemporaryDirectory(prefix="bench-tune-") as name:
        scratch = Path(name)
        began = time.perf_counter()
        backfill(write_history(scratch / "history", args.rules, start, end, {}), scratch / "prometheus" / "data")
        loaded = time.perf_counter() - began
        rules = scratch / "rules.yaml"
        write_rules(rules, args.rules)
        with PrometheusServer.start(scratch / "prometheus", rule_files=(),
                                    extra_args=["--storage.tsdb.retention.time=400d"]) as prometheus, \
                ForwardProxy(timeout=None) as proxy:
            blocks = wait_for_compaction(prometheus)
            print(f"{args.rules} rules over {args.days:g} days at {STEP} s: history written and backfilled in "
                  f"{loaded:.1f} s, {blocks} blocks after compaction", flush=True)
            url = prometheus.url
            back_test = tune_command(rules, start + 3600, end, "--prometheus-url", url)
            one = [*back_test, "--alert", "HighErrorRateS0"]
            grid = [*one, *(a for t in THRESHOLDS for a in ("--threshold", t)), *(a for f in FORS for a in ("--for", f))]
            commands = {"back-test": back_test, "one alert": one, "grid": grid}
            bare, asked = bare_queries(rules, url, start + 3600, end)
            counted = {}
            for label, command in commands.items():  # first: it compiles the bytecode
                proxy.seen.clear()
                counted[label] = (run(command, scratch / "pycache", proxy), queries_seen(proxy))
            times: dict[str, list[float]] = {name: [] for name in (*commands, "bare")}
            for _ in range(args.repeat):
                for label, command in commands.items():
                    times[label].append(seconds(lambda: run(command, scratch / "pycache")))
                times["bare"].append(seconds(bare))
    report(args, {k: min(v) for k, v in times.items()}, {**{k: q for k, (_, q) in counted.items()}, "bare": asked},
           counted["back-test"][0], counted["grid"][0])


def report(args: argparse.Namespace, best: dict[str, float], queries: dict[str, int], back_test: dict,
           grid: dict) -> None:
    episodes = sum(a["episode_count"] for a in back_test["alerts"])
    combos = len(grid["alerts"][0]["whatif"])
    print(f"least of {args.repeat} runs each; {len(back_test['alerts'])} alerts back-tested, {episodes} episodes; "
          f"the grid has {combos} combinations")
    print(f"{'run':<58}{'seconds':>9}{'queries':>9}")
    for label, text in (("back-test", f"tune: {args.rules} rules, {args.days:g} days at 1m"),
                        ("bare", "bare range queries of that back-test (httpx, 4 at once)"),
                        ("one alert", "tune --alert HighErrorRateS0"),
                        ("grid", f"tune --alert HighErrorRateS0, {combos}-combination grid")):
        print(f"{text:<58}{best[label]:>9.2f}{queries[label]:>9}")
    ratio = best["grid"] / best["one alert"]
    print(f"back-test / bare: {best['back-test'] / best['bare']:.2f}x")
    print(f"50-rule back-test: {best['back-test']:.2f} s (target < 30 s): "
          f"{'met' if best['back-test'] < 30 else 'MISSED'}")
    print(f"grid / one alert: {ratio:.2f}x (target <= 1.5x): {'met' if ratio <= 1.5 else 'MISSED'}")


if __name__ == "__main__":
    main(sys.argv[1:])
