"""Kubernetes / System / CoreDNS: imported from k8s-system-coredns.json by `mrm-observe import`.

Migrated to the current dashboard model and checked by building it; what could not be carried is
noted in comments beside the panel it concerns."""
from mrm_observe import (
    Annotations,
    Dashboard,
    GridPos,
    Heatmap,
    Stat,
    Target,
    Template,
    Templating,
    Threshold,
    Time,
    TimeSeries,
)

# Grafana's default thresholds: a panel built without thresholds would get only the green base.
DEFAULT_THRESHOLDS = [Threshold("green", 0, 0.0), Threshold("red", 1, 80.0)]

dashboards = [
    Dashboard(
        title="Kubernetes / System / CoreDNS",
        uid="k8s_system_coredns",
        description=(
            "This is a modern CoreDNS dashboard for your Kubernetes cluster(s). Made for kube-prometheus-stack and "
            "take advantage of the latest Grafana features. GitHub repository: "
            "https://github.com/dotdc/grafana-dashboards-kubernetes"
        ),
        tags=["Kubernetes", "Prometheus"],
        timezone="",
        refresh="30s",
        time=Time("now-1h", "now"),
        graphTooltip=1,
        annotations=Annotations(
            list=[
                {
                    "builtIn": 1,
                    "datasource": {"type": "datasource", "uid": "grafana"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "target": {"limit": 100, "matchAny": False, "tags": [], "type": "dashboard"},
                    "type": "dashboard",
                },
                {
                    "datasource": {"type": "datasource", "uid": "grafana"},
                    "enable": True,
                    "hide": False,
                    "iconColor": "#5c4ee5",
                    "name": "terraform",
                    "target": {"limit": 100, "matchAny": False, "tags": ["terraform"], "type": "tags"},
                },
                {
                    "datasource": {"type": "datasource", "uid": "grafana"},
                    "enable": True,
                    "hide": False,
                    "iconColor": "red",
                    "name": "oncall",
                    "target": {"limit": 100, "matchAny": False, "tags": ["oncall"], "type": "tags"},
                },
            ],
        ),
        templating=Templating(
            list=[
                Template(
                    name="cluster",
                    query={
                        "qryType": 1,
                        "query": "label_values(kube_node_info,cluster)",
                        "refId": "PrometheusVariableQueryEditor-VariableQuery",
                    },
                    type="query",
                    sort=1,
                ),
                Template(
                    name="instance",
                    query={
                        "qryType": 1,
                        "query": 'label_values(up{job="$job", cluster="$cluster"},instance)',
                        "refId": "PrometheusVariableQueryEditor-VariableQuery",
                    },
                    type="query",
                    allValue=".*",
                    includeAll=True,
                    default="$__all",
                    sort=1,
                ),
                Template(
                    name="protocol",
                    query={
                        "query": 'label_values(coredns_dns_requests_total{cluster="$cluster"}, proto)',
                        "refId": "StandardVariableQuery",
                    },
                    type="query",
                    allValue="udp,tcp",
                    default="udp",
                    sort=1,
                ),
                Template(
                    name="resolution",
                    query="1s, 15s, 30s, 1m, 3m, 5m",
                    type="custom",
                    default="30s",
                    sort=0,
                    options=[
                        {"selected": False, "text": "1s", "value": "1s"},
                        {"selected": False, "text": "15s", "value": "15s"},
                        {"selected": True, "text": "30s", "value": "30s"},
                        {"selected": False, "text": "1m", "value": "1m"},
                        {"selected": False, "text": "3m", "value": "3m"},
                        {"selected": False, "text": "5m", "value": "5m"},
                    ],
                ),
                Template(
                    name="job",
                    query={
                        "qryType": 1,
                        "query": 'label_values(coredns_build_info{cluster="$cluster"},job)',
                        "refId": "PrometheusVariableQueryEditor-VariableQuery",
                    },
                    type="query",
                    multi=True,
                    default=["coredns"],
                    sort=1,
                ),
            ],
        ),
        panels=[
            Stat(
                title="CoreDNS - Health Status",
                gridPos=GridPos(h=3, w=24, x=0, y=0),
                targets=[
                    Target(
                        expr='up{job=~"$job", instance=~"$instance", cluster=~"$cluster"}',
                        legendFormat="{{ instance }}",
                        refId="A",
                        exemplar=True,
                    ),
                ],
                graphMode="none",
                colorMode="background",
                textMode="value_and_name",
                orientation="vertical",
                mappings=[{"type": "value", "options": {"0": {"text": "DOWN"}, "1": {"text": "UP"}}}],
                noValue=None,
                reduceCalc="lastNotNull",
                thresholds=[Threshold("red", 0, 0.0), Threshold("green", 1, 1.0)],
            ),
            TimeSeries(
                title="CoreDNS - CPU Usage by instance",
                gridPos=GridPos(h=8, w=12, x=0, y=3),
                targets=[
                    Target(
                        expr=(
                            'rate(process_cpu_seconds_total{job=~"$job", instance=~"$instance", '
                            'cluster=~"$cluster"}[$__rate_interval])'
                        ),
                        legendFormat="{{ instance }}",
                        interval="$resolution",
                        refId="A",
                        exemplar=True,
                    ),
                ],
                unit="percentunit",
                valueDecimals=2,
                lineInterpolation="smooth",
                lineWidth=2,
                fillOpacity=25,
                gradientMode="opacity",
                showPoints="never",
                thresholds=DEFAULT_THRESHOLDS,
            ),
            TimeSeries(
                title="CoreDNS - Memory Usage by instance",
                gridPos=GridPos(h=8, w=12, x=12, y=3),
                targets=[
                    Target(
                        expr='process_resident_memory_bytes{job=~"$job", instance=~"$instance", cluster=~"$cluster"}',
                        legendFormat="{{ instance }}",
                        refId="A",
                        exemplar=True,
                    ),
                ],
                unit="bytes",
                lineInterpolation="smooth",
                lineWidth=2,
                fillOpacity=25,
                gradientMode="opacity",
                showPoints="never",
                thresholds=DEFAULT_THRESHOLDS,
            ),
            TimeSeries(
                title="CoreDNS - Total DNS Requests ($protocol)",
                gridPos=GridPos(h=8, w=12, x=0, y=11),
                targets=[
                    Target(
                        expr=(
                            'sum(rate(coredns_dns_requests_total{instance=~"$instance",proto="$protocol", '
                            'cluster=~"$cluster", job=~"$job"}[$__rate_interval]))'
                        ),
                        legendFormat="total $protocol requests",
                        interval="$resolution",
                        refId="A",
                        exemplar=True,
                    ),
                ],
                unit="short",
                lineInterpolation="smooth",
                lineWidth=2,
                fillOpacity=25,
                gradientMode="opacity",
                showPoints="never",
                tooltipMode="multi",
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={"options": {"legend": {"showLegend": False}}},
            ),
            TimeSeries(
                title="CoreDNS - Average Packet Size  ($protocol)",
                gridPos=GridPos(h=8, w=12, x=12, y=11),
                targets=[
                    Target(
                        expr=(
                            'sum(rate(coredns_dns_request_size_bytes_sum{instance=~"$instance",proto="$protocol", '
                            'cluster=~"$cluster", job=~"$job"}[$__rate_interval])) by (proto) / '
                            'sum(rate(coredns_dns_request_size_bytes_count{instance=~"$instance",proto="$protocol", '
                            'cluster=~"$cluster", job=~"$job"}[$__rate_interval])) by (proto)'
                        ),
                        legendFormat="average $protocol packet size",
                        interval="$resolution",
                        refId="A",
                        exemplar=True,
                    ),
                ],
                unit="bytes",
                lineInterpolation="smooth",
                lineWidth=2,
                fillOpacity=25,
                gradientMode="opacity",
                showPoints="never",
                tooltipMode="multi",
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={"options": {"legend": {"showLegend": False}}},
            ),
            TimeSeries(
                title="CoreDNS - Requests by type",
                gridPos=GridPos(h=8, w=12, x=0, y=19),
                targets=[
                    Target(
                        expr=(
                            'sum(rate(coredns_dns_requests_total{instance=~"$instance", cluster=~"$cluster", '
                            'job=~"$job"}[$__rate_interval])) by (type)'
                        ),
                        legendFormat="{{ type }}",
                        interval="$resolution",
                        refId="A",
                        exemplar=True,
                    ),
                ],
                unit="short",
                lineInterpolation="smooth",
                lineWidth=2,
                fillOpacity=25,
                gradientMode="opacity",
                showPoints="never",
                tooltipMode="multi",
                tooltipSort="desc",
                thresholds=DEFAULT_THRESHOLDS,
            ),
            TimeSeries(
                title="CoreDNS - Requests by return code",
                gridPos=GridPos(h=8, w=12, x=12, y=19),
                targets=[
                    Target(
                        expr=(
                            'sum(rate(coredns_dns_responses_total{instance=~"$instance", cluster=~"$cluster", '
                            'job=~"$job"}[$__rate_interval])) by (rcode)'
                        ),
                        legendFormat="{{ rcode }}",
                        interval="$resolution",
                        refId="A",
                        exemplar=True,
                    ),
                ],
                unit="short",
                lineInterpolation="smooth",
                lineWidth=2,
                fillOpacity=25,
                gradientMode="opacity",
                showPoints="never",
                tooltipMode="multi",
                tooltipSort="desc",
                thresholds=DEFAULT_THRESHOLDS,
            ),
            TimeSeries(
                title="CoreDNS - Total Forward Requests",
                gridPos=GridPos(h=8, w=12, x=0, y=27),
                targets=[
                    Target(
                        expr=(
                            'sum(rate(coredns_proxy_request_duration_seconds_count{proxy_name="forward", '
                            'cluster=~"$cluster", job=~"$job"}[$__rate_interval]))'
                        ),
                        legendFormat="total forward requests",
                        interval="$resolution",
                        refId="A",
                        exemplar=True,
                    ),
                ],
                unit="short",
                lineInterpolation="smooth",
                lineWidth=2,
                fillOpacity=25,
                gradientMode="opacity",
                showPoints="never",
                tooltipMode="multi",
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={"options": {"legend": {"showLegend": False}}},
            ),
            TimeSeries(
                title="CoreDNS - DNS Errors",
                gridPos=GridPos(h=8, w=12, x=12, y=27),
                targets=[
                    Target(
                        expr=(
                            'sum(rate(coredns_proxy_request_duration_seconds_count{proxy_name="forward", '
                            'rcode=~"SERVFAIL|REFUSED", cluster=~"$cluster", job=~"$job"}[$__rate_interval])) by '
                            '(rcode)'
                        ),
                        legendFormat="{{ rcode }}",
                        interval="$resolution",
                        refId="A",
                        exemplar=True,
                    ),
                ],
                unit="short",
                lineInterpolation="smooth",
                lineWidth=2,
                fillOpacity=25,
                gradientMode="opacity",
                showPoints="never",
                tooltipMode="multi",
                thresholds=DEFAULT_THRESHOLDS,
            ),
            TimeSeries(
                title="CoreDNS - Cache Hits / Misses",
                gridPos=GridPos(h=8, w=12, x=0, y=35),
                targets=[
                    Target(
                        expr=(
                            'sum(rate(coredns_cache_hits_total{instance=~"$instance", cluster=~"$cluster", '
                            'job=~"$job"}[$__rate_interval])) by (type)'
                        ),
                        legendFormat="{{ type }}",
                        interval="$resolution",
                        refId="A",
                        exemplar=True,
                    ),
                    Target(
                        expr=(
                            'sum(rate(coredns_cache_misses_total{instance=~"$instance", cluster=~"$cluster", '
                            'job=~"$job"}[$__rate_interval])) by (type)'
                        ),
                        legendFormat="misses",
                        interval="$resolution",
                        refId="B",
                        exemplar=True,
                    ),
                ],
                unit="short",
                lineInterpolation="smooth",
                lineWidth=2,
                fillOpacity=25,
                gradientMode="opacity",
                showPoints="never",
                tooltipMode="multi",
                tooltipSort="desc",
                thresholds=DEFAULT_THRESHOLDS,
            ),
            TimeSeries(
                title="CoreDNS - Cache Size",
                gridPos=GridPos(h=8, w=12, x=12, y=35),
                targets=[
                    Target(
                        expr='sum(coredns_cache_entries{cluster=~"$cluster", job=~"$job"}) by (type)',
                        legendFormat="{{ type }}",
                        refId="A",
                        exemplar=True,
                    ),
                ],
                unit="bytes",
                lineInterpolation="smooth",
                lineWidth=2,
                fillOpacity=25,
                gradientMode="opacity",
                showPoints="never",
                tooltipMode="multi",
                tooltipSort="desc",
                thresholds=DEFAULT_THRESHOLDS,
            ),
            Heatmap(
                title="CoreDNS - DNS request duration",
                gridPos=GridPos(h=10, w=12, x=0, y=43),
                targets=[
                    Target(
                        expr=(
                            'sum(increase(coredns_dns_request_duration_seconds_bucket{instance=~"$instance", '
                            'cluster=~"$cluster", job=~"$job"}[$__rate_interval])) by (le)'
                        ),
                        legendFormat="{{le}}",
                        refId="A",
                        format="heatmap",
                    ),
                ],
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={
                    "options": {
                        "color": {"mode": "scheme", "scale": "exponential", "scheme": "RdYlBu"},
                        "rowsFrame": {"layout": "auto"},
                        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": "s"},
                    },
                },
            ),
            Heatmap(
                title="CoreDNS - DNS request size",
                gridPos=GridPos(h=10, w=12, x=12, y=43),
                targets=[
                    Target(
                        expr=(
                            'sum(increase(coredns_dns_request_size_bytes_bucket{instance=~"$instance", le!="0", '
                            'cluster=~"$cluster", job=~"$job"}[$__rate_interval])) by (le)'
                        ),
                        legendFormat="{{le}}",
                        refId="A",
                        format="heatmap",
                    ),
                ],
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={
                    "options": {
                        "color": {"mode": "scheme", "scale": "exponential", "scheme": "RdYlBu"},
                        "rowsFrame": {"layout": "auto"},
                        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": "decbytes"},
                    },
                },
            ),
            Heatmap(
                title="CoreDNS - DNS response size",
                gridPos=GridPos(h=10, w=12, x=0, y=53),
                targets=[
                    Target(
                        expr=(
                            'sum(increase(coredns_dns_response_size_bytes_bucket{instance=~"$instance", le!="0", '
                            'cluster=~"$cluster", job=~"$job"}[$__rate_interval])) by (le)'
                        ),
                        legendFormat="{{le}}",
                        refId="A",
                        format="heatmap",
                    ),
                ],
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={
                    "options": {
                        "color": {"mode": "scheme", "scale": "exponential", "scheme": "RdYlBu"},
                        "rowsFrame": {"layout": "auto"},
                        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": "decbytes"},
                    },
                },
            ),
        ],
    ),
]
