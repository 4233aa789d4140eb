"""SLO math in one place: error budget, burn-rate thresholds, detection and exhaustion, period bounds.

Pure functions of their arguments (no clock, no I/O): the compiler, the generated promtool tests, `slo windows`,
and reports read the same numbers from here. Vocabulary: a window pair's *tier* is `page` or `ticket`; the
`severity` label an alert carries is a separate thing (critical/warning by default, overridable per tier).
Formulas follow the SRE Workbook ("Alerting on SLOs", multi-window multi-burn-rate alerts); docs/slo-math.md
derives them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from .durations import format_duration, parse_duration
from .model.slo import SLO, objective_problem
from .model.windows import BurnWindow, WindowTable, table_for

Calendar = Literal["month", "week"]


def error_budget(objective: float) -> float:
    """The error budget as a ratio: 1 - objective/100 (0.001 for 99.9), rounded to hide float noise."""
    return round(1 - objective / 100, 12)


def budget_seconds(budget: float, period: str) -> float:
    """Seconds of full outage the error budget allows over a period: budget x period."""
    return budget * parse_duration(period)


def burn_rate_factor(window: BurnWindow, period: str) -> float:
    """How many times faster than sustainable a pair alerts: budget share x period / long window (14.4 for 2%/1h/30d)."""
    return round(window.budget_percent / 100 * parse_duration(period) / parse_duration(window.long), 4)


def burn_threshold(window: BurnWindow, period: str, budget: float) -> float:
    """The error ratio both of a pair's windows must exceed for it to fire: factor x budget."""
    return burn_rate_factor(window, period) * budget


def never_fires(window: BurnWindow, period: str, budget: float) -> bool:
    """True when the threshold is 1 or more: an error ratio can never exceed it."""
    return burn_threshold(window, period, budget) >= 1


def pair_fires(threshold: float, short_ratio: float | None, long_ratio: float | None) -> bool:
    """Whether a pair with this burn threshold fires, given the error ratio over its short and long window
    (None: no traffic, so no sample and no alert)."""
    return short_ratio is not None and long_ratio is not None and short_ratio > threshold and long_ratio > threshold


def exhaustion_seconds(period: str, burn_rate: float) -> float:
    """Seconds until a sustained burn rate spends the whole budget of a period: period / burn rate."""
    if burn_rate <= 0:
        raise ValueError(f"burn rate must be positive (got {burn_rate:g})")
    return parse_duration(period) / burn_rate


def window_exhaustion_seconds(window: BurnWindow) -> float:
    """Seconds until a burn at a pair's threshold spends the whole budget: long window / budget share (the period
    cancels out, so the factor's rounding does not show up as 30d1m33s)."""
    return parse_duration(window.long) / (window.budget_percent / 100)


def detection_seconds(window: BurnWindow, period: str, budget: float, error_ratio: float = 1.0) -> float | None:
    """Seconds from the start of a constant `error_ratio` (after a clean long window) until the long window crosses
    the threshold: threshold x long window / error ratio; None when the ratio never exceeds the threshold."""
    limit = burn_threshold(window, period, budget)
    if error_ratio <= limit:
        return None
    return limit * parse_duration(window.long) / error_ratio


def budget_spent_at_detection(window: BurnWindow, period: str, budget: float, error_ratio: float = 1.0) -> float | None:
    """Share of the period's error budget spent by the time the pair fires (None when it never does).

    error ratio x detection time / (budget x period): the pair's budget share whatever the error ratio.
    """
    seconds = detection_seconds(window, period, budget, error_ratio)
    if seconds is None:
        return None
    return error_ratio * seconds / (budget * parse_duration(period))


@dataclass(frozen=True)
class WindowRow:
    """One pair of a window table with the numbers `slo windows` prints."""

    tier: str
    short: str
    long: str
    factor: float
    budget_percent: float
    never_fires: bool
    detection_seconds: float | None
    exhaustion_seconds: float

    def cells(self) -> tuple[str, ...]:
        """The row as printed: factor with its never-fires mark, durations in Prometheus notation."""
        fires = "never" if self.detection_seconds is None else format_duration(max(1, round(self.detection_seconds)))
        return (self.tier, self.short, self.long, f"{self.factor:g}x" + (" (never)" if self.never_fires else ""),
                f"{self.budget_percent:g}%", fires, format_duration(self.exhaustion_seconds))


