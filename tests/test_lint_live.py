"""Live lint (`lint --prometheus-url`): the checks over hand-made facts, then through the CLI against a real
Prometheus scraping a loopback exporter (typed metrics: the metadata comes from real scrapes) with backfilled
history, and against a real VictoriaMetrics (no metadata, no configuration)."""
from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from conftest import write_tree
from exporter import Exporter
from mrm_observe import RecordingRule, RuleGroup
from mrm_observe.cli import main
from mrm_observe.definitions import Sourced
from mrm_observe.http_client import RetryPolicy, ServerSettings
from mrm_observe.lint_live import Facts, SeriesFacts, check, plan
from mrm_observe.pipeline import build
from mrm_observe.project import Project
from mrm_observe.pipeline_lint import SERIES_BATCH, ask, live_lint, series_batches
from mrm_observe.prometheus_api import PrometheusClient
from mrm_observe.promql import Selector
from prometheus_server import PrometheusServer, free_port
from victoria_server import VictoriaMetricsServer

ROOT = Path(__file__).resolve().parents[1]


# --- the checks over hand-made facts -------------------------------------------------------------------------

def rules(*rules, interval=None, name="g"):
    return [Sourced("alerts/a.py", RuleGroup(name=name, rules=rules, interval=interval))]


def rec(record, expr, **kw):
    return RecordingRule(record=record, expr=expr, **kw)


def facts(series=None, metadata=None, intervals=None, evaluation=60.0, loaded=None):
    return Facts(series or {}, {} if metadata is None else metadata, intervals or {}, evaluation, loaded or {})


def sel(text: str) -> Selector:
    from mrm_observe.promql import parse
    return parse(text).selector_uses()[0].selector


def results(groups, known):
    live = plan(groups)
    got = check(live, known)
    return ([(f.problem.obj.split("'")[3], f.check, f.waived) for f in got.findings],
            [(f.problem.obj.split("'")[3] if f.problem.obj else "", f.check) for f in got.notes])


FOUND = SeriesFacts(True, frozenset({("app", "a:1")}), frozenset({"jobs_total"}))


def test_a_selector_without_series_now_or_in_seven_days_is_a_finding_and_one_with_series_is_not():
    groups = rules(rec("a:jobs:rate5m", "sum(rate(jobs_total[5m]))"), rec("a:gone:max", 'max(gone{x="1"})'))
    found, notes = results(groups, facts({sel("jobs_total"): FOUND, sel('gone{x="1"}'): SeriesFacts(False)},
                                         {"jobs_total": frozenset({"counter"})}, {("app", "a:1"): 15.0}))
    assert (found, notes) == ([("a:gone:max", "live-series", None)], [])
    message = check(plan(groups), facts({sel("jobs_total"): FOUND, sel('gone{x="1"}'): SeriesFacts(False)},
                                        {"jobs_total": frozenset({"counter"})})).findings[0]
    assert str(message) == ("alerts/a.py: group 'g', record 'a:gone:max': expr: gone{x=\"1\"} selects no series, now "
                            "or in the last 7 days: check the metric name and labels [live-series]")


def test_names_the_project_records_alerts_series_and_absent_arguments_are_not_asked():
    groups = rules(rec("a:jobs:rate5m", "sum(rate(jobs_total[5m]))"),
                   rec("a:jobs:ratio", 'a:jobs:rate5m{x="1"} / sum(ALERTS{alertname="X"}) or absent(nothing)'),
                   rec("a:more:sum", "sum(a:jobs:rate5m) + vector(1)"))
    live = plan(groups)
    assert live.selectors == (sel("jobs_total"),)
    assert (live.skipped_recorded, live.skipped_absent) == (3, 1)
    assert results(groups, facts({sel("jobs_total"): FOUND}, {"jobs_total": frozenset({"counter"})},
                                 {("app", "a:1"): 15.0})) == ([], [])


