"""`mrm-observe tune` against a real Prometheus holding tests/tune_history.py, whose true episodes are known by
construction: the back-test finds exactly them, vmalert's replay mode writes the same episodes for the same rules
and data, promtool (Prometheus's own rule engine) agrees on every minute, including keep_firing_for, which vmalert
1.79 does not know; long ranges are cut under 11,000 points; the what-if grid equals back-tests of the rewritten
rules at the cost of one back-test; SLO alerts match their error ratios worked out by hand."""
from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from conftest import UPDATE_GOLDEN, write_tree

import doc_examples
import tune_history as h
from mrm_observe import pipeline_tune
from mrm_observe.cli import main
from mrm_observe.slo_math import error_budget
from prometheus_server import PrometheusServer, binary
from victoria_server import VictoriaMetricsServer

RANGE = ["--start", str(h.START), "--end", str(h.END)]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tune-prometheus")
    with PrometheusServer.start(folder, rule_files=(), openmetrics=h.openmetrics(),
                                extra_args=["--storage.tsdb.retention.time=100y"]) as server:
        yield server.url


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tune-rules")
    (folder / "rules.yaml").write_text(h.RULES)
    (folder / "keep.yaml").write_text(h.KEEP_RULES)
    return {"rules": folder / "rules.yaml", "keep": folder / "keep.yaml"}


def tune(server: str, *args: str, env: dict | None = None):
    result = CliRunner().invoke(main, ["tune", *args],
                                env={"PROMETHEUS_URL": server, "PROMETHEUS_TOKEN": None, "CI": "1", **(env or {})})
    return result


