"""Issue 9's benchmark: `mrm-observe report` for 100 SLOs on a real Prometheus holding 30 days of history at 30 s.

The history (per SLO a service sN with 200 and 500 counters, uneven traffic, some incidents, and the series the
SLOs' recording rules would have written: 5m event rates every minute, window error ratios at the end) is
generated as OpenMetrics text and backfilled with promtool (untimed); Prometheus starts on a free 127.0.0.1 port
in a temporary folder and is left to compact the backfilled 2h blocks as it would over 30 days. Then, in the same
run, straight to Prometheus:
  report        `mrm-observe report --at END --format json` (this interpreter, `-m mrm_observe`), wall time
  bare          the batched queries alone: the very PromQL the report sends, 8 at a time with httpx, nothing
                else: what any tool must at least wait for
  recordings    `mrm-observe report --from recordings`, the same from the recorded slo:* series
  slo-generator Google's slo-generator (`compute`, Prometheus backend, good_bad_ratio with filter_good and
                filter_valid, an error budget policy with the report's windows), with `--slo-generator` installed
                into a throwaway virtualenv under the scratch folder (`slo-generator[prometheus]`, `setuptools<81`)
                unless one is on PATH; "not installed" otherwise.
Each measurement runs `--repeat` times (interleaved) and the least counts: on shared cores the least is the cost.
Requests are counted in one more, untimed run of each through a recording loopback proxy (HTTP_PROXY), which
would slow the timed runs down; it comes first and leaves the programs' bytecode compiled in the scratch folder,
as an installed package has it (also where PYTHONDONTWRITEBYTECODE is set). Targets: the report at least 5x
faster than slo-generator, within 1.5x of the bare queries, and under 3 s.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import httpx

from bench.bench_slo import write_project
from mrm_observe.durations import parse_duration
from mrm_observe.project import Project, load
from mrm_observe.pipeline_report import QUERY_POOL, planned
from mrm_observe.query_batch import requests
from mrm_observe.report import period_of, windows_of
from tests.forward_proxy import ForwardProxy
from tests.prometheus_server import PrometheusServer

MRM = [sys.executable, "-m", "mrm_observe"]
STEP = 30
RECORDED_STEP = 60
"""The recording rules' evaluation interval."""
BLOCK = 7200
"""promtool writes 2h blocks and reads its whole input once per block: the history goes in one file per block."""
MODULE = '''
from mrm_observe import SLO, ErrorRatioSLI

def availability(n):
    return SLO(service=f"s{{n}}", name="availability", objective=99.9, period="30d",
               sli=ErrorRatioSLI(bad=f'sum(rate(http_requests_total{{{{service="s{{n}}",status=~"5.."}}}}[{{{{{{{{window}}}}}}}}]))',
                                 total=f'sum(rate(http_requests_total{{{{service="s{{n}}"}}}}[{{{{{{{{window}}}}}}}}]))'))

slos = [availability(n) for n in range({start}, {stop})]
'''
SLO_GENERATOR = """apiVersion: sre.google.com/v2
kind: ServiceLevelObjective
metadata:
  name: s{n}-availability
  labels: {{service_name: s{n}, feature_name: availability, slo_name: availability}}
spec:
  description: share of requests of s{n} that do not fail
  backend: prometheus
  method: good_bad_ratio
  error_budget_policy: default
  exporters: []
  service_level_indicator:
    filter_good: http_requests_total{{service="s{n}",status!~"5.."}}[window]
    filter_valid: http_requests_total{{service="s{n}"}}[window]
  goal: 0.999
"""


