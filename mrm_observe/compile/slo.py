"""SLO -> Sloth-compatible recording rules, metadata rules and one burn-rate alert per window pair.

Every SLI window W gets `slo:sli_error:ratio_rate<W>`; event SLIs also record bad and total event
rates per window, so the period ratio is sum(bad)/sum(total) over the period (traffic-weighted)
instead of Sloth's average of 5-minute ratios. Ratios divide by `total > 0`, so no traffic gives
no sample (never NaN, never an alert). Rules are built with `model_construct`: they are valid by construction
(the golden files and promtool check them), and validating some 36 models per SLO was a third of compile time.
"""
from __future__ import annotations

from functools import singledispatch

from ..conventions import (SLO_ALERT_WINDOW_LABELS, SLO_BAD_EVENTS, SLO_BUDGET_REMAINING, SLO_CURRENT_BURN,
                           SLO_ERROR_BUDGET, SLO_ERROR_RATIO, SLO_ID_LABEL, SLO_INFO_LABELS, SLO_INFO_METRIC,
                           SLO_MODE, SLO_NAME_LABEL, SLO_OBJECTIVE, SLO_PAGE, SLO_PERIOD_BURN, SLO_PERIOD_DAYS,
                           SLO_SERVICE_LABEL, SLO_TIER_LABEL, SLO_TIER_SEVERITY, SLO_TOTAL_EVENTS,
                           SLO_WINDOW_LABEL, SLO_WINDOW_PLACEHOLDER, slo_groups)
from ..durations import format_duration, parse_duration
from ..model.rules import AlertRule, RecordingRule, RuleGroup
from ..model.slo import SLO, AlertTier, ErrorRatioSLI, LatencySLI, RawSLI
from ..model.windows import BurnWindow
from ..slo_math import burn_rate_factor, error_budget, window_exhaustion_seconds

FOR_WAIVER = {"for": "burn-rate pairs debounce through their short window; `for` would delay detection past the "
                     "window math"}
INFO_WAIVER = {"record-name": "Sloth's info metric name, kept so Sloth's dashboards and queries keep working"}


def num(value: float) -> str:
    """A number as PromQL and labels show it: shortest form, no float noise (0.001, 14.4, 30)."""
    return f"{value:.12g}"


def id_labels(slo: SLO) -> dict[str, str]:
    """The identity labels on every series of an SLO."""
    return {SLO_ID_LABEL: slo.id, SLO_SERVICE_LABEL: slo.service, SLO_NAME_LABEL: slo.name}


def series_labels(slo: SLO) -> dict[str, str]:
    """Identity labels plus the SLO's own labels (which never override identity)."""
    return {**slo.labels, **id_labels(slo)}


def selector(slo: SLO) -> str:
    """`{sloth_id="...", sloth_service="...", sloth_slo="..."}` picking one SLO's series."""
    return "{" + ", ".join(f'{k}="{v}"' for k, v in id_labels(slo).items()) + "}"


def at(template: str, window: str) -> str:
    return template.replace(SLO_WINDOW_PLACEHOLDER, window).strip()


@singledispatch
def event_queries(sli: object, window: str) -> tuple[str, str]:
    """(bad events/s, total events/s) over a window for an event-counting SLI."""
    raise TypeError(f"{type(sli).__name__} does not count events")


@event_queries.register
def _(sli: ErrorRatioSLI, window: str) -> tuple[str, str]:
    total = at(sli.total, window)
    bad = at(sli.bad, window) if sli.bad is not None else f"({total})\n-\n({at(sli.good or '', window)})"
    return bad, total


def le_matcher(threshold: float) -> str:
    """Matcher for a bucket bound as Go clients (`1`) and Prometheus 3 / Python clients (`1.0`) spell it."""
    short, long = f"{threshold:g}", repr(float(threshold))
    return f'le="{short}"' if short == long else f'le=~"{short.replace(".", "[.]")}|{long.replace(".", "[.]")}"'


