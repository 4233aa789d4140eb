"""Find promtool ($PROMTOOL, PATH, Docker) and run `check rules` / `test rules`, parsing the results; `find_tool`
finds the other Prometheus tools (amtool) the same way."""
from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .errors import ToolMissingError

DOCKER_IMAGE = "prom/prometheus"
INSTALL_HINT = (
    "promtool not found: install it (Debian/Ubuntu: `apt-get install -y prometheus`), "
    "point $PROMTOOL at the binary, or install Docker to run it from the prom/prometheus image"
)
_UNIT_TESTING = re.compile(r"^Unit Testing:\s+(.+?)\s*$")


@dataclass(frozen=True)
class Tool:
    """How to invoke a command-line tool (promtool, amtool): the command prefix (the binary, or `docker run ...`
    with the mount)."""

    command: tuple[str, ...]

    def run(self, args: Sequence[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run the tool with args in cwd (and `stdin` as its input) and capture its output."""
        return subprocess.run([*self.command, *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                              check=False)


Promtool = Tool
"""promtool is the tool most callers run."""


def find_promtool(env: Mapping[str, str], mount: Path) -> Promtool:
    """$PROMTOOL, then promtool on PATH, then Docker's prom/prometheus image; raise ToolMissingError."""
    return find_tool("promtool", DOCKER_IMAGE, INSTALL_HINT, env, mount)


def find_tool(name: str, image: str | None, hint: str, env: Mapping[str, str], mount: Path) -> Tool:
    """$<NAME>, then `name` on PATH, then (given an image) Docker's `image` with `name` as its entrypoint (the
    current folder `mount` mounted at the same path); raise ToolMissingError with `hint`."""
    variable = name.upper()
    explicit = env.get(variable)
    if explicit:
        if shutil.which(explicit) is None:
            raise ToolMissingError(f"${variable} is {explicit!r}, which is not an executable. {hint}")
        return Tool((explicit,))
    on_path = shutil.which(name, path=env.get("PATH"))
    if on_path:
        return Tool((on_path,))
    docker = shutil.which("docker", path=env.get("PATH"))
    if image and docker and subprocess.run([docker, "info"], capture_output=True, check=False).returncode == 0:
        where = str(mount.resolve())
        return Tool((docker, "run", "--rm", "-i", "-v", f"{where}:{where}", "-w", where, "--entrypoint", name, image))
    raise ToolMissingError(hint)


@dataclass(frozen=True)
class FileResult:
    """Outcome of one file under `promtool check rules` or `test rules`."""

    file: str
    ok: bool
    output: str


def check_rules(tool: Promtool, files: Sequence[Path], cwd: Path) -> list[FileResult]:
    """`promtool check rules` per file (one call each so every failure is attributed to its file)."""
    results = []
    for path in files:
        done = tool.run(["check", "rules", str(path)], cwd)
        results.append(FileResult(str(path), done.returncode == 0, (done.stdout + done.stderr).strip()))
    return results


def test_rules(tool: Promtool, files: Sequence[Path], cwd: Path, jobs: int = 2) -> list[FileResult]:
    """`promtool test rules` with the files split over `jobs` parallel calls (one per core); results in file order."""
    if not files:
        return []
    chunks = [list(files[i::jobs]) for i in range(min(jobs, len(files)))]
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        parts = list(pool.map(lambda chunk: _test_chunk(tool, chunk, cwd), chunks))
    by_file = {r.file: r for part in parts for r in part}
    return [by_file[str(f)] for f in files]


def _test_chunk(tool: Promtool, files: Sequence[Path], cwd: Path) -> list[FileResult]:
    """One `promtool test rules` call; its output split back into per-file results."""
    done = tool.run(["test", "rules", *map(str, files)], cwd)
    return parse_test_output(done.stdout, done.stderr, [str(f) for f in files], done.returncode)


def parse_test_output(stdout: str, stderr: str, files: Sequence[str], returncode: int) -> list[FileResult]:
    """Per-file results from promtool's text (2.x and 3.x print `Unit Testing:  <file>` then SUCCESS or FAILED)."""
    blocks: dict[str, list[str]] = {}
    current: str | None = None
    for line in stdout.splitlines():
        match = _UNIT_TESTING.match(line)
        if match:
            current = match.group(1)
            blocks[current] = []
        elif current is not None:
            blocks[current].append(line)
    results = []
    for name in files:
        lines = blocks.get(name)
        if lines is None:
            results.append(FileResult(name, False, (stderr or stdout).strip() or f"promtool exited {returncode}"))
            continue
        text = "\n".join(lines).strip()
        results.append(FileResult(name, "FAILED" not in text and "SUCCESS" in text, text))
    _attribute_stderr_failures(results, stdout, stderr)
    return results


def _attribute_stderr_failures(results: list[FileResult], stdout: str, stderr: str) -> None:
    """promtool 2.x prints FAILED blocks on stderr after all stdout: pin them on the files that did not succeed."""
    failed = [i for i, r in enumerate(results) if not r.ok and "FAILED" not in r.output]
    chunks = [c.strip() for c in re.split(r"(?m)^\s*FAILED:\s*$", stderr) if c.strip()]
    for index, chunk in zip(failed, chunks, strict=False):
        results[index] = FileResult(results[index].file, False, f"FAILED:\n{chunk}")


def expression_error_position(tool: Promtool, expr: str, scratch: Path) -> str | None:
    """Ask promtool where a bad expression breaks: 'line:column: reason' (None if promtool accepts it)."""
    scratch.mkdir(parents=True, exist_ok=True)
    probe = scratch / "probe.rules.yaml"
    probe.write_text('groups: [{name: probe, rules: [{record: probe, expr: ' + _yaml_quote(expr) + '}]}]\n')
    done = tool.run(["check", "rules", str(probe)], scratch)
    for line in (done.stdout + done.stderr).splitlines():
        if "could not parse expression" in line:
            tail = line.split("could not parse expression:", 1)[1].strip()
            match = re.match(r"(\d+):(\d+): (?:parse error: )?(.*)", tail)
            return f"{match.group(1)}:{match.group(2)}: {match.group(3)}" if match else tail
    return None


def _yaml_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

