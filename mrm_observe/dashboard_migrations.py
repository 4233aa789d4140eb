"""Old Grafana dashboards to the current JSON model, the way Grafana migrates them when it loads them.

Pure functions on dashboard JSON (dicts), ported from Grafana's own code: `DashboardMigrator.ts` (the schema
steps from 16 to 39), the Go `v28.go` (singlestat to stat, as Grafana 12 runs it) and the panel plugins' change
handlers that replace Angular panels on load (`graph` by `timeseries/migrations.ts`, the old `table` by
`table/migrations.ts`, `grafana-piechart-panel` by `piechart/migrations.ts`, the old `heatmap` by
`heatmap/migrations.ts`). docs/import.md lists every mapping and what is lost.

What a migration cannot carry is written down: `migrate` returns the dashboard with a list of notes under
`NOTES` on every panel (and on the dashboard itself) that lost something; the importer takes them off.
"""
from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from typing import Any

import orjson

from .conventions import SCHEMA_VERSION

NOTES = "__mrm_import_notes__"
"""Key under which a migrated panel (or the dashboard) carries what could not be migrated."""

GRID_COLUMNS = 24
ROW_HEIGHT_PX = 250
"""Grafana's DEFAULT_ROW_HEIGHT for legacy rows without a height."""
GRID_CELL_PX = 30 + 8
"""GRID_CELL_HEIGHT + GRID_CELL_VMARGIN: pixels per grid row."""
MIN_PANEL_PX = 3 * 30
DEFAULT_SPAN = 4

REDUCERS = {"min": "min", "max": "max", "avg": "mean", "mean": "mean", "current": "lastNotNull", "last": "lastNotNull",
            "total": "sum", "sum": "sum", "count": "count", "median": "median", "first": "firstNotNull",
            "name": "lastNotNull", "lastNotNull": "lastNotNull", "firstNotNull": "firstNotNull", "range": "range",
            "delta": "delta", "diff": "diff"}
"""Old value names (singlestat valueName, graph legend values) to Grafana's reducer ids (fieldReducers and aliases)."""

HEATMAP_SCHEMES = ("BrBG", "PiYG", "PRGn", "PuOr", "RdBu", "RdGy", "RdYlBu", "RdYlGn", "Spectral", "Blues", "Greens",
                   "Greys", "Oranges", "Purples", "Reds", "Turbo", "Cividis", "Viridis", "Magma", "Inferno", "Plasma",
                   "Warm", "Cool", "Cubehelix", "BuGn", "BuPu", "GnBu", "OrRd", "PuBuGn", "PuBu", "PuRd", "RdPu",
                   "YlGnBu", "YlGn", "YlOrBr", "YlOrRd", "Rainbow", "Sinebow")
"""heatmap/palettes.ts colorSchemes, in Grafana's order (the old d3 scheme is matched by name, then by substring)."""
HEATMAP_COLOR = {"scheme": "Oranges", "fill": "dark-orange", "reverse": False, "exponent": 0.5, "steps": 64}
HEATMAP_EXEMPLARS = {"color": "rgba(255,0,255,0.7)"}
STAT_THRESHOLDS = {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]}
"""The stat panel's default thresholds, which the v28 migration gives a singlestat without thresholds."""

KEPT_ON_TYPE_CHANGE = frozenset((
    "id", "gridPos", "type", "title", "scopedVars", "repeat", "repeatPanelId", "repeatDirection", "repeatedByRow",
    "minSpan", "collapsed", "panels", "targets", "datasource", "timeFrom", "timeShift", "hideTimeOverride",
    "description", "links", "cacheTimeout", "queryCachingTTL", "transparent", "pluginVersion", "transformations",
    "fieldConfig", "maxDataPoints", "interval", "libraryPanel", "maxPerRow", NOTES))
"""PanelModel's mustKeepProps (and maxPerRow, which Grafana keeps as a persisted option): what survives a change of
panel type; everything else was the old panel's own option."""

IGNORED_OLD_OPTIONS: dict[str, frozenset[str]] = {
    "graph": frozenset((
        "aliasColors", "bars", "dashLength", "dashes", "fill", "fillGradient", "legend", "lines", "linewidth",
        "nullPointMode", "pointradius", "points", "seriesOverrides", "spaceLength", "stack", "steppedLine",
        "thresholds", "tooltip", "xaxis", "yaxes", "renderer", "yaxis", "options", "$$hashKey", "isNew", "error",
        "editable", "span", "height")),
    "singlestat": frozenset((
        "valueName", "tableColumn", "format", "decimals", "nullPointMode", "nullText", "thresholds", "colors",
        "valueMaps", "rangeMaps", "mappingType", "mappingTypes", "gauge", "sparkline", "colorBackground", "colorValue",
        "prefix", "postfix", "postfixFontSize", "prefixFontSize", "valueFontSize", "colorPostfix", "colorPrefix",
        "error", "editable",
        "span", "height", "options", "$$hashKey", "isNew")),
    "table-old": frozenset(("styles", "transform", "columns", "sort", "error", "editable", "span", "height", "options",
                            "$$hashKey", "isNew", "fontSize", "pageSize", "scroll", "showHeader")),
    "grafana-piechart-panel": frozenset((
        "aliasColors", "format", "decimals", "legend", "legendType", "pieType", "valueName", "error", "editable",
        "span", "height", "options", "$$hashKey", "isNew", "breakPoint", "combine", "fontSize", "strokeWidth",
        "nullPointMode", "cacheTimeout")),
    "heatmap": frozenset((
        "cards", "color", "dataFormat", "yAxis", "xAxis", "xBucketSize", "xBucketNumber", "yBucketSize",
        "yBucketNumber", "yBucketBound", "reverseYBuckets", "tooltip", "tooltipDecimals", "legend",
        "hideZeroBuckets", "highlightCards", "heatmap", "error", "editable", "span", "height", "options",
        "$$hashKey", "isNew")),
}
"""Old options each migration reads (or that only drew the old panel's chrome): not reported when dropped.
Other old options are reported, with their values, when Grafana's migration leaves them behind (unless empty)."""

Panel = dict[str, Any]


def copied(value: Any) -> Any:
    """A deep copy of JSON data (through orjson: ten times faster than copy.deepcopy on dashboards)."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:  # not JSON (a YAML document may hold dates): the slow way
        return copy.deepcopy(value)


def note(holder: dict[str, Any], message: str) -> None:
    """Record on a panel (or the dashboard) something its migration or import could not carry."""
    holder.setdefault(NOTES, []).append(message)


def migrate(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The dashboard as Grafana shows it after loading it: schema steps up to SCHEMA_VERSION, then Angular panels
    replaced by current ones. The input is not changed; losses are noted under NOTES."""
    out = copied(dashboard)
    version = out.get("schemaVersion")
    version = version if isinstance(version, int) and not isinstance(version, bool) else 0
    out.setdefault("templating", {"list": []})
    out.setdefault("annotations", {"list": []})
    if not isinstance(out.get("panels"), list):
        out["panels"] = []
    if version < 16:
        if version < 14 and "sharedCrosshair" in out:
            out["graphTooltip"] = 1 if out.pop("sharedCrosshair") else 0
        _grid_layout(out)
    out.pop("rows", None)
    _migrate_variables(out, version)
    if version < 27:
        out["panels"] = _without_repeats(out["panels"])
    if version < 36:
        for query in _annotations(out):
            query["datasource"] = _annotation_datasource(query.get("datasource"))
    steps = [step for since, step in PANEL_STEPS if version < since]
    for panel in _all_panels(out["panels"]):
        for step in steps:
            step(panel)
        _replace_angular(panel)
        if version >= 30:
            _value_mappings(panel)  # old-style mappings left in a newer dashboard read as v30 reads them
    if version < SCHEMA_VERSION:
        out["schemaVersion"] = SCHEMA_VERSION
    return out


