"""Checks on the Alertmanager definition: receivers and time intervals that exist, matchers, durations, reachable
routes, time intervals that parse and secrets that stay out of the build. Returns every problem, never stops at
the first, and never repeats a secret."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from . import matchers as matchers_mod
from .conventions import ENV_NAME, ENV_NAME_PATTERN, LABEL_NAME, LABEL_NAME_PATTERN
from .definitions import Sourced
from .durations import parse_duration
from .errors import Problem
from .model.routing import Alertmanager, Env, Global, InhibitRule, Receiver, Route, TimePeriod, secret_fields
from .secret_scan import secret_kind

GROUP_BY_ALL = "..."
TIME = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
GO_ONLY_LOCATIONS = ("UTC", "Local")
"""Locations Go's time.LoadLocation knows without the zone database."""


def alertmanager_problems(items: list[Sourced]) -> list[Problem]:
    """Every problem of the project's Alertmanager definitions (there may be only one)."""
    problems = [Problem(item.source, "alertmanager", "", f"a project has one Alertmanager configuration and "
                        f"{items[0].source} defines it already: import the parts you need into that module")
                for item in items[1:]]
    for item in items:
        problems += config_problems(item.source, item.obj)
    return problems


def config_problems(source: str, config: Alertmanager) -> list[Problem]:
    """Problems of one Alertmanager definition."""
    problems = _name_problems(source, "receiver", [r.name for r in config.receivers])
    problems += _name_problems(source, "time interval", [t.name for t in config.time_intervals])
    for receiver in config.receivers:
        obj = f"receiver {receiver.name!r}"
        problems += [Problem(source, obj, field, message) for field, message in _receiver_problems(receiver, config)]
        problems += _model_secret_problems(source, obj, receiver)
    if config.global_ is not None:
        problems += _duration_problems(source, "global", config.global_, ("resolve_timeout",))
        problems += _model_secret_problems(source, "global", config.global_)
    for interval in config.time_intervals:
        for index, period in enumerate(interval.time_intervals):
            problems += [Problem(source, f"time interval {interval.name!r}", f"time_intervals[{index}].{field}", why)
                         for field, why in period_problems(period)]
    problems += _route_problems(source, config, config.route, "route", {}, root=True)
    for index, rule in enumerate(config.inhibit_rules):
        problems += _inhibit_problems(source, f"inhibit_rules[{index}]", rule)
    return problems


def _name_problems(source: str, kind: str, names: list[str]) -> list[Problem]:
    problems, seen = [], set()
    for name in names:
        if not name.strip():
            problems.append(Problem(source, f"{kind} {name!r}", "name", "must not be blank"))
        elif name in seen:
            problems.append(Problem(source, f"{kind} {name!r}", "name", f"another {kind} has this name: rename one"))
        seen.add(name)
    return problems


# --- receivers and secrets -----------------------------------------------------------------------------------

def _receiver_problems(receiver: Receiver, config: Alertmanager) -> Iterator[tuple[str, str]]:
    """Settings a receiver's integrations need that are neither set on them nor in the global settings."""
    shared = config.global_ or Global()
    for index, slack in enumerate(receiver.slack_configs):
        if _unset(slack, "api_url") and _unset(shared, "slack_api_url"):
            yield f"slack_configs[{index}].api_url", _needs("api_url", "slack_api_url")
    for index, pager in enumerate(receiver.pagerduty_configs):
        keys = [k for k in ("routing_key", "routing_key_file", "service_key", "service_key_file")
                if getattr(pager, k) is not None]
        if len(keys) != 1:
            yield (f"pagerduty_configs[{index}].routing_key", "give exactly one of routing_key_file, "
                   "routing_key=Env(...), service_key_file or service_key=Env(...)"
                   + (f" (got {', '.join(keys)})" if keys else ""))
    for index, genie in enumerate(receiver.opsgenie_configs):
        if _unset(genie, "api_key") and _unset(shared, "opsgenie_api_key"):
            yield f"opsgenie_configs[{index}].api_key", _needs("api_key", "opsgenie_api_key")
    for index, email in enumerate(receiver.email_configs):
        if email.smarthost is None and shared.smtp_smarthost is None:
            yield f"email_configs[{index}].smarthost", "set smarthost ('host:port') here or smtp_smarthost in global"
        if email.from_ is None and shared.smtp_from is None:
            yield f"email_configs[{index}].from", "set from here or smtp_from in global"


def _unset(model: BaseModel, name: str) -> bool:
    return getattr(model, name) is None and getattr(model, f"{name}_file") is None


def _needs(name: str, global_name: str) -> str:
    return (f"give {name}_file (a file Alertmanager reads) or {name}=Env('NAME') (filled in when publishing), "
            f"here or as {global_name}_file / {global_name} in global")


