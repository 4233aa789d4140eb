"""Find amtool ($AMTOOL, PATH, Docker) and run `check-config` and `config routes test`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .external_tool import FileResult, Tool, ToolSpec, find_tool
from .matchers import quote

AMTOOL = ToolSpec("amtool", "AMTOOL", "prometheus-alertmanager", "prom/alertmanager")
Amtool = Tool
STDIN = "/dev/stdin"


def find_amtool(env: Mapping[str, str], mount: Path) -> Amtool:
    """$AMTOOL, then amtool on PATH, then Docker's prom/alertmanager image; raise ToolMissingError."""
    return find_tool(AMTOOL, env, mount)


def check_config(tool: Amtool, config: Path) -> FileResult:
    """`amtool check-config` on one Alertmanager config (its templates, found relative to it, are loaded too)."""
    done = tool.run(["check-config", str(config)], config.parent)
    return FileResult(str(config), done.returncode == 0, (done.stdout + done.stderr).strip())


def check_config_text(tool: Amtool, text: str, cwd: Path) -> FileResult:
    """`amtool check-config` on a config given as text, read from standard input so that it is never written to a
    file (a config holding secrets; relative template globs are not looked up)."""
    done = tool.run(["check-config", STDIN], cwd, stdin=text)
    return FileResult(STDIN, done.returncode == 0, (done.stdout + done.stderr).strip())


@dataclass(frozen=True)
class RouteVerdict:
    """What `amtool config routes test` said of one label set: the receivers, in routing order, and whether they
    are the expected ones."""

    receivers: tuple[str, ...]
    ok: bool


MISMATCH = "Expected receivers did not match resolved receivers"


def routes_test(tool: Amtool, config: Path, labels: Mapping[str, str], cwd: Path,
                expected: Sequence[str] = ()) -> RouteVerdict:
    """Route a label set through the config with amtool (verifying `expected` when given); ValueError when amtool
    fails for another reason."""
    args = [f"{name}={quote(value)}" for name, value in sorted(labels.items())]
    verify = [f"--verify.receivers={','.join(expected)}"] if expected else []
    done = tool.run(["config", "routes", "test", f"--config.file={config}", *verify, *args], cwd)
    lines = done.stdout.splitlines()
    if done.returncode != 0 and not any(MISMATCH in line for line in lines):
        raise ValueError((done.stdout + done.stderr).strip() or f"amtool exited {done.returncode}")
    return RouteVerdict(tuple(lines[0].split(",")) if lines and lines[0] else (), done.returncode == 0)