@pytest.mark.parametrize("name, types, outcome", [
    pytest.param("jobs_total", {"jobs_total": {"counter"}}, "ok", id="counter"),
    pytest.param("jobs_total", {"jobs": {"counter"}}, "ok", id="OpenMetrics family without _total"),
    pytest.param("req_seconds_bucket", {"req_seconds": {"histogram"}}, "ok", id="histogram bucket"),
    pytest.param("req_seconds_count", {"req_seconds": {"summary"}}, "ok", id="summary count"),
    pytest.param("depth", {"depth": {"gauge"}}, "finding", id="gauge"),
    pytest.param("req_seconds", {"req_seconds": {"summary"}}, "finding", id="summary quantiles"),
    pytest.param("req_seconds_bucket", {"req_seconds": {"gaugehistogram"}}, "finding", id="gauge histogram bucket"),
    pytest.param("jobs_total", {"jobs_total": {"counter", "gauge"}}, "finding", id="targets disagree"),
    pytest.param("jobs_total", {"other": {"counter"}}, "note", id="no metadata for it"),
    pytest.param("jobs_total", {"jobs_total": {"unknown"}}, "note", id="untyped"),
])
def test_rate_reads_counters_by_the_servers_metadata(name, types, outcome):
    groups = rules(rec("a:x:rate5m", f"sum(rate({name}[5m]))"))
    found, notes = results(groups, facts({sel(name): FOUND}, {k: frozenset(v) for k, v in types.items()},
                                         {("app", "a:1"): 15.0}))
    assert found == ([("a:x:rate5m", "live-counter", None)] if outcome == "finding" else [])
    assert notes == ([("a:x:rate5m", "live-counter")] if outcome == "note" else [])


def test_a_gauge_message_names_the_function_and_the_types_and_deriv_of_a_gauge_is_fine():
    groups = rules(rec("a:x:rate5m", "sum(rate(depth[5m]))"), rec("a:x:deriv5m", "sum(deriv(depth[5m]))"))
    got = check(plan(groups), facts({sel("depth"): FOUND}, {"depth": frozenset({"gauge"})}, {("app", "a:1"): 15.0}))
    assert [str(f) for f in got.findings] == [
        "alerts/a.py: group 'g', record 'a:x:rate5m': expr: rate() over depth, which the server's metadata types "
        "gauge: rate() is for counters (deriv() or delta() for a gauge) [live-counter]"]


def test_a_server_without_metadata_gets_one_note_not_one_per_rule():
    groups = rules(rec("a:x:rate5m", "sum(rate(jobs_total[5m]))"), rec("a:x:rate1h", "sum(rate(jobs_total[1h]))"))
    found, notes = results(groups, facts({sel("jobs_total"): FOUND}, {}, {("app", "a:1"): 15.0}))
    assert (found, notes) == ([], [("", "live-counter")])


def test_a_selector_without_a_name_is_checked_by_the_names_of_its_series():
    groups = rules(rec("a:x:rate5m", 'sum(rate({__name__=~"depth|jobs_total"}[5m]))'))
    selected = SeriesFacts(True, frozenset({("app", "a:1")}), frozenset({"depth", "jobs_total"}))
    found, _ = results(groups, facts({sel('{__name__=~"depth|jobs_total"}'): selected},
                                     {"depth": frozenset({"gauge"}), "jobs_total": frozenset({"counter"})},
                                     {("app", "a:1"): 15.0}))
    assert found == [("a:x:rate5m", "live-counter", None)]


@pytest.mark.parametrize("window, interval, finding", [("1m", 15.0, False), ("1m", 30.0, True), ("2m", 30.0, False)])
def test_range_windows_cover_four_scrapes_of_the_targets_behind_the_series(window, interval, finding):
    groups = rules(rec("a:x:rate", f"sum(rate(jobs_total[{window}]))"))
    got = check(plan(groups), facts({sel("jobs_total"): FOUND}, {"jobs_total": frozenset({"counter"})},
                                    {("app", "a:1"): interval, ("other", "b:1"): 600.0}))
    assert [f.check for f in got.findings] == (["live-rate-window"] if finding else [])
    if finding:
        assert got.findings[0].problem.message == ("rate() over 60s sees fewer than 4 scrapes of jobs_total at the "
                                                   "30s scrape interval of job 'app': use at least 120s")


def test_the_window_check_falls_back_to_the_job_and_else_notes_the_interval_is_unknown():
    groups = rules(rec("a:x:rate", "sum(rate(jobs_total[1m]))"))
    moved = SeriesFacts(True, frozenset({("app", "gone:1")}), frozenset({"jobs_total"}))
    metadata = {"jobs_total": frozenset({"counter"})}
    assert results(groups, facts({sel("jobs_total"): moved}, metadata, {("app", "a:1"): 30.0}))[0] == \
        [("a:x:rate", "live-rate-window", None)]
    assert results(groups, facts({sel("jobs_total"): moved}, metadata, {("web", "w:1"): 30.0})) == \
        ([], [("a:x:rate", "live-rate-window")])


