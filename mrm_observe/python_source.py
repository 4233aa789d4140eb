"""Python source text for imported definitions: literals and calls a reviewer can read, laid out the same way every
time (four-space indents, one argument per line, lines within WIDTH where the values allow, trailing commas).

Strings are kept exactly: a text with line breaks becomes a triple-quoted literal whose lines stand flush left, so
the text reads as it did in the imported file (comments and line breaks of a PromQL expression included); a long
one-line text is split into adjacent literals inside parentheses, after spaces (or, in a long stretch without
them, after commas, pipes, slashes, opening brackets and ampersands: PromQL label lists, regexes, URLs).

Two ways to write: `call`/`literal` build the text from the inside out, one argument per line (rule and SLO
modules); `layout` lays out a tree of `Call`s and literals the way black would, a call on one line where it fits
and comments before list items (dashboard modules, where most calls are short: `GridPos(h=8, w=12, x=0, y=0)`).
"""
from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH = 120
INDENT = "    "
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\r": "\\r", "\n": "\\n"}


def call(name: str, arguments: Sequence[tuple[str, object]], depth: int = 0,
         comments: Sequence[str] = ()) -> str:
    """`name(` one `keyword=value,` per line `)`, the call's own lines indented `depth` levels (its first line is
    placed by the caller); `comments` become `# ...` lines before the arguments. A value that is already source
    text (a nested call) is given as `Source`."""
    pad = INDENT * (depth + 1)
    lines = [f"{pad}# {line}" for comment in comments for line in comment.splitlines()]
    for keyword, value in arguments:
        lines.append(f"{pad}{keyword}={literal(value, depth + 1, len(pad) + len(keyword) + 1)},")
    return f"{name}(\n" + "\n".join(lines) + f"\n{INDENT * depth})"


class Source(str):
    """Text that is already Python source (a nested call), placed as it is."""


class Name(str):
    """A name defined in the module (a constant), written as it is where a value goes."""


def literal(value: object, depth: int = 0, used: int = 0) -> str:
    """Python source for a str, bool, int, float, None, dict, list or tuple (or `Source`). `depth` is the
    indentation level of the line the value starts on and `used` the characters before it on that line; a value
    that does not fit on it is spread over lines."""
    if isinstance(value, Source):
        return value
    flat = _flat(value)
    if flat is not None and used + len(flat) + 1 <= WIDTH:
        return flat
    pad, inner = INDENT * depth, INDENT * (depth + 1)
    if isinstance(value, str):
        return _triple_quoted(value) if "\n" in value else _wrapped(value, depth)
    if isinstance(value, dict):
        items = [f"{inner}{_flat(k)}: {literal(v, depth + 1, len(inner) + len(_flat(k) or '') + 2)},"
                 for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, (list, tuple)):
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
        items = [f"{inner}{literal(v, depth + 1, len(inner))}," for v in value]
        return opening + "\n" + "\n".join(items) + f"\n{pad}{closing}"
    return flat or repr(value)


def _flat(value: object) -> str | None:
    """The one-line form of a value (None when it holds a nested call or a text with line breaks)."""
    if isinstance(value, Source):
        return None
    if isinstance(value, Name):
        return str(value)
    if isinstance(value, str):
        return None if "\n" in value else quoted(value)
    if isinstance(value, dict):
        parts = [(_flat(k), _flat(v)) for k, v in value.items()]
        return None if any(p is None for pair in parts for p in pair) else \
            "{" + ", ".join(f"{k}: {v}" for k, v in parts) + "}"
    if isinstance(value, (list, tuple)):
        parts = [_flat(v) for v in value]
        if any(p is None for p in parts):
            return None
        if isinstance(value, list):
            return "[" + ", ".join(parts) + "]"  # type: ignore[arg-type]
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"  # type: ignore[arg-type]
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    raise TypeError(f"no Python literal for {type(value).__name__}")


def quoted(text: str) -> str:
    """A one-line string literal: double quotes unless the text holds `"` and no `'`; raw when the text has
    backslashes a raw literal holds as they are (PromQL regexes read as written)."""
    return _in_quotes(text, _style(text))


def _style(text: str) -> str:
    """How a one-line text is quoted: `r"`, `r'`, `"` or `'` (the prefix and the quote)."""
    if "\\" in text and not text.endswith("\\") and text.isprintable():
        for quote in ('"', "'"):
            if quote not in text:
                return "r" + quote
    return "'" if '"' in text and "'" not in text else '"'


def _in_quotes(text: str, style: str) -> str:
    return f"{style}{_body(text, style)}{style[-1]}"


def _body(text: str, style: str) -> str:
    """The text between the quotes of a literal of this style."""
    quote = style[-1]
    if style[0] == "r" or (text.isprintable() and "\\" not in text and quote not in text):
        return text
    return "".join(_escape(c, quote) for c in text)


def _escape(char: str, quote: str) -> str:
    if char == quote:
        return "\\" + char
    if char in _ESCAPES:
        return _ESCAPES[char]
    if not char.isprintable() and char != " ":
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    return char


BREAK_AFTER = re.compile(r"[^ ]* +|[^ ]+$")
BREAK_ALSO_AFTER = re.compile(r"[^,|/({&]*[,|/({&]+|[^,|/({&]+$")
"""Where a long text is cut: after spaces, and within a stretch too long for a line also after these characters."""


def _pieces(text: str, room: int) -> list[str]:
    """The text cut after spaces (and, in a stretch longer than `room`, after BREAK_ALSO_AFTER characters)."""
    pieces = []
    for word in BREAK_AFTER.findall(text):
        pieces += BREAK_ALSO_AFTER.findall(word) if len(word) > room else [word]
    return pieces


