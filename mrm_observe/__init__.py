"""mrm-observe: monitoring as code. What definition modules import.

Names load on first use (PEP 562), so a command that needs only the SLO models (`report`, `gate`) or nothing of
them (`--help`) does not import grafanalib and the panel factories.
"""
from __future__ import annotations

import importlib
from typing import Any

_SOURCES = {
    "grafanalib.core": ("Annotations", "BarGauge", "Dashboard", "DashboardLink", "DataLink", "GaugePanel", "GridPos",
                        "Heatmap", "Histogram", "Logs", "PieChartv2", "Repeat", "RowPanel", "Stat", "StateTimeline",
                        "Table", "Template", "Templating", "Text", "Threshold", "Time", "TimeSeries"),
    ".targets": ("Target",),
    ".annotations": ("firing_alerts", "prometheus_annotation"),
    ".field_config": ("by_name", "by_query", "by_regex", "data_link", "range_map", "thresholds", "transformation",
                      "value_map"),
    ".model.rules": ("AlertRule", "RecordingRule", "RuleGroup"),
    ".model.routing": ("Alertmanager", "Authorization", "BasicAuth", "EmailConfig", "Env", "Global", "HTTPConfig",
                       "InhibitRule", "OpsGenieConfig", "OpsGenieResponder", "PagerDutyConfig", "Receiver", "Route",
                       "SlackConfig", "TLSConfig", "TimeInterval", "TimePeriod", "WebhookConfig"),
    ".model.slo": ("SLO", "AlertTier", "Alerting", "ErrorRatioSLI", "LatencySLI", "RawSLI"),
    ".model.windows": ("BurnWindow", "WindowTable"),
    ".panels": ("Column", "bar_gauge", "error_ratio", "gauge", "latency_heatmap", "latency_quantiles", "pie",
                "ranked_table", "red_panels", "request_rate", "row", "saturation", "stat_kpi", "state_timeline",
                "timeseries", "utilisation"),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'mrm_observe' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
