"""SLO compilers: golden rule files, the naming contract, dashboards, and the shape of the generated tests.

Regenerate the golden files with `UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_slo_compile.py` and review the diff.
"""
from __future__ import annotations

import pytest
import yaml
from conftest import GOLDEN, assert_golden

from mrm_observe import SLO, BurnWindow, ErrorRatioSLI, LatencySLI, RawSLI, WindowTable
from mrm_observe.compile.dashboards import compile_dashboard
from mrm_observe.compile.rules import rule_file
from mrm_observe.compile.slo import compile_slo, le_matcher
from mrm_observe.compile.slo_dashboards import slo_dashboard
from mrm_observe.compile.slo_inputs import Segment, Traffic, feed, shortest_match
from mrm_observe.compile.slo_tests import slo_test_file
from mrm_observe.pipeline import tested_alerts_in as alerts_seen_firing
from mrm_observe.dashboard_schema import schema_errors
from mrm_observe.model.rules import AlertRule, RecordingRule
from mrm_observe.render import to_yaml

EVENTS = SLO(service="api", name="availability", objective=99.9, labels={"team": "core"},
             sli=ErrorRatioSLI(bad='sum(rate(http_requests_total{service="api",status=~"5.."}[{{window}}]))',
                               total='sum(rate(http_requests_total{service="api"}[{{window}}]))'))
LATENCY = SLO(service="api", name="latency", objective=99,
              sli=LatencySLI(histogram="http_request_duration_seconds", threshold=1, selector='service="api"'))
RAW = SLO(service="probe", name="success", objective=95,
          sli=RawSLI(error_ratio='1 - avg(avg_over_time(probe_success{job="web"}[{{window}}]))',
                     test_success_gauge='probe_success{job="web"}'))
QUEUE_28D = SLO(service="sync", name="jobs", objective=99, period="28d", alerting={"ticket": {"enabled": False}},
                sli=ErrorRatioSLI(good='sum(rate(jobs_total{result="ok"}[{{window}}]))',
                                  total='sum(rate(jobs_total[{{window}}]))'))
WEEKLY = EVENTS.model_copy(update={"name": "availability-7d", "period": "7d"})
CASES = {"events": EVENTS, "latency": LATENCY, "raw": RAW, "28d": QUEUE_28D, "7d": WEEKLY}


@pytest.mark.parametrize("name", CASES)
def test_compiled_rules_match_the_golden_file(name):
    assert_golden(to_yaml(rule_file(compile_slo(CASES[name]))), GOLDEN / "slo" / f"{name}.rules.yaml")


def test_generated_test_file_matches_the_golden_file():
    assert_golden(to_yaml(slo_test_file(EVENTS, "events.rules.yaml"), share_strings=True),
                  GOLDEN / "slo" / "events_test.yaml")


def rules_of(slo: SLO) -> list:
    return [rule for group in compile_slo(slo) for rule in group.rules]


def test_every_recorded_series_carries_the_sloth_identity_and_the_slo_labels():
    for rule in [r for r in rules_of(EVENTS) if isinstance(r, RecordingRule)]:
        labels = rule.labels
        assert {labels["sloth_id"], labels["sloth_service"], labels["sloth_slo"]} == {"api-availability", "api",
                                                                                      "availability"}
        assert labels["team"] == "core"


def test_ratio_recorded_for_every_alert_window_and_the_period():
    records = {(r.record, r.labels.get("sloth_window")) for r in rules_of(EVENTS) if isinstance(r, RecordingRule)}
    for window in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"):
        assert (f"slo:sli_error:ratio_rate{window}", window) in records
    for name in ("slo:objective:ratio", "slo:error_budget:ratio", "slo:time_period:days", "slo:current_burn_rate:ratio",
                 "slo:period_burn_rate:ratio", "slo:period_error_budget_remaining:ratio", "sloth_slo_info"):
        assert (name, None) in records


def test_period_ratio_sums_events_instead_of_averaging_ratios():
    period = next(r for r in rules_of(EVENTS) if getattr(r, "record", "") == "slo:sli_error:ratio_rate30d")
    assert "sum_over_time(slo:sli_bad_events:rate5m" in period.expr
    assert "sum_over_time(slo:sli_total_events:rate5m" in period.expr
    assert "count_over_time" not in period.expr and "ratio_rate5m" not in period.expr


def test_one_alert_per_window_pair_with_windows_factor_and_severity():
    alerts = [r for r in rules_of(EVENTS) if isinstance(r, AlertRule)]
    assert [(a.labels["sloth_severity"], a.labels["short_window"], a.labels["long_window"],
             a.labels["burn_rate_factor"], a.labels["severity"]) for a in alerts] == [
        ("page", "5m", "1h", "14.4", "critical"), ("page", "30m", "6h", "6", "critical"),
        ("ticket", "2h", "1d", "3", "warning"), ("ticket", "6h", "3d", "1", "warning")]
    assert {a.alert for a in alerts} == {"ApiAvailabilityBurnRate"}
    assert "> (14.4 * 0.001)" in alerts[0].expr and "ratio_rate1h" in alerts[0].expr
    assert "2% of the 30d budget is gone every 1h, all of it within 2d2h" in alerts[0].all_annotations()["description"]


