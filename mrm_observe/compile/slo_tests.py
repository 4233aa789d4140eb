"""SLO -> a promtool test file proving its generated rules fire and stay silent when they should.

Scenarios (one test group each, input every minute, rules evaluated every minute):
  outage     a full outage fires the fastest pair within the bound its windows imply, and that pair
             resets within its short window plus one evaluation after recovery;
  threshold  a burn just above each factor fires that pair, just below it does not;
  healthy    an error ratio of half the budget never fires;
  no traffic never fires and leaves the ratio and burn-rate series empty (no NaN);
  values     uneven traffic: recorded ratios, burn rates and budget remaining equal hand-computed values,
             where an average of 5-minute ratios would be wrong.
Every expected alert set comes from `Traffic`, computed the way both Prometheus 2.x and 3.x select
samples; a check time where they would disagree is moved a minute on.
"""
from __future__ import annotations

import math
from typing import Any

from ..conventions import (SLO_BUDGET_REMAINING, SLO_CURRENT_BURN, SLO_ERROR_BUDGET, SLO_ERROR_RATIO, SLO_OBJECTIVE,
                           SLO_PERIOD_BURN, SLO_PERIOD_DAYS, SLO_WINDOW_LABEL, slo_groups)
from ..durations import format_duration, parse_duration
from ..model.slo import SLO, render_labels
from ..model.windows import BurnWindow
from ..slo_math import burn_rate_factor, burn_threshold, detection_seconds, error_budget, pair_fires
from .slo import alert_annotations, alert_labels, enabled_windows, num, selector, series_labels
from .slo_inputs import Feed, Segment, Traffic, feed

PER_MINUTE = 1000.0
"""Events per minute in every scenario with traffic."""
BASE = 10000.0
"""Counters start here, so rate() never clamps its extrapolation at zero (which would differ per series)."""
MARGIN = 0.05
"""'Just above' and 'just below' a threshold: 5% either side."""
SEARCH = 5
"""Minutes a check may move on to where both Prometheus versions agree."""


def minutes(duration: str) -> int:
    return math.ceil(parse_duration(duration) / 60)


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
    tokens, value = [num(BASE)], BASE
    for seg in traffic.segments:
        step = seg.per_minute * share(seg)
        if seg.minutes:
            tokens.append(f"{num(value + step)}+{num(step)}x{seg.minutes - 1}")
            value += step * seg.minutes
    return " ".join(tokens)


def inputs(traffic: Traffic, fed: Feed) -> list[dict[str, str]]:
    return [{"series": series, "values": values_of(traffic, role)} for series, role in fed.series]


def firing(slo: SLO, traffic: Traffic, t: int, gauge: bool) -> list[BurnWindow] | None:
    """Pairs firing at minute t, or None when the versions disagree or a ratio sits on a threshold."""
    results, budget = [], error_budget(slo.objective)
    for prom3 in (False, True):
        fired = []
        for window in enabled_windows(slo):
            limit = burn_threshold(window, slo.period, budget)
            short, long = (traffic.window_ratio(t, minutes(w), gauge, prom3) for w in (window.short, window.long))
            if any(r is not None and abs(r - limit) <= 1e-6 * limit for r in (short, long)):
                return None
            if pair_fires(window, slo.period, budget, short, long):
                fired.append(window)
        results.append(fired)
    return results[0] if results[0] == results[1] else None


def expected_alert(slo: SLO, window: BurnWindow) -> dict[str, Any]:
    labels = series_labels(slo)
    return {"exp_labels": {**labels, **alert_labels(slo, window)},
            "exp_annotations": {k: render_labels(v, labels) for k, v in alert_annotations(slo, window).items()}}


def alert_check(slo: SLO, traffic: Traffic, t: int, gauge: bool) -> tuple[int, list[BurnWindow]]:
    """The first minute from t on where the firing set is certain, and that set."""
    for moved in range(t, t + SEARCH + 1):
        fired = firing(slo, traffic, moved, gauge)
        if fired is not None:
            return moved, fired
    raise ValueError(f"{slo.id}: no stable check time near {t}m")


def alert_test(slo: SLO, t: int, fired: list[BurnWindow]) -> dict[str, Any]:
    return {"eval_time": f"{t}m", "alertname": slo.alert_name, "exp_alerts": [expected_alert(slo, w) for w in fired]}


