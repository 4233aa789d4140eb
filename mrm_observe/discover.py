"""Find and import definition modules; tag every object with the file it came from."""
from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.abc
import importlib.machinery
import itertools
import sys
import traceback
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import hints
from .conventions import ALERTMANAGER_VARIABLES, DASHBOARD_VARIABLES, ORIGIN_VARIABLE, RULE_VARIABLES, SLO_VARIABLES
from .definitions import DASHBOARD_CLASS, Definitions, Sourced, is_dashboard, loaded_instance
from .errors import Problem

_package_ids = itertools.count()


SPEC_SUFFIXES = (".yml", ".yaml")
"""Definition files other than Python modules: Sloth and OpenSLO SLO specs (read by slo_specs, imported when there
is one: it brings the YAML parser)."""


def display_path(path: Path, root: Path) -> str:
    """Path relative to the project root where possible, with forward slashes."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def discover(sources: Iterable[Path], root: Path) -> Definitions:
    """Import every definition file under `sources` (files starting with `_` are helpers and skipped)."""
    found = Definitions()
    for source in sources:
        if not source.exists():
            found.problems.append(Problem(display_path(source, root), "", "", "source folder does not exist"))
            continue
        package = _make_package(source)
        files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        for path in files:
            name = display_path(path, root)
            if path.name.startswith("_") or "__pycache__" in path.parts:
                continue
            if path.suffix == ".py":
                found.extend(_load_python(path, name, package, source))
            elif path.suffix in SPEC_SUFFIXES:
                from .slo_specs import load_spec
                found.extend(load_spec(path, name))
    return found


PACKAGE_PREFIX = "_mrm_definitions_"


def _make_package(source: Path) -> str:
    """Register a fresh synthetic package for a source folder so its modules can import siblings."""
    folder = source if source.is_dir() else source.parent
    package = f"{PACKAGE_PREFIX}{next(_package_ids)}"
    module = types.ModuleType(package)
    module.__path__ = [str(folder)]
    sys.modules[package] = module
    if not any(isinstance(finder, _DefinitionFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _DefinitionFinder())
    return package


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """Compiles a definition module from its source on every load and writes no bytecode. Python trusts a cached
    .pyc whose source has the same size and whole-second modification time, which an edit saved within the same
    second can keep: `watch` would then build the old code."""

    def get_code(self, fullname: str) -> types.CodeType:
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)


class _DefinitionFinder(importlib.abc.MetaPathFinder):
    """Finds the modules of the synthetic definition packages as Python would, loaded by _SourceOnlyLoader."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(PACKAGE_PREFIX) or path is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = _SourceOnlyLoader(spec.loader.name, spec.loader.path)
        return spec


def _load_python(path: Path, name: str, package: str, source: Path) -> Definitions:
    folder = source if source.is_dir() else source.parent
    dotted = ".".join(path.relative_to(folder).with_suffix("").parts)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # a module's print() never mixes into our output (--json)
            module = importlib.import_module(f"{package}.{dotted}")
    except SyntaxError as err:
        return Definitions(problems=[Problem(f"{name}:{err.lineno}", "", "",
                                             f"syntax error: {err.msg}{hints.syntax_hint(err)}")])
    except ValidationError as err:
        return Definitions(problems=_validation_problems(err, name))
    except SystemExit as err:  # sys.exit() or argparse at import must not end the run as a silent success
        return Definitions(problems=[Problem(_line_in(err, path, name), "", "",
                                             f"called sys.exit({err.code!r}) while being imported: a definition "
                                             "module must define objects, not run a program")])
    except Exception as err:  # a definition module may raise anything; report it, keep going
        return Definitions(problems=[Problem(_line_in(err, path, name), "", "",
                                             hints.exception_message(err, exported))])
    return _collect(module, name)


def _line_in(err: BaseException, path: Path, name: str) -> str:
    frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename) == path]
    return f"{name}:{frames[-1].lineno}" if frames else name


def _validation_problems(err: ValidationError, name: str) -> list[Problem]:
    line = next((f.lineno for f in reversed(traceback.extract_tb(err.__traceback__)) if f.filename.endswith(name)), None)
    where = f"{name}:{line}" if line else name
    model = exported(err.title)
    return [Problem(where, err.title, ".".join(str(p) for p in e["loc"]) or "", _pydantic_message(e, model))
            for e in err.errors()]


def _pydantic_message(error: Any, model: Any) -> str:
    """pydantic's message with the value named briefly, or for an unknown field the closest valid one."""
    if error["type"] == "extra_forbidden" and model is not None:
        valid = hints.fields_of_parent(model, tuple(error["loc"]))
        if valid:
            name = str(error["loc"][-1])
            return f"unknown field{hints.did_you_mean(name, valid)} (valid: {', '.join(valid)})"
    from .model.routing import redacted  # an error's path only: the routing models know which fields are secret

    return f"{error['msg']} (got {hints.describe(redacted(error['loc'], error.get('input')))})"


