"""A dashboard's normal form: what Grafana shows, without what it fills in by itself, so that two dashboards can be
compared field by field (an import against its original, a build against what Grafana holds).

Dropped: ids, versions, the schema version and export metadata; datasource references (a build binds every panel
and query to its one `datasource` variable); what only the editor keeps (a query's editorMode, a variable's
`definition` and option list, which Grafana refills); values equal to Grafana's defaults (`DEFAULTS`, taken from
Grafana's panel plugins and its dashboard schema) and nulls. Kept exactly: panel types, titles, grid positions,
queries (`expr`, `legendFormat`, `interval`, `intervalFactor`, `step`, `refId`, `instant`, `format`...), field
config and overrides, options, transformations, links, variables and annotations.
"""
from __future__ import annotations

from typing import Any

from .conventions import MANAGED_TAG

BASE_THRESHOLDS = {"mode": "absolute", "steps": [{"color": "green"}, {"color": "red", "value": 80}]}
"""Grafana's default thresholds, in normal form (the base step's value, -Infinity, is written as null)."""
HIDE_FROM = {"legend": False, "tooltip": False, "viz": False}
REDUCE = {"values": False, "calcs": ["lastNotNull"], "fields": ""}
LEGEND = {"showLegend": True, "displayMode": "list", "placement": "bottom", "calcs": []}
TOOLTIP = {"mode": "single", "sort": "none"}
GRAPH_CUSTOM = {
    "drawStyle": "line", "lineInterpolation": "linear", "lineWidth": 1, "fillOpacity": 0, "gradientMode": "none",
    "barAlignment": 0, "barWidthFactor": 0.6, "stacking": {"mode": "none", "group": "A"}, "axisGridShow": True,
    "axisCenteredZero": False, "axisBorderShow": False, "axisPlacement": "auto", "axisLabel": "",
    "axisColorMode": "text", "scaleDistribution": {"type": "linear", "log": 2}, "spanNulls": False,
    "insertNulls": False, "showPoints": "auto", "pointSize": 5, "thresholdsStyle": {"mode": "off"}, "hideFrom": HIDE_FROM,
}
"""timeseries/config.ts defaultGraphConfig and the defaults of its field config builder."""

DEFAULTS: dict[str, dict[str, Any]] = {
    "timeseries": {"color": {"mode": "palette-classic"}, "custom": GRAPH_CUSTOM,
                   "options": {"legend": LEGEND, "tooltip": TOOLTIP}},
    "stat": {"color": {"mode": "thresholds"},
             "options": {"reduceOptions": REDUCE, "orientation": "auto", "textMode": "auto", "wideLayout": True,
                         "colorMode": "value", "graphMode": "area", "justifyMode": "auto",
                         "showPercentChange": False, "percentChangeColorMode": "standard"}},
    "gauge": {"color": {"mode": "thresholds"},
              "options": {"reduceOptions": REDUCE, "orientation": "auto", "showThresholdLabels": False,
                          "showThresholdMarkers": True, "sizing": "auto", "minVizWidth": 75, "minVizHeight": 75}},
    "bargauge": {"color": {"mode": "thresholds"},
                 "options": {"reduceOptions": REDUCE, "orientation": "auto", "displayMode": "gradient",
                             "valueMode": "color", "namePlacement": "auto", "showUnfilled": True, "sizing": "auto",
                             "minVizWidth": 8, "minVizHeight": 16, "maxVizHeight": 300}},
    "table": {"color": {"mode": "thresholds"}, "custom": {"align": "auto", "inspect": False,
                                                         "cellOptions": {"type": "auto"}},
              "options": {"showHeader": True, "cellHeight": "sm", "frameIndex": 0, "showTypeIcons": False,
                          "footer": {"show": False, "reducer": ["sum"], "countRows": False, "fields": ""}}},
    "piechart": {"color": {"mode": "palette-classic"}, "custom": {"hideFrom": HIDE_FROM},
                 "options": {"reduceOptions": REDUCE, "pieType": "pie", "tooltip": TOOLTIP,
                             "legend": {**LEGEND, "values": []}}},
    "histogram": {"color": {"mode": "palette-classic"},
                  "custom": {"fillOpacity": 80, "gradientMode": "none", "lineWidth": 1, "hideFrom": HIDE_FROM,
                             "stacking": {"mode": "none", "group": "A"}},
                  "options": {"legend": LEGEND, "tooltip": TOOLTIP, "combine": False}},
    "heatmap": {"custom": {"hideFrom": HIDE_FROM, "scaleDistribution": {"type": "linear"}},
                "options": {"calculate": False, "cellGap": 1, "selectionMode": "x", "showValue": "auto",
                            "color": {"scheme": "Oranges", "fill": "dark-orange", "reverse": False,
                                      "exponent": 0.5, "steps": 64},
                            "exemplars": {"color": "rgba(255,0,255,0.7)"}, "filterValues": {"le": 1e-09},
                            "legend": {"show": True}, "tooltip": {"mode": "single", "yHistogram": False,
                                                                   "showColorScale": False}}},
}
"""Per panel type: Grafana's default colour mode, custom field config and options (from each plugin's panelcfg
defaults and field config builder). A value equal to its default is the same as no value."""
FIELD_DEFAULTS = {"thresholds": BASE_THRESHOLDS, "mappings": [], "links": [], "unit": ""}
"""Standard field config defaults of every panel type."""

