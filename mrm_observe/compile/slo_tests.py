"""SLO -> a promtool test file proving its generated rules fire and stay silent when they should.

Scenarios (input every minute; rules evaluated every `step` minutes, see below):
  no traffic, then uneven traffic (one group)
             counters that never move fire nothing and leave ratios and burn rates empty (no NaN); then
             busy-healthy and quiet-failing traffic: recorded ratios, burn rates and budget remaining equal
             hand-computed values, where an average of 5-minute ratios would be wrong;
  healthy, then an outage (one group)
             half the budget for an hour never fires; a full outage then fires the fastest pair within the
             bound its windows imply, and that pair resets within its short window of recovery;
  threshold  a burn just above each factor fires that pair, just below it does not (one group each).
Rules are evaluated every 5 minutes when the shortest window is at least 5m (else every minute), and every
check sits on an evaluation: each ratio is read from the raw per-minute input at that instant, so it is the
same as with 1-minute evaluations; the one sum over evaluations (the period ratio) stays bad/total events
because the uneven traffic changes only on 5-minute boundaries and starts and ends idle.
Every expected alert set comes from `Traffic`, computed the way both Prometheus 2.x and 3.x select
samples; a check where they would disagree is moved one evaluation on. Expected alerts are written once
and referenced (YAML anchors) wherever the same alerts are expected again.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from ..conventions import (SLO_BUDGET_REMAINING, SLO_CURRENT_BURN, SLO_ERROR_BUDGET, SLO_ERROR_RATIO,
                           SLO_OBJECTIVE, SLO_PERIOD_BURN, SLO_PERIOD_DAYS, SLO_WINDOW_LABEL, slo_groups)
from ..durations import format_duration, parse_duration
from ..model.slo import SLO, render_labels
from ..model.windows import BurnWindow
from ..slo_math import burn_rate_factor, burn_threshold, detection_seconds, error_budget, pair_fires
from .slo import alert_annotations, alert_labels, enabled_windows, num, series_labels
from .slo_inputs import Feed, Segment, Traffic, feed

PER_MINUTE = 1000.0
"""Events per minute in every scenario with traffic."""
BASE = 10000.0
"""Counters start here, so rate() never clamps its extrapolation at zero (which would differ per series)."""
MARGIN = 0.05
"""'Just above' and 'just below' a threshold: 5% either side."""
SEARCH = 5
"""Evaluations a check may move on to where both Prometheus versions agree."""
COARSE_STEP = 5
"""Minutes between rule evaluations when the shortest window allows it."""
IDLE = 30
"""Minutes without traffic before the uneven traffic starts."""
HEALTHY = 60
"""Minutes of healthy traffic (half the budget) before the outage; also at least the fastest pair's long window."""


def minutes(duration: str) -> int:
    return math.ceil(parse_duration(duration) / 60)


def evaluation_step(slo: SLO) -> int:
    """Minutes between evaluations: 5 when the shortest window is 5m or longer, else 1."""
    return COARSE_STEP if parse_duration(slo.table.durations()[0]) >= COARSE_STEP * 60 else 1


