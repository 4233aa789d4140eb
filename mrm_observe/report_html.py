"""The SLO report as one self-contained HTML page: inline CSS, charts as inline SVG drawn with matplotlib, no
scripts, fonts or any other external asset. Same input always gives the same bytes."""
from __future__ import annotations

import math
from html import escape
from typing import Any

from .charts import FIGURE_CSS, PAGE_CSS, charted, inline_svg, line_points, new_figure, no_data, parse_iso, style_axes
from .report_markdown import (burn, count, forecast, minutes, objective, percent, sli, slo_id, status_marker,
                              worst_first)

FIGSIZE = (6.4, 3.2)
"""Chart size in inches at 72 pt per inch: 460.8 x 230.4 pt, 614 x 307 CSS px at natural size (the page scales
charts to the width of their column)."""
WINDOW_ORDER = ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period")
STATUS_CLASS = {"ok": "ok", "warning": "warning", "breached": "breached", "no-data": "no-data"}
CSS = """
:root{--ok:#1a7f37;--ok-bg:#dafbe1;--warning:#7d4e00;--warning-bg:#fff1c2;--breached:#b3141f;--breached-bg:#ffe3e3;
--no-data:#57606a;--no-data-bg:#eaeef2;--line:#d0d7de}
""" + PAGE_CSS + """.badge{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-weight:600;font-size:.85rem;
border:1px solid currentColor}
.ok .badge,.badge.ok{color:var(--ok);background:var(--ok-bg)}
.warning .badge,.badge.warning{color:var(--warning);background:var(--warning-bg)}
.breached .badge,.badge.breached{color:var(--breached);background:var(--breached-bg)}
.no-data .badge,.badge.no-data{color:var(--no-data);background:var(--no-data-bg)}
section.slo{border:1px solid var(--line);border-left-width:.4rem;border-radius:.4rem;padding:.8rem 1rem;
margin:1.2rem 0}
section.ok{border-left-color:var(--ok)}section.warning{border-left-color:var(--warning)}
section.breached{border-left-color:var(--breached)}section.no-data{border-left-color:var(--no-data)}
header.slo-head{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
dl.numbers{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.5rem 1rem;margin:.8rem 0}
dl.numbers div{min-width:0}dl.numbers div.period{grid-column:1/-1}
td.name{white-space:normal;min-width:10rem;overflow-wrap:anywhere}
dt{color:#57606a;font-size:.8rem}dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.problems{color:var(--breached)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:1rem}
""" + FIGURE_CSS + """th{white-space:normal;vertical-align:bottom}
@media (max-width:600px){body{padding:.5rem}section.slo{padding:.6rem .5rem;border-left-width:.3rem}
th,td{padding:.3rem .4rem}h1{font-size:1.3rem}}
"""


def render_html(document: dict[str, Any], series: dict[str, Any]) -> str:
    """The report page: a summary table of all SLOs (worst first), then one section per SLO with its status, key
    numbers, budget chart and burn-rate chart."""
    slos = worst_first(list(document.get("slos") or []))
    at = escape(str(document.get("at")))
    parts = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
             '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
             f"<title>SLO report at {at}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
             "<h1>SLO report</h1>\n",
             f'<p class="meta">At {at} · source: {escape(str(document.get("source", "raw")))} · Prometheus: '
             f'{escape(str(document.get("prometheus")))} · {len(slos)} SLOs, worst first</p>\n',
             _summary(slos)]
    for index, slo in enumerate(slos):
        parts.append(_section(slo, series.get(slo_id(slo)) or {}, index))
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


def _status(slo: dict[str, Any]) -> str:
    return STATUS_CLASS.get(str(slo.get("status")), "no-data")


def _badge(slo: dict[str, Any]) -> str:
    return f'<span class="badge {_status(slo)}">{escape(status_marker(slo.get("status")))}</span>'


def _anchor(index: int) -> str:
    return f"slo-{index + 1}"


