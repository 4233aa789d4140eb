"""The pure parts of `tune`: the rule evaluation on runs against a step-by-step port of Prometheus's alerting rule
loop, the range edges, splitting `EXPR > threshold`, the numbers, the what-if grid and the recommendation."""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pytest

from mrm_observe.model.slo import SLO, ErrorRatioSLI
from mrm_observe.compile.slo import enabled_windows
from mrm_observe.promql import Comparison, comparison
from mrm_observe.tune.backtest import (Axes, Episode, Firing, Grid, Incident, Inputs, Series, SloPair, TunedAlert,
                                       Variant, episodes, firing, firing_spans, frame, grid_for, lead_seconds,
                                       own_variant, runs, variants)
from mrm_observe.tune.document import chart_data, document, tune_alert
from mrm_observe.tune.numbers import by_hour_band, flaps, incident_numbers, quantile, stats

STEP_MS = 60_000
T0 = 1_793_491_200  # 2026-11-01T00:00:00Z


# --- a step-by-step port of Prometheus 2.42's AlertingRule.Eval (rules/alerting.go) --------------------------------

@dataclass
class _Alert:
    state: str
    active_at: float
    fired_at: float | None = None
    keep_since: float | None = None
    resolved_at: float | None = None


def prometheus_eval(present: list[set[str]], step: float, hold: float, keep: float) -> dict[str, list[tuple[int, int]]]:
    """[fired, resolved) evaluation indexes per label set, evaluating one step at a time as Prometheus does."""
    active: dict[str, _Alert] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    started: dict[str, int] = {}
    for i, returned in enumerate(present):
        ts = i * step
        for labels in returned:
            found = active.get(labels)
            if found is not None and found.state != "inactive":
                continue
            active[labels] = _Alert("pending", ts)
        for labels, alert in list(active.items()):
            if labels not in returned:
                keeping = False
                if alert.state == "firing" and keep > 0:
                    if alert.keep_since is None:
                        alert.keep_since = ts
                    keeping = ts - alert.keep_since < keep
                if alert.state == "pending" or (alert.resolved_at is not None and ts - alert.resolved_at > 900):
                    del active[labels]
                if alert.state != "inactive" and not keeping:
                    if alert.state == "firing":
                        spans.setdefault(labels, []).append((started.pop(labels), i))
                    alert.state, alert.resolved_at = "inactive", ts
                if not keeping:
                    continue
            else:
                alert.keep_since = None
            if alert.state == "pending" and ts - alert.active_at >= hold:
                alert.state, alert.fired_at = "firing", ts
                started[labels] = i
    for labels, first in started.items():
        spans.setdefault(labels, []).append((first, len(present)))
    return spans


@pytest.mark.parametrize("seed", range(40))
def test_the_evaluation_on_runs_equals_prometheus_evaluating_step_by_step(seed):
    rng = random.Random(seed)
    steps = 240
    density = rng.choice([0.2, 0.5, 0.8, 0.95])
    present = [{name for name in ("a", "b") if rng.random() < density} for _ in range(steps)]
    for hold in (0, 30, 60, 90, 120, 300, 600):
        for keep in (0, 30, 60, 90, 120, 300):
            expected = prometheus_eval(present, 60, hold, keep)
            for name in ("a", "b"):
                mask = np.array([name in p for p in present])
                # an episode still firing at the end is cut there
                got = [(a, min(b, steps)) for a, b in spans(runs(mask), hold, keep)]
                assert got == expected.get(name, []), (seed, name, hold, keep)


def spans(active_runs, hold: float, keep: float) -> list[tuple[int, int]]:
    """firing_spans of runs given as arrays or as [(start, stop)], as [(fired, resolved)]."""
    if isinstance(active_runs, list):
        active_runs = (np.array([a for a, _ in active_runs], dtype=np.int64),
                       np.array([b for _, b in active_runs], dtype=np.int64))
    fired, resolved = firing_spans(active_runs, STEP_MS, hold, keep)
    return list(zip(fired.tolist(), resolved.tolist()))


def test_runs_are_half_open_index_ranges():
    starts, stops = runs(np.array([1, 1, 0, 1, 0, 0, 1], dtype=bool))
    assert starts.tolist() == [0, 3, 6] and stops.tolist() == [2, 4, 7]
    assert runs(np.zeros(3, dtype=bool))[0].size == 0


def test_for_counts_from_the_first_evaluation_that_returned_the_series():
    # returned at 3 evaluations in a row: `for: 2m` fires on the third, `for: 3m` never; 90s rounds up to 2 steps
    assert spans([(0, 3)], 120, 0) == [(2, 3)]
    assert spans([(0, 3)], 180, 0) == []
    assert spans([(0, 3)], 90, 0) == [(2, 3)]
    assert spans([], 0, 60) == []


