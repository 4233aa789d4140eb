"""The tune document as HTML and Markdown: what the page shows (parsed), that it is self-contained and deterministic,
the Markdown golden, and the page in a real browser (Debian's headless chromium): no console errors, no requests,
readable timelines that show when the alert fired and the incidents, no sideways scrolling of the page."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from browser import MIN_WINDOW, chromium, console_errors, measure, page_requests, show  # noqa: F401
from conftest import GOLDEN, assert_golden
from mrm_observe.compile.slo import enabled_windows
from mrm_observe.model.slo import SLO, ErrorRatioSLI
from mrm_observe.tune.backtest import Axes, Grid, Incident, Inputs, Series, SloPair, TunedAlert, moment
from mrm_observe.tune.document import chart_data, document, tune_alert
from mrm_observe.tune.html import render_html
from mrm_observe.tune.markdown import render_markdown

T0 = 1_793_491_200  # 2026-11-01T00:00:00Z
HOSTILE = "Checkout<script>alert('pwned')</script>"
MINUTES = 24 * 60


def _series(values: list[float | None]) -> Series:
    return Series(np.array([np.nan if v is None else v for v in values]), np.array([v is not None for v in values]))


def sample() -> tuple[dict, list[dict]]:
    """Three alerts over a day: a noisy threshold alert with a hostile name and two label sets, an SLO page alert,
    and an alert without a threshold; two incidents."""
    grid = Grid(T0 * 1000, 60_000, MINUTES, 0)
    minutes = np.arange(MINUTES)
    blips = np.where((minutes % 97 < 3) | ((minutes >= 600) & (minutes < 640)), 0.09, 0.01)
    other = [None if 300 <= m < 330 else 0.02 + 0.05 * (700 <= m < 720) for m in range(MINUTES)]
    noisy = TunedAlert(HOSTILE, 'sum(rate(e[5m])) / sum(rate(r[5m])) > 0.05', 60, 0, 60,
                       {"severity": "critical"}, "checkout & co", "alerts/checkout.py")
    noisy_inputs = Inputs({"q": {(("route", "/pay"),): _series(list(blips)), (("route", "/cart"),): _series(other)}},
                          ">", 0.05)
    slo = SLO(service="api", name="availability", objective=99.9,
              sli=ErrorRatioSLI(bad='sum(rate(r{s="5"}[{{window}}]))', total="sum(rate(r[{{window}}]))"))
    page = TunedAlert("ApiAvailabilityBurnRate", "slo:...", 0, 0, 60, {}, "slo-alerts", "slo/api.py",
                      SloPair(slo, enabled_windows(slo)[0]))
    ratio = np.where((minutes >= 600) & (minutes < 660), 0.05, 0.0005)
    slo_inputs = Inputs({"5m": {(): _series(list(ratio))}, "1h": {(): _series(list(np.convolve(
        ratio, np.ones(12) / 12)[:MINUTES]))}, "10m": {(): _series(list(ratio))}, "2h": {(): _series(list(ratio / 2))}})
    plain = TunedAlert("QueueStuck", "absent(up{job='queue'})", 0, 300, 60, {}, "queues", "rules.yaml")
    plain_inputs = Inputs({"q": {(): _series([1.0 if 1000 <= m < 1010 else None for m in range(MINUTES)])}})
    incidents = [Incident(T0 + 600 * 60, T0 + 640 * 60, {}, "payments <down>"),
                 Incident(T0 + 1000 * 60, T0 + 1030 * 60, {"route": "/pay"}, "queue")]
    axes = Axes(thresholds=(0.08,), for_seconds=(300.0,), windows=(("10m", "2h"),))
    alerts = [(noisy, noisy_inputs), (page, slo_inputs), (plain, plain_inputs)]
    entries = [tune_alert(a, i, grid, axes, incidents) for a, i in alerts]
    doc = document(entries, T0, T0 + MINUTES * 60, [60.0], incidents, "UTC", "http://127.0.0.1:9090")
    charts = {e["alert"]: chart_data(a, i, grid) for e, (a, i) in zip(entries, alerts)}
    return doc, [charts[e["alert"]] for e in doc["alerts"]]


class Page(HTMLParser):
    """Sections with their attributes and text, summary links, every tag and attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[dict] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "section":
            self.sections.append({"attrs": attributes, "text": [], "svgs": 0, "own_rows": 0})
        elif self.sections and tag == "svg":
            self.sections[-1]["svgs"] += 1
        elif self.sections and tag == "tr" and attributes.get("class") == "own":
            self.sections[-1]["own_rows"] += 1
        if tag == "a" and not self.sections:
            self.links.append(attributes.get("href", ""))

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.sections:
            self.sections[-1]["text"].append(data)


@pytest.fixture(scope="module")
def rendered() -> tuple[dict, str]:
    doc, charts = sample()
    return doc, render_html(doc, charts)


@pytest.fixture(scope="module")
def page(rendered) -> Page:
    parsed = Page()
    parsed.feed(rendered[1])
    return parsed


