"""Panel factories and field config pieces: the queries they write, the options they take, and that Grafana's schema
accepts what they make."""
import pytest
from grafanalib.core import Annotations, Dashboard, Target, TimeSeries

from mrm_observe import (Column, bar_gauge, by_name, by_query, by_regex, data_link, error_ratio, firing_alerts, gauge,
                         latency_heatmap, latency_quantiles, pie, prometheus_annotation, range_map, ranked_table,
                         request_rate, stat_kpi, state_timeline, thresholds, timeseries, transformation, value_map)
from mrm_observe.compile.dashboards import compile_dashboard
from mrm_observe.conventions import DATASOURCE_REF
from mrm_observe.dashboard_schema import schema_errors
from mrm_observe.promql import from_grafana, parse


def compiled(panel):
    dashboard = compile_dashboard(Dashboard(title="t", panels=[panel]), "u")
    assert schema_errors(dashboard) == []
    return dashboard["panels"][0]


def test_error_ratio_divides_errors_by_all_requests_per_group():
    panel = compiled(error_ratio("http_requests_total", 'service="api"', by=("route",)))
    exprs = [t["expr"] for t in panel["targets"]]
    assert [t["legendFormat"] for t in panel["targets"]] == ["4xx {{route}}", "5xx {{route}}"]
    assert exprs[1] == ('sum by (route) (rate(http_requests_total{service="api", status=~"5.."}[$__rate_interval]))'
                        '\n/\nsum by (route) (rate(http_requests_total{service="api"}[$__rate_interval]))')
    assert panel["fieldConfig"]["defaults"]["unit"] == "percentunit"
    for expr in exprs:
        parse(from_grafana(expr))


def test_latency_quantiles_keep_le_in_the_aggregation():
    panel = compiled(latency_quantiles("http_request_duration_seconds", 'service="api"', quantiles=(0.5, 0.99)))
    assert [t["legendFormat"] for t in panel["targets"]] == ["p50 {{service}}", "p99 {{service}}"]
    assert "sum by (le, service) (rate(http_request_duration_seconds_bucket{" in panel["targets"][1]["expr"]
    assert panel["title"] == "Latency p50/p99"


@pytest.mark.parametrize("factory", [
    lambda **k: request_rate("x_total", "", **k),
    lambda **k: error_ratio("x_total", "", **k),
    lambda **k: latency_quantiles("x", "", **k),
    lambda title, **k: timeseries(title, "sum(x)", **k),
], ids=["request_rate", "error_ratio", "latency_quantiles", "timeseries"])
def test_time_series_factories_take_title_description_thresholds_and_legend_table(factory):
    panel = compiled(factory(title="Mine", description="Why", thresholds=(0.5, 1.0), legend_table=True))
    assert (panel["title"], panel["description"]) == ("Mine", "Why")
    defaults = panel["fieldConfig"]["defaults"]
    assert defaults["thresholds"]["steps"] == [{"color": "green", "value": None}, {"color": "orange", "value": 0.5},
                                               {"color": "red", "value": 1.0}]
    assert defaults["custom"]["thresholdsStyle"] == {"mode": "line"}
    assert panel["options"]["legend"]["displayMode"] == "table"


def test_a_single_threshold_is_red():
    steps = compiled(timeseries("T", "sum(x)", thresholds=(3,)))["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[1] == {"color": "red", "value": 3.0}


def test_unknown_look_option_is_refused():
    with pytest.raises(TypeError):
        timeseries("T", "sum(x)", colour="blue")


@pytest.mark.parametrize("warn, crit, steps", [
    (None, None, [("green", None)]),
    (5, None, [("green", None), ("orange", 5.0)]),
    (None, 9, [("green", None), ("red", 9.0)]),
    (5, 9, [("green", None), ("orange", 5.0), ("red", 9.0)]),
])
def test_stat_kpi_thresholds(warn, crit, steps):
    panel = compiled(stat_kpi("K", "sum(x)", warn=warn, crit=crit, height=8))
    got = [(s["color"], s["value"]) for s in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]]
    assert got == steps
    assert panel["gridPos"]["h"] == 8 and panel["targets"][0]["instant"] is True


# --- the other panel kinds ---------------------------------------------------------------------------------

