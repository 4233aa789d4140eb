"""Check a dashboard the way Grafana reads it: its JSON schema, its panel types, its datasource references.

The schema shipped in `schemas/` is grafana-foundation-sdk's, unchanged. That schema is stricter than Grafana in
places (it requires fields Grafana fills with defaults and types override matchers and values as objects), so
`_as_grafana_reads_it` adapts a copy, one documented change each, to what Grafana itself accepts and exports.
Everything else stays exact: an unknown key, a wrong type, an unknown panel type or a datasource reference to a
variable the dashboard lacks is an error naming the panel and the field.

The check runs on every build, so it has a fast path: fastjsonschema validators compiled once for the dashboard's
top level and each panel definition (every panel is checked against its own definition, rows without their
children, instead of the schema's slow oneOf). Only when that fails does jsonschema walk the dashboard the same
way to name every error with its JSON path.
"""
from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator

from .panel_types import ANGULAR_HEATMAP_KEYS, ANGULAR_PANELS, panel_type_problem

ANY: dict[str, Any] = {}
"""Any JSON value."""
DEFINITIONS = ("Dashboard", "Panel", "RowPanel")
"""What `_parts` checks each part against."""
ANGULAR_LISTED = ("AnnotationQuery", "DashboardLink", "VariableModel", "VariableOption")
"""Objects Angular's lists marked with a `$$hashKey` that dashboards saved since still carry."""
LEGACY_VARIABLE_KEYS = ("tags", "tagsQuery", "tagValuesQuery", "useTags")
"""Tag options of query variables, gone since Grafana 8 but still exported and ignored."""
VARIABLE_REFERENCE = re.compile(r"^\$(\w+)$|^\$\{(\w+)(?::\w+)?\}$|^\[\[(\w+)(?::\w+)?\]\]$")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


def _as_grafana_reads_it(published: dict[str, Any]) -> dict[str, Any]:
    """The published schema with the changes that make it accept what Grafana accepts (and nothing more)."""
    schema = copy.deepcopy(published)
    d = schema["definitions"]
    dashboard = d["Dashboard"]["properties"]
    # Grafana fills an absent `templating` and `annotations` with empty lists (and its built-in annotation).
    d["Dashboard"]["required"] = ["schemaVersion"]
    # "Export for sharing externally" adds these (library panels in __elements: a list before Grafana 10, then an
    # object); Grafana's import reads them.
    dashboard.update({"__inputs": {"type": "array", "items": {"type": "object"}},
                      "__elements": {"type": ["object", "array"]},
                      "__requires": {"type": "array", "items": {"type": "object"}}})
    # Left from older versions, still exported, ignored. Legacy rows must be empty: Grafana would not show them.
    dashboard.update({"style": {"type": "string"}, "hideControls": {"type": "boolean"},
                      "rows": {"type": "array", "maxItems": 0}})
    d["TimePickerConfig"]["properties"]["time_options"] = {"type": "array", "items": {"type": "string"}}
    # grafana.com ids are numbers; Grafana exports null when there is none.
    dashboard["gnetId"] = {"type": ["string", "integer", "null"]}
    # Defaults and overrides default to {} and [].
    d["FieldConfigSource"]["required"] = []
    # Matcher options are a name or regex (byName, byRegexp, byFrameRefID, byType) or an object (byValue);
    # property values are whatever the property takes (a unit string, a number, a colour object, ...).
    d["MatcherConfig"]["properties"]["options"] = ANY
    d["DynamicConfigValue"]["properties"]["value"] = ANY
    # The base step of thresholds is -Infinity, which Grafana writes as null or leaves out.
    d["Threshold"]["required"] = ["color"]
    # Panel links and field links are data links (title, url), not dashboard links.
    d["DataLink"] = {"type": "object", "additionalProperties": False, "required": ["title", "url"], "properties": {
        "title": {"type": "string"}, "url": {"type": "string"}, "targetBlank": {"type": "boolean"},
        "oneClick": {"type": "boolean"}, "internal": {"type": "object"}}}
    d["Panel"]["properties"]["links"]["items"] = _ref("DataLink")
    d["FieldConfig"]["properties"]["links"]["items"] = _ref("DataLink")
    # A dashboard link needs a title and a type (and a url when it is a link); the rest have defaults.
    d["DashboardLink"].update(required=["title", "type"], **{
        "if": {"properties": {"type": {"const": "link"}}}, "then": {"required": ["url"]}})
    # Grafana 11 marks the reference to the default data source.
    d["DataSourceRef"]["properties"]["default"] = {"type": "boolean"}
    variable = d["VariableModel"]["properties"]
    # Query editors store objects with any values (qryType: 1, refId: ...).
    variable["query"] = {"type": ["string", "object"]}
    variable["allValue"] = {"type": ["string", "null"]}
    variable["queryValue"] = {"type": "string"}  # data source variables
    variable.update({key: ANY for key in LEGACY_VARIABLE_KEYS})
    # An exported variable often has `current: {}`; "None" options carry isNone.
    d["VariableOption"]["required"] = []
    d["VariableOption"]["properties"]["isNone"] = {"type": "boolean"}
    for key in ("timeFrom", "timeShift"):
        d["Panel"]["properties"][key] = {"type": ["string", "null"]}
    # A panel turned into a row keeps its targets, unused.
    d["RowPanel"]["properties"]["targets"] = d["Panel"]["properties"]["targets"]
    # Value mappings are told apart by their type, as Grafana does; the pre-8 form is migrated when the panel loads.
    for name, kind in (("ValueMap", "value"), ("RangeMap", "range"), ("RegexMap", "regex"), ("SpecialValueMap", "special")):
        d[name]["properties"]["type"] = {"const": kind}
    d["LegacyValueMapping"] = {"type": "object", "additionalProperties": False, "required": ["type", "text"],
                               "properties": {"type": {"enum": [1, 2]}, "id": {"type": "number"},
                                              "op": {"type": "string"}, "text": {"type": "string"},
                                              **{k: {"type": ["string", "number", "null"]} for k in ("value", "from", "to")}}}
    d["ValueMapping"]["oneOf"].append(_ref("LegacyValueMapping"))
    # Angular's lists left `$$hashKey` in the objects they showed; Grafana ignores it.
    for name in ANGULAR_LISTED:
        d[name]["properties"]["$$hashKey"] = {"type": "string"}
    return schema


