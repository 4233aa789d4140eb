"""docs/import.md's dashboard walkthrough runs verbatim (its blocks are marked as run by this test, see
tests/doc_examples.py): export from Grafana (the stand-in), import, build, diff, publish."""
from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

from click.testing import CliRunner
from standin import GrafanaStandin

from conftest import FIXTURES
from doc_examples import examples
from mrm_observe.cli import main

PAGE = "docs/import.md"
TOKEN = "glsa_standin_admin"


def walkthrough_commands() -> list[str]:
    return [line for example in examples(PAGE) if example.kind == "run by" and Path(__file__).name in example.arg
            for line in example.body.splitlines() if line.strip()]


def test_the_walkthrough_has_the_four_steps():
    assert [shlex.split(c)[1:3] for c in walkthrough_commands()] == [
        ["import", "--grafana-url"], ["build"], ["publish", "grafana"], ["publish", "grafana"]]


def test_the_walkthrough_runs_verbatim(tmp_path, monkeypatch):
    with GrafanaStandin() as grafana:
        original = json.loads((FIXTURES / "ceph" / "dashboards" / "osds-overview.json").read_text())
        from mrm_observe.grafana_api import Auth, GrafanaClient, GrafanaSettings
        GrafanaClient(GrafanaSettings(grafana.url, Auth(token=TOKEN))).save_dashboard(original, "")
        monkeypatch.chdir(tmp_path)
        env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN, "CI": "1"}
        outputs = []
        for command in walkthrough_commands():
            words = [os.path.expandvars(w) if "$" in w else w for w in shlex.split(command.replace(
                '"$GRAFANA_URL"', grafana.url))][1:]
            result = CliRunner().invoke(main, words, env=env)
            outputs.append(result.output)
            assert result.exit_code == (4 if words[-1] == "--dry-run" else 0), (command, result.output)
        assert (tmp_path / "dashboards" / "osd_overview.py").is_file()
        assert re.search(r"^drift +lo02I1Aiz +.*OSD Overview", outputs[2], re.M), outputs[2]
        assert "+++ definition/lo02I1Aiz" in outputs[2]
        published = grafana.store.get_dashboard("lo02I1Aiz")["dashboard"]
        assert {p["type"] for p in published["panels"]} >= {"timeseries", "table", "piechart", "stat"}
        assert list((tmp_path / "backups" / "grafana").glob("lo02I1Aiz-v*.json"))
