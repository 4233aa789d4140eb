"""MRM API alerts: 5xx ratio and p95 latency per service (NestJS prom-client metrics)."""
from mrm_observe import RecordingRule, RuleGroup

from ._runbooks import alert

ERROR_RATIO = 0.05  # share of requests answered with 5xx
LATENCY_P95 = 1.0  # seconds

groups = [
    RuleGroup(name="mrm-api", rules=(
        # Per-service bucket rates: HighLatency takes the quantile of these, and dashboards or ad-hoc
        # queries can reuse them instead of re-aggregating every route and method.
        RecordingRule(
            record="service_le:http_request_duration_seconds_bucket:rate5m",
            expr="sum by (service, le) (rate(http_request_duration_seconds_bucket[5m]))",
        ),
        # A ratio of two sums, never `rate(5xx) > 0.05`: that compares requests per second with a fraction.
        alert(
            "HighErrorRate",
            'sum by (service) (rate(http_requests_total{status=~"5.."}[5m]))\n'
            "/\n"
            "sum by (service) (rate(http_requests_total[5m]))\n"
            f"> {ERROR_RATIO}",
            for_="5m", severity="critical",
            summary="An API service answers more than 5% of requests with a 5xx error.",
            description="{{ $value | humanizePercentage }} of requests to {{ $labels.service }} "
                        "failed with a 5xx status over the last 5 minutes (threshold 5%).",
        ),
        alert(
            "HighLatency",
            f"histogram_quantile(0.95, service_le:http_request_duration_seconds_bucket:rate5m) > {LATENCY_P95}",
            for_="5m", severity="warning",
            summary="An API service's p95 latency is above 1 second.",
            description="p95 latency of {{ $labels.service }} is {{ $value | humanizeDuration }} "
                        "over the last 5 minutes (threshold 1s).",
        ),
    )),
]
