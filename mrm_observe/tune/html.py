"""The tune document as one self-contained HTML page: a summary, then per alert its recommendation, a timeline (the
expression against its threshold, the episodes, the incidents) as inline SVG, the what-if table and the episodes.
No scripts, fonts or other external assets; the same input always gives the same bytes."""
from __future__ import annotations

import math
from html import escape
from typing import Any

from ..charts import FIGURE_CSS, PAGE_CSS, charted, inline_svg, line_points, no_data, parse_iso, stacked_figure, \
    style_axes
from ..report_markdown import percent
from .markdown import SUMMARY, heading, seconds, summary_cells, title, whatif_columns

TIMELINE_SIZE = (9.6, 3.6)
"""Timeline size in inches (a wide chart: a month of history reads left to right)."""
EPISODE_ROWS = 50
"""Episodes listed per alert at most (the JSON document has them all)."""
COLOURS = ("#0969da", "#8250df", "#bf3989", "#1a7f37", "#9a6700", "#57606a")
EPISODE_COLOUR, INCIDENT_COLOUR, THRESHOLD_COLOUR = "#b3141f", "#0969da", "#b3141f"
NUM, OWN = ' class="num"', ' class="own"'
CSS = """
:root{--line:#d0d7de;--fired:#b3141f;--quiet:#1a7f37}
""" + PAGE_CSS + FIGURE_CSS + """th{white-space:normal;vertical-align:bottom}
td.name{white-space:normal;min-width:12rem;overflow-wrap:anywhere}
section.alert{border:1px solid var(--line);border-left:.4rem solid var(--quiet);border-radius:.4rem;
padding:.8rem 1rem;margin:1.2rem 0}
section.fired{border-left-color:var(--fired)}
p.recommendation{font-weight:600;margin:.6rem 0}
pre.expr{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:.5rem;border-radius:.3rem;margin:.5rem 0}
dl.numbers{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.5rem 1rem;margin:.8rem 0}
dl.numbers div{min-width:0}
dt{color:#57606a;font-size:.8rem}dd{margin:0;font-weight:600;overflow-wrap:anywhere}
tr.own td{font-weight:600;background:#f6f8fa}
.problems{color:var(--fired)}
@media (max-width:600px){body{padding:.5rem}section.alert{padding:.6rem .5rem;border-left-width:.3rem}
th,td{padding:.3rem .4rem}h1{font-size:1.3rem}}
"""


def render_html(document: dict[str, Any], charts: list[dict[str, Any]]) -> str:
    """The page; `charts[i]` is what the timeline of `document["alerts"][i]` draws (see tune.document.chart_data)."""
    alerts = list(document.get("alerts") or [])
    parts = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
             '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
             f"<title>Alert back-test {escape(heading(document))}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
             f"<main>\n<h1>Alert back-test</h1>\n",
             f'<p class="meta">{escape(heading(document))} · Prometheus: {escape(str(document.get("prometheus")))} · '
             f'hour bands in {escape(str(document.get("timezone")))} · noisiest first</p>\n',
             _summary(alerts), _incidents(document.get("incidents"))]
    for index, alert in enumerate(alerts):
        chart = charts[index] if index < len(charts) else {}
        parts.append(_section(alert, chart, document, index))
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


def _anchor(index: int) -> str:
    return f"alert-{index + 1}"


def _table(head: list[str] | tuple[str, ...], rows: list[str], css: str, numeric_from: int) -> str:
    header = "".join(f"<th{NUM if i >= numeric_from else ''}>{escape(h)}</th>" for i, h in enumerate(head))
    return (f'<div class="scroll"><table class="{css}">\n<thead><tr>{header}</tr></thead>\n<tbody>\n'
            f"{''.join(rows)}</tbody></table></div>\n")


