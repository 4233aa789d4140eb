"""Dicts -> stable bytes (sorted JSON, block-style YAML) and atomic file writes."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable

import yaml


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter when available
    """Safe YAML, block style."""


_SCALARS = yaml.SafeDumper(None)
"""Represents the scalars other than strings (numbers, booleans, null) as PyYAML does."""


class _Nodes:
    """Data -> YAML nodes without PyYAML's generic representer (the slow half of yaml.dump).

    Strings with a newline become literal blocks. A non-empty dict or list reached twice (the same object) is
    written once with an anchor and then referenced; with `share_strings`, so is every repeated string value
    (never a key) of SHARED_STRING characters or more. Generated tests share expectations and series names.
    """

    def __init__(self, share_strings: bool = False) -> None:
        self.seen: dict[int, yaml.Node] = {}
        self.strings: dict[str, yaml.Node] = {}
        self.share_strings = share_strings

    def node(self, value: object) -> yaml.Node:
        kind = type(value)
        if kind is str:
            if self.share_strings and len(value) >= SHARED_STRING:  # type: ignore[arg-type]
                if value not in self.strings:
                    self.strings[value] = self._str(value)  # type: ignore[arg-type]
                return self.strings[value]  # type: ignore[index]
            return self._str(value)  # type: ignore[arg-type]
        if kind is dict:
            if not value:
                return yaml.MappingNode(_MAP, [], flow_style=False)
            return self._shared(value, lambda: yaml.MappingNode(
                _MAP, [(self._str(k) if type(k) is str else self.node(k), self.node(v)) for k, v in value.items()],
                flow_style=False))  # type: ignore[attr-defined]
        if kind is list or kind is tuple:
            if not value:
                return yaml.SequenceNode(_SEQ, [], flow_style=False)
            return self._shared(value, lambda: yaml.SequenceNode(
                _SEQ, [self.node(v) for v in value], flow_style=False))  # type: ignore[attr-defined]
        return _SCALARS.represent_data(value)

    @staticmethod
    def _str(value: str) -> yaml.Node:
        return yaml.ScalarNode(_STR, value, style="|" if "\n" in value else None)

    def _shared(self, value: object, make: Callable[[], yaml.Node]) -> yaml.Node:
        known = self.seen.get(id(value))
        if known is None:
            known = self.seen[id(value)] = make()
        return known


SHARED_STRING = 20
"""Shorter strings cost about as much as a reference to them."""
_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def to_json(data: object) -> bytes:
    """Sorted, indented JSON with a trailing newline."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def to_yaml(data: object, header: str = "", share_strings: bool = False) -> bytes:
    """YAML keeping the dict order we built (compilers order keys on purpose), with an optional comment header.

    Objects reached twice are written once and referenced (see `_Nodes`).
    """
    body = yaml.serialize(_Nodes(share_strings).node(data), Dumper=_Dumper, allow_unicode=True, width=120)
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
