"""Shared fixtures: a real promtool, tiny definition trees written into tmp folders, golden-file comparison."""
from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from mrm_observe.promtool import Promtool, find_promtool

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
"""Set UPDATE_GOLDEN=1 to rewrite golden files from the current output (then review the git diff)."""


@pytest.fixture(scope="session")
def promtool() -> Promtool:
    """The real promtool ($PROMTOOL or PATH); the suite needs it (`apt-get install -y prometheus`)."""
    return find_promtool(os.environ, Path.cwd())


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under root (text is dedented) and return root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def built_alertmanager(project: Path, config: dict, templates: dict[str, str], owner: str = "project") -> Path:
    """The build's Alertmanager folder as the compile step writes it (generated header, config, templates), for
    tests of what comes after the build; returns the config file."""
    import yaml

    from mrm_observe.conventions import ALERTMANAGER_CONFIG, generated_header

    path = project / "build" / ALERTMANAGER_CONFIG
    write_tree(path.parent, {f"templates/{name}": text for name, text in templates.items()})
    path.write_text(generated_header("alertmanager/", owner) + yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """A copy of tests/fixtures/sample (one dashboard module, one alerts module, one promtool test)."""
    dest = tmp_path / "sample"
    shutil.copytree(FIXTURES / "sample", dest)
    return dest


@pytest.fixture
def run(sample_project, monkeypatch):
    """`mrm-observe ARGS...` (with `env=` for its environment) run in a copy of the sample project."""
    from click.testing import CliRunner

    from mrm_observe.cli import main
    monkeypatch.chdir(sample_project)

    def invoke(*args: str, env: dict | None = None):
        return CliRunner().invoke(main, list(args), env=env)
    return invoke


def assert_golden(actual: bytes, golden: Path) -> None:
    """Compare bytes with a golden file (or rewrite it when UPDATE_GOLDEN=1)."""
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
    assert golden.exists(), f"missing golden file {golden}: run with UPDATE_GOLDEN=1 and review it"
    assert actual.decode() == golden.read_text(), f"{golden.name} differs from the golden file"


@pytest.fixture(scope="session")
def ran_page(tmp_path_factory):
    """page (README.md, docs/x.md) -> the doc_examples.Session its examples ran in, each page run once per session."""
    import doc_examples
    done = {}

    def run(page: str) -> doc_examples.Session:
        if page not in done:
            done[page] = doc_examples.run_page(page, tmp_path_factory.mktemp(page.replace("/", "-")) / "project")
        return done[page]
    return run


@pytest.fixture(scope="session")
def history():
    """The synthetic SLO history of tests/slo_history.py (generated once)."""
    import slo_history
    return slo_history.generate()


@pytest.fixture(scope="session")
def servers(history, tmp_path_factory):
    """A real Prometheus and a real VictoriaMetrics holding the history, started in parallel: {backend: URL}."""
    from concurrent.futures import ThreadPoolExecutor

    import slo_history
    root = tmp_path_factory.mktemp("history")
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(slo_history.start_prometheus, history, root / "prometheus"),
                   pool.submit(slo_history.start_victoria, history, root / "victoria")]
        started = [future.result() for future in futures]
    try:
        yield {"prometheus": started[0].url, "victoriametrics": started[1].url}
    finally:
        for server in started:
            server.stop()
