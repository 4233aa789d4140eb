"""The fenced examples of README.md and docs/*.md, and a scratch copy of the project to run them in.

The convention (docs/design.md, "Examples in the docs"): an example is a fenced block, and the HTML comment on the
line before it, if any, says what it is:

- `<!-- example: output -->`: what the command block above it prints (as a terminal shows it), compared line by line,
  `...` standing for any text;
- `<!-- example: file PATH -->`: the content of PATH, written there before the commands after it run;
- `<!-- example: same as PATH -->`: a file of the repository, shown as it is (a first line naming it aside);
- `<!-- example: not run: REASON -->`: shown, never run, and the reason says why;
- `<!-- example: run by tests/test_x.py -->`: run by that test (with this module), e.g. against its own server.

Unmarked blocks: `bash` blocks are commands, run in order as in one terminal (the working folder and exported
variables carry over); a block whose first line is a comment naming a path (`# slo/checkout.py`) is that file, and
a command block must follow it (one that builds or tests it); other `python` blocks are snippets run with the
project's Python. Anything else must be marked.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from mrm_observe.conventions import DEFINITION_DIRS, ROUTE_TESTS_DIR

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
PROJECT = (*DEFINITION_DIRS, "tests/promtool", ROUTE_TESTS_DIR, "tests/fixtures/ceph", "docs", "pyproject.toml",
           "Makefile")
"""What the scratch copy holds: the platform's definitions, their hand-written tests, the real-world input the docs
import (Debian's Ceph dashboards and alerts), the docs and the settings."""

BLOCK = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.S | re.M)
"""A fenced block, also indented (in a list item)."""
MARKER = re.compile(r"<!--\s*example:\s*(?P<kind>output|file|same as|not run|run by)\b:?\s*(?P<arg>.*?)\s*-->\s*\Z",
                    re.S)
PATH_COMMENT = re.compile(r"(?:#|//) (?P<path>[\w.-]+/[\w./-]+|[\w-]+\.[a-z]+)")
COMMAND_LANGS = ("bash", "sh", "shell")
TIMEOUT_S = 300


@dataclass(frozen=True)
class Example:
    """One fenced block: where it is, what it holds, and what kind of example it is."""

    page: str
    line: int
    lang: str
    body: str
    kind: str
    """commands, file, python, output, same as, not run, run by; `unmarked` when the convention cannot tell."""
    arg: str = ""
    """The file's path (file, same as), the reason (not run) or the test (run by)."""
    span: tuple[int, int] = (0, 0)
    """Where the body is in the page's text."""

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def examples(page: str, text: str | None = None) -> list[Example]:
    """Every fenced block of a page (README.md or docs/x.md), classified."""
    text = (ROOT / page).read_text() if text is None else text
    found = []
    for block in BLOCK.finditer(text):
        before = text[:block.start()].rstrip()
        marker = MARKER.search(before[before.rfind("<!--"):]) if before.endswith("-->") else None
        lang, body = block["lang"], textwrap.dedent(block["body"])
        first = body.partition("\n")[0].strip()
        path = PATH_COMMENT.fullmatch(first)
        if marker:
            kind, arg = marker["kind"], marker["arg"]
        elif lang in COMMAND_LANGS:
            kind, arg = "commands", ""
        elif path:
            kind, arg = "file", path["path"]
        elif lang == "python":
            kind, arg = "python", ""
        else:
            kind, arg = "unmarked", ""
        found.append(Example(page, text.count("\n", 0, block.start()) + 1, lang, body, kind, arg,
                             (block.start("body"), block.end("body"))))
    return found


def trimmed(text: str) -> str:
    """Text as compared with an output example: lines without trailing spaces, no blank lines at either end."""
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def shows(example: str, printed: str) -> bool:
    """Whether an output example shows what was printed: the same lines, where `...` stands for any text (as in
    doctest's ELLIPSIS), e.g. lines that depend on what else the project defines."""
    pattern = ".*?".join(re.escape(part) for part in trimmed(example).split("..."))
    return re.fullmatch(pattern, trimmed(printed), re.S) is not None


