"""Validate compiled dashboards against Grafana's dashboard JSON schema (shipped in the package).

The check runs on every build, so it has a fast path: fastjsonschema validators compiled once for the
dashboard's top level and for each panel kind (rows and other panels are checked against their own
definition instead of the schema's slow oneOf). Only when that fails does jsonschema walk the whole
dashboard to name every error with its JSON path.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator


@cache
def _schema() -> dict[str, Any]:
    return json.loads(resources.files("mrm_observe").joinpath("schemas/dashboard.jsonschema.json").read_text())


@cache
def _validator() -> Draft7Validator:
    return Draft7Validator(_schema())


@cache
def _generated() -> dict[str, Any]:
    """One generated module: the dashboard's validator reaches every definition, panels included, so a single
    compile gives all three validators (compiling each separately cost three times as much on every build)."""
    namespace: dict[str, Any] = {}
    exec(fastjsonschema.compile_to_code({**_schema(), "$ref": "#/definitions/Dashboard"}, use_default=False),  # noqa: S102
         namespace)
    return namespace


def _fast(definition: str) -> Callable[[Any], Any]:
    return _generated()[f"validate___definitions_{definition.lower()}"]


def _passes_fast(dashboard: dict[str, Any]) -> bool:
    top = {k: v for k, v in dashboard.items() if k != "panels"}
    panels = dashboard.get("panels", [])
    try:
        _fast("Dashboard")(top)
        if not isinstance(panels, list):
            return False
        for panel in panels:
            _fast("RowPanel" if isinstance(panel, dict) and panel.get("type") == "row" else "Panel")(panel)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def schema_errors(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(JSON path, message) for every place the dashboard breaks Grafana's schema, in path order."""
    if _passes_fast(dashboard):
        return []
    errors = []
    for error in _validator().iter_errors(dashboard):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "."
        errors.append((path.lstrip("."), _short(error)))
    return sorted(errors)


def _short(error: Any) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key(s)")
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[object, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0], []).append(sub)
        closest = min(branches.values(), key=len)  # the alternative the value almost matches
        return "; ".join(_short(sub) for sub in closest)
    return error.message
