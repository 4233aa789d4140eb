import pytest

from mrm_observe import promql


def test_finds_every_rate_window_with_its_function():
    parsed = promql.parse('sum(rate(a[5m])) / sum(increase(b[1h])) + irate(c[1m])')
    assert sorted(parsed.range_windows()) == [("increase", 3600.0), ("irate", 60.0), ("rate", 300.0)]


@pytest.mark.parametrize("expr, expected", [
    pytest.param("up == 0", True, id="a comparison filters"),
    pytest.param("absent(up{job='api'})", True, id="absent() is a condition"),
    pytest.param("rate(x[5m]) > bool 1", False, id="a bool comparison returns every series"),
    pytest.param("sum(rate(x[5m]))", False, id="a bare aggregation has no condition"),
    pytest.param("a / b > 0.05 and c", True, id="a comparison inside a set operation"),
])
def test_knows_whether_an_alert_expression_filters(expr, expected):
    assert promql.parse(expr).has_condition() is expected


def test_invalid_promql_names_the_parser_reason():
    with pytest.raises(ValueError, match="invalid PromQL: unclosed left parenthesis"):
        promql.parse("sum(rate(x[5m])")


def test_empty_expression_is_rejected():
    with pytest.raises(ValueError, match="expression is empty"):
        promql.parse("  ")


def test_grafana_variables_become_valid_promql():
    expr = 'topk($n, sum by (route) (rate(x{route=~"$route", s="${svc}"}[$__rate_interval])))'
    replaced = promql.from_grafana(expr)
    assert replaced == 'topk(1, sum by (route) (rate(x{route=~"x", s="x"}[5m])))'
    promql.parse(replaced)


def test_selectors_name_each_metric_with_its_matchers():
    parsed = promql.parse('sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) / sum({__name__="up",a!="b",c!~"d"})')
    assert parsed.selectors() == [("http_requests_total", [("=", "job", "api"), ("=~", "code", "5..")]),
                                  ("", [("!=", "a", "b"), ("!~", "c", "d")])]


@pytest.mark.parametrize("expr, one", [
    ("sum(rate(x[5m]))", True), ("sum(rate(x[5m])) / sum(rate(y[5m]))", True), ("vector(1)", True), ("1", True),
    ("rate(x[5m])", False), ("sum by (job) (rate(x[5m]))", False), ("sum without (job) (x)", False),
    ('label_replace(sum(x), "a", "b", "c", "d")', False), ("sum(x) / rate(y[5m])", False),
])
def test_one_series_means_aggregated_without_grouping(expr, one):
    assert promql.parse(expr).is_one_series() is one