def write_history(folder: Path, count: int, start: int, end: int, windows: dict[str, int]) -> list[Path]:
    """OpenMetrics files, one per 2h block, with every service's 200 and 500 counters every STEP seconds, and what
    the SLOs' recording rules would have written (RECORDED_STEP apart): the 5m event rates over the whole history
    and, at the last two evaluations, the error ratio over each of `windows` ({window: seconds}).

    Service n serves 2 + n % 9 requests per second, more by day than by night, with 0.05 % errors; every 7th
    service has a 40 % error incident of an hour on day (n % 5) + 1 before the end, and every 10th restarts
    (counter reset) in the middle of the history. Counters are integers, so the text stays short.
    """
    folder.mkdir(parents=True, exist_ok=True)
    day = [10 + 6 * abs((s * STEP % 86400) / 43200 - 1) for s in range(86400 // STEP)]  # tenths: 1.0 .. 1.6
    good, bad = [0] * count, [0] * count
    names = [tuple(f'http_requests_total{{service="s{n}",status="{status}"}} ' for status in (200, 500))
             for n in range(count)]
    ident = [f'{{sloth_id="s{n}-availability",sloth_service="s{n}",sloth_slo="availability"}} ' for n in range(count)]
    recorded = [tuple(name + ident[n] for name in ("slo:sli_bad_events:rate5m", "slo:sli_total_events:rate5m"))
                for n in range(count)]
    ratio_names = {w: f"slo:sli_error:ratio_rate{w}" for w in windows}
    incidents = [(end - ((n % 5) + 1) * 86400, end - ((n % 5) + 1) * 86400 + 3600) if n % 7 == 0 else (0, 0)
                 for n in range(count)]
    reset = start + (end - start) // 2 // STEP * STEP
    last = [end - RECORDED_STEP, end]
    wanted = {t - seconds for t in last for seconds in windows.values()}
    recent: list[deque[tuple[int, int]]] = [deque(maxlen=300 // STEP) for _ in range(count)]
    events = [[0, 0] for _ in range(count)]  # (errors, requests) since the start, resets not counted
    events_at: list[dict[int, tuple[int, int]]] = [{} for _ in range(count)]
    files = []
    for block in range(start - start % BLOCK, end + 1, BLOCK):
        times = range(max(start, block), min(end, block + BLOCK - STEP) + 1, STEP)
        lines = ["# TYPE http_requests counter\n"]
        rates: list[str] = []
        ratios: dict[str, list[str]] = {w: [] for w in windows}
        for n in range(count):
            rate = 2 + n % 9
            g, b = good[n], bad[n]
            ok_lines, bad_lines, bad_rates, total_rates = [], [], [], []
            low, high = incidents[n]
            for t in times:
                if t == reset and n % 10 == 0:
                    g = b = 0
                total = rate * day[t % 86400 // STEP] * STEP // 10
                errors = total * 4 // 10 if low <= t < high else (total + t % 2000) // 2000
                g += total - errors
                b += errors
                ok_lines.append(f"{g} {t}\n")
                bad_lines.append(f"{b} {t}\n")
                recent[n].append((errors, total))
                events[n][0] += errors
                events[n][1] += total
                if t in wanted:
                    events_at[n][t] = (events[n][0], events[n][1])
                if t % RECORDED_STEP == 0:
                    bad_rates.append(f"{sum(e for e, _ in recent[n]) / 300:g} {t}\n")
                    total_rates.append(f"{sum(r for _, r in recent[n]) / 300:g} {t}\n")
                if t in last:
                    for window, seconds in windows.items():
                        then = events_at[n].get(t - seconds, (0, 0))
                        requests = events[n][1] - then[1]
                        if requests:
                            ratios[window].append(f"{ratio_names[window]}{ident[n]}"
                                                  f"{(events[n][0] - then[0]) / requests:g} {t}\n")
            good[n], bad[n] = g, b
            lines.append(names[n][0] + names[n][0].join(ok_lines))
            lines.append(names[n][1] + names[n][1].join(bad_lines))
            rates.append(recorded[n][0] + recorded[n][0].join(bad_rates) if bad_rates else "")
            rates.append(recorded[n][1] + recorded[n][1].join(total_rates) if total_rates else "")
        for family, parts in (("slo:sli_bad_events:rate5m", rates[0::2]), ("slo:sli_total_events:rate5m", rates[1::2]),
                              *((ratio_names[w], ratios[w]) for w in windows)):
            if any(parts):
                lines.append(f"# TYPE {family} gauge\n" + "".join(parts))
        path = folder / f"{block}.om"
        path.write_text("".join(lines) + "# EOF\n")
        files.append(path)
    return files


def backfill(files: list[Path], data: Path) -> None:
    """promtool on each block's file, two at a time (the machine's cores)."""
    data.mkdir(parents=True, exist_ok=True)
    promtool = shutil.which("promtool") or "promtool"

    def one(path: Path) -> None:
        subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "-q", str(path), str(data)],
                       check=True, capture_output=True, text=True)
        path.unlink()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, files))


def wait_for_compaction(server: PrometheusServer, first: float = 100.0, quiet: float = 15.0,
                        limit: float = 600.0) -> int:
    """Prometheus compacts the 2h blocks a minute after it starts: when there is a day of them or more, wait until it
    has begun (at most `first` seconds) and stays quiet for `quiet` seconds. The number of blocks then."""
    data = server.workdir / "data"

    def state() -> tuple[str, ...]:
        return tuple(sorted(p.name for p in data.iterdir() if p.is_dir() and p.name not in ("wal", "chunks_head")))

    begun = time.monotonic()
    last, since = state(), time.monotonic()
    if len(last) < 12:
        return len(last)
    while time.monotonic() - begun < limit:
        time.sleep(1)
        now = state()
        if now != last:
            last, since = now, time.monotonic()
        elif "compact blocks" not in server.log():
            if time.monotonic() - begun > first:
                break
        elif time.monotonic() - since > quiet:
            break
    return len([name for name in last if not name.endswith(".tmp")])


def proxy_env(proxy: ForwardProxy | None, pycache: Path) -> dict[str, str]:
    """The environment of a run: requests straight to Prometheus, or through `proxy` when one is given; Python's
    bytecode cached under `pycache` (as an installed package has it compiled) even where the environment says
    not to write it."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy",
                                                                     "no_proxy") and k != "PYTHONDONTWRITEBYTECODE"}
    through = {"HTTP_PROXY": proxy.url, "http_proxy": proxy.url, "NO_PROXY": "", "no_proxy": ""} if proxy else {}
    return {**env, **through, "CI": "1", "PYTHONPYCACHEPREFIX": str(pycache)}


def queries_seen(proxy: ForwardProxy) -> int:
    return sum("/api/v1/query" in seen.url for seen in proxy.seen)


def run_report(root: Path, url: str, end: int, proxy: ForwardProxy | None = None, source: str = "raw") -> dict:
    done = subprocess.run([*MRM, "report", "--prometheus-url", url, "--at", str(end), "--format", "json",
                           "--from", source],
                          cwd=root, env=proxy_env(proxy, root.parent / "pycache"), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"mrm-observe report failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def bare_queries(root: Path, url: str, end: int) -> tuple[Callable[[], None], int]:
    """The report's batched PromQL, ready to send QUERY_POOL at a time with httpx, and how many requests it is."""
    at = datetime.fromtimestamp(end, timezone.utc)
    slos = [item.obj for item in load(Project.at(root)).slos]
    jobs = planned(slos, {slo.id: period_of(slo, "rolling", at) for slo in slos}, "raw")
    texts = [r.expr for r in requests([expr for _, _, expr in jobs], [key for _, key, _ in jobs])]

    def run() -> None:
        with httpx.Client(base_url=url, trust_env=False, timeout=120) as client, ThreadPoolExecutor(QUERY_POOL) as pool:
            def ask(query: str) -> None:
                answer = client.get("/api/v1/query", params={"query": query, "time": f"{end:.3f}"})
                answer.raise_for_status()
                assert answer.json()["status"] == "success"
            list(pool.map(ask, texts))
    return run, len(texts)


def slo_generator(scratch: Path, install: bool) -> str | None:
    """The slo-generator command: on PATH, or installed into a throwaway virtualenv when `install`; else None."""
    if found := shutil.which("slo-generator"):
        return found
    if not install:
        return None
    venv = scratch / "slo-generator-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "slo-generator[prometheus]", "setuptools<81"],
                   check=True)
    return str(venv / "bin" / "slo-generator")


