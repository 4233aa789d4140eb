"""SLO math: every expectation is computed by hand in the comment or id beside it (30d = 2,592,000 s)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mrm_observe import BurnWindow
from mrm_observe.model.windows import WINDOWS_28D, WINDOWS_30D, scaled_table
from mrm_observe.slo_math import (budget_seconds, budget_spent_at_detection, burn_rate_factor, burn_threshold,
                                  calendar_bounds, detection_seconds, elapsed_share, error_budget, exhaustion_seconds,
                                  never_fires, pair_fires, rolling_bounds, window_rows)

FAST, MEDIUM, DAY, SLOW = WINDOWS_30D.windows
UTC = timezone.utc
BERLIN, NEW_YORK, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("objective, budget", [
    pytest.param(99.9, 0.001, id="99.9 percent leaves a budget of 0.001"),
    pytest.param(99.5, 0.005, id="99.5 percent leaves 0.005 without float noise"),
    pytest.param(99.99, 0.0001, id="99.99 percent leaves 0.0001"),
    pytest.param(95, 0.05, id="95 percent leaves 0.05"),
])
def test_error_budget(objective, budget):
    assert error_budget(objective) == budget


@pytest.mark.parametrize("window, period, factor", [
    pytest.param(FAST, "30d", 14.4, id="2 percent of 30d in 1h is 0.02 x 720 = 14.4x"),
    pytest.param(MEDIUM, "30d", 6, id="5 percent of 30d in 6h is 0.05 x 120 = 6x"),
    pytest.param(DAY, "30d", 3, id="10 percent of 30d in 1d is 0.1 x 30 = 3x"),
    pytest.param(SLOW, "30d", 1, id="10 percent of 30d in 3d is 0.1 x 10 = 1x"),
    pytest.param(WINDOWS_28D.windows[0], "28d", 13.44, id="2 percent of 28d in 1h is 0.02 x 672 = 13.44x"),
    pytest.param(WINDOWS_28D.windows[3], "28d", 0.9333, id="10 percent of 28d in 3d is 0.1 x 28 / 3, rounded to 0.9333x"),
    pytest.param(scaled_table("7d").windows[0], "7d", 14.4, id="the 7d table scales 1h to 14m so the fast factor stays 14.4x"),
])
def test_burn_rate_factor(window, period, factor):
    assert burn_rate_factor(window, period) == factor


@pytest.mark.parametrize("window, budget, threshold", [
    pytest.param(FAST, 0.001, 0.0144, id="the fast page pair of 99.9 percent fires above an error ratio of 0.0144"),
    pytest.param(MEDIUM, 0.005, 0.03, id="the medium page pair of 99.5 percent fires above 6 x 0.005 = 0.03"),
    pytest.param(SLOW, 0.01, 0.01, id="the slow ticket pair of 99 percent fires above 1 x 0.01"),
])
def test_burn_threshold(window, budget, threshold):
    assert burn_threshold(window, "30d", budget) == pytest.approx(threshold)


HALF = BurnWindow(tier="ticket", short="6h", long="3d", budget_percent=20)
"""20% of 30d in 3d: factor 2, so a budget of 0.5 puts the threshold at exactly 1."""


@pytest.mark.parametrize("window, budget, never", [
    pytest.param(FAST, 0.5, True, id="an objective of 50 percent puts the fast pair's threshold at 7.2: it never fires"),
    pytest.param(SLOW, 0.5, False, id="an objective of 50 percent leaves the 1x pair a threshold of 0.5: it can fire"),
    pytest.param(HALF, 0.5, True, id="a threshold of exactly 1 never fires: no error ratio exceeds 1"),
    pytest.param(FAST, 0.001, False, id="the Workbook table at 99.9 percent can fire"),
])
def test_never_fires(window, budget, never):
    assert never_fires(window, "30d", budget) is never


@pytest.mark.parametrize("short, long, fires", [
    pytest.param(0.02, 0.015, True, id="both windows above 0.0144 fire the fast pair"),
    pytest.param(0.02, 0.0144, False, id="a long window exactly at the threshold does not fire"),
    pytest.param(0.0143, 0.9, False, id="a short window below the threshold keeps the pair silent after recovery"),
    pytest.param(None, 0.5, False, id="a window without traffic has no ratio and never fires"),
])
def test_pair_fires(short, long, fires):
    assert pair_fires(burn_threshold(FAST, "30d", 0.001), short, long) is fires


@pytest.mark.parametrize("period, burn, seconds", [
    pytest.param("30d", 14.4, 50 * 3600, id="a 14.4x burn spends a 30d budget in 2592000 / 14.4 = 50h"),
    pytest.param("30d", 1, 30 * 86400, id="a 1x burn spends it exactly at the end of the period"),
    pytest.param("28d", 2.8, 10 * 86400, id="a 2.8x burn spends a 28d budget in 10d"),
])
def test_exhaustion_seconds(period, burn, seconds):
    assert exhaustion_seconds(period, burn) == pytest.approx(seconds)


def test_exhaustion_needs_a_positive_burn_rate():
    with pytest.raises(ValueError, match="must be positive"):
        exhaustion_seconds("30d", 0)


@pytest.mark.parametrize("window, error_ratio, seconds", [
    pytest.param(FAST, 1.0, 51.84, id="a full outage fires the fast pair after 0.0144 x 3600 = 51.84 s"),
    pytest.param(MEDIUM, 1.0, 129.6, id="a full outage fires the medium pair after 0.006 x 21600 = 129.6 s"),
    pytest.param(SLOW, 1.0, 259.2, id="a full outage fires the slow pair after 0.001 x 259200 = 259.2 s"),
    pytest.param(FAST, 0.1, 518.4, id="a 10 percent error ratio takes ten times as long as a full outage"),
    pytest.param(FAST, 0.0144, None, id="an error ratio at the threshold never fires"),
])
def test_detection_seconds(window, error_ratio, seconds):
    found = detection_seconds(window, "30d", 0.001, error_ratio)
    assert found == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize("window, error_ratio, spent", [
    pytest.param(FAST, 1.0, 0.02, id="by the time the fast pair fires on an outage 2 percent of the budget is gone"),
    pytest.param(FAST, 0.1, 0.02, id="a slower burn reaches the same 2 percent, later"),
    pytest.param(SLOW, 1.0, 0.10, id="the slow ticket pair fires once 10 percent of the budget is gone"),
    pytest.param(FAST, 0.01, None, id="a burn below the threshold spends budget without ever firing"),
])
def test_budget_spent_at_detection(window, error_ratio, spent):
    found = budget_spent_at_detection(window, "30d", 0.001, error_ratio)
    assert found == (pytest.approx(spent) if spent is not None else None)


def test_a_budget_of_0_001_over_30d_allows_43m12s_of_full_outage():
    assert budget_seconds(0.001, "30d") == pytest.approx(2592)


@pytest.mark.parametrize("objective, period, rows", [
    pytest.param(99.9, "30d", [("page", "5m", "1h", "14.4x", "2%", "52s", "2d2h"),
                               ("page", "30m", "6h", "6x", "5%", "2m10s", "5d"),
                               ("ticket", "2h", "1d", "3x", "10%", "4m19s", "10d"),
                               ("ticket", "6h", "3d", "1x", "10%", "4m19s", "30d")],
                 id="99.9 percent over 30d prints the Workbook table"),
    pytest.param(50, "30d", [("page", "5m", "1h", "14.4x (never)", "2%", "never", "2d2h"),
                             ("page", "30m", "6h", "6x (never)", "5%", "never", "5d"),
                             ("ticket", "2h", "1d", "3x (never)", "10%", "never", "10d"),
                             ("ticket", "6h", "3d", "1x", "10%", "1d12h", "30d")],
                 id="50 percent marks the pairs that can never fire"),
])
def test_window_rows(objective, period, rows):
    assert [row.cells() for row in window_rows(objective, period)] == rows


@pytest.mark.parametrize("period, at, start", [
    pytest.param("30d", datetime(2026, 3, 31, 12, tzinfo=UTC), datetime(2026, 3, 1, 12, tzinfo=UTC),
                 id="a rolling 30d period ends at the given time and starts 30 days before it"),
    pytest.param("30d", datetime(2026, 3, 30, 12, tzinfo=BERLIN), datetime(2026, 2, 28, 11, tzinfo=BERLIN),
                 id="a rolling period across a daylight saving change is 720 hours, not 30 wall-clock days"),
    pytest.param("1h", datetime(2026, 1, 1, 0, 30, tzinfo=UTC), datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
                 id="a rolling hour may start in the previous year"),
])
def test_rolling_bounds(period, at, start):
    found = rolling_bounds(period, at)
    assert found == (start, at)
    assert found[0].utcoffset() == start.utcoffset()


@pytest.mark.parametrize("unit, at, zone, start, end", [
    pytest.param("month", datetime(2026, 11, 30, 9, 59, tzinfo=UTC), "UTC",
                 datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC),
                 id="a calendar month runs from the 1st to the 1st of the next month"),
    pytest.param("month", datetime(2026, 12, 5, tzinfo=UTC), "UTC",
                 datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC),
                 id="December ends on the 1st of January of the next year"),
    pytest.param("month", datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "Europe/Berlin",
                 datetime(2027, 1, 1, tzinfo=BERLIN), datetime(2027, 2, 1, tzinfo=BERLIN),
                 id="23:30 UTC on New Year's Eve is already January in Berlin"),
    pytest.param("month", datetime(2026, 3, 1, 3, tzinfo=UTC), "America/New_York",
                 datetime(2026, 2, 1, tzinfo=NEW_YORK), datetime(2026, 3, 1, tzinfo=NEW_YORK),
                 id="03:00 UTC on 1 March is still February in New York"),
    pytest.param("week", datetime(2026, 11, 30, 9, 59, tzinfo=UTC), "UTC",
                 datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC),
                 id="a calendar week starts on Monday at midnight"),
    pytest.param("week", datetime(2026, 11, 29, 23, 30, tzinfo=UTC), "Asia/Tokyo",
                 datetime(2026, 11, 30, tzinfo=TOKYO), datetime(2026, 12, 7, tzinfo=TOKYO),
                 id="Sunday 23:30 UTC is Monday morning in Tokyo, so the new week has begun there"),
    pytest.param("week", datetime(2026, 12, 31, 12, tzinfo=UTC), "UTC",
                 datetime(2026, 12, 28, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC),
                 id="a week may span the turn of the year"),
])
def test_calendar_bounds(unit, at, zone, start, end):
    assert calendar_bounds(unit, at, zone) == (start, end)


def test_a_calendar_month_with_a_daylight_saving_change_is_an_hour_short():
    start, end = calendar_bounds("month", datetime(2026, 3, 15, tzinfo=UTC), "Europe/Berlin")
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=31) - timedelta(hours=1)


@pytest.mark.parametrize("at, share", [
    pytest.param(datetime(2026, 11, 16, tzinfo=UTC), 0.5, id="15 of November's 30 days is half the month"),
    pytest.param(datetime(2026, 10, 20, tzinfo=UTC), 0.0, id="before the period nothing has elapsed"),
    pytest.param(datetime(2026, 12, 20, tzinfo=UTC), 1.0, id="after the period all of it has"),
    pytest.param(datetime(2026, 11, 16, 1, tzinfo=ZoneInfo("Europe/Paris")), 0.5,
                 id="a time in another zone is compared in absolute time"),
])
def test_elapsed_share(at, share):
    november = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert elapsed_share(november, at) == pytest.approx(share)


@pytest.mark.parametrize("call", [
    pytest.param(lambda: rolling_bounds("30d", datetime(2026, 1, 1)), id="a rolling period needs an aware time"),
    pytest.param(lambda: calendar_bounds("month", datetime(2026, 1, 1)), id="a calendar period needs an aware time"),
    pytest.param(lambda: calendar_bounds("year", datetime(2026, 1, 1, tzinfo=UTC)),  # type: ignore[arg-type]
                 id="calendar periods are months or weeks"),
])
def test_bad_input_is_refused(call):
    with pytest.raises(ValueError):
        call()
