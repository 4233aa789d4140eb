"""A project and its definitions: where they live (Project) and the first two steps, define -> validate (load).

Kept apart from pipeline.py so that commands that only read definitions (report, gate, tune) load neither the
compilers nor grafanalib."""
from __future__ import annotations

import tempfile
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from . import promtool as promtool_mod
from .conventions import DEFINITION_DIRS, LABEL_NAME, LABEL_NAME_PATTERN, ROUTE_TESTS_DIR, RuleConventions, owner_id
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
    runbook_base_url: str | None = None
    """`[tool.mrm-observe] runbook-base-url`: SLO alerts naming no runbook link to `<base>#<alert name in lower
    case>`."""
    route_tests: Path | None = None
    """Folder of hand-written route tests (`*.yaml`), checked with amtool against the built Alertmanager config."""
    conventions: RuleConventions = RuleConventions()
    """The severities and runbook annotations its rules use."""
    problems: tuple[Problem, ...] = ()
    """What is wrong with its settings (reported with the definitions' problems)."""

    @classmethod
    def at(cls, root: Path, sources: tuple[Path, ...] = (), out: Path | None = None,
           tests: Path | None = None) -> Project:
        """Defaults: root/{dashboards,alerts,slo,alertmanager} that exist, root/build, root/tests/promtool and
        root/tests/routes; relative paths are under root; settings from root/pyproject.toml (read_settings)."""
        chosen = tuple(root / s for s in sources) or tuple(root / d for d in DEFINITION_DIRS if (root / d).exists())
        settings = read_settings(root)
        return cls(root, chosen, root / (out or "build"), root / (tests or "tests/promtool"), partial=bool(sources),
                   owner=settings.owner, conventions=settings.conventions, problems=settings.problems,
                   route_tests=root / ROUTE_TESTS_DIR, runbook_base_url=settings.runbook_base_url)


SETTINGS_FILE = "pyproject.toml"
SETTINGS_TABLE = "[tool.mrm-observe]"


@dataclass(frozen=True)
class Settings:
    """`[tool.mrm-observe]` of a project's pyproject.toml, with defaults for what it does not set."""

    owner: str
    conventions: RuleConventions
    problems: tuple[Problem, ...] = ()
    runbook_base_url: str | None = None


def read_settings(root: Path) -> Settings:
    """The owner id (`owner`, else `[project] name`, else the folder's name), `severities`, `runbook-annotations`
    and `runbook-base-url`; a file that is missing or not TOML gives the defaults."""
    try:
        config = tomllib.loads((root / SETTINGS_FILE).read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        config = {}
    tool = config.get("tool")
    table = tool.get("mrm-observe") if isinstance(tool, dict) else None
    table = table if isinstance(table, dict) else {}
    project = config.get("project")
    name = table.get("owner") or (project.get("name") if isinstance(project, dict) else None)
    problems: list[Problem] = []
    default = RuleConventions()
    conventions = RuleConventions(
        severities=_names(table, "severities", default.severities, problems),
        runbook_annotations=_names(table, "runbook-annotations", default.runbook_annotations, problems))
    base = _url(table, "runbook-base-url", problems)
    return Settings(owner_id(str(name) if name else root.resolve().name), conventions, tuple(problems), base)


def _names(table: dict, key: str, default: tuple[str, ...], problems: list[Problem]) -> tuple[str, ...]:
    """A setting that lists label values or annotation names (the default when unset or wrong)."""
    value = table.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(Problem(SETTINGS_FILE, SETTINGS_TABLE, key,
                                f"must be a non-empty list of strings, e.g. {key} = {list(default)!r} (got {value!r})"))
        return default
    if key == "runbook-annotations" and not all(LABEL_NAME.match(v) for v in value):
        problems.append(Problem(SETTINGS_FILE, SETTINGS_TABLE, key, f"must list annotation names "
                                f"({LABEL_NAME_PATTERN}), e.g. runbook_url (got {value!r})"))
        return default
    return tuple(value)


def _url(table: dict, key: str, problems: list[Problem]) -> str | None:
    """A setting that is a base URL the alert's anchor is added to (None when unset or wrong)."""
    value = table.get(key)
    if value is None or (isinstance(value, str) and value.startswith(("https://", "http://")) and "#" not in value):
        return value
    problems.append(Problem(SETTINGS_FILE, SETTINGS_TABLE, key,
                            f"must be an http(s) URL without '#' (the alert's anchor is added), e.g. "
                            f"\"https://github.com/org/repo/blob/main/docs/runbooks-slo.md\" (got {value!r})"))
    return None


def load(project: Project, locate: Locator | None = None) -> Definitions:
    """Discover and validate every definition (SLO alerts given the project's default runbook); raise
    DefinitionError with all problems."""
    defs = discover(project.sources, project.root)
    if project.runbook_base_url:
        runbook = (project.runbook_base_url, project.conventions.runbook_annotations)
        defs.slos = [replace(item, obj=item.obj.with_default_runbook(*runbook)) for item in defs.slos]
    problems = list(project.problems) + validate(defs, locate, project.conventions)
    if problems:
        raise DefinitionError(problems)
    return defs


def promtool_locator(tool: Promtool) -> Locator:
    """A Locator that asks promtool where a bad expression breaks."""
    def locate(expr: str) -> str | None:
        with tempfile.TemporaryDirectory() as scratch:
            return promtool_mod.expression_error_position(tool, expr, Path(scratch))
    return locate
