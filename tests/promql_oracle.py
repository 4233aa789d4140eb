"""What Prometheus 2.42 and VictoriaMetrics 1.79 answer for a few PromQL functions, recomputed in pure Python.

Prometheus semantics follow `promql/functions.go` `extrapolatedRate` and the range/instant selectors of v2.42.0
(Debian's 2.42.0+ds):

* a range selector `x[W]` evaluated at t holds the samples with t-W <= ts <= t (both ends closed in 2.x;
  Prometheus 3 makes the start open);
* `increase`/`rate` need 2 samples; the raw delta adds the previous value at each drop (counter reset); the
  result is extrapolated from the first/last sample to the window edge when that edge is closer than 1.1x the
  average sample interval, else by half an average interval; towards the start it never extrapolates past the
  point where the counter would have been 0 (v2.42 applies this zero clamp *before* the 1.1x test; from v2.51 on
  it is applied after it); `rate = increase / W`;
* an instant selector returns the newest sample with t-5m <= ts <= t (no staleness markers in backfilled data);
  VictoriaMetrics: the newest in (t-5m, t];
* `sum_over_time`/`count_over_time` add/count the range's samples; `sum by (...)` adds per label group;
* a subquery `(expr)[R:S]` evaluates expr at the multiples of S (since the epoch) in [t-R, t]; VictoriaMetrics: in
  (t-R, t].

VictoriaMetrics semantics follow `app/vmselect/promql/rollup.go` and `eval.go` of v1.79.5 (Debian's 1.79.5+ds1):

* an instant query at t fetches [t - W - 5m, t] (5m = the default step and `maxSilenceInterval`) and removes
  counter resets over the fetched samples first (a drop to less than 7/8 of the previous value adds the previous
  value, a smaller drop only the difference);
* a window `[W]` holds the samples with t-W < ts <= t (start open); `prev` is the newest sample at or before
  t-W if it is newer than t-W-maxPrevInterval (scrape interval = 0.6 quantile of the first 20 sample intervals,
  plus 1/4 of it for 16-32 s intervals), and only when the window has samples;
* `increase` = last - prev, not extrapolated; without `prev` it uses the newest fetched sample before the window
  ("the value did not change during the gap"), else 0 as the start value when the first value is small (< 10x the
  next delta + 1), else the first sample;
* `rate` = (last - prev) / (t_last - t_prev), or between the window's first and last sample when there is no prev.
"""
from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Mapping, Sequence

Labels = tuple[tuple[str, str], ...]
Samples = Sequence[tuple[int, float]]
Vector = dict[Labels, float]

LOOKBACK_S = 300
VM_STEP_MS = 300_000
VM_MAX_SILENCE_MS = 300_000


_TIMES: dict[int, tuple[Samples, int, list[int]]] = {}


def _times(samples: Samples) -> list[int]:
    """The sample times, cached per samples object (the history's lists are built once and not changed)."""
    cached = _TIMES.get(id(samples))
    if cached is not None and cached[0] is samples and cached[1] == len(samples):
        return cached[2]
    times = [t for t, _ in samples]
    if len(samples) > 64:
        _TIMES[id(samples)] = (samples, len(samples), times)
    return times


def in_range(samples: Samples, t_ms: int, window_s: float, left_open: bool = False) -> Samples:
    """The samples a range selector `[window]` sees at t: [t-W, t] (Prometheus 2.x) or (t-W, t] (left_open)."""
    times = _times(samples)
    start = t_ms - round(window_s * 1000)
    lo = bisect.bisect_right(times, start) if left_open else bisect.bisect_left(times, start)
    return samples[lo:bisect.bisect_right(times, t_ms)]


# --- Prometheus 2.42 ---------------------------------------------------------------------------------------------