def _summary(alerts: list[dict[str, Any]]) -> str:
    rows = []
    for index, alert in enumerate(alerts):
        cells = summary_cells(alert)
        rows.append(f'<tr><td class="name"><a href="#{_anchor(index)}">{escape(cells[0])}</a></td>'
                    + "".join(f'<td class="num">{escape(c)}</td>' for c in cells[1:]) + "</tr>\n")
    if not rows:
        rows.append(f'<tr><td colspan="{len(SUMMARY)}">No alerts selected.</td></tr>\n')
    return "<h2>Summary</h2>\n" + _table(SUMMARY, rows, "summary", 1)


def _incidents(incidents: list[dict[str, Any]] | None) -> str:
    if incidents is None:
        return '<p class="meta">No incidents given: precision and recall are not known.</p>\n'
    rows = [f"<tr><td>{escape(str(i.get('name') or '-'))}</td><td>{escape(str(i.get('start')))}</td>"
            f"<td>{escape(str(i.get('end')))}</td><td>{escape(_labels(i.get('labels')))}</td></tr>\n"
            for i in incidents] or ['<tr><td colspan="4">The file lists no incidents.</td></tr>\n']
    return "<h2>Incidents</h2>\n" + _table(("Incident", "Start", "End", "Labels"), rows, "incidents", 4)


def _labels(labels: dict[str, str] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "-"


def _section(alert: dict[str, Any], chart: dict[str, Any], document: dict[str, Any], index: int) -> str:
    numbers = [("Evaluated every", str(alert.get("interval"))), ("For", str(alert.get("for"))),
               ("Keep firing for", str(alert.get("keep_firing_for"))), ("Episodes", str(alert.get("episode_count"))),
               ("Firing", seconds(alert.get("firing_seconds"))),
               ("Median / p90", f"{seconds(alert.get('median_duration_seconds'))} / "
                                f"{seconds(alert.get('p90_duration_seconds'))}"),
               ("Shorter than 10m", str(alert.get("short_episodes"))), ("Re-fired within 30m", str(alert.get("flaps"))),
               ("Precision", percent((alert.get("incidents") or {}).get("precision"))),
               ("Recall", percent((alert.get("incidents") or {}).get("recall"))),
               ("Source", f"{alert.get('source')} (group {alert.get('group')})")]
    slo = alert.get("slo")
    if slo:
        numbers[1:1] = [("Burn factor", f"{slo.get('factor'):g}x over {slo.get('short_window')}/"
                                        f"{slo.get('long_window')}"),
                        ("Full outage pages after", seconds(slo.get("detection_seconds"))),
                        ("Budget spent by then", percent(slo.get("budget_spent_at_detection"), 2))]
    dl = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in numbers)
    problems = "".join(f"<li>{escape(str(p))}</li>" for p in alert.get("problems") or [])
    fired = " fired" if alert.get("episode_count") else ""
    svg = _timeline(alert, chart, document, f"{_anchor(index)}-")
    return (f'<section class="alert{fired}" id="{_anchor(index)}" data-alert="{escape(str(alert.get("alert")))}">\n'
            f"<h2>{escape(title(alert))}</h2>\n"
            f'<p class="recommendation">{escape(str(alert.get("recommendation")))}</p>\n'
            + (f'<ul class="problems">{problems}</ul>\n' if problems else "")
            + f'<pre class="expr">{escape(str(alert.get("expr")))}</pre>\n<dl class="numbers">{dl}</dl>\n'
            f"<figure>{svg}<figcaption>{escape(_caption(chart))}</figcaption></figure>\n"
            f"<h3>What if</h3>\n{_whatif(alert)}<h3>Episodes</h3>\n{_episodes(alert)}</section>\n")


def _caption(chart: dict[str, Any]) -> str:
    kind = chart.get("kind")
    lead = {"value": "The expression without its comparison (each point the extreme of its stretch) against the "
                     "threshold (dashed)",
            "burn": "Burn rate over the short and long window against the burn factor (dashed)"}.get(
        kind, "The expression has no threshold to draw")
    return f"{lead}; below, when the alert fired (red) and the incidents (blue), which also shade the chart."


