"""The platform's routing end to end on a real Alertmanager: alerts posted to /api/v2/alerts reach the right
receivers, in the right groups, and inhibitions hold; and one alert from a real Prometheus evaluating a platform
rule on a local exporter, through Alertmanager, to a webhook, with the notification's text checked.

Receivers are pointed at a local webhook server and timings shortened in the test's copy of the config only.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from alertmanager_server import AlertmanagerServer, WebhookReceiver, fast_timings
from exporter import Exporter

from mrm_observe.conventions import ALERTMANAGER_CONFIG, ALERTMANAGER_TEMPLATES, SLO_ID_LABEL, SLO_TIER_LABEL
from mrm_observe.pipeline import build
from mrm_observe.project import Project
from prometheus_server import PrometheusServer

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Path:
    """The repository's alert rules and Alertmanager config, built into a temporary folder: its build folder."""
    project = Project.at(REPO, sources=(Path("alerts"), Path("alertmanager")),
                         out=tmp_path_factory.mktemp("platform") / "build")
    build(project)
    return project.out


def start_alertmanager(workdir: Path, platform: Path, hook: WebhookReceiver) -> AlertmanagerServer:
    """A real Alertmanager on the platform's compiled config (and templates), pointed at the local webhook."""
    built = platform / ALERTMANAGER_CONFIG
    shutil.copytree(built.parent / ALERTMANAGER_TEMPLATES, workdir / ALERTMANAGER_TEMPLATES)
    return AlertmanagerServer.start(workdir, pointed_at(yaml.safe_load(built.read_text()), hook))


def pointed_at(config: dict[str, Any], hook: WebhookReceiver) -> dict[str, Any]:
    """A copy of the config whose every receiver sends to the local webhook server, at /<receiver name>, in its
    own format (Slack's and PagerDuty's JSON, rendered from the config's templates), with no secret file or
    variable needed; and shorter timings (a test-only override)."""
    local = fast_timings(config)
    without_time_intervals(local["route"])
    for receiver in local["receivers"]:
        url = hook.url(receiver["name"])
        for slack in receiver.get("slack_configs", []):
            slack.pop("api_url_file", None)
            slack["api_url"] = url
        for pagerduty in receiver.get("pagerduty_configs", []):
            pagerduty.pop("routing_key_file", None)
            pagerduty.update(routing_key="test-key", url=url)
        for webhook in receiver.get("webhook_configs", []):
            webhook["url"] = url
    return local


def without_time_intervals(route: dict[str, Any]) -> None:
    """Notify at any hour: the test may run in the platform's maintenance window (its time intervals are tested
    with amtool by the routing tests)."""
    route.pop("mute_time_intervals", None)
    route.pop("active_time_intervals", None)
    for child in route.get("routes") or []:
        without_time_intervals(child)


@pytest.fixture(scope="module")
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory, platform, hook) -> Iterator[AlertmanagerServer]:
    with start_alertmanager(tmp_path_factory.mktemp("am"), platform, hook) as server:
        yield server


def alert(name: str, run: str, **labels: str) -> dict[str, Any]:
    """An alert unique to one test (`run`), so tests sharing the Alertmanager do not see each other's."""
    return {"labels": {"alertname": name, "run": run, **labels},
            "annotations": {"summary": f"{name} summary", "description": f"{name} on {labels.get('service')}"}}


def by_name(alertmanager: AlertmanagerServer, run: str) -> dict[tuple[str, ...], dict[str, Any]]:
    """This run's alerts by (alertname, service, severity or SLO tier), as /api/v2/alerts lists them."""
    return {(a["labels"]["alertname"], a["labels"].get("service", ""),
             a["labels"].get(SLO_TIER_LABEL) or a["labels"].get("severity", "")): a
            for a in alertmanager.alerts() if a["labels"].get("run") == run}


def settled(alertmanager: AlertmanagerServer, run: str, count: int) -> dict[tuple[str, ...], dict[str, Any]]:
    """Wait until Alertmanager has this run's alerts and has decided on their inhibitions."""
    deadline = time.monotonic() + 10
    while True:
        mine = [a for a in alertmanager.alerts() if a["labels"].get("run") == run]
        if len(mine) == count and all(a["status"]["state"] != "unprocessed" for a in mine):
            return by_name(alertmanager, run)
        assert time.monotonic() < deadline, f"alerts not processed: {mine}"
        time.sleep(0.05)


