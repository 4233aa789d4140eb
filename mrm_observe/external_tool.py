"""External command-line tools (promtool, amtool): found as $VARIABLE, then on PATH, then through Docker, and run
with their output captured."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ToolMissingError


@dataclass(frozen=True)
class Tool:
    """How to invoke a tool: the command prefix (the binary, or `docker run ...` with the mount)."""

    command: tuple[str, ...]

    def run(self, args: Sequence[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run the tool with args in cwd (and `stdin` as its input) and capture its output."""
        return subprocess.run([*self.command, *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                              check=False)


@dataclass(frozen=True)
class ToolSpec:
    """Where a tool may be found: its name, the variable naming it, its Debian package and its Docker image."""

    name: str
    variable: str
    package: str
    image: str | None = None
    """None: not run through Docker (kubectl needs the user's kubeconfig)."""

    def install_hint(self) -> str:
        install = f"{self.name} not found: install it (Debian/Ubuntu: `apt-get install -y {self.package}`)"
        if self.image is None:
            return f"{install} or point ${self.variable} at the binary"
        return (f"{install}, point ${self.variable} at the binary, or install Docker to run it from the {self.image} "
                "image")


@dataclass(frozen=True)
class FileResult:
    """Outcome of one file under a tool's check or test."""

    file: str
    ok: bool
    output: str


def find_tool(spec: ToolSpec, env: Mapping[str, str], mount: Path) -> Tool:
    """$VARIABLE, then the tool on PATH, then Docker's image (mounting `mount`); raise ToolMissingError."""
    explicit = env.get(spec.variable)
    if explicit:
        if shutil.which(explicit) is None:
            raise ToolMissingError(f"${spec.variable} is {explicit!r}, which is not an executable. "
                                   f"{spec.install_hint()}")
        return Tool((explicit,))
    on_path = shutil.which(spec.name, path=env.get("PATH"))
    if on_path:
        return Tool((on_path,))
    docker = shutil.which("docker", path=env.get("PATH"))
    if spec.image and docker and subprocess.run([docker, "info"], capture_output=True, check=False).returncode == 0:
        where = str(mount.resolve())
        return Tool((docker, "run", "--rm", "-i", "-v", f"{where}:{where}", "-w", where,
                     "--entrypoint", spec.name, spec.image))
    raise ToolMissingError(spec.install_hint())
