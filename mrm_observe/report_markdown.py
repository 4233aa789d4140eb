"""The SLO report as Markdown (a table for a PR, a chat channel or a weekly review), and the ordering and number
formats the HTML writer shares. Input: the report document of docs/report.md."""
from __future__ import annotations

from typing import Any

STATUS_MARKER = {"ok": "OK", "warning": "WARNING", "breached": "BREACHED", "no-data": "NO DATA"}
"""Plain-text status markers (no emoji, so the table reads the same in every chat and terminal)."""


def worst_first(slos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SLOs sorted by remaining error budget, least first; SLOs without data (remaining unknown) come last,
    ties by id."""
    def key(slo: dict[str, Any]) -> tuple[bool, float, str]:
        remaining = (slo.get("error_budget") or {}).get("remaining_fraction")
        return remaining is None, remaining if remaining is not None else 0.0, slo_id(slo)
    return sorted(slos, key=key)


def slo_id(slo: dict[str, Any]) -> str:
    """The SLO's id, or service-slo when the document has none."""
    return str(slo.get("id") or f"{slo.get('service')}-{slo.get('slo')}")


def status_marker(status: str | None) -> str:
    """BREACHED, WARNING, OK or NO DATA (an unknown status is shown upper-cased)."""
    return STATUS_MARKER.get(status or "no-data", str(status).upper())


def percent(value: float | None, digits: int = 1) -> str:
    """0.34 -> '34.0%'; None -> 'n/a'."""
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def objective(value: float | None) -> str:
    """The objective as the document gives it (already a percentage): 99.9 -> '99.9%'."""
    return "n/a" if value is None else f"{value:g}%"


def sli(value: float | None) -> str:
    """The SLI (fraction of good events) as a percentage with three decimals: 0.99966 -> '99.966%'."""
    return percent(value, 3)


def minutes(value: float | None) -> str:
    """28512.0 -> '28,512 min'."""
    return "n/a" if value is None else f"{value:,.0f} min"


def burn(value: float | None) -> str:
    """A burn rate as a multiple of the sustainable rate: 0.3 -> '0.30x'."""
    return "n/a" if value is None else f"{value:.2f}x"


def count(value: float | None) -> str:
    """An event count: 123456.0 -> '123,456'."""
    return "n/a" if value is None else f"{value:,.0f}"


def forecast(slo: dict[str, Any], window: str) -> str:
    """When the budget runs out at the window's burn rate, 'not at this rate', or 'n/a' without data."""
    when = (slo.get("exhaustion_forecast") or {}).get(window)
    if when:
        return str(when)
    return "n/a" if slo.get("status") == "no-data" else "not at this rate"


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, angle brackets as entities (so a name never becomes
    HTML where Markdown allows it), line breaks folded."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


COLUMNS = ("Status", "SLO", "Objective", "SLI", "Budget consumed", "Budget remaining", "Remaining",
           "Burn 1h", "Burn 1d", "Budget exhausted (1h rate)", "Problems")


def render_markdown(document: dict[str, Any]) -> str:
    """The report as a Markdown heading line and one table row per SLO, worst first."""
    lines = [f"**SLO report** at {cell(str(document.get('at')))} "
             f"(source: {cell(str(document.get('source', 'raw')))}, "
             f"Prometheus: `{cell(str(document.get('prometheus'))).replace('`', '')}`)", "",
             "| " + " | ".join(COLUMNS) + " |",
             "|" + "|".join("---" if i < 2 else "--:" if i < 9 else "---" for i in range(len(COLUMNS))) + "|"]
    for slo in worst_first(list(document.get("slos") or [])):
        budget = slo.get("error_budget") or {}
        rates = slo.get("burn_rates") or {}
        marker = status_marker(slo.get("status"))
        row = [f"**{marker}**" if slo.get("status") == "breached" else marker,
               f"{slo.get('service')} / {slo.get('slo')}", objective(slo.get("objective")), sli(slo.get("sli")),
               percent(budget.get("consumed_fraction")), percent(budget.get("remaining_fraction")),
               minutes(budget.get("remaining_minutes")), burn(rates.get("1h")), burn(rates.get("1d")),
               forecast(slo, "1h"), "; ".join(str(p) for p in slo.get("problems") or []) or "none"]
        lines.append("| " + " | ".join(cell(c) for c in row) + " |")
    if not document.get("slos"):
        lines.append("| " + " | ".join(["", "no SLOs selected"] + [""] * (len(COLUMNS) - 2)) + " |")
    return "\n".join(lines) + "\n"