def test_keep_firing_for_holds_a_firing_alert_and_a_return_while_held_goes_on_firing():
    # firing over [0, 2); gone at 2; held until 2 + 3 = 5 (keep 150 s = 3 steps); back at 5: still the same alert
    assert spans([(0, 2), (5, 6)], 0, 150) == [(0, 9)]
    assert spans([(0, 2), (6, 7)], 0, 150) == [(0, 5), (6, 10)]
    # a pending alert is not held: it starts over (the second run is too short to fire on its own)
    assert spans([(0, 2), (3, 5)], 180, 300) == []
    # a chain fires from its first run that lasts `for`, and goes on to its last run
    assert spans([(0, 1), (2, 6), (7, 8), (20, 21)], 120, 120) == [(4, 10)]


def test_the_grid_is_aligned_to_the_step_and_warms_up_before_the_range():
    grid = grid_for(T0 + 10, T0 + 3600, 60, 300)
    assert grid.time(grid.first) == T0 + 60  # rounded up to the next multiple of the step
    assert grid.time(0) == T0 + 60 - 300
    assert grid.time(grid.count - 1) == T0 + 3540  # the end is not evaluated
    chunks = grid.chunks(11)
    assert chunks[0] == (grid.time(0), grid.time(10)) and chunks[-1][1] == grid.time(grid.count - 1)
    assert sum(round((b - a) / 60) + 1 for a, b in chunks) == grid.count


def test_episodes_are_cut_to_the_range_and_firing_before_it_is_known_thanks_to_the_warm_up():
    grid = Grid(T0 * 1000, STEP_MS, 20, 5)  # evaluations 0-4 warm up; the range is 5..19
    active = {(("i", name),): runs(np.array([a <= i < b for i in range(20)]))
              for name, (a, b) in (("x", (0, 8)), ("y", (1, 3)), ("z", (17, 20)))}
    found = episodes(firing(active, grid, Variant(None, 60, 0), {"severity": "page"}))
    assert [(e.labels, e.start - T0, e.end - T0) for e in found] == [
        ((("i", "x"), ("severity", "page")), 300, 480),  # fired at 1, cut at the range's start (5)
        ((("i", "z"), ("severity", "page")), 1080, 1200)]  # still firing at the end: cut there
    # y fired and resolved during the warm-up: not in the range


def test_a_frame_puts_every_chunk_on_the_grid_and_keeps_nan_apart_from_nothing():
    grid = Grid(T0 * 1000, STEP_MS, 4, 0)
    answers = [({"__name__": "up", "job": "a"}, [(T0, 1.0), (T0 + 60, float("nan"))]),
               ({"__name__": "up", "job": "a"}, [(T0 + 180, 3.0)]), ({"job": "b"}, [])]
    found = frame(answers, grid)
    a = found[(("job", "a"),)]
    assert a.present.tolist() == [True, True, False, True]
    assert np.isnan(a.values[1]) and a.values[3] == 3.0
    assert not found[(("job", "b"),)].present.any()


# --- splitting EXPR > threshold ------------------------------------------------------------------------------------

@pytest.mark.parametrize("expr, expected", [
    ('sum by (s) (rate(x{c=~"5.."}[5m]))\n/\nsum by (s) (rate(x[5m]))\n> 0.05',
     Comparison('sum by (s) (rate(x{c=~"5.."}[5m]))\n/\nsum by (s) (rate(x[5m]))', ">", 0.05)),
    ("(up == 0)", Comparison("up", "==", 0.0)),
    ("0.9 > avail  # a comment > 3\n", Comparison("avail", "<", 0.9)),
    ("x > (14.4 * 0.001)", Comparison("x", ">", 14.4 * 0.001)),
    ("-x <= -3", Comparison("-x", "<=", -3.0)),
    ('x{a="b>c"} >= 2', Comparison('x{a="b>c"}', ">=", 2.0)),
    ("histogram_quantile(0.95, sum by (le) (rate(h[5m]))) > 1", Comparison(
        "histogram_quantile(0.95, sum by (le) (rate(h[5m])))", ">", 1.0)),
])
def test_an_alert_of_the_form_expr_op_threshold_splits_into_its_parts(expr, expected):
    assert comparison(expr) == expected


@pytest.mark.parametrize("expr", ["x > bool 1", "a > 1 and b", "x > y", "absent(up)", "x > 1/0", "2 < bool x",
                                  "max(a > 1) and max(b > 1)"])