def prom_extrapolated(samples: Samples, t_ms: int, window_s: float, is_rate: bool) -> float | None:
    """Prometheus' extrapolatedRate for a counter (increase or rate); None when the series drops out."""
    points = in_range(samples, t_ms, window_s)
    if len(points) < 2:
        return None
    range_start, range_end = t_ms - round(window_s * 1000), t_ms
    (first_t, first_v), (last_t, last_v) = points[0], points[-1]
    result = last_v - first_v
    prev = first_v
    for _, v in points[1:]:
        if v < prev:
            result += prev
        prev = v
    duration_to_start = (first_t - range_start) / 1000
    duration_to_end = (range_end - last_t) / 1000
    sampled = (last_t - first_t) / 1000
    average = sampled / (len(points) - 1)
    if result > 0 and first_v >= 0:
        duration_to_zero = sampled * (first_v / result)
        if duration_to_zero < duration_to_start:
            duration_to_start = duration_to_zero
    threshold = average * 1.1
    extrapolate_to = sampled
    extrapolate_to += duration_to_start if duration_to_start < threshold else average / 2
    extrapolate_to += duration_to_end if duration_to_end < threshold else average / 2
    factor = extrapolate_to / sampled
    if is_rate:
        factor /= window_s
    return result * factor


def prom_increase(samples: Samples, t_ms: int, window_s: float) -> float | None:
    """`increase(x[W])` at t, as Prometheus 2.42 computes it."""
    return prom_extrapolated(samples, t_ms, window_s, is_rate=False)


def prom_rate(samples: Samples, t_ms: int, window_s: float) -> float | None:
    """`rate(x[W])` at t, as Prometheus 2.42 computes it."""
    return prom_extrapolated(samples, t_ms, window_s, is_rate=True)


def prom_sum_over_time(samples: Samples, t_ms: int, window_s: float) -> float | None:
    points = in_range(samples, t_ms, window_s)
    return math.fsum(v for _, v in points) if points else None


def prom_count_over_time(samples: Samples, t_ms: int, window_s: float) -> float | None:
    points = in_range(samples, t_ms, window_s)
    return float(len(points)) if points else None


def prom_instant(samples: Samples, t_ms: int, lookback_s: float = LOOKBACK_S) -> float | None:
    """An instant selector `x` at t: the newest sample in [t - lookback, t]."""
    points = in_range(samples, t_ms, lookback_s)
    return points[-1][1] if points else None


# --- VictoriaMetrics 1.79 ----------------------------------------------------------------------------------------

def _quantile(phi: float, values: Sequence[float]) -> float:
    """Prometheus-style quantile over values (VictoriaMetrics' quantileSorted)."""
    ordered = sorted(values)
    rank = phi * (len(ordered) - 1)
    lower = max(0, math.floor(rank))
    upper = min(len(ordered) - 1, lower + 1)
    weight = rank - math.floor(rank)
    return ordered[lower] * (1 - weight) + ordered[upper] * weight


def _vm_scrape_interval(times: Sequence[int], default_ms: int) -> int:
    if len(times) < 2:
        return default_ms
    intervals = [float(b - a) for a, b in zip(times[:21], times[1:21], strict=False)]
    interval = int(_quantile(0.6, intervals))
    return interval if interval > 0 else default_ms


