"""Validate compiled dashboards against Grafana's dashboard JSON schema (shipped in the package)."""
from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator


@cache
def _validator() -> Draft7Validator:
    schema = json.loads(resources.files("mrm_observe").joinpath("schemas/dashboard.jsonschema.json").read_text())
    return Draft7Validator(schema)


def schema_errors(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(JSON path, message) for every place the dashboard breaks Grafana's schema, in path order."""
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
