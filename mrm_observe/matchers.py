"""Alertmanager label matchers (`severity="critical"`, `service=~"api|web"`): parsed, written and matched the way
Alertmanager 0.25 does (pkg/labels: parse.go and matcher.go).

A regex matcher is anchored at both ends; a missing label matches as the empty string. Python's `re` stands in for
Go's RE2: the constructs RE2 lacks (look-around, backreferences, possessive quantifiers) are refused here so that a
matcher never means one thing to us and another to Alertmanager.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from .conventions import LABEL_NAME_PATTERN

_MATCHER = re.compile(rf"^\s*({LABEL_NAME_PATTERN})\s*(=~|=|!=|!~)\s*(.*?)\s*$", re.S)
_NOT_RE2 = re.compile(r"\(\?[=!<]|\(\?P=|\\[1-9]|[*+?}][+]")
"""Python regex syntax RE2 does not have: look-around, named and numbered backreferences, possessive quantifiers."""
OPERATORS = ("=", "!=", "=~", "!~")


@dataclass(frozen=True)
class Matcher:
    """One label matcher: `name op "value"`."""

    name: str
    op: str
    value: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        """True when the label set satisfies the matcher (a missing label is the empty string)."""
        value = labels.get(self.name, "")
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = self.compiled.fullmatch(value) is not None
        return found if self.op == "=~" else not found

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        """The regex (for =~ and !~), ASCII classes like RE2's `\\d`, `\\w`, `\\s`."""
        return re.compile(self.value, re.ASCII)

    def __str__(self) -> str:
        return f"{self.name}{self.op}{quote(self.value)}"


def quote(value: str) -> str:
    """A value in double quotes with Alertmanager's (OpenMetrics) escapes: backslash, double quote, line feed."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def split(text: str) -> list[str]:
    """Alertmanager's ParseMatchers tokenising: optional braces, commas outside double quotes separate matchers."""
    text = text.removeprefix("{").removesuffix("}")
    tokens, token, inside, escaped = [], [], False, False
    for char in text:
        if char == "," and not inside:
            tokens.append("".join(token))
            token = []
            continue
        if char == '"':
            inside = inside if escaped else not inside
            escaped = False
        elif char == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(char)
    if "".join(token).strip():
        tokens.append("".join(token))
    return tokens


def parse(text: str) -> list[Matcher]:
    """Every matcher in one string (usually one); raise ValueError saying what is wrong and what would be right."""
    matchers = [parse_one(token) for token in split(text)]
    if not matchers:
        raise ValueError(f"no matcher in {text!r}: write name=\"value\", e.g. severity=\"critical\"")
    return matchers


def parse_one(text: str) -> Matcher:
    """One matcher, unescaping its value as Alertmanager does."""
    found = _MATCHER.match(text)
    if not found:
        raise ValueError(f"{text!r} is not a matcher: write name=\"value\" with one of {', '.join(OPERATORS)} "
                         f"and a label name ({LABEL_NAME_PATTERN}), e.g. severity=\"critical\"")
    name, op, raw = found.groups()
    quoted = raw.startswith('"')
    value = _unescape(raw[1:] if quoted else raw, quoted, text)
    if op in ("=~", "!~"):
        _check_regex(value, text)
    return Matcher(name, op, value)


def _unescape(raw: str, quoted: bool, text: str) -> str:
    out: list[str] = []
    escaped, closed = False, not quoted
    for index, char in enumerate(raw):
        if escaped:
            escaped = False
            out.append({"n": "\n", '"': '"', "\\": "\\"}.get(char, "\\" + char))
        elif char == "\\" and index < len(raw) - 1:
            escaped = True
        elif char == '"':
            if closed or index < len(raw) - 1:
                raise ValueError(f"{text!r} has an unescaped double quote in its value: write \\\" inside quotes")
            closed = True
        else:
            out.append(char)
    if not closed:
        raise ValueError(f"{text!r} opens a double quote it does not close")
    return "".join(out)


def _check_regex(value: str, text: str) -> None:
    if _NOT_RE2.search(value):
        raise ValueError(f"{text!r} uses regex syntax Alertmanager's RE2 does not have (look-around, "
                         "backreferences or possessive quantifiers)")
    try:
        re.compile(value, re.ASCII)
    except re.error as err:
        raise ValueError(f"{text!r} is not a valid regular expression: {err}") from None


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher matches (no matchers match everything)."""
    return all(m.matches(labels) for m in matchers)
