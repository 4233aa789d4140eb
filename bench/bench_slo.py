"""Issue 3's benchmark: build 1,000 SLOs (rules, generated tests, dashboards) and run their generated tests.

Reports the build time per SLO, rules and recorded series per SLO, promtool test time per SLO, and the
ratio of `mrm-observe test` (build + tests over 2 promtool processes) to calling promtool directly on the
same built test files (also 2 processes), measured in the same run. Target: within 1.2x.
By default the test phase runs a sample of SLOs (a full run of 1,000 takes ~10 minutes on 2 cores):
`python -m bench.bench_slo --test-slos 1000` runs all of them.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MRM = ROOT / ".venv" / "bin" / "mrm-observe"
MODULE = '''
from mrm_observe import SLO, ErrorRatioSLI, LatencySLI

def make(i):
    service = f"svc{{i % {services}}}"
    if i % 3 == 2:
        return SLO(service=service, name=f"latency-{{i}}", objective=99, alerting={{"runbook_url": "http://127.0.0.1/rb"}},
                   sli=LatencySLI(histogram="http_request_duration_seconds", threshold=0.5, selector=f'job="j{{i}}"'))
    return SLO(service=service, name=f"availability-{{i}}", objective=(99.9, 99.5)[i % 2],
               alerting={{"runbook_url": "http://127.0.0.1/rb"}},
               sli=ErrorRatioSLI(bad=f'sum(rate(http_requests_total{{{{job="j{{i}}",code=~"5.."}}}}[{{{{{{{{window}}}}}}}}]))',
                                 total=f'sum(rate(http_requests_total{{{{job="j{{i}}"}}}}[{{{{{{{{window}}}}}}}}]))'))

slos = [make(i) for i in range({start}, {stop})]
'''


def write_project(root: Path, count: int, modules: int = 10) -> None:
    (root / "slo").mkdir(parents=True)
    per = -(-count // modules)
    for m in range(modules):
        start, stop = m * per, min(count, (m + 1) * per)
        if start < stop:
            (root / "slo" / f"team{m}.py").write_text(MODULE.format(start=start, stop=stop, services=max(1, count // 10)))


def timed(args: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    began = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ})
    return time.perf_counter() - began, done


def direct(files: list[Path], cwd: Path) -> float:
    """promtool itself on the same files, split over 2 processes."""
    began = time.perf_counter()
    procs = [subprocess.Popen(["promtool", "test", "rules", *map(str, files[i::2])], cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(2) if files[i::2]]
    codes = [p.wait() for p in procs]
    if any(codes):
        sys.exit("promtool failed on the generated tests")
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--test-slos", type=int, default=100)
    args = parser.parse_args(argv if argv is not None else sys.argv[2:] if sys.argv[1:2] == ["bench_slo"] else [])
    with tempfile.TemporaryDirectory() as scratch:
        big, small = Path(scratch) / "big", Path(scratch) / "small"
        write_project(big, args.slos)
        build_s, done = timed([str(MRM), "build", "--source", "slo"], big)
        if done.returncode:
            sys.exit(done.stderr)
        manifest = json.loads((big / "build" / "manifest.json").read_text())["files"]
        rules = [m["rules"] for m in manifest.values() if m["kind"] == "rules"]
        dashboards = sum(m["kind"] == "dashboard" for m in manifest.values())
        write_project(small, args.test_slos)
        mrm_s, done = timed([str(MRM), "test", "--source", "slo"], small)
        if done.returncode:
            sys.exit(done.stdout + done.stderr)
        files = sorted((small / "build" / "tests").glob("*_test.yaml"))
        direct_s = direct(files, small / "build" / "tests")
    per_slo_rules = sum(rules) / len(rules)
    rows = [
        ("SLOs built (rules + tests + dashboards)", f"{args.slos} ({dashboards} dashboards)"),
        ("build time", f"{build_s:.2f} s ({1000 * build_s / args.slos:.1f} ms per SLO)"),
        ("rules per SLO", f"{per_slo_rules:.1f}"),
        ("recorded series per SLO", f"{per_slo_rules - 4:.1f} (+ up to 4 ALERTS series while firing)"),
        ("generated test files run", f"{len(files)}"),
        ("promtool directly (2 processes)", f"{direct_s:.2f} s ({1000 * direct_s / len(files):.0f} ms per SLO)"),
        ("mrm-observe test (build + 2 processes)", f"{mrm_s:.2f} s ({1000 * mrm_s / len(files):.0f} ms per SLO)"),
        ("ratio mrm-observe test / promtool", f"{mrm_s / direct_s:.2f}x (target <= 1.2x)"),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")


if __name__ == "__main__":
    main(sys.argv[1:])