def _all_panels(panels: list[Any]) -> list[Panel]:
    """Top-level panels and the children of collapsed rows, in order."""
    found = []
    for panel in panels:
        if isinstance(panel, dict):
            found.append(panel)
            found += [child for child in panel.get("panels") or [] if isinstance(child, dict)]
    return found


def _annotations(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    annotations = dashboard.get("annotations")
    items = annotations.get("list") if isinstance(annotations, dict) else None
    return [a for a in items or [] if isinstance(a, dict)]


def _annotation_datasource(value: Any) -> Any:
    """v36: annotation datasource names become references ("-- Grafana --" is Grafana's own datasource)."""
    if isinstance(value, str):
        return {"type": "datasource", "uid": "grafana"} if value == "-- Grafana --" else {"uid": value}
    return value


# --- legacy rows (before schemaVersion 16) --------------------------------------------------------------------
def _grid_height(height: Any) -> int:
    if isinstance(height, str):
        match = re.match(r"\s*(\d+)", height)
        height = int(match.group(1)) if match else ROW_HEIGHT_PX
    height = max(float(height), MIN_PANEL_PX)
    return math.ceil(height / GRID_CELL_PX)


class _RowArea:
    """DashboardMigrator's RowArea: how full each column of a legacy row is, to place the next panel."""

    def __init__(self, height: int, top: int) -> None:
        self.area, self.y, self.height = [0] * GRID_COLUMNS, top, height

    def add(self, pos: dict[str, int]) -> None:
        for i in range(pos["x"], min(pos["x"] + pos["w"], GRID_COLUMNS)):
            self.area[i] = max(self.area[i], pos["y"] + pos["h"] - self.y)

    def position(self, width: int, wrapped: bool = False) -> tuple[int, int]:
        start = end = None
        for i in range(GRID_COLUMNS - 1, -1, -1):
            if self.height - self.area[i] <= 0:
                break
            if end is None:
                end = i
            elif i < GRID_COLUMNS - 1 and self.area[i] <= self.area[i + 1]:
                start = i
            else:
                break
        if start is not None and end is not None and end - start >= width - 1:
            return start, max(self.area[start:])
        if wrapped:
            return 0, max(self.area)
        self.y += self.height
        self.area = [0] * GRID_COLUMNS
        return self.position(width, wrapped=True)


def _grid_layout(dashboard: dict[str, Any]) -> None:
    """v16: legacy `rows` (12-column spans) become panels on the 24-column grid, with row panels when any row is
    collapsed, repeated or shows its title."""
    rows = [r for r in dashboard.get("rows") or [] if isinstance(r, dict)]
    if not rows:
        return
    ids = [p.get("id") for r in rows for p in r.get("panels") or [] if isinstance(p, dict)]
    next_id = max([i for i in ids if isinstance(i, int)] or [0]) + 1
    show_rows = any(r.get("collapse") or r.get("showTitle") or r.get("repeat") for r in rows)
    y = 0
    for row in rows:
        if row.get("repeatIteration"):
            continue
        height = _grid_height(row.get("height") or ROW_HEIGHT_PX)
        row_panel = None
        if show_rows:
            row_panel = {"id": next_id, "type": "row", "title": row.get("title", ""),
                         "collapsed": bool(row.get("collapse")), "panels": [],
                         "gridPos": {"x": 0, "y": y, "w": GRID_COLUMNS, "h": height}}
            if row.get("repeat"):
                row_panel["repeat"] = row["repeat"]
            next_id += 1
            y += 1
        area = _RowArea(height, y)
        for panel in [p for p in row.get("panels") or [] if isinstance(p, dict)]:
            width = int(float(panel.pop("span", None) or DEFAULT_SPAN)) * GRID_COLUMNS // 12
            if panel.get("minSpan"):
                panel["minSpan"] = min(GRID_COLUMNS, GRID_COLUMNS // 12 * panel["minSpan"])
            panel_height = _grid_height(panel["height"]) if panel.get("height") else height
            x, dy = area.position(width)
            y = area.y
            panel["gridPos"] = {"x": x, "y": y + dy, "w": width, "h": panel_height}
            area.add(panel["gridPos"])
            if row_panel is not None and row_panel["collapsed"]:
                row_panel["panels"].append(panel)
            else:
                dashboard["panels"].append(panel)
        if row_panel is not None:
            dashboard["panels"].append(row_panel)
        if not (row_panel is not None and row_panel["collapsed"]):
            y += height


# --- variables --------------------------------------------------------------------------------------------------
def _migrate_variables(dashboard: dict[str, Any], version: int) -> None:
    templating = dashboard.get("templating")
    variables = templating.get("list") if isinstance(templating, dict) else None
    for var in variables or []:
        if not isinstance(var, dict):
            continue
        if version < 23 and var.get("multi") is not None and isinstance(var.get("current"), dict) and var["current"]:
            var["current"] = _align_current(var["current"], bool(var["multi"]))
        if version < 27 and var.get("type") == "constant":
            current = {"selected": True, "text": var.get("query", ""), "value": var.get("query", "")}
            var.update(current=current, options=[current])
            if var.get("hide") in (0, 1, None):
                var["type"] = "textbox"
        if version < 28:
            for legacy in ("tags", "tagsQuery", "tagValuesQuery", "useTags"):
                var.pop(legacy, None)
        if version < 29 and var.get("type") == "query":
            if var.get("refresh") not in (1, 2):
                var["refresh"] = 1
            if var.get("options"):
                var["options"] = []


def _align_current(current: dict[str, Any], multi: bool) -> dict[str, Any]:
    """alignCurrentWithMulti: a multi-value variable's current value is a list, a single-value one's is not."""
    out = dict(current)
    for key in ("value", "text"):
        value = out.get(key)
        if multi and not isinstance(value, list) and key in out:
            out[key] = [value]
        elif not multi and isinstance(value, list):
            out[key] = value[0] if value else ""
    return out


def _without_repeats(panels: list[Any]) -> list[Any]:
    """v27: copies of repeated panels and rows saved by old Grafanas are dropped (Grafana makes them on load)."""
    kept = []
    for panel in panels:
        if isinstance(panel, dict) and (panel.get("repeatPanelId") or panel.get("repeatByRow")):
            continue
        if isinstance(panel, dict) and panel.get("type") == "row" and isinstance(panel.get("panels"), list):
            panel["panels"] = [c for c in panel["panels"] if not (isinstance(c, dict) and c.get("repeatPanelId"))]
        kept.append(panel)
    return kept


# --- schema steps on each panel -------------------------------------------------------------------------------
def _min_span(panel: Panel) -> None:
    """v17: minSpan becomes maxPerRow, the largest factor of 24 that fits."""
    if panel.get("minSpan"):
        most = GRID_COLUMNS / panel["minSpan"]
        factors = [f for f in range(1, GRID_COLUMNS + 1) if GRID_COLUMNS % f == 0]
        bigger = next((i for i, f in enumerate(factors) if f > most), -1)
        panel["maxPerRow"] = factors[bigger - 1] if bigger > 0 else None
        if panel["maxPerRow"] is None:
            del panel["maxPerRow"]
    panel.pop("minSpan", None)


def _panel_links(panel: Panel) -> None:
    """v19: old panel links (to a dashboard by name or uri) become url links."""
    if isinstance(panel.get("links"), list):
        panel["links"] = [_upgrade_link(link) for link in panel["links"] if isinstance(link, dict)]


def _upgrade_link(link: dict[str, Any]) -> dict[str, Any]:
    url = link.get("url")
    if not url and link.get("dashboard"):
        url = "dashboard/db/" + re.sub(r"[^\w-]+", "", re.sub(r"\s+", "-", str(link["dashboard"]).lower()))
    if not url and link.get("dashUri"):
        url = f"dashboard/{link['dashUri']}"
    url = url or "/"
    for flag, param in (("keepTime", "$__url_time_range"), ("includeVars", "$__all_variables")):
        if link.get(flag):
            url = _append_query(url, param)
    if link.get("params"):
        url = _append_query(url, str(link["params"]))
    out = {"url": url, "title": link.get("title")}
    if "targetBlank" in link:
        out["targetBlank"] = link["targetBlank"]
    return {k: v for k, v in out.items() if v is not None}


def _append_query(url: str, query: str) -> str:
    return url + ("&" if "?" in url else "?") + query


def _table_align(panel: Panel) -> None:
    """v22: old table styles align automatically."""
    if panel.get("type") == "table":
        for style in panel.get("styles") or []:
            if isinstance(style, dict):
                style["align"] = "auto"


def _old_table(panel: Panel) -> None:
    """v24: a table saved with `styles` is the Angular table, renamed table-old (then migrated on load)."""
    if panel.get("type") == "table" and panel.get("styles") and panel.get("table") != "table2":
        panel["type"] = "table-old"


def _text2(panel: Panel) -> None:
    """v26: the React text panel's temporary type becomes text."""
    if panel.get("type") == "text2":
        panel["type"] = "text"
        if isinstance(panel.get("options"), dict):
            panel["options"].pop("angular", None)


def _value_mappings(panel: Panel) -> None:
    """v30: value mappings take the current shape (one value map, then special and range maps)."""
    config = panel.get("fieldConfig")
    if not isinstance(config, dict):
        return
    defaults = config.get("defaults")
    if isinstance(defaults, dict) and isinstance(defaults.get("mappings"), list):
        defaults["mappings"] = upgrade_value_mappings(defaults["mappings"], defaults.get("thresholds"))
    for override in config.get("overrides") or []:
        for prop in (override or {}).get("properties") or []:
            if isinstance(prop, dict) and prop.get("id") == "mappings" and isinstance(prop.get("value"), list):
                prop["value"] = upgrade_value_mappings(prop["value"], None)


def upgrade_value_mappings(old: list[Any], thresholds: Any) -> list[dict[str, Any]]:
    """DashboardMigrator's upgradeValueMappings: old `{type: 1|2, value|from/to, text}` mappings (and current ones)
    as current mappings; every value-to-text mapping is merged into one value map placed first."""
    value_map: dict[str, Any] = {}
    mappings: list[dict[str, Any]] = []
    steps = thresholds.get("steps") if isinstance(thresholds, dict) else None
    for item in old:
        if not isinstance(item, dict):
            continue
        if item.get("type") and item.get("options") is not None:
            if item["type"] == "value" and isinstance(item["options"], dict):
                value_map.update(item["options"])
            else:
                mappings.append(item)
            continue
        result = _omit_none({"text": item.get("text"), "color": _threshold_color(item.get("text"), steps)})
        if item.get("type") == 1 and item.get("value") is not None:
            if item["value"] == "null":
                mappings.append({"type": "special", "options": {"match": "null", "result": result}})
            else:
                value_map[js_string(item["value"])] = result
        elif item.get("type") == 2:
            mappings.append({"type": "range", "options": {"from": js_number(item.get("from")),
                                                          "to": js_number(item.get("to")), "result": result}})
    if value_map:
        mappings.insert(0, {"type": "value", "options": value_map})
    return mappings


def _threshold_color(text: Any, steps: Any) -> str | None:
    """The colour the thresholds give a mapping's text when it reads as a number (getActiveThreshold)."""
    number = js_number(text)
    if number is None or not isinstance(steps, list):
        return None
    active = None
    for step in steps:
        if isinstance(step, dict) and (step.get("value") is None or number >= step["value"]):
            active = step
    return active.get("color") if active else None


def _tooltip_options(panel: Panel) -> None:
    """v30: a time series panel's tooltipOptions became tooltip."""
    options = panel.get("options")
    if panel.get("type") in ("timeseries", "xychart") and isinstance(options, dict) and "tooltipOptions" in options:
        options["tooltip"] = options.pop("tooltipOptions")


def _labels_to_fields(panel: Panel) -> None:
    """v31: a labelsToFields transformation is followed by merge (it used to merge by itself)."""
    if isinstance(panel.get("transformations"), list):
        out = []
        for t in panel["transformations"]:
            out.append(t)
            if isinstance(t, dict) and t.get("id") == "labelsToFields":
                out.append({"id": "merge", "options": {}})
        panel["transformations"] = out


def _x_axis_visible(panel: Panel) -> None:
    """v35: a time series with every axis hidden keeps its time axis visible, through an override."""
    defaults = ((panel.get("fieldConfig") or {}).get("defaults") or {})
    if panel.get("type") == "timeseries" and (defaults.get("custom") or {}).get("axisPlacement") == "hidden":
        panel["fieldConfig"].setdefault("overrides", []).append(
            {"matcher": {"id": "byType", "options": "time"},
             "properties": [{"id": "custom.axisPlacement", "value": "auto"}]})


def _legend(panel: Panel) -> None:
    """v37: a hidden legend is `showLegend: false` (displayMode hidden is gone)."""
    legend = (panel.get("options") or {}).get("legend") if isinstance(panel.get("options"), dict) else None
    if not isinstance(legend, dict):
        return
    if legend.get("displayMode") == "hidden" or legend.get("showLegend") is False:
        legend.update(displayMode="list", showLegend=False)
    else:
        legend["showLegend"] = True


CELL_DISPLAY_MODES = {
    "basic": {"type": "gauge", "mode": "basic"}, "gradient-gauge": {"type": "gauge", "mode": "gradient"},
    "lcd-gauge": {"type": "gauge", "mode": "lcd"}, "color-background": {"type": "color-background", "mode": "gradient"},
    "color-background-solid": {"type": "color-background", "mode": "basic"},
}


def _cell_options(mode: Any) -> dict[str, Any]:
    """migrateTableDisplayModeToCellOptions."""
    return dict(CELL_DISPLAY_MODES.get(mode, {"type": mode}))


def _table_cell_options(panel: Panel) -> None:
    """v38: a table column's displayMode became cellOptions."""
    config = panel.get("fieldConfig")
    if panel.get("type") != "table" or not isinstance(config, dict):
        return
    custom = (config.get("defaults") or {}).get("custom")
    if isinstance(custom, dict) and "displayMode" in custom:
        custom["cellOptions"] = _cell_options(custom.pop("displayMode"))
    for override in config.get("overrides") or []:
        for prop in (override or {}).get("properties") or []:
            if isinstance(prop, dict) and prop.get("id") == "custom.displayMode":
                prop.update(id="custom.cellOptions", value=_cell_options(prop.get("value")))


def _time_series_table(panel: Panel) -> None:
    """v39: the timeSeriesTable transformation's refIdToStat became per-query options."""
    for t in panel.get("transformations") or []:
        options = t.get("options") if isinstance(t, dict) else None
        if (t.get("id") == "timeSeriesTable" and isinstance(options, dict)
                and isinstance(options.get("refIdToStat"), dict)):
            t["options"] = {ref: {"stat": stat} for ref, stat in options["refIdToStat"].items()}


def _singlestat_step(panel: Panel) -> None:
    """v28: singlestat becomes stat."""
    if panel.get("type") in ("singlestat", "grafana-singlestat-panel"):
        _singlestat_to_stat(panel)


PANEL_STEPS: tuple[tuple[int, Callable[[Panel], None]], ...] = (
    (17, _min_span), (19, _panel_links), (22, _table_align), (24, _old_table), (26, _text2), (28, _singlestat_step),
    (30, _value_mappings), (30, _tooltip_options), (31, _labels_to_fields), (35, _x_axis_visible), (37, _legend),
    (38, _table_cell_options), (39, _time_series_table),
)
"""(schemaVersion that introduced it, step): a dashboard older than that version gets the step, in this order."""


# --- Angular panels replaced on load -----------------------------------------------------------------------------
def _replace_angular(panel: Panel) -> None:
    kind = panel.get("type")
    if kind == "graph":
        xaxis = panel.get("xaxis") if isinstance(panel.get("xaxis"), dict) else {}
        if xaxis.get("mode") == "histogram":
            if xaxis.get("buckets"):
                note(panel, f"graph histogram buckets={xaxis['buckets']!r}: histogram panels size their buckets "
                            "themselves (Grafana drops it too; set bucketCount or bucketSize)")
            _change_type(panel, "histogram", _graph_to_histogram)
        elif xaxis.get("mode") == "series":
            note(panel, f"graph of series values {xaxis.get('values')!r}: a bar gauge keeps none of the graph's "
                        "options (as in Grafana); set its reduceOptions.calcs")
            _change_type(panel, "bargauge", lambda _panel, _angular: {})
        else:
            _change_type(panel, "timeseries", _graph_to_timeseries)
    elif kind in ("singlestat", "grafana-singlestat-panel"):
        _singlestat_to_stat(panel)
    elif kind == "table-old":
        _change_type(panel, "table", _old_table_to_table)
    elif kind == "grafana-piechart-panel":
        _change_type(panel, "piechart", _piechart)
    elif kind == "heatmap-new":
        panel["type"] = "heatmap"
        options = panel.get("options")
        if isinstance(options, dict) and "bucketFrame" in options:
            options["rowsFrame"] = options.pop("bucketFrame")
    elif kind == "heatmap" and not panel.get("options"):
        _change_type(panel, "heatmap", _old_heatmap)


def _change_type(panel: Panel, to: str, handler: Callable[[Panel, dict[str, Any]], dict[str, Any]]) -> None:
    """PanelModel.changePlugin: the old options go to the new type's change handler; only the kept props stay."""
    old_type = panel["type"]
    angular = {k: v for k, v in panel.items() if k not in KEPT_ON_TYPE_CHANGE or k == "fieldConfig"}
    options = handler(panel, angular)
    for key in [k for k in panel if k not in KEPT_ON_TYPE_CHANGE]:
        del panel[key]
    panel["type"] = to
    panel["options"] = options
    panel.setdefault("fieldConfig", {"defaults": {}, "overrides": []})
    _note_dropped(panel, old_type, angular)


def _note_dropped(panel: Panel, old_type: str, angular: dict[str, Any]) -> None:
    ignored = IGNORED_OLD_OPTIONS.get(old_type, frozenset())
    dropped = {k: v for k, v in angular.items()
               if k not in ignored and k != "fieldConfig" and v not in (None, "", [], {}, False)}
    if dropped:
        shown = ", ".join(f"{k}={_short(v)}" for k, v in sorted(dropped.items()))
        note(panel, f"{old_type} options with no counterpart in {panel['type']} (Grafana drops them too): {shown}")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def truthy(value: Any) -> bool:
    """JavaScript truthiness: empty lists and objects are true, 0, "", null and NaN are false."""
    if isinstance(value, (list, dict)):
        return True
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def js_number(value: Any) -> int | float | None:
    """JavaScript Number(value) for what dashboards hold (numbers and numeric strings), None when NaN or absent;
    whole numbers come back as int."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text) if text else 0.0
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return None
    return int(value) if float(value).is_integer() else value


def js_string(value: Any) -> str:
    """JavaScript String(value) for JSON scalars."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "null" if value is None else str(value)


def _omit_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


# graph -> timeseries (timeseries/migrations.ts flotToGraphOptions)
LEGEND_REDUCER_KEYS = ("min", "max", "avg", "current", "total")


def _axis_config(axis: Any) -> dict[str, Any]:
    """getFieldConfigFromOldAxis: one old y axis as field config."""
    if not isinstance(axis, dict):
        return {}
    custom: dict[str, Any] = {"axisPlacement": "auto" if truthy(axis.get("show")) else "hidden"}
    if truthy(axis.get("label")):
        custom["axisLabel"] = axis["label"]
    if axis.get("logBase") in (2, 10):
        custom["scaleDistribution"] = {"type": "log", "log": axis["logBase"]}
    return _omit_none({"unit": axis.get("format"), "decimals": _valid_number(axis.get("decimals")),
                       "min": _valid_number(axis.get("min")), "max": _valid_number(axis.get("max")), "custom": custom})


def _valid_number(value: Any) -> int | float | None:
    return js_number(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None


def _graph_to_timeseries(panel: Panel, angular: dict[str, Any]) -> dict[str, Any]:
    previous = angular.get("fieldConfig") if isinstance(angular.get("fieldConfig"), dict) else {}
    overrides = list(previous.get("overrides") or [])
    yaxes = angular.get("yaxes") if isinstance(angular.get("yaxes"), list) else []
    y1 = _axis_config(yaxes[0] if yaxes else None)
    if isinstance(previous.get("defaults"), dict):
        y1 = {**previous["defaults"], **y1}
    dash = {"fill": "dash" if truthy(angular.get("dashes")) else "solid",
            "dash": [_or(angular.get("dashLength"), 10), _or(angular.get("spaceLength"), 10)]}
    for alias, color in (angular.get("aliasColors") or {}).items():
        if truthy(color):
            overrides.append({"matcher": {"id": "byName", "options": alias},
                              "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}}]})
    fill_below = False
    for series in angular.get("seriesOverrides") or []:
        if not isinstance(series, dict) or not truthy(series.get("alias")):
            continue
        rule, below = _series_override(series, y1, yaxes, dash, panel)
        fill_below = fill_below or below
        if rule["properties"]:
            overrides.append(rule)
    graph = dict(y1.get("custom") or {})
    graph["drawStyle"] = "bars" if truthy(angular.get("bars")) else "line" if truthy(angular.get("lines")) else "points"
    if truthy(angular.get("points")):
        graph["showPoints"] = "always"
        if isinstance(angular.get("pointradius"), (int, float)) and not isinstance(angular["pointradius"], bool):
            graph["pointSize"] = 2 + angular["pointradius"] * 2
    elif graph["drawStyle"] != "points":
        graph["showPoints"] = "never"
    graph["lineWidth"] = angular.get("linewidth")
    if dash["fill"] != "solid":
        graph["lineStyle"] = dash
    if fill_below:
        graph["fillOpacity"] = 35
    elif _is_number(angular.get("fill")):
        graph["fillOpacity"] = angular["fill"] * 10
    if _is_number(angular.get("fillGradient")) and angular["fillGradient"] > 0:
        graph["gradientMode"] = "opacity"
        graph["fillOpacity"] = angular["fillGradient"] * 10
    graph["spanNulls"] = angular.get("nullPointMode") == "connected"
    if truthy(angular.get("steppedLine")):
        graph["lineInterpolation"] = "stepAfter"
    if graph["drawStyle"] == "bars":
        graph["fillOpacity"] = 100
    if truthy(angular.get("stack")):
        graph["stacking"] = {"mode": "normal", "group": "A"}
    y1["custom"] = _omit_none(graph)
    if angular.get("nullPointMode") not in (None, "null", "connected"):
        note(panel, f"nullPointMode {angular['nullPointMode']!r}: time series panels have no 'null as zero' "
                    "(Grafana keeps it as nullValueMode, which they do not read)")
    options: dict[str, Any] = {"legend": {"displayMode": "list", "showLegend": True, "placement": "bottom",
                                          "calcs": []},
                               "tooltip": {"mode": "single", "sort": "none"}}
    legend = angular.get("legend")
    if isinstance(legend, dict):
        if truthy(legend.get("show")):
            options["legend"]["displayMode"] = "table" if truthy(legend.get("alignAsTable")) else "list"
        else:
            options["legend"]["showLegend"] = False
        if truthy(legend.get("rightSide")):
            options["legend"]["placement"] = "right"
        if truthy(legend.get("values")):
            options["legend"]["calcs"] = [REDUCERS[k] for k, v in legend.items()
                                          if k in LEGEND_REDUCER_KEYS and truthy(v)]
        if truthy(legend.get("sideWidth")):
            options["legend"]["width"] = legend["sideWidth"]
        lost = {k: legend[k] for k in ("hideEmpty", "hideZero", "sort") if truthy(legend.get(k))}
        if lost:
            note(panel, f"legend {_short(lost)}: time series legends cannot hide or sort series (Grafana drops it too)")
    tooltip = angular.get("tooltip")
    if isinstance(tooltip, dict):
        if tooltip.get("shared") is not None:
            options["tooltip"]["mode"] = "multi" if truthy(tooltip["shared"]) else "single"
        if tooltip.get("sort") is not None and truthy(tooltip.get("shared")):
            options["tooltip"]["sort"] = {1: "asc", 2: "desc"}.get(tooltip["sort"], "none")
    thresholds = angular.get("thresholds")
    if isinstance(thresholds, list) and thresholds:
        y1["custom"]["thresholdsStyle"], y1["thresholds"] = _graph_thresholds(thresholds)
    xaxis = angular.get("xaxis")
    if isinstance(xaxis, dict) and xaxis.get("show") is False and xaxis.get("mode") == "time":
        overrides.append({"matcher": {"id": "byType", "options": "time"},
                          "properties": [{"id": "custom.axisPlacement", "value": "hidden"}]})
    panel["fieldConfig"] = {"defaults": _omit_none(y1), "overrides": overrides}
    return options


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


SERIES_OVERRIDE_REGEX = re.compile(r"^([/~@;%#'])(.*?)\1([gimsuy]*)$")


def _series_override(series: dict[str, Any], y1: dict[str, Any], yaxes: list[Any], dash: dict[str, Any],
                     panel: Panel) -> tuple[dict[str, Any], bool]:
    """One seriesOverrides entry as a field override (by name, or by regex for a /regex/ alias)."""
    alias = series["alias"]
    matcher = "byRegexp" if isinstance(alias, str) and SERIES_OVERRIDE_REGEX.match(alias) else "byName"
    props: list[dict[str, Any]] = []
    line_style: dict[str, Any] | None = None
    fill_below = False
    for key, value in series.items():
        if key in ("alias", "$$hashKey"):
            continue
        if key == "yaxis":
            if value == 2:
                props += _y2_properties(y1, _axis_config(yaxes[1] if len(yaxes) > 1 else None))
        elif key == "fill":
            props.append({"id": "custom.fillOpacity", "value": value * 10})
        elif key == "fillBelowTo":
            fill_below = True
            props.append({"id": "custom.fillBelowTo", "value": value})
        elif key == "fillGradient":
            if truthy(value):
                props += [{"id": "custom.fillGradient", "value": "opacity"},
                          {"id": "custom.fillOpacity", "value": value * 10}]
        elif key == "points":
            props.append({"id": "custom.showPoints", "value": "always" if truthy(value) else "never"})
        elif key == "bars":
            props += ([{"id": "custom.drawStyle", "value": "bars"}, {"id": "custom.fillOpacity", "value": 100}]
                      if truthy(value) else [{"id": "custom.drawStyle", "value": "line"}])
        elif key == "lines":
            props.append({"id": "custom.lineWidth", "value": 0})
        elif key == "linewidth":
            props.append({"id": "custom.lineWidth", "value": value})
        elif key == "pointradius":
            props.append({"id": "custom.pointSize", "value": 2 + value * 2})
        elif key in ("dashLength", "spaceLength", "dashes"):
            line_style = line_style or {"fill": dash["fill"], "dash": list(dash["dash"])}
            if key == "dashes":
                line_style["fill"] = "dash" if truthy(value) else "solid"
            else:
                line_style["dash"][0 if key == "dashLength" else 1] = value
        elif key == "stack":
            props.append({"id": "custom.stacking", "value": {"mode": "normal", "group": value}})
        elif key == "color":
            props.append({"id": "color", "value": {"fixedColor": value, "mode": "fixed"}})
        elif key == "transform":
            props.append({"id": "custom.transform", "value": "negative-Y" if value == "negative-Y" else "constant"})
        else:
            note(panel, f"seriesOverrides {alias!r}: {key}={_short(value)} has no counterpart in time series panels "
                        "(Grafana drops it too)")
    if line_style:
        props.append({"id": "custom.lineStyle", "value": line_style})
    return {"matcher": {"id": matcher, "options": alias}, "properties": props}, fill_below


def _y2_properties(y1: dict[str, Any], y2: dict[str, Any]) -> list[dict[str, Any]]:
    """fillY2DynamicValues: what the right axis sets differently from the left, as override properties."""
    props = [{"id": key, "value": value} for key, value in y2.items() if key != "custom" and value != y1.get(key)]
    y1_custom = y1.get("custom") or {}
    props += [{"id": f"custom.{key}", "value": value} for key, value in (y2.get("custom") or {}).items()
              if value != y1_custom.get(key)]
    return props


def _graph_thresholds(thresholds: list[Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Graph threshold lines and areas (gt/lt) as threshold steps and a thresholds style."""
    items = sorted((t for t in thresholds if isinstance(t, dict) and _is_number(t.get("value"))),
                   key=lambda t: t["value"])
    steps: list[dict[str, Any]] = []
    area = line = False
    for i, item in enumerate(items):
        after = items[i + 1] if i + 1 < len(items) else None
        area = area or truthy(item.get("fill"))
        line = line or truthy(item.get("line"))
        if item.get("op") == "gt":
            steps.append({"value": item["value"], "color": _graph_threshold_color(item)})
        if item.get("op") == "lt":
            if not steps:
                steps.append({"value": None, "color": _graph_threshold_color(item)})
            if after and after.get("op") == "lt":
                steps.append({"value": item["value"], "color": _graph_threshold_color(after)})
            else:
                steps.append({"value": item["value"], "color": "transparent"})
    if steps and steps[0]["value"] is not None:
        steps.insert(0, {"color": "transparent", "value": None})
    mode = "line+area" if line and area else "area" if area else "line"
    return {"mode": mode}, {"mode": "absolute", "steps": steps}


def _graph_threshold_color(item: dict[str, Any]) -> Any:
    mode = item.get("colorMode")
    if mode == "warning":
        return "orange"
    if mode == "custom":
        return item.get("fillColor") or item.get("lineColor")
    return "red"


def _graph_to_histogram(panel: Panel, angular: dict[str, Any]) -> dict[str, Any]:
    """histogram/migrations.ts: a graph of a histogram keeps only its stacking."""
    custom = ({"stacking": {"mode": "percent" if truthy(angular.get("percentage")) else "normal", "group": "A"}}
              if truthy(angular.get("stack")) else {})
    panel["fieldConfig"] = {"defaults": {"custom": custom}, "overrides": []}
    return {"legend": {"displayMode": "list", "showLegend": True, "placement": "bottom", "calcs": []},
            "tooltip": {"mode": "single", "sort": "none"}, "combine": False}


# singlestat -> stat (v28.go)
def _singlestat_to_stat(panel: Panel) -> None:
    old_type = panel["type"]
    angular = {k: v for k, v in panel.items() if k not in KEPT_ON_TYPE_CHANGE}
    config = panel.get("fieldConfig") if isinstance(panel.get("fieldConfig"), dict) else {}
    defaults = config.get("defaults") if isinstance(config.get("defaults"), dict) else {}
    options: dict[str, Any] = {"reduceOptions": {"calcs": ["mean"], "fields": "", "values": False},
                               "orientation": "horizontal", "justifyMode": "auto", "percentChangeColorMode": "standard",
                               "showPercentChange": False, "textMode": "auto", "wideLayout": True}
    if old_type == "grafana-singlestat-panel":
        options["reduceOptions"]["calcs"] = ["lastNotNull"]
        options["orientation"] = "auto"
    reducer = REDUCERS.get(angular.get("valueName")) if isinstance(angular.get("valueName"), str) else None
    if reducer:
        options["reduceOptions"]["calcs"] = [reducer]
    thresholds, colors = angular.get("thresholds"), angular.get("colors")
    if isinstance(thresholds, str) and isinstance(colors, list):
        if thresholds:
            values = thresholds.split(",")
            steps = []
            for i, color in enumerate(colors):
                step: dict[str, Any] = {"color": color}
                if i == 0:
                    step["value"] = None
                elif i - 1 < len(values) and js_number(values[i - 1]) is not None and values[i - 1].strip():
                    step["value"] = js_number(values[i - 1])
                steps.append(step)
            defaults["thresholds"] = {"mode": "absolute", "steps": steps}
        else:
            defaults["thresholds"] = copied(STAT_THRESHOLDS)
    defaults.setdefault("thresholds", copied(STAT_THRESHOLDS))
    if isinstance(angular.get("tableColumn"), str) and angular["tableColumn"]:
        options["reduceOptions"]["fields"] = f"/^{angular['tableColumn']}$/"
    if isinstance(angular.get("format"), str):
        defaults["unit"] = angular["format"]
    if "decimals" in angular:
        defaults["decimals"] = angular["decimals"]
    if angular.get("nullPointMode") == "null as zero":
        note(panel, "nullPointMode 'null as zero': stat panels have no such option (Grafana keeps it as nullValueMode, "
                    "which they do not read)")
    if isinstance(angular.get("nullText"), str):
        defaults["noValue"] = angular["nullText"]
    defaults["mappings"] = _singlestat_mappings(angular, defaults["thresholds"])
    sparkline = angular.get("sparkline")
    options["graphMode"] = "none"
    if isinstance(sparkline, dict) and sparkline.get("show") is True:
        options["graphMode"] = "area"
        if isinstance(sparkline.get("lineColor"), str):
            defaults["color"] = {"mode": "fixed", "fixedColor": sparkline["lineColor"]}
    options["colorMode"] = ("background" if angular.get("colorBackground") is True
                            else "value" if angular.get("colorValue") is True else "none")
    if angular.get("valueName") == "name":
        options["textMode"] = "name"
    gauge = angular.get("gauge")
    if isinstance(gauge, dict) and gauge.get("show") is True:
        defaults["min"], defaults["max"] = gauge.get("minValue"), gauge.get("maxValue")
        note(panel, "singlestat shown as a gauge: migrated to a stat (as Grafana does); its min and max are kept")
    unit_range = {"percent": (0, 100), "percentunit": (0, 1)}.get(defaults.get("unit"))
    if unit_range:
        for key, bound in zip(("min", "max"), unit_range):
            if defaults.get(key) is None:
                defaults[key] = bound
    if angular.get("mappingType") == 1 and angular.get("rangeMaps") and _meaningful_range_maps(angular["rangeMaps"]):
        note(panel, "singlestat rangeMaps are not carried: its mappingType used valueMaps (Grafana reads only those)")
    if angular.get("mappingType") == 2 and angular.get("valueMaps") and _meaningful_value_maps(angular["valueMaps"]):
        note(panel, "singlestat valueMaps are not carried: its mappingType used rangeMaps (Grafana reads only those)")
    for key in ("prefix", "postfix"):
        if angular.get(key):
            note(panel, f"singlestat {key} {angular[key]!r} is not carried: stat panels have no {key} (use a custom "
                        "unit such as 'prefix:' or 'suffix:' instead)")
    for key in [k for k in panel if k not in KEPT_ON_TYPE_CHANGE]:
        del panel[key]
    panel.update(type="stat", options=options, fieldConfig={"defaults": defaults,
                                                              "overrides": list(config.get("overrides") or [])})
    _note_dropped(panel, "singlestat", angular)


def _meaningful_range_maps(maps: list[Any]) -> bool:
    return any(isinstance(m, dict) and not (m.get("from") == m.get("to") == "null") for m in maps)


def _meaningful_value_maps(maps: list[Any]) -> bool:
    return any(isinstance(m, dict) and m.get("value") != "null" for m in maps)


def _singlestat_mappings(angular: dict[str, Any], thresholds: Any) -> list[dict[str, Any]]:
    """v28's value mappings: valueMaps or rangeMaps (whichever mappingType says), each as one current mapping, then
    v30's merge of the value maps into one."""
    kind = angular.get("mappingType")
    if kind is None:
        kind = 1 if angular.get("valueMaps") else 2 if angular.get("rangeMaps") else None
    source = angular.get("valueMaps") if kind == 1 else angular.get("rangeMaps") if kind == 2 else None
    steps = thresholds.get("steps") if isinstance(thresholds, dict) else None
    mappings = []
    for old in source or []:
        if not isinstance(old, dict):
            continue
        result = _omit_none({"text": old.get("text"), "color": _threshold_color(old.get("value"), steps)})
        if kind == 1 and old.get("value") is not None:
            if old["value"] == "null":
                mappings.append({"type": "special", "options": {"match": "null", "result": result}})
            else:
                mappings.append({"type": "value", "options": {js_string(old["value"]): result}})
        elif kind == 2:
            if "null" in (old.get("from"), old.get("to")):
                mappings.append({"type": "special", "options": {"match": "null", "result": result}})
            else:
                mappings.append({"type": "range", "options": {"from": js_number(old.get("from")),
                                                              "to": js_number(old.get("to")), "result": result}})
    return upgrade_value_mappings(mappings, thresholds)


# table-old -> table (table/migrations.ts)
TABLE_TRANSFORMS = {"timeseries_to_rows": "seriesToRows", "timeseries_to_columns": "seriesToColumns",
                    "timeseries_aggregations": "reduce", "table": "merge"}
TABLE_COLUMNS = {"avg": "mean", "min": "min", "max": "max", "total": "sum", "current": "lastNotNull", "count": "count"}
TABLE_COLOR_MODES = {"cell": "color-background", "row": "color-background", "value": "color-text"}


def _table_thresholds(values: list[Any], colors: list[Any]) -> list[dict[str, Any]]:
    levels: list[Any] = [None, *values]
    return [{"color": colors[i] if i < len(colors) else None,
             "value": None if i == 0 else (v if _is_number(v) else _parse_int(v))} for i, v in enumerate(levels)]


def _parse_int(value: Any) -> int | None:
    match = re.match(r"\s*([+-]?\d+)", str(value))
    return int(match.group(1)) if match else None


def _style_override(style: dict[str, Any], panel: Panel) -> dict[str, Any]:
    pattern = style.get("pattern", "")
    matcher = "byRegexp" if re.match(r"^/.*/$", str(pattern)) else "byName"
    props: list[dict[str, Any]] = []
    if truthy(style.get("alias")):
        props.append({"id": "displayName", "value": style["alias"]})
    if truthy(style.get("unit")):
        props.append({"id": "unit", "value": style["unit"]})
    if truthy(style.get("decimals")):
        props.append({"id": "decimals", "value": style["decimals"]})
    if style.get("type") == "date":
        props.append({"id": "unit", "value": f"time: {style.get('dateFormat')}"})
    if truthy(style.get("link")):
        props.append({"id": "links", "value": [{"title": _or(style.get("linkTooltip"), ""),
                                                "url": _or(style.get("linkUrl"), ""),
                                                "targetBlank": _or(style.get("linkTargetBlank"), False)}]})
    if truthy(style.get("colorMode")):
        props.append({"id": "custom.cellOptions", "value": {"type": TABLE_COLOR_MODES.get(style["colorMode"])}})
    if truthy(style.get("align")):
        props.append({"id": "custom.align", "value": None if style["align"] == "auto" else style["align"]})
    if style.get("thresholds"):
        props.append({"id": "thresholds", "value": {"mode": "absolute", "steps": _table_thresholds(
            style["thresholds"], style.get("colors") or [])}})
    _note_style(style, panel)
    return {"matcher": {"id": matcher, "options": pattern}, "properties": props}


def _note_style(style: dict[str, Any], panel: Panel) -> None:
    where = f"table style {style.get('pattern', '')!r}"
    if style.get("type") == "hidden":
        note(panel, f"{where}: type 'hidden' is not carried (Grafana's migration shows the column; hide it with an "
                    "organize transformation)")
    if style.get("valueMaps") or style.get("rangeMaps"):
        note(panel, f"{where}: value and range maps are not carried (Grafana drops them too)")
    if style.get("sanitize") or style.get("preserveFormat"):
        note(panel, f"{where}: sanitize/preserveFormat are not carried (Grafana drops them too)")


def _old_table_to_table(panel: Panel, angular: dict[str, Any]) -> dict[str, Any]:
    transformations = list(panel.get("transformations") or [])
    transform = angular.get("transform")
    if transform in TABLE_TRANSFORMS:
        options: dict[str, Any] = {"reducers": []}
        if transform == "timeseries_aggregations":
            options["includeTimeField"] = False
            options["reducers"] = [TABLE_COLUMNS.get(c.get("value")) for c in angular.get("columns") or []
                                   if isinstance(c, dict)]
        transformations.append({"id": TABLE_TRANSFORMS[transform], "options": options})
    elif transform:
        note(panel, f"table transform {transform!r} is not carried (Grafana drops it too)")
    styles = [s for s in angular.get("styles") or [] if isinstance(s, dict)]
    fallback = next((s for s in styles if s.get("pattern") == "/.*/"), None)
    defaults: dict[str, Any] = {"custom": {}}
    if fallback:
        defaults = _omit_none({"unit": fallback.get("unit"), "decimals": fallback.get("decimals"),
                               "displayName": fallback.get("alias"),
                               "custom": {"align": None if fallback.get("align") == "auto" else fallback.get("align")}})
        if fallback.get("thresholds"):
            defaults["thresholds"] = {"mode": "absolute", "steps": _table_thresholds(
                fallback["thresholds"], fallback.get("colors") or [])}
        if truthy(fallback.get("colorMode")):
            defaults["custom"]["cellOptions"] = {"type": TABLE_COLOR_MODES.get(fallback["colorMode"])}
        _note_style(fallback, panel)
    if isinstance(angular.get("sort"), dict) and angular["sort"].get("col") is not None:
        note(panel, f"table sort {angular['sort']!r} is not carried (Grafana drops it too; set sortBy by column name)")
    panel["transformations"] = transformations
    panel["fieldConfig"] = {"defaults": defaults,
                            "overrides": [_style_override(s, panel) for s in styles if s.get("pattern") != "/.*/"]}
    return {}


# grafana-piechart-panel -> piechart (piechart/migrations.ts)
def _piechart(panel: Panel, angular: dict[str, Any]) -> dict[str, Any]:
    overrides = [{"matcher": {"id": "byName", "options": alias},
                  "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}}]}
                 for alias, color in (angular.get("aliasColors") or {}).items() if truthy(color)]
    panel["fieldConfig"] = {"overrides": overrides,
                            "defaults": _omit_none({"unit": angular.get("format"),
                                                    "decimals": angular["decimals"] if truthy(angular.get("decimals"))
                                                    else 0})}
    options: dict[str, Any] = {"legend": {"placement": "right", "values": [], "displayMode": "table",
                                          "showLegend": True, "calcs": []}}
    calcs = {"current": "lastNotNull", "min": "min", "max": "max", "avg": "mean", "total": "sum"}
    if truthy(angular.get("valueName")):
        options["reduceOptions"] = {"calcs": [calcs[angular["valueName"]]] if angular["valueName"] in calcs else []}
    placement = {"Under graph": "bottom", "Right side": "right"}.get(angular.get("legendType"))
    if placement:
        options["legend"]["placement"] = placement
    if angular.get("pieType") in ("pie", "donut"):
        options["pieType"] = angular["pieType"]
    legend = angular.get("legend") if isinstance(angular.get("legend"), dict) else {}
    if angular.get("legend") is not None:
        if not truthy(legend.get("show")):
            options["legend"]["showLegend"] = False
        if truthy(legend.get("values")):
            options["legend"]["values"].append("value")
        if truthy(legend.get("percentage")):
            options["legend"]["values"].append("percent")
    if angular.get("legendType") == "On graph":
        options["legend"]["showLegend"] = False
        options["displayLabels"] = ["name"]
        if truthy(legend.get("values")):
            options["displayLabels"].append("value")
        if truthy(legend.get("percentage")):
            options["displayLabels"].append("percent")
    return options


# old heatmap -> heatmap (heatmap/migrations.ts angularToReactHeatmap)
def _as_number(value: Any, default: Any = None) -> Any:
    if value is None or value == "":
        return default
    number = js_number(value)
    return default if number is None else number


def _old_heatmap(panel: Panel, angular: dict[str, Any]) -> dict[str, Any]:
    panel["fieldConfig"] = {"defaults": {}, "overrides": []}
    calculate = angular.get("dataFormat") != "tsbuckets"
    calculation: dict[str, Any] = {}
    y_axis = {"logBase": 1, **(angular.get("yAxis") if isinstance(angular.get("yAxis"), dict) else {})}
    if calculate:
        if truthy(angular.get("xBucketSize")):
            calculation["xBuckets"] = {"mode": "size", "value": js_string(angular["xBucketSize"])}
        elif truthy(angular.get("xBucketNumber")):
            calculation["xBuckets"] = {"mode": "count", "value": js_string(angular["xBucketNumber"])}
        if truthy(angular.get("yBucketSize")):
            calculation["yBuckets"] = {"mode": "size", "value": js_string(angular["yBucketSize"])}
        elif truthy(angular.get("xBucketNumber")):
            calculation["yBuckets"] = {"mode": "count", "value": js_string(angular.get("yBucketNumber"))}
        if _is_number(y_axis["logBase"]) and y_axis["logBase"] > 1:
            split = js_number(y_axis.get("splitFactor"))
            calculation["yBuckets"] = _omit_none({"mode": "count", "value": js_string(y_axis["splitFactor"])
                                                  if split and split > 0 else None,
                                                  "scale": {"type": "log", "log": y_axis["logBase"]}})
    cards = angular.get("cards") if isinstance(angular.get("cards"), dict) else {}
    gap = _as_number(cards.get("cardPadding"), 2)
    legend = angular.get("legend") if isinstance(angular.get("legend"), dict) else {}
    tooltip = angular.get("tooltip") if isinstance(angular.get("tooltip"), dict) else {}
    options: dict[str, Any] = {
        "calculate": calculate, "calculation": calculation, "color": {**HEATMAP_COLOR, "steps": 128},
        "cellGap": gap if truthy(gap) else 1, "cellRadius": _as_number(cards.get("cardRound")),
        "yAxis": _omit_none({"axisPlacement": "hidden" if y_axis.get("show") is False else "left",
                             "reverse": truthy(angular.get("reverseYBuckets")),
                             "axisWidth": _as_number(y_axis.get("width")), "min": y_axis.get("min"),
                             "max": y_axis.get("max"), "unit": y_axis.get("format"),
                             "decimals": y_axis.get("decimals")}),
        "cellValues": _omit_none({"decimals": _as_number(angular.get("tooltipDecimals"))}),
        "rowsFrame": {"layout": {"upper": "ge", "lower": "le", "middle": "unknown"}.get(angular.get("yBucketBound"),
                                                                                       "auto")},
        "legend": {"show": truthy(legend.get("show"))}, "showValue": "never",
        "tooltip": {"show": truthy(tooltip.get("show")), "yHistogram": truthy(tooltip.get("showHistogram"))},
        "exemplars": dict(HEATMAP_EXEMPLARS),
    }
    if truthy(angular.get("hideZeroBuckets")):
        options["filterValues"] = {"le": 1e-9}
    color = angular.get("color") if isinstance(angular.get("color"), dict) else {}
    if color.get("mode") == "spectrum":
        options["color"]["mode"] = "scheme"
        current = str(color.get("colorScheme") or "")
        scheme = next((s for s in HEATMAP_SCHEMES if s == current), None) or next(
            (s for s in HEATMAP_SCHEMES if s in current), None)
        options["color"]["scheme"] = scheme or HEATMAP_COLOR["scheme"]
    elif color.get("mode") == "opacity":
        options["color"].update(mode="opacity", scale=color.get("scale"))
    options["color"].update(fill=color.get("cardColor"), min=color.get("min"), max=color.get("max"))
    if _is_number(color.get("min")) and _is_number(color.get("max")) and color["min"] > color["max"]:
        options["color"].update(min=color["max"], max=color["min"], reverse=True)
    options["color"] = _omit_none(options["color"])
    return _omit_none(options)
