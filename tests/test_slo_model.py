"""SLO models and window tables: the Workbook's math, and every rejection names the SLO and field."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from mrm_observe import SLO, BurnWindow, ErrorRatioSLI, LatencySLI, RawSLI, WindowTable
from mrm_observe.compile.slo import le_matcher
from mrm_observe.definitions import Sourced
from mrm_observe.model.windows import WINDOWS_28D, WINDOWS_30D, scaled_table, table_for
from mrm_observe.validate import slo_problems

EVENTS = ErrorRatioSLI(bad='sum(rate(http_requests_total{status=~"5.."}[{{window}}]))',
                       total="sum(rate(http_requests_total[{{window}}]))")


def slo(**changes) -> SLO:
    return SLO(**{"service": "api", "name": "availability", "objective": 99.9, "sli": EVENTS, **changes})


def test_scaled_windows_are_long_over_12_but_never_under_5m():
    table = scaled_table("7d")
    assert [(w.short, w.long) for w in table.windows] == [("5m", "14m"), ("7m", "1h24m"), ("28m", "5h36m"),
                                                          ("1h24m", "16h48m")]
    assert table_for("30d") is WINDOWS_30D and table_for("28d") is WINDOWS_28D


def test_the_window_table_lists_every_short_and_long_window_once():
    assert WINDOWS_30D.durations() == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]


def problems_of(*slos: SLO) -> list[str]:
    return [str(p) for p in slo_problems([Sourced("slo/api.py", s) for s in slos])]


BAD = [
    (slo(objective=100), "slo/api.py: slo 'api-availability': objective: must be between 0 and 100, both exclusive "
                         "(got 100): 100 leaves no error budget"),
    (slo(objective=0), "objective: must be between 0 and 100, both exclusive (got 0)"),
    (slo(objective=50), "period (30d): windows[0] (page 5m/1h): factor 14.4 x error budget 0.5 >= 1: the error ratio "
                        "can never exceed it, so this alert could never fire"),
    (slo(scrape_interval="2m"), "period (30d): windows[0] (page 5m/1h): short window 5m is under 4 scrape intervals (8m)"),
    (slo(period="1d"), "period (1d): windows[0] (page 5m/2m): the short window must be shorter than the long one"),
    (slo(period="thirty days"), "period: invalid duration 'thirty days'"),
    (slo(windows=WindowTable(period="7d", windows=WINDOWS_30D.windows)),
     "windows.period: the table is for 7d but the SLO period is 30d"),
    (slo(windows=WindowTable(period="30d", windows=(BurnWindow(tier="page", short="1m", long="10m",
                                                                 budget_percent=1),))),
     "windows: windows[0] (page 1m/10m): short window 1m is under 4 scrape intervals (2m)"),
    (slo(sli=ErrorRatioSLI(total="sum(rate(x[5m]))", bad="sum(rate(y[{{window}}]))")),
     "sli.total: needs the {{window}} placeholder where the range goes"),
    (slo(sli=ErrorRatioSLI(total="sum(rate(x[{{window}}]))")), "sli: give exactly one of `bad` and `good`"),
    (slo(sli=ErrorRatioSLI(total="sum(rate(x[{{window}}])", bad="sum(rate(y[{{window}}]))")),
     "sli.total: invalid PromQL"),
    (slo(sli=ErrorRatioSLI(total="sum by (route) (rate(x[{{window}}]))", bad="sum(rate(y[{{window}}]))")),
     "sli.total: must return one series without labels"),
    (slo(sli=RawSLI(error_ratio="1 - avg_over_time(probe_success[{{window}}])")),
     "sli.error_ratio: must return one series without labels"),
    (slo(sli=LatencySLI(histogram="http_request_duration_seconds_bucket", threshold=1)),
     "sli.histogram: give the histogram's base name"),
    (slo(sli=LatencySLI(histogram="h", threshold=0)), "sli.threshold: must be a positive bucket bound"),
    (slo(name="has space"), "name: use letters, digits"),
    (slo(labels={"bad-label": "x"}), "labels: 'bad-label' is not a valid label name"),
    (slo(alerting={"summary": "burn at {{ $value }}"}),
     "alerting.summary: only {{ $labels.NAME }} templates are supported (got {{ $value }})"),
]


@pytest.mark.parametrize("bad, message", BAD, ids=[m.split(":")[-2 if m.count(":") > 1 else 0][:60] for _, m in BAD])
def test_bad_slo_is_rejected_naming_file_slo_and_field(bad, message):
    found = problems_of(bad)
    assert any(message in p for p in found), found
    assert all(p.startswith("slo/api.py: slo ") for p in found)


def test_duplicate_ids_are_reported_with_the_first_definition():
    found = problems_of(slo(), slo(objective=99))
    assert found == ["slo/api.py: slo 'api-availability': name: SLO id 'api-availability' is already defined in "
                     "slo/api.py: service + name must be unique"]


def test_all_problems_of_one_slo_are_reported_together():
    fields = {p.field for p in slo_problems([Sourced("s.py", slo(objective=100, name="a b", labels={"-": "x"}))])}
    assert fields == {"objective", "name", "labels"}


@pytest.mark.parametrize("threshold, message", [
    pytest.param(float("inf"), '+Inf (le="+Inf") is the bucket every request falls in, so no request could ever be '
                 "too slow: give a finite bucket bound in seconds, e.g. 0.5", id="inf is refused: every request is under +Inf"),
    pytest.param(float("nan"), "must be a bucket bound in seconds, not NaN", id="NaN is refused"),
    pytest.param(float("-inf"), "must be a positive bucket bound in seconds (got -inf)", id="-inf is refused"),
    pytest.param(1e6, 'must be below 1e+06 s: from there up client libraries write `le` in exponent form '
                 '(le="1e+06"), which the generated matcher does not match (got 1000000.0)',
                 id="a bound clients write in exponent form is refused"),
])
def test_latency_threshold_that_is_not_a_bucket_bound_is_refused(threshold, message):
    assert problems_of(slo(sli=LatencySLI(histogram="h", threshold=threshold))) == [
        f"slo/api.py: slo 'api-availability': sli.threshold: {message}"]


def go_le(value: float) -> str:
    """`le` as Go clients write it: strconv.FormatFloat(v, 'g', -1, 64), exponent form below 1e-4 or from 1e6."""
    digits, exponent = f"{Decimal(repr(value)).normalize():e}".split("e")
    if -4 <= int(exponent) < 6:
        return format(Decimal(repr(value)).normalize(), "f")
    return f"{digits}e{int(exponent):+03d}"


def python_le(value: float) -> str:
    """`le` as the Python client writes it (floatToGoString)."""
    text = repr(value)
    dot = text.find(".")
    if dot > 6:
        return f"{(text[0] + '.' + text[1:dot] + text[dot + 1:]).rstrip('0.')}e+0{dot - 1}"
    return text


@pytest.mark.parametrize("threshold", [1, 0.25, 2.5, 0.005, 0.0001, 1e-05, 1.5e-05, 0.1 + 0.2, 123456.789, 999999.5])
def test_every_accepted_threshold_matches_le_as_client_libraries_write_it(threshold):
    assert problems_of(slo(sli=LatencySLI(histogram="h", threshold=threshold))) == []
    op, pattern = re.fullmatch(r'le(=~?)"(.*)"', le_matcher(threshold)).groups()
    go = go_le(threshold)
    prometheus3 = go if any(c in go for c in ".e") else f"{go}.0"
    for text in (go, python_le(threshold), prometheus3):
        assert (re.fullmatch(pattern, text) if op == "=~" else pattern == text), (text, le_matcher(threshold))
