"""The notification templates, rendered by Alertmanager's own template engine (`amtool template render`) on the
groups the platform's routing makes: SLO groups (by sloth_id) and alert groups (by alertname and service)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import GOLDEN, assert_golden
from mrm_observe.amtool import find_amtool
from mrm_observe.notification_templates import templates

RUNBOOK = "https://github.com/mrm-ai/mrm-observe/blob/main/docs/runbooks-slo.md#apiavailabilityburnrate"
SLO_LABELS = {"alertname": "ApiAvailabilityBurnRate", "severity": "critical", "sloth_id": "api-availability",
              "sloth_service": "api", "sloth_slo": "availability", "sloth_severity": "page", "team": "platform"}


def alert(status: str, labels: dict[str, str], annotations: dict[str, str], source: str = "") -> dict:
    return {"status": status, "labels": labels, "annotations": annotations, "startsAt": "2026-11-30T12:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z", "generatorURL": source, "fingerprint": "0"}


def group(alerts: list[dict], group_labels: dict[str, str]) -> dict:
    common_labels = {k: v for k, v in alerts[0]["labels"].items() if all(a["labels"].get(k) == v for a in alerts)}
    common = {k: v for k, v in alerts[0]["annotations"].items() if all(a["annotations"].get(k) == v for a in alerts)}
    firing = any(a["status"] == "firing" for a in alerts)
    return {"receiver": "page", "status": "firing" if firing else "resolved", "alerts": alerts,
            "groupLabels": group_labels, "commonLabels": common_labels, "commonAnnotations": common,
            "externalURL": "http://alertmanager.example.org:9093"}


GROUPS = {
    "slo-page": group([
        alert("firing", {**SLO_LABELS, "long_window": "1h", "short_window": "5m", "burn_rate_factor": "14.4"},
              {"summary": "api availability: SLO error budget burn rate is too high (page)",
               "description": "2% of the 30d budget is gone every 1h.", "runbook_url": RUNBOOK,
               "dashboard_url": "https://grafana.example.org/d/slos-api"},
              "http://prometheus.example.org:9090/graph?g0.expr=slo"),
        alert("resolved", {**SLO_LABELS, "long_window": "6h", "short_window": "30m", "burn_rate_factor": "6"},
              {"summary": "api availability: SLO error budget burn rate is too high (page)",
               "description": "5% of the 30d budget is gone every 6h.", "runbook_url": RUNBOOK}),
    ], {"sloth_id": "api-availability"}),
    "alert-firing": group([
        alert("firing", {"alertname": "HighErrorRate", "severity": "critical", "service": "api"},
              {"summary": "An API service answers more than 5% of requests with a 5xx error.",
               "description": "7.5% of requests to api failed with a 5xx status over the last 5 minutes.",
               "runbook_url": "https://github.com/mrm-ai/mrm-observe/blob/main/docs/runbooks.md#higherrorrate"},
              "http://prometheus.example.org:9090/graph?g0.expr=errors"),
    ], {"alertname": "HighErrorRate", "service": "api"}),
    "alert-resolved": group([
        alert("resolved", {"alertname": "PostgresReplicationLag", "severity": "warning", "instance": f"pg-{i}:9187"},
              {"summary": "A PostgreSQL replica lags behind the primary."}) for i in (1, 2)
    ], {"alertname": "PostgresReplicationLag"}),
    "mixed": group([
        alert("firing", {"alertname": "QueueBacklogGrowing", "severity": "warning", "queue": "sync"}, {}),
        alert("firing", {"alertname": "QueueJobsFailing", "severity": "warning", "queue": "sync"}, {}),
    ], {"queue": "sync"}),
}


@pytest.fixture(scope="module")
def render(tmp_path_factory):
    """Render a named template on a group with amtool (Alertmanager's template functions, not a re-implementation)."""
    folder = tmp_path_factory.mktemp("templates")
    for name, text in templates().items():
        (folder / name).write_text(text)
    tool = find_amtool(os.environ, folder)

    def run(template: str, data: dict) -> str:
        path = folder / "data.json"
        path.write_text(json.dumps(data))
        done = tool.run(["template", "render", f"--template.glob={folder}/*.tmpl",
                         f"--template.text={{{{ template \"{template}\" . }}}}", f"--template.data={path}"], folder)
        assert done.returncode == 0, done.stderr
        return done.stdout
    return run


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_title_and_text_match_the_golden_files(render, name):
    rendered = f"{render('mrm.title', GROUPS[name])}\n---\n{render('mrm.text', GROUPS[name])}"
    assert_golden(rendered.encode(), GOLDEN / "alertmanager" / "templates" / f"{name}.txt")


def test_titles_name_the_slo_or_the_alert_and_count_what_fires(render):
    assert render("mrm.title", GROUPS["slo-page"]) == "[FIRING:1] SLO api-availability (page)"
    assert render("mrm.title", GROUPS["alert-firing"]) == "[FIRING:1] HighErrorRate service=api"
    assert render("mrm.title", GROUPS["alert-resolved"]) == "[RESOLVED] PostgresReplicationLag"
    assert render("mrm.title", GROUPS["mixed"]) == "[FIRING:2] 2 alerts queue=sync"


def test_the_text_lists_every_alert_with_its_links(render):
    text = render("mrm.text", GROUPS["slo-page"])
    firing, resolved = text.split("\n\n")[:2]
    assert firing.splitlines()[0] == "FIRING ApiAvailabilityBurnRate burn_rate_factor=14.4 long_window=1h " \
                                     "short_window=5m team=platform"
    assert f"Runbook: {RUNBOOK}" in firing and "Dashboard: https://grafana.example.org/d/slos-api" in firing
    assert "Source: http://prometheus.example.org:9090/graph?g0.expr=slo" in firing
    assert resolved.startswith("RESOLVED ApiAvailabilityBurnRate") and "Dashboard:" not in resolved
    plain = render("mrm.text", GROUPS["alert-firing"])
    assert plain.splitlines()[:2] == ["FIRING HighErrorRate service=api",
                                      "An API service answers more than 5% of requests with a 5xx error."]
    assert "Dashboard:" not in plain
