"""The panel types Grafana knows: its own panels, the retired Angular ones and how plugin panels are named."""
from __future__ import annotations

import difflib
import re

CORE_PANELS = frozenset({
    "alertGroups", "alertlist", "annolist", "barchart", "bargauge", "candlestick", "canvas", "dashlist", "datagrid",
    "flamegraph", "gauge", "geomap", "gettingstarted", "heatmap", "histogram", "logs", "news", "nodeGraph",
    "piechart", "row", "stat", "state-timeline", "status-history", "table", "text", "timeseries", "traces", "trend",
    "welcome", "xychart",
})
"""Panel plugins built into Grafana 10.4 to 12 (ids as they appear in a panel's `type`)."""

ANGULAR_PANELS = {
    "graph": "timeseries", "singlestat": "stat", "grafana-singlestat-panel": "stat", "table-old": "table",
    "grafana-piechart-panel": "piechart", "grafana-worldmap-panel": "geomap",
}
"""Retired Angular panels and the panel Grafana migrates each to when it loads a dashboard."""

ANGULAR_HEATMAP_KEYS = frozenset({
    "cards", "color", "dataFormat", "heatmap", "hideZeroBuckets", "highlightCards", "legend", "reverseYBuckets",
    "tooltip", "xAxis", "xBucketNumber", "xBucketSize", "yAxis", "yBucketBound", "yBucketNumber", "yBucketSize",
})
"""A heatmap panel's keys from the Angular heatmap (grafanalib writes them; Grafana 9+ migrates them into the
current heatmap's options once and then keeps them, unused)."""

PLUGIN_PANEL = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*-panel$")
"""Panel plugins from the catalogue are named `<org>-<name>-panel` (grafana-clock-panel, volkovlabs-echarts-panel)."""


def panel_type_problem(panel_type: object) -> str | None:
    """Why Grafana would not draw a panel of this type as written, or None when it would."""
    if not isinstance(panel_type, str) or not panel_type:
        return None  # the schema reports a missing or non-string type
    if panel_type in ANGULAR_PANELS:
        return (f"{panel_type!r} is a retired Angular panel (Grafana replaces it with "
                f"{ANGULAR_PANELS[panel_type]!r} when it loads the dashboard): write a {ANGULAR_PANELS[panel_type]!r} panel")
    if panel_type in CORE_PANELS or PLUGIN_PANEL.match(panel_type):
        return None
    close = difflib.get_close_matches(panel_type, sorted(CORE_PANELS), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else "use one of Grafana's panels or a plugin id '<org>-<name>-panel'"
    return f"unknown panel type {panel_type!r}: {hint}"