ROUTES = [Column("5xx ratio", 'sum by (route) (rate(x_total{code=~"5.."}[5m])) / sum by (route) (rate(x_total[5m]))',
                 "percentunit", warn=0.01, crit=0.05),
          Column("Requests/s", "sum by (route) (rate(x_total[5m]))", "reqps")]


def test_ranked_table_joins_instant_queries_names_columns_and_keeps_the_top_rows():
    panel = compiled(ranked_table("Top routes", ROUTES, by=("route",), limit=5))
    assert panel["type"] == "table"
    assert [(t["refId"], t["format"], t["instant"]) for t in panel["targets"]] == [("A", "table", True),
                                                                                    ("B", "table", True)]
    merge, organize, sort, limit = panel["transformations"]
    assert merge == {"id": "merge", "options": {}}
    assert organize["options"]["renameByName"] == {"Value #A": "5xx ratio", "Value #B": "Requests/s"}
    assert organize["options"]["indexByName"] == {"route": 0, "Value #A": 1, "Value #B": 2}
    assert organize["options"]["excludeByName"] == {"Time": True}
    assert sort == {"id": "sortBy", "options": {"sort": [{"desc": True, "field": "5xx ratio"}]}}
    assert limit == {"id": "limit", "options": {"limitField": 5}}
    ratio, rate = panel["fieldConfig"]["overrides"]
    assert ratio["matcher"] == {"id": "byName", "options": "5xx ratio"}
    assert {p["id"]: p["value"] for p in ratio["properties"]} == {
        "unit": "percentunit", "custom.cellOptions": {"type": "color-text"},
        "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "orange", "value": 0.01},
                                                     {"color": "red", "value": 0.05}]}}
    assert rate["properties"] == [{"id": "unit", "value": "reqps"}]
    for target in panel["targets"]:
        parse(from_grafana(target["expr"]))


def test_ranked_table_refuses_a_sort_column_it_does_not_have():
    with pytest.raises(ValueError, match="sort_by 'p95' is not one of the columns"):
        ranked_table("T", ROUTES, by=("route",), sort_by="p95")


def test_gauge_is_a_saturation_between_min_and_max_with_warn_and_crit_colours_and_may_repeat():
    panel = compiled(gauge("Connections used", "sum(a) / sum(b)", warn=0.8, crit=0.9, repeat="instance"))
    defaults = panel["fieldConfig"]["defaults"]
    assert (panel["type"], defaults["unit"], defaults["min"], defaults["max"]) == ("gauge", "percentunit", 0, 1)
    assert [s["color"] for s in defaults["thresholds"]["steps"]] == ["green", "orange", "red"]
    assert panel["options"]["reduceOptions"]["calcs"] == ["lastNotNull"]
    assert (panel["repeat"], panel["repeatDirection"], panel["maxPerRow"]) == ("instance", "h", 6)


def test_bar_gauge_draws_one_bar_per_series_now():
    panel = compiled(bar_gauge("Waiting", "sum by (queue) (w)", legend="{{queue}}", unit="short", max_value=200,
                               crit=100))
    assert (panel["type"], panel["options"]["displayMode"]) == ("bargauge", "gradient")
    assert panel["targets"][0]["legendFormat"] == "{{queue}}" and panel["targets"][0]["instant"] is True
    assert panel["fieldConfig"]["defaults"]["max"] == 200
    assert panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1] == {"color": "red", "value": 100.0}


def test_latency_heatmap_reads_the_buckets_as_a_heatmap():
    panel = compiled(latency_heatmap("http_request_duration_seconds", 'service="api"'))
    target = panel["targets"][0]
    assert target["expr"] == ('sum by (le) (rate(http_request_duration_seconds_bucket{service="api"}'
                              '[$__rate_interval]))')
    assert (target["format"], target["legendFormat"]) == ("heatmap", "{{le}}")
    assert panel["options"]["calculate"] is False and panel["options"]["yAxis"]["unit"] == "s"
    assert panel["options"]["rowsFrame"] == {"layout": "le"}


def test_state_timeline_names_states_by_value_mappings():
    states = value_map({0: ("running", "green"), 1: ("restarted", "red")})
    panel = compiled(state_timeline("Restarts", "x > bool 0", legend="{{pod}}", mappings=[states]))
    assert panel["type"] == "state-timeline"
    assert panel["fieldConfig"]["defaults"]["mappings"] == [{"type": "value", "options": {
        "0": {"text": "running", "color": "green", "index": 0}, "1": {"text": "restarted", "color": "red", "index": 1}}}]


