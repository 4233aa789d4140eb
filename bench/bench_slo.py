"""Build 1,000 SLOs (rules, generated tests, dashboards) and run a sample of their generated tests.

Every figure is a ratio against a baseline measured in the same run:
- build: `mrm-observe build` against serialising and writing the very same files with PyYAML's C dumper
  and json (the least any tool must do to produce them). Target: within 1.25x.
- generated tests: bytes per SLO, and promtool seconds per SLO against a small one-alert promtool test
  run the same way beside them.
- `mrm-observe test` (build + tests over 2 promtool processes) against promtool called directly on the
  same built test files (also 2 processes). Target: within 1.2x.
- planted bugs: the tests in tests/test_slo_promtool.py that break generated rules on purpose must all fail
  the generated tests (run with pytest; reported as caught / planted).
By default the test phase runs a sample of SLOs: `python -m bench.bench_slo --test-slos 1000` runs all of them.
Each measurement runs `--repeat` times (interleaved with its baseline) and the least counts: on shared cores the
least is the cost, the rest is other people's work.
The CLI runs as `python -m mrm_observe` with this interpreter, so any virtualenv works.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MRM = [sys.executable, "-m", "mrm_observe"]
SMALL_RULES = """groups:
- name: small
  rules:
  - alert: InstanceDown
    expr: up == 0
    labels: {severity: critical}
"""
SMALL_TEST = """rule_files: [small.rules.yaml]
evaluation_interval: 1m
tests:
- interval: 1m
  input_series:
  - series: up{job="a"}
    values: 1 1 0 0
  alert_rule_test:
  - eval_time: 3m
    alertname: InstanceDown
    exp_alerts:
    - exp_labels: {severity: critical, job: a}
"""
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


def write_project(root: Path, count: int, modules: int = 10, module: str = MODULE) -> None:
    """`count` SLOs in `modules` files under root/slo, each file `module` formatted with its range of SLO numbers."""
    (root / "slo").mkdir(parents=True)
    per = -(-count // modules)
    for m in range(modules):
        start, stop = m * per, min(count, (m + 1) * per)
        if start < stop:
            (root / "slo" / f"team{m}.py").write_text(module.format(start=start, stop=stop,
                                                                   services=max(1, count // 10)))


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(args: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds, result) of one command."""
    began, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ})
    return time.perf_counter() - began, children_cpu() - cpu, done


def baseline(built: Path, scratch: Path) -> tuple[float, float]:
    """(wall, CPU) seconds to serialise and write every built file again with PyYAML's C dumper and json
    (loaded untimed)."""
    loaded = []
    for path in sorted(p for p in built.rglob("*") if p.is_file()):
        text = path.read_text()
        loaded.append((path.relative_to(built), path.suffix == ".json",
                       json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=yaml.CSafeLoader)))
    began, cpu = time.perf_counter(), time.process_time()
    for rel, is_json, data in loaded:
        out = scratch / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if is_json:
            out.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        else:
            out.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False,
                                     width=120))
    return time.perf_counter() - began, time.process_time() - cpu


def small_tests(folder: Path, count: int) -> tuple[float, float]:
    """promtool on `count` copies of a one-alert test file, the same way as the SLO tests (2 processes)."""
    folder.mkdir()
    (folder / "small.rules.yaml").write_text(SMALL_RULES)
    for i in range(count):
        (folder / f"small{i}_test.yaml").write_text(SMALL_TEST)
    return direct(sorted(folder.glob("*_test.yaml")), folder)


