"""Alertmanager definition -> alertmanager.yml as a dict (Alertmanager's own keys, unset fields left out so that
Alertmanager's defaults apply). Secrets given as `Env(...)` become placeholders filled in when publishing."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel

from .. import matchers
from ..conventions import ENV_PLACEHOLDER, env_placeholder
from ..model.routing import Alertmanager, Env, Receiver, Route, TimePeriod


def alertmanager_config(config: Alertmanager, templates: Sequence[str]) -> dict[str, Any]:
    """The whole configuration; `templates` are the template file globs, relative to the config file."""
    out: dict[str, Any] = {}
    if config.global_ is not None:
        out["global"] = plain(config.global_)
    out["templates"] = list(templates)
    out["route"] = route(config.route)
    if config.inhibit_rules:
        out["inhibit_rules"] = [{**plain(rule), **{k: _matchers(getattr(rule, k)) for k in
                                                   ("source_matchers", "target_matchers")}}
                                for rule in config.inhibit_rules]
    out["receivers"] = [receiver(r) for r in config.receivers]
    if config.time_intervals:
        out["time_intervals"] = [{"name": t.name, "time_intervals": [period(p) for p in t.time_intervals]}
                                 for t in config.time_intervals]
    return out


def route(node: Route) -> dict[str, Any]:
    """One route and its children, matchers written one per string in Alertmanager's quoted form."""
    out = plain(node, exclude=("matchers", "continue_", "routes"))
    if node.matchers:
        out = {"matchers": _matchers(node.matchers), **out}
    if node.continue_:
        out["continue"] = True
    if node.routes:
        out["routes"] = [route(child) for child in node.routes]
    return out


def receiver(node: Receiver) -> dict[str, Any]:
    return plain(node, exclude=("pages",))


def period(node: TimePeriod) -> dict[str, Any]:
    """A time period; `"09:00-17:00"` becomes {start_time: "09:00", end_time: "17:00"}."""
    out = plain(node, exclude=("times",))
    if node.times:
        out = {"times": [dict(zip(("start_time", "end_time"), (t.strip() for t in text.split("-"))))
                         for text in node.times], **out}
    return out


def _matchers(texts: Sequence[str]) -> list[str]:
    return [str(m) for text in texts for m in matchers.parse(text)]


def plain(model: BaseModel, exclude: Sequence[str] = ()) -> dict[str, Any]:
    """A model's set fields under Alertmanager's names; nested models, tuples and Env placeholders converted."""
    out = {}
    for name, info in type(model).model_fields.items():
        value = _value(getattr(model, name))
        if name not in exclude and value is not None and value != [] and value != {}:
            out[info.alias or name] = value
    return out


def _value(value: object) -> Any:
    if isinstance(value, Env):
        return env_placeholder(value.name)
    if isinstance(value, BaseModel):
        return plain(value)
    if isinstance(value, tuple):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items()}
    return value


def environment_names(config: dict[str, Any]) -> list[str]:
    """The environment variables a compiled config's placeholders name, sorted."""
    return sorted({m.group(1) for text in _strings(config) for m in ENV_PLACEHOLDER.finditer(text)})


def files_read(config: dict[str, Any]) -> list[str]:
    """The files a compiled config makes Alertmanager read (every `*_file` value: secrets, CAs, keys), sorted."""
    return sorted(set(_file_values(config)))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _file_values(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_file") and isinstance(item, str):
                yield item
            else:
                yield from _file_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _file_values(item)
