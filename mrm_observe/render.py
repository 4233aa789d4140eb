"""Dicts -> stable bytes (sorted JSON, block-style YAML) and atomic file writes."""
from __future__ import annotations

import json
import os
from pathlib import Path
from functools import lru_cache

import yaml


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter when available."""
_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_RESOLVER = yaml.resolver.Resolver()
_SCALARS = yaml.SafeDumper(None)
"""Represents the scalars other than strings (numbers, booleans, null) as PyYAML does."""
SHARED_STRING = 20
"""Shorter strings cost about as much as a reference to them."""


@lru_cache(maxsize=65536)
def _plain_tag(value: str) -> str:
    """The tag a plain scalar would be read back as (a string that looks like a number must be quoted)."""
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))


class _Events:
    """Data -> YAML events for libyaml's emitter, without PyYAML's representer and serializer (the slow parts
    of yaml.dump); the output is what yaml.dump would write with aliases allowed.

    Strings with a newline become literal blocks. A non-empty dict or list reached twice (the same object) is
    written once with an anchor and then referenced; with `share_strings`, so is every repeated string value
    (never a key) of SHARED_STRING characters or more. Generated tests share expectations and series names.
    """

    def __init__(self, share_strings: bool) -> None:
        self.share_strings = share_strings
        self.anchors: dict[object, str | None] = {}
        self.emitted: set[object] = set()
        self.count = 0
        self.out: list[yaml.Event] = []

    def key(self, value: object) -> object | None:
        """What identifies a value that may be written once and referenced, or None."""
        kind = type(value)
        if kind is dict or kind is list or kind is tuple:
            return id(value) if value else None
        if kind is str and self.share_strings and len(value) >= SHARED_STRING:  # type: ignore[arg-type]
            return value
        return None

    def number(self, value: object, is_key: bool = False) -> None:
        """Anchor names in the order PyYAML's serializer gives them: at the second encounter, depth first."""
        key = None if is_key else self.key(value)
        if key is not None:
            if key in self.anchors:
                if self.anchors[key] is None:
                    self.count += 1
                    self.anchors[key] = f"id{self.count:03d}"
                return
            self.anchors[key] = None
        if type(value) is dict:
            for k, v in value.items():  # type: ignore[attr-defined]
                self.number(k, True)
                self.number(v)
        elif type(value) in (list, tuple):
            for v in value:  # type: ignore[attr-defined]
                self.number(v)

    def emit(self, value: object, is_key: bool = False) -> None:
        key = None if is_key else self.key(value)
        anchor = self.anchors.get(key) if key is not None else None
        if anchor is not None:
            if key in self.emitted:
                self.out.append(yaml.AliasEvent(anchor))
                return
            self.emitted.add(key)
        kind = type(value)
        if kind is str:
            plain = _plain_tag(value) == _STR  # type: ignore[arg-type]
            self.out.append(yaml.ScalarEvent(anchor, _STR, (plain, True), value,
                                             style="|" if "\n" in value else None))  # type: ignore[operator]
        elif kind is dict:
            self.out.append(yaml.MappingStartEvent(anchor, _MAP, True, flow_style=False))
            for k, v in value.items():  # type: ignore[attr-defined]
                self.emit(k, True)
                self.emit(v)
            self.out.append(yaml.MappingEndEvent())
        elif kind is list or kind is tuple:
            self.out.append(yaml.SequenceStartEvent(anchor, _SEQ, True, flow_style=False))
            for v in value:  # type: ignore[attr-defined]
                self.emit(v)
            self.out.append(yaml.SequenceEndEvent())
        else:
            node = _SCALARS.represent_data(value)
            self.out.append(yaml.ScalarEvent(anchor, node.tag, (_plain_tag(node.value) == node.tag, False),
                                             node.value, style=node.style))


def to_json(data: object) -> bytes:
    """Sorted, indented JSON with a trailing newline."""
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def to_yaml(data: object, header: str = "", share_strings: bool = False) -> bytes:
    """YAML keeping the dict order we built (compilers order keys on purpose), with an optional comment header.

    Objects reached twice are written once and referenced (see `_Events`).
    """
    events = _Events(share_strings)
    events.number(data)
    events.emit(data)
    stream = [yaml.StreamStartEvent(), yaml.DocumentStartEvent(explicit=False), *events.out,
              yaml.DocumentEndEvent(explicit=False), yaml.StreamEndEvent()]
    body = yaml.emit(stream, Dumper=_Dumper, allow_unicode=True, width=120)
    return (header + body).encode()


def write_atomic(path: Path, content: bytes) -> bool:
    """Write via a temp file and rename; return False (and touch nothing) when the bytes are already there."""
    try:
        if path.read_bytes() == content:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # one writer per process: no random name needed
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True
