"""Hints for mistakes in definitions: the closest valid name, a value named by its type instead of a long repr, and
exceptions raised while a definition module runs turned into one line saying what was expected and what came.
"""
from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

SHOWN_REPR = 60
"""A value's repr is shown up to this many characters; a longer one is named by its type."""
_UNEXPECTED_KEYWORD = re.compile(r"^(?P<callee>[\w.]+)\(\) got an unexpected keyword argument '(?P<name>\w+)'")
_KEYWORD_ARGUMENT = re.compile(r"\b(for|class|if|in|is|not|and|or|from|import|with|as|def|return|lambda)\s*=(?!=)")


class ArgumentError(TypeError):
    """A helper was called with an argument it cannot take; the message says what it expects."""


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The valid name closest to a misspelled one, if one is close enough."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """'; did you mean X?' for the closest valid name, else ''."""
    best = closest(word, choices)
    return f"; did you mean {best!r}?" if best else ""


def describe(value: Any) -> str:
    """A value as a message shows it: its repr when short, else its type (`a Stat`), never kilobytes of repr."""
    text = repr(value)
    if len(text) <= SHOWN_REPR:
        return text
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def is_number(value: Any) -> bool:
    """An int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def type_name(expected: Any) -> str:
    """`list` for <class 'list'>, `list or tuple` for a tuple of classes."""
    if isinstance(expected, tuple):
        return " or ".join(type_name(e) for e in expected)
    return getattr(expected, "__name__", str(expected))


def syntax_hint(err: SyntaxError) -> str:
    """What to write instead when a Python keyword was used as an argument name (`for="5m"` -> `for_="5m"`)."""
    match = _KEYWORD_ARGUMENT.search(err.text or "")
    if match is None:
        return ""
    word = match.group(1)
    return (f": `{word}` is a Python keyword and cannot be an argument name; write {word}_=... "
            f"(e.g. AlertRule(..., for_=\"5m\"))" if word == "for" else
            f": `{word}` is a Python keyword and cannot be an argument name; write {word}_=...")


def exception_message(err: BaseException, lookup: Callable[[str], Any]) -> str:
    """One line for an exception a definition module raised: attrs type checks as `field: expected X, got Y`,
    an unknown keyword argument with the valid names of the class or helper (`lookup` finds it by name)."""
    if isinstance(err, ArgumentError):
        return str(err)
    attrs_check = _attrs_type_error(err)
    if attrs_check:
        return attrs_check
    if isinstance(err, TypeError):
        match = _UNEXPECTED_KEYWORD.match(str(err))
        if match:
            callee = match["callee"].removesuffix(".__init__")
            valid = parameter_names(lookup(callee))
            if valid:
                return unknown_argument(callee, match["name"], valid)
    text = str(err)
    if len(text) > 4 * SHOWN_REPR:
        text = text[:4 * SHOWN_REPR] + "..."
    return f"{type(err).__name__}: {text}"


def unknown_argument(callee: str, name: str, valid: Iterable[str]) -> str:
    """`callee` has no argument `name`: the closest valid one and the whole list."""
    valid = list(valid)
    return f"{callee}() has no argument {name!r}{did_you_mean(name, valid)} (it takes {', '.join(valid)})"


def parameter_names(callee: Any) -> list[str]:
    """The keyword argument names a class or function takes (attrs fields, pydantic fields or its signature)."""
    if callee is None:
        return []
    fields = getattr(callee, "__attrs_attrs__", None)
    if fields is not None:
        return [f.alias or f.name for f in fields if f.init]
    if isinstance(callee, type) and issubclass(callee, BaseModel):
        return list(callee.model_fields)
    import inspect

    try:
        signature = inspect.signature(callee)
    except (TypeError, ValueError):
        return []
    return [p.name for p in signature.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _attrs_type_error(err: BaseException) -> str | None:
    """attrs' instance_of validators raise TypeError(message, attribute, expected type, value)."""
    if not isinstance(err, TypeError) or len(err.args) != 4 or not hasattr(err.args[1], "validator"):
        return None
    _, attribute, expected, value = err.args
    owner = _owner(err)
    message = f"{owner + ': ' if owner else ''}{attribute.name}: expected {type_name(expected)}, got {describe(value)}"
    if expected in (list, tuple) or (isinstance(expected, tuple) and list in expected):
        message += f" (put it in a list: {attribute.name}=[...])"
    return message


def _owner(err: BaseException) -> str:
    """The class whose __init__ raised the error, from the innermost frame that has a `self`."""
    tb, owner = err.__traceback__, ""
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "__init__" and "self" in tb.tb_frame.f_locals:
            owner = type(tb.tb_frame.f_locals["self"]).__name__
        tb = tb.tb_next
    return owner


def fields_of_parent(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The valid field names beside the last part of a pydantic error location (an unknown field's siblings)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        members = _models_of(current)
        named = [m for m in members if m.__name__ == part]
        if named:
            current = named[0]
            continue
        if len(members) != 1:
            return []
        field = members[0].model_fields.get(str(part))
        if field is None:
            return []
        current = field.annotation
    members = _models_of(current)
    if len(members) != 1:
        return []
    return list(members[0].model_fields)


def _models_of(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation allows (a model, a union of models, a tuple or list of them)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, tuple, list):
        return [m for arg in typing.get_args(annotation) if arg is not Ellipsis for m in _models_of(arg)]
    return []