@dataclass
class Session:
    """A scratch copy of the project where a page's examples run in order, as a reader would run them."""

    root: Path
    outputs: dict[str, str] = field(default_factory=dict)
    """Example id -> what the commands printed (stdout and stderr)."""

    @classmethod
    def copy_of_project(cls, root: Path) -> Session:
        for name in PROJECT:
            source, dest = ROOT / name, root / name
            if not source.exists():
                continue
            if source.is_dir():
                shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest)
        state = root.parent / f"{root.name}.shell"
        state.mkdir()
        (state / "cwd").write_text(str(root))
        (state / "env").write_text("")
        return cls(root)

    @property
    def _state(self) -> Path:
        return self.root.parent / f"{self.root.name}.shell"

    def cwd(self) -> Path:
        """Where the commands have gone (`cd` in a block carries over to the next)."""
        return Path((self._state / "cwd").read_text())

    def write(self, example: Example) -> None:
        path = self.root / example.arg
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(example.body)

    def commands(self, example: Example) -> str:
        """Run a command block with bash (stop at the first failure); what it printed, stdout and stderr together
        as a terminal shows them."""
        state = self._state
        script = (f"set -euo pipefail\ncd \"$(cat '{state}/cwd')\"\n. '{state}/env'\n{example.body}\n"
                  f"pwd > '{state}/cwd'\nexport -p > '{state}/env'\n")
        done = subprocess.run(["bash", "-c", script], env=environment(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT_S)
        assert done.returncode == 0, f"{example.id}: exit {done.returncode}\n{example.body}\n---\n{done.stdout[-5000:]}"
        self.outputs[example.id] = done.stdout
        return done.stdout

    def python(self, example: Example) -> None:
        done = subprocess.run([sys.executable, "-c", example.body], cwd=self.cwd(), env=environment(),
                              capture_output=True, text=True, timeout=TIMEOUT_S)
        assert done.returncode == 0, f"{example.id}: exit {done.returncode}\n{done.stderr[-3000:]}"


def environment() -> dict[str, str]:
    """A reader's shell: the project's virtualenv first on PATH, no server or token from this machine, no colour."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PROMETHEUS_", "GRAFANA_", "PYTEST_")) and k not in ("COLUMNS", "FORCE_COLOR")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return {**env, "NO_COLOR": "1", "CI": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def run_page(page: str, root: Path, items: list[Example] | None = None) -> Session:
    """Run every example of a page in a fresh copy of the project at root: files are written, commands and Python
    snippets run, outputs compared with what the commands above them printed and copies with the repository's files;
    `not run` and `run by` are skipped. `items`: the page's examples (parsed from the page when not given)."""
    items = examples(page) if items is None else items
    unmarked = [e.id for e in items if e.kind == "unmarked"]
    assert unmarked == [], f"examples that are neither commands, a file nor a Python snippet must be marked: {unmarked}"
    session = Session.copy_of_project(root)
    printed: str | None = None
    unused: list[str] = []  # files no command has run on yet
    for example in items:
        if example.kind == "file":
            session.write(example)
            unused.append(example.id)
        elif example.kind == "commands":
            printed, unused = session.commands(example), []
        elif example.kind == "python":
            session.python(example)
        elif example.kind == "same as":
            body = example.body.partition("\n")[2] if PATH_COMMENT.fullmatch(example.body.partition("\n")[0]) \
                else example.body
            assert body == (ROOT / example.arg).read_text(), f"{example.id}: differs from {example.arg}"
        elif example.kind == "output":
            assert printed is not None, f"{example.id}: an output example follows no command block"
            assert shows(example.body, printed), \
                f"{example.id}: the commands print otherwise:\n{printed}"
    assert unused == [], f"files no command block after them uses (add the command that builds or tests them): {unused}"
    return session