def write_slo_generator(folder: Path, count: int, url: str, windows: list[str]) -> None:
    """slo-generator's config: the Prometheus backend and an error budget policy with the report's windows."""
    (folder / "slos").mkdir(parents=True)
    steps = [{"name": window, "window": parse_duration(window), "burn_rate_threshold": 1, "alert": False,
              "message_alert": "burning", "message_ok": "ok"} for window in windows]
    (folder / "config.yaml").write_text(json.dumps({
        "backends": {"prometheus": {"url": url}}, "exporters": {},
        "error_budget_policies": {"default": {"steps": steps}}}, indent=1))
    for n in range(count):
        (folder / "slos" / f"s{n}.yaml").write_text(SLO_GENERATOR.format(n=n))


def run_slo_generator(command: str, folder: Path, end: int, proxy: ForwardProxy | None = None) -> None:
    done = subprocess.run([command, "compute", "-f", str(folder / "slos"), "-c", str(folder / "config.yaml"),
                           "-t", str(end)], cwd=folder, env=proxy_env(proxy, folder.parent / "pycache"),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"slo-generator failed ({done.returncode}): {done.stderr[-2000:]}")


def seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def counted(run: Callable[[ForwardProxy], object], proxy: ForwardProxy) -> tuple[object, int]:
    """What one more run (untimed, through the recording proxy) returns and the queries it sent."""
    proxy.seen.clear()
    return run(proxy), queries_seen(proxy)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=100)
    parser.add_argument("--days", type=float, default=30, help="days of history (at 30 s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the least counts")
    parser.add_argument("--slo-generator", action="store_true",
                        help="install slo-generator into a throwaway virtualenv when it is not on PATH")
    args = parser.parse_args([] if argv is None else argv)
    end = int(time.time()) // STEP * STEP  # slo-generator's Prometheus backend always asks at "now"
    start = end - round(args.days * 86400) // STEP * STEP
    with tempfile.TemporaryDirectory(prefix="bench-report-") as name:
        scratch = Path(name)
        root = scratch / "project"
        write_project(root, args.slos, module=MODULE)
        slos = [item.obj for item in load(Project.at(root)).slos]
        windows = [*windows_of(slos[0]), slos[0].period]
        began = time.perf_counter()
        files = write_history(scratch / "history", args.slos, start, end, {w: parse_duration(w) for w in windows})
        written = time.perf_counter() - began
        backfill(files, scratch / "prometheus" / "data")
        backfilled = time.perf_counter() - began - written
        command = slo_generator(scratch, args.slo_generator)
        with PrometheusServer.start(scratch / "prometheus", rule_files=(),
                                    extra_args=["--storage.tsdb.retention.time=400d"]) as prometheus, \
                ForwardProxy(timeout=None) as proxy:
            blocks = wait_for_compaction(prometheus)
            print(f"{args.slos} SLOs, {args.days:g} days at {STEP} s ({2 * args.slos * ((end - start) // STEP + 1):,} "
                  f"samples, and the recorded 5m event rates every {RECORDED_STEP} s): history written in "
                  f"{written:.1f} s, backfilled in {backfilled:.1f} s, {blocks} blocks after compaction", flush=True)
            if command is not None:
                write_slo_generator(scratch / "slo-generator", args.slos, prometheus.url, windows)
            bare, asked = bare_queries(root, prometheus.url, end)
            runs: dict[str, Callable[[ForwardProxy | None], object]] = {
                "report": lambda via: run_report(root, prometheus.url, end, via),
                "recordings": lambda via: run_report(root, prometheus.url, end, via, "recordings")}
            if command is not None:
                runs["slo-generator"] = lambda via: run_slo_generator(command, scratch / "slo-generator", end, via)
            answers = {name: counted(run, proxy) for name, run in runs.items()}  # first: it compiles the bytecode
            times: dict[str, list[float]] = {name: [] for name in ("report", "bare", *runs)}
            for _ in range(args.repeat):  # timed runs go straight to Prometheus; the proxy would slow them down
                for name, run in runs.items():
                    times[name].append(seconds(lambda: run(None)))
                times["bare"].append(seconds(bare))
    best = {name: {"seconds": min(found), "queries": float(answers[name][1] if name in answers else asked)}
            for name, found in times.items()}
    document, recorded = answers["report"][0], answers["recordings"][0]
    report(best, args, windows, document, command, agreement(document, recorded))