def test_pie_shows_shares_with_values_and_percent():
    panel = compiled(pie("By type", "sum by (type) (x)", legend="{{type}}"))
    assert (panel["type"], panel["options"]["pieType"]) == ("piechart", "donut")
    assert panel["options"]["legend"]["values"] == ["value", "percent"]


def test_time_series_factories_take_overrides_and_links():
    panel = compiled(timeseries("Net", ["rx", "tx"], overrides=[by_query("B", negative_y=True)],
                                links=[data_link("Runbook", "https://runbooks/net", new_tab=True)]))
    assert panel["fieldConfig"]["overrides"] == [{"matcher": {"id": "byFrameRefID", "options": "B"},
                                                  "properties": [{"id": "custom.transform", "value": "negative-Y"}]}]
    assert panel["links"] == [{"title": "Runbook", "url": "https://runbooks/net", "targetBlank": True}]


# --- field config pieces -----------------------------------------------------------------------------------

@pytest.mark.parametrize("values, colours, steps", [
    ((), (), [("green", None)]),
    ((5,), (), [("green", None), ("red", 5.0)]),
    ((5, 9), (), [("green", None), ("orange", 5.0), ("red", 9.0)]),
    ((1, 2, 3), ("yellow", "orange", "red"), [("green", None), ("yellow", 1.0), ("orange", 2.0), ("red", 3.0)]),
])
def test_thresholds(values, colours, steps):
    got = thresholds(values, colours)
    assert got["mode"] == "absolute" and [(s["color"], s["value"]) for s in got["steps"]] == steps


def test_thresholds_need_a_colour_per_value():
    with pytest.raises(ValueError, match="3 threshold value"):
        thresholds((1, 2, 3))


def test_overrides_by_name_regex_and_query_with_friendly_and_raw_properties():
    assert by_name("Errors", colour="red", unit="percentunit") == {
        "matcher": {"id": "byName", "options": "Errors"},
        "properties": [{"id": "unit", "value": "percentunit"},
                       {"id": "color", "value": {"fixedColor": "red", "mode": "fixed"}}]}
    assert by_regex("/Transmit/", negative_y=True, axis_placement="right")["properties"] == [
        {"id": "custom.axisPlacement", "value": "right"}, {"id": "custom.transform", "value": "negative-Y"}]
    assert by_query("B", mappings=[range_map(0, None, "up")], properties={"custom.lineWidth": 2})["properties"] == [
        {"id": "mappings", "value": [{"type": "range", "options": {"from": 0, "to": None, "result": {"text": "up"}}}]},
        {"id": "custom.lineWidth", "value": 2}]


@pytest.mark.parametrize("kwargs, message", [
    ({"colour_mode": "x"}, "unknown override property colour_mode"),
    ({}, "needs at least one property"),
])
def test_override_mistakes_are_refused(kwargs, message):
    with pytest.raises(TypeError, match=message):
        by_name("x", **kwargs)


def test_every_piece_is_accepted_by_grafanas_schema():
    panel = TimeSeries(title="All", targets=[Target(expr="up")],
                       mappings=[value_map({"0": "down"}), range_map(1, 10, "some", "orange")],
                       overrides=[by_name("a", decimals=1), by_regex("b.*", colour="blue"), by_query("A", min=0)],
                       transformations=[transformation("organize", excludeByName={"Time": True})],
                       links=[data_link("Docs", "https://docs")])
    dashboard = compile_dashboard(Dashboard(title="t", panels=[panel], annotations=Annotations(list=[
        firing_alerts(), prometheus_annotation("Deploys", "changes(kube_deployment_status_observed_generation[5m]) > 0",
                                               "blue", title="{{deployment}}", tags=("namespace",))])), "u")
    assert schema_errors(dashboard) == []
    alerts, deploys = dashboard["annotations"]["list"]
    assert alerts["expr"] == 'ALERTS{alertstate="firing", severity="critical"}' and alerts["datasource"] == DATASOURCE_REF
    assert (deploys["titleFormat"], deploys["tagKeys"], "textFormat" in deploys) == ("{{deployment}}", "namespace",
                                                                                    False)
