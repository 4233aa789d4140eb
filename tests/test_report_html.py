"""The HTML and Markdown report writers: what the page shows (parsed, not grepped), that it is self-contained and
deterministic, the Markdown golden, and the page as a real browser (Debian's headless chromium) shows it."""
from __future__ import annotations

import hashlib
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mrm_observe import report_markdown as fmt
from mrm_observe.report_html import render_html
from mrm_observe.report_markdown import render_markdown

from browser import MIN_WINDOW, chromium, console_errors, measure, page_requests, run_chromium, show  # noqa: F401
from conftest import GOLDEN, assert_golden

AT = 1_796_040_000  # 2026-11-30T12:00:00Z
DAY = 86_400
HOSTILE = "<script>alert('pwned')</script>"


def _alerts(firing: set[str] = frozenset()) -> list[dict]:
    return [{"severity": sev, "short_window": short, "long_window": long, "factor": factor,
             "firing": f"{short}/{long}" in firing}
            for sev, short, long, factor in (("page", "5m", "1h", 14.4), ("page", "30m", "6h", 6.0),
                                             ("ticket", "2h", "1d", 3.0), ("ticket", "6h", "3d", 1.0))]


def _slo(ident: str, service: str, name: str, status: str, remaining: float | None, rates: dict | None,
         forecast: dict, problems: list[str], events: tuple | None, sli: float | None, firing=frozenset()) -> dict:
    no_data = remaining is None
    return {"id": ident, "service": service, "slo": name, "objective": 99.9,
            "period": {"start": "2026-10-31T12:00:00Z", "end": "2026-11-30T12:00:00Z", "kind": "rolling"},
            "events": {"total": events[0] if events else None, "bad": events[1] if events else None},
            "sli": sli,
            "error_budget": {"total_fraction": 0.001, "consumed_fraction": None if no_data else 1 - remaining,
                             "remaining_fraction": remaining,
                             "remaining_minutes": None if no_data else round(remaining * 43_200, 1)},
            "burn_rates": rates or {w: None for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "period")},
            "alerts": _alerts(firing), "exhaustion_forecast": forecast, "status": status, "problems": problems}


def sample_document() -> dict:
    """Four SLOs, one per status; the breached one has a hostile name, the no-data one only nulls."""
    return {"at": "2026-11-30T12:00:00Z", "prometheus": "http://127.0.0.1:9090", "source": "raw", "slos": [
        _slo("api-availability", "api", "availability", "ok", 0.66,
             {"5m": 0.2, "30m": 0.1, "1h": 0.3, "2h": 0.2, "6h": 0.1, "1d": 0.4, "3d": 0.3, "period": 0.34},
             {"1h": None, "1d": None}, [], (123456.0, 42.0), 0.99966),
        _slo("search-freshness", "search", "freshness", "no-data", None, None, {"1h": None, "1d": None},
             ["no events in the period: search_requests_total has no samples"], None, None),
        _slo("payments-errors", "payments" + HOSTILE, "errors & \"5xx\" | retries", "breached", -0.42,
             {"5m": 22.5, "30m": 16.1, "1h": 15.2, "2h": 9.8, "6h": 4.4, "1d": 2.1, "3d": 1.6, "period": 1.42},
             {"1h": "2026-11-30T12:00:00Z", "1d": "2026-11-30T12:00:00Z"},
             ["counter reset of payments_requests_total at 2026-11-28T03:10:00Z <handled>",
              "scrape gap 2026-11-29T01:00:00Z to 2026-11-29T01:40:00Z"], (98765.0, 140.0), 0.998582,
             firing={"5m/1h", "30m/6h"}),
        _slo("checkout-latency", "checkout", "latency", "warning", 0.18,
             {"5m": 3.9, "30m": 4.2, "1h": 3.6, "2h": 3.3, "6h": 2.7, "1d": 1.9, "3d": 1.2, "period": 0.82},
             {"1h": "2026-12-01T03:36:00Z", "1d": "2026-12-01T15:28:48Z"}, [], (500000.0, 410.0), 0.99918,
             firing={"2h/1d"}),
    ]}


