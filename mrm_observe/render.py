"""Dicts -> stable bytes (sorted JSON, block-style YAML) and atomic file writes."""
from __future__ import annotations

import os
import stat
import threading
from functools import lru_cache
from pathlib import Path

import orjson
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

    def number(self, value: object) -> None:
        """Anchor names in the order PyYAML's serializer gives them: at the second encounter, depth first."""
        key = self.key(value)
        if key is not None:
            if key in self.anchors:
                if self.anchors[key] is None:
                    self.count += 1
                    self.anchors[key] = f"id{self.count:03d}"
                return
            self.anchors[key] = None
        kind = type(value)
        if kind is dict:
            for v in value.values():  # type: ignore[attr-defined]  # keys are never shared
                if type(v) is not str or self.share_strings:
                    self.number(v)
        elif kind is list or kind is tuple:
            for v in value:  # type: ignore[attr-defined]
                if type(v) is not str or self.share_strings:
                    self.number(v)

    def emit(self, value: object) -> None:
        kind = type(value)
        key = self.key(value) if self.anchors else None
        anchor = self.anchors.get(key) if key is not None else None
        if anchor is not None:
            if key in self.emitted:
                self.out.append(yaml.AliasEvent(anchor))
                return
            self.emitted.add(key)
        out = self.out
        if kind is str:
            out.append(_scalar(value) if anchor is None else  # type: ignore[arg-type]
                       yaml.ScalarEvent(anchor, _STR, (_plain_tag(value) == _STR, True), value,  # type: ignore[arg-type]
                                        style="|" if "\n" in value else None))  # type: ignore[operator]
        elif kind is dict:
            out.append(_MAP_START if anchor is None else yaml.MappingStartEvent(anchor, _MAP, True, flow_style=False))
            for k, v in value.items():  # type: ignore[attr-defined]
                out.append(_scalar(k) if type(k) is str else self._other(k))
                if type(v) is str and not self.share_strings:
                    out.append(_scalar(v))
                else:
                    self.emit(v)
            out.append(_MAP_END)
        elif kind is list or kind is tuple:
            out.append(_SEQ_START if anchor is None else yaml.SequenceStartEvent(anchor, _SEQ, True, flow_style=False))
            for v in value:  # type: ignore[attr-defined]
                self.emit(v)
            out.append(_SEQ_END)
        else:
            out.append(self._other(value, anchor))

    @staticmethod
    def _other(value: object, anchor: str | None = None) -> yaml.Event:
        node = _SCALARS.represent_data(value)
        return yaml.ScalarEvent(anchor, node.tag, (_plain_tag(node.value) == node.tag, False), node.value,
                                style=node.style)


@lru_cache(maxsize=65536)
def _scalar(value: str) -> yaml.ScalarEvent:
    """The event of a string without an anchor; events are read-only to the emitter, so repeats share one."""
    return yaml.ScalarEvent(None, _STR, (_plain_tag(value) == _STR, True), value,
                            style="|" if "\n" in value else None)


_MAP_START = yaml.MappingStartEvent(None, _MAP, True, flow_style=False)
_MAP_END = yaml.MappingEndEvent()
_SEQ_START = yaml.SequenceStartEvent(None, _SEQ, True, flow_style=False)
_SEQ_END = yaml.SequenceEndEvent()


def to_json(data: object) -> bytes:
    """Sorted JSON indented by two spaces, UTF-8, with a trailing newline (orjson: the same bytes as the standard
    library's `json.dumps(indent=2, sort_keys=True, ensure_ascii=False)` but for the spelling of very small or
    large floats, such as 0.00001 for 1e-05, and about 40 times faster on dashboards)."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


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
    """`replace_file` unless the bytes are already there; True when it wrote."""
    try:
        if path.read_bytes() == content:
            return False
    except FileNotFoundError:
        pass
    replace_file(path, content)
    return True


def replace_file(path: Path, content: bytes, private: bool = False) -> None:
    """Write via a temp file and rename, so a reader sees the old bytes or the new, never a part.

    The file gets the mode a plain write would give it: a new one 0666 less the umask (the kernel applies it; 0600
    when `private`, for a file holding secrets), a replaced one keeps its mode (and, where the process may, its
    owner and group).
    """
    try:
        before: os.stat_result | None = path.stat()
    except FileNotFoundError:
        before = None
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # unique per writer thread
    tmp.unlink(missing_ok=True)  # a crashed earlier run's leftover would keep its own mode
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666),
                       "wb") as handle:
            handle.write(content)
            if before is not None:
                os.fchmod(handle.fileno(), stat.S_IMODE(before.st_mode))
                _keep_owner(handle.fileno(), before)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
