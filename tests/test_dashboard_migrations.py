"""Old dashboards migrate the way Grafana migrates them on load.

Where Grafana's own tests pin a result (timeseries/migrations.test.ts and its snapshot, StatMigrations, the v28
tests), the same input is used here and the expected value is Grafana's, except `nullValueMode`, which Grafana keeps
and no current panel reads (docs/import.md).
"""
import copy
import json
from pathlib import Path

import pytest

from mrm_observe.dashboard_migrations import NOTES, migrate, upgrade_value_mappings

CEPH = sorted((Path(__file__).parent / "fixtures" / "ceph" / "dashboards").glob("*.json"))
OLD_TYPES = {"graph", "singlestat", "grafana-singlestat-panel", "table-old", "grafana-piechart-panel"}


def dashboard(*panels, version=16, **extra):
    return {"schemaVersion": version, "title": "d", "panels": list(panels), **extra}


def migrated_panel(panel, version=16):
    return migrate(dashboard(panel, version=version))["panels"][0]


def graph(**angular):
    return {"type": "graph", "title": "g", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "targets": [], **angular}


# --- graph -> time series -----------------------------------------------------------------------------------
TWO_Y_AXIS = {  # Grafana's "twoYAxis" fixture
    "yaxes": [{"label": "Y111", "show": True, "logBase": 10, "min": "0", "max": "1000", "format": "areaMI2",
               "$$hashKey": "object:19", "decimals": 3},
              {"label": "Y222", "show": True, "logBase": 1, "min": "-10", "max": "25", "format": "degree",
               "$$hashKey": "object:20", "decimals": 2}],
    "xaxis": {"show": True, "mode": "time", "name": None, "values": [], "buckets": None},
    "lines": True, "fill": 1, "linewidth": 1, "dashLength": 10, "spaceLength": 10, "pointradius": 2,
    "legend": {"show": True, "values": False, "min": False, "max": False, "current": False, "total": False,
               "avg": False},
    "nullPointMode": "null", "tooltip": dict(value_type="individual", shared=True, sort=0),
    "aliasColors": {}, "seriesOverrides": [{"alias": "B-series", "yaxis": 2, "dashLength": 5, "dashes": True,
                                            "spaceLength": 8}],
    "thresholds": [], "fillGradient": 0, "dashes": True, "points": False, "bars": False, "stack": False,
    "percentage": False, "steppedLine": False,
}


def test_two_y_axes_become_field_config_and_an_override_as_in_grafanas_snapshot():
    panel = migrated_panel(graph(**TWO_Y_AXIS))
    assert panel["type"] == "timeseries"
    assert panel["fieldConfig"] == {
        "defaults": {"unit": "areaMI2", "decimals": 3, "min": 0, "max": 1000,
                     "custom": {"axisLabel": "Y111", "axisPlacement": "auto", "drawStyle": "line", "fillOpacity": 10,
                                "lineStyle": {"dash": [10, 10], "fill": "dash"}, "lineWidth": 1,
                                "scaleDistribution": {"log": 10, "type": "log"}, "showPoints": "never",
                                "spanNulls": False}},
        "overrides": [{"matcher": {"id": "byName", "options": "B-series"}, "properties": [
            {"id": "unit", "value": "degree"}, {"id": "decimals", "value": 2}, {"id": "min", "value": -10},
            {"id": "max", "value": 25}, {"id": "custom.axisLabel", "value": "Y222"},
            {"id": "custom.lineStyle", "value": {"dash": [5, 8], "fill": "dash"}}]}]}
    assert panel["options"] == {"legend": {"calcs": [], "displayMode": "list", "placement": "bottom",
                                           "showLegend": True}, "tooltip": {"mode": "multi", "sort": "none"}}
    assert panel["gridPos"] == {"h": 8, "w": 12, "x": 0, "y": 0}
    assert not {"yaxes", "seriesOverrides", "aliasColors", "lines"} & set(panel)


