"""grafanalib Dashboard -> current Grafana dashboard JSON.

grafanalib emits schemaVersion 12 with legacy keys, datasource names as strings and no layout.
This module rewrites that into the classic JSON model Grafana 10.4+ stores: datasource refs bound
to a `datasource` variable, a 24-column grid layout, unique panel ids, a stable uid and the
managed-by tag. The result is checked against Grafana's JSON schema by `dashboard_schema`.
"""
from __future__ import annotations

import json
import string
from typing import Any

from grafanalib._gen import DashboardEncoder
from grafanalib.core import Dashboard

from ..conventions import DATASOURCE_REF, DATASOURCE_TYPE, DATASOURCE_VARIABLE, MANAGED_TAG, SCHEMA_VERSION
from .panel_kinds import current_panel

GRID_WIDTH = 24
DEFAULT_SIZE = {"stat": (6, 4), "gauge": (6, 4), "bargauge": (6, 4), "text": (24, 3)}
DEFAULT_PANEL_SIZE = (12, 8)

DASHBOARD_KEYS = ("annotations", "description", "editable", "graphTooltip", "links", "refresh",
                  "time", "timezone", "title", "weekStart", "fiscalYearStartMonth", "liveNow")
LEGACY_PANEL_KEYS = ("editable", "error", "height", "minSpan", "span", "maxDataPoints")
"""Keys Grafana no longer reads, plus grafanalib's fixed maxDataPoints of 100 (too coarse; Grafana picks one per width)."""
TARGET_KEYS = ("expr", "legendFormat", "refId", "instant", "format", "interval", "intervalFactor", "step", "hide",
               "exemplar", "range")
GRAFANALIB_RESOLUTION = {"intervalFactor": 2, "step": 10}
"""What grafanalib's own Target always emits (resolution 1/2, a 10 s step): dropped together, as Grafana does not
default to them; set on `mrm_observe.Target` (whose defaults are unset) they are kept."""
VARIABLE_LEGACY_KEYS = ("useTags", "tagsQuery", "tagValuesQuery", "tags")


def compile_dashboard(dashboard: Dashboard, uid: str) -> dict[str, Any]:
    """Current Grafana JSON for a grafanalib dashboard (pure; the input is not changed)."""
    raw = json.loads(json.dumps(dashboard.to_json_data(), cls=DashboardEncoder))
    out = {key: raw[key] for key in DASHBOARD_KEYS if raw.get(key) is not None}
    out.update(
        uid=uid,
        schemaVersion=SCHEMA_VERSION,
        tags=sorted(set(raw.get("tags") or []) | {MANAGED_TAG}),
        templating={"list": [_datasource_variable()] + [_variable(v) for v in raw["templating"]["list"]]},
        annotations=raw.get("annotations") or {"list": []},
        panels=layout([_panel(p) for p in raw.get("panels") or []]),
    )
    timepicker = {k: v for k, v in (raw.get("timepicker") or {}).items() if k in ("hidden", "refresh_intervals")}
    if timepicker:
        out["timepicker"] = timepicker
    return out


def _datasource_variable() -> dict[str, Any]:
    return {"name": DATASOURCE_VARIABLE, "label": "Data source", "type": "datasource",
            "query": DATASOURCE_TYPE, "hide": 0, "refresh": 1, "regex": "", "options": []}


def _variable(raw: dict[str, Any]) -> dict[str, Any]:
    var = {k: v for k, v in raw.items() if v is not None and k not in VARIABLE_LEGACY_KEYS}
    if var.get("type") == "query":
        var["datasource"] = dict(DATASOURCE_REF)
    current = var.pop("current", None) or {}
    if current.get("text") is not None and current.get("value") is not None:
        var["current"] = {k: current[k] for k in ("selected", "text", "value") if k in current}
    return var


def _panel(raw: dict[str, Any]) -> dict[str, Any]:
    panel = current_panel({k: v for k, v in raw.items() if v is not None and k not in LEGACY_PANEL_KEYS})
    if panel.get("type") == "row":
        panel.pop("targets", None)
        for key in ("fieldConfig", "options", "links", "transformations", "maxDataPoints", "repeatDirection",
                    "maxPerRow", "hideTimeOverride", "transparent", "description", "cacheTimeout", "interval"):
            panel.pop(key, None)
        panel["panels"] = [_panel(p) for p in panel.get("panels") or []]
        panel.setdefault("collapsed", False)
        return panel
    panel["datasource"] = _datasource(panel.get("datasource"), DATASOURCE_REF)
    panel["targets"] = [_target(t, i, panel["datasource"]) for i, t in enumerate(panel.get("targets") or [])]
    if "fieldConfig" in panel:
        panel["fieldConfig"] = _field_config(panel["fieldConfig"])
    if panel.get("description") == "":
        panel.pop("description")
    return panel


