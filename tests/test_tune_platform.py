"""`mrm-observe tune` on the platform's own alerts and SLOs (alerts/, slo/) against the test history of
tests/slo_history.py on a real Prometheus: every alert is back-tested, the incidents of the history are caught by
the alerts meant to catch them, alerts on metrics the history lacks say "no data", and every format comes out."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import slo_history
from mrm_observe.cli import main
from mrm_observe.project import Project, load
from mrm_observe.tune.inputs import project_alerts

ROOT = Path(__file__).resolve().parents[1]
RANGE = ["--start", "2026-10-28T00:00:00Z", "--end", "2026-11-01T00:00:00Z"]


@pytest.fixture(scope="module")
def prometheus(history, tmp_path_factory):
    server = slo_history.start_prometheus(history, tmp_path_factory.mktemp("tune-platform"))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def incidents(history, tmp_path_factory) -> Path:
    """The history's error bursts, each naming the alerts that should catch it."""
    moments = slo_history.moments_rfc3339(history)
    api = ["HighErrorRate", "ApiAvailabilityBurnRate"]
    listed = [{"name": "api errors", "start": moments["api_burst_start"], "end": moments["api_burst_end"],
               "labels": {"service": "api"}, "alerts": api},
              {"name": "checkout 502s", "start": moments["checkout_502_appears"],
               "end": moments["checkout_burst_end"], "labels": {"service": "checkout"}, "alerts": ["HighErrorRate"]},
              {"name": "api outage", "start": moments["api_outage_start"], "end": moments["api_outage_end"],
               "labels": {"service": "api"}, "alerts": api}]
    path = tmp_path_factory.mktemp("platform-incidents") / "incidents.yaml"
    path.write_text(yaml.safe_dump(listed))
    return path


def tune(server: str, *args: str):
    return CliRunner().invoke(main, ["tune", *RANGE, *args], env={"PROMETHEUS_URL": server, "CI": "1"})


@pytest.fixture(scope="module")
def document(prometheus, incidents) -> dict:
    import os
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        result = tune(prometheus, "--incidents", str(incidents), "--format", "json")
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_alert_of_the_platform_is_back_tested(document):
    expected = project_alerts(load(Project.at(ROOT, (Path("alerts"), Path("slo")))))
    assert sorted((a["alert"], a["group"]) for a in document["alerts"]) == \
        sorted((a.alert, a.group) for a in expected)
    assert document["range"]["step"] == "1m" and len(document["incidents"]) == 3


def test_the_alerts_meant_to_catch_the_history_s_incidents_catch_them(document):
    errors = next(a for a in document["alerts"] if a["alert"] == "HighErrorRate")
    assert errors["incidents"]["recall"] == 1.0 and errors["incidents"]["missed"] == []
    assert all(0 < d <= 600 for d in errors["incidents"]["detection_delay_seconds"])  # `for: 5m` plus the 5m window
    fast = next(a for a in document["alerts"] if a["alert"] == "ApiAvailabilityBurnRate"
                and a["slo"]["long_window"] == "1h")
    assert fast["incidents"]["recall"] == 1.0 and fast["incidents"]["precision"] == 1.0
    assert fast["slo"]["factor"] == 14.4 and fast["episode_count"] == 2


def test_alerts_on_metrics_the_history_lacks_say_no_data(document):
    postgres = next(a for a in document["alerts"] if a["alert"] == "PostgresDown")
    assert postgres["problems"] and postgres["recommendation"].startswith("No data")
    queues = [a for a in document["alerts"] if a["alert"] == "SyncJobBurnRate"]
    assert len(queues) == 4 and all(a["problems"] for a in queues)


def test_the_table_and_the_html_page_come_out_too(prometheus, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    table = tune(prometheus, "--alert", "HighErrorRate")
    assert table.exit_code == 0 and "HighErrorRate (mrm-api)" in table.stdout
    out = tmp_path / "platform.html"
    page = tune(prometheus, "--alert", "Api*", "--format", "html", "--out", str(out))
    assert page.exit_code == 0, page.output
    assert out.read_text().count("<section") == 8  # ApiAvailability and ApiLatency, 4 pairs each