def group(name: str, traffic: Traffic, fed: Feed | None, alerts: list | None = None,
          exprs: list | None = None) -> dict[str, Any]:
    """A test group whose input ends at its last check (later samples would only cost time)."""
    last = max(int(case["eval_time"][:-1]) for case in (alerts or []) + (exprs or []))
    plan = traffic.until(last)
    out: dict[str, Any] = {"name": name, "interval": "1m", "input_series": inputs(plan, fed) if fed else []}
    if alerts:
        out["alert_rule_test"] = alerts
    if exprs:
        out["promql_expr_test"] = exprs
    return out


def outage(slo: SLO, fed: Feed) -> dict[str, Any]:
    """Healthy for one long window, then a full outage until the fastest pair must fire, then recovery."""
    fast = max(enabled_windows(slo), key=lambda w: burn_rate_factor(w, slo.period))
    start = minutes(fast.long)
    bound = detection_seconds(fast, slo.period, error_budget(slo.objective))
    fire_at = start + max(1, math.ceil(bound / 60))
    recover_at = fire_at + minutes(fast.short) + 1
    plan = Traffic([Segment(start, PER_MINUTE, 0.0), Segment(fire_at - start, PER_MINUTE, 1.0),
                    Segment(recover_at - fire_at + SEARCH, PER_MINUTE, 0.0)])
    gauge = fed.gauge
    before = alert_check(slo, plan, start, gauge)
    fired = firing(slo, plan, fire_at, gauge)
    after = alert_check(slo, plan, recover_at, gauge)
    if fired is None or fast not in fired or fast in after[1] or before[1]:
        raise ValueError(f"{slo.id}: the {fast.pair} pair would not fire and reset as its windows imply")
    name = (f"full outage from {start}m: {fast.tier} {fast.pair} ({num(burn_rate_factor(fast, slo.period))}x) fires within "
            f"{format_duration(max(1, round(bound)))} (by {fire_at}m) and resets within {fast.short} + 1 evaluation "
            f"of recovery at {fire_at}m")
    return group(name, plan, fed, [alert_test(slo, *before), alert_test(slo, fire_at, fired),
                                   alert_test(slo, *after)])


def thresholds(slo: SLO, fed: Feed) -> list[dict[str, Any]]:
    """A constant burn 5% above and 5% below each distinct factor; check after 10 minutes."""
    out = []
    for factor in sorted({burn_rate_factor(w, slo.period) for w in enabled_windows(slo)}):
        limit = factor * error_budget(slo.objective)
        for word, ratio in (("above", min(limit * (1 + MARGIN), (limit + 1) / 2)), ("below", limit * (1 - MARGIN))):
            plan = Traffic([Segment(10 + SEARCH, PER_MINUTE, ratio)])
            t, fired = alert_check(slo, plan, 10, fed.gauge)
            pairs = ", ".join(w.pair for w in fired) or "nothing"
            out.append(group(f"burn {num(ratio / error_budget(slo.objective))}x (just {word} {num(factor)}x): {pairs} fires",
                             plan, fed, [alert_test(slo, t, fired)]))
    return out


def healthy(slo: SLO, fed: Feed) -> dict[str, Any]:
    """Half the budget for two hours: nothing fires at any check."""
    plan = Traffic([Segment(60 + SEARCH, PER_MINUTE, error_budget(slo.objective) / 2)])
    checks = [alert_check(slo, plan, t, fed.gauge) for t in (5, 20, 40, 60)]
    if any(fired for _, fired in checks):
        raise ValueError(f"{slo.id}: a healthy service would fire")
    return group("healthy (error ratio = half the budget) for 1h: nothing fires", plan, fed,
                 [alert_test(slo, t, []) for t, _ in checks])


def empty_series(slo: SLO, record: str, t: int) -> dict[str, Any]:
    return {"expr": f"{record}{selector(slo)}", "eval_time": f"{t}m", "exp_samples": []}


