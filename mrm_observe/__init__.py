"""mrm-observe: monitoring as code. What definition modules import."""
from grafanalib.core import Dashboard, GridPos, RowPanel, Stat, Target, Template, Templating, Threshold, Time, TimeSeries

from .model.rules import AlertRule, RecordingRule, RuleGroup
from .model.slo import SLO, AlertTier, Alerting, ErrorRatioSLI, LatencySLI, RawSLI
from .model.windows import BurnWindow, WindowTable
from .panels import (error_ratio, latency_quantiles, red_panels, request_rate, row, saturation, stat_kpi, timeseries,
                     utilisation)

__all__ = [
    "AlertRule", "AlertTier", "Alerting", "BurnWindow", "ErrorRatioSLI", "LatencySLI", "RawSLI", "SLO",
    "WindowTable", "Dashboard", "GridPos", "RecordingRule", "RowPanel", "RuleGroup", "Stat", "Target", "Template",
    "Templating", "Threshold", "Time", "TimeSeries", "error_ratio", "latency_quantiles", "red_panels",
    "request_rate", "row", "saturation", "stat_kpi", "timeseries", "utilisation",
]
