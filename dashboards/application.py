"""MRM API (NestJS, prom-client) and the Next.js frontend behind the NGINX ingress: RED per service and route.

Metrics: http_requests_total{service,route,method,status},
http_request_duration_seconds_bucket{service,route,method,status,le}, http_active_connections{service},
prom-client default metrics (nodejs_*, process_*) and the ingress controller's nginx_ingress_controller_*.
"""
from mrm_observe import (Column, Table, by_name, data_link, error_ratio, latency_heatmap, latency_quantiles,
                         ranked_table, request_rate, row, stat_kpi, timeseries)

from ._common import RATE, platform_dashboard, variable

folder = "MRM Platform"

API = 'service=~"$service", route=~"$route"'
SERVICE = 'service=~"$service"'
INGRESS = 'ingress=~"$ingress"'

# The alert thresholds (alerts/application.py), drawn on the graphs.
ERROR_WARN, ERROR_CRIT = 0.01, 0.05
LATENCY_WARN, LATENCY_CRIT = 0.5, 1.0


def _overview() -> list:
    total = f"sum(rate(http_requests_total{{{API}}}[{RATE}]))"
    errors = f'sum(rate(http_requests_total{{{API}, status=~"5.."}}[{RATE}]))'
    p95 = (f"histogram_quantile(0.95, sum by (le) "
           f"(rate(http_request_duration_seconds_bucket{{{API}}}[{RATE}])))")
    return [
        row("Overview"),
        stat_kpi("Requests per second", total, "reqps",
                 description="All API requests of the selected services and routes."),
        stat_kpi("5xx ratio", f"{errors}\n/\n{total}", "percentunit", warn=ERROR_WARN, crit=ERROR_CRIT,
                 description="Share of requests answered with a 5xx status. HighErrorRate fires above 5% for 5 minutes."),
        stat_kpi("Latency p95", p95, "s", warn=LATENCY_WARN, crit=LATENCY_CRIT,
                 description="95th percentile request duration. HighLatency fires above 1s for 5 minutes."),
        stat_kpi("Active connections", f"sum(http_active_connections{{{SERVICE}}})", "short",
                 description="Open HTTP connections held by the API pods right now."),
    ]


def _per_service() -> list:
    by = ("service",)
    return [
        row("Per service"),
        request_rate("http_requests_total", API, by, title="Request rate per service", legend_table=True),
        error_ratio("http_requests_total", API, by, title="Error ratio per service (4xx / 5xx)",
                    description="Share of requests answered with 4xx (client errors) and 5xx (server errors). "
                                "The lines mark 1% and the 5% HighErrorRate threshold.",
                    thresholds=(ERROR_WARN, ERROR_CRIT)),
        latency_quantiles("http_request_duration_seconds", API, by, title="Latency p50 / p95 / p99 per service",
                          description="Request duration quantiles from the prom-client histogram. The red line is "
                                      "the 1s HighLatency threshold (on p95).",
                          thresholds=(LATENCY_WARN, LATENCY_CRIT)),
        latency_heatmap("http_request_duration_seconds", API, width=24,
                        description="Requests per second in each duration bucket, selected services and routes: a "
                                    "slow second mode (a cold cache, one slow route) shows here before it moves p95."),
    ]


def _top_routes() -> Table:
    by = "sum by (service, route)"
    total = f"{by} (rate(http_requests_total{{{API}}}[{RATE}]))"
    errors = f'{by} (rate(http_requests_total{{{API}, status=~"5.."}}[{RATE}]))'
    p95 = (f"histogram_quantile(0.95, sum by (service, route, le) "
           f"(rate(http_request_duration_seconds_bucket{{{API}}}[{RATE}])))")
    this_route = data_link("Show this route", "/d/${__dashboard.uid}?var-service=${__data.fields.service}"
                                              "&var-route=${__data.fields.route}&${__url_time_range}")
    return ranked_table(
        "Top routes by 5xx ratio", [
            Column("5xx ratio", f"{errors}\n/\n{total}", "percentunit", warn=ERROR_WARN, crit=ERROR_CRIT),
            Column("Requests/s", total, "reqps"),
            Column("Latency p95", p95, "s", warn=LATENCY_WARN, crit=LATENCY_CRIT),
        ], by=("service", "route"), overrides=[by_name("route", properties={"links": [this_route]})],
        description="The ten routes with the highest share of 5xx answers over the last few minutes, with their "
                    "traffic and p95 latency (amber and red at the alert thresholds). Click a route to focus on it.")


def _per_route() -> list:
    by = ("service", "route")
    return [
        row("Per route"),
        _top_routes(),
        request_rate("http_requests_total", API, by, title="Request rate per route", legend_table=True),
        error_ratio("http_requests_total", API, by, title="Error ratio per route (4xx / 5xx)",
                    description="4xx and 5xx share per route: find the route behind an error spike.",
                    thresholds=(ERROR_WARN, ERROR_CRIT)),
        latency_quantiles("http_request_duration_seconds", API, by, quantiles=(0.95,), title="Latency p95 per route",
                          description="95th percentile duration per route: find the slow route.",
                          thresholds=(LATENCY_WARN, LATENCY_CRIT)),
        timeseries(
            "Requests per second by status", f"sum by (status) (rate(http_requests_total{{{API}}}[{RATE}]))",
            unit="reqps", legend="{{status}}", stacked=True, width=24, legend_table=True,
            description="Stacked request rate split by HTTP status code."),
    ]


def _connections() -> list:
    return [
        row("Connections and Node.js runtime"),
        timeseries("Active connections per service", f"sum by (service) (http_active_connections{{{SERVICE}}})",
                   legend="{{service}}", width=8,
                   description="Open HTTP connections (server.getConnections(), exported as a gauge by the API)."),
        timeseries("Event loop lag p99", f"max by (service) (nodejs_eventloop_lag_p99_seconds{{{SERVICE}}})",
                   unit="s", legend="{{service}}", width=8,
                   description="prom-client's event loop lag; a busy loop delays every request on the pod."),
        timeseries("Resident memory per pod", f"process_resident_memory_bytes{{{SERVICE}}}",
                   unit="bytes", legend="{{service}} {{pod}}", width=8,
                   description="RSS of each API process (prom-client default metric)."),
    ]


def _frontend() -> list:
    by = ("ingress",)
    return [
        row("Frontend (NGINX ingress)"),
        request_rate("nginx_ingress_controller_requests", INGRESS, by, title="Frontend request rate"),
        error_ratio("nginx_ingress_controller_requests", INGRESS, by, title="Frontend error ratio (4xx / 5xx)",
                    thresholds=(ERROR_WARN, ERROR_CRIT)),
        latency_quantiles("nginx_ingress_controller_request_duration_seconds", INGRESS, by,
                          title="Frontend latency p50 / p95 / p99"),
    ]


dashboards = [
    platform_dashboard(
        "MRM / Application",
        "Request rate, errors (4xx/5xx), latency p50/p95/p99 and connections of the MRM API, "
        "per service and route, plus the Next.js frontend as seen by the NGINX ingress.",
        [*_overview(), *_per_service(), *_per_route(), *_connections(), *_frontend()],
        variables=[
            variable("service", "label_values(http_requests_total, service)", "Service"),
            variable("route", 'label_values(http_requests_total{service=~"$service"}, route)', "Route"),
            variable("ingress", "label_values(nginx_ingress_controller_requests, ingress)", "Ingress"),
        ],
        tags=["application"],
    )
]
