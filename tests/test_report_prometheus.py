"""`mrm-observe report` against a real Prometheus and a real VictoriaMetrics loaded with a week of history whose
right answers follow from its constants (the traffic is piecewise constant, so every window's event count is
exact and both servers must agree with the arithmetic to 1e-6)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_tree

from mrm_observe.cli import main
from mrm_observe.durations import parse_duration
from prometheus_server import PrometheusServer
from victoria_server import VictoriaMetricsServer

END = 1_764_504_000  # 2025-11-30T12:00:00Z, on the 60 s grid
STEP = 60
START = END - 7 * 86400 - 3600  # a week and an hour of history
TOTAL_RATE = 10.0  # requests per second, all the time
BAD_RATE, INCIDENT_BAD_RATE, INCIDENT = 0.02, 5.0, 600  # 0.2 % errors, then 50 % for the last 10 minutes
SLOS = """
from mrm_observe import SLO, ErrorRatioSLI

def availability(service, objective):
    return SLO(service=service, name="availability", objective=objective, period="7d",
               sli=ErrorRatioSLI(bad=f'sum(rate(http_requests_total{{service="{service}", status=~"5.."}}[{{{{window}}}}]))',
                                 total=f'sum(rate(http_requests_total{{service="{service}"}}[{{{{window}}}}]))'))

slos = [availability("api", 99), availability("quiet", 99.9)]
"""


def bad_count(t: int) -> float:
    """Errors since START: BAD_RATE until the incident, then INCIDENT_BAD_RATE."""
    before = min(t, END - INCIDENT) - START
    return BAD_RATE * before + INCIDENT_BAD_RATE * max(0, t - (END - INCIDENT))


def history() -> list[tuple[str, list[tuple[int, float]]]]:
    """(series, [(t, counter)]): api's 200s and 500s every 60 s; nothing at all for the quiet service."""
    times = range(START, END + 1, STEP)
    return [('http_requests_total{service="api",status="500"}', [(t, bad_count(t)) for t in times]),
            ('http_requests_total{service="api",status="200"}',
             [(t, TOTAL_RATE * (t - START) - bad_count(t)) for t in times])]


def events(window: int) -> tuple[float, float]:
    """(bad, total) events in the `window` seconds before END, by the constants."""
    return bad_count(END) - bad_count(END - window), TOTAL_RATE * window


RECORDED = {"slo:sli_error:ratio_rate5m": 0.03, "slo:sli_error:ratio_rate14m": 0.02, "slo:sli_error:ratio_rate7d": 0.004,
            "slo:sli_bad_events:rate5m": 0.04, "slo:sli_total_events:rate5m": 10.0}
"""What the api SLO's recording rules would have written (constants: the report must read them as they are)."""
API_LABELS = 'sloth_id="api-availability",sloth_service="api",sloth_slo="availability"'


def recorded() -> list[tuple[str, list[tuple[int, float]]]]:
    times = range(START, END + 1, STEP)
    return [(f"{name}{{{API_LABELS}}}", [(t, value) for t in times]) for name, value in RECORDED.items()]


def openmetrics() -> str:
    lines = ["# TYPE http_requests counter"]
    for series, points in history():
        lines += [f"{series} {value} {t}" for t, value in points]
    for series, points in recorded():
        lines.append(f"# TYPE {series.split('{')[0]} gauge")
        lines += [f"{series} {value} {t}" for t, value in points]
    return "\n".join(lines) + "\n# EOF\n"


def prometheus_text() -> str:
    return "".join(f"{series} {value} {t * 1000}\n" for series, points in [*history(), *recorded()]
                   for t, value in points)


@pytest.fixture(scope="module", params=["prometheus", "victoriametrics"])
def server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "prometheus":
        with PrometheusServer.start(folder, rule_files=(), openmetrics=openmetrics()) as prometheus:
            yield prometheus.url
    else:
        with VictoriaMetricsServer.start(folder) as vm:
            vm.import_prometheus(prometheus_text())
            yield vm.url


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = write_tree(tmp_path / "project", {"slo/platform.py": SLOS})
    monkeypatch.chdir(root)
    return root


def run(server: str, *args: str):
    env = {"PROMETHEUS_URL": server, "PROMETHEUS_TOKEN": None, "PROMETHEUS_USER": None, "CI": "1"}
    return CliRunner().invoke(main, ["report", "--at", str(END), *args], env=env)


def test_every_number_of_the_report_matches_the_history(server, project):
    result = run(server, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["at"] == datetime.fromtimestamp(END, timezone.utc).isoformat().replace("+00:00", "Z")
    api = next(e for e in document["slos"] if e["id"] == "api-availability")
    bad, total = events(7 * 86400)
    assert api["events"]["bad"] == pytest.approx(bad, rel=1e-6)
    assert api["events"]["total"] == pytest.approx(total, rel=1e-6)
    assert api["sli"] == pytest.approx(1 - bad / total, rel=1e-9)
    assert api["error_budget"]["consumed_fraction"] == pytest.approx(bad / total / 0.01, rel=1e-6)
    for window, seconds in (("5m", 300), ("1h", 3600), ("1d", 86400)):
        wbad, wtotal = events(seconds)
        assert api["burn_rates"][window] == pytest.approx(wbad / wtotal / 0.01, rel=1e-6), window
    for alert in api["alerts"]:
        ratios = [events(parse_duration(alert[w]))[0] / events(parse_duration(alert[w]))[1]
                  for w in ("short_window", "long_window")]
        assert alert["firing"] == all(r > alert["factor"] * 0.01 for r in ratios), alert
    assert any(a["firing"] for a in api["alerts"]) and not all(a["firing"] for a in api["alerts"])
    assert api["status"] == "warning"


def test_a_service_without_traffic_is_no_data_not_an_error(server, project):
    document = json.loads(run(server, "--format", "json").stdout)
    quiet = next(e for e in document["slos"] if e["id"] == "quiet-availability")
    assert quiet["status"] == "no-data" and quiet["sli"] is None and quiet["problems"]
    assert [e["id"] for e in document["slos"]] == ["api-availability", "quiet-availability"]


def test_fail_on_warning_exits_5_and_names_the_slo(server, project):
    result = run(server, "--fail-on", "warning", "--format", "json")
    assert result.exit_code == 5
    assert "--fail-on warning: api-availability" in result.stderr
    assert run(server, "--fail-on", "breached", "--format", "json").exit_code == 0


def test_the_table_lists_the_worst_first(server, project):
    result = run(server)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "-availability" in line]
    assert [r.split("│")[1].strip() for r in rows] == ["api-availability", "quiet-availability"]
    assert "warning" in rows[0] and "no-data" in rows[1]


