"""grafanalib's panels, written the way old Grafana versions stored them, as the panel JSON Grafana 10.4+ stores.

grafanalib 0.7 writes the gauge and bar gauge with Grafana 6's `fieldOptions`, the table with its colour, mappings
and display mode where Grafana 7 had them, the heatmap as the Angular heatmap, and value mappings in the pre-8 form.
`current_panel` rewrites one decoded panel (in place) into the current model, the way Grafana migrates such a panel
when it loads it, and fills the options Grafana writes when it saves one. Panels grafanalib already writes in the
current model (time series, stat, histogram, pie chart, state timeline, text, logs) pass through; a panel's own
`options` (grafanalib's `extraJson`, or a heatmap's `options=`) win over anything filled here.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..panel_types import ANGULAR_HEATMAP_KEYS

Panel = dict[str, Any]

CELL_OPTIONS = {"auto": {"type": "auto"}, "color-text": {"type": "color-text"},
                "color-background": {"type": "color-background", "mode": "gradient"},
                "color-background-solid": {"type": "color-background", "mode": "basic"},
                "gradient-gauge": {"type": "gauge", "mode": "gradient"}, "lcd-gauge": {"type": "gauge", "mode": "lcd"},
                "basic": {"type": "gauge", "mode": "basic"}}
"""A table's old `displayMode` as the cell options Grafana 10 replaced it with."""
TABLE_OPTIONS = {"cellHeight": "sm", "footer": {"countRows": False, "reducer": ["sum"], "show": False},
                 "frameIndex": 0, "showHeader": True}
GAUGE_OPTIONS = {"minVizHeight": 75, "minVizWidth": 75, "orientation": "auto", "showThresholdLabels": False,
                 "showThresholdMarkers": True, "sizing": "auto"}
BAR_GAUGE_OPTIONS = {"displayMode": "gradient", "legend": {"calcs": [], "displayMode": "list", "placement": "bottom",
                                                           "showLegend": False},
                     "maxVizHeight": 300, "minVizHeight": 16, "minVizWidth": 8, "namePlacement": "auto",
                     "orientation": "auto", "showUnfilled": True, "sizing": "auto", "valueMode": "color"}
"""Options Grafana writes for a gauge, bar gauge and table it saves (their defaults), filled in when absent."""
SINGLE_VALUE_FIELDS = ("decimals", "max", "min", "unit", "links")
"""Field settings grafanalib's bar gauge puts in options.fieldOptions.defaults that belong to the field config."""
HEATMAP_COLOUR = {"exponent": 0.5, "fill": "dark-orange", "mode": "scheme", "reverse": False, "scale": "exponential",
                  "scheme": "Oranges", "steps": 128}
"""The heatmap's default colours (Grafana migrates the Angular heatmap to 128 steps, the closest to its look)."""
CELL_LAYOUT = {"upper": "ge", "lower": "le", "middle": "unknown"}
"""The Angular heatmap's bucket bound as the current heatmap's cell layout (Grafana's own migration's mapping)."""


def current_panel(panel: Panel) -> Panel:
    """The panel in the current model (the same dict, rewritten)."""
    rewrite = KINDS.get(panel.get("type", ""))
    if rewrite:
        rewrite(panel)
    defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
    if isinstance(defaults.get("mappings"), list):
        defaults["mappings"] = value_mappings(defaults["mappings"])
    legend = (panel.get("options") or {}).get("legend") if isinstance(panel.get("options"), dict) else None
    if isinstance(legend, dict) and "displayMode" in legend:
        _legend(legend)
    return panel


def _legend(legend: dict[str, Any]) -> None:
    """A legend says whether it shows (Grafana 9 turned displayMode 'hidden' into showLegend: false) and which
    calculations it lists."""
    if "showLegend" not in legend:
        legend["showLegend"] = legend["displayMode"] != "hidden"
    if legend["displayMode"] == "hidden":
        legend["displayMode"] = "list"
    legend.setdefault("calcs", [])


def value_mappings(mappings: list[Any]) -> list[Any]:
    """Value mappings in the current form: grafanalib's ValueMap ({op, text, value}), RangeMap ({from, to, text})
    and StatMapping ({type: 1 or 2, ...}) become value and range maps; current ones are kept as they are."""
    out = []
    for item in mappings:
        if not isinstance(item, dict) or item.get("type") in ("value", "range", "regex", "special"):
            out.append(item)
        elif item.get("type") == 2 or ("from" in item and "value" not in item):
            out.append({"type": "range", "options": {"from": _number(item.get("from")), "to": _number(item.get("to")),
                                                     "result": {"text": item.get("text", "")}}})
        else:
            out.append({"type": "value", "options": {str(item.get("value", "")): {"text": item.get("text", "")}}})
    return out


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _field_defaults(panel: Panel) -> dict[str, Any]:
    return panel.setdefault("fieldConfig", {}).setdefault("defaults", {})


def _options(panel: Panel, filled: dict[str, Any]) -> None:
    given = panel.get("options") if isinstance(panel.get("options"), dict) else {}
    panel["options"] = {**filled, **given}


def _table(panel: Panel) -> None:
    """Colour and mappings move into the field config, the display mode becomes cell options."""
    defaults = _field_defaults(panel)
    colour, mappings = panel.pop("color", None), panel.pop("mappings", None)
    if colour:
        defaults.setdefault("color", colour)
    if mappings:
        defaults.setdefault("mappings", mappings)
    if panel.get("columns") == []:  # grafanalib's default; Grafana 5's aggregation columns have no current form
        del panel["columns"]
    if panel.get("fontSize") == "100%":
        del panel["fontSize"]
    custom = defaults.setdefault("custom", {})
    mode = custom.pop("displayMode", None)
    if mode is not None:
        custom.setdefault("cellOptions", CELL_OPTIONS.get(mode, {"type": mode}))
    custom.setdefault("inspect", False)
    _options(panel, TABLE_OPTIONS)


