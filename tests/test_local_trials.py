"""What the docs promise for trying things locally: shell completion, and the Grafana stand-in as a program."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from prometheus_server import free_port

from mrm_observe.cli import main

REPO = Path(__file__).resolve().parents[1]
PROGRAM = Path(sys.executable).parent / "mrm-observe"


def complete(shell: str, words: str = "", cword: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "_MRM_OBSERVE_COMPLETE": f"{shell}_{'complete' if words else 'source'}",
           "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    return subprocess.run([str(PROGRAM)], env=env, capture_output=True, text=True, timeout=60)


def test_the_program_prints_a_bash_completion_script():
    script = complete("bash")
    assert script.returncode == 0, script.stderr
    assert "_mrm_observe_completion()" in script.stdout
    assert "complete -o nosort -F _mrm_observe_completion mrm-observe" in script.stdout


def test_the_completion_script_completes_commands_and_options():
    commands = complete("bash", "mrm-observe pub", 1)
    assert commands.stdout.split() == ["plain,publish"]
    options = complete("bash", "mrm-observe build --j", 2)
    assert options.stdout.split() == ["plain,--json"]


def test_zsh_and_fish_scripts_too():
    for shell, marker in (("zsh", "#compdef mrm-observe"), ("fish", "complete --no-files --command mrm-observe")):
        assert marker in complete(shell).stdout


def test_the_standin_runs_as_a_program_and_takes_a_publish(tmp_path, monkeypatch):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.standin", "--port", str(port), "--grafana-12"],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first == f"Grafana stand-in 12.2.0 at http://127.0.0.1:{port}; try:\n", process.stderr.read()
        hint = process.stdout.readline().split()
        assert hint[:2] == [f"GRAFANA_URL=http://127.0.0.1:{port}", "GRAFANA_TOKEN=glsa_standin_admin"]
        (tmp_path / "dashboards").mkdir()
        (tmp_path / "dashboards" / "trial.py").write_text(
            "from mrm_observe import Dashboard, timeseries\n"
            "dashboard = Dashboard(title='Trial', panels=[timeseries('Up', 'sum(up)')])\n")
        monkeypatch.chdir(tmp_path)
        environment = dict(token.split("=", 1) for token in hint[:2])
        published = CliRunner().invoke(main, ["publish", "grafana"], env={**environment, "CI": "1"})
        assert published.exit_code == 0, published.output
        assert "created" in published.output and "1 created" in published.output
        again = CliRunner().invoke(main, ["diff"], env={**environment, "CI": "1"})
        assert "0 created, 0 changed, 1 unchanged" in again.output
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == "stopped\n"
    finally:
        process.kill()