def test_legend_values_alias_colours_stacking_groups_and_stepped_lines():
    stacking_groups = {  # Grafana's "stackingGroups" fixture, trimmed to what it reads
        "aliasColors": {"A-series": "red"}, "fill": 5, "lines": True, "linewidth": 5, "nullPointMode": "null",
        "legend": {"avg": True, "current": True, "max": False, "min": False, "show": True, "total": True,
                   "values": True, "alignAsTable": True},
        "seriesOverrides": [{"alias": "A-series", "stack": "A"}, {"alias": "B-series", "stack": "A"}],
        "steppedLine": True, "stack": True, "tooltip": dict(shared=True, sort=0, value_type="individual"),
        "yaxes": [{"format": "short", "logBase": 1, "show": True}, {"format": "short", "logBase": 1, "show": True}],
    }
    panel = migrated_panel(graph(**stacking_groups))
    custom = panel["fieldConfig"]["defaults"]["custom"]
    assert custom["stacking"] == {"group": "A", "mode": "normal"}
    assert (custom["lineInterpolation"], custom["fillOpacity"], custom["lineWidth"]) == ("stepAfter", 50, 5)
    assert panel["options"]["legend"] == {"calcs": ["mean", "lastNotNull", "sum"], "displayMode": "table",
                                          "placement": "bottom", "showLegend": True}
    colour, *stacks = panel["fieldConfig"]["overrides"]
    assert colour == {"matcher": {"id": "byName", "options": "A-series"},
                      "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}]}
    assert [o["properties"] for o in stacks] == [[{"id": "custom.stacking", "value": {"mode": "normal",
                                                                                      "group": "A"}}]] * 2


@pytest.mark.parametrize("alias, matcher", [("/^A-/", "byRegexp"), ("/.*Status: 2[0-9]+.*/i", "byRegexp"),
                                            ("A-series", "byName"), ("/half", "byName")])
def test_series_override_aliases_that_are_regexes_match_by_regex(alias, matcher):
    panel = migrated_panel(graph(seriesOverrides=[{"alias": alias, "color": "#fff"}]))
    assert panel["fieldConfig"]["overrides"][0]["matcher"] == {"id": matcher, "options": alias}


def test_series_override_properties():
    overrides = [{"alias": "in", "transform": "negative-Y", "bars": True, "fill": 2, "points": False,
                  "linewidth": 3, "pointradius": 1, "lines": False, "zindex": 3, "$$hashKey": "x"}]
    panel = migrated_panel(graph(seriesOverrides=overrides))
    assert panel["fieldConfig"]["overrides"][0]["properties"] == [
        {"id": "custom.transform", "value": "negative-Y"}, {"id": "custom.drawStyle", "value": "bars"},
        {"id": "custom.fillOpacity", "value": 100}, {"id": "custom.fillOpacity", "value": 20},
        {"id": "custom.showPoints", "value": "never"}, {"id": "custom.lineWidth", "value": 3},
        {"id": "custom.pointSize", "value": 4}, {"id": "custom.lineWidth", "value": 0}]
    assert any("'in': zindex=3 has no counterpart" in n for n in panel[NOTES])


def test_graph_thresholds_become_steps_and_a_thresholds_style():
    gt_lt = [{"colorMode": "critical", "fill": True, "line": True, "op": "gt", "value": 80},
             {"colorMode": "warning", "fill": True, "line": True, "op": "lt", "value": 40}]
    defaults = migrated_panel(graph(thresholds=gt_lt))["fieldConfig"]["defaults"]
    assert defaults["custom"]["thresholdsStyle"] == {"mode": "line+area"}
    assert defaults["thresholds"]["steps"] == [{"value": None, "color": "orange"},
                                               {"value": 40, "color": "transparent"},
                                               {"value": 80, "color": "red"}]
    only_gt = [{"colorMode": "critical", "fill": True, "line": False, "op": "gt", "value": 80},
               {"colorMode": "warning", "fill": True, "line": False, "op": "gt", "value": 50}]
    defaults = migrated_panel(graph(thresholds=only_gt))["fieldConfig"]["defaults"]
    assert defaults["custom"]["thresholdsStyle"] == {"mode": "area"}
    assert [s["color"] for s in defaults["thresholds"]["steps"]] == ["transparent", "orange", "red"]


def test_hidden_time_axis_bars_and_null_handling():
    panel = migrated_panel(graph(xaxis={"show": False, "mode": "time"}, bars=True, nullPointMode="connected"))
    assert panel["fieldConfig"]["overrides"] == [{"matcher": {"id": "byType", "options": "time"},
                                                  "properties": [{"id": "custom.axisPlacement", "value": "hidden"}]}]
    assert panel["fieldConfig"]["defaults"]["custom"] == {"drawStyle": "bars", "fillOpacity": 100,
                                                          "showPoints": "never", "spanNulls": True}
    zero = migrated_panel(graph(nullPointMode="null as zero"))
    assert any("null as zero" in n for n in zero[NOTES])


def test_tooltip_sort_applies_only_to_shared_tooltips():
    assert migrated_panel(graph(tooltip=dict(shared=True, sort=2)))["options"]["tooltip"] == {
        "mode": "multi", "sort": "desc"}
    assert migrated_panel(graph(tooltip=dict(shared=False, sort=2)))["options"]["tooltip"] == {
        "mode": "single", "sort": "none"}


def test_graphs_of_histograms_and_of_series_values_change_type_with_a_note():
    histogram = migrated_panel(graph(xaxis={"mode": "histogram", "buckets": 20}, stack=True, percentage=True))
    assert histogram["type"] == "histogram"
    assert histogram["fieldConfig"]["defaults"]["custom"] == {"stacking": {"mode": "percent", "group": "A"}}
    assert any("buckets=20" in n for n in histogram[NOTES])
    series = migrated_panel(graph(xaxis={"mode": "series", "values": ["current"]}))
    assert series["type"] == "bargauge" and series["options"] == {}


# --- singlestat -> stat ---------------------------------------------------------------------------------------
def singlestat(**angular):
    base = {"type": "singlestat", "title": "s", "colors": ["#299c46", "rgba(237, 129, 40, 0.89)", "#d44a3a"],
            "thresholds": "", "valueName": "avg", "mappingType": 1, "valueMaps": [{"op": "=", "text": "N/A",
                                                                                    "value": "null"}],
            "rangeMaps": [{"from": "null", "text": "N/A", "to": "null"}], "format": "none",
            "sparkline": {"show": False, "lineColor": "rgb(31, 120, 193)"}, "gauge": {"show": False},
            "nullPointMode": "connected", "colorBackground": False, "colorValue": False, "prefix": "",
            "postfix": "", "targets": [{"expr": "up", "refId": "A"}]}
    return {**base, **angular}


def test_singlestat_becomes_a_stat_as_grafana_12_migrates_it():
    panel = migrated_panel(singlestat(thresholds=".75,.9", valueName="current", colorValue=True,
                                      sparkline={"show": True, "lineColor": "rgb(31, 120, 193)"}))
    assert panel["type"] == "stat"
    assert panel["options"] == {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                                "orientation": "horizontal", "justifyMode": "auto", "percentChangeColorMode":
                                "standard", "showPercentChange": False, "textMode": "auto", "wideLayout": True,
                                "graphMode": "area", "colorMode": "value"}
    defaults = panel["fieldConfig"]["defaults"]
    assert defaults["thresholds"] == {"mode": "absolute", "steps": [
        {"color": "#299c46", "value": None}, {"color": "rgba(237, 129, 40, 0.89)", "value": 0.75},
        {"color": "#d44a3a", "value": 0.9}]}
    assert defaults["mappings"] == [{"type": "special", "options": {"match": "null", "result": {"text": "N/A"}}}]
    assert defaults["color"] == {"mode": "fixed", "fixedColor": "rgb(31, 120, 193)"}
    assert defaults["unit"] == "none"
    assert not {"valueMaps", "sparkline", "colors", "thresholds", "format"} & set(panel)


def test_singlestat_value_and_range_maps_follow_the_mapping_type():
    values = migrated_panel(singlestat(valueMaps=[{"op": "=", "text": "up", "value": "1"},
                                                  {"op": "=", "text": "down", "value": "0"},
                                                  {"op": "=", "text": "N/A", "value": "null"}]))
    assert values["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "value", "options": {"1": {"text": "up", "color": "green"},
                                      "0": {"text": "down", "color": "green"}}},
        {"type": "special", "options": {"match": "null", "result": {"text": "N/A"}}}]
    ranges = migrated_panel(singlestat(mappingType=2, rangeMaps=[{"from": "0", "to": "10", "text": "low"}]))
    assert ranges["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "range", "options": {"from": 0, "to": 10, "result": {"text": "low"}}}]
    ignored = migrated_panel(singlestat(rangeMaps=[{"from": "0", "to": "10", "text": "low"}]))
    assert any("rangeMaps are not carried" in n for n in ignored[NOTES])


def test_singlestat_defaults_gauge_bounds_percent_units_and_lost_prefix():
    panel = migrated_panel(singlestat(format="percentunit", gauge={"show": True, "minValue": 0, "maxValue": 1},
                                      colorBackground=True, prefix="$"))
    defaults = panel["fieldConfig"]["defaults"]
    assert defaults["thresholds"] == {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                                    {"color": "red", "value": 80}]}
    assert (defaults["min"], defaults["max"], panel["options"]["colorMode"]) == (0, 1, "background")
    assert panel["options"]["reduceOptions"]["calcs"] == ["mean"]
    assert any("prefix '$'" in n for n in panel[NOTES]) and any("as a gauge" in n for n in panel[NOTES])
    unit_only = migrated_panel(singlestat(format="percent"))["fieldConfig"]["defaults"]
    assert (unit_only["min"], unit_only["max"]) == (0, 100)


