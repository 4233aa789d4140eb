"""The rule evaluation, replayed on what an expression returned at every evaluation of a range.

The pipeline fetches each expression once as a range query at the rule group's evaluation interval, so every point
is what an instant query, and so the rule evaluation, saw at that time (lookback and staleness included). The
evaluation is Prometheus's (rules/alerting.go): one alert per distinct label set, pending from the first evaluation
that returns its series, firing once it has been pending for `for`, resolved at the first evaluation that returns
nothing unless `keep_firing_for` holds it; a series that returns while held goes on firing. It is computed on runs
of consecutive evaluations rather than step by step, so a what-if grid costs little.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import product

import numpy as np

from ..compile.slo import alert_labels, at, event_queries, series_labels
from ..durations import iso, parse_duration
from ..model.slo import SLO, RawSLI
from ..model.windows import BurnWindow
from ..slo_math import burn_rate_factor, error_budget

Labels = tuple[tuple[str, str], ...]
"""A series' labels sorted by name, without `__name__` (rule evaluation drops it)."""
Runs = tuple[np.ndarray, np.ndarray]
"""(starts, stops) of [start, stop) evaluation index ranges (where a condition held, or an alert fired)."""
DEFAULT_FOR = (0, 60, 120, 300, 600, 900, 1800)
"""`for` values (seconds) tried when no what-if option is given (besides the rule's own)."""
DEFAULT_FACTOR_SCALES = (0.5, 0.75, 1.0, 1.5, 2.0)
"""An SLO alert's own burn factor times these, tried when no what-if option is given."""
COMPARE = {">": np.greater, "<": np.less, ">=": np.greater_equal, "<=": np.less_equal, "==": np.equal,
           "!=": np.not_equal}


def moment(seconds: float) -> str:
    """Unix seconds as RFC 3339 in UTC."""
    return iso(datetime.fromtimestamp(seconds, timezone.utc))


@dataclass(frozen=True)
class SloPair:
    """What makes an alert one of an SLO's burn-rate alerts: the SLO and its window pair."""

    slo: SLO
    window: BurnWindow


@dataclass(frozen=True)
class TunedAlert:
    """One alerting rule as the back-test needs it."""

    alert: str
    expr: str
    for_seconds: float
    keep_firing_for_seconds: float
    interval_seconds: float
    labels: Mapping[str, str]
    group: str
    source: str
    slo: SloPair | None = None


@dataclass(frozen=True)
class Incident:
    """A stretch of time something was wrong (Unix seconds); `labels` narrow which episodes count for it, `alerts`
    (globs) which alerts should have caught it (every alert when empty)."""

    start: float
    end: float
    labels: Mapping[str, str] = field(default_factory=dict)
    name: str = ""
    alerts: tuple[str, ...] = ()

    def concerns(self, alert: str) -> bool:
        return not self.alerts or any(fnmatch.fnmatchcase(alert, pattern) for pattern in self.alerts)

    def entry(self) -> dict:
        return {"name": self.name, "start": moment(self.start), "end": moment(self.end), "labels": dict(self.labels),
                "alerts": list(self.alerts)}


@dataclass(frozen=True)
class Grid:
    """The evaluation times start + i * step (Unix milliseconds) for i < count; `first` is the index of the range's
    start (the evaluations before it only warm the state up)."""

    start: int
    step: int
    count: int
    first: int

    def time(self, index: int) -> float:
        """Unix seconds of evaluation `index`."""
        return (self.start + index * self.step) / 1000

    def chunks(self, max_points: int) -> list[tuple[float, float]]:
        """(first, last) evaluation time in Unix seconds of range queries of at most `max_points` points each."""
        return [(self.time(i), self.time(min(i + max_points, self.count) - 1))
                for i in range(0, self.count, max_points)]