def test_other_shapes_are_evaluated_as_written(expr):
    assert comparison(expr) is None


# --- numbers ---------------------------------------------------------------------------------------------------------

def _episode(start_min: float, end_min: float, **labels: str) -> Episode:
    return Episode(tuple(sorted(labels.items())), T0 + start_min * 60, T0 + end_min * 60)


def _firing(*found: Episode) -> Firing:
    """Episodes as the arrays of times per label set the evaluation gives."""
    by_labels: dict = {}
    for e in found:
        by_labels.setdefault(e.labels, []).append((e.start, e.end))
    return {labels: (np.array([a for a, _ in times]), np.array([b for _, b in times]))
            for labels, times in by_labels.items()}


def test_quantiles_are_nearest_rank():
    assert quantile([], 0.5) is None
    assert quantile([60.0], 0.9) == 60.0
    values = [float(v) for v in range(1, 11)]
    assert quantile(values, 0.5) == 5.0 and quantile(values, 0.9) == 9.0


def test_a_flap_is_the_same_label_set_firing_again_within_30_minutes():
    found = [_episode(0, 5, i="a"), _episode(35, 40, i="a"), _episode(71, 72, i="a"), _episode(36, 37, i="b")]
    assert flaps(found) == 1  # a again 30m after resolving: a flap; 31m after: not; b has no earlier episode


def test_hour_bands_follow_the_time_zone():
    found = [_episode(7 * 60 + 30, 8 * 60), _episode(17 * 60 + 59, 18 * 60 + 5), _episode(22 * 60, 23 * 60)]
    assert by_hour_band(found, "UTC") == {"business": 1, "evening": 1, "night": 1}
    # Berlin is UTC+1 in November: 08:30, 18:59 and 23:00 local
    assert by_hour_band(found, "Europe/Berlin") == {"business": 1, "evening": 1, "night": 1}
    assert by_hour_band([_episode(6 * 60 + 30, 7 * 60)], "Europe/Berlin") == {"business": 0, "evening": 0, "night": 1}
    assert by_hour_band([_episode(7 * 60 + 30, 8 * 60)], "Europe/Berlin") == {"business": 1, "evening": 0, "night": 0}


def test_incident_numbers():
    incidents = [Incident(T0 + 600, T0 + 1800, {"service": "api"}, "api down"),
                 Incident(T0 + 3600, T0 + 4200, {}, "everything slow"),
                 Incident(T0 + 7200, T0 + 7800, {"service": "api"}, "missed one")]
    found = [_episode(12, 35, service="api"),  # api down: 2m late, resolves 5m after its end
             _episode(11, 12, service="web"),  # overlaps api down but is another service: not counted for it
             _episode(55, 65),  # no service label: counts for any; already firing when the second starts
             _episode(100, 101, service="api")]  # nothing going on
    numbers = incident_numbers(_firing(*found), incidents)
    assert numbers["precision"] == 0.5 and numbers["recall"] == pytest.approx(2 / 3, abs=1e-6)
    assert numbers["detection_delay_seconds"] == [120.0, 0.0, None]
    assert numbers["reset_seconds"] == [300.0, 0.0, None]
    assert numbers["missed"] == [{"name": "missed one", "start": "2026-11-01T02:00:00Z",
                                  "end": "2026-11-01T02:10:00Z", "labels": {"service": "api"}, "alerts": []}]
    assert incident_numbers({}, incidents)["precision"] is None
    assert incident_numbers(_firing(*found), [])["recall"] is None
    assert episodes(_firing(*found)) == sorted(found, key=lambda e: (e.start, e.labels))


def test_stats_count_short_episodes_and_durations():
    found = [_episode(0, 3), _episode(100, 120), _episode(300, 301)]
    numbers = stats(found, "UTC")
    assert numbers["episode_count"] == 3 and numbers["firing_seconds"] == 24 * 60
    assert numbers["short_episodes"] == 2 and numbers["median_duration_seconds"] == 180
    assert numbers["p90_duration_seconds"] == 1200


# --- the what-if grid ------------------------------------------------------------------------------------------------

def _alert(expr="x > 5", hold=300.0, keep=0.0, slo=None) -> TunedAlert:
    return TunedAlert("Noisy", expr, hold, keep, 60.0, {"severity": "page"}, "g", "rules.yaml", slo)


def test_each_axis_is_sorted_and_holds_the_rules_own_value():
    grid = variants(_alert(), 5.0, Axes(thresholds=(8.0, 3.0), for_seconds=(600.0,)))
    assert [(v.threshold, v.for_seconds) for v in grid] == [
        (3.0, 300.0), (3.0, 600.0), (5.0, 300.0), (5.0, 600.0), (8.0, 300.0), (8.0, 600.0)]
    assert all(v.keep_firing_for_seconds == 0 for v in grid)


