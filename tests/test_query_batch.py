"""Many queries in few requests: which expressions merge into one query per label, and that the answers are the
same as asking each expression alone, on real Prometheus and VictoriaMetrics."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from mrm_observe import promql
from mrm_observe.query_batch import TAG, Request, requests


def bad(service: str, window: str = "5m") -> str:
    return f'sum(rate(http_requests_total{{service="{service}",status=~"5.."}}[{window}]))'


@pytest.mark.parametrize("expr, merged", [
    (bad("s1"), 'sum by (service) (rate(http_requests_total{service=~"a\\\\.b|c",status=~"5.."}[5m]))'),
    ('sum(rate(a{service="s1"}[5m])) / sum(rate(b{service="s1"}[5m]))',
     'sum by (service) (rate(a{service=~"a\\\\.b|c"}[5m])) / sum by (service) (rate(b{service=~"a\\\\.b|c"}[5m]))'),
    ('histogram_quantile(0.99, sum by (le) (rate(a_bucket{service="s1"}[5m])))',
     'histogram_quantile(0.99, sum by (le, service) (rate(a_bucket{service=~"a\\\\.b|c"}[5m])))'),
    ('1 - sum(a{service="s1"} > bool 3)', '1 - sum by (service) (a{service=~"a\\\\.b|c"} > bool 3)'),
    ('a{service="s1"} + b{service="s1"} * c{service="s1"}',
     'a{service=~"a\\\\.b|c"} + (b{service=~"a\\\\.b|c"} * c{service=~"a\\\\.b|c"})'),
    ('-a{service="s1"} offset 5m', '-a{service=~"a\\\\.b|c"} offset 5m'),
])
def test_an_expression_whose_steps_keep_the_label_merges_with_the_label_added_to_every_grouping(expr, merged):
    template = promql.template(expr, ("service",))
    assert template is not None and template.labels == ("service",)
    assert template.merged([("a.b",), ("c",)]) == merged


@pytest.mark.parametrize("expr", [
    'label_replace(a{service="s1"}, "service", "x", "", "")',  # rewrites labels
    'sum(a{service="s1"}) / on() group_left b{service="s1"}',  # matches on chosen labels
    'a{service="s1"} / ignoring(x) b{service="s1"}',
    'topk(1, a{service="s1"})',                                 # an aggregation with a parameter
    'sum without (x) (a{service="s1"})',
    'a{service="s1"} or vector(0)',                             # a part without the label
    'max_over_time(rate(a{service="s1"}[5m])[1h:5m])',          # subquery
    'sum(a{service="s1"}) / sum(b{service="s2"})',              # no value shared by every selector
    'a{service="q\\"x"}',                                        # promql-parser would render it wrongly
    'sum(a{service=~"s1"})',                                    # a regex, not an equality
])
def test_an_expression_that_could_lose_or_mix_up_the_label_does_not_merge(expr):
    assert promql.template(expr, ("service",)) is None


def test_only_labels_every_selector_matches_with_one_value_are_left_open():
    expr = 'sum(rate(x{job="a",code="500",service="s1"}[5m])) / sum(rate(x{job="a",service="s1"}[5m]))'
    text, labels, values = promql.open_values(expr)
    assert (labels, values) == (("code", "job", "service"), ("500", "a", "s1"))
    template = promql.template(expr, labels)
    assert template is not None and template.labels == ("job", "service")
    assert template.merged([("a", "s1"), ("b", "s2")]) == (
        'sum by (job, service) (rate(x{job=~"a|b",code="500",service=~"s1|s2"}[5m])) / '
        'sum by (job, service) (rate(x{job=~"a|b",service=~"s1|s2"}[5m]))')


def test_expressions_differing_in_one_value_become_one_request_per_part_and_the_rest_are_joined():
    exprs = [bad("s1"), bad("s2"), bad("s3"), bad("s2"), "sum(up)", bad("s1", "1h")]
    groups = ["5m"] * 5 + ["1h"]
    asked = requests(exprs, groups, size=2)
    assert [(r.labels, dict(r.indices)) for r in asked] == [
        (("service",), {("s1",): (0,), ("s2",): (1, 3)}), (("service",), {("s3",): (2,)}),
        ((TAG,), {("4",): (4,)}), ((TAG,), {("5",): (5,)})]
    assert 'service=~"s1|s2"' in asked[0].expr and asked[2].expr == \
        'label_replace((sum(up)), "mrm_observe_query", "4", "", "")'


def test_expressions_differing_in_several_values_merge_by_all_of_them_and_literal_values_must_agree():
    def recorded(slo: str, service: str, code: str = "") -> str:
        extra = f',code="{code}"' if code else ""
        return f'slo:ratio{{sloth_id="{slo}",sloth_service="{service}"}} / other{{sloth_id="{slo}",' \
               f'sloth_service="{service}"{extra}}}'
    exprs = [recorded("a-x", "a"), recorded("b-x", "b"), recorded("c-x", "c", "5"), recorded("d-x", "d", "5"),
             recorded("e-x", "e", "4")]
    asked = requests(exprs, [0] * 5)
    assert [(r.labels, dict(r.indices)) for r in asked] == [
        (("sloth_id", "sloth_service"), {("a-x", "a"): (0,), ("b-x", "b"): (1,)}),
        (("sloth_id", "sloth_service"), {("c-x", "c"): (2,), ("d-x", "d"): (3,)}),
        ((TAG,), {("4",): (4,)})]
    assert 'code="5"' in asked[1].expr and 'sloth_service=~"c|d"' in asked[1].expr


def test_each_query_gets_the_sum_of_the_series_that_answer_it_and_none_when_none_does():
    request = Request("q", ("service",), {("a",): (0, 2), ("b",): (1,), ("c",): (3,)})
    samples = [({"service": "a", "x": "1"}, 1.5), ({"service": "a", "x": "2"}, 2.0), ({"service": "b"}, 0.0),
               ({"service": "z"}, 9.0), ({}, 7.0)]
    assert request.answers(samples) == {0: 3.5, 2: 3.5, 1: 0.0, 3: None}


EXPRESSIONS = [
    *(f'sum(rate(http_requests_total{{service="{s}",status=~"5.."}}[1h]))' for s in ("api", "checkout", "nobody")),
    *(f'sum(rate(http_requests_total{{service="{s}"}}[1d]))' for s in ("api", "checkout")),
    *(f'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{{service="{s}"}}[6h])))'
      for s in ("api", "checkout")),
    *(f'sum(increase(http_requests_total{{service="{s}",status=~"5.."}}[2h])) / '
      f'sum(increase(http_requests_total{{service="{s}"}}[2h]))' for s in ("api", "checkout")),
    *(f'rate(http_requests_total{{service="{s}",status="200"}}[30m])' for s in ("api", "checkout")),
    'sum(rate(http_requests_total[1h]))',
]


@pytest.mark.parametrize("backend", ["prometheus", "victoriametrics"])
def test_merged_and_joined_requests_answer_exactly_what_each_expression_asked_alone_answers(servers, history,
                                                                                           backend):
    from mrm_observe.http_client import ServerSettings
    from mrm_observe.pipeline_report import ask_all
    from mrm_observe.progress import NoProgress
    from mrm_observe.prometheus_api import PrometheusClient

    import slo_history
    at = datetime.fromtimestamp(slo_history.END / 1000 - 7200, timezone.utc)
    groups = [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 0]
    assert len(requests(EXPRESSIONS, groups)) == 6  # five merged, one joined
    with PrometheusClient(ServerSettings(url=servers[backend])) as client:
        together = ask_all(client, EXPRESSIONS, groups, at, NoProgress())
        alone = [sum(s.value for s in found) if (found := client.query(expr, at)) else None for expr in EXPRESSIONS]
    assert together[2] is None and alone[2] is None
    for expr, merged, single in zip(EXPRESSIONS, together, alone):
        assert single is not None or merged is None, expr
        if single is not None:
            assert merged is not None and math.isclose(merged, single, rel_tol=1e-12), (expr, merged, single)