def test_every_kind_of_alert_reaches_its_receiver(alertmanager):
    alertmanager.post_alerts([
        alert("HighErrorRate", "receivers", service="api", severity="critical"),
        alert("HighLatency", "receivers", service="api", severity="warning"),
        alert("CheckoutAvailability", "receivers", severity="critical", sloth_severity="page",
              sloth_id="checkout-availability"),
        alert("SearchLatency", "receivers", severity="warning", sloth_severity="ticket", sloth_id="search-latency"),
        alert("Unlabelled", "receivers", service="api"),
    ])
    found = settled(alertmanager, "receivers", 5)
    receivers = {key: [r["name"] for r in a["receivers"]] for key, a in found.items()}
    assert receivers == {
        ("HighErrorRate", "api", "critical"): ["page"],
        ("HighLatency", "api", "warning"): ["slack"],
        ("CheckoutAvailability", "", "page"): ["page"],
        ("SearchLatency", "", "ticket"): ["ticket"],
        ("Unlabelled", "api", ""): ["default"],
    }


def test_alerts_are_grouped_by_alertname_and_service_and_slo_alerts_by_slo(alertmanager):
    alertmanager.post_alerts([
        alert("PodRestarting", "groups", service="api", severity="warning", pod="api-1"),
        alert("PodRestarting", "groups", service="api", severity="warning", pod="api-2"),
        alert("PodRestarting", "groups", service="web", severity="warning", pod="web-1"),
        alert("CheckoutAvailability", "groups", severity="critical", sloth_severity="page",
              sloth_id="checkout-availability", long_window="1h"),
        alert("CheckoutAvailability", "groups", severity="critical", sloth_severity="page",
              sloth_id="checkout-availability", long_window="6h"),
    ])
    settled(alertmanager, "groups", 5)
    groups = {(g["receiver"]["name"], tuple(sorted(g["labels"].items()))): sorted(
        a["labels"].get("pod") or a["labels"]["long_window"] for a in g["alerts"] if a["labels"]["run"] == "groups")
        for g in alertmanager.groups()}
    mine = {key: alerts for key, alerts in groups.items() if alerts}
    assert mine == {
        ("slack", (("alertname", "PodRestarting"), ("service", "api"))): ["api-1", "api-2"],
        ("slack", (("alertname", "PodRestarting"), ("service", "web"))): ["web-1"],
        ("page", ((SLO_ID_LABEL, "checkout-availability"),)): ["1h", "6h"],
    }


def test_a_critical_alert_inhibits_the_warning_of_the_same_alertname_and_service(alertmanager, hook):
    alertmanager.post_alerts([
        alert("QueueBacklog", "inhibit", service="jobs", severity="critical"),
        alert("QueueBacklog", "inhibit", service="jobs", severity="warning"),
        alert("QueueBacklog", "inhibit", service="mail", severity="warning"),
        alert("DiskFilling", "inhibit", service="jobs", severity="warning"),
    ])
    found = settled(alertmanager, "inhibit", 4)
    critical = found[("QueueBacklog", "jobs", "critical")]
    assert found[("QueueBacklog", "jobs", "warning")]["status"] == {
        "state": "suppressed", "inhibitedBy": [critical["fingerprint"]], "silencedBy": []}
    for key in [("QueueBacklog", "mail", "warning"), ("DiskFilling", "jobs", "warning"),
                ("QueueBacklog", "jobs", "critical")]:
        assert found[key]["status"]["inhibitedBy"] == [], key
    assert critical["status"]["state"] == "active"
    deadline = time.monotonic() + 10
    while not {"FIRING QueueBacklog run=inhibit service=mail", "FIRING DiskFilling run=inhibit service=jobs"} \
            <= set(sent := slack_lines(hook)):
        assert time.monotonic() < deadline, f"slack got only {sent}"
        time.sleep(0.05)
    assert "FIRING QueueBacklog run=inhibit service=jobs" not in slack_lines(hook), "the inhibited one is never sent"
    assert "QueueBacklog summary" in slack_lines(hook), "the text carries the summary (the platform's template)"