def test_a_report_for_the_past_sees_the_week_before_the_incident(server, project):
    result = run(server, "--format", "json", "--slo", "api-*")
    earlier = CliRunner().invoke(main, ["report", "--at", str(END - 2 * 3600), "--format", "json", "--slo", "api-*"],
                                 env={"PROMETHEUS_URL": server, "CI": "1"})
    assert earlier.exit_code == 0, earlier.output
    before = json.loads(earlier.stdout)["slos"][0]
    assert before["burn_rates"]["5m"] == pytest.approx(BAD_RATE / TOTAL_RATE / 0.01, rel=1e-6)
    assert before["status"] == "ok" and json.loads(result.stdout)["slos"][0]["status"] == "warning"


def test_an_unreachable_server_exits_3_and_says_so(project):
    result = run("http://127.0.0.1:9", "--retries", "0", "--format", "json")
    assert result.exit_code == 3
    assert "unreachable" in result.stderr or "connection failed" in result.stderr


def test_one_request_per_window_and_kind_of_events_serves_every_slo(server, project):
    from forward_proxy import ForwardProxy

    with ForwardProxy() as proxy:
        result = CliRunner().invoke(main, ["report", "--at", str(END), "--format", "json"],
                                    env={"PROMETHEUS_URL": server, "HTTP_PROXY": proxy.url, "NO_PROXY": "", "CI": "1"})
    assert result.exit_code == 0, result.output
    queries = [s for s in proxy.seen if "/api/v1/query" in s.url]
    windows = {"5m", "7m", "14m", "28m", "1h", "1h24m", "5h36m", "16h48m", "1d", "period"}  # a 7d SLO's, 1h, 1d
    assert len(queries) == 2 * len(windows)  # bad and total per window, not 2 SLOs x 10 windows x 2 = 40


def test_the_chart_series_end_where_the_report_stands(server, project):
    from mrm_observe.http_client import ServerSettings
    from mrm_observe.pipeline import Project
    from mrm_observe.pipeline_report import report

    at = datetime.fromtimestamp(END, timezone.utc)
    document, series = report(Project.at(project, (Path("slo"),)), ServerSettings(url=server), at, charts=True)
    api = next(e for e in document["slos"] if e["id"] == "api-availability")
    lines = series["api-availability"]
    budget_line = lines["budget_remaining"]
    assert len(budget_line) >= 100 and budget_line[0][1] > budget_line[-1][1]  # spent over the week
    assert budget_line[-1][1] == pytest.approx(api["error_budget"]["remaining_fraction"], abs=1e-3)
    for window, points in lines["burn_rates"].items():
        assert points[-1][0] == END
        assert points[-1][1] == pytest.approx(events(parse_duration(window))[0] / events(parse_duration(window))[1]
                                              / 0.01, rel=1e-6), window
    assert set(lines["thresholds"]) == {f"{a['short_window']}/{a['long_window']}" for a in api["alerts"]}
    assert series["quiet-availability"]["budget_remaining"] == []


def test_from_recordings_the_report_reads_the_slo_series_as_recorded(server, project):
    result = run(server, "--format", "json", "--from", "recordings", "--slo", "api-*")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    api = document["slos"][0]
    assert document["source"] == "recordings"
    assert api["burn_rates"]["5m"] == pytest.approx(0.03 / 0.01) and api["burn_rates"]["14m"] == pytest.approx(2.0)
    assert api["burn_rates"]["period"] == pytest.approx(0.4) and api["sli"] == pytest.approx(0.996)
    assert api["events"] == {"total": pytest.approx(10.0 * 7 * 86400), "bad": pytest.approx(0.04 * 7 * 86400)}
    assert api["burn_rates"]["1d"] is None  # a 7d SLO records no 1d window: no forecast at the 1d rate
    assert api["exhaustion_forecast"]["1d"] is None


def test_recordings_cover_rolling_periods_only(server, project):
    result = run(server, "--from", "recordings", "--period", "calendar-month")
    assert result.exit_code == 2 and "cover each SLO's rolling period only" in result.output


def test_markdown_and_html_reports_carry_the_same_slos(server, project, tmp_path):
    markdown = run(server, "--format", "markdown")
    assert markdown.exit_code == 0, markdown.output
    rows = [line for line in markdown.stdout.splitlines() if "/ availability" in line]
    assert "api / availability" in rows[0] and "WARNING" in rows[0]
    assert "quiet / availability" in rows[1] and "NO DATA" in rows[1]
    page = tmp_path / "report.html"
    html = run(server, "--format", "html", "--out", str(page))
    assert html.exit_code == 0, html.output
    assert f"report of 2 SLO(s) written to {page}" in html.stdout
    text = page.read_text()
    assert text.count("<svg") == 4 and "api / availability" in text
    assert "<script" not in text and "src=" not in text
