"""Dicts -> stable bytes (sorted JSON, block-style YAML) and atomic file writes."""
from __future__ import annotations

import json
import os
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


def write_atomic(path: Path, content: bytes) -> bool:
    """Write via a temp file and rename; return False (and touch nothing) when the bytes are already there."""
    if path.exists() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
