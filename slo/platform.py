"""The MRM platform's SLOs: API availability and latency, frontend availability, report and sync jobs.

Metrics (the contract these SLOs rely on):
- NestJS API (prom-client): http_requests_total{service="api",route,method,status} and
  http_request_duration_seconds_bucket{service="api",le,...} with a 1s bucket.
- Next.js frontend, as the NGINX ingress controller sees it: nginx_ingress_controller_requests{ingress,status}.
  The ingress counts the 502/503s a crashed or unready pod never reports itself, so it measures what users see.
- Bull queues (bull_exporter): bull_queue_completed{queue} and bull_queue_failed{queue} (counters, no _total suffix).
"""
from mrm_observe import SLO, Alerting, ErrorRatioSLI, LatencySLI

LABELS = {"team": "platform"}


def alerting(name: str) -> Alerting:
    """Page and ticket alerts named `name`; they link to the `## name` section of docs/runbooks-slo.md through
    `[tool.mrm-observe] runbook-base-url` in pyproject.toml."""
    return Alerting(name=name)


def queue_success(queue: str) -> ErrorRatioSLI:
    """Job success: failed jobs over all finished jobs of one Bull queue."""
    failed = f'sum(rate(bull_queue_failed{{queue="{queue}"}}[{{{{window}}}}]))'
    completed = f'sum(rate(bull_queue_completed{{queue="{queue}"}}[{{{{window}}}}]))'
    return ErrorRatioSLI(bad=failed, total=f"{completed}\n+\n({failed} or vector(0))")


slos = [
    SLO(service="api", name="availability", objective=99.9, labels=LABELS, alerting=alerting("ApiAvailabilityBurnRate"),
        description="Requests answered without a server error; 429 (rate limited) is the client's doing, not bad.",
        sli=ErrorRatioSLI(bad='sum(rate(http_requests_total{service="api",status=~"5.."}[{{window}}]))',
                          total='sum(rate(http_requests_total{service="api"}[{{window}}]))')),
    SLO(service="api", name="latency", objective=99, labels=LABELS, alerting=alerting("ApiLatencyBurnRate"),
        description="Requests served within 1 second.",
        sli=LatencySLI(histogram="http_request_duration_seconds", threshold=1, selector='service="api"')),
    SLO(service="frontend", name="availability", objective=99.5, labels=LABELS,
        alerting=alerting("FrontendAvailabilityBurnRate"),
        description="Frontend requests through the ingress answered without a server error.",
        sli=ErrorRatioSLI(bad='sum(rate(nginx_ingress_controller_requests{ingress="frontend",status=~"5.."}[{{window}}]))',
                          total='sum(rate(nginx_ingress_controller_requests{ingress="frontend"}[{{window}}]))')),
    SLO(service="reports", name="generation-success", objective=99, labels=LABELS,
        alerting=alerting("ReportGenerationBurnRate"), description="Report jobs that finish without failing.",
        sli=queue_success("reports")),
    SLO(service="sync", name="job-success", objective=99, labels=LABELS, alerting=alerting("SyncJobBurnRate"),
        description="Sync jobs that finish without failing.", sli=queue_success("sync")),
]
