"""Rules imported from team_rules.yml by `mrm-observe import`."""
from mrm_observe import AlertRule, RecordingRule, RuleGroup

imported_from = "team_rules.yml"
AS_IMPORTED = "kept as imported from team_rules.yml; follow the convention and remove this waiver"

groups = [
    RuleGroup(
        # partial_response_strategy: 'warn' is not carried (mrm-observe rule groups have no such field)
        name="api",
        interval="30s",
        query_offset="1m",
        limit=0,
        labels={"team": "api"},
        rules=(
            RecordingRule(
                record="code:http_requests:rate5m",
                expr='sum by (code) (rate(http_requests_total{code=~"2.."}[5m]))',
            ),
            RecordingRule(
                record="code:http_requests:rate5m",
                expr='sum by (code) (rate(http_requests_total{code=~"5.."}[5m]))',
            ),
            RecordingRule(
                record="job:http_request_duration_seconds:p99",
                expr=r"""histogram_quantile(0.99,
  # per job, all routes
  sum by (job, le) (rate(http_request_duration_seconds_bucket{le=~"1(\\.0)?|\\+Inf"}[5m]))
)
""",
                labels={"quantile": "0.99"},
            ),
            AlertRule(
                alert="ApiErrorsHigh",
                expr="""\
sum(rate(http_requests_total{code=~"5.."}[5m]))
  / sum(rate(http_requests_total[5m])) > 0.05""",
                for_="10m",
                keep_firing_for="5m",
                severity="page",
                summary="API answers {{ $value | humanizePercentage }} with 5xx",
                labels={"paging": "yes", "code": "500"},
                annotations={"runbook": "https://runbooks.example.org/api#errors", "dashboard": ""},
                waive={
                    "description": AS_IMPORTED,
                    "runbook": AS_IMPORTED,
                    "untested": AS_IMPORTED,
                    "severity": AS_IMPORTED,
                },
            ),
        ),
    ),
    RuleGroup(
        name="watchdog",
        rules=(
            AlertRule(
                alert="Watchdog",
                expr="vector(1)",
                severity="none",
                waive={
                    "summary": AS_IMPORTED,
                    "description": AS_IMPORTED,
                    "runbook": AS_IMPORTED,
                    "for": AS_IMPORTED,
                    "comparison": AS_IMPORTED,
                    "untested": AS_IMPORTED,
                    "severity": AS_IMPORTED,
                },
            ),
        ),
    ),
]