def grid_for(start: float, end: float, step: float, lead: float) -> Grid:
    """Evaluations on multiples of `step` from `start` (rounded up) until before `end`, plus `lead` seconds of
    evaluations before `start` (rounded up to whole steps) to learn which alerts were pending or firing already."""
    step_ms = round(step * 1000)
    first_ms = -(-round(start * 1000) // step_ms) * step_ms
    end_ms = -(-round(end * 1000) // step_ms) * step_ms
    lead_steps = -(-round(lead * 1000) // step_ms)
    return Grid(first_ms - lead_steps * step_ms, step_ms, lead_steps + max(0, (end_ms - first_ms) // step_ms),
                lead_steps)


@dataclass
class Series:
    """A series' value at every evaluation of a grid, and whether the expression returned it there (a value can
    be NaN and still be returned)."""

    values: np.ndarray
    present: np.ndarray


Frame = dict[Labels, Series]
"""What one expression returned over a grid, per label set."""


def frame(answers: Iterable[tuple[Mapping[str, str], Sequence[tuple[float, float]]]], grid: Grid) -> Frame:
    """The range-query answers (labels, [(time, value)]) of one expression, chunks merged, on the grid."""
    found: Frame = {}
    for labels, points in answers:
        key = tuple(sorted((k, v) for k, v in labels.items() if k != "__name__"))
        series = found.get(key)
        if series is None:
            series = found[key] = Series(np.full(grid.count, np.nan), np.zeros(grid.count, dtype=bool))
        if not points:
            continue
        times = np.fromiter((t for t, _ in points), float, len(points))
        index = np.rint((times * 1000 - grid.start) / grid.step).astype(np.int64)
        keep = (index >= 0) & (index < grid.count)
        series.values[index[keep]] = np.fromiter((v for _, v in points), float, len(points))[keep]
        series.present[index[keep]] = True
    return found


def ratio_query(slo: SLO, window: str) -> str:
    """The SLO's error ratio over `window` from its SLI (what its `slo:sli_error:ratio_rate<window>` recording
    holds, so alerts can be tuned before their recording rules ever ran)."""
    if isinstance(slo.sli, RawSLI):
        return at(slo.sli.error_ratio, window)
    bad, total = event_queries(slo.sli, window)
    return f"(({bad}) or 0 * ({total}))\n/\n(({total}) > 0)"


# --- the what-if grid ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One combination of settings. `threshold` None: the expression as written (it has no threshold to vary).
    For an SLO alert, `factor`, `short` and `long` stand for the threshold."""

    threshold: float | None
    for_seconds: float
    keep_firing_for_seconds: float
    factor: float | None = None
    short: str | None = None
    long: str | None = None

    def settings(self) -> tuple:
        return (self.threshold, self.for_seconds, self.keep_firing_for_seconds, self.factor, (self.short, self.long))


@dataclass(frozen=True)
class Axes:
    """The values asked for on the command line; an axis left empty holds only the rule's own value."""

    thresholds: tuple[float, ...] = ()
    for_seconds: tuple[float, ...] = ()
    keep_firing_for_seconds: tuple[float, ...] = ()
    factors: tuple[float, ...] = ()
    windows: tuple[tuple[str, str], ...] = ()

    def given(self) -> bool:
        return any((self.thresholds, self.for_seconds, self.keep_firing_for_seconds, self.factors, self.windows))


def own_variant(alert: TunedAlert, threshold: float | None) -> Variant:
    """The rule's own settings."""
    if alert.slo is not None:
        w = alert.slo.window
        return Variant(None, alert.for_seconds, alert.keep_firing_for_seconds,
                       burn_rate_factor(w, alert.slo.slo.period), w.short, w.long)
    return Variant(threshold, alert.for_seconds, alert.keep_firing_for_seconds)


def variants(alert: TunedAlert, threshold: float | None, axes: Axes) -> list[Variant]:
    """Every combination of the axes, each axis sorted and holding the rule's own value too. Without any what-if
    option, `for` is tried at DEFAULT_FOR (an SLO alert's burn factor at DEFAULT_FACTOR_SCALES of its own)."""
    own = own_variant(alert, threshold)
    defaults = not axes.given()
    keeps = _axis(axes.keep_firing_for_seconds, own.keep_firing_for_seconds)
    if alert.slo is not None:
        factors = axes.factors or (tuple(round(own.factor * s, 4) for s in DEFAULT_FACTOR_SCALES) if defaults else ())
        windows = sorted({*axes.windows, (own.short, own.long)},
                         key=lambda w: (parse_duration(w[1]), parse_duration(w[0])))
        return [Variant(None, f, k, factor, short, long) for (short, long), factor, f, k in
                product(windows, _axis(factors, own.factor), _axis(axes.for_seconds, own.for_seconds), keeps)]
    fors = axes.for_seconds or (DEFAULT_FOR if defaults else ())
    thresholds = _axis(axes.thresholds, threshold) if threshold is not None else [None]
    return [Variant(t, f, k) for t, f, k in product(thresholds, _axis(fors, own.for_seconds), keeps)]


def _axis(values: Iterable[float], own: float) -> list[float]:
    return sorted({*values, own})


def windows_needed(alert: TunedAlert, axes: Axes) -> list[str]:
    """The error-ratio windows an SLO alert's grid reads, shortest first."""
    own = own_variant(alert, None)
    return sorted({w for pair in {*axes.windows, (own.short, own.long)} for w in pair}, key=parse_duration)


def lead_seconds(alert: TunedAlert, axes: Axes) -> float:
    """How long before the range the evaluation must start to know the state at its start: the longest `for`
    plus the longest `keep_firing_for` of the alert's grid."""
    grid = variants(alert, 0.0, axes)
    return max(v.for_seconds for v in grid) + max(v.keep_firing_for_seconds for v in grid)


# --- evaluation ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    """An alert of one label set firing from `start` until it resolved at `end` (Unix seconds, within the range)."""

    labels: Labels
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def entry(self) -> dict:
        return {"labels": dict(self.labels), "start": moment(self.start), "end": moment(self.end),
                "duration_seconds": round(self.duration, 3)}


def runs(active: np.ndarray) -> Runs:
    """(starts, stops): the [start, stop) index ranges where `active` is true."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], active.view(np.int8), [0]))))
    return edges[0::2], edges[1::2]


def firing_spans(active_runs: Runs, step_ms: int, for_seconds: float, keep_firing_for_seconds: float) -> Runs:
    """(fired, resolved): the [fired, resolved) evaluation indexes of one label set's episodes, from the runs of
    evaluations that returned its series.

    Runs less than `keep_firing_for` apart form a chain: once one of them lasts `for` and fires, at its start +
    ceil(for / step), the alert goes on firing through the rest of the chain (each return comes while it is held)
    and resolves ceil(keep_firing_for / step) evaluations after the chain's last run. Runs of the chain before the
    first that fires were pending alerts, dropped when their series vanished. Without `keep_firing_for` every run is
    a chain of its own."""
    starts, stops = active_runs
    hold = -(-round(for_seconds * 1000) // step_ms)
    keep = -(-round(keep_firing_for_seconds * 1000) // step_ms)
    if not starts.size:
        return starts, stops
    new_chain = np.concatenate(([True], starts[1:] - stops[:-1] > keep))
    chain = np.cumsum(new_chain) - 1
    last_stop = stops[np.concatenate((np.flatnonzero(new_chain)[1:] - 1, [stops.size - 1]))]
    firing = np.flatnonzero(stops - starts > hold)
    chains, first = np.unique(chain[firing], return_index=True)
    return starts[firing[first]] + hold, last_stop[chains] + keep


Firing = dict[Labels, tuple[np.ndarray, np.ndarray]]
"""Per label set (the series' with the rule's on top): when each episode fired and resolved, Unix seconds within
the range."""


def firing(active: Mapping[Labels, Runs], grid: Grid, variant: Variant, extra: Mapping[str, str]) -> Firing:
    """Every label set's episodes within the range: those already firing at the range's start begin there, those
    still firing at its end end there."""
    found: Firing = {}
    for labels, active_runs in active.items():
        fired, resolved = firing_spans(active_runs, grid.step, variant.for_seconds, variant.keep_firing_for_seconds)
        inside = resolved > grid.first
        if inside.any():
            key = tuple(sorted({**dict(labels), **extra}.items()))
            found[key] = (_times(grid, np.maximum(fired[inside], grid.first)),
                          _times(grid, np.minimum(resolved[inside], grid.count)))
    return found


def _times(grid: Grid, index: np.ndarray) -> np.ndarray:
    return (grid.start + index * grid.step) / 1000


def episodes(found: Firing) -> list[Episode]:
    """The episodes, earliest first."""
    return sorted((Episode(labels, float(a), float(b)) for labels, (fired, resolved) in found.items()
                   for a, b in zip(fired, resolved)), key=lambda e: (e.start, e.labels))


@dataclass(frozen=True)
class Inputs:
    """What was fetched for one alert, by query: the expression's value without its comparison (`op`,
    `threshold`), or the whole expression (`op` None), or for an SLO alert the error ratio per window."""

    frames: Mapping[str, Frame]
    op: str | None = None
    threshold: float | None = None


def active_runs(alert: TunedAlert, inputs: Inputs, variant: Variant) -> dict[Labels, Runs]:
    """Per label set, the runs of evaluations at which the variant's condition held."""
    if alert.slo is not None:
        limit = variant.factor * error_budget(alert.slo.slo.objective)
        short, long = inputs.frames[variant.short], inputs.frames[variant.long]
        return {labels: runs(_holds(short[labels], ">", limit) & _holds(long[labels], ">", limit))
                for labels in sorted(short.keys() & long.keys())}
    (only,) = inputs.frames.values()
    if inputs.op is None:
        return {labels: runs(series.present) for labels, series in sorted(only.items())}
    return {labels: runs(_holds(series, inputs.op, variant.threshold)) for labels, series in sorted(only.items())}


def _holds(series: Series, op: str, limit: float) -> np.ndarray:
    """Where the expression returned the series and its value compares true (NaN compares as in PromQL)."""
    with np.errstate(invalid="ignore"):
        return series.present & COMPARE[op](series.values, limit)


def burn_window(alert: TunedAlert, variant: Variant) -> BurnWindow:
    """The burn window of an SLO alert's variant: budget share = factor x long window / period."""
    share = variant.factor * parse_duration(variant.long) / parse_duration(alert.slo.slo.period) * 100
    return alert.slo.window.model_copy(update={"short": variant.short, "long": variant.long,
                                               "budget_percent": share})


def episode_labels(alert: TunedAlert, variant: Variant) -> dict[str, str]:
    """The labels the rule adds to each series (an SLO alert's also carry the SLO's series labels)."""
    if alert.slo is None:
        return dict(alert.labels)
    slo = alert.slo.slo
    return {**series_labels(slo), **alert_labels(slo, burn_window(alert, variant))}
