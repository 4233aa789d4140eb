"""A build never deletes what is not its own and is all-or-nothing: failures and interruptions leave the previous
build as it was, and the next build converges."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mrm_observe.cli import main
from mrm_observe.conventions import MANIFEST
from mrm_observe.pipeline import Project, build
from mrm_observe.transaction import JOURNAL

ROOT = Path(__file__).resolve().parents[1]


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("entry", ["{victim}", "../victim.txt", "grafana/../../victim.txt", "."],
                         ids=["absolute path", "parent folder", "dotdot inside", "the output folder"])
def test_build_never_removes_a_path_the_manifest_lists_outside_the_output_folder(sample_project, entry):
    project = Project.at(sample_project)
    build(project)
    victim = sample_project / "victim.txt"
    victim.write_text("keep me")
    manifest = json.loads((project.out / MANIFEST).read_text())
    manifest["files"][entry.format(victim=victim)] = {"kind": "rules"}
    (project.out / MANIFEST).write_text(json.dumps(manifest))
    build(project)
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize("block", ["prometheus/alerts-service.rules.yaml/", "grafana"],
                         ids=["a folder named like a rule file", "a file where a folder belongs"])
def test_an_output_that_cannot_be_written_changes_nothing_and_names_the_path(sample_project, monkeypatch, block):
    project = Project.at(sample_project)
    build(project)
    (sample_project / "alerts" / "service.py").write_text(
        (sample_project / "alerts" / "service.py").read_text().replace("0.05", "0.07"))
    target = project.out / block.rstrip("/")
    if target.is_dir():
        for child in target.iterdir():
            child.unlink()
        target.rmdir()
    else:
        target.unlink()
    (target.mkdir() if block.endswith("/") else target.write_text("in the way"))
    before = tree(project.out)
    monkeypatch.chdir(sample_project)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert "cannot write the build" in result.stderr and f"nothing in {project.out} was changed" in result.stderr
    assert tree(project.out) == before
    assert not list(project.out.rglob("*.tmp")) and not (project.out / JOURNAL).exists()


def test_a_build_where_the_output_folder_is_a_file_is_an_error_not_a_traceback(sample_project, monkeypatch):
    (sample_project / "build").write_text("not a folder")
    monkeypatch.chdir(sample_project)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"error: {sample_project / 'build'}" in result.stderr and "cannot write the build" in result.stderr


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from mrm_observe import transaction
    from mrm_observe.pipeline import Project, build
    real, count = transaction.replace_file, []
    def slow(path, content, **options):
        count.append(path)
        done = real(path, content, **options)
        if len(count) == 3 and not Path(sys.argv[2]).exists():
            Path(sys.argv[2]).write_text("half")
            time.sleep(30)
        return done
    transaction.replace_file = slow
    build(Project.at(Path(sys.argv[1])))
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_an_interrupted_build_leaves_the_previous_build_or_converges_on_the_next(sample_project, tmp_path, sig):
    project = Project.at(sample_project)
    build(project)
    before = tree(project.out)
    (sample_project / "alerts" / "service.py").write_text(
        (sample_project / "alerts" / "service.py").read_text().replace("0.05", "0.07"))
    (sample_project / "dashboards" / "service.py").unlink()
    marker = tmp_path / "half"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(sample_project), str(marker)], cwd=ROOT,
                             stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), "the build never got half-way"
    child.send_signal(sig)
    child.communicate(timeout=30)
    if sig != signal.SIGKILL:
        assert tree(project.out) == before  # undone before the process ended
    after = build(project)
    assert not (project.out / JOURNAL).exists()
    fresh = tmp_path / "fresh"
    build(Project.at(sample_project, out=fresh))
    assert tree(project.out) == tree(fresh)
    assert any(rel.startswith("grafana/") for rel in after.removed)
