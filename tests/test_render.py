"""Atomic writes give files the mode and owner a plain write would: programs running as other users can read them."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mrm_observe.render import write_atomic


@pytest.fixture
def umask():
    """Set a umask for one test and restore the previous one."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_0666_less_the_umask_not_the_temp_files_0600(tmp_path, umask, mask, expected):
    umask(mask)
    assert write_atomic(tmp_path / "a.rules.yaml", b"groups: []\n")
    assert mode(tmp_path / "a.rules.yaml") == expected


@pytest.mark.parametrize("before", [0o644, 0o640, 0o755, 0o600])
def test_a_replaced_file_keeps_its_mode_whatever_the_umask(tmp_path, umask, before):
    path = tmp_path / "a.rules.yaml"
    path.write_bytes(b"old\n")
    path.chmod(before)
    umask(0o077)
    assert write_atomic(path, b"new\n")
    assert (path.read_bytes(), mode(path)) == (b"new\n", before)


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a file to another user")
def test_a_replaced_file_keeps_its_owner_and_group_when_we_may_give_them(tmp_path):
    path = tmp_path / "a.rules.yaml"
    path.write_bytes(b"old\n")
    os.chown(path, 65534, 65534)
    assert write_atomic(path, b"new\n")
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534)


def test_unchanged_bytes_touch_nothing(tmp_path):
    path = tmp_path / "a.json"
    path.write_bytes(b"{}\n")
    path.chmod(0o640)
    before = path.stat()
    assert not write_atomic(path, b"{}\n")
    assert (path.stat().st_ino, path.stat().st_mtime_ns, mode(path)) == (before.st_ino, before.st_mtime_ns, 0o640)


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "a.json"
    path.write_bytes(b"old\n")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, b"new\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    assert path.read_bytes() == b"old\n"


@pytest.mark.parametrize("data", [
    {"b": [1, 2.5, {"z": None, "a": True}], "a": "Überblick / Ops", "c": {}, "d": []},
    {"panels": [{"fieldConfig": {"defaults": {"thresholds": {"steps": [{"value": 0.995}, {"value": 100.0}]}}}}]},
], ids=["nested mixed values", "thresholds"])
def test_json_is_sorted_two_space_utf8_as_the_standard_library_writes_it(data):
    import json

    from mrm_observe.render import to_json
    assert to_json(data) == (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