def _summary(slos: list[dict[str, Any]]) -> str:
    head = ("Status", "SLO", "Objective", "SLI", "Budget consumed", "Budget remaining", "Remaining",
            "Burn 1h", "Burn 1d", "Budget exhausted (1h rate)")
    rows = []
    for index, slo in enumerate(slos):
        budget = slo.get("error_budget") or {}
        rates = slo.get("burn_rates") or {}
        cells = [objective(slo.get("objective")), sli(slo.get("sli")), percent(budget.get("consumed_fraction")),
                 percent(budget.get("remaining_fraction")), minutes(budget.get("remaining_minutes")),
                 burn(rates.get("1h")), burn(rates.get("1d"))]
        rows.append(f'<tr class="{_status(slo)}"><td>{_badge(slo)}</td>'
                    f'<td class="name"><a href="#{_anchor(index)}">{escape(_title(slo))}</a></td>'
                    + "".join(f'<td class="num">{escape(c)}</td>' for c in cells)
                    + f"<td>{escape(forecast(slo, '1h'))}</td></tr>\n")
    if not rows:
        rows.append(f'<tr><td colspan="{len(head)}">No SLOs selected.</td></tr>\n')
    num = ' class="num"'
    header = "".join(f"<th{num if 2 <= i < 9 else ''}>{escape(h)}</th>" for i, h in enumerate(head))
    return (f'<h2>Summary</h2>\n<div class="scroll"><table class="summary">\n<thead><tr>{header}</tr></thead>\n'
            f"<tbody>\n{''.join(rows)}</tbody></table></div>\n")


def _title(slo: dict[str, Any]) -> str:
    return f"{slo.get('service')} / {slo.get('slo')}"


def _section(slo: dict[str, Any], chart_series: dict[str, Any], index: int) -> str:
    budget = slo.get("error_budget") or {}
    events = slo.get("events") or {}
    period = slo.get("period") or {}
    numbers = [("Objective", objective(slo.get("objective"))), ("SLI", sli(slo.get("sli"))),
               ("Events", f"{count(events.get('total'))} total, {count(events.get('bad'))} bad"),
               ("Error budget", percent(budget.get("total_fraction"), 3) + " of events"),
               ("Budget consumed", percent(budget.get("consumed_fraction"))),
               ("Budget remaining", percent(budget.get("remaining_fraction"))),
               ("Remaining", minutes(budget.get("remaining_minutes"))),
               ("Exhausted at 1h rate", forecast(slo, "1h")), ("Exhausted at 1d rate", forecast(slo, "1d")),
               ("Period", f"{period.get('start')} to {period.get('end')} ({period.get('kind')})")]
    wide = ' class="period"'
    dl = "".join(f"<div{wide if k == 'Period' else ''}><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>"
                 for k, v in numbers)
    problems = slo.get("problems") or []
    problem_html = ("<h3>Problems</h3>\n<ul class=\"problems\">"
                    + "".join(f"<li>{escape(str(p))}</li>" for p in problems) + "</ul>\n") if problems else \
        '<p class="meta">Problems: none</p>\n'
    name = escape(slo_id(slo))
    budget_svg = _budget_chart(slo, chart_series.get("budget_remaining") or [], f"{_anchor(index)}-budget-")
    burn_svg = _burn_chart(slo, chart_series, f"{_anchor(index)}-burn-")
    return (f'<section class="slo {_status(slo)}" id="{_anchor(index)}" data-slo="{name}">\n'
            f'<header class="slo-head"><h2>{escape(_title(slo))}</h2>{_badge(slo)}</header>\n'
            f'<dl class="numbers">{dl}</dl>\n{problem_html}'
            f"<h3>Burn rates</h3>\n{_burn_table(slo)}{_alert_table(slo)}"
            f'<div class="charts">\n'
            f"<figure>{budget_svg}<figcaption>Error budget remaining over the period "
            f"(100% = untouched, below 0 = overspent).</figcaption></figure>\n"
            f"<figure>{burn_svg}<figcaption>Burn rate per window (1 = spending exactly the budget over the "
            f"period) against each alert's threshold (dashed).</figcaption></figure>\n</div>\n</section>\n")


def _burn_table(slo: dict[str, Any]) -> str:
    rates = slo.get("burn_rates") or {}
    windows = [w for w in WINDOW_ORDER if w in rates] + sorted(w for w in rates if w not in WINDOW_ORDER)
    if not windows:
        return '<p class="meta">No burn rates.</p>\n'
    head = "".join(f'<th class="num">{escape(w)}</th>' for w in windows)
    body = "".join(f'<td class="num">{escape(burn(rates[w]))}</td>' for w in windows)
    return (f'<div class="scroll"><table class="burn"><thead><tr><th>Window</th>{head}</tr></thead>'
            f"<tbody><tr><th>Burn rate</th>{body}</tr></tbody></table></div>\n")


