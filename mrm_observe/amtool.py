"""Find amtool ($AMTOOL, PATH, Docker) and run `amtool check-config` on an Alertmanager config."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .promtool import FileResult, Tool, find_tool

DOCKER_IMAGE = "prom/alertmanager"
INSTALL_HINT = (
    "amtool not found: install it (Debian/Ubuntu: `apt-get install -y prometheus-alertmanager`), "
    "point $AMTOOL at the binary, or install Docker to run it from the prom/alertmanager image"
)
STDIN = "/dev/stdin"


def find_amtool(env: Mapping[str, str], mount: Path) -> Tool:
    """$AMTOOL, then amtool on PATH, then Docker's prom/alertmanager image; raise ToolMissingError."""
    return find_tool("amtool", DOCKER_IMAGE, INSTALL_HINT, env, mount)


def check_config(tool: Tool, config: Path) -> FileResult:
    """`amtool check-config` on a config file (its templates are found relative to it)."""
    done = tool.run(["check-config", str(config)], config.parent)
    return FileResult(str(config), done.returncode == 0, (done.stdout + done.stderr).strip())


def check_config_text(tool: Tool, text: str, cwd: Path) -> FileResult:
    """`amtool check-config` on a config given as text, read from standard input so it is never written to a
    file (used for a config holding secrets; its relative template globs are not looked up)."""
    done = tool.run(["check-config", STDIN], cwd, stdin=text)
    return FileResult(STDIN, done.returncode == 0, (done.stdout + done.stderr).strip())