def test_an_slo_page_inhibits_its_ticket_and_no_other(alertmanager):
    """SLO ids of their own: the inhibition holds across every alert with the same sloth_id."""
    alertmanager.post_alerts([
        alert("CheckoutAvailability", "slo", severity="critical", sloth_severity="page",
              sloth_id="checkout-errors"),
        alert("CheckoutAvailability", "slo", severity="warning", sloth_severity="ticket",
              sloth_id="checkout-errors"),
        alert("SearchAvailability", "slo", severity="warning", sloth_severity="ticket",
              sloth_id="search-errors"),
    ])
    found = settled(alertmanager, "slo", 3)
    page = found[("CheckoutAvailability", "", "page")]
    assert found[("CheckoutAvailability", "", "ticket")]["status"]["inhibitedBy"] == [page["fingerprint"]]
    assert found[("SearchAvailability", "", "ticket")]["status"]["inhibitedBy"] == []
    assert page["status"]["inhibitedBy"] == []


def test_a_database_outage_inhibits_the_crash_loops_in_its_namespace(alertmanager):
    alertmanager.post_alerts([
        alert("PostgresDown", "outage", severity="critical", namespace="data", instance="pg-0"),
        alert("PodCrashLooping", "outage", severity="warning", namespace="data", pod="api-0"),
        alert("PodCrashLooping", "outage", severity="warning", namespace="web", pod="web-0"),
    ])
    settled(alertmanager, "outage", 3)
    found = {a["labels"]["namespace"] + "/" + a["labels"]["alertname"]: a for a in alertmanager.alerts()
             if a["labels"].get("run") == "outage"}
    assert found["data/PodCrashLooping"]["status"]["inhibitedBy"] == [found["data/PostgresDown"]["fingerprint"]]
    assert found["web/PodCrashLooping"]["status"]["inhibitedBy"] == []


def slack_lines(hook: WebhookReceiver) -> list[str]:
    """Every line of text the slack receiver's messages carried (rendered by the platform's templates)."""
    return [line for n in hook.notifications("slack") for attachment in n.get("attachments", [])
            for line in attachment.get("text", "").splitlines()]


def test_a_platform_rule_fires_in_prometheus_and_its_notification_reaches_the_page(tmp_path, platform):
    """The platform's HighErrorRate (alerts/application.py), built from the repository and evaluated by a real
    Prometheus on a local exporter serving 10% errors, goes through the platform's Alertmanager config to the page
    receiver, titled by the platform's template."""
    rules = yaml.safe_load((platform / "prometheus" / "alerts-application.rules.yaml").read_text())
    (group,) = rules["groups"]
    high_errors = next(r for r in group["rules"] if r.get("alert") == "HighErrorRate")
    high_errors["for"] = "0s"  # the test's copy fires at once; the expression is the platform's
    group["interval"] = "1s"
    write = tmp_path / "prometheus" / "rules" / "application.yaml"
    write.parent.mkdir(parents=True)
    write.write_text(yaml.safe_dump({"groups": [{**group, "rules": [high_errors]}]}))

    started = time.time()

    def metrics() -> str:  # 100 requests a second to service "checkout", 10 of them 5xx, counted in the same steps
        seconds = int(time.time() - started)
        return ("# TYPE http_requests_total counter\n"
                f'http_requests_total{{service="checkout",status="200"}} {90 * seconds}\n'
                f'http_requests_total{{service="checkout",status="500"}} {10 * seconds}\n')

    exporter = Exporter(metrics)
    try:
        with WebhookReceiver() as hook, \
                start_alertmanager(tmp_path / "am", platform, hook) as am, \
                PrometheusServer.start(tmp_path / "prometheus", rule_files=[str(write)],
                                       scrape_configs=[{"job_name": "checkout", "scrape_interval": "1s",
                                                        "static_configs": [{"targets": [exporter.address]}]}],
                                       alertmanagers=[am.url.removeprefix("http://")]):
            notification = hook.wait_for(1, "page", timeout=60)[0]
    finally:
        exporter.close()
    assert notification["payload"]["summary"] == "[FIRING:1] HighErrorRate service=checkout"
    details = notification["payload"]["custom_details"]["firing"]
    assert "An API service answers more than 5% of requests with a 5xx error." in details
    assert "10% of requests to checkout failed with a 5xx status over the last 5 minutes (threshold 5%)." in details
    assert "runbook_url = https://github.com/mrm-ai/mrm-observe/blob/main/docs/runbooks.md#higherrorrate" in details
    assert notification["payload"]["severity"] == "critical" and notification["event_action"] == "trigger"
