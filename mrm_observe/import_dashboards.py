"""Grafana dashboards (exported JSON, the HTTP API's answer, or a ConfigMap of the Grafana sidecar) to Python
definition modules for `dashboards/`.

Each dashboard is migrated the way Grafana migrates it on load (`dashboard_migrations`), reduced to its normal
form (`dashboard_normal_form`) and written as grafanalib classes with literal values (`dashboard_python`). The
module is then built and compared with the original, field by field: what the build would not reproduce is
patched into the panel's `extraJson` where that can carry it, and anything still different is reported, in the
notes and as a comment at that panel, never dropped silently.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .compile.dashboards import compile_dashboard
from .dashboard_migrations import NOTES, migrate, note
from .dashboard_normal_form import ANNOTATION_FIELDS, PANEL_FIELDS, ROW_FIELDS, Difference, differences, normalise
from .dashboard_python import CLASSES, DashboardPython
from .errors import DefinitionError, Problem
from .importing import Imported
from .validate import QUERYLESS_PANELS

FIX_ROUNDS = 3
"""How often a panel's extraJson is patched and the module built again before what differs is reported."""
PROMETHEUS_QUERY_KEYS = frozenset(("expr", "legendFormat", "interval", "intervalFactor", "step", "refId", "instant",
                                   "range", "format", "hide", "exemplar", "datasource", "editorMode", "queryType",
                                   "key", "metric", "query", "target"))
"""Keys of a target that are part of a Prometheus query (or only the editor's); others belong to another plugin."""
DATASOURCE_TYPE = "prometheus"
MIXED = "-- Mixed --"
"""A panel whose queries each name their datasource: judged by its queries alone."""


def import_dashboards(source: str, document: object) -> list[Imported]:
    """Python modules for every dashboard in `document` (parsed JSON or YAML read from `source`): a dashboard, an
    API answer `{"dashboard": ..., "meta": ...}`, a ConfigMap (each data value a dashboard) or a list of these.
    DefinitionError names the source, the object and the field when the document holds no dashboard."""
    found = list(_dashboards_in(source, document, ""))
    problems = [p for p in found if isinstance(p, Problem)]
    dashboards = [d for d in found if not isinstance(d, Problem)]
    if not problems and not dashboards:
        problems = [Problem(source, "", "", "holds no Grafana dashboard (expected a dashboard with `panels`, "
                                            "an API answer with `dashboard`, or a ConfigMap of dashboards)")]
    if problems:
        raise DefinitionError(problems)
    names: set[str] = set()
    out = []
    for hint, folder, dashboard in dashboards:
        name = unique_name(module_name(hint or str(dashboard.get("title") or "dashboard")), names)
        out.append(import_dashboard(dashboard, name, source, folder))
    return out


def _dashboards_in(source: str, document: object, where: str) -> Iterator[tuple[str, str, dict[str, Any]] | Problem]:
    if isinstance(document, list):
        for i, item in enumerate(document):
            yield from _dashboards_in(source, item, f"{where}[{i}]")
        return
    if not isinstance(document, dict):
        yield Problem(source, where, "", f"expected a JSON object, got {type(document).__name__}")
        return
    if document.get("kind") == "List" and isinstance(document.get("items"), list):
        yield from _dashboards_in(source, document["items"], f"{where}items")
    elif document.get("kind") == "ConfigMap":
        yield from _config_map(source, document, where)
    elif isinstance(document.get("dashboard"), dict):
        meta = document.get("meta") if isinstance(document.get("meta"), dict) else {}
        in_folder = meta.get("folderUid") or meta.get("folderId")  # not in Grafana's root ("General")
        yield "", str(meta.get("folderTitle") or "") if in_folder else "", document["dashboard"]
    elif isinstance(document.get("panels"), list) or isinstance(document.get("rows"), list):
        yield "", "", document
    else:
        yield Problem(source, where, "", "is not a Grafana dashboard: it has no `panels` (nor legacy `rows`), "
                                         "no `dashboard` and is not a ConfigMap")


def _config_map(source: str, document: dict[str, Any], where: str) -> Iterator[tuple[str, str, dict[str, Any]] |
                                                                               Problem]:
    metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
    annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    folder = str(annotations.get("grafana_folder") or annotations.get("k8s-sidecar-target-directory") or "")
    obj = f"ConfigMap {metadata.get('name', where)!r}"
    data = document.get("data")
    if not isinstance(data, dict) or not data:
        yield Problem(source, obj, "data", "holds no dashboards: each data value must be a dashboard's JSON")
        return
    for key in sorted(data):
        try:
            dashboard = json.loads(data[key])
        except (TypeError, ValueError) as err:
            yield Problem(source, obj, f"data.{key}", f"is not JSON: {err}")
            continue
        if not isinstance(dashboard, dict) or not isinstance(dashboard.get("panels", dashboard.get("rows")), list):
            yield Problem(source, obj, f"data.{key}", "is not a Grafana dashboard (no `panels`)")
            continue
        yield re.sub(r"\.json$", "", key), folder, dashboard


