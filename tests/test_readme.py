"""The README and docs keep working: their commands exist, make targets exist, the tour runs verbatim (with every
other example, in tests/test_doc_examples.py), benchmarks run (tiny sizes)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mrm_observe.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DOCS = {path.relative_to(ROOT).as_posix(): path.read_text() for path in sorted((ROOT / "docs").glob("*.md"))}
EVERYTHING = "\n".join([README, *DOCS.values()])
COMMAND = re.compile(r"mrm-observe ((?:[a-z][a-z0-9-]*)(?: [a-z][a-z0-9-]*)?)")
LINK = re.compile(r"\]\(((?:docs/)?[\w./-]+\.md)\)")


def test_readme_opens_with_the_main_job_and_the_test_suite():
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["make", "make test"]


def test_readme_is_a_five_minute_read():
    assert len(README.splitlines()) < 200


@pytest.mark.parametrize("page", ["README.md", *DOCS], ids=str)
def test_every_page_a_doc_links_to_exists(page):
    text = README if page == "README.md" else DOCS[page]
    base = ROOT / Path(page).parent
    missing = [link for link in LINK.findall(text) if not (base / link).exists()]
    assert missing == []


def documented_commands() -> list[list[str]]:
    found = set()
    for match in COMMAND.finditer(EVERYTHING):
        words = match.group(1).split()
        group = main.get_command(None, words[0])
        if group is None:
            continue  # prose such as "mrm-observe publishes", not a command
        sub = words[1:] if hasattr(group, "get_command") and group.get_command(None, words[1] if len(words) > 1 else "") else []
        found.add(tuple(words[:1] + sub))
    return sorted(map(list, found))


@pytest.mark.parametrize("words", documented_commands(), ids=" ".join)
def test_every_command_the_docs_name_exists(words):
    result = CliRunner().invoke(main, [*words, "--help"])
    assert result.exit_code == 0, result.output


def test_the_docs_name_every_command():
    named = {tuple(w) for w in documented_commands()}
    assert {("build",), ("check",), ("test",), ("lint",), ("routes",), ("slo", "windows"), ("import",)} <= named
    assert {("publish", "grafana"), ("publish", "rules"), ("export", "k8s"), ("export", "provisioning")} <= named


def test_every_make_target_the_docs_use_exists():
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), flags=re.M))
    used = {t for cmd in re.findall(r"`make ?([a-z -]*)`", EVERYTHING) for t in (cmd.split() or ["all"])}
    assert used and used <= targets, used - targets


def test_the_readme_tour_checks_and_passes_its_tests_verbatim(ran_page):
    """The tour's files and commands ran (tests/doc_examples.py); what they built is what the README says."""
    session = ran_page("README.md")
    tour = session.root / "tour"
    written = {p.relative_to(session.root).as_posix() for p in tour.rglob("*") if "build" not in p.parts}
    assert {"tour/dashboards/checkout.py", "tour/alerts/checkout.py", "tour/tests/promtool/checkout_test.yaml",
            "tour/slo/checkout.py", "tour/alertmanager/routing.py", "tour/tests/routes/checkout.yaml"} <= written
    printed = "".join(session.outputs.values())
    assert "lint: 0 finding(s)" in printed
    assert "ok   amtool check-config build/alertmanager/alertmanager.yml" in printed
    assert "promtool tests: 2 passed, 0 failed, 0 skipped; route tests: 1 passed, 0 failed" in printed
    assert sorted(p.name for p in (tour / "build" / "prometheus").iterdir()) == [
        "alerts-checkout.rules.yaml", "slo-checkout-availability.rules.yaml"]
    table = printed
    assert re.search(r"CheckoutHighErrorRate\s+│ critical\s+│ page \(pages\)\s+│ \{severity=\"critical\"\}", table)
    assert re.search(r"CheckoutAvailabilityBurnRate\s+│ critical/page\s+│ page \(pages\)", table)
    assert re.search(r"CheckoutAvailabilityBurnRate\s+│ warning/ticket\s+│ slack\s", table)
    assert "5 alert rule(s), 0 routing finding(s), 0 waived" in table  # the SLO makes one rule per window pair


def test_the_slo_windows_example_prints_the_workbook_table():
    result = CliRunner().invoke(main, ["slo", "windows", "--objective", "99.9", "--period", "30d"])
    assert result.exit_code == 0
    assert re.search(r"page\s+5m\s+1h\s+14\.4x\s+2%\s+52s", result.output)


@pytest.mark.parametrize("module, args", [
    ("bench.bench_build", ["--dashboards", "20", "--panels", "3", "--rules", "100"]),
    ("bench.bench_slo", ["--slos", "2", "--test-slos", "1"]),
    ("bench.bench_publish", ["--dashboards", "10", "--latency", "0.001"]),
    ("bench.bench_report", ["--slos", "2", "--days", "0.1", "--repeat", "1"]),
    ("bench.bench_import", ["--dashboards", "3"]),
], ids=["build", "slo", "publish", "report", "import"])
def test_benchmarks_run_and_report_ratios(module, args):
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"\d+\.\d+x", done.stdout), done.stdout
