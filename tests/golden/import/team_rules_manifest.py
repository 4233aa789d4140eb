"""Rules imported from team-rules-manifest.yaml by `mrm-observe import`."""
from mrm_observe import AlertRule, RecordingRule, RuleGroup

imported_from = "team-rules-manifest.yaml"
AS_IMPORTED = "kept as imported from team-rules-manifest.yaml; follow the convention and remove this waiver"

groups = [
    RuleGroup(
        name="queues",
        rules=(
            AlertRule(
                alert="QueueBacklog",
                expr="sum by (queue) (queue_depth) > 1000",
                for_="15m",
                severity="warning",
                summary="Queue {{ $labels.queue }} holds {{ $value }} messages",
                description="""\
Consumers of {{ $labels.queue }} fall behind.
Check their logs.
""",
                runbook_url="https://runbooks.example.org/queues#backlog",
                waive={"untested": AS_IMPORTED},
            ),
        ),
    ),
    RuleGroup(
        name="jobs",
        limit=10,
        rules=(
            RecordingRule(
                record="job:job_failures:increase1h",
                expr="sum by (job) (increase(job_failures_total[1h]))",
            ),
        ),
    ),
]