def round_up(value: int, step: int) -> int:
    return -(-value // step) * step


@lru_cache(maxsize=4096)
def values_of(traffic: Traffic, role: str) -> str:
    """Expanding notation for one input series of a plan (`a+bxn` runs; `_` where a gauge has no sample)."""
    if role == "success":
        tokens, k = [], 0
        while k <= traffic.length:
            seg, run = traffic.minute[k], 1
            while k + run <= traffic.length and traffic.minute[k + run] is seg:
                run += 1
            tokens.append(f"_x{run}" if seg.per_minute == 0 else f"{num(1 - seg.error_ratio)}x{run - 1}")
            k += run
        return " ".join(tokens)
    share = {"bad": lambda s: s.error_ratio, "good": lambda s: 1 - s.error_ratio, "total": lambda s: 1.0}[role]
    tokens, value = [], BASE
    for seg in (s for s in traffic.segments if s.minutes):
        step = seg.per_minute * share(seg)
        # The first run starts at the t=0 sample; later runs at their first minute.
        tokens.append(f"{num(value)}+{num(step)}x{seg.minutes}" if not tokens else
                      f"{num(value + step)}+{num(step)}x{seg.minutes - 1}")
        value += step * seg.minutes
    return " ".join(tokens) or num(BASE)


def inputs(traffic: Traffic, fed: Feed) -> list[dict[str, str]]:
    """Input series of a plan; series with the same role share one values string."""
    values = {role: values_of(traffic, role) for role in dict.fromkeys(role for _, role in fed.series)}
    return [{"series": series, "values": values[role]} for series, role in fed.series]


def name_pattern(names: list[str]) -> str:
    """A regex matching exactly these metric names, their common prefix written once."""
    prefix = ""
    if len(names) > 1:
        prefix = next((names[0][:i] for i in range(len(min(names, key=len))) if len({n[i] for n in names}) > 1),
                      min(names, key=len))
    return prefix + "(" + "|".join(n[len(prefix):] for n in names) + ")" if prefix else "|".join(names)


Pairs = tuple[tuple[int, int, float], ...]
"""(short window minutes, long window minutes, burn threshold) of each enabled pair."""


@lru_cache(maxsize=4096)
def firing(pairs: Pairs, gauge: bool, traffic: Traffic, t: int) -> tuple[int, ...] | None:
    """Indices of the pairs firing at minute t, or None when the Prometheus versions disagree or a ratio sits on
    a threshold. SLOs with the same objective, windows and kind of SLI share the answer."""
    results = []
    for prom3 in (False, True):
        fired = []
        for i, (short_minutes, long_minutes, limit) in enumerate(pairs):
            short = traffic.window_ratio(t, short_minutes, gauge, prom3)
            long = traffic.window_ratio(t, long_minutes, gauge, prom3)
            if any(r is not None and abs(r - limit) <= 1e-6 * limit for r in (short, long)):
                return None
            if pair_fires(limit, short, long):
                fired.append(i)
        results.append(tuple(fired))
    return results[0] if results[0] == results[1] else None


@lru_cache(maxsize=4096)
def settle(pairs: Pairs, gauge: bool, step: int, traffic: Traffic, t: int) -> tuple[int, tuple[int, ...]] | None:
    """The first evaluation from t on (within SEARCH) where the firing set is certain, and that set."""
    for moved in range(t, t + SEARCH * step + 1, step):
        fired = firing(pairs, gauge, traffic, moved)
        if fired is not None:
            return moved, fired
    return None


@lru_cache(maxsize=256)
def threshold_runs(pairs: Pairs, gauge: bool, step: int, budget: float,
                   factors: tuple[float, ...]) -> tuple[tuple[str, float, float, Traffic, int, tuple[int, ...]], ...]:
    """(above/below, factor, error ratio, plan, check minute, firing pairs) of each threshold scenario: a constant
    burn 5% above and 5% below each factor, checked at the first evaluation with traffic."""
    runs = []
    for factor in factors:
        limit = factor * budget
        for word, ratio in (("above", min(limit * (1 + MARGIN), (limit + 1) / 2)), ("below", limit * (1 - MARGIN))):
            plan = Traffic([Segment(step * (1 + SEARCH), PER_MINUTE, ratio)])
            found = settle(pairs, gauge, step, plan, step)
            if found is None:
                raise ValueError(f"no stable check time for a burn of {ratio:g}")
            runs.append((word, factor, ratio, plan.until(found[0]), *found))
    return tuple(runs)


class Checks:
    """What the tests of one SLO expect, built once so that repeated expectations are the same objects."""

    def __init__(self, slo: SLO, fed: Feed | None) -> None:
        self.slo, self.fed, self.step = slo, fed, evaluation_step(slo)
        self.budget = error_budget(slo.objective)
        self.gauge = bool(fed and fed.gauge)
        self.alert_name = slo.alert_name
        self.windows = enabled_windows(slo)
        self.pairs = tuple((minutes(w.short), minutes(w.long), burn_threshold(w, slo.period, self.budget))
                           for w in self.windows)
        self._alerts: dict[tuple[int, ...], list[dict[str, Any]]] = {}

    def expected(self, fired: list[BurnWindow]) -> list[dict[str, Any]]:
        """The expected alerts of a firing set (one shared list per set)."""
        key = tuple(id(w) for w in fired)  # the windows are this SLO's own objects; ids hash faster than models
        if key not in self._alerts:
            self._alerts[key] = [self.expected([w])[0] for w in fired] if len(fired) > 1 else [self.alert(fired[0])]
        return self._alerts[key]

    def alert(self, window: BurnWindow) -> dict[str, Any]:
        labels = series_labels(self.slo)
        return {"exp_labels": {**labels, **alert_labels(self.slo, window)},
                "exp_annotations": {k: render_labels(v, labels) for k, v in alert_annotations(self.slo, window).items()}}

    def alert_test(self, t: int, fired: list[BurnWindow]) -> dict[str, Any]:
        """An alert check; without `exp_alerts` promtool expects the alert not to be firing."""
        test = {"eval_time": f"{t}m", "alertname": self.alert_name}
        return {**test, "exp_alerts": self.expected(fired)} if fired else test

    def group(self, name: str, traffic: Traffic, alerts: list | None = None,
              exprs: list | None = None) -> dict[str, Any]:
        """A test group whose input ends at its last check (later samples would only cost time)."""
        last = max(int(case["eval_time"][:-1]) for case in (alerts or []) + (exprs or []))
        plan = traffic.until(last)
        out: dict[str, Any] = {"name": name, "interval": "1m",
                               "input_series": inputs(plan, self.fed) if self.fed else []}
        if alerts:
            out["alert_rule_test"] = alerts
        if exprs:
            out["promql_expr_test"] = exprs
        return out

    @staticmethod
    def matcher(records: list[str]) -> str:
        """Series by name: a test file loads one SLO's rules, and the expected labels name the SLO."""
        return f'{{__name__=~"{name_pattern(records)}"}}' if len(records) > 1 else records[0]

    def empty(self, records: list[str], t: int) -> dict[str, Any]:
        """None of these series has a sample at t."""
        return {"expr": self.matcher(records), "eval_time": f"{t}m", "exp_samples": []}

    def approx(self, records: dict[str, str | None], value: float, t: int) -> dict[str, Any]:
        """`|series - value| <= tolerance` as a bool sample equal to 1 for each record (name -> window label)."""
        return self.all_close([(records, value)], t)

    def all_close(self, checks: list[tuple[dict[str, str | None], float]], t: int) -> dict[str, Any]:
        """Several `|series - value| <= tolerance` checks at one time in one expression.

        Each check selects its records (name -> window label) by name; checks whose series share one label set
        are multiplied, so the single expected sample is 1 only when every one of them is within tolerance.
        """
        terms, windows = [], {}
        for records, value in checks:
            terms.append(f"(abs({self.matcher(list(records))} - {value:.10g}) <= bool {1e-9 + 1e-6 * abs(value):.3g})")
            windows = records
        samples = [{"labels": _label_text(series_labels(self.slo) | ({SLO_WINDOW_LABEL: w} if w else {})), "value": 1}
                   for w in windows.values()]
        expr = terms[0][1:-1] if len(terms) == 1 else " * ".join(terms)
        return {"expr": expr, "eval_time": f"{t}m", "exp_samples": samples}


def _label_text(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


@lru_cache(maxsize=256)
def outage_run(pairs: Pairs, gauge: bool, step: int, budget: float, fast: int, lasts: int
               ) -> tuple[Traffic, int, list[tuple[int, tuple[int, ...]]], tuple[int, ...] | None, tuple[int, int]]:
    """(plan, outage start, quiet checks, pairs firing when the outage must have fired, reset check) of the
    healthy-then-outage scenario for the fastest pair `fast` and an outage of `lasts` minutes."""
    short, long, _ = pairs[fast]
    lead = max(HEALTHY, long)
    start = round_up(lead + lasts, step) - lasts
    fire_at = start + lasts
    reset_by = round_up(fire_at + short, step)
    plan = Traffic([Segment(start, PER_MINUTE, budget / 2), Segment(lasts, PER_MINUTE, 1.0),
                    Segment(reset_by - fire_at + SEARCH * step, PER_MINUTE, budget / 2)])
    quiet = [settle(pairs, gauge, step, plan, t) for t in sorted({5, 20, 40, HEALTHY, start - start % step})]
    after = settle(pairs, gauge, step, plan, reset_by)
    if None in quiet or after is None:
        raise ValueError("no stable check time in the outage scenario")
    return plan, start, quiet, firing(pairs, gauge, plan, fire_at), after  # type: ignore[return-value]


def healthy_then_outage(checks: Checks) -> dict[str, Any]:
    """Half the budget for an hour (nothing fires), then a full outage until the fastest pair must fire, then
    healthy again until that pair has reset."""
    slo, budget = checks.slo, checks.budget
    fast = max(range(len(checks.windows)), key=lambda i: burn_rate_factor(checks.windows[i], slo.period))
    window = checks.windows[fast]
    bound = detection_seconds(window, slo.period, budget)
    if bound is None:
        raise ValueError(f"{slo.id}: the {window.pair} pair can never fire")
    lasts = max(1, math.ceil(bound / 60))
    plan, start, quiet, fired, (reset_at, after) = outage_run(checks.pairs, checks.gauge, checks.step, budget, fast,
                                                              lasts)
    if any(f for _, f in quiet):
        raise ValueError(f"{slo.id}: a healthy service would fire")
    if fired is None or fast not in fired or fast in after:
        raise ValueError(f"{slo.id}: the {window.pair} pair would not fire and reset as its windows imply")
    fire_at = start + lasts
    name = (f"healthy (error ratio = half the budget) for {start}m: nothing fires; then a full outage: "
            f"{window.tier} {window.pair} ({num(burn_rate_factor(window, slo.period))}x) fires within "
            f"{format_duration(max(1, round(bound)))} (by {fire_at}m) and resets within {window.short} "
            f"of recovery (by {reset_at}m)")
    windows = checks.windows
    return checks.group(name, plan, [*(checks.alert_test(t, [windows[i] for i in f]) for t, f in quiet),
                                     checks.alert_test(fire_at, [windows[i] for i in fired]),
                                     checks.alert_test(reset_at, [windows[i] for i in after])])


def thresholds(checks: Checks) -> list[dict[str, Any]]:
    """A constant burn 5% above and 5% below each distinct factor; check at the first evaluation with traffic."""
    slo, budget = checks.slo, checks.budget
    factors = tuple(sorted({burn_rate_factor(w, slo.period) for w in checks.windows}))
    out = []
    for word, factor, ratio, plan, t, indices in threshold_runs(checks.pairs, checks.gauge, checks.step, budget,
                                                                 factors):
        fired = [checks.windows[i] for i in indices]
        pairs = ", ".join(w.pair for w in fired) or "nothing"
        out.append(checks.group(f"burn {num(ratio / budget)}x (just {word} {num(factor)}x): {pairs} fires",
                                plan, [checks.alert_test(t, fired)]))
    return out


def no_traffic_checks(checks: Checks) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(alert tests, expression tests) after IDLE minutes without traffic: no alert, no ratio, no NaN burn rate."""
    slo = checks.slo
    first = slo.table.durations()[0]
    records = [SLO_ERROR_RATIO.format(window=w) for w in (first, slo.period)]
    exprs = [checks.empty([*records, SLO_CURRENT_BURN, SLO_PERIOD_BURN, SLO_BUDGET_REMAINING], IDLE)]
    exprs.append(checks.all_close([({SLO_OBJECTIVE: None}, slo.objective / 100), ({SLO_ERROR_BUDGET: None}, checks.budget),
                                   ({SLO_PERIOD_DAYS: None}, parse_duration(slo.period) / 86400)], checks.step))
    alerts = [checks.alert_test(t, []) for t in (10, IDLE)] if enabled_windows(slo) else []
    return alerts, exprs


NO_TRAFFIC = f"no traffic for {IDLE}m: nothing fires, ratios and burn rates have no samples (no NaN)"


def no_traffic(checks: Checks) -> dict[str, Any]:
    """No traffic alone, for SLIs we cannot invent input for."""
    alerts, exprs = no_traffic_checks(checks)
    return checks.group(NO_TRAFFIC, Traffic([Segment(IDLE, 0.0, 0.0)]), alerts, exprs)


@lru_cache(maxsize=256)
def uneven(budget: float, gauge: bool, step: int, windows: tuple[int, ...]) -> tuple[Traffic, dict[int, float | None],
                                                                                   float, float]:
    """The uneven traffic after IDLE minutes without traffic: 10m busy and healthy, 15m quiet and failing, then
    idle; with the ratio each window (minutes, shortest first) agrees on when the failing ends, the period
    ratio and what averaging the shortest window's ratios would say. Shared by SLOs of one shape."""
    high = min(20 * budget, 0.5)
    busy = [] if gauge else [Segment(10, 900.0, budget / 2)]
    tail = round_up(windows[0] + 1, step)
    plan = Traffic([Segment(IDLE, 0.0, 0.0), *busy, Segment(15, 100.0, high), Segment(tail, 0.0, 0.0)])
    agreed = {w: plan.agreed_ratio(plan.length - tail, w, gauge) for w in windows}
    if gauge:
        return plan, agreed, high, high
    return plan, agreed, plan.period_ratio() or 0.0, plan.mean_of_ratios(windows[0], step) or 0.0


def no_traffic_then_values(checks: Checks) -> dict[str, Any]:
    """No traffic, then uneven traffic (see `uneven`); check recorded values.

    Segments last whole evaluation steps and the first minute of every checked window is idle, so every
    value is exact for Prometheus 2.x and 3.x alike.
    """
    slo, step, budget = checks.slo, checks.step, checks.budget
    durations = slo.table.durations()
    first = durations[0]
    plan, agreed, period, naive = uneven(budget, checks.gauge, step, tuple(minutes(w) for w in durations))
    end = plan.length
    end_busy = end - round_up(minutes(first) + 1, step)
    by_value: dict[float, dict[str, str | None]] = {}
    for w in durations[1:]:
        ratio = agreed[minutes(w)]
        if ratio is not None:
            by_value.setdefault(ratio, {})[SLO_ERROR_RATIO.format(window=w)] = w
    current = agreed[minutes(first)]
    exprs = [checks.approx(records, ratio, end_busy) for ratio, records in by_value.items()]
    exprs.append(checks.all_close([({SLO_CURRENT_BURN: first}, (current or 0) / budget)] +
                                  [({SLO_ERROR_RATIO.format(window=first): first}, current)] * (current is not None),
                                  end_busy))
    exprs += [checks.all_close([({SLO_ERROR_RATIO.format(window=slo.period): slo.period}, period),
                                ({SLO_PERIOD_BURN: slo.period}, period / budget),
                                ({SLO_BUDGET_REMAINING: slo.period}, 1 - period / budget)], end),
              checks.empty([SLO_CURRENT_BURN], end)]
    alerts, quiet = no_traffic_checks(checks)
    name = (f"{NO_TRAFFIC}; then uneven traffic: at {end_busy}m windows and burn rate match hand-computed ratios; "
            f"at {end}m the {slo.period} ratio is {num(round(period, 6))} (bad/total events; averaging {first} "
            f"ratios would give {num(round(naive, 6))}) and the idle {first} window has no burn rate")
    return checks.group(name, plan, alerts, quiet + exprs)


def slo_test_file(slo: SLO, rule_file: str) -> dict[str, Any]:
    """The promtool test file of one SLO (rule_file relative to the test file)."""
    fed = feed(slo.sli)
    checks = Checks(slo, fed)
    if fed is None:
        tests = [no_traffic(checks)]
    else:
        tests = [no_traffic_then_values(checks)]
        if enabled_windows(slo):
            tests += [healthy_then_outage(checks), *thresholds(checks)]
    return {"rule_files": [rule_file], "evaluation_interval": f"{checks.step}m",
            "group_eval_order": list(slo_groups(slo.id)), "tests": tests}
