"""A built Alertmanager config as data (pure): its secrets filled from the environment at publish time, and
whether the configuration an Alertmanager reports running is that config.

Alertmanager reports its configuration (`/api/v2/status`, `config.original`) marshalled again from what it
loaded: defaults added, durations in their shortest form (300s -> 5m), matchers quoted (`a=b` -> `a="b"`),
template globs joined to the config's folder, and most secrets masked as `<secret>`. `difference` therefore
asks whether everything the built config says is in the running one, read the way Alertmanager reads it; it
works on the built config with its placeholders still in it, so no secret value takes part in the comparison
or in what it reports (a path such as `route.routes[1].group_wait`, never a value).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from . import matchers
from .conventions import ENV_PLACEHOLDER
from .matchers import Matcher
from .durations import parse_duration
from .errors import ExitCode, ObserveError

MASKED = "<secret>"
"""What Alertmanager shows instead of a secret."""
MATCHER_KEYS = frozenset({"matchers", "source_matchers", "target_matchers"})
CASELESS_KEYS = frozenset({"weekdays", "months"})
"""Time-interval fields Alertmanager reads in any case and shows in lower case."""


class SecretMissing(ObserveError):
    """An environment variable the config's placeholders name is unset or empty (a usage error)."""

    exit_code = ExitCode.USAGE


def env_secrets(config: Any) -> list[str]:
    """The environment variables the config's placeholders (`conventions.env_placeholder`) name, sorted."""
    return sorted({name for text in _strings(config) for name in ENV_PLACEHOLDER.findall(text)})


def fill_secrets(config: Any, env: Mapping[str, str]) -> tuple[Any, tuple[str, ...]]:
    """(a copy of the config with every placeholder replaced by its variable's value, the values used).

    SecretMissing names every variable that is unset or empty (never a value).
    """
    names = env_secrets(config)
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise SecretMissing(f"the Alertmanager config takes {', '.join(f'${n}' for n in missing)} from the "
                            "environment at publish time, and it is unset or empty: set it (docs/alerting.md)")
    filled = _walk_strings(config, lambda text: ENV_PLACEHOLDER.sub(lambda m: env[m[1]], text))
    return filled, tuple(env[name] for name in names)


def _strings(data: Any) -> Iterator[str]:
    """Every string value (not key) in data."""
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        for value in data:
            yield from _strings(value)
    elif isinstance(data, str):
        yield data


def _walk_strings(data: Any, change: Callable[[str], str]) -> Any:
    """A copy of data with every string value (not key) passed through `change`."""
    if isinstance(data, dict):
        return {key: _walk_strings(value, change) for key, value in data.items()}
    if isinstance(data, list):
        return [_walk_strings(value, change) for value in data]
    return change(data) if isinstance(data, str) else data


def difference(running: Any, expected: Any) -> str | None:
    """The first place where the running config lacks or contradicts the expected one (a path like
    `route.group_wait`), or None when it holds everything the expected config says (see `differences`)."""
    return next(_differences(running, expected, ""), None)


def differences(running: Any, expected: Any) -> list[str]:
    """Every place where the running config lacks or contradicts the expected one: a path per value that differs,
    per list of another length (routes, receivers...) and per list the running config has where the expected one
    has none (Alertmanager adds no list of its own: such a list was left out of the expected config)."""
    return list(_differences(running, expected, ""))


def _differences(running: Any, expected: Any, path: str) -> Iterator[str]:
    if isinstance(expected, dict):
        if not isinstance(running, dict):
            yield path or "(the whole config)"
            return
        for key, value in expected.items():
            where = f"{path}.{key}" if path else str(key)
            there = running.get(key)
            if _empty(there):
                if not _empty(value):  # Go leaves zero values out when it marshals
                    yield where
            elif key in MATCHER_KEYS:
                if not _same_matchers(there, value):
                    yield where
            elif key == "templates" and not path:
                yield from _template_differences(there, value)
            elif key in CASELESS_KEYS and isinstance(there, list) and isinstance(value, list):
                yield from _differences([str(v).lower() for v in there], [str(v).lower() for v in value], where)
            else:
                yield from _differences(there, value, where)
        yield from (f"{path}.{key}" if path else str(key) for key, there in running.items()
                    if key not in expected and isinstance(there, list) and there)
        return
    if isinstance(expected, list):
        if not isinstance(running, list) or len(running) != len(expected):
            yield path
            return
        for index, (there, value) in enumerate(zip(running, expected)):
            yield from _differences(there, value, f"{path}[{index}]")
        return
    if isinstance(expected, str):
        if not _same_text(running, expected):
            yield path
    elif running != expected:
        yield path


def _same_matchers(running: Any, expected: Any) -> bool:
    try:
        return isinstance(running, list) and isinstance(expected, list) and \
            _parsed(running) == _parsed(expected)
    except ValueError:
        return False


def _parsed(items: list[Any]) -> list[Matcher]:
    """Every matcher of a matchers list (a string may hold several: `{a="b", c=~"d"}`); ValueError if one is bad."""
    return [matcher for item in items for matcher in matchers.parse(str(item))]


def _empty(value: Any) -> bool:
    return value is None or value is False or value == 0 or value in ("", [], {})


def _same_text(running: Any, expected: str) -> bool:
    if not isinstance(running, str):
        return False
    if running == expected or running == MASKED:
        return True
    if ENV_PLACEHOLDER.search(expected):
        parts = ENV_PLACEHOLDER.split(expected)  # literal, name, literal, name, ..., literal
        pattern = ".+".join(re.escape(literal) for literal in parts[::2])
        return re.fullmatch(pattern, running, re.DOTALL) is not None
    try:
        return parse_duration(running) == parse_duration(expected)
    except ValueError:
        return False


def _template_differences(running: Any, expected: Any) -> Iterator[str]:
    """Template globs: Alertmanager joins relative ones to the config file's folder."""
    if not isinstance(running, list) or not isinstance(expected, list) or len(running) != len(expected):
        yield "templates"
        return
    for index, (there, glob) in enumerate(zip(running, expected)):
        relative = str(glob).removeprefix("./")
        if there != glob and not str(there).endswith("/" + relative):
            yield f"templates[{index}]"
