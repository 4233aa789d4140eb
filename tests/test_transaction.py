"""Many files change as one: everything lands, or after a failure, Ctrl-C, SIGTERM or SIGKILL nothing did."""
from __future__ import annotations

import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mrm_observe import render, transaction
from mrm_observe.transaction import JOURNAL, FileTransaction, recover

ROOT = Path(__file__).resolve().parents[1]


def state(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    (root / "sub").mkdir(parents=True)
    for name, mode in (("a.yaml", 0o644), ("b.yaml", 0o640), ("sub/c.json", 0o600)):
        (root / name).write_bytes(f"old {name}\n".encode())
        (root / name).chmod(mode)
    return root


def apply(tx: FileTransaction) -> None:
    with tx:
        tx.apply()
        tx.commit()


def change(root: Path) -> FileTransaction:
    tx = FileTransaction(root)
    tx.write(Path("a.yaml"), b"new a\n")
    tx.write(Path("new.yaml"), b"new file\n")
    tx.write(Path("sub/c.json"), b"new c\n")
    tx.remove(Path("b.yaml"))
    return tx


def test_a_change_lands_whole_and_leaves_no_journal(folder):
    tx = change(folder)
    apply(tx)
    assert state(folder) == {"a.yaml": (b"new a\n", 0o644), "new.yaml": (b"new file\n", 0o644),
                             "sub/c.json": (b"new c\n", 0o600)}
    assert [p.name for p in tx.written] == ["a.yaml", "new.yaml", "c.json"] and [p.name for p in tx.removed] == ["b.yaml"]


@pytest.mark.parametrize("error", [OSError(30, "Read-only file system"), KeyboardInterrupt()],
                         ids=["a write fails half-way", "Ctrl-C half-way"])
def test_a_change_stopped_half_way_is_undone_at_once(folder, monkeypatch, error):
    before = state(folder)
    calls = []

    def flaky(path, content, **options):
        calls.append(path.name)
        if len(calls) == 3 and path.name != JOURNAL:
            raise error
        return real(path, content, **options)

    real = render.replace_file
    monkeypatch.setattr(transaction, "replace_file", flaky)
    with pytest.raises(type(error)):
        apply(change(folder))
    assert state(folder) == before
    assert not (folder / JOURNAL).exists()


@pytest.mark.parametrize("paths", [["../escape.yaml"], ["/etc/passwd"], ["sub/../../x"], ["."]],
                         ids=["parent", "absolute", "dotdot inside", "the folder itself"])
def test_only_paths_inside_the_folder_can_be_touched(folder, paths):
    tx = FileTransaction(folder)
    for path in paths:
        with pytest.raises(ValueError, match="outside .*only files inside it may be written or removed"):
            tx.remove(Path(path))
        with pytest.raises(ValueError, match="outside"):
            tx.write(Path(path), b"x")


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from mrm_observe import transaction
    real = transaction.replace_file
    def slow(path, content, **options):
        done = real(path, content, **options)
        if path.name == "a.yaml" and not Path(sys.argv[2]).exists():
            Path(sys.argv[2]).write_text("half")
            time.sleep(30)
        return done
    transaction.replace_file = slow
    tx = transaction.FileTransaction(Path(sys.argv[1]))
    tx.write(Path("a.yaml"), b"new a\\n")
    tx.write(Path("new.yaml"), b"new file\\n")
    tx.remove(Path("b.yaml"))
    with tx:
        tx.apply()
        tx.commit()
""")


def interrupt_half_way(folder: Path, tmp_path: Path, sig: int) -> subprocess.CompletedProcess:
    marker = tmp_path / "half"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder), str(marker)], cwd=ROOT,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), "the child never got half-way"
    child.send_signal(sig)
    _, err = child.communicate(timeout=20)
    return subprocess.CompletedProcess(child.args, child.returncode, "", err)


def test_sigterm_half_way_undoes_the_change_before_the_process_ends(folder, tmp_path):
    before = state(folder)
    done = interrupt_half_way(folder, tmp_path, signal.SIGTERM)
    assert done.returncode != 0 and "Terminated" in done.stderr
    assert state(folder) == before and not (folder / JOURNAL).exists()


def test_sigkill_half_way_leaves_a_journal_and_the_next_run_converges(folder, tmp_path):
    before = state(folder)
    interrupt_half_way(folder, tmp_path, signal.SIGKILL)
    assert (folder / JOURNAL).exists() and (folder / "a.yaml").read_bytes() == b"new a\n"
    assert recover(folder)
    assert state(folder) == before and not (folder / JOURNAL).exists()
    apply(change(folder))  # and a new run after a kill simply lands
    assert (folder / "a.yaml").read_bytes() == b"new a\n" and not (folder / "b.yaml").exists()


def test_a_removed_file_comes_back_with_its_mode_when_undone(folder, monkeypatch):
    monkeypatch.setattr(transaction, "replace_file", lambda path, content, **options: (_ for _ in ()).throw(OSError(28, "full"))
                        if path.name == "new.yaml" else render.replace_file(path, content, **options))
    tx = FileTransaction(folder)
    tx.remove(Path("b.yaml"))
    tx.write(Path("new.yaml"), b"x")
    tx.removals.reverse()
    with pytest.raises(OSError):
        apply(tx)
    assert stat.S_IMODE((folder / "b.yaml").stat().st_mode) == 0o640


def test_nothing_to_change_writes_no_journal(folder):
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    tx = FileTransaction(folder)
    tx.write(Path("a.yaml"), b"old a.yaml\n")
    apply(tx)
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before


def test_leaving_without_commit_undoes_an_applied_change(folder):
    before = state(folder)
    with pytest.raises(RuntimeError, match="reload refused"):
        with change(folder) as tx:
            tx.apply()
            assert (folder / "a.yaml").read_bytes() == b"new a\n" and (folder / JOURNAL).exists()
            raise RuntimeError("reload refused")
    assert state(folder) == before


def test_the_journal_is_private_and_an_undone_change_leaves_no_new_folder(tmp_path):
    """The journal holds the previous bytes (a config's secrets, say): readable by its owner only. Folders the
    change made are removed when it is undone."""
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "config.yml").write_text("old")
    seen = []
    with pytest.raises(RuntimeError):
        with FileTransaction(folder) as tx:
            tx.write(Path("config.yml"), b"new")
            tx.write(Path("templates/deep/x.tmpl"), b"t", private=True)
            tx.apply()
            seen.append(stat.S_IMODE((folder / JOURNAL).stat().st_mode))
            seen.append(stat.S_IMODE((folder / "templates" / "deep" / "x.tmpl").stat().st_mode))
            raise RuntimeError("reload refused")
    assert seen == [0o600, 0o600]
    assert sorted(p.name for p in folder.iterdir()) == ["config.yml"]
    assert (folder / "config.yml").read_text() == "old"
