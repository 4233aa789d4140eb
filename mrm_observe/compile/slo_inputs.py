"""Synthetic input for an SLO's generated tests: series its SLI selects, and what its rules will compute.

`feed` reads the SLI's selectors and invents label sets that match them (a good series must match the
total selector but not the bad one). `Traffic` is a per-minute traffic plan; `window_ratio` computes the
error ratio a window sees the way Prometheus 2.x (closed range) and 3.x (left-open range) select samples,
so a test only asserts what both versions agree on.
"""
from __future__ import annotations

import re
import re._parser as sre_parse  # type: ignore[import-not-found]
from dataclasses import dataclass
from functools import cached_property, lru_cache, singledispatch
from itertools import accumulate

from .. import promql
from ..model.slo import ErrorRatioSLI, LatencySLI, RawSLI
from ..conventions import SLO_WINDOW_PLACEHOLDER
from ..promql import Matcher

CANDIDATES = ("200", "ok", "x", "500", "1", "0", "")
_NEGATE = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}


@dataclass(frozen=True)
class Feed:
    """Synthetic series and the role each plays: `bad`, `good`, `total` counters, or a `success` gauge."""

    series: tuple[tuple[str, str], ...]

    @property
    def gauge(self) -> bool:
        return any(role == "success" for _, role in self.series)


def selectors(expr: str) -> list[tuple[str, list[Matcher]]]:
    """(metric name, matchers) of every vector selector in an SLI template."""
    return promql.parse(expr.replace(SLO_WINDOW_PLACEHOLDER, "5m")).selectors()


@lru_cache(maxsize=1024)
def shortest_match(regex: str) -> str | None:
    """A short string the (fully anchored) regex matches, or None."""
    try:
        text = _emit(sre_parse.parse(regex))
    except (re.error, ValueError, KeyError):
        return None
    return text if re.fullmatch(regex, text) else None