@cache
def _schema() -> dict[str, Any]:
    published = json.loads(resources.files("mrm_observe").joinpath("schemas/dashboard.jsonschema.json").read_text())
    return _as_grafana_reads_it(published)


@cache
def _validator(definition: str) -> Draft7Validator:
    return Draft7Validator({"definitions": _schema()["definitions"], **_ref(definition)})


@cache
def _generated() -> dict[str, Any]:
    """One generated module for all panel definitions (compiling each separately cost several times as much)."""
    namespace: dict[str, Any] = {}
    root = {"definitions": _schema()["definitions"], "anyOf": [_ref(name) for name in DEFINITIONS]}
    exec(fastjsonschema.compile_to_code(root, use_default=False), namespace)  # noqa: S102
    return namespace


def _fast(definition: str) -> Callable[[Any], Any]:
    return _generated()[f"validate___definitions_{definition.lower()}"]


def _checked(panel: Any) -> tuple[str, Any]:
    """The definition a panel is checked against, and what of it is checked (a row without its children, a heatmap
    without the Angular heatmap's keys, a retired Angular panel only in the keys panels share: its type's error
    says what to write instead, rather than one error per Angular key)."""
    if not isinstance(panel, dict):
        return "Panel", panel
    if panel.get("type") == "row":
        return "RowPanel", {**panel, "panels": []} if isinstance(panel.get("panels"), list) else panel
    if panel.get("type") == "heatmap":
        return "Panel", {k: v for k, v in panel.items() if k not in ANGULAR_HEATMAP_KEYS}
    if panel.get("type") in ANGULAR_PANELS:
        return "Panel", {k: v for k, v in panel.items() if k in _schema()["definitions"]["Panel"]["properties"]}
    return "Panel", panel


def _parts(dashboard: dict[str, Any]) -> Iterator[tuple[str, str, Any, str | None]]:
    """(definition, path, object, panel title) for the top level and every panel; a row comes without its
    children, which follow it."""
    panels = dashboard.get("panels", [])
    nested = isinstance(panels, list)
    yield "Dashboard", "", {k: v for k, v in dashboard.items() if k != "panels" or not nested}, None
    if nested:
        yield from _panel_parts(panels, "panels")


def _panel_parts(panels: list[Any], prefix: str) -> Iterator[tuple[str, str, Any, str | None]]:
    for index, panel in enumerate(panels):
        path = f"{prefix}[{index}]"
        title = _title(panel, path)
        definition, checked = _checked(panel)
        yield definition, path, checked, title
        children = panel.get("panels") if definition == "RowPanel" else None
        if isinstance(children, list):
            yield from _panel_parts(children, f"{path}.panels")