def _datasource(given: Any, default: dict[str, str]) -> dict[str, str]:
    """A datasource reference given as {type, uid} is kept (a Loki datasource for a logs panel); anything else
    (grafanalib's datasource names, None) becomes the default: the panel's, or the `datasource` variable."""
    return dict(given) if isinstance(given, dict) else dict(default)


def _target(raw: dict[str, Any], index: int, datasource: dict[str, str]) -> dict[str, Any]:
    target = {k: raw[k] for k in TARGET_KEYS if raw.get(k) not in (None, "")}
    if all(target.get(k) == v for k, v in GRAFANALIB_RESOLUTION.items()):
        for key in GRAFANALIB_RESOLUTION:
            del target[key]
    target["refId"] = raw.get("refId") or string.ascii_uppercase[index % 26] * (index // 26 + 1)
    target["datasource"] = _datasource(raw.get("datasource"), datasource)
    return target


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _field_config(raw: dict[str, Any]) -> dict[str, Any]:
    """grafanalib's unset settings (None) dropped from the defaults; value mappings and overrides as given (a range
    map's null bound is infinity)."""
    config = {k: v for k, v in raw.items() if v is not None}
    defaults = config["defaults"] = {k: v if k == "mappings" else _drop_none(v)
                                     for k, v in (config.get("defaults") or {}).items() if v is not None}
    config.setdefault("overrides", [])
    thresholds = defaults.get("thresholds") or {}
    steps = thresholds.get("steps") if isinstance(thresholds.get("steps"), list) else []
    steps = [{"color": s.get("color", "green"), "value": s.get("value")} for s in steps] or [{"color": "green", "value": None}]
    steps[0]["value"] = None  # the base step is -Infinity, which Grafana stores as null
    for step in steps[1:]:
        if isinstance(step["value"], str):
            step["value"] = float(step["value"])
    defaults["thresholds"] = {"mode": thresholds.get("mode", "absolute"), "steps": steps}
    if defaults.get("unit") == "":
        defaults.pop("unit")
    return config


def _size(panel: dict[str, Any]) -> tuple[int, int]:
    pos = panel.get("gridPos") or {}
    default_w, default_h = DEFAULT_SIZE.get(panel.get("type", ""), DEFAULT_PANEL_SIZE)
    return min(int(pos.get("w") or default_w), GRID_WIDTH), int(pos.get("h") or default_h)


class _Cursor:
    """Left-to-right placement on the grid, wrapping to a new line when a panel does not fit."""

    def __init__(self, top: int = 0) -> None:
        self.x, self.y, self.line_height = 0, top, 0

    def newline(self) -> int:
        self.x, self.y, self.line_height = 0, self.y + self.line_height, 0
        return self.y

    def place(self, panel: dict[str, Any]) -> None:
        w, h = _size(panel)
        if self.x + w > GRID_WIDTH:
            self.newline()
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.line_height = max(self.line_height, h)


def placed_by_hand(panels: list[dict[str, Any]]) -> bool:
    """True when the panels carry their own layout: every panel and row child has a full gridPos and some panel
    is placed away from the top left corner (the factories' GridPos(x=0, y=0) only gives a size)."""
    flat = [p for top in panels for p in [top, *top.get("panels", [])]]
    positions = {(p["gridPos"].get("x"), p["gridPos"].get("y")) for p in flat if isinstance(p.get("gridPos"), dict)}
    return positions - {(0, 0)} != set() and all(
        isinstance(p.get("gridPos"), dict) and all(isinstance(p["gridPos"].get(k), int) for k in "hwxy")
        for p in flat)


def layout(panels: list[dict[str, Any]], first_id: int = 1) -> list[dict[str, Any]]:
    """Assign ids in order; keep a layout placed by hand (an imported dashboard's), else flow panels left to right
    on the 24-column grid, rows starting a new line."""
    ids = iter(range(first_id, first_id + 10**6))
    if placed_by_hand(panels):
        for panel in panels:
            panel["id"] = next(ids)
            for child in panel.get("panels", []):
                child["id"] = next(ids)
        return panels
    cursor = _Cursor()
    for panel in panels:
        panel["id"] = next(ids)
        if panel.get("type") != "row":
            cursor.place(panel)
            continue
        y = cursor.newline()
        panel["gridPos"] = {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y}
        cursor.y += 1
        children = _Cursor(cursor.y)  # only collapsed rows hold children; they sit below the row when opened
        for child in panel["panels"]:
            child["id"] = next(ids)
            children.place(child)
    return panels
