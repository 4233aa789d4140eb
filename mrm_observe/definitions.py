"""What discovery finds: definition objects tagged with their source file, and the problems met on the way."""
from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem


@dataclass(frozen=True)
class Sourced:
    """A definition object and where it was defined."""

    source: str
    obj: Any
    folder: tuple[str, ...] = ()
    line: int | None = None
    """The line of the module that holds the object (its assignment, or its item in a literal list), when known."""
    member_lines: Mapping[str, int] = field(default_factory=dict)
    """Lines of the object's members written as a literal in its call (`rules[2]` -> the line of that rule)."""

    @property
    def where(self) -> str:
        """`file:line`, or the file alone."""
        return f"{self.source}:{self.line}" if self.line else self.source

    def where_of(self, member: str) -> str:
        """`file:line` of a member (see member_lines), else where the object is."""
        line = self.member_lines.get(member)
        return f"{self.source}:{line}" if line else self.where


@dataclass
class Definitions:
    """Everything found under the source folders, plus what was wrong while finding it."""

    dashboards: list[Sourced] = field(default_factory=list)
    groups: list[Sourced] = field(default_factory=list)
    slos: list[Sourced] = field(default_factory=list)
    alertmanagers: list[Sourced] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    origins: list[Sourced] = field(default_factory=list)
    """The file each imported rule module was made from (`obj`: its name, as a promtool test may name it)."""

    def extend(self, other: Definitions) -> None:
        self.dashboards += other.dashboards
        self.groups += other.groups
        self.slos += other.slos
        self.alertmanagers += other.alertmanagers
        self.problems += other.problems
        self.origins += other.origins


def loaded_instance(value: Any, module: str, name: str) -> bool:
    """True when `value` is an instance of class `name` of `module`, found without importing the module: a value
    can only be one when the module defining it has already been imported (by the definition that made it)."""
    found = sys.modules.get(module)
    return found is not None and isinstance(value, getattr(found, name))


DASHBOARD_CLASS = ("grafanalib.core", "Dashboard")


def is_dashboard(value: Any) -> bool:
    """True for a grafanalib Dashboard (see `loaded_instance`: grafanalib is not imported to ask)."""
    return loaded_instance(value, *DASHBOARD_CLASS)
