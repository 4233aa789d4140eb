"""The report's arithmetic, from answers whose right result is computed by hand (the server side is tested in
tests/test_report_prometheus.py)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mrm_observe import SLO, ErrorRatioSLI, RawSLI
from mrm_observe.report import Period, period_of, plan, slo_report

AT = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
API = SLO(service="api", name="availability", objective=99.9,
          sli=ErrorRatioSLI(bad='sum(rate(http_requests_total{status=~"5.."}[{{window}}]))',
                            total="sum(rate(http_requests_total[{{window}}]))"))
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def answers(ratio_by_window: dict[str, float | None], rate: float = 100.0) -> dict:
    """Answers with `rate` events/s in every window and the given error ratio (None: no traffic at all)."""
    found: dict = {}
    for window, ratio in ratio_by_window.items():
        found[(window, "total")] = None if ratio is None else rate
        found[(window, "bad")] = None if ratio is None else rate * ratio
    return found


def report(ratios: dict[str, float | None], slo: SLO = API) -> dict:
    return slo_report(slo, period_of(slo, "rolling", AT), answers(ratios), AT)


def test_the_plan_asks_bad_and_total_events_for_every_alert_window_and_the_period():
    queries = plan(API, period_of(API, "rolling", AT))
    assert set(queries) == {(w, kind) for w in (*WINDOWS, "period") for kind in ("bad", "total")}
    assert queries[("1h", "total")] == "sum(rate(http_requests_total[1h]))"
    assert queries[("period", "bad")] == 'sum(rate(http_requests_total{status=~"5.."}[30d]))'


def test_a_raw_sli_is_asked_for_its_ratio_only():
    raw = SLO(service="probe", name="up", objective=95, sli=RawSLI(error_ratio="1 - avg(avg_over_time(up[{{window}}]))"))
    assert set(plan(raw, period_of(raw, "rolling", AT))) == {(w, "ratio") for w in (*WINDOWS, "period")}


def test_budget_burn_and_forecast_of_a_third_of_the_budget_spent():
    entry = report({**{w: 0.0 for w in WINDOWS}, "1h": 0.002, "1d": 0.0005, "period": 0.0003333333333})
    budget = entry["error_budget"]
    assert entry["sli"] == pytest.approx(0.9996666667)
    assert budget["total_fraction"] == pytest.approx(0.001)
    assert budget["consumed_fraction"] == pytest.approx(1 / 3)
    assert budget["remaining_fraction"] == pytest.approx(2 / 3)
    assert budget["remaining_minutes"] == pytest.approx(2 / 3 * 0.001 * 30 * 24 * 60)  # 28.8 minutes of outage
    assert entry["burn_rates"]["1h"] == pytest.approx(2.0) and entry["burn_rates"]["1d"] == pytest.approx(0.5)
    # at burn 2 the 2/3 left last 2/3 * 30d / 2 = 10 days; at burn 0.5, 40 days
    assert entry["exhaustion_forecast"] == {"1h": "2026-12-10T12:00:00Z", "1d": "2027-01-09T12:00:00Z"}
    assert entry["events"] == {"total": pytest.approx(100 * 30 * 86400), "bad": pytest.approx(100 * 30 * 86400 / 3000)}
    assert entry["status"] == "ok" and entry["problems"] == []


@pytest.mark.parametrize("ratios, firing", [
    ({"5m": 0.02, "1h": 0.015}, ["5m/1h"]),
    ({"5m": 0.02, "1h": 0.01}, []),
    ({"30m": 0.007, "6h": 0.0061}, ["30m/6h"]),
    ({"2h": 0.0031, "1d": 0.0031, "6h": 0.0011, "3d": 0.0011}, ["2h/1d", "6h/3d"]),
], ids=["both page windows above 14.4x fire the fast pair", "a long window below 14.4x keeps it quiet",
        "both medium windows above 6x fire", "both ticket pairs above 3x and 1x fire"])
def test_an_alert_pair_fires_when_both_its_windows_burn_above_its_factor(ratios, firing):
    entry = report({**{w: 0.0 for w in WINDOWS}, **ratios, "period": 0.0001})
    assert [f"{a['short_window']}/{a['long_window']}" for a in entry["alerts"] if a["firing"]] == firing
    assert [a["factor"] for a in entry["alerts"]] == [14.4, 6.0, 3.0, 1.0]
    assert entry["status"] == ("warning" if firing else "ok")


@pytest.mark.parametrize("period_ratio, status", [(0.0011, "breached"), (0.0008, "warning"), (0.0007, "ok")],
                         ids=["over the budget is breached", "under a quarter left is a warning",
                              "more than a quarter left is ok"])
def test_status_follows_the_budget_left(period_ratio, status):
    assert report({**{w: 0.0 for w in WINDOWS}, "period": period_ratio})["status"] == status


def test_a_breached_budget_is_exhausted_now():
    entry = report({**{w: 0.002 for w in WINDOWS}, "period": 0.002})
    assert entry["exhaustion_forecast"] == {"1h": "2026-11-30T12:00:00Z", "1d": "2026-11-30T12:00:00Z"}


def test_no_traffic_is_no_data_with_a_problem_and_never_nan():
    entry = report({w: None for w in (*WINDOWS, "period")})
    assert entry["status"] == "no-data" and entry["sli"] is None
    assert entry["error_budget"]["remaining_fraction"] is None and set(entry["burn_rates"].values()) == {None}
    assert entry["problems"] == ["no traffic in the period (2026-10-31T12:00:00Z to 2026-11-30T12:00:00Z): "
                                 "nothing to report"]
    assert entry["events"] == {"total": None, "bad": None}


def test_quiet_recent_windows_have_no_burn_rate_and_say_so():
    entry = report({**{w: 0.0 for w in WINDOWS}, "5m": None, "30m": None, "period": 0.0001})
    assert entry["burn_rates"]["5m"] is None and entry["burn_rates"]["1h"] == 0.0
    assert entry["problems"] == ["no traffic in the last 5m, 30m: no burn rate there"]


def test_no_bad_series_at_all_counts_as_no_bad_events():
    found = answers({w: 0.0 for w in (*WINDOWS, "period")})
    for window in (*WINDOWS, "period"):
        found[(window, "bad")] = None
    entry = slo_report(API, period_of(API, "rolling", AT), found, AT)
    assert entry["sli"] == 1.0 and entry["error_budget"]["consumed_fraction"] == 0.0


def test_a_calendar_month_half_gone_counts_the_budget_of_the_whole_month():
    period = period_of(API, "calendar-month", datetime(2026, 11, 16, 0, 0, tzinfo=timezone.utc))
    assert (period.start, period.end) == (datetime(2026, 11, 1, tzinfo=timezone.utc),
                                          datetime(2026, 11, 16, tzinfo=timezone.utc))
    assert period.length_seconds == 30 * 86400 and period.window == "15d"
    entry = slo_report(API, period, answers({**{w: 0.0 for w in WINDOWS}, "period": 0.001}), period.end)
    # the error ratio so far equals the budget, but only half the month's events have happened
    assert entry["error_budget"]["consumed_fraction"] == pytest.approx(0.5)
    assert entry["period"] == {"start": "2026-11-01T00:00:00Z", "end": "2026-11-16T00:00:00Z",
                               "kind": "calendar-month"}


def test_a_calendar_week_starts_on_monday_in_the_given_time_zone():
    period = period_of(API, "calendar-week", datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc), "Europe/Berlin")
    assert period.start.isoformat() == "2026-11-30T00:00:00+01:00" and period.length_seconds == 7 * 86400


def test_period_windows_are_whole_seconds():
    assert Period("calendar-week", AT, AT.replace(hour=13, minute=30, second=1), 604800).window == "1h30m1s"


def shown_in(shown, real, where: str = "") -> list[str]:
    """Where a documented value differs from the real one: every key shown must be there with the same value
    (numbers to 6 significant digits); a list shows the first of the real items."""
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return [f"{where}: not a mapping"]
        return [p for k, v in shown.items() for p in ([f"{where}.{k}: missing"] if k not in real
                                                     else shown_in(v, real[k], f"{where}.{k}"))]
    if isinstance(shown, list):
        if not isinstance(real, list) or len(shown) > len(real):
            return [f"{where}: not a list of at least {len(shown)}"]
        return [p for i, v in enumerate(shown) for p in shown_in(v, real[i], f"{where}[{i}]")]
    if isinstance(shown, float) and not isinstance(real, bool):
        return [] if real == pytest.approx(shown, rel=1e-5, abs=1e-9) else [f"{where}: {real} (shown {shown})"]
    return [] if shown == real else [f"{where}: {real!r} (shown {shown!r})"]


def test_the_json_document_docs_report_md_shows_is_what_the_report_makes():
    """docs/report.md's JSON example: an SLO a third of whose budget is gone at 10 events a second."""
    import json

    import doc_examples
    (example,) = [e for e in doc_examples.examples("docs/report.md") if e.arg == "tests/test_report.py"]
    (shown,) = json.loads(example.body)["slos"]
    ratios = {"5m": 0.0, "30m": 0.0, "1h": 0.002, "2h": 0.0005, "6h": 0.0004, "1d": 0.0005, "3d": 0.0003,
              "period": 0.001 / 3}
    real = slo_report(API, period_of(API, "rolling", AT), answers(ratios, rate=10.0), AT)
    assert shown_in(shown, real) == []
    assert json.loads(example.body)["at"] == "2026-11-30T12:00:00Z"
