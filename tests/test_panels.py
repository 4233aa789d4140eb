"""Panel factories: the queries they write and the options every time series factory takes."""
import pytest
from grafanalib.core import Dashboard

from mrm_observe import error_ratio, latency_quantiles, request_rate, stat_kpi, timeseries
from mrm_observe.compile.dashboards import compile_dashboard
from mrm_observe.promql import from_grafana, parse


def compiled(panel):
    return compile_dashboard(Dashboard(title="t", panels=[panel]), "u")["panels"][0]


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