def _title(panel: Any, path: str) -> str:
    title = panel.get("title") if isinstance(panel, dict) else None
    return title if isinstance(title, str) and title.strip() else path


def schema_errors(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(JSON path, message) for every place Grafana would not read the dashboard as written, in path order.

    Messages about a panel start with `panel '<title>':` (its path when it has no title).
    """
    parts = list(_parts(dashboard))
    errors = [] if _passes_fast(parts) else _explained(parts)
    errors += _reference_errors(dashboard, parts)
    return sorted(errors)


def _passes_fast(parts: list[tuple[str, str, Any, str | None]]) -> bool:
    try:
        for definition, _, value, _ in parts:
            _fast(definition)(value)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _explained(parts: list[tuple[str, str, Any, str | None]]) -> list[tuple[str, str]]:
    errors = []
    for definition, prefix, value, title in parts:
        for error in _validator(definition).iter_errors(value):
            for path, message in _described(error):
                where = (prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)).lstrip(".")
                errors.append((where, f"panel {title!r}: {message}" if title else message))
    return errors


def _described(error: Any) -> list[tuple[list[Any], str]]:
    """(path, message) for one jsonschema error: each unknown key at its own path with the closest known key;
    for a choice (a value mapping's kinds), the errors of the alternative the value comes closest to."""
    path = list(error.absolute_path)
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[object, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0], []).append(sub)
        return [found for sub in min(branches.values(), key=len) for found in _described(sub)]
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return [(path, error.message)]
    known = sorted(error.schema.get("properties", {}))
    patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
    out = []
    for key in [k for k in error.instance if k not in known and not any(p.search(k) for p in patterns)]:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys here: {', '.join(known)}"
        out.append(([*path, key], f"unknown key {key!r} ({hint})"))
    return out


def _reference_errors(dashboard: dict[str, Any], parts: list[tuple[str, str, Any, str | None]]) -> list[tuple[str, str]]:
    """Unknown panel types, data panels without a datasource, and references to variables that do not exist."""
    missing = _missing_variables(dashboard)
    errors = []
    for definition, path, panel, title in parts:
        if definition == "Dashboard" or not isinstance(panel, dict):
            continue
        said = f"panel {title!r}: "
        problem = panel_type_problem(panel.get("type"))
        if problem:
            errors.append((f"{path}.type", said + problem))
        targets = [t for t in panel.get("targets") or [] if isinstance(t, dict)]
        if panel.get("type") != "row" and targets and not panel.get("datasource") \
                and not all(t.get("datasource") for t in targets):
            errors.append((f"{path}.datasource", said + "has queries but no datasource: set the panel's datasource "
                                                        "(e.g. {'type': 'prometheus', 'uid': '${datasource}'})"))
        for where, ref in [("datasource", panel.get("datasource")),
                           *[(f"targets[{i}].datasource", t.get("datasource")) for i, t in enumerate(targets)]]:
            problem = missing(ref)
            if problem:
                errors.append((f"{path}.{where}", said + problem))
    for kind, items in (("templating", (dashboard.get("templating") or {}).get("list")),
                        ("annotations", (dashboard.get("annotations") or {}).get("list"))):
        for index, item in enumerate(items if isinstance(items, list) else []):
            problem = missing(item.get("datasource") if isinstance(item, dict) else None)
            if problem:
                errors.append((f"{kind}.list[{index}].datasource", problem))
    return errors


def _missing_variables(dashboard: dict[str, Any]) -> Callable[[Any], str | None]:
    """What is wrong with a datasource reference ({type, uid} or a legacy string) that names a variable the
    dashboard does not define (nor one of its shared-export inputs); None for any other. Remembered per uid: a
    dashboard has few."""
    items = [*((dashboard.get("templating") or {}).get("list") or []), *(dashboard.get("__inputs") or [])]
    names = {item["name"] for item in items if isinstance(item, dict) and isinstance(item.get("name"), str)}
    known: dict[str, str | None] = {}

    def missing(ref: Any) -> str | None:
        uid = ref.get("uid") if isinstance(ref, dict) else ref
        if not isinstance(uid, str):
            return None
        if uid not in known:
            match = VARIABLE_REFERENCE.match(uid)
            name = next((g for g in match.groups() if g), "") if match else ""
            known[uid] = None if not match or name in names else (
                f"datasource {uid!r} names no variable of this dashboard (it defines: "
                f"{', '.join(sorted(names)) or 'none'}): add a datasource variable {name!r} or fix the name")
        return known[uid]
    return missing