PANEL_FIELDS = frozenset(("type", "title", "description", "transparent", "gridPos", "links", "repeat",
                          "repeatDirection", "maxPerRow", "maxDataPoints", "transformations", "interval", "timeFrom",
                          "timeShift", "hideTimeOverride", "cacheTimeout", "queryCachingTTL", "timeCompare", "targets",
                          "options", "fieldConfig"))
"""What a panel is in Grafana's dashboard schema (besides its id, datasource, plugin version and library link);
other members are not read by current panels."""
ROW_FIELDS = frozenset(("type", "title", "collapsed", "gridPos", "panels", "repeat"))
ANNOTATION_FIELDS = frozenset(("builtIn", "datasource", "enable", "expr", "filter", "hide", "iconColor", "mappings",
                               "name", "placement", "step", "tagKeys", "target", "textFormat", "titleFormat", "type",
                               "useValueForTime"))
PANEL_DEFAULTS = {"title": "", "description": "", "transparent": False, "links": [], "transformations": [],
                  "hideTimeOverride": False, "interval": "", "timeFrom": "", "timeShift": "", "repeat": "",
                  "targets": [], "options": {}}
TARGET_FIELDS = ("expr", "legendFormat", "interval", "intervalFactor", "step", "refId", "instant", "range", "format",
                 "hide", "exemplar")
"""What a Prometheus query is (the editor's mode and the datasource reference are not part of it)."""
TARGET_DEFAULTS = {"legendFormat": "", "interval": "", "instant": False, "format": "time_series", "hide": False,
                   "exemplar": False}
DASHBOARD_FIELDS = ("title", "uid", "description", "tags", "timezone", "refresh", "time", "graphTooltip", "editable",
                    "links", "annotations", "templating", "panels", "timepicker", "weekStart",
                    "fiscalYearStartMonth", "liveNow")
DASHBOARD_DEFAULTS = {"description": "", "tags": [], "timezone": "", "refresh": "", "graphTooltip": 0,
                      "editable": True, "links": [], "weekStart": "", "fiscalYearStartMonth": 0, "liveNow": False,
                      "time": {"from": "now-6h", "to": "now"}, "timepicker": {}}
TIMEPICKER_DEFAULTS = {"hidden": False, "refresh_intervals": ["5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h",
                                                              "2h", "1d"]}
VARIABLE_DEFAULTS = {"label": "", "description": "", "hide": 0, "skipUrlSync": False, "regex": "", "sort": 0,
                     "multi": False, "includeAll": False, "allValue": "", "refresh": 1, "auto": False,
                     "auto_count": 30, "auto_min": "10s"}
VARIABLE_DROPPED = ("definition", "options", "datasource", "queryValue", "id", "rootStateKey", "global", "index",
                    "state", "error", "tags", "tagsQuery", "tagValuesQuery", "useTags")
