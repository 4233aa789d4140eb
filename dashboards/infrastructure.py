"""Infrastructure under the MRM platform: nodes, pods, the API autoscaler, PostgreSQL, Redis and ClickHouse.

Metrics: node-exporter (node_*), cAdvisor (container_*), kube-state-metrics v2 (kube_*),
postgres_exporter (pg_*), redis_exporter (redis_*), ClickHouse's Prometheus endpoint (ClickHouse*).
"""
from mrm_observe import (bar_gauge, by_query, gauge, row, stat_kpi, state_timeline, timeseries, utilisation,
                         value_map)

from ._common import RATE, platform_dashboard, variable

folder = "MRM Platform"

NODE = 'instance=~"$instance"'
POD = 'namespace=~"$namespace", container!="", container!="POD"'
NS = 'namespace=~"$namespace"'
NIC = 'device!~"lo|veth.*|cali.*|flannel.*|cni.*"'


def _nodes() -> list:
    return [
        row("Nodes"),
        utilisation(
            "Node CPU utilisation",
            f'1 - avg by (instance) (rate(node_cpu_seconds_total{{{NODE}, mode="idle"}}[{RATE}]))',
            legend="{{instance}}", description="Busy share of all CPUs of each node (1 - idle).",
            thresholds=(0.8, 0.9), legend_table=True),
        utilisation(
            "Node memory utilisation",
            f"1 - node_memory_MemAvailable_bytes{{{NODE}}} / node_memory_MemTotal_bytes{{{NODE}}}",
            legend="{{instance}}",
            description="Share of each node's memory not available to new work (1 - MemAvailable / MemTotal).",
            thresholds=(0.8, 0.9), legend_table=True),
        timeseries("Disk I/O", [
            f"sum by (instance) (rate(node_disk_read_bytes_total{{{NODE}}}[{RATE}]))",
            f"sum by (instance) (rate(node_disk_written_bytes_total{{{NODE}}}[{RATE}]))",
        ], unit="Bps", legend="{{instance}}", overrides=[by_query("B", negative_y=True)],
            description="Bytes read per second (above zero) and written per second (drawn below zero, shown "
                        "positive in the tooltip), all disks of a node."),
        timeseries("Network I/O", [
            f"sum by (instance) (rate(node_network_receive_bytes_total{{{NODE}, {NIC}}}[{RATE}]))",
            f"sum by (instance) (rate(node_network_transmit_bytes_total{{{NODE}, {NIC}}}[{RATE}]))",
        ], unit="Bps", legend="{{instance}}", overrides=[by_query("B", negative_y=True)],
            description="Bytes received (above zero) and sent (drawn below zero, shown positive in the tooltip) "
                        "per second on physical interfaces."),
    ]


def _pods() -> list:
    return [
        row("Pods"),
        timeseries(
            "Pod CPU usage", f"sum by (pod) (rate(container_cpu_usage_seconds_total{{{POD}}}[{RATE}]))",
            unit="short", legend="{{pod}}", description="CPU cores used per pod (cAdvisor).", legend_table=True),
        timeseries(
            "Pod memory working set", f"sum by (pod) (container_memory_working_set_bytes{{{POD}}})",
            unit="bytes", legend="{{pod}}", legend_table=True,
            description="Working set per pod (cAdvisor): what the OOM killer compares with the limit."),
        timeseries(
            "Pod restarts (1h)", f"sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{{{NS}}}[1h]))",
            legend="{{namespace}}/{{pod}}", legend_table=True,
            description="Container restarts per pod over the past hour. PodCrashLooping fires on CrashLoopBackOff."),
        timeseries("HPA replicas vs min / max", [
            f"max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas{{{NS}}})",
            f"max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_desired_replicas{{{NS}}})",
            f"max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_min_replicas{{{NS}}})",
            f"max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas{{{NS}}})",
        ], legend="{{horizontalpodautoscaler}}",
            description="Current and desired replicas (A, B) between the autoscaler's min and max (C, D): "
                        "the API runs 5-20 pods. HpaAtMaxReplicas fires after 15 minutes at max."),
        state_timeline(
            "Pod restart timeline",
            f"sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{{{NS}}}[{RATE}])) > bool 0",
            legend="{{namespace}}/{{pod}}", mappings=[value_map({0: ("running", "green"), 1: ("restarted", "red")})],
            description="When each pod's containers restarted: red where a restart happened within the step. "
                        "Pods that restart in step with each other point at a node or a dependency."),
    ]


