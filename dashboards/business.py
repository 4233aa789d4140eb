"""Business view of the MRM platform: users, projects, reports, API usage and the Bull job queues.

Metrics: mrm_active_users, mrm_projects_created_total, mrm_reports_generated_total{type} (API, prom-client),
http_requests_total (API), bull_queue_{waiting,active,delayed,completed,failed}{queue} (bull_exporter).
"""
from mrm_observe import bar_gauge, pie, row, saturation, stat_kpi, timeseries

from ._common import RATE, platform_dashboard, variable

folder = "MRM Platform"

QUEUE = 'queue=~"$queue"'


def _kpis() -> list:
    return [
        row("Today at a glance"),
        stat_kpi("Active users", "sum(mrm_active_users)", "short",
                 description="Users with a request in the last 15 minutes (gauge set by the API)."),
        stat_kpi("Projects created (24h)", "sum(increase(mrm_projects_created_total[1d]))", "short",
                 description="Projects created over the past 24 hours."),
        stat_kpi("Reports generated (1h)", "sum(increase(mrm_reports_generated_total[1h]))", "short",
                 description="Reports generated over the past hour."),
        stat_kpi("API calls per minute", "sum(rate(http_requests_total[5m])) * 60", "short",
                 description="API requests per minute over the last 5 minutes, all services."),
    ]


def _trends() -> list:
    projects = timeseries("Projects created per day", "sum(increase(mrm_projects_created_total[1d]))",
                          legend="projects / day", width=8,
                          description="Projects created in the 24 hours before each point.")
    reports = timeseries("Reports generated per hour", "sum by (type) (increase(mrm_reports_generated_total[1h]))",
                         legend="{{type}}", stacked=True, width=8,
                         description="Reports generated in the hour before each point, by report type.")
    return [
        row("Usage"),
        timeseries("Active users", "sum(mrm_active_users)", legend="active users",
                   description="Users with a request in the last 15 minutes."),
        timeseries("API calls per minute", f"sum by (service) (rate(http_requests_total[{RATE}])) * 60",
                   legend="{{service}}", stacked=True, description="API requests per minute by service."),
        projects,
        reports,
        pie("Reports by type (24h)", "sum by (type) (increase(mrm_reports_generated_total[1d]))", legend="{{type}}",
            description="Which report types users generated over the past 24 hours, as shares of all."),
    ]


def _queues() -> list:
    return [
        row("Job queues (sync, reports, email)"),
        bar_gauge("Waiting jobs now", f"sum by (queue) (bull_queue_waiting{{{QUEUE}}})", legend="{{queue}}",
                  unit="short", max_value=200, warn=50, crit=100, width=24, height=5,
                  description="Jobs waiting for a worker in each queue right now; red from 100, where "
                              "QueueBacklogGrowing fires when the backlog keeps growing."),
        saturation("Queue backlog (waiting jobs)", f"sum by (queue) (bull_queue_waiting{{{QUEUE}}})",
                   legend="{{queue}}", legend_table=True,
                   description="Jobs waiting for a worker, per queue. QueueBacklogGrowing fires above 100 and growing."),
        timeseries("Active and delayed jobs", [
            f"sum by (queue) (bull_queue_active{{{QUEUE}}})",
            f"sum by (queue) (bull_queue_delayed{{{QUEUE}}})",
        ], legend="{{queue}}", description="Jobs being processed (A) and scheduled for later (B), per queue."),
        timeseries("Job failures per queue", f"sum by (queue) (increase(bull_queue_failed{{{QUEUE}}}[1h]))",
                   legend="{{queue}}", legend_table=True, description="Jobs that failed in the hour before each point."),
        timeseries("Job failure ratio", (
            f"sum by (queue) (rate(bull_queue_failed{{{QUEUE}}}[{RATE}]))\n/\n"
            f"(sum by (queue) (rate(bull_queue_completed{{{QUEUE}}}[{RATE}])) "
            f"+ sum by (queue) (rate(bull_queue_failed{{{QUEUE}}}[{RATE}])))"
        ), unit="percentunit", legend="{{queue}}",
            description="Failed jobs as a share of finished jobs. QueueJobsFailing fires above 10% for 10 minutes."),
    ]


dashboards = [
    platform_dashboard(
        "MRM / Business",
        "Active users, projects created per day, reports generated per hour, API calls per minute, "
        "and backlog and failures of the sync, reports and email queues.",
        [*_kpis(), *_trends(), *_queues()],
        variables=[variable("queue", "label_values(bull_queue_waiting, queue)", "Queue")],
        tags=["business"],
    )
]