def _wrapped(text: str, depth: int) -> str:
    """A long one-line text as adjacent literals in parentheses, cut after spaces (see _pieces), quoted alike."""
    inner = INDENT * (depth + 1)
    style = _style(text)
    room = WIDTH - len(inner) - len(style) - 1
    chunks: list[list[str]] = [[]]
    used = 0
    for word in _pieces(text, room):
        piece = _body(word, style)
        if chunks[-1] and used + len(piece) > room:
            chunks.append([])
            used = 0
        chunks[-1].append(piece)
        used += len(piece)
    return "(\n" + "\n".join(f"{inner}{style}{''.join(chunk)}{style[-1]}" for chunk in chunks) + f"\n{INDENT * depth})"


def _raw_fits(text: str) -> bool:
    """True when a raw literal `r\"\"\"...\"\"\"` holds the text as it is: backslashes then read as written."""
    return ('"""' not in text and not text.endswith(("\\", '"')) and " \n" not in text
            and all(c == "\n" or c.isprintable() for c in text))


def _triple_quoted(text: str) -> str:
    """A text with line breaks as `\"\"\"\\` + its lines flush left + `\"\"\"`, escaped only where Python needs it:
    backslashes, control characters, a third quote in a row and quotes just before the closing ones, and a space
    ending a line (editors strip it). A text with backslashes that a raw literal holds as it is (PromQL regexes)
    is one, `r\"\"\"` + its first line, the others flush left."""
    if "\\" in text and _raw_fits(text):
        return 'r"""' + text + '"""'
    out: list[str] = []
    run = 0
    for char in text:
        if char == "\n":
            if out and out[-1] == " ":
                out[-1] = "\\x20"
            out.append(char)
        elif char == '"':
            out.append('\\"' if run == 2 else char)
            run = 0 if run == 2 else run + 1
            continue
        else:
            out.append(_escape(char, ""))
        run = 0
    for index in range(len(out) - 1, -1, -1):
        if out[index] != '"':
            break
        out[index] = '\\"'
    return '"""\\\n' + "".join(out) + '"""'


# --- layout: a tree of calls and literals, black's way ------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """`name(arg, ..., key=value, ...)` in a tree for `layout`."""

    name: str
    args: Sequence[Any] = ()
    kwargs: Sequence[tuple[str, Any]] = ()


@dataclass(frozen=True)
class Commented:
    """A list item with comment lines before it (forces the list onto several lines)."""

    value: Any
    comments: Sequence[str] = field(default_factory=tuple)


def _one_line(value: Any, cache: dict[int, str | None]) -> str | None:
    """The value on one line, or None when it cannot be (it holds a comment or a text of several lines); remembered
    by object for the rest of one `layout` call, so laying out a tree stays linear."""
    key = id(value)
    if key in cache:
        return cache[key]
    text: str | None
    if isinstance(value, Name):
        text = str(value)
    elif isinstance(value, str):
        text = None if "\n" in value else quoted(value)
    elif isinstance(value, Commented):
        text = None
    elif isinstance(value, Call):
        parts = [_one_line(a, cache) for a in value.args] + [
            None if (f := _one_line(v, cache)) is None else f"{k}={f}" for k, v in value.kwargs]
        text = None if None in parts else f"{value.name}({', '.join(parts)})"  # type: ignore[arg-type]
    elif isinstance(value, dict):
        parts = [None if (f := _one_line(v, cache)) is None else f"{quoted(k)}: {f}" for k, v in value.items()]
        text = None if None in parts else "{" + ", ".join(parts) + "}"  # type: ignore[arg-type]
    elif isinstance(value, (list, tuple)):
        parts = [_one_line(v, cache) for v in value]
        if None in parts:
            text = None
        elif isinstance(value, list):
            text = "[" + ", ".join(parts) + "]"  # type: ignore[arg-type]
        else:
            text = "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"  # type: ignore[arg-type]
    elif value is None or isinstance(value, (bool, int, float)):
        text = repr(value)
    else:
        raise TypeError(f"no Python literal for {type(value).__name__}")
    cache[key] = text
    return text


def layout(value: Any, depth: int = 0, used: int = 0, cache: dict[int, str | None] | None = None) -> str:
    """The value laid out from column `depth * 4 + used`: on one line if it fits in WIDTH, else one argument or
    item per line with trailing commas; texts as `literal` writes them."""
    cache = {} if cache is None else cache
    text = _one_line(value, cache)
    column = len(INDENT) * depth + used
    if text is not None and column + len(text) + 1 <= WIDTH:
        return text
    pad, inner = INDENT * depth, INDENT * (depth + 1)
    if isinstance(value, str) and not isinstance(value, Name):
        return literal(value, depth, column)
    if isinstance(value, Call):
        items = [layout(a, depth + 1, 0, cache) for a in value.args]
        items += [f"{k}={layout(v, depth + 1, len(k) + 1, cache)}" for k, v in value.kwargs]
        return f"{value.name}(\n" + "".join(f"{inner}{item},\n" for item in items) + f"{pad})"
    if isinstance(value, dict):
        items = [f"{quoted(k)}: {layout(v, depth + 1, len(quoted(k)) + 2, cache)}" for k, v in value.items()]
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
            lines.append(f"{inner}{layout(item, depth + 1, 0, cache)},\n")
        return opening + "\n" + "".join(lines) + pad + closing
    return text if text is not None else layout(value.value, depth, used, cache)


def assignment(name: str, value: Any) -> str:
    """`name = value` as a module-level statement."""
    return f"{name} = {layout(value, 0, len(name) + 3)}\n"


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