def _budget(end_fraction: float, incidents: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Hourly budget remaining over 30 days: a steady slope plus drops at (day, size) incidents."""
    points, start = [], AT - 30 * DAY
    slope = (1 - end_fraction - sum(size for _, size in incidents)) / (30 * 24)
    remaining = 1.0
    for hour in range(30 * 24 + 1):
        points.append((float(start + hour * 3600), round(remaining, 6)))
        remaining -= slope + sum(size for day, size in incidents if int(day * 24) == hour)
    return points


def _burn(base: float, spike: float, gap: bool = False) -> dict[str, list[tuple[float, float]]]:
    """Burn rate per window over the last 3 days every 10 minutes; short windows spike harder near the end."""
    out = {}
    for window, damping in (("1h", 1.0), ("6h", 0.5), ("1d", 0.25), ("3d", 0.12)):
        points = []
        for step in range(3 * 144 + 1):
            t = AT - 3 * DAY + step * 600
            if gap and 170 <= step < 175:
                continue
            hours_to_end = (AT - t) / 3600
            value = base * (1 + 0.3 * math.sin(step / 9)) + spike * damping * math.exp(-hours_to_end / 6)
            points.append((float(t), round(value, 4)))
        out[window] = points
    return out


THRESHOLDS = {"5m/1h": 14.4, "30m/6h": 6.0, "2h/1d": 3.0, "6h/3d": 1.0}


def sample_series() -> dict:
    return {
        "api-availability": {"budget_remaining": _budget(0.66, [(12, 0.1)]), "burn_rates": _burn(0.3, 0.2),
                             "thresholds": THRESHOLDS},
        "checkout-latency": {"budget_remaining": _budget(0.18, [(20, 0.2), (28, 0.2)]),
                             "burn_rates": _burn(1.2, 3.0), "thresholds": THRESHOLDS},
        "payments-errors": {"budget_remaining": _budget(-0.42, [(27, 0.5), (29.5, 0.4)]),
                            "burn_rates": _burn(0.8, 18.0, gap=True), "thresholds": THRESHOLDS},
        "search-freshness": {"budget_remaining": [], "burn_rates": {"1h": [], "6h": []}, "thresholds": THRESHOLDS},
    }


WORST_FIRST = ["payments-errors", "checkout-latency", "api-availability", "search-freshness"]


class Page(HTMLParser):
    """The parts of the page the tests look at: sections, summary rows, text per section, every attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sections: list[dict] = []
        self.summary_rows: list[list[str]] = []
        self.text: list[str] = []
        self.style = ""
        self._stack: list[str] = []
        self._in_summary = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "section":
            self.sections.append({"attrs": attributes, "text": [], "svgs": []})
        if tag == "svg" and self.sections:
            self.sections[-1]["svgs"].append(attributes)
        if tag == "table" and "summary" in (attributes.get("class") or ""):
            self._in_summary = True
        if self._in_summary and tag == "tr":
            self.summary_rows.append([])
        if self._in_summary and tag in ("td", "th"):
            self._cell = []
        self._stack.append(tag)

    def handle_endtag(self, tag):
        if self._in_summary and tag in ("td", "th") and self._cell is not None:
            self.summary_rows[-1].append("".join(self._cell).strip())
            self._cell = None
        if tag == "table":
            self._in_summary = False
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data):
        if self._stack and self._stack[-1] == "style":
            self.style += data
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self.sections and "section" in self._stack:
            self.sections[-1]["text"].append(data)


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(sample_document(), sample_series())


@pytest.fixture(scope="module")
def page(html) -> Page:
    parser = Page()
    parser.feed(html)
    parser.close()
    return parser


def _slo_by_id(ident: str) -> dict:
    return next(s for s in sample_document()["slos"] if s["id"] == ident)


def test_the_page_has_one_section_per_slo_worst_first_with_the_no_data_slo_last(page):
    assert [s["attrs"]["data-slo"] for s in page.sections] == WORST_FIRST
    assert [s["attrs"]["class"] for s in page.sections] == ["slo breached", "slo warning", "slo ok", "slo no-data"]


def test_the_summary_table_lists_every_slo_worst_first_with_its_status_and_budget(page):
    header, *rows = page.summary_rows
    assert header[:6] == ["Status", "SLO", "Objective", "SLI", "Budget consumed", "Budget remaining"]
    assert [r[0] for r in rows] == ["BREACHED", "WARNING", "OK", "NO DATA"]
    assert [r[5] for r in rows] == ["-42.0%", "18.0%", "66.0%", "n/a"]
    assert rows[0][1] == f"payments{HOSTILE} / errors & \"5xx\" | retries"


