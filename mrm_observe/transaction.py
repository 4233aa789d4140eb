"""Change many files in one folder as one change: all of it lands, or none of it does, even across a crash.

Before the first change a journal (`.mrm-observe.journal` in the folder) records, for every path the change
touches, the bytes and mode it had or that it did not exist (readable by its owner only: the old bytes may hold
secrets). An exception, Ctrl-C or SIGTERM undoes the change
at once; a run killed outright leaves the journal, and the next transaction on that folder undoes it first, so
a later run always converges. Only paths inside the folder can be touched.
"""
from __future__ import annotations

import base64
import json
import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from .render import replace_file

JOURNAL = ".mrm-observe.journal"


class Terminated(BaseException):
    """SIGTERM arrived during a transaction (raised so the change is undone, like KeyboardInterrupt)."""


class FileTransaction:
    """Planned writes and removals under `root`, made by `apply()` and kept by `commit()`.

    Use it as a context manager: SIGTERM raises `Terminated` inside it, and leaving it without `commit()`
    (an exception, Ctrl-C, SIGTERM) undoes whatever `apply()` changed.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.writes: dict[Path, bytes] = {}
        self.removals: list[Path] = []
        self.private: set[Path] = set()
        self.written: list[Path] = []
        self.removed: list[Path] = []
        self._pending = False
        self._previous_handler: Any = None
        self._folders: dict[Path, Path] = {}
        self._created: list[Path] = []

    def write(self, path: Path, content: bytes, private: bool = False) -> None:
        """Plan to write content to path; `private`: a new file is readable by its owner only (secrets)."""
        full = self._inside(path)
        self.writes[full] = content
        if private:
            self.private.add(full)

    def remove(self, path: Path) -> None:
        self.removals.append(self._inside(path))

    def _inside(self, path: Path) -> Path:
        """The path, refused unless it lies inside the folder (a manifest or a name must not lead elsewhere).

        Its folder is resolved (symbolic links followed) once per distinct folder: thousands of files share a few.
        """
        full = self.root / path
        if path.is_absolute() or ".." in path.parts or full.name in ("", ".") \
                or not self._resolved(full.parent).is_relative_to(self._resolved(self.root)):
            raise ValueError(f"{path}: outside {self.root}; only files inside it may be written or removed")
        return full

    def _resolved(self, folder: Path) -> Path:
        if folder not in self._folders:
            self._folders[folder] = folder.resolve()
        return self._folders[folder]

    def __enter__(self) -> FileTransaction:
        if threading.current_thread() is threading.main_thread():
            self._previous_handler = signal.signal(signal.SIGTERM, _terminated)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._pending:
                recover(self.root)
                self._pending = False
                for folder in self._created:  # deepest first; only what this change made and left empty
                    if folder.is_dir() and not any(folder.iterdir()):
                        folder.rmdir()
        finally:
            if self._previous_handler is not None:
                signal.signal(signal.SIGTERM, self._previous_handler)

    def pending(self) -> tuple[list[Path], list[Path]]:
        """(the planned writes whose content differs from the file's, the planned removals of existing files):
        what `apply` would change now."""
        return [p for p in self.writes if _differs(p, self.writes[p])], [p for p in self.removals if p.is_file()]

    def apply(self) -> None:
        """Undo what an interrupted earlier run left, journal the previous state, then make every change."""
        recover(self.root)
        changed, removed = self.pending()
        if not changed and not removed:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        replace_file(self.root / JOURNAL, _journal(self.root, changed + removed), private=True)
        self._pending = True
        self._created = sorted({folder for path in changed for folder in path.parents
                                if folder.is_relative_to(self.root) and not folder.exists()}, reverse=True)
        for path in changed:
            replace_file(path, self.writes[path], private=path in self.private)
            self.written.append(path)
        for path in self.removals:
            if path.is_file():
                path.unlink()
                self.removed.append(path)

    def commit(self) -> None:
        """Keep the change: drop the journal."""
        if self._pending:
            (self.root / JOURNAL).unlink()
            self._pending = False


def recover(root: Path) -> bool:
    """Undo what an interrupted transaction left in `root` (no-op without a journal); True when it undid one."""
    journal = root / JOURNAL
    if not journal.is_file():
        return False
    for rel, before in json.loads(journal.read_text())["files"].items():
        path = root / rel
        if before is None:
            if path.is_file():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.touch()
            _give(path, before)
        replace_file(path, base64.b64decode(before["bytes"]))
    journal.unlink()
    return True


def _give(path: Path, before: dict) -> None:
    """Give a re-created file its journalled mode, and its owner where the process may."""
    path.chmod(before["mode"])
    try:
        os.chown(path, before["uid"], before["gid"])
    except PermissionError:
        pass  # not ours to give away: the mode still matches


def _differs(path: Path, content: bytes) -> bool:
    return not path.is_file() or path.read_bytes() != content


def _journal(root: Path, paths: list[Path]) -> bytes:
    files = {}
    for path in paths:
        rel = path.relative_to(root).as_posix()
        if path.is_file():
            st = path.stat()
            files[rel] = {"mode": st.st_mode & 0o7777, "uid": st.st_uid, "gid": st.st_gid,
                          "bytes": base64.b64encode(path.read_bytes()).decode()}
        else:
            files[rel] = None
    return json.dumps({"files": files}, sort_keys=True).encode()


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f"signal {signum}")