def back_test(server: str, *args: str, env: dict | None = None) -> dict:
    result = tune(server, "--format", "json", *args, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def minute(text: str) -> int:
    return round((datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() - h.START) / 60)


def episodes_by_alert(document: dict) -> dict[str, list[tuple[dict, int, int]]]:
    return {a["alert"]: [(e["labels"], minute(e["start"]), minute(e["end"])) for e in a["episodes"]]
            for a in document["alerts"]}


@pytest.fixture(scope="module")
def full(prometheus, rules) -> dict:
    return back_test(prometheus, "--rules", str(rules["rules"]), "--rules", str(rules["keep"]), *RANGE)


def test_the_back_test_finds_the_episodes_the_history_was_built_with(full):
    found = episodes_by_alert(full)
    assert set(found) == set(h.TRUTH)
    for alert, expected in h.TRUTH.items():
        assert sorted(found[alert], key=repr) == sorted(expected, key=repr), alert
    missing = next(a for a in full["alerts"] if a["alert"] == "Missing")
    assert missing["problems"] and missing["recommendation"].startswith("No data")
    both = next(a for a in full["alerts"] if a["alert"] == "BothAbove")
    assert both["threshold"] is None and [r["threshold"] for r in both["whatif"]] == [None] * len(both["whatif"])
    assert full["range"] == {"start": "2026-11-01T00:00:00Z", "end": "2026-11-01T12:00:00Z", "step": "1m"}


def vmalert_replay(prometheus: str, rules: Path, workdir: Path) -> dict[str, list[tuple[dict, int, int]]]:
    """Episodes from the ALERTS{alertstate="firing"} samples vmalert's replay mode writes for the whole range, in
    one request per rule (its alert state does not carry over from one request to the next: see docs/tune.md)."""
    with VictoriaMetricsServer.start(workdir / "vm") as vm:
        done = subprocess.run(
            [binary("vmalert", "victoria-metrics"), f"-rule={rules}", f"-datasource.url={prometheus}",
             f"-remoteWrite.url={vm.url}", "-replay.timeFrom=2026-11-01T00:00:00Z",
             "-replay.timeTo=2026-11-01T11:59:00Z", "-datasource.queryStep=1m", "-replay.maxDatapointsPerQuery=1000",
             "-replay.rulesDelay=0s", "-replay.disableProgressBar"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "replay finished" in done.stderr + done.stdout, done.stderr[-2000:]
        httpx.get(f"{vm.url}/internal/force_flush", timeout=10).raise_for_status()
        export = httpx.post(f"{vm.url}/api/v1/export", data={"match[]": '{__name__="ALERTS",alertstate="firing"}'},
                            timeout=10)
    found: dict[str, list[tuple[dict, int, int]]] = {}
    for line in export.text.splitlines():
        series = json.loads(line)
        labels = {k: v for k, v in series["metric"].items()
                  if k not in ("__name__", "alertname", "alertstate", "alertgroup")}
        spans: list[list[int]] = []
        for t in sorted(series["timestamps"]):
            m = round((t / 1000 - h.START) / 60)
            if spans and spans[-1][1] == m:
                spans[-1][1] = m + 1
            else:
                spans.append([m, m + 1])
        found.setdefault(series["metric"]["alertname"], []).extend((labels, a, b) for a, b in spans)
    return found


def test_vmalert_replay_writes_the_same_episodes(prometheus, rules, full, tmp_path):
    replayed = vmalert_replay(prometheus, rules["rules"], tmp_path)
    names = {rule["alert"] for rule in yaml.safe_load(h.RULES)["groups"][0]["rules"]}
    ours = {alert: episodes for alert, episodes in episodes_by_alert(full).items() if alert in names and episodes}
    assert set(replayed) == set(ours)
    for alert in ours:
        assert sorted(replayed[alert], key=repr) == sorted(ours[alert], key=repr), alert


@lru_cache(maxsize=None)
def promtool_values(case: str, instance: str) -> str:
    """A gauge's samples in promtool's notation at 1 s resolution, so each sample keeps its time."""
    samples = {t - h.START: v for t, v in h.gauge_samples(case, instance)}
    tokens, missing = [], 0
    for second in range(h.MINUTES * 60):
        if second in samples:
            tokens += [f"_x{missing}"] if missing else []
            tokens.append(f"{samples[second]:g}")
            missing = 0
        else:
            missing += 1
    return " ".join(tokens)


def promtool_test(document: dict, shift: int = 0) -> dict:
    """A promtool unit test feeding the history's gauges and expecting at every minute exactly the alerts the
    document says were firing (`shift` moves every episode's end, to show the check can fail)."""
    checks = []
    for alert in document["alerts"]:
        spans = [(e["labels"], minute(e["start"]), minute(e["end"]) + shift) for e in alert["episodes"]]
        for m in range(h.MINUTES):
            checks.append({"eval_time": f"{m}m", "alertname": alert["alert"],
                           "exp_alerts": [{"exp_labels": labels} for labels, a, b in spans if a <= m < b]})
    series = [{"series": f"tune_value{{{h.labels(c, i)}}}", "values": promtool_values(c, i)} for c, i in h.CASES]
    return {"rule_files": ["rules.yaml", "keep.yaml"], "evaluation_interval": "1m",
            "tests": [{"interval": "1s", "input_series": series, "alert_rule_test": checks}]}


def test_promtool_evaluating_the_same_samples_agrees_at_every_minute(full, rules):
    folder = rules["rules"].parent
    (folder / "agree_test.yaml").write_text(json.dumps(promtool_test(full)))  # JSON is YAML
    done = subprocess.run([binary("promtool"), "test", "rules", "agree_test.yaml"], cwd=folder, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (folder / "wrong_test.yaml").write_text(json.dumps(promtool_test(full, shift=1)))
    done = subprocess.run([binary("promtool"), "test", "rules", "wrong_test.yaml"], cwd=folder, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0 and "FlapKeep" in done.stdout + done.stderr


def test_a_range_starting_mid_episode_knows_what_was_already_firing(prometheus, rules):
    document = back_test(prometheus, "--rules", str(rules["rules"]), "--rules", str(rules["keep"]),
                         "--start", str(h.START + 130 * 60), "--end", str(h.START + 420 * 60))
    found = episodes_by_alert(document)
    assert found["SpikesFor5m"] == [({"case": "spikes"}, 130, 133), ({"case": "spikes"}, 306, 307)]
    assert found["StepAbove"] == [({"case": "step", "severity": "warning"}, 130, 420)]
    assert found["FlapKeep"] == [({"case": "flap"}, 401, 420)]
    assert sorted(found["PairFor5m"], key=repr) == sorted(
        [({"case": "pair", "instance": "a"}, 130, 141), ({"case": "pair", "instance": "b"}, 130, 201),
         ({"case": "pair", "instance": "b"}, 211, 216)], key=repr)


def count_queries(server: str, *args: str) -> tuple[dict, int]:
    from forward_proxy import ForwardProxy

    with ForwardProxy() as proxy:
        document = back_test(server, *args, env={"HTTP_PROXY": proxy.url, "NO_PROXY": ""})
    return document, len([s for s in proxy.seen if "/api/v1/query_range" in s.url])


def test_long_ranges_are_cut_so_that_no_query_exceeds_11000_points(prometheus, rules, full, monkeypatch):
    long_range = ["--start", str(h.START - 9 * 86400), "--end", str(h.END)]  # 13,680 evaluations
    document, queries = count_queries(prometheus, "--rules", str(rules["rules"]), "--alert", "GapNoFor", *long_range)
    assert queries == 2
    assert episodes_by_alert(document)["GapNoFor"] == h.TRUTH["GapNoFor"]
    monkeypatch.setattr(pipeline_tune, "MAX_POINTS", 97)
    document, queries = count_queries(prometheus, "--rules", str(rules["rules"]), *RANGE, "--alert", "Pair*")
    assert queries == -(-(h.MINUTES + 5) // 97)  # 5 minutes of warm-up for `for: 5m`
    assert episodes_by_alert(document)["PairFor5m"] == episodes_by_alert(full)["PairFor5m"]


GRID = {"thresholds": (5, 15, 25), "for": ("0s", "2m", "5m"), "keep": ("0s", "3m")}


def test_the_what_if_grid_equals_back_tests_of_the_rewritten_rules_at_the_cost_of_one(prometheus, rules, tmp_path):
    args = ["--rules", str(rules["rules"]), "--alert", "SpikesNoFor", *RANGE]
    grid_args = [*(a for t in GRID["thresholds"] for a in ("--threshold", str(t))),
                 *(a for f in GRID["for"] for a in ("--for", f)),
                 *(a for k in GRID["keep"] for a in ("--keep-firing-for", k))]
    document, grid_queries = count_queries(prometheus, *args, *grid_args)
    _, single_queries = count_queries(prometheus, *args)
    assert grid_queries == single_queries == 1
    rows = document["alerts"][0]["whatif"]
    assert len(rows) == 4 * 3 * 2  # the rule's own threshold (10) joins the three given
    rewritten = [{"alert": f"V{i}", "expr": f'tune_value{{case="spikes"}} > {r["threshold"]:g}', "for": r["for"],
                  "keep_firing_for": r["keep_firing_for"]} for i, r in enumerate(rows)]
    path = tmp_path / "rewritten.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "v", "interval": "1m", "rules": rewritten}]}))
    each = {a["alert"]: a for a in back_test(prometheus, "--rules", str(path), *RANGE)["alerts"]}
    for i, row in enumerate(rows):
        assert (row["episode_count"], row["firing_seconds"]) == (each[f"V{i}"]["episode_count"],
                                                                 each[f"V{i}"]["firing_seconds"]), row


def test_incidents_give_precision_recall_and_delays(prometheus):
    session = Path(__file__).resolve().parents[1] / "docs" / "tune-session"
    document = back_test(prometheus, "--rules", str(session / "alerts.yaml"), "--incidents",
                         str(session / "incidents.csv"), *RANGE)
    (alert,) = document["alerts"]
    assert alert["episode_count"] == 11 and alert["short_episodes"] == 9
    # the 5m error ratio passes 5 % one minute into either incident; `for: 1m` fires a minute later
    assert alert["incidents"] == {"precision": round(2 / 11, 6), "recall": 1.0,
                                  "detection_delay_seconds": [120.0, 240.0], "reset_seconds": [300.0, 180.0],
                                  "missed": []}
    assert [i["name"] for i in document["incidents"]] == ["payment provider timeouts", "bad deploy rolled back"]


SLO_PROJECT = """
from mrm_observe import SLO, Alerting, ErrorRatioSLI
from mrm_observe.model.windows import BurnWindow, WindowTable

slos = [SLO(service="tune", name="availability", objective=99.9,
            sli=ErrorRatioSLI(bad='sum(rate(tune_requests_total{status="500"}[{{window}}]))',
                              total='sum(rate(tune_requests_total[{{window}}]))'),
            windows=WindowTable(period="30d", windows=(
                BurnWindow(tier="page", short="5m", long="1h", budget_percent=2),
                BurnWindow(tier="ticket", short="10m", long="2h", budget_percent=5))),
            alerting=Alerting(name="TuneBurn"))]
"""


def expected_slo_episodes(short: int, long: int, factor: float, start: int) -> list[tuple[int, int]]:
    """Evaluations (minutes) at which both error ratios, worked out from the history's constants, exceed the
    threshold, as [first, stop) runs: an SLO alert has no `for`."""
    threshold = factor * error_budget(99.9)
    fires = [m for m in range(start, h.MINUTES)
             if all(h.error_ratio(h.START + 60 * m, 60 * w) > threshold for w in (short, long))]
    spans: list[list[int]] = []
    for m in fires:
        if spans and spans[-1][1] == m:
            spans[-1][1] = m + 1
        else:
            spans.append([m, m + 1])
    return [tuple(s) for s in spans]


def test_slo_alerts_and_their_burn_factor_and_window_what_if(prometheus, tmp_path, monkeypatch):
    root = write_tree(tmp_path / "project", {"slo/tune.py": SLO_PROJECT})
    monkeypatch.chdir(root)
    start = 120  # every window (2h at most) lies within the history from here on
    document = back_test(prometheus, "--start", str(h.START + start * 60), "--end", str(h.END),
                         "--burn-factor", "10", "--burn-factor", "20", "--burn-windows", "10m/2h")
    entries = {a["slo"]["long_window"]: a for a in document["alerts"]}
    page, ticket = entries["1h"], entries["2h"]
    assert page["slo"] == {"id": "tune-availability", "tier": "page", "short_window": "5m", "long_window": "1h",
                           "factor": 14.4, "detection_seconds": 51.84, "budget_spent_at_detection": 0.02}
    assert [(minute(e["start"]), minute(e["end"])) for e in page["episodes"]] == \
        expected_slo_episodes(5, 60, 14.4, start)
    assert [(minute(e["start"]), minute(e["end"])) for e in ticket["episodes"]] == \
        expected_slo_episodes(10, 120, 18, start)
    assert page["episodes"][0]["labels"]["sloth_id"] == "tune-availability"
    for row in page["whatif"]:
        windows = [int(w.removesuffix("m")) if w.endswith("m") else 60 * int(w.removesuffix("h"))
                   for w in (row["short_window"], row["long_window"])]
        assert row["episode_count"] == len(expected_slo_episodes(*windows, row["factor"], start)), row
        assert row["threshold"] == pytest.approx(row["factor"] * 0.001)
        assert row["detection_seconds"] == pytest.approx(row["factor"] * 0.001 * windows[1] * 60)
    assert {(r["short_window"], r["long_window"], r["factor"]) for r in page["whatif"]} == {
        (s, l, f) for s, l in (("5m", "1h"), ("10m", "2h")) for f in (10, 14.4, 20)}
    assert page["episode_count"] >= 1 and ticket["episode_count"] >= 1


def test_an_unreachable_server_exits_3_and_a_refused_query_exits_3_naming_it(prometheus, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
        {"alert": "BadRegex", "expr": 'label_replace(up, "a", "$1", "b", "(") > 1'}]}]}))
    result = tune("http://127.0.0.1:9", "--rules", str(path), "--retries", "0", *RANGE)
    assert result.exit_code == 3 and ("unreachable" in result.stderr or "connection failed" in result.stderr)
    result = tune(prometheus, "--rules", str(path), "--retries", "0", *RANGE)
    assert result.exit_code == 3, result.output
    assert "could not answer 'label_replace(up" in result.stderr and "Traceback" not in result.output


def test_every_format_comes_out_of_the_cli(prometheus, rules, tmp_path):
    args = ["--rules", str(rules["rules"]), "--alert", "Spikes*", *RANGE]
    table = tune(prometheus, *args)
    assert table.exit_code == 0 and "SpikesNoFor (tune-cases)" in table.stdout
    assert "Raising `for` to 5m would leave 2 episodes" in table.stdout
    markdown = tune(prometheus, *args, "--format", "markdown")
    assert markdown.stdout.startswith("**Alert back-test** 2026-11-01T00:00:00Z to 2026-11-01T12:00:00Z, every 1m")
    out = tmp_path / "tune.html"
    html = tune(prometheus, *args, "--format", "html", "--out", str(out))
    assert html.exit_code == 0 and "written to" in html.stdout
    assert out.read_text().count("<svg") == 2 and out.read_text().startswith("<!DOCTYPE html>")
    again = json.dumps(back_test(prometheus, *args))
    assert again == json.dumps(back_test(prometheus, *args))  # the same answers give the same document


# --- the worked session of docs/tune.md ------------------------------------------------------------------------------

PAGE = "docs/tune.md"
DOC = doc_examples.ROOT / PAGE
SED = re.compile(r"^sed -i 's/(.*)/(.*)/' (\S+)$")
DOCUMENTED_URL = "http://prometheus:9090"


def session_steps() -> list[tuple[list[str], doc_examples.Example | None]]:
    """(commands of a bash block, the output block right after it, if any): the examples of docs/tune.md marked
    `run by tests/test_tune_prometheus.py` (tests/doc_examples.py reads them)."""
    mine = [e for e in doc_examples.examples(PAGE) if e.kind == "run by" and e.arg == "tests/test_tune_prometheus.py"]
    steps = []
    for block, after in zip(mine, [*mine[1:], None]):
        if block.lang != "bash":
            continue
        lines = block.body.replace("\\\n", " ").splitlines()
        follows = after is not None and after.lang != "bash"
        steps.append(([" ".join(line.split()) for line in lines if line.strip()], after if follows else None))
    return steps


def run_session_step(commands: list[str], folder: Path, server: str) -> str:
    """Run a bash block of the session in `folder`: mrm-observe through the CLI, sed as a text replacement; the
    output with the server's URL as the docs show it."""
    out = ""
    for command in commands:
        if command.startswith(("export PROMETHEUS_URL=", "cd docs/tune-session")):
            continue
        if found := SED.match(command):
            target = folder / found[3]
            assert found[1] in target.read_text(), command
            target.write_text(target.read_text().replace(found[1], found[2]))
            continue
        words = shlex.split(command)
        assert words[0] == "mrm-observe", f"the session runs only mrm-observe and sed: {command}"
        result = tune(server, *words[2:])
        assert result.exit_code == 0, (command, result.output)
        out = result.stdout.replace(server, DOCUMENTED_URL)
    return out


def test_the_documented_tuning_session_is_what_the_tool_prints(prometheus, tmp_path, monkeypatch):
    folder = tmp_path / "tune-session"
    shutil.copytree(DOC.parent / "tune-session", folder)
    monkeypatch.chdir(folder)
    text = DOC.read_text()
    steps = session_steps()
    assert len(steps) == 5
    updated, shift = text, 0
    for commands, block in steps:
        output = run_session_step(commands, folder, prometheus)
        if block is None:
            assert (folder / "checkout.html").read_text().startswith("<!DOCTYPE html>")
            continue
        if UPDATE_GOLDEN:
            start, end = block.span[0] + shift, block.span[1] + shift
            fresh = "\n".join(line.rstrip() for line in output.splitlines()) + "\n"
            updated, shift = updated[:start] + fresh + updated[end:], shift + len(fresh) - (end - start)
        elif block.lang == "json":
            assert json.loads(output) == json.loads(block.body)
        elif block.lang == "text":
            assert [line.strip() for line in output.splitlines()] == [line.strip() for line in block.body.splitlines()]
        else:
            assert output == block.body
    if UPDATE_GOLDEN:
        DOC.write_text(updated)
    assert (DOC.parent / "tune-html.png").stat().st_size < 150_000


def test_no_secret_is_printed_in_the_document_or_an_error(prometheus, rules, tmp_path):
    with_user = prometheus.replace("http://", "http://oncall:pa55word@")
    env = {"PROMETHEUS_URL": with_user, "PROMETHEUS_TOKEN": "tok-s3cret", "CI": "1"}
    ok = CliRunner().invoke(main, ["tune", "--rules", str(rules["rules"]), "--alert", "Gap*", *RANGE, "--format",
                                   "json"], env=env)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": [
        {"alert": "BadRegex", "expr": 'label_replace(up, "a", "$1", "b", "(") > 1'}]}]}))
    refused = CliRunner().invoke(main, ["tune", "--rules", str(bad), *RANGE, "--retries", "0"], env=env)
    assert ok.exit_code == 0 and refused.exit_code == 3
    assert json.loads(ok.stdout)["prometheus"] == prometheus
    for text in (ok.output, refused.output):
        assert "pa55word" not in text and "tok-s3cret" not in text