def _alert_table(slo: dict[str, Any]) -> str:
    alerts = slo.get("alerts") or []
    if not alerts:
        return ""
    rows = "".join(
        f"<tr><td>{escape(str(a.get('severity')))}</td>"
        f"<td>{escape(str(a.get('short_window')))} / {escape(str(a.get('long_window')))}</td>"
        f'<td class="num">{escape(burn(a.get("factor")))}</td>'
        f"<td>{'<strong>firing</strong>' if a.get('firing') else 'not firing'}</td></tr>" for a in alerts)
    return ('<div class="scroll"><table class="alerts"><thead><tr><th>Alert</th><th>Windows (short / long)</th>'
            f'<th class="num">Threshold</th><th>State</th></tr></thead><tbody>{rows}</tbody></table></div>\n')


# --- charts ---------------------------------------------------------------------------------------------------


@charted
def _budget_chart(slo: dict[str, Any], points: list[Any], prefix: str) -> str:
    """Remaining error budget (percent) over the period, shaded red where overspent."""
    figure, ax = new_figure(FIGSIZE)
    times, values = line_points(points)
    percents = [v * 100 for v in values]
    ax.set_title("Error budget remaining", loc="left", fontsize=12)
    ax.axhline(0, color="#b3141f", linewidth=1)
    if times and any(not math.isnan(v) for v in percents):
        ax.plot(times, percents, color="#0969da", linewidth=1.8)
        ax.fill_between(times, percents, 0, where=[not math.isnan(v) and v >= 0 for v in percents],
                        color="#0969da", alpha=0.12, interpolate=True)
        ax.fill_between(times, percents, 0, where=[not math.isnan(v) and v < 0 for v in percents],
                        color="#b3141f", alpha=0.2, interpolate=True)
        low = min(v for v in percents if not math.isnan(v))
        ax.set_ylim(min(low * 1.1, -5), 105)
    else:
        ax.set_ylim(-5, 105)
        no_data(ax)
    period = slo.get("period") or {}
    start, end = parse_iso(period.get("start")), parse_iso(period.get("end"))
    if start and end and start < end:
        ax.set_xlim(start, end)
    style_axes(ax, "% of budget left")
    return inline_svg(figure, prefix, f"Error budget remaining of {_title(slo)}")


def _window_key(window: str) -> tuple[int, str]:
    return (WINDOW_ORDER.index(window) if window in WINDOW_ORDER else len(WINDOW_ORDER), window)


@charted
def _burn_chart(slo: dict[str, Any], chart_series: dict[str, Any], prefix: str) -> str:
    """Burn rate per window on a symmetric log scale (linear below 1), alert thresholds as dashed lines."""
    figure, ax = new_figure(FIGSIZE)
    ax.set_title("Burn rate per window", loc="left", fontsize=12)
    ax.set_yscale("symlog", linthresh=1.0, linscale=0.6)
    colours = ["#0969da", "#8250df", "#bf3989", "#1a7f37", "#9a6700", "#57606a", "#cf222e", "#0550ae"]
    drawn = 0
    top = 1.0
    for window in sorted(chart_series.get("burn_rates") or {}, key=_window_key):
        times, values = line_points(chart_series["burn_rates"][window])
        if not any(not math.isnan(v) for v in values):
            continue
        ax.plot(times, values, label=window, color=colours[drawn % len(colours)], linewidth=1.4)
        top = max(top, max(v for v in values if not math.isnan(v)))
        drawn += 1
    thresholds = {str(pair): float(factor) for pair, factor in (chart_series.get("thresholds") or {}).items()
                  if isinstance(factor, (int, float)) and math.isfinite(factor) and factor > 0}
    for pair, factor in sorted(thresholds.items(), key=lambda item: -item[1]):
        ax.axhline(float(factor), color="#b3141f", linestyle="--", linewidth=0.9, alpha=0.8)
        ax.annotate(f"{pair} {float(factor):g}x", xy=(1, float(factor)), xycoords=("axes fraction", "data"),
                    xytext=(-2, 2), textcoords="offset points", ha="right", va="bottom", fontsize=9,
                    color="#b3141f", zorder=5, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85,
                                                     "pad": 1})
        top = max(top, float(factor))
    ax.set_ylim(0, top * 2)
    from matplotlib.ticker import FixedLocator, FuncFormatter
    ticks = [t for t in (0, 0.5, *(m * 10 ** e for e in range(7) for m in (1, 2, 5))) if t <= top * 2]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_locator(FixedLocator([]))
    if drawn:
        ax.legend(loc="upper left", ncols=min(drawn, 4), fontsize=9, frameon=False)
    else:
        no_data(ax)
    style_axes(ax, "burn rate (x sustainable)", dates=bool(drawn))
    return inline_svg(figure, prefix, f"Burn rate per window of {_title(slo)}")