def _model_secret_problems(source: str, obj: str, model: BaseModel, path: str = "") -> list[Problem]:
    """Secrets given as literals (or twice), and secret-shaped strings anywhere, in a model and the models in it."""
    problems = []
    secrets = secret_fields(type(model))
    for name in type(model).model_fields:
        value, field = getattr(model, name), f"{path}{name}"
        if name in secrets:
            problems += [Problem(source, obj, field, why) for why in _secret_field_problems(model, name, value)]
        elif isinstance(value, BaseModel):
            problems += _model_secret_problems(source, obj, value, f"{field}.")
        elif isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
            for index, item in enumerate(value):
                problems += _model_secret_problems(source, obj, item, f"{field}[{index}].")
        else:
            problems += [Problem(source, obj, where, f"holds {kind}: a secret must not be written into a definition "
                                 "(it would enter the build): move it into a file or the environment")
                         for where, text in _strings(value, field) if (kind := secret_kind(text))]
    return problems


def _secret_field_problems(model: BaseModel, name: str, value: object) -> Iterator[str]:
    file_field = f"{name}_file"
    has_file_field = file_field in type(model).model_fields
    if isinstance(value, str):
        from_env = f"{name}=Env('NAME') (filled in from the environment when publishing"
        instead = (f"{file_field}='/path' (a file Alertmanager reads) or {from_env})" if has_file_field
                   else f"{from_env}; Alertmanager 0.25 has no {file_field})")
        yield f"is a secret, and a literal value would be written into the build (value not shown): give {instead}"
    elif isinstance(value, Env) and not ENV_NAME.match(value.name):
        yield f"Env({value.name!r}) is not an environment variable name ({ENV_NAME_PATTERN})"
    if value is not None and has_file_field and getattr(model, file_field) is not None:
        yield f"give {name} or {file_field}, not both"