def test_value_mapping_upgrade_merges_value_maps_first_and_colours_them_by_threshold():
    thresholds = {"steps": [{"color": "green", "value": None}, {"color": "red", "value": 5}]}
    old = [{"type": 2, "from": "1", "to": "2", "text": "low"}, {"type": 1, "value": "7", "text": "9"},
           {"type": "value", "options": {"x": {"text": "y"}}}]
    assert upgrade_value_mappings(old, thresholds) == [
        {"type": "value", "options": {"7": {"text": "9", "color": "red"}, "x": {"text": "y"}}},
        {"type": "range", "options": {"from": 1, "to": 2, "result": {"text": "low"}}}]


# --- old table -> table, old pie chart -> pie chart, old heatmap -> heatmap ------------------------------------
def test_old_table_styles_become_field_config_overrides_and_transformations():
    styles = [{"pattern": "/.*/", "type": "hidden", "unit": "short", "decimals": 2, "alias": "", "thresholds": []},
              {"pattern": "Value", "alias": "Latency", "unit": "ms", "decimals": 1, "colorMode": "cell",
               "thresholds": ["10", "20"], "colors": ["green", "orange", "red"], "type": "number"},
              {"pattern": "Time", "type": "date", "dateFormat": "YYYY-MM-DD", "link": True, "linkUrl": "/d/x"}]
    panel = migrated_panel({"type": "table", "title": "t", "styles": styles, "transform": "timeseries_aggregations",
                            "columns": [{"text": "Avg", "value": "avg"}, {"text": "Max", "value": "max"}],
                            "sort": {"col": 1, "desc": True}, "targets": [{"expr": "up", "refId": "A"}]})
    assert panel["type"] == "table"
    assert panel["transformations"] == [{"id": "reduce", "options": {"reducers": ["mean", "max"],
                                                                     "includeTimeField": False}}]
    assert panel["fieldConfig"]["defaults"] == {"unit": "short", "decimals": 2, "displayName": "", "custom": {"align": None}}
    value, time = panel["fieldConfig"]["overrides"]
    assert value == {"matcher": {"id": "byName", "options": "Value"}, "properties": [
        {"id": "displayName", "value": "Latency"}, {"id": "unit", "value": "ms"}, {"id": "decimals", "value": 1},
        {"id": "custom.cellOptions", "value": {"type": "color-background"}}, {"id": "custom.align", "value": None},
        {"id": "thresholds", "value": {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                                                    {"color": "orange", "value": 10},
                                                                    {"color": "red", "value": 20}]}}]}
    assert {"id": "unit", "value": "time: YYYY-MM-DD"} in time["properties"]
    assert {"id": "links", "value": [{"title": "", "url": "/d/x", "targetBlank": False}]} in time["properties"]
    assert any("'hidden'" in n for n in panel[NOTES]) and any("sort" in n for n in panel[NOTES])