def module_name(text: str) -> str:
    """A valid Python module name for definitions: lower case, words joined by `_`, never a leading `_` or digit."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "dashboard"
    return f"dashboard_{name}" if name[0].isdigit() else name


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name_2`, `name_3`... when taken; the result is added to `taken`."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


def import_dashboard(dashboard: dict[str, Any], name: str, source: str, folder: str = "") -> Imported:
    """One dashboard as one module, checked by building it and comparing it with the original."""
    migrated = migrate(dashboard)
    _note_datasource_variables(migrated)
    _drop_unimportable_panels(migrated)
    _note_foreign_targets(migrated)
    _note_unread_keys(migrated)
    annotations = _annotations(migrated)
    notes = _panel_notes(migrated)
    expected = expected_build(migrated)
    writer = DashboardPython(expected, annotations, notes, source, name, folder)
    for _ in range(FIX_ROUNDS):
        found = _check(writer)
        if not writer.patch(found):
            break
    else:
        found = _check(writer)
    writer.report(found)
    notes = tuple(f"dashboard {expected.get('title', '')!r}: {n}" for n in writer.notes())
    return Imported("dashboards", name, writer.source(), notes)


def expected_build(migrated: dict[str, Any]) -> dict[str, Any]:
    """The normal form a build of the import should have: the migrated dashboard's, with its Prometheus datasource
    variables replaced by the one `datasource` variable every build starts with."""
    expected = normalise(migrated)
    variables = [v for v in expected.get("templating", []) if not _is_prometheus_variable(v)]
    expected["templating"] = [{"name": "datasource", "type": "datasource", "query": DATASOURCE_TYPE}, *variables]
    return expected


def _is_prometheus_variable(var: dict[str, Any]) -> bool:
    return var.get("type") == "datasource" and var.get("query") == DATASOURCE_TYPE


UNREAD_IGNORED = frozenset(("id", "datasource", "pluginVersion", "libraryPanel", "key", "error", "editable", "span",
                            "height", "isNew", "$$hashKey", "scopedVars", "repeatIteration", "repeatPanelId",
                            "repeatRowId", "collapse", "showTitle", "titleSize", "maxPerRow", "repeatDirection"))
"""Members outside Grafana's panel schema that carry nothing (ids, editor state, legacy row chrome)."""


def _meaningful(value: Any) -> bool:
    return value not in (None, "", [], {}, False, 0)


def _note_unread_keys(migrated: dict[str, Any]) -> None:
    """Members of current panels that Grafana's schema does not have (a plugin's leftovers) are noted."""
    for panel in _panels(migrated):
        row = panel.get("type") == "row"
        fields = ROW_FIELDS | {"targets"} if row else PANEL_FIELDS  # a row runs no queries, whatever it holds
        unread = sorted(k for k, v in panel.items() if k not in fields and k not in UNREAD_IGNORED
                        and not k.startswith("__") and _meaningful(v))
        if unread:
            note(panel, f"{', '.join(unread)}: not read by {panel.get('type')} panels (not in Grafana's panel "
                        "schema), not carried")


def _annotations(migrated: dict[str, Any]) -> list[dict[str, Any]]:
    """The annotation queries with only what Grafana's schema has (the rest is noted)."""
    out = []
    for query in (migrated.get("annotations") or {}).get("list") or []:
        if not isinstance(query, dict):
            continue
        unread = sorted(k for k, v in query.items() if k not in ANNOTATION_FIELDS and not k.startswith("$$")
                        and _meaningful(v))
        if unread:
            note(migrated, f"annotation {query.get('name', '')!r}: {', '.join(unread)} are not in Grafana's "
                           "annotation schema, not carried")
        out.append({k: v for k, v in query.items() if k in ANNOTATION_FIELDS})
    return out


def _importable(panel: Any, variables: dict[str, str]) -> str | None:
    """Why a panel cannot be imported, or None: a type grafanalib has no class for, queries of another datasource
    than Prometheus, or no query at all (a build refuses a data panel without one)."""
    if not isinstance(panel, dict):
        return f"is a {type(panel).__name__}, not a panel"
    kind = panel.get("type")
    if kind not in CLASSES:
        return f"is of type {kind!r}, which grafanalib has no class for (add it by hand)"
    if kind == "row" or kind in QUERYLESS_PANELS:
        return None
    targets = [t for t in panel.get("targets") or [] if isinstance(t, dict)]
    kinds = {_datasource_type(t.get("datasource"), variables) for t in targets if "datasource" in t}
    kinds.add(_datasource_type(panel.get("datasource"), variables))
    foreign = sorted(str(k) for k in kinds - {None, DATASOURCE_TYPE, MIXED})
    if foreign:
        return f"queries {', '.join(foreign)}: only Prometheus panels are imported"
    if not any(isinstance(t.get("expr"), str) and t["expr"].strip() for t in targets):
        return "has no Prometheus query (a build refuses a data panel without one)"
    return None