def _strings(value: object, field: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{field}.{key}")
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{field}[{index}]")


def _duration_problems(source: str, obj: str, model: BaseModel, fields: tuple[str, ...],
                       positive: tuple[str, ...] = ()) -> list[Problem]:
    problems = []
    for name in fields:
        value = getattr(model, name)
        if value is None:
            continue
        try:
            seconds = parse_duration(value)
        except ValueError as err:
            problems.append(Problem(source, obj, name, str(err)))
            continue
        if name in positive and seconds <= 0:
            problems.append(Problem(source, obj, name, f"must be longer than 0 (got {value!r})"))
    return problems


# --- routes --------------------------------------------------------------------------------------------------

def _route_problems(source: str, config: Alertmanager, route: Route, obj: str, required: dict[str, str],
                    root: bool = False) -> list[Problem]:
    """A route's own problems and its children's; `required` holds the label values its ancestors match with =."""
    problems = [Problem(source, obj, field, why) for field, why in _root_problems(route)] if root else []
    if route.receiver is not None and config.receiver(route.receiver) is None:
        known = ", ".join(map(repr, sorted({r.name for r in config.receivers}))) or "none"
        problems.append(Problem(source, obj, "receiver", f"unknown receiver {route.receiver!r} (defined: {known})"))
    required = dict(required)
    for index, text in enumerate(route.matchers):
        try:
            parsed = matchers_mod.parse(text)
        except ValueError as err:
            problems.append(Problem(source, obj, f"matchers[{index}]", str(err)))
            continue
        for matcher in parsed:
            if matcher.name in required and not matcher.matches({matcher.name: required[matcher.name]}):
                problems.append(Problem(source, obj, f"matchers[{index}]", f"{matcher} can never match: this route "
                                        f"or one above it already requires {matcher.name}="
                                        f"{matchers_mod.quote(required[matcher.name])}"))
            elif matcher.op == "=":
                required.setdefault(matcher.name, matcher.value)
    problems += _group_by_problems(source, obj, route.group_by)
    problems += _duration_problems(source, obj, route, ("group_wait", "group_interval", "repeat_interval"),
                                   positive=("group_interval", "repeat_interval"))
    known_intervals = {t.name for t in config.time_intervals}
    for field in ("mute_time_intervals", "active_time_intervals"):
        for name in getattr(route, field):
            if name not in known_intervals:
                problems.append(Problem(source, obj, field, f"unknown time interval {name!r} (defined: "
                                        f"{', '.join(map(repr, sorted(known_intervals))) or 'none'})"))
    catch_all: str | None = None
    for index, child in enumerate(route.routes):
        path = f"{obj}.routes[{index}]"
        if catch_all is not None:
            problems.append(Problem(source, path, "", f"unreachable: {catch_all} before it has no matchers and no "
                                    "`continue`, so it takes every alert that gets this far: move this route above "
                                    "it, or set continue_=True on it"))
        elif not child.matchers and not child.continue_:
            catch_all = path
        problems += _route_problems(source, config, child, path, required)
    return problems


def _root_problems(route: Route) -> Iterator[tuple[str, str]]:
    if route.receiver is None:
        yield "receiver", "the root route needs a receiver: the default for alerts no other route takes"
    for field in ("matchers", "mute_time_intervals", "active_time_intervals"):
        if getattr(route, field):
            yield field, f"the root route takes every alert and cannot have {field}: put them on a child route"
    if route.continue_:
        yield "continue", "the root route cannot continue: it has no siblings"


def _group_by_problems(source: str, obj: str, group_by: tuple[str, ...] | None) -> list[Problem]:
    if not group_by:
        return []
    if GROUP_BY_ALL in group_by:
        return [] if group_by == (GROUP_BY_ALL,) else [
            Problem(source, obj, "group_by", f"'{GROUP_BY_ALL}' (group by every label) must stand alone")]
    problems = [Problem(source, obj, "group_by", f"{name!r} is not a label name ({LABEL_NAME_PATTERN})")
                for name in group_by if not LABEL_NAME.match(name)]
    if len(set(group_by)) != len(group_by):
        problems.append(Problem(source, obj, "group_by", "names a label twice"))
    return problems


def _inhibit_problems(source: str, obj: str, rule: InhibitRule) -> list[Problem]:
    problems = []
    for field in ("source_matchers", "target_matchers"):
        texts = getattr(rule, field)
        if not texts:
            effect = "let every alert inhibit" if field == "source_matchers" else "inhibit every alert"
            problems.append(Problem(source, obj, field, f"must not be empty: an inhibit rule without it would {effect}"))
        for index, text in enumerate(texts):
            try:
                matchers_mod.parse(text)
            except ValueError as err:
                problems.append(Problem(source, obj, f"{field}[{index}]", str(err)))
    problems += [Problem(source, obj, "equal", f"{name!r} is not a label name ({LABEL_NAME_PATTERN})")
                 for name in rule.equal if not LABEL_NAME.match(name)]
    return problems


# --- time intervals ------------------------------------------------------------------------------------------

def period_problems(period: TimePeriod) -> Iterator[tuple[str, str]]:
    """(field, why) for every part of a time period Alertmanager would refuse (timeinterval.go's rules)."""
    for index, text in enumerate(period.times):
        why = _time_range_problem(text)
        if why:
            yield f"times[{index}]", why
    for field, parse in (("weekdays", _weekday_range), ("days_of_month", _day_range), ("months", _month_range),
                         ("years", _year_range)):
        for index, text in enumerate(getattr(period, field)):
            try:
                parse(text)
            except ValueError as err:
                yield f"{field}[{index}]", str(err)
    if period.location is not None and period.location not in GO_ONLY_LOCATIONS:
        try:
            ZoneInfo(period.location)
        except (ZoneInfoNotFoundError, ValueError):
            yield "location", f"unknown time zone {period.location!r}: use an IANA name such as Europe/Berlin or UTC"


def _time_range_problem(text: str) -> str | None:
    start, sep, end = text.partition("-")
    if not sep or not TIME.match(start.strip()) or not TIME.match(end.strip()):
        return (f"{text!r} is not a time range: write 'HH:MM-HH:MM' in 24-hour time, e.g. '09:00-17:00' "
                "(end up to 24:00)")
    if start.strip() >= end.strip():
        return f"{text!r} starts at or after its end: times cannot cross midnight; split it into two ranges"
    return None


def _bounds(text: str, member: Callable[[str], int]) -> tuple[int, int]:
    parts = text.lower().split(":")
    if len(parts) > 2:
        raise ValueError(f"{text!r} is not a range: write start:end with one ':'")
    return member(parts[0].strip()), member(parts[-1].strip())


def _named(names: tuple[str, ...], base: int, kind: str) -> Callable[[str], int]:
    def member(text: str) -> int:
        if text in names:
            return names.index(text) + base
        if kind == "month" and text.isdigit() and 1 <= int(text) <= 12:
            return int(text)
        raise ValueError(f"{text!r} is not a {kind}: use {names[0]} ... {names[-1]}"
                         + (" or 1-12" if kind == "month" else ""))
    return member


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


def _weekday_range(text: str) -> None:
    start, end = _bounds(text, _named(WEEKDAYS, 0, "weekday"))
    if start > end:
        raise ValueError(f"{text!r} starts after it ends (weeks run sunday to saturday): split it in two")


def _month_range(text: str) -> None:
    start, end = _bounds(text, _named(MONTHS, 1, "month"))
    if start > end:
        raise ValueError(f"{text!r} ends before it starts: split it in two")


def _day_range(text: str) -> None:
    start, end = _bounds(text, _number)
    for day in (start, end):
        if day == 0 or not -31 <= day <= 31:
            raise ValueError(f"{day} is not a day of the month: use 1 to 31, or -1 (the last day) to -31")
    if start < 0 < end:
        raise ValueError(f"{text!r} counts its start from the month's end, so its end must be too (e.g. -7:-1)")
    if (28 + start if start < 0 else start) > (28 + end if end < 0 else end):
        raise ValueError(f"{text!r} always ends before it starts")


def _year_range(text: str) -> None:
    start, end = _bounds(text, _number)
    if start <= 0:
        raise ValueError(f"{text!r}: years are positive")
    if start > end:
        raise ValueError(f"{text!r} ends before it starts")