def no_traffic(slo: SLO, fed: Feed | None) -> dict[str, Any]:
    """Counters that never move (or no samples at all): no alert, no ratio, no NaN burn rate."""
    plan = Traffic([Segment(30, 0.0, 0.0)])
    first = slo.table.durations()[0]
    exprs = [empty_series(slo, SLO_ERROR_RATIO.format(window=w), 30) for w in (first, slo.period)]
    exprs += [empty_series(slo, r, 30) for r in (SLO_CURRENT_BURN, SLO_PERIOD_BURN, SLO_BUDGET_REMAINING)]
    alerts = [alert_test(slo, t, []) for t in (10, 30)] if enabled_windows(slo) else []
    return group("no traffic for 30m: nothing fires, ratios and burn rates have no samples (no NaN)",
                 plan, fed, alerts, exprs + metadata_checks(slo))


def approx(slo: SLO, record: str, window: str | None, value: float, t: int) -> dict[str, Any]:
    """`|series - value| <= tolerance` as a bool sample equal to 1 (float sums differ in the last digits)."""
    labels = series_labels(slo) | ({SLO_WINDOW_LABEL: window} if window else {})
    sel = selector(slo)[:-1] + (f', {SLO_WINDOW_LABEL}="{window}"' if window else "") + "}"
    tolerance = 1e-9 + 1e-6 * abs(value)
    return {"expr": f"abs({record}{sel} - {num(value)}) <= bool {tolerance:.3g}", "eval_time": f"{t}m",
            "exp_samples": [{"labels": _label_text(labels), "value": 1}]}


def _label_text(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def metadata_checks(slo: SLO) -> list[dict[str, Any]]:
    return [approx(slo, SLO_OBJECTIVE, None, slo.objective / 100, 1), approx(slo, SLO_ERROR_BUDGET, None, error_budget(slo.objective), 1),
            approx(slo, SLO_PERIOD_DAYS, None, parse_duration(slo.period) / 86400, 1)]


def values(slo: SLO, fed: Feed) -> dict[str, Any]:
    """Uneven traffic: 14m busy and healthy, 15m quiet and failing, 6m idle; check recorded values.

    The first minute of every checked window is idle, so Prometheus 2.x and 3.x see the same events.
    """
    high = min(20 * error_budget(slo.objective), 0.5)
    busy = [Segment(6, 0.0, 0.0), Segment(14, 900.0, error_budget(slo.objective) / 2)] if not fed.gauge else []
    plan = Traffic([*busy, Segment(15, 100.0, high), Segment(6, 0.0, 0.0)])
    end_busy, end = plan.length - 6, plan.length
    agreed = {w: plan.agreed_ratio(end_busy, minutes(w), fed.gauge) for w in slo.table.durations()}
    exprs = [approx(slo, SLO_ERROR_RATIO.format(window=w), w, ratio, end_busy)
             for w, ratio in agreed.items() if ratio is not None]
    first = slo.table.durations()[0]
    current = agreed[first]
    exprs.append(approx(slo, SLO_CURRENT_BURN, first, (current or 0) / error_budget(slo.objective), end_busy))
    if fed.gauge:
        period, naive = high, high
    else:
        period, naive = plan.period_ratio() or 0.0, plan.mean_of_ratios(minutes(first)) or 0.0
    exprs += [approx(slo, SLO_ERROR_RATIO.format(window=slo.period), slo.period, period, end),
              approx(slo, SLO_PERIOD_BURN, slo.period, period / error_budget(slo.objective), end),
              approx(slo, SLO_BUDGET_REMAINING, slo.period, 1 - period / error_budget(slo.objective), end),
              empty_series(slo, SLO_CURRENT_BURN, end)]
    name = (f"uneven traffic: at {end_busy}m windows and burn rate match hand-computed ratios; at {end}m the "
            f"{slo.period} ratio is {num(round(period, 6))} (bad/total events; averaging {first} ratios would give "
            f"{num(round(naive, 6))}) and the idle {first} window has no burn rate")
    return group(name, plan, fed, exprs=exprs)


def slo_test_file(slo: SLO, rule_file: str) -> dict[str, Any]:
    """The promtool test file of one SLO (rule_file relative to the test file)."""
    fed = feed(slo.sli)
    tests = [no_traffic(slo, fed)]
    if fed is not None:
        if enabled_windows(slo):
            tests += [outage(slo, fed), *thresholds(slo, fed), healthy(slo, fed)]
        tests.append(values(slo, fed))
    return {"rule_files": [rule_file], "evaluation_interval": "1m", "group_eval_order": list(slo_groups(slo.id)),
            "tests": tests}