def _whatif(alert: dict[str, Any]) -> str:
    head, rows = whatif_columns(alert)
    text = 3 if alert.get("slo") else 1
    html = [f"<tr{OWN if cells[0] else ''}>" + "".join(
        f"<td{NUM if i >= text else ''}>{escape(c)}</td>" for i, c in enumerate(cells)) + "</tr>\n" for cells in rows]
    return _table(head, html, "whatif", text)


def _episodes(alert: dict[str, Any]) -> str:
    episodes = alert.get("episodes") or []
    if not episodes:
        return '<p class="meta">It never fired over the range.</p>\n'
    rows = [f"<tr><td>{escape(str(e.get('start')))}</td><td>{escape(str(e.get('end')))}</td>"
            f'<td class="num">{escape(seconds(e.get("duration_seconds")))}</td>'
            f"<td>{escape(_labels(e.get('labels')))}</td></tr>\n" for e in episodes[:EPISODE_ROWS]]
    more = len(episodes) - EPISODE_ROWS
    note = f'<p class="meta">and {more} more (all of them are in the JSON document)</p>\n' if more > 0 else ""
    return _table(("Fired", "Resolved", "Duration", "Labels"), rows, "episodes", 2) + note


@charted
def _timeline(alert: dict[str, Any], chart: dict[str, Any], document: dict[str, Any], prefix: str) -> str:
    """The expression (or burn rates) against the threshold above, lanes of episodes and incidents below."""
    figure, (top, lanes) = stacked_figure(TIMELINE_SIZE, (3.0, 1.0))
    span = document.get("range") or {}
    start, end = parse_iso(span.get("start")), parse_iso(span.get("end"))
    incidents = [(parse_iso(i.get("start")), parse_iso(i.get("end"))) for i in document.get("incidents") or []]
    drawn = 0
    peak = -math.inf
    for index, line in enumerate(chart.get("series") or []):
        times, values = line_points(line.get("points") or [])
        finite = [v for v in values if not math.isnan(v)]
        if not finite:
            continue
        top.plot(times, values, color=COLOURS[index % len(COLOURS)], linewidth=1.2, label=line.get("name") or "value")
        peak = max(peak, max(finite))
        drawn += 1
    threshold = chart.get("threshold")
    if drawn and isinstance(threshold, (int, float)) and math.isfinite(threshold):
        top.axhline(threshold, color=THRESHOLD_COLOUR, linestyle="--", linewidth=1)
        top.annotate(f"{threshold:g}", xy=(1, threshold), xycoords=("axes fraction", "data"), xytext=(-2, 2),
                     textcoords="offset points", ha="right", va="bottom", fontsize=9, color=THRESHOLD_COLOUR)
    if drawn:
        top.legend(loc="upper left", fontsize=8, frameon=False, ncols=min(drawn, 3))
    elif chart.get("kind") == "none":
        top.text(0.5, 0.5, "no threshold to draw: see when it fired below", transform=top.transAxes, ha="center",
                 va="center", fontsize=12, color="#57606a")
    else:
        no_data(top)
    for low, high in incidents:
        if low and high:
            top.axvspan(low, high, color=INCIDENT_COLOUR, alpha=0.12, linewidth=0)
    fired = [(parse_iso(e.get("start")), parse_iso(e.get("end"))) for e in alert.get("episodes") or []]
    for lane, spans, colour in ((1, fired, EPISODE_COLOUR), (0, incidents, INCIDENT_COLOUR)):
        bars = [(low, high - low) for low, high in spans if low and high]
        if bars:
            lanes.broken_barh(bars, (lane - 0.35, 0.7), color=colour)
    lanes.set_yticks([0, 1], ["incidents", "fired"])
    lanes.set_ylim(-0.6, 1.6)
    if start and end and start < end:
        lanes.set_xlim(start, end)
    style_axes(top, "value" if chart.get("kind") != "burn" else "burn rate", dates=False)
    style_axes(lanes, "", minticks=3)  # whole days from 3 days on (at least 5 ticks finds no step for 4 days)
    return inline_svg(figure, prefix, f"Timeline of {title(alert)}")
