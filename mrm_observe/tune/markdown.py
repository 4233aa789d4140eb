"""The tune document as Markdown (a pull request, a chat channel, an on-call review): a summary table, then per
alert its recommendation and what-if table; and the titles and number formats the HTML writer shares."""
from __future__ import annotations

from typing import Any

from ..durations import duration_text
from ..report_markdown import cell, percent


def title(alert: dict[str, Any]) -> str:
    """`HighErrorRate (mrm-api)`, or for an SLO alert `ApiAvailabilityBurnRate (page 5m/1h)`."""
    slo = alert.get("slo")
    if slo:
        return f"{alert.get('alert')} ({slo.get('tier')} {slo.get('short_window')}/{slo.get('long_window')})"
    return f"{alert.get('alert')} ({alert.get('group')})"


def seconds(value: float | None) -> str:
    """A duration in seconds as Prometheus writes it (`1h30m`); `0s`; `n/a` when unknown."""
    return "n/a" if value is None else duration_text(value)


def number(value: float | None) -> str:
    """A threshold or factor as written (`0.05`, `14.4`); `n/a` when there is none."""
    return "n/a" if value is None else f"{value:g}"


def bands(alert: dict[str, Any]) -> str:
    """Episodes by hour band: `business / evening / night`."""
    counts = alert.get("by_hour_band") or {}
    return " / ".join(str(counts.get(band, 0)) for band in ("business", "evening", "night"))


def quality(alert: dict[str, Any], key: str) -> str:
    """Precision or recall as a percentage; `n/a` without incidents (or without episodes, for precision)."""
    return percent((alert.get("incidents") or {}).get(key))


def is_own(alert: dict[str, Any], row: dict[str, Any]) -> bool:
    """Whether a what-if row holds the rule's own settings."""
    slo = alert.get("slo")
    same = row.get("for") == alert.get("for") and row.get("keep_firing_for") == alert.get("keep_firing_for")
    if slo:
        return same and all(row.get(k) == slo.get(k) for k in ("factor", "short_window", "long_window"))
    return same and row.get("threshold") == alert.get("threshold")


def whatif_columns(alert: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The what-if table's header and rows as text (an SLO alert's with its windows, factor and detection)."""
    slo = alert.get("slo")
    head = ["", "Windows", "Factor"] if slo else ["", "Threshold"]
    head += ["For", "Keep firing for", "Episodes", "Firing", "Precision", "Recall"]
    if slo:
        head += ["Full outage pages after", "Budget spent by then"]
    rows = []
    for row in alert.get("whatif") or []:
        cells = ["rule" if is_own(alert, row) else ""]
        cells += [f"{row.get('short_window')}/{row.get('long_window')}", number(row.get("factor"))] if slo else \
            [number(row.get("threshold"))]
        cells += [str(row.get("for")), str(row.get("keep_firing_for")), str(row.get("episode_count")),
                  seconds(row.get("firing_seconds")), percent(row.get("precision")), percent(row.get("recall"))]
        if slo:
            cells += [seconds(row.get("detection_seconds")), percent(row.get("budget_spent_at_detection"), 2)]
        rows.append(cells)
    return head, rows


SUMMARY = ("Alert", "For", "Episodes", "Firing", "Median", "p90", "Short", "Flaps", "Business / evening / night",
           "Precision", "Recall")


def summary_cells(alert: dict[str, Any]) -> list[str]:
    return [title(alert), str(alert.get("for")), str(alert.get("episode_count")), seconds(alert.get("firing_seconds")),
            seconds(alert.get("median_duration_seconds")), seconds(alert.get("p90_duration_seconds")),
            str(alert.get("short_episodes")), str(alert.get("flaps")), bands(alert), quality(alert, "precision"),
            quality(alert, "recall")]


def heading(document: dict[str, Any]) -> str:
    """`2026-10-01T00:00:00Z to 2026-11-01T00:00:00Z, every 1m, 3 alerts, 2 incidents`."""
    span = document.get("range") or {}
    step = f", every {span['step']}" if span.get("step") else ""
    incidents = document.get("incidents")
    given = "" if incidents is None else f", {len(incidents)} incident{'' if len(incidents) == 1 else 's'}"
    count = len(document.get("alerts") or [])
    return f"{span.get('start')} to {span.get('end')}{step}, {count} alert{'' if count == 1 else 's'}{given}"


def render_markdown(document: dict[str, Any]) -> str:
    """The document as Markdown, alerts in the document's order (noisiest first)."""
    alerts = list(document.get("alerts") or [])
    lines = [f"**Alert back-test** {cell(heading(document))} (Prometheus: "
             f"`{cell(str(document.get('prometheus'))).replace('`', '')}`)", "",
             _row(SUMMARY), "|---|" + "--:|" * (len(SUMMARY) - 1)]
    lines += [_row(summary_cells(a)) for a in alerts]
    if not alerts:
        lines.append(_row(["no alerts selected"] + [""] * (len(SUMMARY) - 1)))
    for alert in alerts:
        head, rows = whatif_columns(alert)
        text = 2 if alert.get("slo") else 1  # the marker (and an SLO alert's windows) are text, the rest numbers
        lines += ["", f"### {cell(title(alert))}", "", cell(str(alert.get("recommendation"))), "", _row(head),
                  "|" + "---|" * text + "--:|" * (len(head) - text)]
        lines += [_row(r) for r in rows]
    return "\n".join(lines) + "\n"


def _row(cells: list[str] | tuple[str, ...]) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |"
