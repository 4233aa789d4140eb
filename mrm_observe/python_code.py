"""Deterministic Python source for generated definition modules: calls, literals and comments, laid out the way
black would (one line when it fits in WIDTH columns, else one argument per line with a trailing comma).

A value is a Python literal (str, int, float, bool, None, list, tuple, dict with string keys) or a `Call`;
`Commented` puts comment lines before a value in a list. The same value always gives the same text.
"""
from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH = 120
INDENT = "    "


@dataclass(frozen=True)
class Call:
    """`name(arg, ..., key=value, ...)`: a class or function call."""

    name: str
    args: Sequence[Any] = ()
    kwargs: Sequence[tuple[str, Any]] = ()


@dataclass(frozen=True)
class Name:
    """A name (a constant defined in the module), written as it is."""

    name: str


@dataclass(frozen=True)
class Commented:
    """A list item with comment lines before it (forces the list onto several lines)."""

    value: Any
    comments: Sequence[str] = field(default_factory=tuple)


def string(text: str) -> str:
    """A string literal, in double quotes unless the text holds double quotes and no single ones."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        return '"' + literal[1:-1] + '"'
    return literal


def _lines(text: str) -> list[str]:
    if "\n" not in text:
        return [text]
    return [part for part in re.split(r"(?<=\n)", text) if part]


BREAK_AFTER = r"[\s,|/({&]"
"""Where a long string may be cut into adjacent literals: after spaces, commas, pipes, slashes, opening brackets
and ampersands (PromQL calls, label lists and regexes; URLs)."""


def _chunks(line: str, room: int) -> list[str]:
    """A line cut after BREAK_AFTER characters into pieces whose literals fit in `room` columns (a longer piece stays
    whole)."""
    chunks, current = [], ""
    for word in re.findall(rf"[^\s,|/({{&]*{BREAK_AFTER}+|[^\s,|/({{&]+", line):
        if current and len(string(current + word)) > room:
            chunks.append(current)
            current = ""
        current += word
    return [*chunks, current] if current else chunks


def _flat(value: Any, cache: dict[int, str | None]) -> str | None:
    """The value on one line, or None when it cannot be written on one (it holds a comment or a string of several
    lines); remembered by object for the rest of one `code` call, so laying out a tree stays linear."""
    key = id(value)
    if key in cache:
        return cache[key]
    text: str | None
    if isinstance(value, str):
        text = None if "\n" in value.rstrip("\n") else string(value)
    elif isinstance(value, Name):
        text = value.name
    elif isinstance(value, Commented):
        text = None
    elif isinstance(value, Call):
        parts = [_flat(a, cache) for a in value.args] + [
            None if (f := _flat(v, cache)) is None else f"{k}={f}" for k, v in value.kwargs]
        text = None if None in parts else f"{value.name}({', '.join(parts)})"  # type: ignore[arg-type]
    elif isinstance(value, dict):
        parts = [None if (f := _flat(v, cache)) is None else f"{string(k)}: {f}" for k, v in value.items()]
        text = None if None in parts else "{" + ", ".join(parts) + "}"  # type: ignore[arg-type]
    elif isinstance(value, (list, tuple)):
        parts = [_flat(v, cache) for v in value]
        if None in parts:
            text = None
        elif isinstance(value, list):
            text = "[" + ", ".join(parts) + "]"  # type: ignore[arg-type]
        else:
            text = "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"  # type: ignore[arg-type]
    elif value is None or isinstance(value, (bool, int, float)):
        text = repr(value)
    else:
        raise TypeError(f"cannot write {type(value).__name__} as Python source")
    cache[key] = text
    return text


def code(value: Any, indent: int = 0, used: int = 0, cache: dict[int, str | None] | None = None) -> str:
    """The value laid out from column `indent * 4 + used`, over several lines if it does not fit in WIDTH."""
    cache = {} if cache is None else cache
    text = _flat(value, cache)
    if text is not None and len(INDENT) * indent + used + len(text) + 1 <= WIDTH:
        return text
    pad, inner = INDENT * indent, INDENT * (indent + 1)
    if isinstance(value, str):
        room = WIDTH - len(inner)
        parts = [chunk for line in _lines(value) for chunk in _chunks(line, room)]
        if len(parts) == 1 and len(string(value)) > room:
            return string(value)  # one piece too long for any line
        return "(\n" + "".join(f"{inner}{string(p)}\n" for p in parts) + f"{pad})"
    if isinstance(value, Call):
        items = [code(a, indent + 1, 0, cache) for a in value.args]
        items += [f"{k}={code(v, indent + 1, len(k) + 1, cache)}" for k, v in value.kwargs]
        return f"{value.name}(\n" + "".join(f"{inner}{item},\n" for item in items) + f"{pad})"
    if isinstance(value, dict):
        items = [f"{string(k)}: {code(v, indent + 1, len(string(k)) + 2, cache)}" for k, v in value.items()]
        return "{\n" + "".join(f"{inner}{item},\n" for item in items) + f"{pad}}}"
    if isinstance(value, (list, tuple)):
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
        lines = []
        for item in value:
            if isinstance(item, Commented):
                lines += [f"{inner}# {line}\n" for comment in item.comments
                          for line in textwrap.wrap(comment, WIDTH - len(inner) - 2, subsequent_indent="  ",
                                                    break_long_words=False, break_on_hyphens=False)]
                item = item.value
            lines.append(f"{inner}{code(item, indent + 1, 0, cache)},\n")
        return opening + "\n" + "".join(lines) + pad + closing
    return text if text is not None else code(value.value, indent, used, cache)


def assignment(name: str, value: Any) -> str:
    """`name = value` as a module-level statement."""
    return f"{name} = {code(value, 0, len(name) + 3)}\n"


def imports(by_module: dict[str, set[str]]) -> str:
    """`from module import a, b` lines, modules and names sorted, wrapped in parentheses when too long."""
    out = []
    for module in sorted(by_module):
        names = sorted(by_module[module])
        if not names:
            continue
        line = f"from {module} import {', '.join(names)}"
        if len(line) > WIDTH:
            line = f"from {module} import (\n" + "".join(f"{INDENT}{n},\n" for n in names) + ")"
        out.append(line + "\n")
    return "".join(out)