def planted_bugs() -> tuple[int, int]:
    """(caught, planted): the planted-bug tests of tests/test_slo_promtool.py, run with pytest."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_slo_promtool.py", "-k", "catch"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error)", done.stdout)}
    return counts.get("passed", 0), sum(counts.values())


def direct(files: list[Path], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of promtool itself on the same files, split over 2 processes."""
    began, cpu = time.perf_counter(), children_cpu()
    procs = [subprocess.Popen(["promtool", "test", "rules", *map(str, files[i::2])], cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(2) if files[i::2]]
    codes = [p.wait() for p in procs]
    if any(codes):
        sys.exit("promtool failed on the generated tests")
    return time.perf_counter() - began, children_cpu() - cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--test-slos", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement; the least counts")
    args = parser.parse_args(argv if argv is not None else sys.argv[2:] if sys.argv[1:2] == ["bench_slo"] else [])
    with tempfile.TemporaryDirectory() as scratch:
        big, small = Path(scratch) / "big", Path(scratch) / "small"
        write_project(big, args.slos)
        builds, baselines = [], []
        for run in range(args.repeat):  # interleaved; the least of each is the figure (others share these cores)
            shutil.rmtree(big / "build", ignore_errors=True)
            build_s, build_cpu, done = timed([*MRM, "build", "--source", "slo"], big)
            if done.returncode:
                sys.exit(done.stderr)
            builds.append((build_cpu, build_s))
            baselines.append(baseline(big / "build", Path(scratch) / f"baseline{run}")[::-1])
        (build_cpu, build_s), (base_cpu, base_s) = min(builds), min(baselines)
        manifest = json.loads((big / "build" / "manifest.json").read_text())["files"]
        rules = [m["rules"] for m in manifest.values() if m["kind"] == "rules"]
        dashboards = sum(m["kind"] == "dashboard" for m in manifest.values())
        built = [p.stat().st_size for p in (big / "build").rglob("*") if p.is_file()]
        test_bytes = sum(p.stat().st_size for p in (big / "build" / "tests").glob("*_test.yaml"))
        write_project(small, args.test_slos)
        mrm, straight = [], []
        for _ in range(args.repeat):
            mrm_s, _, done = timed([*MRM, "test", "--source", "slo"], small)
            if done.returncode:
                sys.exit(done.stdout + done.stderr)
            files = sorted((small / "build" / "tests").glob("*_test.yaml"))
            mrm.append(mrm_s)
            straight.append(direct(files, small / "build" / "tests"))
        mrm_s, (direct_s, direct_cpu) = min(mrm), min(straight)
        small_s, small_cpu = small_tests(Path(scratch) / "one-alert", len(files))
    caught, planted = planted_bugs()
    per_slo_rules = sum(rules) / len(rules)
    n = len(files)
    rows = [
        ("SLOs built (rules + tests + dashboards)",
         f"{args.slos} ({len(built)} files, {sum(built) / 2**20:.1f} MiB, {dashboards} dashboards)"),
        ("build", f"{build_s:.2f} s wall, {build_cpu:.2f} s CPU ({1000 * build_cpu / args.slos:.1f} ms CPU per SLO)"),
        ("baseline: same files, C dumper + json", f"{base_s:.2f} s wall, {base_cpu:.2f} s CPU"),
        ("ratio build / baseline", f"{build_cpu / base_cpu:.2f}x CPU, {build_s / base_s:.2f}x wall (target <= 1.25x)"),
        ("rules per SLO", f"{per_slo_rules:.1f}"),
        ("recorded series per SLO", f"{per_slo_rules - 4:.1f} (+ up to 4 ALERTS series while firing)"),
        ("generated test bytes per SLO", f"{test_bytes / args.slos / 1024:.1f} KiB"),
        ("generated test files run", f"{n}"),
        ("promtool directly (2 processes)",
         f"{direct_s:.2f} s wall, {direct_cpu:.2f} s CPU ({1000 * direct_cpu / n:.0f} ms CPU per SLO)"),
        ("one-alert test file, same way", f"{small_s:.2f} s wall, {small_cpu:.2f} s CPU ({1000 * small_cpu / n:.0f} ms CPU per file)"),
        ("ratio SLO test / one-alert test", f"{direct_cpu / small_cpu:.1f}x CPU"),
        ("mrm-observe test (build + 2 processes)", f"{mrm_s:.2f} s ({1000 * mrm_s / n:.0f} ms per SLO)"),
        ("ratio mrm-observe test / promtool", f"{mrm_s / direct_s:.2f}x wall (target <= 1.2x)"),
        ("planted bugs caught by the generated tests", f"{caught}/{planted}"),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")


if __name__ == "__main__":
    main(sys.argv[1:])