def _reduce(old: dict[str, Any]) -> dict[str, Any]:
    reduce = {"calcs": old.get("calcs") or ["lastNotNull"], "fields": "", "values": bool(old.get("values"))}
    if old.get("limit") is not None:
        reduce["limit"] = old["limit"]
    return reduce


def _display_name(defaults: dict[str, Any], title: Any) -> None:
    if title:
        defaults.setdefault("displayName", title)


def _gauge(panel: Panel) -> None:
    """grafanalib writes Grafana 6's gauge: reduce settings in the field defaults, options beside them."""
    config = panel.setdefault("fieldConfig", {})
    defaults = config.setdefault("defaults", {})
    old = {key: defaults.pop(key) for key in ("calcs", "limit", "values", "override", "title") if key in defaults}
    _display_name(defaults, old.get("title"))
    shown = {key: config.pop(key) for key in ("showThresholdLabels", "showThresholdMarkers") if key in config}
    _options(panel, {**GAUGE_OPTIONS, **shown, "reduceOptions": _reduce(old)})


def _bar_gauge(panel: Panel) -> None:
    """grafanalib writes Grafana 6's options.fieldOptions: its field settings go to the field config."""
    options = panel.setdefault("options", {})
    old = options.pop("fieldOptions", None) or {}
    for key in ("showThresholdLabels", "showThresholdMarkers"):  # gauge options a bar gauge does not have
        options.pop(key, None)
    defaults = _field_defaults(panel)
    fields = old.get("defaults") or {}
    for key in SINGLE_VALUE_FIELDS:
        if fields.get(key) is not None:
            defaults.setdefault(key, fields[key])
    _display_name(defaults, fields.get("title"))
    if old.get("mappings"):
        defaults.setdefault("mappings", old["mappings"])
    options.setdefault("reduceOptions", _reduce(old))
    _options(panel, BAR_GAUGE_OPTIONS)


def _heatmap(panel: Panel) -> None:
    """The Angular heatmap's settings as the current heatmap's options (unless options are given already)."""
    angular = {key: panel.pop(key) for key in sorted(ANGULAR_HEATMAP_KEYS) if key in panel}
    if isinstance(panel.get("options"), dict) and panel["options"]:
        return
    panel["options"] = _heatmap_options(angular)


def _heatmap_options(angular: dict[str, Any]) -> dict[str, Any]:
    y_axis = angular.get("yAxis") or {}
    calculate = angular.get("dataFormat") != "tsbuckets"
    colour = angular.get("color") or {}
    cards = angular.get("cards") or {}
    padding = _number(cards.get("cardPadding"))
    options: dict[str, Any] = {
        "calculate": calculate,
        "cellGap": 2 if padding is None else int(padding) or 1,
        "color": {**HEATMAP_COLOUR, **_heatmap_colour(colour)},
        "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "legend": {"show": bool((angular.get("legend") or {}).get("show"))},
        "rowsFrame": {"layout": CELL_LAYOUT.get(angular.get("yBucketBound") or "", "auto")},
        "showValue": "never",
        "tooltip": {"mode": "single", "showColorScale": False, "yHistogram": False},
        "yAxis": {"axisPlacement": "hidden" if y_axis.get("show") is False else "left",
                  "reverse": bool(angular.get("reverseYBuckets")),
                  **{key: value for key, value in (("unit", y_axis.get("format")), ("decimals", y_axis.get("decimals")),
                                                   ("min", _number(y_axis.get("min"))),
                                                   ("max", _number(y_axis.get("max")))) if value is not None}},
    }
    if cards.get("cardRound") is not None:
        options["cellRadius"] = _number(cards["cardRound"])
    if calculate:
        options["calculation"] = _heatmap_calculation(angular, y_axis)
    if angular.get("hideZeroBuckets"):
        options["filterValues"] = {"le": 1e-09}
    return options


def _heatmap_colour(colour: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if colour.get("mode") == "opacity":
        out.update(mode="opacity", scale="linear" if colour.get("colorScale") == "linear" else "exponential")
    elif isinstance(colour.get("colorScheme"), str):
        out["scheme"] = colour["colorScheme"].removeprefix("interpolate")
    for key, old in (("fill", "cardColor"), ("exponent", "exponent"), ("min", "min"), ("max", "max")):
        if colour.get(old) is not None:
            out[key] = colour[old]
    return out


def _heatmap_calculation(angular: dict[str, Any], y_axis: dict[str, Any]) -> dict[str, Any]:
    """Buckets the heatmap computes from time series: by size or count, log-scaled for a log Y axis."""
    calculation = {}
    for axis in ("x", "y"):
        size, count = angular.get(f"{axis}BucketSize"), angular.get(f"{axis}BucketNumber")
        if size or count:
            calculation[f"{axis}Buckets"] = {"mode": "size" if size else "count", "value": str(size or count)}
    log = y_axis.get("logBase") or 1
    if log > 1:
        calculation["yBuckets"] = {"mode": "count", "scale": {"log": log, "type": "log"}}
    return calculation


KINDS: dict[str, Callable[[Panel], None]] = {
    "table": _table, "gauge": _gauge, "bargauge": _bar_gauge, "heatmap": _heatmap,
}
"""The panel types grafanalib writes in an old model, and what rewrites each."""