def test_a_disabled_tier_has_no_alerts_and_28d_uses_its_own_factors():
    alerts = [r for r in rules_of(QUEUE_28D) if isinstance(r, AlertRule)]
    assert [a.labels["burn_rate_factor"] for a in alerts] == ["13.44", "5.6"]


def test_no_traffic_gives_no_sample_instead_of_nan():
    ratio = next(r for r in rules_of(EVENTS) if getattr(r, "record", "") == "slo:sli_error:ratio_rate5m")
    assert ratio.expr.endswith("> 0)")


@pytest.mark.parametrize("threshold, matcher", [(1, 'le=~"1|1[.]0"'), (0.4, 'le="0.4"'), (2.5, 'le="2.5"')],
                         ids=["whole seconds match Go's 1 and Prometheus 3's 1.0", "0.4", "2.5"])
def test_latency_bucket_matcher_accepts_both_spellings(threshold, matcher):
    assert le_matcher(threshold) == matcher


def test_cost_per_slo_is_documented_figure():
    groups = compile_slo(EVENTS)
    counts = [len(g.rules) for g in groups]
    assert counts == [22, 7, 4]  # 7 windows x (total, bad, ratio) + period; 6 metadata + info; 4 alerts


def test_compilation_is_deterministic():
    assert to_yaml(rule_file(compile_slo(EVENTS))) == to_yaml(rule_file(compile_slo(EVENTS.model_copy())))
    assert to_yaml(slo_test_file(EVENTS, "x")) == to_yaml(slo_test_file(EVENTS.model_copy(), "x"))


def test_slo_dashboard_passes_grafana_schema_and_draws_alert_factors():
    data = compile_dashboard(slo_dashboard("api", [EVENTS, LATENCY]), "slo-api")
    assert schema_errors(data) == []
    burn = [p for p in data["panels"] if p.get("title") == "Burn rate per window"]
    assert len(burn) == 2
    steps = [s["value"] for s in burn[0]["fieldConfig"]["defaults"]["thresholds"]["steps"]]
    assert steps == [None, 1, 3, 6, 14.4]


@pytest.mark.parametrize("regex, text", [("5..", "500"), ("(5..|429)", "500"), ("[45]xx", "4xx"), ("ok|fine", "ok")])
def test_synthetic_label_values_match_the_selector_regex(regex, text):
    assert shortest_match(regex) == text


def test_feed_splits_total_into_a_bad_and_a_good_series():
    assert feed(EVENTS.sli).series == (
        ('http_requests_total{service="api", status="500"}', "bad"),
        ('http_requests_total{service="api", status="200"}', "good"))


def test_uneven_traffic_period_ratio_differs_from_the_average_of_ratios():
    plan = Traffic([Segment(30, 0, 0), Segment(10, 900, 0.0005), Segment(15, 100, 0.02), Segment(10, 0, 0)])
    assert plan.period_ratio() == pytest.approx((10 * 900 * 0.0005 + 15 * 100 * 0.02) / (10 * 900 + 15 * 100))
    assert plan.mean_of_ratios(5, step=5) > 2 * plan.period_ratio()


def test_tests_cover_every_scenario_and_count_alerts_only_when_seen_firing():
    test = slo_test_file(EVENTS, "x")
    names = [t["name"] for t in test["tests"]]
    assert names[0].startswith("no traffic for 30m") and "then uneven traffic" in names[0]
    assert names[1].startswith("healthy (error ratio = half the budget) for 64m: nothing fires; then a full outage: "
                               "page 5m/1h (14.4x) fires within 52s (by 65m) and resets within 5m of recovery (by 70m)")
    assert sum(n.startswith("burn ") for n in names) == 8
    assert all(t["interval"] == "1m" for t in test["tests"])
    assert alerts_seen_firing(test) == {"ApiAvailabilityBurnRate"}


def eval_minutes(test: dict) -> list[int]:
    return [int(c["eval_time"][:-1]) for g in test["tests"]
            for c in g.get("alert_rule_test", []) + g.get("promql_expr_test", [])]


@pytest.mark.parametrize("name", CASES)
def test_every_check_sits_on_a_5_minute_evaluation_when_the_shortest_window_allows(name):
    test = slo_test_file(CASES[name], "x")
    assert test["evaluation_interval"] == "5m"
    assert all(t % 5 == 0 for t in eval_minutes(test))


def test_a_table_with_a_window_under_5m_is_evaluated_every_minute():
    fine = EVENTS.model_copy(update={"scrape_interval": "15s", "windows": WindowTable(period="30d", windows=(
        BurnWindow(tier="page", short="2m", long="1h", budget_percent=2),))})
    test = slo_test_file(fine, "x")
    assert test["evaluation_interval"] == "1m"
    assert 61 in eval_minutes(test)  # the outage fires a minute after it starts, checked on that minute


def test_repeated_expectations_are_written_once_and_referenced():
    text = to_yaml(slo_test_file(EVENTS, "x"), share_strings=True).decode()
    assert text.count("burning its error budget more than 14.4x") == 1 and "*id" in text
    assert yaml.safe_load(text) == slo_test_file(EVENTS, "x")


def test_the_generated_test_of_a_30d_event_slo_stays_under_9_kib():
    assert len(to_yaml(slo_test_file(EVENTS, "x"), share_strings=True)) < 9 * 1024