def test_old_pie_chart():
    panel = migrated_panel({"type": "grafana-piechart-panel", "title": "p", "aliasColors": {"ssd": "#E5AC0E"},
                            "legend": {"percentage": True, "show": True, "values": True}, "legendType": "On graph",
                            "pieType": "donut", "valueName": "total", "format": "bytes"})
    assert panel["type"] == "piechart"
    assert panel["fieldConfig"] == {"overrides": [{"matcher": {"id": "byName", "options": "ssd"}, "properties": [
        {"id": "color", "value": {"mode": "fixed", "fixedColor": "#E5AC0E"}}]}],
        "defaults": {"unit": "bytes", "decimals": 0}}
    assert panel["options"] == {"legend": {"placement": "right", "values": ["value", "percent"], "displayMode": "table",
                                           "showLegend": False, "calcs": []}, "reduceOptions": {"calcs": ["sum"]},
                                "pieType": "donut", "displayLabels": ["name", "value", "percent"]}


def test_old_heatmap():
    old = {"type": "heatmap", "title": "h", "cards": {"cardPadding": None, "cardRound": 1},
           "color": {"cardColor": "#b4ff00", "colorScale": "sqrt", "colorScheme": "interpolateBlues", "mode": "spectrum"},
           "dataFormat": "timeseries", "legend": {"show": True}, "tooltip": {"show": True, "showHistogram": False},
           "yAxis": {"decimals": 2, "format": "percentunit", "logBase": 1, "show": True}, "xBucketSize": "",
           "hideZeroBuckets": True}
    panel = migrated_panel(old)
    assert panel["fieldConfig"] == {"defaults": {}, "overrides": []}
    assert panel["options"] == {
        "calculate": True, "calculation": {}, "cellGap": 2, "cellRadius": 1, "cellValues": {},
        "color": {"scheme": "Blues", "fill": "#b4ff00", "reverse": False, "exponent": 0.5, "steps": 128,
                  "mode": "scheme"},
        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": "percentunit", "decimals": 2},
        "rowsFrame": {"layout": "auto"}, "legend": {"show": True}, "showValue": "never",
        "tooltip": {"show": True, "yHistogram": False}, "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "filterValues": {"le": 1e-9}}
    current = {"type": "heatmap", "title": "h", "options": {"calculate": False}}
    assert migrated_panel(current)["options"] == {"calculate": False}


# --- dashboard-level steps -----------------------------------------------------------------------------------
def test_legacy_rows_are_laid_out_on_the_grid():
    rows = [{"title": "A", "showTitle": True, "height": "250px", "panels": [
                {"type": "text", "title": "one", "span": 6}, {"type": "text", "title": "two", "span": 6},
                {"type": "text", "title": "three", "span": 4}]},
            {"title": "B", "collapse": True, "panels": [{"type": "text", "title": "four", "span": 12}]}]
    out = migrate({"schemaVersion": 13, "rows": rows, "sharedCrosshair": True})
    assert "rows" not in out and out["graphTooltip"] == 1 and out["schemaVersion"] == 39
    titles = [(p["type"], p["title"], p["gridPos"]) for p in out["panels"]]
    assert titles == [("text", "one", {"x": 0, "y": 1, "w": 12, "h": 7}),
                      ("text", "two", {"x": 12, "y": 1, "w": 12, "h": 7}),
                      ("text", "three", {"x": 0, "y": 8, "w": 8, "h": 7}),
                      ("row", "A", {"x": 0, "y": 0, "w": 24, "h": 7}),
                      ("row", "B", {"x": 0, "y": 15, "w": 24, "h": 7})]
    assert [c["title"] for c in out["panels"][-1]["panels"]] == ["four"]


def test_variables_links_and_legends_of_old_schema_versions():
    variables = [{"type": "query", "name": "a", "multi": True, "current": {"text": "x", "value": "x"},
                  "refresh": 0, "options": [{"text": "x"}], "tags": ["t"], "useTags": True},
                 {"type": "constant", "name": "b", "query": "v", "hide": 0}]
    panel = {"type": "timeseries", "title": "t", "links": [{"dashUri": "db/other", "keepTime": True, "title": "o"}],
             "options": {"legend": {"displayMode": "hidden"}}}
    out = migrate(dashboard(panel, version=16, templating={"list": variables}))
    query, constant = out["templating"]["list"]
    assert query == {"type": "query", "name": "a", "multi": True, "current": {"text": ["x"], "value": ["x"]},
                     "refresh": 1, "options": []}
    assert constant["type"] == "textbox" and constant["current"] == {"selected": True, "text": "v", "value": "v"}
    (migrated,) = out["panels"]
    assert migrated["links"] == [{"url": "dashboard/db/other?$__url_time_range", "title": "o"}]
    assert migrated["options"]["legend"] == {"displayMode": "list", "showLegend": False}


def test_migrate_leaves_its_input_alone_and_current_dashboards_as_they_are():
    current = {"schemaVersion": 39, "title": "t", "panels": [{"type": "timeseries", "title": "x",
                                                              "options": {"legend": {"displayMode": "list"}}}]}
    before = copy.deepcopy(current)
    assert migrate(current)["panels"] == before["panels"]
    assert current == before


@pytest.mark.parametrize("path", CEPH, ids=lambda p: p.name)
def test_no_old_panel_is_left_in_the_ceph_dashboards(path):
    original = json.loads(path.read_text())
    out = migrate(original)
    panels = [p for top in out["panels"] for p in [top, *top.get("panels", [])]]
    assert not {p["type"] for p in panels} & OLD_TYPES
    assert out["schemaVersion"] == 39
    assert [p["gridPos"] for p in panels] == [p["gridPos"] for top in original["panels"]
                                              for p in [top, *top.get("panels", [])]]