def agreement(raw: dict, recorded: dict) -> float:
    """The largest difference in remaining budget (share of the budget) between the two reports' SLOs."""
    left = {e["id"]: e["error_budget"]["remaining_fraction"] for e in raw["slos"]}
    return max(abs(left[e["id"]] - e["error_budget"]["remaining_fraction"]) for e in recorded["slos"])


def report(best: dict[str, dict[str, float]], args: argparse.Namespace, windows: list[str], document: dict,
           command: str | None, differs: float) -> None:
    statuses = sorted({entry["status"] for entry in document["slos"]})
    print(f"windows per SLO: {', '.join(windows)}; report statuses: {', '.join(statuses)}; "
          f"least of {args.repeat} runs each")
    print(f"{'run':<44}{'seconds':>9}{'queries':>9}{'report / run':>14}")
    for name, label in (("report", "mrm-observe report --format json"),
                        ("bare", "bare batched queries (httpx, 8 at once)"),
                        ("recordings", "mrm-observe report --from recordings"),
                        ("slo-generator", "slo-generator compute (Prometheus backend)")):
        if name not in best:
            print(f"{label:<44}{'not installed':>32}")
            continue
        row = best[name]
        ratio = best["report"]["seconds"] / row["seconds"]
        print(f"{label:<44}{row['seconds']:>9.2f}{row['queries']:>9.0f}{ratio:>13.2f}x")
    if command is not None:
        print("slo-generator's Prometheus backend ignores -t/--timestamp (it asks at the server's now), so its windows "
              "end a few seconds to minutes after the report's --at")
    seconds = best["report"]["seconds"]
    verdicts = []
    if "slo-generator" in best:
        faster = best["slo-generator"]["seconds"] / seconds
        verdicts.append(("slo-generator / report", faster, ">= 5x", faster >= 5))
    near = seconds / best["bare"]["seconds"]
    verdicts.append(("report / bare", near, "<= 1.5x", near <= 1.5))
    for label, value, target, ok in verdicts:
        print(f"{label}: {value:.2f}x (target {target}): {'met' if ok else 'MISSED'}")
    print(f"report wall time: {seconds:.2f} s (target < 3 s): {'met' if seconds < 3 else 'MISSED'}")
    if "slo-generator" not in best:
        print("slo-generator: not installed (pass --slo-generator to install it into a throwaway virtualenv); "
              "ratio skipped")
    cheaper = seconds / best["recordings"]["seconds"]
    print(f"--from recordings: {cheaper:.2f}x faster than from raw events, {best['recordings']['queries']:.0f} queries; "
          f"remaining budgets agree within {differs:.4f} of the budget")


if __name__ == "__main__":
    main(sys.argv[1:])
