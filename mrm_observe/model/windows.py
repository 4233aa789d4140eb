"""Multi-window multi-burn-rate tables: which window pairs alert, in which tier, for what budget share.

A row says: page (or ticket: its *tier*) when the error ratio over both the short and the long window
exceeds factor x error budget; slo_math computes the factor from the row's budget share (SRE Workbook,
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
    """One alerting window pair of a tier (page or ticket), with why it is there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tier: Literal["page", "ticket"]
    short: str
    long: str
    budget_percent: float
    why: str = ""

    @property
    def pair(self) -> str:
        return f"{self.short}/{self.long}"


class WindowTable(BaseModel):
    """The window pairs of one SLO period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str
    windows: tuple[BurnWindow, ...]

    def durations(self) -> list[str]:
        """Every short and long window, shortest first (each gets an SLI recording)."""
        seen = {d for w in self.windows for d in (w.short, w.long)}
        return sorted(seen, key=parse_duration)


WINDOWS_30D = WindowTable(period="30d", windows=(
    # 14.4x: 2% of a 30d budget in 1h; a full outage pages in under a minute at 99.9%.
    BurnWindow(tier="page", short="5m", long="1h", budget_percent=2, why="2% of the budget in 1h: fast burn"),
    # 6x: 5% of the budget in 6h; catches burns too slow for the 1h pair but still urgent.
    BurnWindow(tier="page", short="30m", long="6h", budget_percent=5, why="5% of the budget in 6h: medium burn"),
    # 3x: 10% in 1d; a ticket, not a page: someone should look today.
    BurnWindow(tier="ticket", short="2h", long="1d", budget_percent=10, why="10% of the budget in 1d"),
    # 1x: 10% in 3d; the budget would be gone by the end of the period at this rate.
    BurnWindow(tier="ticket", short="6h", long="3d", budget_percent=10, why="10% of the budget in 3d: slow leak"),
))

WINDOWS_28D = WindowTable(period="28d", windows=tuple(
    # Same windows and budget shares as 30d (Sloth's 28d catalog), so factors are 13.44/5.6/2.8/0.93.
    w.model_copy() for w in WINDOWS_30D.windows
))

_CATALOG = {parse_duration(t.period): t for t in (WINDOWS_30D, WINDOWS_28D)}
"""Built-in tables by period length, so that 4w gets the 28d table and 720h the 30d one."""


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
    """The built-in table of a period: 30d and 28d (however written: 4w, 720h) from the catalog, any other period
    scaled; the table names the period as given."""
    table = _CATALOG.get(parse_duration(period))
    if table is None:
        return scaled_table(period)
    return table if table.period == period else table.model_copy(update={"period": period})