@event_queries.register
def _(sli: LatencySLI, window: str) -> tuple[str, str]:
    matchers = [m for m in (sli.selector.strip(),) if m]
    count = f"sum(rate({sli.histogram}_count{{{', '.join(matchers)}}}[{window}]))"
    bucket = f"sum(rate({sli.histogram}_bucket{{{', '.join([*matchers, le_matcher(sli.threshold)])}}}[{window}]))"
    return f"{count}\n-\n{bucket}", count


@singledispatch
def sli_rules(sli: object, slo: SLO) -> list[RecordingRule]:
    """The SLI recordings of one SLO: a ratio per window and one for the period."""
    raise TypeError(f"no SLI compiler for {type(sli).__name__}")


def _recording(record: str, expr: str, labels: dict[str, str], waive: dict[str, str] | None = None) -> RecordingRule:
    """A recording rule built without validation (valid by construction), every field given so that pydantic runs
    no default factory (it inspects each factory's signature on every call)."""
    return RecordingRule.model_construct(record=record, expr=expr, labels=labels, waive=waive or {})


def _window_labels(slo: SLO, window: str) -> dict[str, str]:
    return {**series_labels(slo), SLO_WINDOW_LABEL: window}


@sli_rules.register(ErrorRatioSLI)
@sli_rules.register(LatencySLI)
def _(sli: ErrorRatioSLI | LatencySLI, slo: SLO) -> list[RecordingRule]:
    rules = []
    sel = selector(slo)
    for window in slo.table.durations():
        bad, total = event_queries(sli, window)
        labels = _window_labels(slo, window)
        bad_rec, total_rec = SLO_BAD_EVENTS.format(window=window), SLO_TOTAL_EVENTS.format(window=window)
        rules += [
            _recording(record=total_rec, expr=total, labels=labels),
            _recording(record=bad_rec, expr=bad, labels=labels),
            _recording(record=SLO_ERROR_RATIO.format(window=window), labels=labels,
                       expr=f"({bad_rec}{sel} or 0 * {total_rec}{sel})\n/\n({total_rec}{sel} > 0)"),
        ]
    base, period = slo.table.durations()[0], slo.period
    bad_sum = f"sum_over_time({SLO_BAD_EVENTS.format(window=base)}{sel}[{period}])"
    total_sum = f"sum_over_time({SLO_TOTAL_EVENTS.format(window=base)}{sel}[{period}])"
    rules.append(_recording(record=SLO_ERROR_RATIO.format(window=period), labels=_window_labels(slo, period),
                            expr=f"({bad_sum} or 0 * {total_sum})\n/\n({total_sum} > 0)"))
    return rules


@sli_rules.register
def _(sli: RawSLI, slo: SLO) -> list[RecordingRule]:
    rules = [_recording(record=SLO_ERROR_RATIO.format(window=w), expr=at(sli.error_ratio, w),
                        labels=_window_labels(slo, w)) for w in slo.table.durations()]
    base = SLO_ERROR_RATIO.format(window=slo.table.durations()[0])
    rules.append(_recording(record=SLO_ERROR_RATIO.format(window=slo.period), labels=_window_labels(slo, slo.period),
                            expr=f"avg_over_time({base}{selector(slo)}[{slo.period}])"))
    return rules


def meta_rules(slo: SLO) -> list[RecordingRule]:
    """Objective, budget, period and burn-rate recordings plus Sloth's info series."""
    labels, sel, budget = series_labels(slo), selector(slo), num(error_budget(slo.objective))
    info = {**labels, **dict(zip(SLO_INFO_LABELS, (SLO_MODE, num(slo.objective), slo.spec)))}
    first = slo.table.durations()[0]
    return [
        _recording(record=SLO_OBJECTIVE, expr=f"vector({num(slo.objective / 100)})", labels=labels),
        _recording(record=SLO_ERROR_BUDGET, expr=f"vector({budget})", labels=labels),
        _recording(record=SLO_PERIOD_DAYS, expr=f"vector({num(parse_duration(slo.period) / 86400)})",
                   labels=labels),
        _recording(record=SLO_CURRENT_BURN, expr=f"{SLO_ERROR_RATIO.format(window=first)}{sel} / {budget}",
                   labels=labels),
        _recording(record=SLO_PERIOD_BURN, expr=f"{SLO_ERROR_RATIO.format(window=slo.period)}{sel} / {budget}",
                   labels=labels),
        _recording(record=SLO_BUDGET_REMAINING, expr=f"1 - {SLO_PERIOD_BURN}{sel}", labels=labels),
        _recording(record=SLO_INFO_METRIC, expr="vector(1)", labels=info, waive=INFO_WAIVER),
    ]