LINK_DEFAULTS = {"url": "", "asDropdown": False, "includeVars": False, "keepTime": False, "targetBlank": False, "tags": [],
                 "tooltip": "", "icon": "external link", "type": "link"}


def drop_none(value: Any) -> Any:
    """The value without null members (null means "not set" everywhere Grafana reads dashboard JSON)."""
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value]
    return value


class _Missing:
    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()
"""Stands for a member that is not there (in defaults lookups and differences)."""


def without_defaults(value: dict[str, Any], defaults: dict[str, Any], deep: bool = True) -> dict[str, Any]:
    """`value` without the members equal to their default and without members left empty; with `deep`, nested
    objects are compared member by member (Grafana merges panel options and field config with their defaults)."""
    out = {}
    for key, item in value.items():
        default = defaults.get(key, MISSING)
        if deep and isinstance(item, dict) and isinstance(default, dict):
            item = without_defaults(item, default)
            if not item:
                continue
        elif item == default:
            continue
        out[key] = item
    return out


def normalise(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's normal form (the input is not changed)."""
    data = drop_none(dashboard)
    out = {key: data[key] for key in DASHBOARD_FIELDS if key in data}
    out["tags"] = sorted(set(out.get("tags") or []) - {MANAGED_TAG})
    if isinstance(out.get("timepicker"), dict):
        out["timepicker"] = without_defaults({k: v for k, v in out["timepicker"].items()
                                              if k in TIMEPICKER_DEFAULTS}, TIMEPICKER_DEFAULTS, deep=False)
    out["links"] = [without_defaults(link, LINK_DEFAULTS, deep=False) for link in out.get("links") or []]
    variables = [normal_variable(v) for v in (out.get("templating") or {}).get("list") or []]
    out["templating"] = sorted(variables, key=lambda v: v.get("type") != "datasource")
    out["annotations"] = [normal_annotation(a) for a in (out.get("annotations") or {}).get("list") or []]
    out["panels"] = [normal_panel(p) for p in out.get("panels") or []]
    return without_defaults(out, DASHBOARD_DEFAULTS, deep=False)


def normal_variable(var: dict[str, Any]) -> dict[str, Any]:
    """A variable without what Grafana refills on load (its options, the query's display text, its datasource:
    a build binds query variables to the datasource variable) and with `current` as the selected value only; a
    datasource variable is its name and plugin type."""
    out = {k: v for k, v in var.items() if k not in VARIABLE_DROPPED}
    if out.get("type") == "datasource":
        return without_defaults({k: out[k] for k in ("name", "type", "query", "regex", "multi", "includeAll")
                                 if k in out}, VARIABLE_DEFAULTS)
    current = out.pop("current", None)
    if isinstance(current, dict) and current.get("value") not in (None, "", []):
        out["current"] = current["value"]
    if out.get("type") != "interval":
        for key in ("auto", "auto_count", "auto_min"):
            out.pop(key, None)
    return without_defaults(out, VARIABLE_DEFAULTS)


def normal_annotation(annotation: dict[str, Any]) -> dict[str, Any]:
    """An annotation query; Grafana's built-in one keeps only what tells it apart."""
    if annotation.get("builtIn") == 1:
        return without_defaults({k: annotation[k] for k in ("builtIn", "enable", "hide", "iconColor", "name")
                                 if k in annotation}, {"enable": True, "hide": True, "iconColor":
                                                       "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts"})
    return {k: v for k, v in annotation.items() if k in ANNOTATION_FIELDS}


def normal_panel(panel: dict[str, Any]) -> dict[str, Any]:
    """A panel (or row, with its children) in normal form."""
    kind = panel.get("type", "")
    if kind == "row":
        out = {k: v for k, v in panel.items() if k in ROW_FIELDS}
        out["panels"] = [normal_panel(p) for p in out.get("panels") or []]
        return without_defaults(out, {"collapsed": False, "panels": [], "title": "", "repeat": ""})
    out = {k: v for k, v in panel.items() if k in PANEL_FIELDS}
    defaults = DEFAULTS.get(kind, {})
    out["targets"] = with_ref_ids([normal_target(t) for t in out.get("targets") or [] if isinstance(t, dict)])
    legend = (out.get("options") or {}).get("legend")
    if isinstance(legend, dict) and legend.get("displayMode") == "hidden":  # before schemaVersion 37
        out["options"] = {**out["options"], "legend": {**legend, "displayMode": "list", "showLegend": False}}
    if not out.get("repeat"):
        out.pop("repeatDirection", None)
        out.pop("maxPerRow", None)
    elif out.get("repeatDirection") == "h":
        out.pop("repeatDirection")
    if isinstance(out.get("options"), dict):
        out["options"] = without_defaults(out["options"], defaults.get("options", {}))
    config = out.pop("fieldConfig", None)
    config = normal_field_config(config if isinstance(config, dict) else {}, defaults)
    if config:
        out["fieldConfig"] = config
    return without_defaults(out, PANEL_DEFAULTS)


def normal_field_config(config: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Field defaults without Grafana's defaults; overrides without properties that set nothing."""
    field_defaults = dict(config.get("defaults") or {})
    thresholds = field_defaults.get("thresholds")
    if isinstance(thresholds, dict) and isinstance(thresholds.get("steps"), list) and thresholds["steps"]:
        base = {k: v for k, v in thresholds["steps"][0].items() if k != "value"}  # always -Infinity, whatever it says
        field_defaults["thresholds"] = {**thresholds, "steps": [base, *thresholds["steps"][1:]]}
    if field_defaults.get("unit") == "none":
        del field_defaults["unit"]  # Grafana formats values without a unit as "none"
    custom = without_defaults(field_defaults.pop("custom", None) or {}, defaults.get("custom", {}))
    field_defaults = without_defaults(field_defaults, {**FIELD_DEFAULTS, "color": defaults.get("color", MISSING)})
    if custom:
        field_defaults["custom"] = custom
    overrides = []
    for override in config.get("overrides") or []:
        if isinstance(override, dict):
            props = [p for p in override.get("properties") or [] if isinstance(p, dict) and "value" in p]
            overrides.append({**override, "properties": props})
    return {k: v for k, v in (("defaults", field_defaults), ("overrides", overrides)) if v}


def with_ref_ids(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Queries without a refId get the first letter not taken, as Grafana gives them when it loads a panel."""
    taken = {t.get("refId") for t in targets}
    letters = (chr(c) for c in range(ord("A"), ord("Z") + 1))
    return [t if t.get("refId") else {**t, "refId": next(x for x in letters if x not in taken)} for t in targets]


def normal_target(target: dict[str, Any]) -> dict[str, Any]:
    """A Prometheus query: its own fields without their defaults and empty values (a range query is the default
    kind)."""
    out = {k: target[k] for k in TARGET_FIELDS if k in target and target[k] != ""}
    if out.get("range") is True and not out.get("instant"):
        del out["range"]
    return without_defaults(out, TARGET_DEFAULTS)


Difference = tuple[tuple[Any, ...], Any, Any]
"""(path of keys and list indices, value before, value after); MISSING where a side has no such member."""


def differences(before: Any, after: Any, path: tuple[Any, ...] = ()) -> list[Difference]:
    """Where two normal forms differ, down to the smallest member (lists of different lengths as a whole)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [d for key in sorted(set(before) | set(after), key=str)
                for d in differences(before.get(key, MISSING), after.get(key, MISSING), (*path, key))]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [d for i, (b, a) in enumerate(zip(before, after)) for d in differences(b, a, (*path, i))]
    return [] if before == after or (_unset(before) and _unset(after)) else [(path, before, after)]


def _unset(value: Any) -> bool:
    """An absent member and an empty object set nothing."""
    return value is MISSING or value == {}


def describe(difference: Difference, skip: int = 0) -> str:
    """`fieldConfig.defaults.unit: 'ms' becomes 'short'` (the first `skip` members of the path left out)."""
    path, before, after = difference
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[skip:]).lstrip(".") or "."
    if after is MISSING:
        return f"{where}: {shown(before)} is not carried"
    if before is MISSING:
        return f"{where}: {shown(after)} is added"
    return f"{where}: {shown(before)} becomes {shown(after)}"


def shown(value: Any, limit: int = 80) -> str:
    """A value's repr, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
