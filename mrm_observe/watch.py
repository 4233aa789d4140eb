"""Run something again whenever a file under some folders changes: a polling loop (no new dependency).

A change is any file added, removed, or with another size or modification time; `__pycache__` and hidden files
and folders are ignored, so building and byte-compiling never set off another run.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

Snapshot = dict[str, tuple[int, int]]


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """(modification time in ns, size) of every watched file under paths (a path may also be a single file)."""
    found: Snapshot = {}
    for root in paths:
        candidates = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for path in candidates:
            parts = path.relative_to(root).parts if path != root else ()
            if "__pycache__" in parts or any(p.startswith(".") for p in parts) or not path.is_file():
                continue
            try:
                stat = path.stat()
            except OSError:  # removed between listing and stat: the next poll sees it gone
                continue
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


def watch(paths: list[Path], run: Callable[[], None], interval: float, runs: int | None = None,
          sleep: Callable[[float], None] = time.sleep) -> int:
    """`run()` once, then again after each poll (every `interval` seconds) that finds a change; stops after `runs`
    runs when given (else only when interrupted). Returns the number of runs."""
    seen = snapshot(paths)
    run()
    done = 1
    while runs is None or done < runs:
        sleep(interval)
        now = snapshot(paths)
        if now != seen:
            seen = now
            run()
            done += 1
    return done
