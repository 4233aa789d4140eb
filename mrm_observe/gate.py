"""The deploy gate: after a rollout at T, did any SLO burn its budget faster than allowed, or did any of the
project's alerts fire? Pure: `gate_plan` says what to ask, `verdict` judges the answers."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from .compile.slo import at as with_window
from .compile.slo import event_queries
from .model.slo import SLO, RawSLI
from .durations import iso
from .slo_math import burn_rate_factor, error_budget

ALERTS_QUERY = 'max by (alertname, severity) (max_over_time(ALERTS{{alertstate="firing"}}[{window}]))'
"""Every alert that was firing at some point in the window (Prometheus writes ALERTS for each firing alert)."""


def default_limit(slo: SLO) -> float:
    """The ticket tier's lowest burn factor: above it, the budget would not last the period (1x for 30d)."""
    factors = [burn_rate_factor(w, slo.period) for w in slo.table.windows if w.tier == "ticket"]
    return min(factors) if factors else 1.0


def gate_plan(slo: SLO, window: str) -> dict[str, str]:
    """The queries one SLO's verdict needs: bad and total events per second over the window (a raw SLI: its ratio)."""
    if isinstance(slo.sli, RawSLI):
        return {"ratio": with_window(slo.sli.error_ratio, window)}
    bad, total = event_queries(slo.sli, window)
    return {"bad": bad, "total": total}


def slo_check(slo: SLO, answers: Mapping[str, float | None], limit: float | None) -> dict:
    """One SLO's burn rate since the deploy against its limit; no traffic passes with a note."""
    budget, allowed = error_budget(slo.objective), limit if limit is not None else default_limit(slo)
    if "ratio" in answers:
        ratio = answers["ratio"]
    else:
        total = answers.get("total")
        ratio = None if total is None or total != total or total <= 0 else (answers.get("bad") or 0.0) / total
    burn = None if ratio is None or ratio != ratio else max(0.0, ratio) / budget
    return {"id": slo.id, "burn_rate": burn, "limit": allowed,
            "passed": burn is None or burn <= allowed,
            "note": "no traffic since the deploy: nothing to judge" if burn is None else ""}


def verdict(checks: list[dict], fired: Iterable[Mapping[str, str]], alert_names: set[str], since: datetime,
            until: datetime) -> dict:
    """The gate's document: every SLO check, the project's alerts that fired, and each reason for failing."""
    alerts = sorted({(a.get("alertname", ""), a.get("severity", "")) for a in fired
                     if a.get("alertname") in alert_names})
    reasons = [f"SLO {c['id']} burned {c['burn_rate']:.2f}x its budget since the deploy (limit {c['limit']:g}x)"
               for c in checks if not c["passed"]]
    reasons += [f"alert {name} ({severity or 'no severity'}) fired since the deploy" for name, severity in alerts]
    return {"since": iso(since), "until": iso(until), "passed": not reasons, "reasons": reasons, "slos": checks,
            "alerts_fired": [{"alertname": n, "severity": s} for n, s in alerts]}