def test_one_section_per_alert_in_the_documents_order_each_with_a_timeline(rendered, page):
    doc, _ = rendered
    assert [s["attrs"]["data-alert"] for s in page.sections] == [a["alert"] for a in doc["alerts"]]
    assert [a["alert"] for a in doc["alerts"]][0] == HOSTILE  # noisiest first
    assert all(s["svgs"] == 1 and s["own_rows"] == 1 for s in page.sections)
    assert page.links == [f"#alert-{i}" for i in range(1, 4)]
    timelines = [attrs["aria-label"] for tag, attrs in page.tags if tag == "svg"]
    assert timelines == [f"Timeline of {HOSTILE} (checkout & co)", "Timeline of ApiAvailabilityBurnRate (page 5m/1h)",
                         "Timeline of QueueStuck (queues)"]


def test_each_section_shows_the_recommendation_and_the_numbers(rendered, page):
    doc, _ = rendered
    for alert, section in zip(doc["alerts"], page.sections):
        text = " ".join(" ".join(section["text"]).split())
        assert alert["recommendation"] in text
        assert f"Episodes {alert['episode_count']}" in text
    slo = " ".join(" ".join(page.sections[1]["text"]).split())
    assert "Burn factor 14.4x over 5m/1h" in slo and "Full outage pages after 52s" in slo and "2.00%" in slo


def test_hostile_names_stay_text(rendered, page):
    _, html = rendered
    assert "<script>" not in html and HOSTILE in "".join(page.text)
    assert not any(tag == "script" for tag, _ in page.tags)
    assert "payments <down>" in "".join(page.text)


def test_the_page_references_nothing_outside_itself(rendered, page):
    _, html = rendered
    assert not [a for tag, attrs in page.tags for k, a in attrs.items()
                if k in ("src", "href") and a and not a.startswith("#")]
    assert "http://www.w3.org" in html and "https://" not in html.replace("http://www.w3.org", "")


def test_rendering_twice_in_another_process_gives_the_same_bytes(rendered):
    _, html = rendered
    code = ("import sys, hashlib; sys.path.insert(0, sys.argv[1]); import test_tune_html as t; "
            "from mrm_observe.tune.html import render_html; "
            "print(hashlib.sha256(render_html(*t.sample()).encode()).hexdigest())")
    other = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent)], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": "4242"})
    assert other.stdout.strip() == hashlib.sha256(html.encode()).hexdigest()


def test_the_markdown_matches_the_golden_file():
    doc, _ = sample()
    assert_golden(render_markdown(doc).encode(), GOLDEN / "tune" / "tune.md")


def test_the_markdown_escapes_names_and_marks_the_rules_own_row():
    doc, _ = sample()
    text = render_markdown(doc)
    assert "Checkout&lt;script&gt;" in text and "<script>" not in text
    rows = [line for line in text.splitlines() if line.startswith("| rule |")]
    assert len(rows) == 3


# --- in a real browser -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tune-in-chromium")


@pytest.mark.parametrize("width", [1280, 400], ids=["wide window", "narrow window"])
def test_the_page_loads_without_errors_or_requests_and_shows_episodes_and_incidents(chromium, browser_dir, rendered,
                                                                                   width):
    _, html = rendered
    tmp = browser_dir / f"w{width}"
    layout = measure(chromium, html, tmp / "measure", width)
    assert layout["viewport"] == width and layout["page_width"] <= width, "the page scrolls sideways"
    assert len(layout["charts"]) == 3
    least = 600 if width >= 800 else 0.85 * width
    assert all(c["w"] >= least and abs(c["w"] / c["h"] - 9.6 / 3.6) < 0.03 for c in layout["charts"]), layout
    assert all(t["right"] <= width for t in layout["tables"]), "a table sticks out of the window"
    page = tmp / "tune.html"
    page.write_text(html)
    shot = tmp / f"tune-{width}px.png"
    done = show(chromium, page, width, layout["page_height"], f"--screenshot={shot}")
    assert done.returncode == 0 and not console_errors(done.stderr), done.stderr[-2000:]
    assert page_requests(tmp / "netlog.json") <= {page.as_uri(), page.with_name(f"harness-{page.stem}.html").as_uri()}
    from PIL import Image
    with Image.open(shot) as image:
        assert image.size == (max(width, MIN_WINDOW), layout["page_height"])
        colours = image.crop((0, 0, width, layout["page_height"])).convert("RGB").getcolors(maxcolors=1 << 20)
    fired = sum(n for n, (r, g, b) in colours if r > 150 and g < 60 and b < 70)
    incidents = sum(n for n, (r, g, b) in colours if r < 30 and 80 < g < 130 and b > 190)
    assert fired > 200 and incidents > 200, (fired, incidents)


@pytest.mark.parametrize("days", [1, 2, 4, 30, 90])
def test_timelines_of_any_range_draw_without_warnings(days):
    import warnings

    doc, charts = sample()
    doc["range"]["end"] = moment(T0 + days * 86400)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert render_html(doc, charts).count("<svg") == 3
