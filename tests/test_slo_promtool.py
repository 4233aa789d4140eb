"""Generated SLO tests under the real promtool: they pass on our rules, fail on broken ones, and Sloth's own
generated rules fire and stay silent in the same scenarios (compatibility suite in tests/fixtures/sloth)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_slo_compile import CASES

from mrm_observe import promtool as promtool_mod
from mrm_observe.compile.rules import rule_file
from mrm_observe.compile.slo import compile_slo
from mrm_observe.compile.slo_inputs import feed
from mrm_observe.compile.slo_tests import slo_test_file
from mrm_observe.pipeline import Project, run_tests
from mrm_observe.render import to_yaml
from mrm_observe.slo_specs import load_spec
from mrm_observe.validate import slo_problems

ROOT = Path(__file__).resolve().parents[1]
COMPAT = ROOT / "tests" / "fixtures" / "sloth"


def run(promtool, folder: Path, rules: dict, test: dict) -> promtool_mod.FileResult:
    (folder / "slo.rules.yaml").write_bytes(to_yaml(rules))
    (folder / "slo_test.yaml").write_bytes(to_yaml({**test, "rule_files": ["slo.rules.yaml"]}))
    return promtool_mod.test_rules(promtool, [folder / "slo_test.yaml"], folder)[0]


@pytest.mark.parametrize("name", CASES)
def test_generated_tests_pass_on_the_generated_rules(name, promtool, tmp_path):
    slo = CASES[name]
    result = run(promtool, tmp_path, rule_file(compile_slo(slo)), slo_test_file(slo, "x"))
    assert result.ok, result.output


SEL = '{sloth_id="api-availability", sloth_service="api", sloth_slo="availability"}'
PLANTED = [
    ("(14.4 * 0.001)", "(144 * 0.001)", "a page factor 10x too high misses the outage"),
    ("(1 * 0.001)", "(0.9 * 0.001)", "a ticket factor 10% low fires just below the threshold"),
    ("(6 * 0.001)", "(6.5 * 0.001)", "a page factor 8% high stays silent just above the threshold"),
    (f"slo:sli_bad_events:rate5m{SEL}[30d]", f"slo:sli_error:ratio_rate5m{SEL}[30d]",
     "an averaged period ratio gives the wrong value under uneven traffic"),
    (f"max without (sloth_window) (slo:sli_error:ratio_rate5m{SEL} > (14.4 * 0.001))",
     f"max without (sloth_window) (slo:sli_error:ratio_rate1h{SEL} > (14.4 * 0.001))",
     "a page pair that ignores its short window keeps paging after recovery"),
    (f"(slo:sli_total_events:rate5m{SEL} > 0)", f"(slo:sli_total_events:rate5m{SEL})",
     "a ratio that divides by zero traffic records NaN"),
    (f"1 - slo:period_burn_rate:ratio{SEL}", f"1 - slo:current_burn_rate:ratio{SEL}",
     "budget remaining from the current instead of the period burn rate is wrong"),
]
"""(text in the generated rules, its broken replacement, the bug the generated tests must catch)."""


@pytest.mark.parametrize("old, new, why", PLANTED, ids=[why for _, _, why in PLANTED])
def test_generated_tests_catch_broken_rules(old, new, why, promtool, tmp_path):
    slo = CASES["events"]
    text = to_yaml(rule_file(compile_slo(slo))).decode()
    assert old in text
    broken = yaml.safe_load(text.replace(old, new))
    assert not run(promtool, tmp_path, broken, slo_test_file(slo, "x")).ok, why


def test_platform_slos_build_and_their_generated_tests_pass(promtool, tmp_path):
    project = Project.at(ROOT, (ROOT / "slo",), tmp_path / "build", tmp_path / "no-hand-written-tests")
    report = run_tests(project, promtool)
    assert report.ok, [r.output for r in report.results if not r.ok]
    assert len(report.results) == len(report.build.definitions.slos)  # one generated test file per SLO


def spec_slos(name: str) -> list:
    found = load_spec(COMPAT / "specs" / name, name)
    assert found.problems == [] and slo_problems(found.slos) == []
    return [item.obj for item in found.slos]


@pytest.mark.parametrize("name", sorted(p.name for p in (COMPAT / "specs").glob("*.yml")))
def test_every_sloth_example_builds_and_promtool_accepts_the_rules(name, promtool, tmp_path):
    slos = spec_slos(name)
    assert slos
    path = tmp_path / "rules.yaml"
    path.write_bytes(to_yaml(rule_file([g for slo in slos for g in compile_slo(slo)])))
    assert promtool_mod.check_rules(promtool, [path], tmp_path)[0].ok


def tier_test(test: dict, slo, groups: list[str]) -> dict:
    """The same scenarios, asserting only which tiers fire (Sloth has one rule per tier, we have one per pair)."""
    out = []
    for group in test["tests"]:
        cases = [{"expr": f'max by (sloth_severity) (ALERTS{{alertname="{slo.alert_name}", sloth_id="{slo.id}", '
                          'alertstate="firing"})',
                  "eval_time": case["eval_time"],
                  "exp_samples": [{"labels": f'{{sloth_severity="{tier}"}}', "value": 1} for tier in
                                  sorted({a["exp_labels"]["sloth_severity"] for a in case.get("exp_alerts", [])})]}
                 for case in group.get("alert_rule_test", [])]
        if cases:
            out.append({k: group[k] for k in ("name", "interval", "input_series")} | {"promql_expr_test": cases})
    return {"evaluation_interval": test["evaluation_interval"], "group_eval_order": groups, "tests": out}


def ordered_groups(rules: dict) -> list[str]:
    """SLI recordings, then metadata, then alerts (Sloth's and our group names share these prefixes)."""
    order = ("sloth-slo-sli-recordings-", "sloth-slo-meta-recordings-", "sloth-slo-alerts-")
    names = [g["name"] for g in rules["groups"]]
    return sorted(names, key=lambda n: (next(i for i, p in enumerate(order) if n.startswith(p)), n))


@pytest.mark.parametrize("name", ["getting-started.yml", "multifile.yml", "kubernetes-apiserver.yml"])
def test_sloth_generated_alerts_fire_and_stay_silent_in_the_same_scenarios_as_ours(name, promtool, tmp_path):
    docs = [d for d in yaml.safe_load_all((COMPAT / "generated" / name).read_text()) if d]
    sloth_rules = {"groups": [g for d in docs for g in d["groups"]]}
    ours = {"groups": [g for slo in spec_slos(name) for g in rule_file(compile_slo(slo))["groups"]]}
    checked = 0
    for slo in spec_slos(name):
        if feed(slo.sli) is None or not slo.alerting.page.enabled:
            continue
        for label, rules in (("ours", ours), ("sloth", sloth_rules)):
            folder = tmp_path / f"{slo.id}-{label}"
            folder.mkdir()
            result = run(promtool, folder, rules, tier_test(slo_test_file(slo, "x"), slo, ordered_groups(rules)))
            assert result.ok, f"{label}: {result.output}"
        checked += 1
    assert checked >= 1
