"""A real browser for the HTML pages' tests: Debian's headless chromium with a fresh profile and no network, a
harness that shows a page at an exact width, and what the browser computed or asked for (layout, console errors,
requests). `chromium` is a pytest fixture: import it into a test module to use it there."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

MEASURE = """<script>
document.addEventListener("DOMContentLoaded", () => {
  const box = e => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; };
  const out = {viewport: innerWidth, page_width: document.documentElement.scrollWidth,
    page_height: document.documentElement.scrollHeight,
    charts: [...document.querySelectorAll("figure svg")].map(box),
    tables: [...document.querySelectorAll(".scroll")].map(e => ({client: e.clientWidth, scroll: e.scrollWidth,
      right: e.getBoundingClientRect().right}))};
  parent.postMessage(JSON.stringify(out), "*");
});
</script>"""
"""Injected into a copy of a page (the pages themselves have no script) to read the layout the browser computed."""


def find_chromium() -> str | None:
    return next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if not path:
        pytest.skip("chromium not found: `apt-get install -y chromium` (.ci/run installs it)")
    return path


def run_chromium(chromium: str, url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    """Headless chromium on url with a fresh profile, background networking off, every host name unresolvable, and
    a net log of every request the page made (tmp/netlog.json)."""
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp / 'profile'}",
         f"--log-net-log={tmp / 'netlog.json'}", "--enable-logging=stderr", "--v=0", *args, url],
        capture_output=True, text=True, timeout=120, check=False)


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def page_requests(netlog: Path) -> set[str]:
    """Every URL the page asked the network for, from chromium's net log. The browser's own background requests
    (component updates, time, accounts: initiator "not an origin") are left out; they go nowhere anyway."""
    log = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return {params["url"] for event in log["events"] if event["type"] == start
            and "url" in (params := event.get("params") or {}) and params.get("initiator") != "not an origin"}


MIN_WINDOW = 500
"""Headless chromium makes no window narrower than this, so the page is shown in an iframe as wide as the window
being tested (its viewport, media queries included, is then exactly that wide)."""
HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{{margin:0}}iframe{{border:0;display:block}}
</style></head><body><iframe src="{src}" width="{width}" height="{height}"></iframe>
<script>addEventListener("message", e => {{ const p = document.createElement("pre"); p.id = "measured";
p.textContent = e.data; document.body.append(p); }});</script></body></html>"""
"""A page holding the page under test in an iframe of the tested size; it writes what the (test-only) measuring
script posts into its own DOM, where --dump-dom shows it."""


def show(chromium: str, page: Path, width: int, height: int, *args: str) -> subprocess.CompletedProcess:
    """Chromium on page, shown in a width x height CSS px iframe of a harness page beside it."""
    harness = page.with_name(f"harness-{page.stem}.html")
    harness.write_text(HARNESS.format(src=page.name, width=width, height=height))
    return run_chromium(chromium, harness.as_uri(), page.parent, f"--window-size={max(width, MIN_WINDOW)},{height}",
                        "--virtual-time-budget=5000", *args)


def measure(chromium: str, html: str, tmp: Path, width: int) -> dict:
    """The layout chromium computes for the page in a window width CSS px wide."""
    tmp.mkdir(parents=True, exist_ok=True)
    page = tmp / "measured.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"))
    done = show(chromium, page, width, 900, "--dump-dom")
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
