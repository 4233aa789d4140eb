"""Every SLO input format (Python, Sloth, OpenSLO) can name its alerts' runbook, and a project can set a default
runbook base URL (`[tool.mrm-observe] runbook-base-url`) so SLO alerts get one without repeating it."""
from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from conftest import write_tree
from mrm_observe.cli import main
from mrm_observe.discover import discover
from test_slo_specs import OPENSLO, SLOTH

BASE = "https://runbooks.example.org/slo.md"
PYTHON = """
    from mrm_observe import SLO, ErrorRatioSLI
    slos = [SLO(service="shop", name="availability", objective=99.9,
                sli=ErrorRatioSLI(bad='sum(rate(shop_requests_total{code=~"5.."}[{{window}}]))',
                                  total='sum(rate(shop_requests_total[{{window}}]))'))]
"""
SOURCES = {"python": ("slo/shop.py", PYTHON), "sloth": ("slo/billing.yaml", SLOTH), "openslo": ("slo/search.yaml", OPENSLO)}
"""format -> (file, a definition naming no runbook)"""
OWN = {"python": ("objective=99.9,", 'objective=99.9, alerting=Alerting(runbook_url="https://own.example/rb"),'),
       "sloth": ("name: ChargeErrors", "name: ChargeErrors\n      annotations: {runbook_url: 'https://own.example/rb'}"),
       "openslo": ("metadata: {name: search-availability}",
                   "metadata: {name: search-availability, annotations: {runbook_url: 'https://own.example/rb'}}")}
"""format -> (text, the same text naming its own runbook)"""


def project(tmp_path, monkeypatch, fmt: str, own: bool, settings: str | None) -> None:
    path, text = SOURCES[fmt]
    if own:
        text = text.replace(*OWN[fmt]).replace("import SLO,", "import SLO, Alerting,")
    files = {path: text, **({"pyproject.toml": f"[tool.mrm-observe]\n{settings}\n"} if settings else {})}
    monkeypatch.chdir(write_tree(tmp_path, files))


def alert_name(tmp_path) -> str:
    (item,) = discover([tmp_path / "slo"], tmp_path).slos
    return item.obj.alert_name


def alert_runbooks(tmp_path) -> set[str]:
    rule_file = next((tmp_path / "build" / "prometheus").glob("slo-*.rules.yaml"))
    groups = yaml.safe_load(rule_file.read_text())["groups"]
    return {r["annotations"].get("runbook_url") for g in groups for r in g["rules"] if "alert" in r}


@pytest.mark.parametrize("fmt", SOURCES)
def test_without_a_runbook_lint_fails_on_every_slo_alert(tmp_path, monkeypatch, fmt):
    project(tmp_path, monkeypatch, fmt, own=False, settings=None)
    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 1
    assert f"alert '{alert_name(tmp_path)}': runbook_url: add a runbook annotation" in result.stderr
    assert alert_runbooks(tmp_path) == {None}


@pytest.mark.parametrize("fmt", SOURCES)
def test_the_project_default_runbook_links_each_slo_alert_to_its_anchor(tmp_path, monkeypatch, fmt):
    project(tmp_path, monkeypatch, fmt, own=False, settings=f'runbook-base-url = "{BASE}"')
    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 0, result.output
    assert alert_runbooks(tmp_path) == {f"{BASE}#{alert_name(tmp_path).lower()}"}


@pytest.mark.parametrize("fmt", SOURCES)
def test_a_runbook_the_definition_names_wins_over_the_default(tmp_path, monkeypatch, fmt):
    project(tmp_path, monkeypatch, fmt, own=True, settings=f'runbook-base-url = "{BASE}"')
    result = CliRunner().invoke(main, ["test"])
    assert result.exit_code == 0, result.output
    assert alert_runbooks(tmp_path) == {"https://own.example/rb"}
    assert "https://own.example/rb" in next((tmp_path / "build" / "tests").glob("slo-*_slo_test.yaml")).read_text()


@pytest.mark.parametrize("value", ['"runbooks.example.org/slo.md"', f'"{BASE}#top"', "42"])
def test_a_bad_runbook_base_url_is_an_error_naming_the_setting(tmp_path, monkeypatch, value):
    project(tmp_path, monkeypatch, "python", own=False, settings=f"runbook-base-url = {value}")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert "pyproject.toml: [tool.mrm-observe]: runbook-base-url: must be an http(s) URL without '#'" in result.output
    assert not (tmp_path / "build").exists()


def test_import_keeps_an_openslo_runbook(tmp_path, monkeypatch):
    project(tmp_path, monkeypatch, "openslo", own=True, settings=None)
    result = CliRunner().invoke(main, ["import", SOURCES["openslo"][0]])
    assert result.exit_code == 0, result.output
    assert 'alerting=Alerting(\n            runbook_url="https://own.example/rb",\n        ),' in result.stdout


def test_the_default_runbook_goes_in_the_projects_runbook_annotation(tmp_path, monkeypatch):
    settings = f'runbook-base-url = "{BASE}"\nrunbook-annotations = ["documentation"]'
    project(tmp_path, monkeypatch, "python", own=False, settings=settings)
    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 0, result.output
    rule_file = next((tmp_path / "build" / "prometheus").glob("slo-*.rules.yaml"))
    alerts = [r for g in yaml.safe_load(rule_file.read_text())["groups"] for r in g["rules"] if "alert" in r]
    assert {r["annotations"].get("documentation") for r in alerts} == {f"{BASE}#{alert_name(tmp_path).lower()}"}
    assert not any("runbook_url" in r["annotations"] for r in alerts)