def threshold(slo: SLO, window: BurnWindow) -> str:
    """`(factor * budget)` as written in the alert expression."""
    return f"({num(burn_rate_factor(window, slo.period))} * {num(error_budget(slo.objective))})"


def tier_of(slo: SLO, window: BurnWindow) -> AlertTier:
    """The alerting settings of the tier (page or ticket) a window pair belongs to."""
    return slo.alerting.page if window.tier == SLO_PAGE else slo.alerting.ticket


def alert_labels(slo: SLO, window: BurnWindow) -> dict[str, str]:
    """Labels of one pair's alert (the firing series adds the SLO's series labels)."""
    tier = tier_of(slo, window)
    pair = dict(zip(SLO_ALERT_WINDOW_LABELS, (window.long, window.short, num(burn_rate_factor(window, slo.period)))))
    return {"severity": SLO_TIER_SEVERITY[window.tier], **slo.alerting.labels, **tier.labels, **pair,
            SLO_TIER_LABEL: window.tier}


def alert_annotations(slo: SLO, window: BurnWindow) -> dict[str, str]:
    """Annotations (unrendered): summary, the burn rate, windows and budget at stake, runbook."""
    tier = tier_of(slo, window)
    factor = burn_rate_factor(window, slo.period)
    described = (f"{slo.service} {slo.name} ({num(slo.objective)}% over {slo.period}) is burning its error budget "
                 f"more than {num(factor)}x too fast over both the last {window.short} and {window.long}: "
                 f"{num(window.budget_percent)}% of the {slo.period} budget is gone every {window.long}, "
                 f"all of it within {format_duration(window_exhaustion_seconds(window))}.")
    out = {"summary": slo.alerting.summary or f"{slo.service} {slo.name}: SLO error budget burn rate is too high "
                                               f"({window.tier})",
           "description": slo.alerting.description or described}
    if slo.alerting.runbook_url:
        out["runbook_url"] = slo.alerting.runbook_url
    return {**out, **slo.alerting.annotations, **tier.annotations}


def enabled_windows(slo: SLO) -> list[BurnWindow]:
    """Window pairs of the tiers that are not disabled."""
    return [w for w in slo.table.windows if tier_of(slo, w).enabled]


def alert_rules(slo: SLO) -> list[AlertRule]:
    """One alerting rule per window pair: on-call sees which pair fired."""
    sel = selector(slo)
    rules = []
    for window in enabled_windows(slo):
        limit = threshold(slo, window)
        checks = [f"max without ({SLO_WINDOW_LABEL}) ({SLO_ERROR_RATIO.format(window=w)}{sel} > {limit})"
                  for w in (window.short, window.long)]
        rules.append(AlertRule.model_construct(alert=slo.alert_name, expr="\nand\n".join(checks),
                                               labels=alert_labels(slo, window),
                                               annotations=alert_annotations(slo, window), waive=FOR_WAIVER))
    return rules


def compile_slo(slo: SLO) -> list[RuleGroup]:
    """Sloth's three groups: SLI recordings, metadata recordings, alerts (omitted when both tiers are off)."""
    sli_group, meta_group, alert_group = slo_groups(slo.id)
    groups = [RuleGroup.model_construct(name=sli_group, rules=tuple(sli_rules(slo.sli, slo))),
              RuleGroup.model_construct(name=meta_group, rules=tuple(meta_rules(slo)))]
    alerts = alert_rules(slo)
    if alerts:
        groups.append(RuleGroup.model_construct(name=alert_group, rules=tuple(alerts)))
    return groups
