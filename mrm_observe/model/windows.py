"""Multi-window multi-burn-rate tables: which window pairs alert, and at what burn rate.

A row says: page (or ticket) when the error ratio over both the short and the long window exceeds
factor x error budget, where factor = budget_percent/100 x period / long window (SRE Workbook,
"Alerting on SLOs", approach 6). The short window (long/12) makes the alert reset soon after recovery.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..durations import format_duration, parse_duration

MIN_SHORT_WINDOW = 300
"""Seconds: a short window below 5m sees too few scrapes for a stable rate()."""
SHORT_PER_LONG = 12
"""The Workbook's short window is 1/12 of the long one."""


class BurnWindow(BaseModel):
    """One alerting window pair of a tier, with why it is there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    severity: Literal["page", "ticket"]
    short: str
    long: str
    budget_percent: float
    why: str = ""

    def factor(self, period: str) -> float:
        """Burn-rate factor: the share of the period's budget spent in one long window, per unit of time."""
        return round(self.budget_percent / 100 * parse_duration(period) / parse_duration(self.long), 4)

    def detection_seconds(self, period: str, budget: float, error_ratio: float = 1.0) -> float:
        """Seconds until the long window crosses the threshold when `error_ratio` of requests fail."""
        return self.factor(period) * budget * parse_duration(self.long) / error_ratio

    def exhaustion_seconds(self, period: str) -> float:
        """Seconds to spend the whole budget at exactly this burn rate."""
        return parse_duration(period) / self.factor(period)

    @property
    def pair(self) -> str:
        return f"{self.short}/{self.long}"


class WindowTable(BaseModel):
    """The window pairs of one SLO period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str
    windows: tuple[BurnWindow, ...]

    def tier(self, severity: str) -> tuple[BurnWindow, ...]:
        return tuple(w for w in self.windows if w.severity == severity)

    def durations(self) -> list[str]:
        """Every short and long window, shortest first (each gets an SLI recording)."""
        seen = {d for w in self.windows for d in (w.short, w.long)}
        return sorted(seen, key=parse_duration)


WINDOWS_30D = WindowTable(period="30d", windows=(
    # 14.4x: 2% of a 30d budget in 1h; a full outage pages in under a minute at 99.9%.
    BurnWindow(severity="page", short="5m", long="1h", budget_percent=2, why="2% of the budget in 1h: fast burn"),
    # 6x: 5% of the budget in 6h; catches burns too slow for the 1h pair but still urgent.
    BurnWindow(severity="page", short="30m", long="6h", budget_percent=5, why="5% of the budget in 6h: medium burn"),
    # 3x: 10% in 1d; a ticket, not a page: someone should look today.
    BurnWindow(severity="ticket", short="2h", long="1d", budget_percent=10, why="10% of the budget in 1d"),
    # 1x: 10% in 3d; the budget would be gone by the end of the period at this rate.
    BurnWindow(severity="ticket", short="6h", long="3d", budget_percent=10, why="10% of the budget in 3d: slow leak"),
))

WINDOWS_28D = WindowTable(period="28d", windows=tuple(
    # Same windows and budget shares as 30d (Sloth's 28d catalog), so factors are 13.44/5.6/2.8/0.93.
    w.model_copy() for w in WINDOWS_30D.windows
))

_CATALOG = {t.period: t for t in (WINDOWS_30D, WINDOWS_28D)}


def scaled_table(period: str) -> WindowTable:
    """Windows scaled from the 30d table: long windows x period/30d (whole minutes), short = long/12 but >= 5m.

    Budget shares stay those of the 30d rows, so factors are recomputed from them and the rounded windows.
    """
    scale = parse_duration(period) / parse_duration(WINDOWS_30D.period)
    rows = []
    for row in WINDOWS_30D.windows:
        long = max(60, round(parse_duration(row.long) * scale / 60) * 60)
        short = max(MIN_SHORT_WINDOW, round(long / SHORT_PER_LONG / 60) * 60)
        rows.append(row.model_copy(update={
            "short": format_duration(short), "long": format_duration(long),
            "why": f"{row.why}, scaled to {period}"}))
    return WindowTable(period=period, windows=tuple(rows))


def table_for(period: str) -> WindowTable:
    """The built-in table of a period: 30d and 28d from the catalog, any other period scaled."""
    return _CATALOG.get(period) or scaled_table(period)


def table_problems(table: WindowTable, budget: float, scrape_seconds: float) -> list[tuple[str, str]]:
    """(field, message) for every row that could never fire or would be too noisy."""
    problems = []
    for i, row in enumerate(table.windows):
        where = f"windows[{i}] ({row.severity} {row.pair})"
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
        if row.factor(table.period) * budget >= 1:
            problems.append((where, f"factor {row.factor(table.period):g} x error budget {budget:g} >= 1: "
                             "the error ratio can never exceed it, so this alert could never fire; "
                             "lower budget_percent or lengthen the long window"))
    if not table.windows:
        problems.append(("windows", "a window table needs at least one row"))
    return problems