def test_without_what_if_options_for_is_tried_on_a_ladder():
    grid = variants(_alert(hold=420.0), 5.0, Axes())
    assert [v.for_seconds for v in grid] == [0, 60, 120, 300, 420, 600, 900, 1800]
    assert variants(_alert("x > y"), None, Axes(thresholds=(1.0,)))[0].threshold is None  # nothing to vary


def _slo() -> SLO:
    return SLO(service="api", name="availability", objective=99.9,
               sli=ErrorRatioSLI(bad='sum(rate(r{s="5"}[{{window}}]))', total="sum(rate(r[{{window}}]))"))


def test_an_slo_alerts_grid_varies_burn_factors_and_windows():
    slo = _slo()
    page = enabled_windows(slo)[0]
    alert = _alert("slo alert", 0, slo=SloPair(slo, page))
    assert own_variant(alert, None).factor == 14.4
    grid = variants(alert, None, Axes(factors=(10.0,), windows=(("10m", "2h"),)))
    assert [(v.short, v.long, v.factor) for v in grid] == [("5m", "1h", 10.0), ("5m", "1h", 14.4),
                                                           ("10m", "2h", 10.0), ("10m", "2h", 14.4)]
    assert [v.factor for v in variants(alert, None, Axes())] == [7.2, 10.8, 14.4, 21.6, 28.8]
    assert lead_seconds(alert, Axes(keep_firing_for_seconds=(300.0,))) == 300


def _inputs(values: dict[str, list[float | None]], op=">", threshold=5.0) -> tuple[Inputs, Grid]:
    count = len(next(iter(values.values())))
    grid = Grid(T0 * 1000, STEP_MS, count, 0)
    found = {}
    for name, points in values.items():
        present = np.array([v is not None for v in points])
        found[(("i", name),)] = Series(np.array([np.nan if v is None else v for v in points]), present)
    return Inputs({"q": found}, op, threshold), grid


def test_an_alert_entry_with_a_what_if_grid_and_incidents():
    noise = [9.0 if m % 20 < 2 else 1.0 for m in range(120)]  # 2-minute blips every 20 minutes (5 of them)
    for m in range(60, 80):
        noise[m] = 9.0  # one of which is the start of a real problem of 20 minutes
    inputs, grid = _inputs({"a": noise})
    incidents = [Incident(T0 + 60 * 60, T0 + 80 * 60, {}, "real")]
    entry = tune_alert(_alert(hold=60.0), inputs, grid, Axes(for_seconds=(300.0,)), incidents)
    assert entry["episode_count"] == 5 and entry["incidents"]["recall"] == 1.0
    assert entry["incidents"]["precision"] == 0.2
    rows = {r["for"]: r for r in entry["whatif"]}
    assert rows["1m"]["episode_count"] == 5 and rows["5m"]["episode_count"] == 1 and rows["5m"]["recall"] == 1.0
    assert entry["recommendation"] == ("Raising `for` to 5m removes 4 of 5 episodes and misses no incident, "
                                       "detecting them within 5m of their start (now 1m).")
    assert entry["threshold"] == 5.0 and entry["for"] == "1m" and entry["keep_firing_for"] == "0s"


def test_a_recommendation_never_trades_a_caught_incident_for_quiet():
    values = [9.0 if 10 <= m < 14 else 1.0 for m in range(60)]  # the only incident lasts 4 minutes
    inputs, grid = _inputs({"a": values})
    incidents = [Incident(T0 + 600, T0 + 840)]
    entry = tune_alert(_alert(hold=60.0), inputs, grid, Axes(for_seconds=(600.0,)), incidents)
    assert entry["recommendation"] == ("Keep it: it catches the one incident, and no variant tried "
                                      "has fewer than 1 episode without missing one.")


def test_a_rule_that_misses_incidents_is_told_what_would_catch_them():
    values = [9.0 if 10 <= m < 14 else 1.0 for m in range(60)]
    inputs, grid = _inputs({"a": values})
    entry = tune_alert(_alert(hold=600.0), inputs, grid, Axes(for_seconds=(60.0,)), [Incident(T0 + 600, T0 + 840)])
    assert entry["incidents"]["recall"] == 0.0 and len(entry["incidents"]["missed"]) == 1
    assert entry["recommendation"] == ("It catches 0 of 1 incidents with 0 episodes. Lowering `for` to 1m would "
                                       "catch 1 of 1 with 1 episode.")


