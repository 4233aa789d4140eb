"""Charts for self-contained HTML pages: matplotlib figures saved as inline SVG with stable bytes (fixed id salt, no
dates), UTC date axes, and lines that break at gaps. Shared by the SLO report and the tune timelines."""
from __future__ import annotations

import functools
import io
import math
import re
from datetime import datetime, timezone
from html import escape
from typing import Any, Callable

PAGE_CSS = """*{box-sizing:border-box}
body{margin:0;padding:1rem;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:#1f2328;background:#fff}
main{max-width:1200px;margin:0 auto}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:0;overflow-wrap:anywhere}
h3{font-size:1rem;margin:1rem 0 .25rem}
.meta{color:#57606a;margin:0 0 1rem;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%;margin:.5rem 0}
table{border-collapse:collapse;white-space:nowrap;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:.3rem .6rem;text-align:left}
td.num,th.num{text-align:right}
"""
"""The page, heading, table and scrolling-box rules of every self-contained page (they read `--line`)."""
FIGURE_CSS = """figure{margin:0;min-width:0}
figure svg{display:block;width:100%;height:auto}
figcaption{color:#57606a;font-size:.85rem}
"""
"""Charts scale to the width of their column."""

def line_points(points: list[Any]) -> tuple[list[datetime], list[float]]:
    """Sorted (time, value) pairs as datetimes and floats; None or non-finite values and gaps of more than three
    times the usual step become NaN, so the line breaks there instead of bridging the gap."""
    clean = sorted((float(t), float("nan") if v is None else float(v)) for t, v in points if t is not None)
    clean = [(t, v if math.isfinite(v) else float("nan")) for t, v in clean]
    steps = sorted(b[0] - a[0] for a, b in zip(clean, clean[1:]) if b[0] > a[0])
    limit = 3 * steps[len(steps) // 2] if steps else math.inf
    times: list[datetime] = []
    values: list[float] = []
    for i, (t, v) in enumerate(clean):
        if i and t - clean[i - 1][0] > limit:
            times.append(datetime.fromtimestamp((t + clean[i - 1][0]) / 2, timezone.utc))
            values.append(float("nan"))
        times.append(datetime.fromtimestamp(t, timezone.utc))
        values.append(v)
    return times, values


def parse_iso(text: Any) -> datetime | None:
    """An RFC 3339 time of a document, or None."""
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def new_figure(size: tuple[float, float]) -> tuple[Any, Any]:
    """A fresh figure of `size` inches and its axes."""
    figure, (axes,) = stacked_figure(size, (1.0,))
    return figure, axes


def stacked_figure(size: tuple[float, float], heights: tuple[float, ...]) -> tuple[Any, list[Any]]:
    """A fresh figure of `size` inches with axes stacked top to bottom in these height ratios, sharing the x axis
    (matplotlib is imported here, so only HTML rendering pays for it)."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    figure = Figure(figsize=size, layout="constrained")
    if len(heights) == 1:
        return figure, [figure.add_subplot()]
    return figure, list(figure.subplots(len(heights), 1, sharex=True, gridspec_kw={"height_ratios": heights}))


RC = {"svg.hashsalt": "mrm-observe", "svg.fonttype": "none", "font.size": 11, "timezone": "UTC"}
"""matplotlib settings for every chart: fixed id salt (stable output), text kept as text, UTC dates."""


def charted(draw: Callable[..., str]) -> Callable[..., str]:
    """Run a chart function with RC in effect, from the first artist to the saved SVG."""
    @functools.wraps(draw)
    def wrapper(*args: Any) -> str:
        import matplotlib
        with matplotlib.rc_context(RC):
            return draw(*args)
    return wrapper


def inline_svg(figure: Any, prefix: str, label: str) -> str:
    """The figure as an inline <svg> element: no XML prolog, doctype, metadata or date; every element id (and
    reference to one) prefixed so ids stay unique in the page (ids are hashed with RC's fixed salt: stable)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r'(href="#|url\(#)([^")]+)',
                  lambda m: m.group(1) + (prefix if m.group(2) in ids else "") + m.group(2), text)
    return text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1).strip()


def style_axes(ax: Any, ylabel: str, dates: bool = True, minticks: int = 5) -> None:
    """Grid, label and UTC date ticks, 8 at most and `minticks` at least (none when nothing was plotted against
    time)."""
    import matplotlib.dates as mdates
    if dates:
        locator = mdates.AutoDateLocator(tz=timezone.utc, minticks=minticks, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=timezone.utc))
    else:
        ax.set_xticks([])
    ax.set_ylabel(ylabel)
    ax.grid(True, color="#d0d7de", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def no_data(ax: Any) -> None:
    ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", fontsize=16, color="#57606a")