WINDOW_ROW_HEADER = ("tier", "short", "long", "factor", "budget spent", "fires after (outage)", "exhausts budget in")


def window_rows(objective: float, period: str, table: WindowTable | None = None) -> list[WindowRow]:
    """The alert windows of an objective and period (the built-in table unless one is given)."""
    budget = error_budget(objective)
    return [WindowRow(tier=w.tier, short=w.short, long=w.long, factor=burn_rate_factor(w, period),
                      budget_percent=w.budget_percent, never_fires=never_fires(w, period, budget),
                      detection_seconds=detection_seconds(w, period, budget),
                      exhaustion_seconds=window_exhaustion_seconds(w))
            for w in (table or table_for(period)).windows]


def table_problems(table: WindowTable, budget: float, scrape_seconds: float) -> list[tuple[str, str]]:
    """(field, message) for every pair that could never fire or would be too noisy."""
    problems = []
    for i, row in enumerate(table.windows):
        where = f"windows[{i}] ({row.tier} {row.pair})"
        try:
            short, long = parse_duration(row.short), parse_duration(row.long)
        except ValueError as err:
            problems.append((where, str(err)))
            continue
        if short >= long:
            problems.append((where, f"the short window must be shorter than the long one (got {row.pair})"))
        if short < 4 * scrape_seconds:
            problems.append((where, f"short window {row.short} is under 4 scrape intervals "
                             f"({format_duration(4 * scrape_seconds)}): rate() would be noisy; use a longer window"))
        if never_fires(row, table.period, budget):
            problems.append((where, f"factor {burn_rate_factor(row, table.period):g} x error budget {budget:g} >= 1: "
                             "the error ratio can never exceed it, so this alert could never fire; "
                             "lower budget_percent or lengthen the long window"))
    if not table.windows:
        problems.append(("windows", "a window table needs at least one row"))
    return problems


def slo_window_problems(slo: SLO) -> list[tuple[str, str]]:
    """The window-table problems of an SLO whose objective, period and scrape interval are valid (else none)."""
    try:
        scrape = parse_duration(slo.scrape_interval)
        parse_duration(slo.period)
    except ValueError:
        return []
    if objective_problem(slo.objective) or (slo.windows is not None and slo.windows.period != slo.period):
        return []
    where = "windows" if slo.windows else f"period ({slo.period})"
    return [(f"{where}: {field}", message)
            for field, message in table_problems(slo.table, error_budget(slo.objective), scrape)]


def rolling_bounds(period: str, at: datetime) -> tuple[datetime, datetime]:
    """[start, end) of a rolling period ending at `at`."""
    start = _aware(at).astimezone(timezone.utc) - timedelta(seconds=parse_duration(period))
    return start.astimezone(at.tzinfo), at


def calendar_bounds(unit: Calendar, at: datetime, zone: str = "UTC") -> tuple[datetime, datetime]:
    """[start, end) of the calendar month or ISO week (Monday 00:00) holding `at`, in a time zone.

    Bounds are local midnights: a month with a daylight-saving change is an hour shorter or longer.
    """
    local = _aware(at).astimezone(ZoneInfo(zone))
    if unit == "month":
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    elif unit == "week":
        monday = local.date() - timedelta(days=local.weekday())
        start = datetime(monday.year, monday.month, monday.day, tzinfo=local.tzinfo)
        following = monday + timedelta(days=7)
        end = datetime(following.year, following.month, following.day, tzinfo=local.tzinfo)
    else:
        raise ValueError(f"calendar periods are month or week (got {unit!r})")
    return start, end


def elapsed_share(bounds: tuple[datetime, datetime], at: datetime) -> float:
    """Share of a period elapsed at `at` (0 before its start, 1 after its end), in absolute time."""
    start, end = (b.astimezone(timezone.utc) for b in bounds)
    share = (_aware(at).astimezone(timezone.utc) - start) / (end - start)
    return min(1.0, max(0.0, share))


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("give a time zone aware datetime (e.g. datetime(..., tzinfo=timezone.utc))")
    return at