@pytest.mark.parametrize("interval, evaluation, loaded, finding", [
    pytest.param("30s", None, {}, False, id="set on the group"),
    pytest.param(None, 60.0, {}, False, id="the server's global evaluation_interval"),
    pytest.param(None, None, {"g": 20.0}, False, id="loaded on the server"),
    pytest.param(None, None, {"other": 20.0}, True, id="unknown"),
])
def test_every_group_evaluation_interval_is_known(interval, evaluation, loaded, finding):
    groups = rules(rec("a:x:one", "vector(1)"), interval=interval)
    found, _ = results(groups, facts(evaluation=evaluation, loaded=loaded))
    assert found == ([("a:x:one", "live-eval-interval", None)] if finding else [])


def test_live_findings_are_waived_per_rule_like_offline_ones_and_a_waiver_silences_notes():
    groups = rules(rec("a:x:rate5m", "sum(rate(depth[5m]))", waive={"live-counter": "a gauge on purpose"}),
                   rec("a:y:rate5m", "sum(rate(untyped[5m]))", waive={"live-counter": "no TYPE line"}),
                   rec("a:z:max", "max(gone)", waive={"live-series": "only in production"}))
    found, notes = results(groups, facts({sel("depth"): FOUND, sel("untyped"): FOUND, sel("gone"): SeriesFacts(False)},
                                         {"depth": frozenset({"gauge"})}, {("app", "a:1"): 15.0}))
    assert found == [("a:x:rate5m", "live-counter", "a gauge on purpose"),
                     ("a:z:max", "live-series", "only in production")]
    assert notes == []


def test_series_requests_are_cut_by_count_and_length_and_unportable_regexes_go_alone():
    many = [Selector(f"m{i}") for i in range(SERIES_BATCH * 2 + 1)]
    assert [len(b) for b in series_batches(many)] == [SERIES_BATCH, SERIES_BATCH, 1]
    long = [Selector("m", (("=", "x", "v" * 1500),)), Selector("n", (("=", "x", "v" * 1500),)),
            Selector("o", (("=", "x", "v" * 1500),))]
    assert [len(b) for b in series_batches(long)] == [2, 1]
    odd = Selector("m", (("=~", "x", "[[:alpha:]]+"),))
    assert series_batches([Selector("a"), odd, Selector("b")]) == [[odd], [Selector("a"), Selector("b")]]


# --- a real Prometheus -----------------------------------------------------------------------------------------

PLATFORM_METRICS = """\
# TYPE backup_last_success_timestamp_seconds gauge
backup_last_success_timestamp_seconds{job="postgres-backup"} 1.7e9
# TYPE bull_queue_completed counter
bull_queue_completed{queue="reports"} 10
bull_queue_completed{queue="sync"} 10
# TYPE bull_queue_failed counter
bull_queue_failed{queue="reports"} 1
bull_queue_failed{queue="sync"} 1
# TYPE bull_queue_waiting gauge
bull_queue_waiting{queue="reports"} 3
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{service="api",le="0.5"} 5
http_request_duration_seconds_bucket{service="api",le="1"} 8
http_request_duration_seconds_bucket{service="api",le="+Inf"} 9
http_request_duration_seconds_sum{service="api"} 4
http_request_duration_seconds_count{service="api"} 9
# TYPE http_requests_total counter
http_requests_total{service="api",status="200"} 8
http_requests_total{service="api",status="503"} 1
# TYPE kube_horizontalpodautoscaler_spec_max_replicas gauge
kube_horizontalpodautoscaler_spec_max_replicas{namespace="mrm",horizontalpodautoscaler="api"} 10
# TYPE kube_horizontalpodautoscaler_spec_min_replicas gauge
kube_horizontalpodautoscaler_spec_min_replicas{namespace="mrm",horizontalpodautoscaler="api"} 2
# TYPE kube_horizontalpodautoscaler_status_current_replicas gauge
kube_horizontalpodautoscaler_status_current_replicas{namespace="mrm",horizontalpodautoscaler="api"} 3
# TYPE kube_pod_container_status_waiting_reason gauge
kube_pod_container_status_waiting_reason{namespace="mrm",pod="api-1",container="api",reason="CrashLoopBackOff"} 0
# TYPE nginx_ingress_controller_requests counter
nginx_ingress_controller_requests{ingress="frontend",status="200"} 50
nginx_ingress_controller_requests{ingress="frontend",status="503"} 1
# TYPE pg_replication_is_replica gauge
pg_replication_is_replica 0
# TYPE pg_replication_lag_seconds gauge
pg_replication_lag_seconds 0
# TYPE pg_settings_max_connections gauge
pg_settings_max_connections 100
# TYPE pg_stat_activity_count gauge
pg_stat_activity_count{datname="mrm",state="active"} 5
# TYPE pg_stat_archiver_failed_count counter
pg_stat_archiver_failed_count 0
# TYPE pg_stat_archiver_last_archive_age gauge
pg_stat_archiver_last_archive_age 30
# TYPE pg_up gauge
pg_up 1
# TYPE redis_memory_max_bytes gauge
redis_memory_max_bytes 1e9
# TYPE redis_memory_used_bytes gauge
redis_memory_used_bytes 1e8
# TYPE redis_up gauge
redis_up 1
"""
"""What the platform's rules read (docs/platform.md's contract), typed as the real exporters type them."""
TEST_METRICS = """\
# TYPE jobs_done_total counter
jobs_done_total{queue="a"} 5
# TYPE queue_depth gauge
queue_depth{queue="a"} 3
# TYPE req_seconds histogram
req_seconds_bucket{le="1"} 1
req_seconds_bucket{le="+Inf"} 2
req_seconds_sum 3
req_seconds_count 2
untyped_thing 1
"""
SLOW_INTERVAL = "2m"


