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


@pytest.mark.parametrize("expr, replaced", [
    pytest.param("sum(rate(x[5m])) by ($grp)", "sum(rate(x[5m])) by (var_grp)",
                 id="a variable in by() becomes a label name"),
    pytest.param("sum without (${a}, [[b]]) (x)", "sum without (var_a, var_b) (x)",
                 id="every variable syntax in without() becomes a label name"),
    pytest.param("a * on($k) group_left($extra) b", "a * on(var_k) group_left(var_extra) b",
                 id="variables in on() and group_left() become distinct label names"),
    pytest.param('x{$label="v"}', 'x{var_label="v"}', id="a matcher name becomes a label name"),
    pytest.param('x{job="$job"} offset $shift', 'x{job="x"} offset 5m',
                 id="a variable in quotes becomes a string and after offset a duration"),
    pytest.param("rate(x[$__rate_interval]) + rate(y[${n}m]) + max_over_time(z[$__range:$__interval])",
                 "rate(x[5m]) + rate(y[5m]) + max_over_time(z[5m:5m])", id="a variable in brackets becomes a duration"),
    pytest.param('rate($metric[5m]) / $metric{job="a"}', 'rate(var_metric[5m]) / var_metric{job="a"}',
                 id="a variable before brackets or braces becomes a metric name"),
    pytest.param("sum(${prefix}_requests_total)", "sum(var_prefix_requests_total)",
                 id="a variable glued to a name becomes part of the name"),
    pytest.param("histogram_quantile($q, x) > $threshold", "histogram_quantile(1, x) > 1",
                 id="a bare variable becomes a number"),
    pytest.param("topk($n, $metric)", "topk(1, var_metric)",
                 id="a bare variable becomes a metric name where only a series fits"),
])
def test_grafana_variable_becomes_a_placeholder_of_the_kind_its_position_needs(expr, replaced):
    assert promql.from_grafana(expr) == replaced
    promql.parse(replaced)


@pytest.mark.parametrize("expr, returns", [
    pytest.param("up[5m]", "range vector", id="a range selector is a range vector"),
    pytest.param("(rate(x[5m])[1h:1m])", "range vector", id="a parenthesised subquery is a range vector"),
    pytest.param('"up"', "string", id="a string literal is a string"),
    pytest.param("time() - 1", "scalar", id="arithmetic on scalars is a scalar"),
    pytest.param("scalar(up) * up", "instant vector", id="a scalar times a vector is a vector"),
    pytest.param("-sum(rate(x[5m]))", "instant vector", id="a negated aggregation is a vector"),
])
def test_knows_what_an_expression_returns(expr, returns):
    assert promql.parse(expr).value_type() == returns


def test_finds_the_label_every_label_replace_and_label_join_writes():
    parsed = promql.parse('label_replace(label_join(x, "a-b", ",", "c"), "team", "$1", "job", "(.*)")')
    assert parsed.label_targets() == [("label_replace", "team"), ("label_join", "a-b")]


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


def test_selector_uses_say_where_each_selector_stands():
    parsed = promql.parse('sum(rate(a{x=~"5.."}[5m] offset 1h)) / max_over_time(b[1h]) or absent(c) '
                          'or absent_over_time(d[10m]) + count({__name__=~"e.+",y=""}) + max(rate(f[5m:1m])) '
                          '+ topk(1, {__name__="g"}) + vector(1)')
    uses = [(u.selector.text, u.function, u.window, u.in_absent) for u in parsed.selector_uses()]
    assert uses == [('a{x=~"5.."}', "rate", 300.0, False), ("b", "max_over_time", 3600.0, False),
                    ("c", None, None, True), ("d", "absent_over_time", 600.0, True),
                    ('{__name__=~"e.+",y=""}', None, None, False), ("f", None, None, False), ("g", None, None, False)]


@pytest.mark.parametrize("text", ['a{x="q\\"uote",y!~"\\\\d+"}', 'a{x="ünï"}', '{__name__=~"a|b",job!=""}', "a"])
def test_a_selector_text_parses_back_to_the_same_selector(text):
    (use,) = promql.parse(text).selector_uses()
    (again,) = promql.parse(use.selector.text).selector_uses()
    assert again.selector == use.selector


@pytest.mark.parametrize("text, labels, selected", [
    ('a{x="1"}', {"__name__": "a", "x": "1"}, True),
    ('a{x="1"}', {"__name__": "b", "x": "1"}, False),
    ('a{x=""}', {"__name__": "a"}, True),
    ('a{x=""}', {"__name__": "a", "x": "1"}, False),
    ('a{x!=""}', {"__name__": "a"}, False),
    ('a{x=~"1|2"}', {"__name__": "a", "x": "12"}, False),
    ('a{x=~"1.*"}', {"__name__": "a", "x": "12"}, True),
    ('a{x!~"1.*"}', {"__name__": "a"}, True),
    ('a{x=~".*"}', {"__name__": "a"}, True),
    ('{__name__=~"a|b",x="1"}', {"__name__": "b", "x": "1"}, True),
    ('a{x=~"(?i)ab"}', {"__name__": "a", "x": "AB"}, True),
    ('a{x=~"\\\\d"}', {"__name__": "a", "x": "٣"}, False),
])
def test_a_selector_matches_labels_as_prometheus_does(text, labels, selected):
    (use,) = promql.parse(text).selector_uses()
    assert use.selector.portable and use.selector.matches(labels) is selected


@pytest.mark.parametrize("regex", ["[[:alpha:]]+", r"\pL", r"\p{Greek}", r"\Qa.b\E", r"a\z"])
def test_regexes_python_may_read_differently_from_re2_are_not_portable(regex):
    selector = promql.Selector("a", (("=~", "x", regex),))
    assert not selector.portable
    with pytest.raises(ValueError, match="RE2"):
        selector.matches({"__name__": "a", "x": "b"})
