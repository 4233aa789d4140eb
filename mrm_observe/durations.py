"""Prometheus durations (`5m`, `1h30m`, `30d`) parsed to seconds and formatted back; moments in time as the
command line and input files give them (RFC 3339 or Unix seconds) and as documents show them (RFC 3339 in UTC)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
_PART = re.compile(r"(\d+)(ms|y|w|d|h|m|s)")
_WHOLE = re.compile(r"^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$")
_FORMAT_ORDER = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def parse_duration(text: str) -> float:
    """Return the seconds in a Prometheus duration; raise ValueError with the rule otherwise."""
    if not isinstance(text, str):
        raise ValueError(_invalid(text))
    return _seconds(text)


@lru_cache(maxsize=1024)
def _seconds(text: str) -> float:
    if not text or not _WHOLE.match(text):
        raise ValueError(_invalid(text))
    return sum(int(n) * _UNITS[u] for n, u in _PART.findall(text))


def _invalid(text: object) -> str:
    return f"invalid duration {text!r}: use Prometheus units in descending order, e.g. 30s, 5m, 1h30m, 30d"


def format_duration(seconds: float) -> str:
    """Return the shortest Prometheus duration for a whole number of seconds (e.g. 5400 -> 1h30m)."""
    whole = int(round(seconds))
    if whole <= 0:
        raise ValueError(f"duration must be positive (got {seconds} s)")
    parts = []
    for unit, size in _FORMAT_ORDER:
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def duration_text(seconds: float) -> str:
    """`format_duration`, with 0 as `0s` (a rule without `for`)."""
    return "0s" if round(seconds) == 0 else format_duration(seconds)


def parse_time(text: str) -> datetime:
    """A moment given as RFC 3339 with a zone (2026-11-30T12:00:00Z) or as Unix seconds; ValueError saying what
    would be right otherwise."""
    try:
        return datetime.fromtimestamp(float(text), timezone.utc)
    except (ValueError, OverflowError):
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is neither RFC 3339 (2026-11-30T12:00:00Z) nor Unix seconds") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone: add Z or an offset such as +01:00")
    return moment


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
