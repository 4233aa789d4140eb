"""`mrm-observe watch`: a line per run, a new run after a saved change (a real process reading its own output)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from queue import Empty, Queue

import pytest

from mrm_observe.watch import snapshot, watch

LINE = r"^\d\d:\d\d:\d\d (ok|FAIL): "


def test_watch_runs_once_then_again_only_after_a_change(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    polls: list[int] = []

    def sleep(_seconds: float) -> None:
        polls.append(1)
        if len(polls) == 3:  # the third poll sees an edit, the ones before see nothing new
            (tmp_path / "a.py").write_text("x = 22\n")
        if len(polls) == 4:
            (tmp_path / "__pycache__").mkdir()
            (tmp_path / "__pycache__" / "a.pyc").write_bytes(b"ignored")
            (tmp_path / ".hidden").write_text("ignored")
        if len(polls) == 6:
            (tmp_path / "a.py").unlink()
    runs: list[int] = []
    assert watch([tmp_path], lambda: runs.append(len(polls)), 0.01, runs=3, sleep=sleep) == 3
    assert runs == [0, 3, 6]


def test_snapshot_sees_single_files_and_ignores_missing_paths(tmp_path):
    single = tmp_path / "one.py"
    single.write_text("x")
    assert list(snapshot([single, tmp_path / "missing"])) == [str(single)]


@pytest.fixture
def project(sample_project) -> Path:
    return sample_project


def start(project: Path, *args: str) -> tuple[subprocess.Popen, Queue]:
    process = subprocess.Popen([sys.executable, "-m", "mrm_observe", "watch", "--interval", "0.1", *args],
                               cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "CI": "1"})
    lines: Queue = Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    return process, lines


def next_line(lines: Queue, timeout: float = 60) -> str:
    try:
        return lines.get(timeout=timeout)
    except Empty:
        raise AssertionError(f"no line within {timeout} s") from None


def test_watch_reports_each_run_in_one_line_and_reruns_on_save(project):
    process, lines = start(project, "--runs", "3")
    try:
        first = next_line(lines)
        assert re.match(LINE, first) and first.endswith("s)\n") and " ok: 1 dashboards, 1 rule groups, 3 rules, 1 promtool test files; " \
            "promtool tests: 1 passed, 0 failed (" in first
        module = project / "alerts" / "service.py"
        module.write_text(module.read_text().replace("> 0.05", "> 0.95"))  # the promtool test now fails
        second = next_line(lines)
        assert " FAIL: " in second and "promtool tests: 0 passed, 1 failed (service_test.yaml)" in second
        module.write_text(module.read_text().replace('severity="critical"', 'severity="loud"'))
        third = next_line(lines)
        assert " FAIL: 1 problem(s), first: alerts/service.py" in third and "severity" in third
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    assert "watching dashboards, alerts, tests/promtool every 0.1s" in process.stderr.read()


def test_an_edit_that_keeps_the_size_and_the_second_is_built_from_the_new_source(tmp_path, monkeypatch):
    """Python would run a cached .pyc whose source has the same size and whole-second mtime: the old code."""
    from mrm_observe.discover import discover
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # as on a machine that caches bytecode
    module = tmp_path / "slo" / "api.py"
    module.parent.mkdir()
    text = ("from mrm_observe import SLO, ErrorRatioSLI\n"
            "slos = [SLO(service='api', name='availability', objective=99.1, sli=ErrorRatioSLI(\n"
            "    bad='sum(rate(http_requests_total{code=~\"5..\"}[{{window}}]))',\n"
            "    total='sum(rate(http_requests_total[{{window}}]))'))]\n")
    module.write_text(text)
    stamp = (1_700_000_000, 1_700_000_000)
    os.utime(module, stamp)
    assert [s.obj.objective for s in discover([module.parent], tmp_path).slos] == [99.1]
    module.write_text(text.replace("99.1", "99.9"))
    os.utime(module, stamp)
    assert [s.obj.objective for s in discover([module.parent], tmp_path).slos] == [99.9]
    assert not (module.parent / "__pycache__").exists(), "definition modules leave no bytecode behind"
