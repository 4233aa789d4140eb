"""Bull job queue alerts (sync, reports, email), from bull_exporter's bull_queue_* metrics."""
from mrm_observe import RuleGroup

from ._runbooks import alert

BACKLOG = 100  # waiting jobs in one queue
FAILURE_RATIO = 0.1  # failed / (completed + failed)

groups = [
    RuleGroup(name="mrm-queues", rules=(
        alert(
            "QueueBacklogGrowing",
            f"sum by (queue) (bull_queue_waiting) > {BACKLOG}\n"
            "and\n"
            "sum by (queue) (deriv(bull_queue_waiting[10m])) > 0",
            for_="15m", severity="warning",
            summary="A job queue's backlog is large and still growing.",
            description="Queue {{ $labels.queue }} has {{ $value | humanize }} waiting jobs and the backlog "
                        "has kept growing for 15 minutes: workers do not keep up.",
        ),
        alert(
            "QueueJobsFailing",
            "sum by (queue) (rate(bull_queue_failed[10m]))\n"
            "/\n"
            "(sum by (queue) (rate(bull_queue_completed[10m])) + sum by (queue) (rate(bull_queue_failed[10m])))\n"
            f"> {FAILURE_RATIO}",
            for_="10m", severity="warning",
            summary="More than 10% of a queue's jobs fail.",
            description="{{ $value | humanizePercentage }} of the jobs finished by queue {{ $labels.queue }} "
                        "in the last 10 minutes failed (threshold 10%).",
        ),
    )),
]