def exported(name: str) -> Any:
    """A class or helper definitions use, by name: what `mrm_observe` exports, or grafanalib's when loaded."""
    import mrm_observe

    if name in mrm_observe.__all__:
        return getattr(mrm_observe, name)
    return getattr(sys.modules.get("grafanalib.core"), name, None)


def _collect(module: types.ModuleType, name: str) -> Definitions:
    found = Definitions()
    known = DASHBOARD_VARIABLES + RULE_VARIABLES + SLO_VARIABLES + ALERTMANAGER_VARIABLES
    if not any(hasattr(module, var) for var in known):
        found.problems.append(
            Problem(name, "", "", "defines none of " + ", ".join(f"`{v}`" for v in known)
                    + ": set `dashboards = [...]`, `groups = [...]`, `slos = [...]` or `alertmanager = "
                      "Alertmanager(...)` at module level")
        )
        return found
    folder = _folder_of(module, name, found.problems)
    lines = _assignment_lines(Path(module.__file__ or ""))
    for variables, (module_name, class_name), expected, into, where in (
        (DASHBOARD_VARIABLES, DASHBOARD_CLASS, "a grafanalib Dashboard", found.dashboards, folder),
        (RULE_VARIABLES, ("mrm_observe.model.rules", "RuleGroup"), "a RuleGroup", found.groups, ()),
        (SLO_VARIABLES, ("mrm_observe.model.slo", "SLO"), "an SLO", found.slos, ()),
        (ALERTMANAGER_VARIABLES, ("mrm_observe.model.routing", "Alertmanager"), "an Alertmanager",
         found.alertmanagers, ()),
    ):
        for var in variables:
            for label, obj in _items(module, var):
                at = f"{name}:{lines[label]}" if label in lines else name
                if not loaded_instance(obj, module_name, class_name):
                    found.problems.append(_wrong_type(at, label, expected, obj))
                elif is_dashboard(obj) and not isinstance(obj.title, str):
                    found.problems.append(Problem(at, label, "title", f"expected a string, got {hints.describe(obj.title)}"))
                else:
                    members = {key[len(label) + 1:]: line for key, line in lines.items() if key.startswith(f"{label}.")}
                    into.append(Sourced(name, obj, where, lines.get(label), members))
    origin = getattr(module, ORIGIN_VARIABLE, None)
    if isinstance(origin, str) and origin.strip() and "/" not in origin:
        found.origins.append(Sourced(name, origin))
    elif origin is not None:
        found.problems.append(Problem(name, ORIGIN_VARIABLE, "", "must be the name of the file the rules were "
                                      f"imported from, e.g. \"alerts.yml\" (got {origin!r})"))
    return found


def _assignment_lines(path: Path) -> dict[str, int]:
    """Line of each module-level definition variable's assignment, of each item of a literal list (`groups[1]` ->
    its line) and of each member of a literal `rules=` in such an item's call (`groups[1].rules[3]`), for problems
    found in objects after the module ran."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    lines = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                lines[target.id] = node.lineno
                if isinstance(node.value, (ast.List, ast.Tuple)):
                    for i, item in enumerate(node.value.elts):
                        lines[f"{target.id}[{i}]"] = item.lineno
                        lines.update({f"{target.id}[{i}].rules[{j}]": line for j, line in _rule_lines(item)})
    return lines


def _rule_lines(item: ast.expr) -> list[tuple[int, int]]:
    """(index, line) of each member of a literal `rules=(...)` in a call such as `RuleGroup(...)`."""
    if not isinstance(item, ast.Call):
        return []
    rules = next((k.value for k in item.keywords if k.arg == "rules"), None)
    return [(j, member.lineno) for j, member in enumerate(rules.elts)] if isinstance(rules, (ast.List, ast.Tuple)) else []


def _items(module: types.ModuleType, var: str) -> list[tuple[str, Any]]:
    if not hasattr(module, var):
        return []
    value = getattr(module, var)
    if var == "dashboard":
        return [(var, value)]
    if not isinstance(value, (list, tuple)):
        return [(var, value)]
    return [(f"{var}[{i}]", item) for i, item in enumerate(value)]


def _wrong_type(name: str, label: str, expected: str, obj: object) -> Problem:
    return Problem(name, label, "", f"expected {expected}, got {type(obj).__name__}")


def _folder_of(module: types.ModuleType, name: str, problems: list[Problem]) -> tuple[str, ...]:
    """Grafana folder path for a module's dashboards: its `folder` variable, else its file name."""
    folder = getattr(module, "folder", None)
    if folder is None:
        return (Path(name).stem.replace("_", " ").title(),)
    path = (folder,) if isinstance(folder, str) else tuple(folder)
    if not path or not all(isinstance(p, str) and p.strip() for p in path):
        problems.append(Problem(name, "folder", "", "must be a non-empty title or a list of titles (parent first)"))
        return (Path(name).stem.title(),)
    return path
