"""Runbook links and the alert shape every platform alert shares.

Runbooks live in docs/runbooks.md, one `## AlertName` section per alert; GitHub turns that heading
into the anchor `#alertname` (lower case), which is what `runbook_url` points at.
"""
from __future__ import annotations

from mrm_observe import AlertRule

RUNBOOK_BASE = "https://github.com/mrm-ai/mrm-observe/blob/main/docs/runbooks.md"


def runbook_url(alert: str) -> str:
    """Link to the alert's section in docs/runbooks.md."""
    return f"{RUNBOOK_BASE}#{alert.lower()}"


def alert(name: str, expr: str, for_: str, severity: str, summary: str, description: str, **extra) -> AlertRule:
    """An alerting rule with the runbook link derived from its name."""
    return AlertRule(alert=name, expr=expr, for_=for_, severity=severity, summary=summary,
                     description=description, runbook_url=runbook_url(name), **extra)