def _drop_unimportable_panels(migrated: dict[str, Any]) -> None:
    """Panels that cannot be imported are left out, and noted."""
    variables = _datasource_variables(migrated)

    def kept(panels: list[Any], where: str) -> list[Any]:
        out = []
        for i, panel in enumerate(panels):
            why = _importable(panel, variables)
            if why is None:
                out.append(panel)
            else:
                title = panel.get("title", "") if isinstance(panel, dict) else ""
                note(migrated, f"panel {title!r} ({where}panels[{i}] of the original) is not imported: it {why}")
        return out

    rows = [(i, p) for i, p in enumerate(migrated.get("panels") or []) if isinstance(p, dict)
            and p.get("type") == "row" and isinstance(p.get("panels"), list)]
    for i, row in rows:
        row["panels"] = kept(row["panels"], f"panels[{i}].")
    migrated["panels"] = kept(migrated.get("panels") or [], "")


def _check(writer: DashboardPython) -> list[Difference]:
    """Build the module's dashboard and compare its normal form with the expected one."""
    namespace: dict[str, Any] = {}
    exec(compile(writer.source(), f"<{writer.name}.py>", "exec"), namespace)  # noqa: S102 - our own generated code
    dashboard = namespace["dashboards"][0]
    built = normalise(compile_dashboard(dashboard, dashboard.uid or "imported"))
    if "uid" not in writer.expected:
        built.pop("uid", None)  # the build derives a stable one from the module and title
    return differences(writer.expected, built)


def _panel_notes(migrated: dict[str, Any]) -> dict[tuple[int, ...], list[str]]:
    """Notes of the migration, by panel position (top-level index, then row child index)."""
    found: dict[tuple[int, ...], list[str]] = {}
    for i, panel in enumerate(migrated.get("panels") or []):
        if isinstance(panel, dict):
            found[(i,)] = panel.pop(NOTES, [])
            for j, child in enumerate(panel.get("panels") or []):
                if isinstance(child, dict):
                    found[(i, j)] = child.pop(NOTES, [])
    found[()] = migrated.pop(NOTES, [])
    return {k: v for k, v in found.items() if v}


def _datasource_variables(migrated: dict[str, Any]) -> dict[str, str]:
    """Datasource variable name -> plugin type it selects."""
    return {str(v.get("name")): str(v.get("query")) for v in (migrated.get("templating") or {}).get("list") or []
            if isinstance(v, dict) and v.get("type") == "datasource"}


def _datasource_type(value: Any, variables: dict[str, str]) -> str | None:
    """The plugin type a panel or target datasource resolves to, None for the default datasource."""
    if value is None or value == "default":
        return None
    if isinstance(value, dict):
        if value.get("type") and value["type"] != "datasource":  # "datasource": Grafana's own, Mixed, Dashboard
            return str(value["type"])
        value = value.get("uid")
    text = str(value)
    match = re.fullmatch(r"\$\{?(\w+)(?::\w+)?\}?", text)
    if match:
        return variables.get(match.group(1), "a variable that is not a datasource variable")
    if text in ("-- Grafana --", "grafana"):
        return "grafana"
    if text in (MIXED, "-- Dashboard --"):
        return text
    return DATASOURCE_TYPE  # a datasource by name: assumed to be the Prometheus the dashboard was made for


def _note_datasource_variables(migrated: dict[str, Any]) -> None:
    """A Prometheus datasource variable of another name is noted: every build has its own, named `datasource`."""
    for var, kind in _datasource_variables(migrated).items():
        if kind == DATASOURCE_TYPE and var != "datasource":
            note(migrated, f"templating: datasource variable {var!r} becomes 'datasource' (every build has that "
                           f"one); queries that name ${{{var}}} must be renamed")


def _note_foreign_targets(migrated: dict[str, Any]) -> None:
    """Target keys that are not part of a Prometheus query (another plugin's settings) are noted."""
    for panel in _panels(migrated):
        extra = sorted({k for t in panel.get("targets") or [] if isinstance(t, dict) for k in t
                        if k not in PROMETHEUS_QUERY_KEYS})
        if extra:
            note(panel, f"targets: {', '.join(extra)} are not Prometheus query settings and are not carried")


def _panels(migrated: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in migrated.get("panels") or []:
        if isinstance(panel, dict):
            yield panel
            yield from (c for c in panel.get("panels") or [] if isinstance(c, dict))