def test_without_incidents_the_recommendation_says_how_to_check_it():
    inputs, grid = _inputs({"a": [9.0 if m % 10 < 2 else 1.0 for m in range(60)]})
    entry = tune_alert(_alert(hold=0.0), inputs, grid, Axes(), None)
    assert entry["incidents"] is None and entry["whatif"][0]["precision"] is None
    assert entry["recommendation"] == ("6 episodes, 6 shorter than 10m, 5 re-fired within 30m of resolving. Raising "
                                       "`for` to 2m would leave 0 episodes; pass --incidents to check it would miss "
                                       "no incident.")


def test_no_data_and_quiet_are_told_apart():
    quiet, grid = _inputs({"a": [1.0] * 30})
    assert tune_alert(_alert(), quiet, grid, Axes(), None)["recommendation"] == "Quiet: it never fired over the range."
    empty = Inputs({"q": {}}, ">", 5.0)
    entry = tune_alert(_alert(), empty, grid, Axes(), None)
    assert entry["problems"] and entry["recommendation"].startswith("No data")


def test_a_not_equal_alert_fires_on_nan_as_promql_does():
    inputs, grid = _inputs({"a": [float("nan")] * 3 + [5.0] * 3 + [None] * 3}, op="!=", threshold=5.0)
    entry = tune_alert(_alert("x != 5", hold=0.0), inputs, grid, Axes(), None)
    assert [(e["start"], e["end"]) for e in entry["episodes"]] == [("2026-11-01T00:00:00Z", "2026-11-01T00:03:00Z")]


def test_the_document_lists_the_noisiest_alert_first_and_the_step_when_shared():
    entries = [{"alert": "B", "group": "g", "expr": "b", "episode_count": 1},
               {"alert": "A", "group": "g", "expr": "a", "episode_count": 1},
               {"alert": "C", "group": "g", "expr": "c", "episode_count": 7}]
    doc = document(entries, T0, T0 + 3600, [60.0, 60.0], None, "UTC", "http://prometheus:9090")
    assert [e["alert"] for e in doc["alerts"]] == ["C", "A", "B"]
    assert doc["range"] == {"start": "2026-11-01T00:00:00Z", "end": "2026-11-01T01:00:00Z", "step": "1m"}
    assert document(entries, T0, T0 + 60, [60.0, 30.0], None, "UTC", "")["range"]["step"] is None


def test_the_timeline_keeps_spikes_when_it_thins_a_long_series_out():
    values = [1.0] * 6000
    values[4321] = 50.0
    inputs, grid = _inputs({"a": values})
    drawn = chart_data(_alert(), inputs, grid)
    points = drawn["series"][0]["points"]
    assert drawn["kind"] == "value" and drawn["threshold"] == 5.0 and len(points) == 600
    assert max(v for _, v in points) == 50.0
    below, _ = _inputs({"a": values}, op="<", threshold=0.5)
    assert max(v for _, v in chart_data(_alert("x < 0.5"), below, grid)["series"][0]["points"]) == 1.0


def test_an_incident_counts_only_for_the_alerts_it_names():
    inputs, grid = _inputs({"a": [9.0 if 10 <= m < 20 else 1.0 for m in range(60)]})
    theirs = Incident(T0 + 2400, T0 + 3000, {}, "someone else's", ("Other*",))
    ours = Incident(T0 + 600, T0 + 1200, {}, "ours", ("Noi?y",))
    entry = tune_alert(_alert(hold=0.0), inputs, grid, Axes(), [theirs, ours])
    assert entry["incidents"]["recall"] == 1.0 and entry["incidents"]["detection_delay_seconds"] == [0.0]
    alone = tune_alert(_alert(hold=0.0), inputs, grid, Axes(), [theirs])
    assert alone["incidents"]["recall"] is None and alone["recommendation"] == "No incidents concern it; 1 episode " \
                                                                              "over the range."


def test_a_more_sensitive_threshold_is_never_the_quieter_choice():
    # flapping around 5: above it every other minute; at 4 it is always above: one long episode, but not quieter
    values = [6.0 if m % 2 else 4.5 for m in range(60)]
    inputs, grid = _inputs({"a": values})
    entry = tune_alert(_alert(hold=0.0), inputs, grid, Axes(thresholds=(4.0,)), None)
    rows = {r["threshold"]: r["episode_count"] for r in entry["whatif"]}
    assert rows == {4.0: 1, 5.0: 30}
    assert entry["recommendation"].endswith("No variant tried removes half of them.")
    keep = tune_alert(_alert(hold=0.0), inputs, grid, Axes(keep_firing_for_seconds=(120.0,)), None)
    assert "Raising `keep_firing_for` to 2m would leave 1 episode" in keep["recommendation"]