def _emit(pattern: object) -> str:
    out = []
    for op, arg in pattern:  # type: ignore[attr-defined]
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name in ("ANY", "NOT_LITERAL"):
            out.append("0" if name == "ANY" or arg != ord("0") else "1")
        elif name == "IN":
            out.append(_in(arg))
        elif name == "BRANCH":
            out.append(_emit(arg[1][0]))
        elif name == "SUBPATTERN":
            out.append(_emit(arg[-1]))
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            out.append(_emit(arg[2]) * arg[0])
        elif name == "CATEGORY":
            out.append({"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " "}.get(str(arg), "x"))
        elif name != "AT":
            raise ValueError(name)
    return "".join(out)


def _in(items: list) -> str:
    if str(items[0][0]) == "NEGATE":
        return next(c for c in "0aAx_" if not any(str(o) == "LITERAL" and a == ord(c) for o, a in items))
    op, arg = items[0]
    if str(op) == "RANGE":
        return chr(arg[0])
    if str(op) == "CATEGORY":
        return _emit([(op, arg)])
    return chr(arg)


def _ok(value: str, op: str, want: str) -> bool:
    return {"=": value == want, "!=": value != want, "=~": bool(re.fullmatch(want, value)),
            "!~": not re.fullmatch(want, value)}[op]


def satisfy(matchers: list[Matcher]) -> dict[str, str] | None:
    """Label values matching every matcher (an empty value means the label is absent), or None."""
    labels: dict[str, str] = {}
    for name in dict.fromkeys(m[1] for m in matchers):
        rules = [(op, want) for op, label, want in matchers if label == name]
        options = [want for op, want in rules if op == "="]
        options += [s for op, want in rules if op == "=~" for s in (shortest_match(want),) if s is not None]
        value = next((v for v in (*options, *CANDIDATES) if all(_ok(v, op, w) for op, w in rules)), None)
        if value is None:
            return None
        if value:
            labels[name] = value
    return labels


def series_text(metric: str, labels: dict[str, str]) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{metric}{{{inner}}}"


def _split(matchers_bad: list[Matcher], matchers_total: list[Matcher]) -> tuple[dict, dict] | None:
    """Labels of a series counted as bad and of one counted as good (total but not bad)."""
    bad = satisfy(matchers_total + matchers_bad)
    extra = [m for m in matchers_bad if m not in matchers_total]
    for op, label, want in extra:
        good = satisfy(matchers_total + [m for m in extra if m[1] != label] + [(_NEGATE[op], label, want)])
        if good is not None and bad is not None:
            return bad, good
    return None


@singledispatch
def feed(sli: object) -> Feed | None:
    """Synthetic series for an SLI, or None when its queries are beyond what we can invent input for."""
    return None


@feed.register
def _(sli: ErrorRatioSLI) -> Feed | None:
    first, total = selectors(sli.bad or sli.good or ""), selectors(sli.total)
    role, other = ("bad", "good") if sli.bad is not None else ("good", "bad")
    if len(first) == 1 and len(total) == 2 and first[0] in total:  # total = bad + good, two metrics
        rest = total[1 - total.index(first[0])]
        labels = [satisfy(first[0][1]), satisfy(rest[1])]
        if labels[0] is None or labels[1] is None:
            return None
        return Feed(((series_text(first[0][0], labels[0]), role), (series_text(rest[0], labels[1]), other)))
    if len(first) != 1 or len(total) != 1:
        return None
    (name, matchers), (total_name, total_matchers) = first[0], total[0]
    if name != total_name:
        own, tot = satisfy(matchers), satisfy(total_matchers)
        if own is None or tot is None:
            return None
        return Feed(((series_text(name, own), role), (series_text(total_name, tot), "total")))
    split = _split(matchers, total_matchers)
    if split is None:
        return None
    return Feed(((series_text(name, split[0]), role), (series_text(name, split[1]), other)))


@feed.register
def _(sli: LatencySLI) -> Feed | None:
    found = selectors(f"x{{{sli.selector}}}") if sli.selector.strip() else [("x", [])]
    labels = satisfy(found[0][1])
    if labels is None:
        return None
    # The rules read `_count` and the threshold's bucket only, so the +Inf bucket is not fed.
    return Feed(((series_text(f"{sli.histogram}_count", labels), "total"),
                 (series_text(f"{sli.histogram}_bucket", {**labels, "le": f"{sli.threshold:g}"}), "good")))


@feed.register
def _(sli: RawSLI) -> Feed | None:
    return Feed(((sli.test_success_gauge, "success"),)) if sli.test_success_gauge else None


@dataclass(frozen=True)
class Segment:
    """`minutes` of `per_minute` events with `error_ratio` of them bad (0 events = no traffic)."""

    minutes: int
    per_minute: float
    error_ratio: float


class Traffic:
    """A traffic plan sampled every minute from t=0; minute k covers (k-1, k]."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments
        self.minute: list[Segment] = [segments[0]] + [s for s in segments for _ in range(s.minutes)]

    @cached_property
    def _sums(self) -> tuple[list[float], list[float], list[int], list[float]]:
        """Running sums: bad and total events up to minute k; gauge samples with traffic, and their success
        ratios, before sample k."""
        return ([0.0, *accumulate(s.per_minute * s.error_ratio for s in self.minute[1:])],
                [0.0, *accumulate(s.per_minute for s in self.minute[1:])],
                [0, *accumulate(int(s.per_minute > 0) for s in self.minute)],
                [0.0, *accumulate(1 - s.error_ratio if s.per_minute > 0 else 0.0 for s in self.minute)])

    def until(self, last: int) -> Traffic:
        """The same plan cut after minute `last`."""
        if last >= self.length:
            return self
        kept, left = [], last
        for seg in self.segments:
            if left > 0:
                kept.append(Segment(min(seg.minutes, left), seg.per_minute, seg.error_ratio))
            left -= seg.minutes
        return Traffic(kept)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Traffic) and self.segments == other.segments

    def __hash__(self) -> int:
        return hash(tuple(self.segments))

    @property
    def length(self) -> int:
        return len(self.minute) - 1

    def window_ratio(self, t: int, window: int, gauge: bool, prom3: bool) -> float | None:
        """Error ratio over the `window` minutes ending at minute t, as Prometheus 2.x or 3.x sees it."""
        first = max(0, t - window + (1 if prom3 else 0))
        bad, total, samples, success = self._sums
        if gauge:  # the mean of the samples at minutes first..t
            count = samples[t + 1] - samples[first]
            return 1 - (success[t + 1] - success[first]) / count if count else None
        if t - first < 1:
            return None
        events = total[t] - total[first]  # the events of minutes first+1..t
        return (bad[t] - bad[first]) / events if events > 0 else None

    def agreed_ratio(self, t: int, window: int, gauge: bool) -> float | None:
        """The ratio when both Prometheus versions compute the same one, else None."""
        old, new = (self.window_ratio(t, window, gauge, prom3) for prom3 in (False, True))
        if old is None or new is None or abs(old - new) > 1e-12 * max(abs(old), 1e-9):
            return None
        return old

    def period_ratio(self) -> float | None:
        """Total bad over total events of the whole plan (what a traffic-weighted period ratio must say)."""
        total = sum(s.per_minute for s in self.minute[1:])
        return sum(s.per_minute * s.error_ratio for s in self.minute[1:]) / total if total else None

    def mean_of_ratios(self, window: int, step: int = 1) -> float | None:
        """What averaging the `window` ratios evaluated every `step` minutes would say (Sloth's period SLI)."""
        ratios = [r for t in range(step, self.length + 1, step)
                  if (r := self.window_ratio(t, window, False, False)) is not None]
        return sum(ratios) / len(ratios) if ratios else None