def history(now: float, slow_address: str) -> str:
    """OpenMetrics history: `slow_requests_total` of the slow job two days ago (every 2m for an hour),
    `old_metric` three days ago, `ancient_metric` ten days ago (outside the 7-day look-back)."""
    start = math.floor(now - 2 * 86400)
    lines = ["# TYPE slow_requests counter"]
    lines += [f'slow_requests_total{{job="slow",instance="{slow_address}"}} {i * 10} {start + i * 120}'
              for i in range(30)]
    lines += ["# TYPE old_metric gauge"]
    lines += [f'old_metric{{job="history"}} 1 {math.floor(now - 3 * 86400) + i * 60}' for i in range(10)]
    lines += ["# TYPE ancient_metric gauge"]
    lines += [f'ancient_metric{{job="history"}} 1 {math.floor(now - 10 * 86400) + i * 60}' for i in range(10)]
    return "\n".join(lines) + "\n# EOF\n"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory) -> Iterator[PrometheusServer]:
    """A real Prometheus scraping the exporter every 1s (job `platform`), a dead port as job `clickhouse` (so
    `up{job="clickhouse"}` exists), the exporter again every 2m as job `slow` (its series come from the history),
    with its global evaluation_interval 1s; waits for the first scrape (metadata and series)."""
    exporter = Exporter(PLATFORM_METRICS + TEST_METRICS)
    slow = f"127.0.0.1:{free_port()}"
    workdir = tmp_path_factory.mktemp("live-prometheus")
    scrape = [{"job_name": "platform", "static_configs": [{"targets": [exporter.address]}]},
              {"job_name": "clickhouse", "static_configs": [{"targets": [f"127.0.0.1:{free_port()}"]}]},
              {"job_name": "slow", "scrape_interval": SLOW_INTERVAL, "static_configs": [{"targets": [slow]}]}]
    server = PrometheusServer.start(workdir, rule_files=(), scrape_configs=scrape,
                                    openmetrics=history(time.time(), slow))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            meta = httpx.get(f"{server.url}/api/v1/metadata", timeout=5).json()["data"]
            up = httpx.get(f"{server.url}/api/v1/query", params={"query": 'up{job="clickhouse"}'}, timeout=5)
            if "jobs_done_total" in meta and "pg_up" in meta and up.json()["data"]["result"]:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("the first scrape did not happen within 30 s")
        yield server
    finally:
        server.stop()
        exporter.close()


def lint(root: Path, *args: str, url: str | None = None, tmp: Path | None = None):
    """`mrm-observe lint` in `root` (build into a temporary folder), against `url`."""
    out = str((tmp or root) / "live-build")
    extra = ["--prometheus-url", url, "--retries", "0"] if url else []
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        return CliRunner().invoke(main, ["lint", "--out", out, *extra, *args],
                                  env={"PROMETHEUS_URL": None, "CI": "1"})


