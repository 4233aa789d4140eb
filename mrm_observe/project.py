"""A project and its definitions: where they live (Project) and the first two steps, define -> validate (load).

Kept apart from pipeline.py so that commands that only read definitions (report, gate, tune) load neither the
compilers nor grafanalib."""
from __future__ import annotations

import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import promtool as promtool_mod
from .conventions import DEFINITION_DIRS, ROUTE_TESTS_DIR, owner_id
from .definitions import Definitions
from .discover import discover
from .errors import DefinitionError
from .promtool import Promtool
from .validate import Locator, validate


@dataclass(frozen=True)
class Project:
    """Where definitions, hand-written promtool and route tests, and build output live."""

    root: Path
    sources: tuple[Path, ...]
    out: Path
    tests: Path
    partial: bool = False
    """Sources were chosen by hand: promtool tests of rule files outside them are skipped, not errors."""
    owner: str = "project"
    """The project's id in generated headers: installs replace and remove only files of the same owner."""
    route_tests: Path | None = None
    """Folder of hand-written route tests (`*.yaml`), checked with amtool against the built Alertmanager config."""

    @classmethod
    def at(cls, root: Path, sources: tuple[Path, ...] = (), out: Path | None = None,
           tests: Path | None = None) -> Project:
        """Defaults: root/{dashboards,alerts,slo,alertmanager} that exist, root/build, root/tests/promtool and
        root/tests/routes; relative paths are under root."""
        chosen = tuple(root / s for s in sources) or tuple(root / d for d in DEFINITION_DIRS if (root / d).exists())
        return cls(root, chosen, root / (out or "build"), root / (tests or "tests/promtool"), partial=bool(sources),
                   owner=project_owner(root), route_tests=root / ROUTE_TESTS_DIR)


def project_owner(root: Path) -> str:
    """The owner id: `[tool.mrm-observe] owner`, else `[project] name` in root/pyproject.toml, else the folder's name."""
    try:
        config = tomllib.loads((root / "pyproject.toml").read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        config = {}
    name = config.get("tool", {}).get("mrm-observe", {}).get("owner") or config.get("project", {}).get("name")
    return owner_id(str(name) if name else root.resolve().name)


def load(project: Project, locate: Locator | None = None) -> Definitions:
    """Discover and validate every definition; raise DefinitionError with all problems."""
    defs = discover(project.sources, project.root)
    problems = validate(defs, locate)
    if problems:
        raise DefinitionError(problems)
    return defs


def promtool_locator(tool: Promtool) -> Locator:
    """A Locator that asks promtool where a bad expression breaks."""
    def locate(expr: str) -> str | None:
        with tempfile.TemporaryDirectory() as scratch:
            return promtool_mod.expression_error_position(tool, expr, Path(scratch))
    return locate