@pytest.mark.parametrize("ident", WORST_FIRST)
def test_every_number_of_an_slo_is_shown_in_its_section(page, ident):
    slo = _slo_by_id(ident)
    text = " ".join("".join(next(s for s in page.sections if s["attrs"]["data-slo"] == ident)["text"]).split())
    budget = slo["error_budget"]
    expected = [fmt.objective(slo["objective"]), fmt.sli(slo["sli"]), fmt.percent(budget["consumed_fraction"]),
                fmt.percent(budget["remaining_fraction"]), fmt.minutes(budget["remaining_minutes"]),
                fmt.count(slo["events"]["total"]), fmt.count(slo["events"]["bad"]),
                fmt.forecast(slo, "1h"), fmt.forecast(slo, "1d"), slo["period"]["start"], slo["period"]["end"],
                *(fmt.burn(v) for v in slo["burn_rates"].values()),
                *(fmt.burn(a["factor"]) for a in slo["alerts"]), *slo["problems"]]
    missing = [value for value in expected if value not in text]
    assert not missing, f"{ident}: not shown: {missing}"
    firing = sum(a["firing"] for a in slo["alerts"])
    assert text.count("not firing") == len(slo["alerts"]) - firing
    if slo["status"] != "no-data":
        assert "n/a" not in text


def test_the_numbers_are_formatted_for_people():
    assert (fmt.sli(0.99966), fmt.percent(-0.42), fmt.minutes(28512.0), fmt.burn(14.4), fmt.objective(99.95)) == \
        ("99.966%", "-42.0%", "28,512 min", "14.40x", "99.95%")


def test_a_hostile_slo_name_is_shown_as_text_and_never_becomes_markup(html, page):
    assert not any(tag == "script" for tag, _ in page.tags)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert HOSTILE in "".join(page.text)
    assert "<handled>" in "".join(page.text) and "<handled>" not in html


def test_the_page_references_nothing_outside_itself(html, page):
    linking = {"src", "href", "xlink:href", "srcset", "action", "poster", "data", "background"}
    links = [(tag, name, value) for tag, attrs in page.tags for name, value in attrs.items() if name in linking]
    assert links and all(value.startswith("#") for _, _, value in links), links
    assert not {tag for tag, _ in page.tags} & {"script", "link", "img", "iframe", "object", "embed", "base"}
    assert "@import" not in page.style and "@font-face" not in page.style
    assert all(target.startswith("#") for target in re.findall(r"url\(([^)]*)\)", html))
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    namespaces = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert urls <= namespaces | {"http://127.0.0.1:9090"}, urls - namespaces
    assert "http://127.0.0.1:9090" not in {v for _, _, v in links}


def test_every_slo_has_a_budget_chart_and_a_burn_rate_chart_as_inline_svg(page):
    for section in page.sections:
        assert len(section["svgs"]) == 2, section["attrs"]["data-slo"]
        for svg in section["svgs"]:
            assert (svg["width"], svg["height"]) == ("460.8pt", "230.4pt")
    ids = [attrs["id"] for tag, attrs in page.tags if attrs.get("id")]
    assert len(ids) == len(set(ids)), "element ids repeat across the inline charts"


def test_the_burn_rate_chart_draws_each_alert_threshold(html, page):
    text = "".join(page.text)
    for pair, factor in THRESHOLDS.items():
        assert text.count(f"{pair} {factor:g}x") == len(WORST_FIRST)


def test_the_no_data_slo_charts_say_no_data_instead_of_plotting_nothing(page):
    section = next(s for s in page.sections if s["attrs"]["data-slo"] == "search-freshness")
    assert "".join(section["text"]).count("no data") == 2


def test_a_report_without_slos_is_a_page_that_says_so():
    page = Page()
    page.feed(render_html({"at": "2026-11-30T12:00:00Z", "prometheus": "http://p:9090", "slos": []}, {}))
    assert page.sections == [] and "No SLOs selected." in "".join(page.text)


def test_rendering_twice_gives_identical_bytes_and_no_dates_leak_in(html):
    again = render_html(sample_document(), sample_series())
    assert again == html
    code = ("import hashlib, sys; sys.path.insert(0, sys.argv[1]); from test_report_html import *; "
            "print(hashlib.sha256(render_html(sample_document(), sample_series()).encode()).hexdigest())")
    other = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent)], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert other.stdout.strip() == hashlib.sha256(html.encode()).hexdigest(), "another process renders otherwise"
    assert "<dc:date>" not in html and "<metadata>" not in html and "<?xml" not in html