def live_lines(output: str, prefix: str = "lint: ") -> list[str]:
    return [line for line in output.splitlines() if line.startswith(prefix) and "[live-" in line]


def test_the_platforms_alerts_and_slos_pass_the_live_checks_against_a_real_prometheus(prometheus, tmp_path):
    result = lint(ROOT, url=prometheus.url, tmp=tmp_path)
    assert result.exit_code == 0, result.output
    assert live_lines(result.output) == [] and "lint: note:" not in result.output
    summary = next(line for line in result.output.splitlines() if line.startswith("lint: live checks"))
    print(summary)  # the figures: selectors, requests, seconds
    assert summary.startswith(f"lint: live checks against {prometheus.url}: 32 selector(s) asked (116 recorded "
                              "by this project's rules and 0 only in absent() not asked), ")
    requests = int(summary.split("), ")[1].split(" request")[0])
    assert requests == 1 + 4 + math.ceil(32 / SERIES_BATCH)  # ready, config, rules, metadata, targets, series


LIVE_PROJECT = {"alerts/live.py": """
    from mrm_observe import RecordingRule, RuleGroup

    groups = [RuleGroup(name="live", rules=(
        RecordingRule(record="queue:jobs_done:rate1m", expr="sum by (queue) (rate(jobs_done_total[1m]))"),
        RecordingRule(record="queue:queue_depth:rate1m", expr="sum(rate(queue_depth[1m]))"),
        RecordingRule(record="queue:jobs_done:rate3s", expr="sum(rate(jobs_done_total[3s]))"),
        RecordingRule(record="job:slow_requests:rate5m", expr="sum(rate(slow_requests_total[5m]))"),
        RecordingRule(record="job:slow_requests:rate10m", expr="sum(rate(slow_requests_total[10m]))"),
        RecordingRule(record="job:old_metric:max", expr="max(old_metric)"),
        RecordingRule(record="job:ancient_metric:max", expr="max(ancient_metric)"),
        RecordingRule(record="queue:jobs_done:nope", expr='max(jobs_done_total{queue="nope"})'),
        RecordingRule(record="job:nothing:absent", expr="absent(nothing_here)"),
        RecordingRule(record="job:recorded:sum", expr="sum(queue:jobs_done:rate1m)"),
        RecordingRule(record="job:one:vector", expr="vector(1)"),
        RecordingRule(record="job:untyped_thing:rate1m", expr="sum(rate(untyped_thing[1m]))"),
        RecordingRule(record="job:req_seconds_bucket:rate1m", expr="sum by (le) (rate(req_seconds_bucket[1m]))"),
        RecordingRule(record="job:req_seconds_count:increase1m", expr="sum(increase(req_seconds_count[1m]))"),
    ))]
"""}


def test_each_live_check_finds_what_a_real_prometheus_knows_and_passes_the_rest(prometheus, tmp_path):
    root = write_tree(tmp_path / "project", LIVE_PROJECT)
    result = lint(root, "--scrape-interval", "500ms", url=prometheus.url)
    assert result.exit_code == 1, result.output
    found = {(line.split("record '")[1].split("'")[0], line.rsplit("[", 1)[1].rstrip("]"))
             for line in live_lines(result.output) if not line.startswith("lint: note:")}
    assert found == {
        ("queue:queue_depth:rate1m", "live-counter"),          # a gauge, by the metadata of the scrape
        ("queue:jobs_done:rate3s", "live-rate-window"),        # 3s < 4 x the 1s scrape interval
        ("job:slow_requests:rate5m", "live-rate-window"),      # 5m < 4 x the slow job's 2m
        ("job:ancient_metric:max", "live-series"),             # last seen 10 days ago
        ("queue:jobs_done:nope", "live-series"),               # no such label value
    }
    assert "lint: 5 finding(s), 0 waived" in result.output
    notes = [line for line in result.output.splitlines() if line.startswith("lint: note:")]
    assert notes == [
        "lint: note: alerts/live.py: group 'live', record 'job:slow_requests:rate5m': expr: rate() over "
        "slow_requests_total: unknown type (the server has no metadata for it), not checked [live-counter]",
        "lint: note: alerts/live.py: group 'live', record 'job:slow_requests:rate10m': expr: rate() over "
        "slow_requests_total: unknown type (the server has no metadata for it), not checked [live-counter]",
        "lint: note: alerts/live.py: group 'live', record 'job:untyped_thing:rate1m': expr: rate() over "
        "untyped_thing: unknown type (the server has no metadata for it), not checked [live-counter]"]
    assert ("lint: alerts/live.py: group 'live', record 'job:slow_requests:rate5m': expr: rate() over 300s sees "
            "fewer than 4 scrapes of slow_requests_total at the 120s scrape interval of job 'slow': use at least "
            "480s [live-rate-window]") in result.output
    quiet = lint(root, "--scrape-interval", "500ms", "--quiet", url=prometheus.url)
    assert quiet.exit_code == 1 and "note:" not in quiet.output
    assert sorted(live_lines(quiet.output)) == sorted(line for line in live_lines(result.output)
                                                      if not line.startswith("lint: note:"))


