"""Errors and problems: every one names the file, the object and the field."""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the CLI (documented in docs/cli.md)."""

    OK = 0
    INVALID = 1
    USAGE = 2
    """click's own code for a bad command line (unknown option, bad value); listed for the documented table."""
    UNAVAILABLE = 3
    """promtool is missing, or Grafana / Prometheus is unreachable or rejected the credentials."""
    PUBLISH_FAILED = 4
    CHECK_FAILED = 5
    """A check said no: `report --fail-on` found an SLO breached (or warning), or `gate` failed a rollout."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a definition: where it is and what would be right."""

    file: str
    obj: str
    field: str
    message: str

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.obj, self.field) if part)
        return f"{where}: {self.message}" if where else self.message

    def place(self) -> tuple[str, int, str, str, str]:
        """The order problems are shown in: by file, then by line as a number (`a.py:9` before `a.py:10`; the
        file's own problems first), then by object, field and message."""
        path, _, line = self.file.rpartition(":")
        if not (path and line.isdigit()):
            path, line = self.file, "0"
        return path, int(line), self.obj, self.field, self.message


class ObserveError(Exception):
    """Base of every error the toolkit raises on purpose."""

    exit_code: ExitCode = ExitCode.INVALID


class DefinitionError(ObserveError):
    """One or more definitions are invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=Problem.place)
        super().__init__("\n".join(str(p) for p in self.problems))


class CheckFailed(ObserveError):
    """promtool rejected a rule file or a rule test failed."""


class OutputError(ObserveError):
    """A file could not be written or removed (read-only folder, a folder where a file belongs, a full disk)."""


class ToolMissingError(ObserveError):
    """An external tool (promtool) could not be found."""

    exit_code = ExitCode.UNAVAILABLE
