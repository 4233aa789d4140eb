"""Dashboard annotations from Prometheus: events drawn on every time series panel of a dashboard."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .conventions import DATASOURCE_REF


def prometheus_annotation(name: str, expr: str, colour: str, title: str = "", text: str = "",
                          tags: Sequence[str] = (), step: str = "60s") -> dict[str, Any]:
    """An annotation for every step where `expr` returns a series; title, text and tags come from its labels
    (`{{alertname}}`, a list of label names for tags)."""
    annotation: dict[str, Any] = {"datasource": dict(DATASOURCE_REF), "enable": True, "expr": expr, "hide": False,
                                  "iconColor": colour, "name": name, "step": step, "useValueForTime": False}
    for key, value in (("titleFormat", title), ("textFormat", text), ("tagKeys", ",".join(tags))):
        if value:
            annotation[key] = value
    return annotation


def firing_alerts(severity: str = "critical", colour: str = "red") -> dict[str, Any]:
    """Alerts of one severity while they fire (Prometheus' ALERTS series), named by alert."""
    return prometheus_annotation(f"{severity.capitalize()} alerts",
                                 f'ALERTS{{alertstate="firing", severity="{severity}"}}', colour,
                                 title="{{alertname}}", text="{{alertname}} is firing", tags=("alertname", "severity"))