def test_live_findings_waived_in_the_definition_do_not_fail_lint(prometheus, tmp_path):
    root = write_tree(tmp_path / "project", {"alerts/live.py": """
        from mrm_observe import RecordingRule, RuleGroup

        groups = [RuleGroup(name="live", rules=(
            RecordingRule(record="queue:queue_depth:rate5m", expr="sum(rate(queue_depth[5m]))",
                          waive={"live-counter": "queue_depth only grows in this exporter"}),
            RecordingRule(record="job:ancient_metric:max", expr="max(ancient_metric)",
                          waive={"live-series": "exported in production only"}),
        ))]
    """})
    result = lint(root, url=prometheus.url)
    assert result.exit_code == 0, result.output
    assert "lint: 0 finding(s), 2 waived" in result.output


def test_batched_series_requests_tell_selectors_apart_exactly_as_the_server_does(prometheus):
    selectors = [Selector(*s) for s in [
        ("http_requests_total", (("=~", "status", "5.."),)), ("http_requests_total", (("!~", "status", "5..|2.."),)),
        ("http_requests_total", (("=", "status", ""),)), ("http_requests_total", (("!=", "route", ""),)),
        ("http_request_duration_seconds_bucket", (("=~", "le", "1|1[.]0"),)),
        ("", (("=~", "__name__", "bull_queue_(completed|failed)"), ("=", "queue", "sync"))),
        ("bull_queue_waiting", (("=~", "queue", "(?i)REPORTS"),)), ("pg_up", (("=", "job", "platform"),)),
        ("pg_up", (("=", "job", "clickhouse"),)), ("up", (("=~", "instance", r"127\.0\.0\.1:\d+"),)),
        ("", (("=~", "__name__", ".+_total"), ("=~", "queue", ".*"))), ("queue_depth", (("=", "queue", 'a"b'),)),
    ]]
    settings = ServerSettings(url=prometheus.url, retry=RetryPolicy(1, 0))
    now = datetime.now(timezone.utc)
    with PrometheusClient(settings) as client:
        batched = ask(client, plan(rules(*[rec(f"a:x{i}:max", f"max({s.text})")
                                           for i, s in enumerate(selectors)])), now).series
        for selector in selectors:
            alone = client.series([selector.text], now - timedelta(days=7), now)
            assert batched[selector].found == bool(alone), selector.text
            assert batched[selector].names == {s["__name__"] for s in alone}, selector.text
    assert [batched[s].found for s in selectors] == [True, False, False, False, True, True, True, True, False, True,
                                                     True, False]


def test_hundreds_of_selectors_cost_a_request_per_batch(prometheus, tmp_path):
    count = 300
    exprs = [f'max(queue_depth{{queue="q{i}"}})' if i % 2 else f'max(bull_queue_completed{{queue=~"sync|q{i}"}})'
             for i in range(count)]
    source = "from mrm_observe import RecordingRule, RuleGroup\n\ngroups = [RuleGroup(name='many', rules=(\n" + \
        "".join(f"    RecordingRule(record='job:m{i}:max', expr='{e}'),\n" for i, e in enumerate(exprs)) + "))]\n"
    root = write_tree(tmp_path / "project", {"alerts/many.py": source})
    project = Project.at(root, (), Path("live-build"))
    report = build(project)
    live = live_lint(report, ServerSettings(url=prometheus.url, retry=RetryPolicy(1, 0)))
    assert live.selectors == count
    assert live.requests == 1 + 4 + math.ceil(count / SERIES_BATCH)
    assert sorted({f.check for f in live.findings}) == ["live-series"] and len(live.findings) == count // 2
    print(f"{count} selectors: {live.requests} requests in {live.seconds:.2f}s")


