"""A project and its definitions: where they live (Project) and the first two steps, define -> validate (load).

Kept apart from pipeline.py so that commands that only read definitions (report, gate, tune) load neither the
compilers nor grafanalib."""
from __future__ import annotations

import tempfile
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import promtool as promtool_mod
from .conventions import DEFINITION_DIRS, ROUTE_TESTS_DIR, owner_id
from .definitions import Definitions
from .discover import discover
from .errors import DefinitionError, Problem
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
    runbook_base_url: object = None
    """`[tool.mrm-observe] runbook-base-url` as written (load checks it is a URL): SLO alerts without a runbook_url
    link to `<base>#<alert name in lower case>`."""
    route_tests: Path | None = None
    """Folder of hand-written route tests (`*.yaml`), checked with amtool against the built Alertmanager config."""

    @classmethod
    def at(cls, root: Path, sources: tuple[Path, ...] = (), out: Path | None = None,
           tests: Path | None = None) -> Project:
        """Defaults: root/{dashboards,alerts,slo,alertmanager} that exist, root/build, root/tests/promtool and
        root/tests/routes; relative paths are under root. Settings from root/pyproject.toml: the owner is
        `[tool.mrm-observe] owner`, else `[project] name`, else the folder's name."""
        chosen = tuple(root / s for s in sources) or tuple(root / d for d in DEFINITION_DIRS if (root / d).exists())
        config = pyproject(root)
        settings = config.get("tool", {}).get("mrm-observe", {})
        name = settings.get("owner") or config.get("project", {}).get("name")
        return cls(root, chosen, root / (out or "build"), root / (tests or "tests/promtool"), partial=bool(sources),
                   owner=owner_id(str(name) if name else root.resolve().name), route_tests=root / ROUTE_TESTS_DIR,
                   runbook_base_url=settings.get("runbook-base-url"))


def pyproject(root: Path) -> dict[str, Any]:
    """root/pyproject.toml as a dict (empty when missing or unreadable): the one place project settings are read."""
    try:
        return tomllib.loads((root / "pyproject.toml").read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def load(project: Project, locate: Locator | None = None) -> Definitions:
    """Discover and validate every definition (SLO alerts given the project's default runbook); raise
    DefinitionError with all problems."""
    problems = _settings_problems(project)
    defs = discover(project.sources, project.root)
    if isinstance(project.runbook_base_url, str) and not problems:
        base = project.runbook_base_url
        defs.slos = [replace(item, obj=item.obj.with_default_runbook(base)) for item in defs.slos]
    problems += validate(defs, locate)
    if problems:
        raise DefinitionError(problems)
    return defs


def _settings_problems(project: Project) -> list[Problem]:
    """What is wrong with the project's settings (named by pyproject.toml and the setting)."""
    base = project.runbook_base_url
    if base is None or (isinstance(base, str) and base.startswith(("https://", "http://")) and "#" not in base):
        return []
    return [Problem("pyproject.toml", "[tool.mrm-observe]", "runbook-base-url",
                    f"must be an http(s) URL without '#' (the alert's anchor is added), e.g. "
                    f"\"https://github.com/org/repo/blob/main/docs/runbooks-slo.md\" (got {base!r})")]


def promtool_locator(tool: Promtool) -> Locator:
    """A Locator that asks promtool where a bad expression breaks."""
    def locate(expr: str) -> str | None:
        with tempfile.TemporaryDirectory() as scratch:
            return promtool_mod.expression_error_position(tool, expr, Path(scratch))
    return locate