def _postgres() -> list:
    return [
        row("PostgreSQL"),
        stat_kpi("PostgreSQL instances up", "sum(pg_up)", "short",
                 description="Instances whose exporter can reach PostgreSQL."),
        stat_kpi("Max replication lag", "max(pg_replication_lag_seconds)", "s", warn=300, crit=600,
                 description="Worst replica lag. The RPO is 15 minutes; alerts fire at 5 (warning) and 10 minutes "
                             "(critical)."),
        stat_kpi("WAL archive age (primary)", "min(pg_stat_archiver_last_archive_age and on (instance) "
                 "pg_replication_is_replica == 0)", "s", warn=300, crit=600,
                 description="Seconds since the primary last archived a WAL segment."),
        gauge("Connections used", "max(sum by (instance) (pg_stat_activity_count) / "
              "max by (instance) (pg_settings_max_connections))", warn=0.8, crit=0.9, height=4,
              description="Busiest instance's share of max_connections."),
        timeseries("PostgreSQL connections by state", "sum by (instance, state) (pg_stat_activity_count)",
                   legend="{{instance}} {{state}}", stacked=True,
                   description="Backends per state (active, idle, idle in transaction...) per instance."),
        timeseries(
            "PostgreSQL replication lag", "max by (instance) (pg_replication_lag_seconds)", unit="s",
            legend="{{instance}}", thresholds=(300, 600),
            description="How far each replica's replay is behind the primary (0 when fully caught up)."),
    ]


def _redis() -> list:
    return [
        row("Redis"),
        timeseries("Redis memory used vs max", [
            "sum by (instance) (redis_memory_used_bytes)",
            "sum by (instance) (redis_memory_max_bytes)",
        ], unit="bytes", legend="{{instance}}",
            description="Used memory (A) against maxmemory (B; 0 means no limit). RedisMemoryNearLimit fires at 90%."),
        timeseries("Redis evictions", f"sum by (instance) (rate(redis_evicted_keys_total[{RATE}]))",
                   unit="short", legend="{{instance}}",
                   description="Keys evicted per second. Bull stores jobs in Redis: evictions there lose jobs."),
        bar_gauge("Redis memory used of max", "sum by (instance) (redis_memory_used_bytes) / "
                  "sum by (instance) (redis_memory_max_bytes > 0)", legend="{{instance}}", warn=0.8, crit=0.9,
                  width=24, height=5,
                  description="Each instance's used memory as a share of its maxmemory (instances without a limit "
                              "are left out). RedisMemoryNearLimit fires at 90%."),
    ]


def _clickhouse() -> list:
    return [
        row("ClickHouse"),
        stat_kpi("ClickHouse up", 'sum(up{job="clickhouse"})', "short",
                 description="ClickHouse servers Prometheus can scrape.", width=4, height=8),
        timeseries("ClickHouse queries per second", [
            f"sum by (instance) (rate(ClickHouseProfileEvents_Query[{RATE}]))",
            f"sum by (instance) (rate(ClickHouseProfileEvents_FailedQuery[{RATE}]))",
        ], unit="qps", legend="{{instance}}", width=10,
            description="Queries started (A) and failed (B) per second."),
        timeseries("ClickHouse running queries", "sum by (instance) (ClickHouseMetrics_Query)",
                   legend="{{instance}}", width=10, description="Queries executing right now."),
    ]


dashboards = [
    platform_dashboard(
        "MRM / Infrastructure",
        "CPU and memory of nodes and pods, disk and network I/O, pod restarts, the API autoscaler, "
        "and the health of PostgreSQL, Redis and ClickHouse.",
        [*_nodes(), *_pods(), *_postgres(), *_redis(), *_clickhouse()],
        variables=[
            variable("instance", "label_values(node_uname_info, instance)", "Node"),
            variable("namespace", "label_values(kube_pod_info, namespace)", "Namespace"),
        ],
        tags=["infrastructure"],
    )
]
