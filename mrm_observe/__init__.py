"""mrm-observe: monitoring as code. What definition modules import.

Names load on first use (PEP 562), so a command that needs only the SLO models (`report`, `gate`) or nothing of
them (`--help`) does not import grafanalib and the panel factories.
"""
from __future__ import annotations

import importlib
from typing import Any

_SOURCES = {
    "grafanalib.core": ("Dashboard", "GridPos", "RowPanel", "Stat", "Template", "Templating", "Threshold", "Time",
                        "TimeSeries"),
    ".targets": ("Target",),
    ".model.rules": ("AlertRule", "RecordingRule", "RuleGroup"),
    ".model.slo": ("SLO", "AlertTier", "Alerting", "ErrorRatioSLI", "LatencySLI", "RawSLI"),
    ".model.windows": ("BurnWindow", "WindowTable"),
    ".panels": ("error_ratio", "latency_quantiles", "red_panels", "request_rate", "row", "saturation", "stat_kpi",
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
