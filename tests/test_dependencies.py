"""Every dependency pyproject.toml installs is imported by the package: nothing is listed "for later"."""
import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPORT_NAME = {
    # distribution (as pyproject lists it) -> the top-level module the package imports
    "grafanalib": "grafanalib",
    "pydantic": "pydantic",
    "pyyaml": "yaml",
    "orjson": "orjson",
    "click": "click",
    "promql-parser": "promql_parser",
    "jsonschema": "jsonschema",
    "fastjsonschema": "fastjsonschema",
    "httpx": "httpx",
    "httpcore": "httpcore",
    "rich": "rich",
    "prometheus-api-client": "prometheus_api_client",
    "matplotlib": "matplotlib",
    "numpy": "numpy",
}
PENDING: set[str] = set()
"""Dependencies listed before their first import (each with a comment saying which change wires it in)."""


def dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0].lower() for spec in project["dependencies"]]


def imported_modules() -> set[str]:
    """Top-level modules imported anywhere in mrm_observe, including imports inside functions."""
    found = set()
    for path in (ROOT / "mrm_observe").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def test_every_dependency_has_a_known_import_name():
    assert set(dependencies()) <= set(IMPORT_NAME), "add the new dependency's import name to IMPORT_NAME"


def test_every_dependency_is_imported_by_the_package():
    imported = imported_modules()
    unused = [dist for dist in dependencies() if dist not in PENDING and IMPORT_NAME[dist] not in imported]
    assert not unused, f"listed in pyproject.toml but imported nowhere in mrm_observe: {unused}"


def test_pending_dependencies_are_still_pending():
    imported = imported_modules()
    done = sorted(dist for dist in PENDING if IMPORT_NAME[dist] in imported)
    assert not done, f"{done} is imported now: remove it from PENDING"
    assert PENDING <= set(dependencies()), "a PENDING entry is no longer a dependency: remove it"