def test_an_answer_too_large_is_split_and_a_selector_with_too_many_series_counts_as_found(prometheus):
    groups = rules(*[rec(f"a:x{i}:max", f"max({name})") for i, name in enumerate(
        ["http_requests_total", "bull_queue_completed", "nginx_ingress_controller_requests", "pg_up", "no_such"])])
    settings = ServerSettings(url=prometheus.url, retry=RetryPolicy(1, 0), max_response_bytes=200)
    with PrometheusClient(settings) as client:
        found = ask(client, plan(groups), datetime.now(timezone.utc)).series
        requests = client.requests
    assert {s.text: (f.found, f.listed) for s, f in found.items()} == {
        "http_requests_total": (True, False), "bull_queue_completed": (True, False),
        "nginx_ingress_controller_requests": (True, False), "pg_up": (True, True), "no_such": (False, True)}
    assert requests > 5


# --- VictoriaMetrics, an unreachable server, and the offline lint's import cost ----------------------------------

@pytest.fixture(scope="module")
def victoria(tmp_path_factory) -> Iterator[VictoriaMetricsServer]:
    with VictoriaMetricsServer.start(tmp_path_factory.mktemp("live-vm")) as vm:
        now_ms = int(time.time() * 1000)
        vm.import_prometheus(f'jobs_done_total{{job="app",instance="a:1"}} 5 {now_ms}\n')
        yield vm


def test_against_victoriametrics_missing_series_fail_and_unknown_intervals_and_types_are_said(victoria, tmp_path):
    result = lint(ROOT, url=victoria.url, tmp=tmp_path)
    assert result.exit_code == 1, result.output
    lines = live_lines(result.output)
    assert ("lint: alerts/data.py: group 'mrm-postgres', alert 'PostgresDown': expr: pg_up selects no series, now or "
            "in the last 7 days: check the metric name and labels [live-series]") in lines
    assert ("lint: alerts/data.py: group 'mrm-postgres', alert 'PostgresDown': interval: group 'mrm-postgres' sets no "
            "interval and the server tells none (no evaluation_interval in its configuration, no loaded group named "
            "'mrm-postgres'): set the group's interval [live-eval-interval]") in lines
    assert ("lint: note: the server has no metric metadata (VictoriaMetrics keeps none), so no metric's type is "
            "known: not checked [live-counter]") in lines
    assert {line.rsplit("[", 1)[1] for line in lines} == {"live-series]", "live-eval-interval]", "live-counter]"}


def test_a_group_that_sets_its_interval_needs_nothing_from_the_server(victoria, tmp_path):
    root = write_tree(tmp_path / "project", {"alerts/a.py": """
        from mrm_observe import RecordingRule, RuleGroup

        groups = [RuleGroup(name="set", interval="30s", rules=(
            RecordingRule(record="job:jobs_done:rate5m", expr="sum(rate(jobs_done_total[5m]))"),)),
                  RuleGroup(name="unset", rules=(
            RecordingRule(record="job:jobs_done:rate10m", expr="sum(rate(jobs_done_total[10m]))"),))]
    """})
    result = lint(root, url=victoria.url)
    assert [line.split(": ")[2] for line in live_lines(result.output) if "note" not in line] == \
        ["group 'unset', record 'job:jobs_done:rate10m'"]


def test_an_unreachable_server_is_exit_code_3_with_the_usual_message(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    result = lint(ROOT, url=url, tmp=tmp_path)
    assert result.exit_code == 3, result.output
    assert result.output.splitlines()[-1].startswith(f"error: {url} is unreachable: GET /-/ready at {url}: "
                                                     "connection failed")


def test_lint_without_a_server_loads_no_http_stack(tmp_path):
    code = textwrap.dedent(f"""
        import os, sys
        os.chdir({str(ROOT)!r})
        from mrm_observe.cli import main
        try:
            main(["lint", "--out", {str(tmp_path / "build")!r}])
        except SystemExit:
            pass
        print(sorted(m for m in ("httpx", "requests", "mrm_observe.http_client", "mrm_observe.pipeline_lint")
                     if m in sys.modules))
    """)
    env = {k: v for k, v in __import__("os").environ.items() if k != "PROMETHEUS_URL"}
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert shown.stdout.splitlines()[-1] == "[]", shown.stderr