def _vm_max_prev_interval(interval: int) -> int:
    for limit, extra in ((2000, 4 * interval), (4000, 2 * interval), (8000, interval),
                         (16000, interval // 2), (32000, interval // 4)):
        if interval <= limit:
            return interval + extra
    return interval + interval // 8


def _vm_remove_counter_resets(values: list[float]) -> list[float]:
    correction, prev, out = 0.0, values[0] if values else 0.0, []
    for v in values:
        d = v - prev
        if d < 0:
            correction += prev - v if -d * 8 < prev else prev
        prev = v
        out.append(v + correction)
    return out


class _VmWindow:
    """The rollup arguments VictoriaMetrics builds for one series at an instant query time."""

    def __init__(self, samples: Samples, t_ms: int, window_s: float, counter: bool, may_adjust: bool) -> None:
        window = round(window_s * 1000)
        fetched = in_range(samples, t_ms, (window + VM_MAX_SILENCE_MS + max(0, VM_STEP_MS - window)) / 1000)
        self.times = _times(fetched)
        values = [v for _, v in fetched]
        self.values = _vm_remove_counter_resets(values) if counter else values
        max_prev = min(_vm_max_prev_interval(_vm_scrape_interval(self.times, VM_STEP_MS)), LOOKBACK_S * 1000)
        if may_adjust and window < max_prev:
            window = max_prev
        t_start = t_ms - window
        i = bisect.bisect_right(self.times, t_start)
        j = bisect.bisect_right(self.times, t_ms)
        self.prev_value: float | None = None
        self.prev_time = t_start - max_prev
        if i < len(self.times) and i > 0 and self.times[i - 1] > self.prev_time:
            self.prev_value, self.prev_time = self.values[i - 1], self.times[i - 1]
        self.window_values = self.values[i:j]
        self.window_times = self.times[i:j]
        self.real_prev = self.values[i - 1] if i > 0 else None
        self.real_next = self.values[j] if j < len(self.values) else None


def vm_increase(samples: Samples, t_ms: int, window_s: float) -> float | None:
    """`increase(x[W])` at t, as VictoriaMetrics 1.79 computes it (rollupDelta, not extrapolated)."""
    w = _VmWindow(samples, t_ms, window_s, counter=True, may_adjust=False)
    values, prev = w.window_values, w.prev_value
    if prev is None:
        if not values:
            return None
        if w.real_prev is not None:
            return values[-1] - w.real_prev
        d = values[1] - values[0] if len(values) > 1 else (w.real_next - values[0] if w.real_next is not None else 0)
        if abs(values[0]) < 10 * (abs(d) + 1):
            prev = 0.0
        else:
            prev, values = values[0], values[1:]
    if not values:
        return 0.0
    return values[-1] - prev


def vm_rate(samples: Samples, t_ms: int, window_s: float) -> float | None:
    """`rate(x[W])` at t, as VictoriaMetrics 1.79 computes it (rollupDerivFast)."""
    w = _VmWindow(samples, t_ms, window_s, counter=True, may_adjust=True)
    values, times = w.window_values, w.window_times
    prev, prev_t = w.prev_value, w.prev_time
    if prev is None:
        if len(values) < 2:
            return None
        prev, prev_t = values[0], times[0]
    elif not values:
        return 0.0
    return (values[-1] - prev) / ((times[-1] - prev_t) / 1000)


def vm_instant(samples: Samples, t_ms: int, lookback_s: float = LOOKBACK_S) -> float | None:
    """An instant selector `x` at t in VictoriaMetrics: the newest sample in (t - 5m, t] (default_rollup)."""
    points = in_range(samples, t_ms, lookback_s, left_open=True)
    return points[-1][1] if points else None


def vm_sum_over_time(samples: Samples, t_ms: int, window_s: float) -> float | None:
    points = in_range(samples, t_ms, window_s, left_open=True)
    return math.fsum(v for _, v in points) if points else None


def vm_count_over_time(samples: Samples, t_ms: int, window_s: float) -> float | None:
    points = in_range(samples, t_ms, window_s, left_open=True)
    return float(len(points)) if points else None


# --- the truth ---------------------------------------------------------------------------------------------------

def counter_at(samples: Samples, t_ms: int) -> tuple[int, float] | None:
    """The newest sample at or before t."""
    i = bisect.bisect_right(_times(samples), t_ms)
    return samples[i - 1] if i else None


def exact_events(samples: Samples, start_ms: int, end_ms: int) -> float:
    """The events a counter recorded in (start, end], reset-aware: from the newest sample at or before start (0 when
    the series did not exist yet) to the newest sample at or before end, adding the value after each drop (the
    process restarted from 0). Exact whenever samples lie on both edges; otherwise events between the edge and the
    neighbouring sample are attributed to the sample's side."""
    times = _times(samples)
    lo = bisect.bisect_right(times, start_ms)
    hi = bisect.bisect_right(times, end_ms)
    prev = samples[lo - 1][1] if lo else 0.0
    total = 0.0
    for _, v in samples[lo:hi]:
        total += v - prev if v >= prev else v
        prev = v
    return total


# --- vectors ------------------------------------------------------------------------------------------------------

_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')


def select(series: Mapping[Labels, Samples], selector: str) -> dict[Labels, Samples]:
    """The series matching a PromQL selector such as `http_requests_total{service="api",status=~"5.."}`."""
    name, _, rest = selector.partition("{")
    matchers: list[tuple[str, str, str]] = [("__name__", "=", name.strip())] if name.strip() else []
    body = rest.rstrip().removesuffix("}")
    pos = 0
    while pos < len(body):
        match = _MATCHER.match(body, pos)
        if match is None:
            raise ValueError(f"cannot parse selector {selector!r} at {body[pos:]!r}")
        matchers.append((match[1], match[2], match[3]))
        pos = match.end()

    def matches(labels: Labels) -> bool:
        values = dict(labels)
        for label, op, want in matchers:
            have = values.get(label, "")
            ok = (have == want if op in ("=", "!=") else re.fullmatch(want, have) is not None)
            if ok == (op in ("!=", "!~")):
                return False
        return True

    return {labels: samples for labels, samples in series.items() if matches(labels)}


RangeFunction = Callable[[Samples, int, float], float | None]

FUNCTIONS: dict[str, dict[str, RangeFunction]] = {
    "prometheus": {"increase": prom_increase, "rate": prom_rate, "sum_over_time": prom_sum_over_time,
                   "count_over_time": prom_count_over_time},
    "victoriametrics": {"increase": vm_increase, "rate": vm_rate, "sum_over_time": vm_sum_over_time,
                        "count_over_time": vm_count_over_time},
}


def drop_name(labels: Labels) -> Labels:
    return tuple((k, v) for k, v in labels if k != "__name__")


def range_function(series: Mapping[Labels, Samples], function: str, selector: str, window_s: float, t_ms: int,
                   backend: str = "prometheus") -> Vector:
    """`function(selector[window])` at t: one value per series (labels without `__name__`), absent series left out."""
    compute = FUNCTIONS[backend][function]
    out: Vector = {}
    for labels, samples in select(series, selector).items():
        value = compute(samples, t_ms, window_s)
        if value is not None:
            out[drop_name(labels)] = value
    return out


def instant(series: Mapping[Labels, Samples], selector: str, t_ms: int, backend: str = "prometheus") -> Vector:
    """The instant vector `selector` at t (labels keep `__name__`)."""
    pick = prom_instant if backend == "prometheus" else vm_instant
    out: Vector = {}
    for labels, samples in select(series, selector).items():
        value = pick(samples, t_ms)
        if value is not None:
            out[labels] = value
    return out


def sum_by(vector: Vector, by: Sequence[str]) -> Vector:
    """`sum by (labels) (vector)`."""
    groups: dict[Labels, list[float]] = {}
    for labels, value in vector.items():
        key = tuple((k, v) for k, v in labels if k in by)
        groups.setdefault(key, []).append(value)
    return {key: math.fsum(values) for key, values in groups.items()}


def evaluate(series: Mapping[Labels, Samples], function: str, selector: str, window_s: float, t_ms: int,
             by: Sequence[str] | None = None, backend: str = "prometheus") -> Vector:
    """`sum by (by) (function(selector[window]))` (or without the sum when by is None) at t."""
    vector = range_function(series, function, selector, window_s, t_ms, backend)
    return vector if by is None else sum_by(vector, by)


def subquery_times(t_ms: int, range_s: float, step_s: float, backend: str = "prometheus") -> list[int]:
    """The evaluation times of a subquery `[range:step]` at t: the multiples of step (since the epoch) in
    [t - range, t] (Prometheus 2.42) or (t - range, t] (VictoriaMetrics)."""
    step, start = round(step_s * 1000), t_ms - round(range_s * 1000)
    first = step * (start // step)
    if first < start or (first == start and backend != "prometheus"):
        first += step
    return list(range(first, t_ms + 1, step))


def sum_over_time_of(inner: Callable[[int], Vector], t_ms: int, range_s: float, step_s: float,
                     backend: str = "prometheus") -> Vector:
    """`sum_over_time((inner)[range:step])` at t, inner (the same backend's oracle) evaluated at each subquery time."""
    sums: dict[Labels, list[float]] = {}
    for at in subquery_times(t_ms, range_s, step_s, backend):
        for labels, value in inner(at).items():
            sums.setdefault(labels, []).append(value)
    return {labels: math.fsum(values) for labels, values in sums.items()}


def promql(function: str, selector: str, window_s: float, by: Sequence[str] | None = None) -> str:
    """The PromQL text for `evaluate`'s arguments (windows in whole seconds)."""
    inner = f"{function}({selector}[{int(window_s)}s])"
    return inner if by is None else f"sum by ({', '.join(by)}) ({inner})"
