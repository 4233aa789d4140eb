"""Dicts -> stable bytes (sorted JSON, block-style YAML) and atomic file writes."""
from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

import yaml


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter when available
    """Safe YAML with multi-line strings as literal blocks and no aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_json(data: object) -> bytes:
    """Sorted, indented JSON with a trailing newline."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def to_yaml(data: object, header: str = "") -> bytes:
    """YAML keeping the dict order we built (compilers order keys on purpose), with an optional comment header."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
    return (header + body).encode()


def current_umask() -> int:
    """The process umask, read without changing it where the system says it (Linux), else set and restored."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, content: bytes) -> bool:
    """Write via a temp file and rename; return False (and touch nothing) when the bytes are already there.

    The file gets the mode a plain write would give it: a replaced file keeps its mode (and, where the process
    may, its owner and group); a new one gets 0666 less the umask. The temp file would otherwise stay 0600.
    """
    try:
        before = path.stat()
    except FileNotFoundError:
        before = None
    if before is not None and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            if before is None:
                os.fchmod(handle.fileno(), 0o666 & ~current_umask())
            else:
                os.fchmod(handle.fileno(), stat.S_IMODE(before.st_mode))
                _keep_owner(handle.fileno(), before)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _keep_owner(fd: int, before: os.stat_result) -> None:
    """Give the new file the replaced file's owner and group where allowed (root, or our own group)."""
    if (before.st_uid, before.st_gid) == (os.getuid(), os.getgid()):
        return
    try:
        os.fchown(fd, before.st_uid, before.st_gid)
    except PermissionError:
        try:
            os.fchown(fd, -1, before.st_gid)
        except PermissionError:
            pass  # not ours to give away: the mode still matches