def test_matplotlib_is_imported_only_when_html_is_rendered():
    code = ("import sys; import mrm_observe.report_html, mrm_observe.report_markdown, mrm_observe.cli; "
            "assert 'matplotlib' not in sys.modules, 'imported eagerly'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_markdown_report_matches_the_golden_file():
    assert_golden(render_markdown(sample_document()).encode(), GOLDEN / "report" / "report.md")


def test_the_markdown_table_is_worst_first_with_plain_status_markers_and_escaped_pipes():
    lines = render_markdown(sample_document()).splitlines()
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| Status")]
    assert [row.split(" | ")[0] for row in rows] == ["| **BREACHED**", "| WARNING", "| OK", "| NO DATA"]
    columns = {len(re.split(r"(?<!\\)\|", line)) for line in lines if line.startswith("|")}
    assert len(columns) == 1, "a pipe in an SLO name split a row"
    assert "errors & \"5xx\" \\| retries" in rows[0]


# --- in a real browser -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("report-in-chromium")


def test_the_browser_checks_notice_a_console_error_and_an_external_request(chromium, browser_dir):
    bad = browser_dir / "control" / "bad.html"
    bad.parent.mkdir()
    bad.write_text('<!DOCTYPE html><img src="http://assets.example.com/logo.png"><script>notDefined()</script>')
    done = run_chromium(chromium, bad.as_uri(), bad.parent, "--dump-dom")
    assert any("notDefined" in line for line in console_errors(done.stderr)), done.stderr[-2000:]
    assert "http://assets.example.com/logo.png" in page_requests(bad.parent / "netlog.json")


@pytest.mark.parametrize("width", [1280, 400], ids=["wide window", "narrow window"])
def test_the_page_loads_in_chromium_without_console_errors_or_requests_and_is_screenshotted(
        chromium, browser_dir, html, width):
    tmp = browser_dir / f"w{width}"
    layout = measure(chromium, html, tmp / "measure", width)
    page = tmp / "report.html"
    page.write_text(html)
    shot = tmp / f"report-{width}px.png"
    done = show(chromium, page, width, layout["page_height"], f"--screenshot={shot}")
    print(f"screenshot ({width} px wide): {shot}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert not console_errors(done.stderr), console_errors(done.stderr)
    assert page_requests(tmp / "netlog.json") <= {page.as_uri(), page.with_name(f"harness-{page.stem}.html").as_uri()}
    from PIL import Image
    with Image.open(shot) as image:
        assert image.size == (max(width, MIN_WINDOW), layout["page_height"])
        image = image.crop((0, 0, width, layout["page_height"]))
        image.save(shot)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 50, "the screenshot is (nearly) blank"
    breached_red = sum(n for n, (r, g, b) in colours if r > 150 and g < 60 and b < 70)
    assert breached_red > 100, "the breached status colour is missing from the screenshot"


@pytest.mark.parametrize("width", [1280, 400], ids=["wide window", "narrow window"])
def test_every_chart_is_drawn_at_a_readable_size_and_only_tables_scroll_sideways(chromium, browser_dir, html, width):
    """At least 400x200 px in a wide window; in a narrow one, charts fill nearly the whole width instead."""
    layout = measure(chromium, html, browser_dir / f"layout{width}", width)
    assert layout["viewport"] == width
    assert len(layout["charts"]) == 2 * len(WORST_FIRST)
    least = (400, 200) if width >= 800 else (0.85 * width, 0.85 * width / 2)
    small = [c for c in layout["charts"] if c["w"] < least[0] or c["h"] < least[1]]
    assert not small, f"charts below {least[0]:g}x{least[1]:g} px: {small}"
    assert all(abs(c["w"] / c["h"] - 2) < 0.02 for c in layout["charts"]), "a chart is distorted"
    assert layout["page_width"] <= width, "the page itself scrolls sideways"
    assert all(t["right"] <= width for t in layout["tables"]), "a table sticks out of the window"
    if width == 400:
        assert any(t["scroll"] > t["client"] for t in layout["tables"]), "the summary should scroll inside its box"


def test_chromium_renders_the_same_text_the_page_contains(chromium, browser_dir, html, page):
    tmp = browser_dir / "dom"
    tmp.mkdir()
    path = tmp / "report.html"
    path.write_text(html)
    done = run_chromium(chromium, path.as_uri(), tmp, "--dump-dom")
    dom = Page()
    dom.feed(done.stdout)
    assert [s["attrs"]["data-slo"] for s in dom.sections] == WORST_FIRST
    assert HOSTILE in "".join(dom.text) and not any(tag == "script" for tag, _ in dom.tags)


def test_the_docs_show_the_golden_markdown_sample_and_a_small_screenshot():
    root = Path(__file__).resolve().parents[1]
    doc = (root / "docs" / "report.md").read_text()
    sample = re.search(r"```markdown\n(.*?)```", doc, re.S)
    assert sample and sample.group(1) == (GOLDEN / "report" / "report.md").read_text()
    assert (root / "docs" / "report-html.png").stat().st_size < 150_000
