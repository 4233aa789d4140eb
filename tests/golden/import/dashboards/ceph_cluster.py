"""Ceph - Cluster: imported from ceph-cluster.json by `mrm-observe import`.

Migrated to the current dashboard model and checked by building it; what could not be carried is
noted in comments beside the panel it concerns."""
from mrm_observe import (
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
    by_name,
)

# Grafana's default thresholds: a panel built without thresholds would get only the green base.
DEFAULT_THRESHOLDS = [Threshold("green", 0, 0.0), Threshold("red", 1, 80.0)]

dashboards = [
    Dashboard(
        title="Ceph - Cluster",
        description="Ceph cluster overview",
        tags=["ceph", "cluster"],
        timezone="",
        refresh="30s",
        time=Time("now-6h", "now"),
        editable=False,
        templating=Templating(
            list=[
                Template(
                    name="interval",
                    query="1m,10m,30m,1h,6h,12h,1d,7d,14d,30d",
                    type="interval",
                    auto=True,
                    autoCount=10,
                    autoMin="1m",
                    label="Interval",
                    refresh=2,
                    default="$__auto_interval_interval",
                    sort=0,
                ),
            ],
        ),
        panels=[
            # maxDataPoints: 100 is not carried
            Stat(
                title="Health Status",
                gridPos=GridPos(h=3, w=6, x=0, y=0),
                targets=[
                    Target(
                        expr="ceph_health_status",
                        interval="$interval",
                        intervalFactor=1,
                        step=60,
                        refId="A",
                        instant=True,
                    ),
                ],
                graphMode="none",
                colorMode="background",
                orientation="horizontal",
                mappings=[
                    {
                        "type": "value",
                        "options": {
                            "0": {"text": "OK", "color": "rgba(50, 128, 45, 0.9)"},
                            "1": {"text": "WARN", "color": "rgba(237, 129, 40, 0.9)"},
                            "2": {"text": "ERR", "color": "rgb(255, 0, 0)"},
                        },
                    },
                ],
                noValue=None,
                reduceCalc="lastNotNull",
                interval="1m",
                hideTimeOverride=True,
                maxDataPoints=100,
                thresholds=[
                    Threshold("rgba(50, 128, 45, 0.9)", 0, 0.0),
                    Threshold("rgba(237, 129, 40, 0.9)", 1, 1.0),
                    Threshold("rgb(255, 0, 0)", 2, 2.0),
                ],
            ),
            # targets: aggregation, alias, crit, decimals, displayAliasType, displayType, displayValueWithAlias, units,
            #   valueHandler, warn are not Prometheus query settings and are not carried
            # colorMode, colors, flipTime, fontFormat: not read by stat panels (not in Grafana's panel schema), not
            #   carried
            Stat(
                title="OSDs",
                gridPos=GridPos(h=3, w=6, x=6, y=0),
                targets=[
                    Target(expr="count(ceph_osd_metadata)", legendFormat="All", intervalFactor=1, refId="A"),
                    Target(expr="sum(ceph_osd_in)", legendFormat="In", intervalFactor=1, refId="B"),
                    Target(expr="sum(ceph_osd_in == bool 0)", legendFormat="Out", intervalFactor=1, refId="C"),
                    Target(expr="sum(ceph_osd_up)", legendFormat="Up", intervalFactor=1, refId="D"),
                    Target(expr="sum(ceph_osd_up == bool 0)", legendFormat="Down", intervalFactor=1, refId="E"),
                ],
                graphMode="none",
                colorMode="background",
                noValue=None,
                reduceCalc="lastNotNull",
                thresholds=DEFAULT_THRESHOLDS,
            ),
            # targets: aggregation, alias, crit, decimals, displayAliasType, displayType, displayValueWithAlias, units,
            #   valueHandler, warn are not Prometheus query settings and are not carried
            # colorMode, colors, cornerRadius, flipTime, fontFormat: not read by stat panels (not in Grafana's panel
            #   schema), not carried
            Stat(
                title="Monitors",
                gridPos=GridPos(h=3, w=6, x=12, y=0),
                targets=[
                    Target(expr="sum(ceph_mon_quorum_status)", legendFormat="In Quorum", intervalFactor=1, refId="A"),
                    Target(expr="count(ceph_mon_quorum_status)", legendFormat="Total", intervalFactor=1, refId="B"),
                    Target(
                        expr="count(ceph_mon_quorum_status) / sum(ceph_mon_quorum_status)",
                        legendFormat="MONs out of Quorum",
                        intervalFactor=1,
                        refId="C",
                    ),
                ],
                graphMode="none",
                colorMode="background",
                noValue=None,
                reduceCalc="lastNotNull",
                thresholds=DEFAULT_THRESHOLDS,
            ),
            # targets: aggregation, alias, decimals, displayAliasType, displayType, displayValueWithAlias, units,
            #   valueHandler are not Prometheus query settings and are not carried
            # colorMode, colors, cornerRadius, flipTime, fontFormat: not read by stat panels (not in Grafana's panel
            #   schema), not carried
            Stat(
                title="MGRs",
                gridPos=GridPos(h=3, w=6, x=18, y=0),
                targets=[
                    Target(
                        expr="count(ceph_mgr_status == 1) or vector(0)",
                        legendFormat="Active",
                        intervalFactor=1,
                        refId="A",
                        instant=True,
                    ),
                    Target(
                        expr="count(ceph_mgr_status == 0) or vector(0)",
                        legendFormat="Standby",
                        intervalFactor=1,
                        refId="B",
                        instant=True,
                    ),
                ],
                graphMode="none",
                colorMode="background",
                noValue=None,
                reduceCalc="lastNotNull",
                thresholds=DEFAULT_THRESHOLDS,
            ),
            # singlestat shown as a gauge: migrated to a stat (as Grafana does); its min and max are kept
            # maxDataPoints: 100 is not carried
            Stat(
                title="Capacity used",
                gridPos=GridPos(h=6, w=6, x=0, y=6),
                targets=[
                    Target(
                        expr="sum(ceph_osd_stat_bytes_used)/sum(ceph_osd_stat_bytes)",
                        legendFormat="Used",
                        intervalFactor=1,
                        refId="A",
                    ),
                ],
                format="percentunit",
                decimals=2,
                colorMode="none",
                orientation="horizontal",
                mappings=[{"type": "special", "options": {"match": "null", "result": {"text": "N/A"}}}],
                noValue=None,
                reduceCalc="lastNotNull",
                maxDataPoints=100,
                thresholds=[
                    Threshold("#299c46", 0, 0.0),
                    Threshold("rgba(237, 129, 40, 0.89)", 1, 0.7),
                    Threshold("#d44a3a", 2, 0.8),
                ],
                extraJson={
                    "fieldConfig": {
                        "defaults": {"color": {"mode": "fixed", "fixedColor": "rgb(31, 120, 193)"}, "min": 0, "max": 1},
                    },
                },
            ),
            TimeSeries(
                title="PG States",
                gridPos=GridPos(h=6, w=9, x=6, y=6),
                targets=[
                    Target(expr="sum(ceph_pg_total)", legendFormat="Total", intervalFactor=1, refId="A"),
                    Target(expr="sum(ceph_pg_active)", legendFormat="Active", intervalFactor=1, refId="B"),
                    Target(
                        expr="sum(ceph_pg_total - ceph_pg_active)",
                        legendFormat="Inactive",
                        intervalFactor=1,
                        refId="G",
                    ),
                    Target(expr="sum(ceph_pg_undersized)", legendFormat="Undersized", intervalFactor=1, refId="F"),
                    Target(expr="sum(ceph_pg_degraded)", legendFormat="Degraded", intervalFactor=1, refId="C"),
                    Target(expr="sum(ceph_pg_inconsistent)", legendFormat="Inconsistent", intervalFactor=1, refId="D"),
                    Target(expr="sum(ceph_pg_down)", legendFormat="Down", intervalFactor=1, refId="E"),
                ],
                unit="short",
                valueMin=0,
                showPoints="never",
                tooltipMode="multi",
                overrides=[
                    {
                        "matcher": {"id": "byName", "options": "Active"},
                        "properties": [
                            {"id": "color", "value": {"fixedColor": "#508642", "mode": "fixed"}},
                            {"id": "custom.fillOpacity", "value": 10},
                            {"id": "custom.stacking", "value": {"mode": "normal", "group": "A"}},
                        ],
                    },
                    by_name("Total", colour="#f9e2d2"),
                    by_name("Degraded", colour="#eab839"),
                    by_name("Undersized", colour="#f9934e"),
                    by_name("Inconsistent", colour="#e24d42"),
                    by_name("Down", colour="#bf1b00"),
                    {
                        "matcher": {"id": "byName", "options": "Inactive"},
                        "properties": [
                            {"id": "color", "value": {"fixedColor": "#bf1b00", "mode": "fixed"}},
                            {"id": "custom.fillOpacity", "value": 40},
                            {"id": "custom.lineWidth", "value": 0},
                            {"id": "custom.stacking", "value": {"mode": "normal", "group": "A"}},
                        ],
                    },
                ],
                thresholds=DEFAULT_THRESHOLDS,
            ),
            TimeSeries(
                title="OSD Latencies",
                gridPos=GridPos(h=6, w=9, x=15, y=6),
                targets=[
                    Target(
                        expr="quantile(0.95, ceph_osd_apply_latency_ms)",
                        legendFormat="Apply Latency P_95",
                        intervalFactor=1,
                        refId="A",
                    ),
                    Target(
                        expr="quantile(0.95, ceph_osd_commit_latency_ms)",
                        legendFormat="Commit Latency P_95",
                        intervalFactor=1,
                        refId="B",
                    ),
                    Target(
                        expr="avg(ceph_osd_apply_latency_ms)",
                        legendFormat="Avg Apply Latency",
                        intervalFactor=1,
                        refId="C",
                    ),
                    Target(
                        expr="avg(ceph_osd_commit_latency_ms)",
                        legendFormat="Avg Commit Latency",
                        intervalFactor=1,
                        refId="D",
                    ),
                ],
                unit="ms",
                showPoints="never",
                tooltipMode="multi",
                overrides=[by_name("Avg Apply Latency", colour="#7eb26d")],
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={"options": {"legend": {"showLegend": False}}},
            ),
            TimeSeries(
                title="Cluster I/O",
                gridPos=GridPos(h=9, w=12, x=0, y=9),
                targets=[
                    Target(
                        expr="sum(irate(ceph_osd_op_w_in_bytes[1m]))",
                        legendFormat="Writes",
                        intervalFactor=1,
                        refId="A",
                    ),
                    Target(
                        expr="sum(irate(ceph_osd_op_r_out_bytes[1m]))",
                        legendFormat="Reads",
                        intervalFactor=1,
                        refId="B",
                    ),
                ],
                unit="Bps",
                fillOpacity=10,
                showPoints="never",
                axisLabel="Read (-) / Write (+)",
                tooltipMode="multi",
                overrides=[by_name("Reads", negative_y=True)],
                thresholds=DEFAULT_THRESHOLDS,
            ),
            TimeSeries(
                title="In-/Egress",
                gridPos=GridPos(h=9, w=12, x=12, y=9),
                targets=[Target(expr="sum(deriv(ceph_pool_stored[1m]))", intervalFactor=1, refId="A")],
                unit="Bps",
                fillOpacity=10,
                showPoints="never",
                axisLabel=" Egress (-) / Ingress (+)",
                tooltipMode="multi",
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={"options": {"legend": {"showLegend": False}}},
            ),
            Heatmap(
                title="OSD Capacity Utilization",
                gridPos=GridPos(h=9, w=6, x=0, y=15),
                targets=[
                    Target(
                        expr="ceph_osd_stat_bytes_used / ceph_osd_stat_bytes",
                        legendFormat="Util (%)",
                        interval="1m",
                        intervalFactor=1,
                        step=60,
                        refId="A",
                    ),
                ],
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={
                    "options": {
                        "calculate": True,
                        "calculation": {},
                        "color": {"scheme": "Blues", "fill": "rgb(0, 254, 255)", "steps": 128, "mode": "scheme"},
                        "cellGap": 2,
                        "cellRadius": 1,
                        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": "percentunit", "decimals": 2},
                        "cellValues": {},
                        "rowsFrame": {"layout": "auto"},
                        "showValue": "never",
                        "tooltip": {"show": True},
                    },
                },
            ),
            Heatmap(
                title="PGs per OSD",
                gridPos=GridPos(h=9, w=6, x=6, y=15),
                targets=[Target(expr="ceph_osd_numpg", legendFormat="#PGs", intervalFactor=1, refId="A")],
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={
                    "options": {
                        "calculate": True,
                        "calculation": {},
                        "color": {"scheme": "Blues", "fill": "#b4ff00", "steps": 128, "mode": "scheme"},
                        "cellGap": 2,
                        "cellRadius": 1,
                        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": "none"},
                        "cellValues": {},
                        "rowsFrame": {"layout": "auto"},
                        "showValue": "never",
                        "tooltip": {"show": True},
                    },
                },
            ),
            TimeSeries(
                title="Recovery Rate",
                gridPos=GridPos(h=9, w=12, x=12, y=15),
                targets=[
                    Target(
                        expr="sum(irate(ceph_osd_recovery_ops[1m]))",
                        legendFormat="Op/s",
                        intervalFactor=1,
                        refId="A",
                    ),
                ],
                unit="ops",
                showPoints="never",
                axisLabel="Recovery Ops/s",
                tooltipMode="multi",
                thresholds=DEFAULT_THRESHOLDS,
                extraJson={"options": {"legend": {"showLegend": False}}},
            ),
        ],
    ),
]
