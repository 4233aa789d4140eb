"""Every panel kind Grafana users build compiles to current panel JSON: golden files, Grafana's schema, and each
panel plugin's own published options schema where there is one."""
import json
from pathlib import Path

import pytest
from grafanalib.core import (Annotations, BarGauge, Dashboard, DashboardLink, DataLink, GaugePanel, GridPos, Heatmap, HeatmapColor,
                             Histogram, Logs, PieChartv2, Repeat, RowPanel, StateTimeline, Table, TableSortByField,
                             Target, Templating, Text, Threshold, TimeSeries, ValueMap, YAxis)
from jsonschema import Draft7Validator

from conftest import GOLDEN, assert_golden
from mrm_observe.compile.dashboards import compile_dashboard
from mrm_observe.dashboard_schema import schema_errors
from mrm_observe.definitions import Sourced
from mrm_observe.discover import discover
from mrm_observe.render import to_json
from mrm_observe.validate import uid_of, validate_dashboards

PANEL_GOLDEN = GOLDEN / "panels"
PLUGIN_SCHEMAS = Path(__file__).resolve().parent / "fixtures" / "grafana-schemas"
LOKI = {"type": "loki", "uid": "${loki}"}

BY_NAME = {"matcher": {"id": "byName", "options": "Errors"},
           "properties": [{"id": "color", "value": {"fixedColor": "red", "mode": "fixed"}}]}
BY_REGEX = {"matcher": {"id": "byRegexp", "options": "/Transmit/"},
            "properties": [{"id": "custom.transform", "value": "negative-Y"}, {"id": "unit", "value": "Bps"}]}
BY_QUERY = {"matcher": {"id": "byFrameRefID", "options": "B"},
            "properties": [{"id": "custom.axisPlacement", "value": "right"}, {"id": "decimals", "value": 1}]}
VALUE_MAPPING = {"type": "value", "options": {"0": {"text": "down", "color": "red", "index": 0},
                                              "1": {"text": "up", "color": "green", "index": 1}}}
RANGE_MAPPING = {"type": "range", "options": {"from": 0.9, "to": None, "result": {"text": "saturated", "color": "red"}}}
ORGANIZE = {"id": "organize", "options": {"excludeByName": {"Time": True}, "renameByName": {"Value": "Requests/s"}}}
STEPS = [Threshold("green", 0, 0.0), Threshold("orange", 1, 0.8), Threshold("red", 2, 0.9)]
LINK = DataLink(title="Runbook", linkUrl="https://runbooks.example/${__field.labels.service}", isNewTab=True)


def targets(*exprs: str, **fields) -> list[Target]:
    return [Target(expr=e, **fields) for e in exprs]


KINDS = {
    "table": Table(
        title="Top routes", description="By error ratio", targets=targets("topk(10, sum by (route) (rate(x[5m])))",
                                                                          instant=True, format="table"),
        unit="reqps", displayMode="color-text", mappings=[VALUE_MAPPING], overrides=[BY_NAME],
        transformations=[ORGANIZE], sortBy=[TableSortByField(displayName="Requests/s", desc=True)],
        links=[LINK], gridPos=GridPos(h=8, w=24, x=0, y=0)),
    "gauge": GaugePanel(
        title="Connections used", targets=targets("sum(pg_stat_activity_count) / sum(pg_settings_max_connections)"),
        format="percentunit", decimals=1, min=0, max=1, calc="lastNotNull", thresholds=STEPS, label="used",
        valueMaps=[ValueMap(text="idle", value="0")], repeat=Repeat("h", "instance", 4)),
    "bargauge": BarGauge(
        title="Memory used of max", targets=targets("sum by (instance) (used) / sum by (instance) (max)",
                                                    legendFormat="{{instance}}"),
        format="percentunit", min=0, max=1, calc="lastNotNull", displayMode="gradient", thresholds=STEPS,
        valueMaps=[VALUE_MAPPING], dataLinks=[LINK]),
    "heatmap": Heatmap(
        title="Latency distribution", targets=targets("sum by (le) (rate(h_bucket[5m]))", format="heatmap",
                                                      legendFormat="{{le}}"),
        dataFormat="tsbuckets", yBucketBound="upper", hideZeroBuckets=True, legend={"show": True},
        color=HeatmapColor(colorScheme="interpolateSpectral", mode="spectrum"), yAxis=YAxis(format="s", decimals=2),
        cards={"cardPadding": 1, "cardRound": 2}),
    "histogram": Histogram(
        title="Request sizes", targets=targets("sum by (pod) (rate(bytes_total[5m]))"), bucketSize=1024,
        mappings=[RANGE_MAPPING], overrides=[BY_REGEX]),
    "piechart": PieChartv2(
        title="Reports by type", targets=targets("sum by (type) (increase(reports_total[1d]))",
                                                 legendFormat="{{type}}"),
        pieType="donut", unit="short", legendDisplayMode="table", legendPlacement="right",
        legendValues=["value", "percent"], overrides=[BY_NAME]),
    "state-timeline": StateTimeline(
        title="Targets up", targets=targets("up", legendFormat="{{job}}"), mappings=[VALUE_MAPPING],
        overrides=[BY_QUERY], colorMode="thresholds"),
    "text": Text(title="Read me", content="**Runbooks**: see [docs](https://docs.example)", mode="markdown"),
    "logs": Logs(title="API errors", dataSource=LOKI, targets=targets('{app="api"} |= "error"'), showTime=True,
                 wrapLogMessages=True, enableLogDetails=True),
    "timeseries": TimeSeries(
        title="Network", targets=targets("rate(rx[5m])", "rate(tx[5m])"), unit="Bps", valueMin=0, valueDecimals=1,
        colorMode="palette-classic", mappings=[RANGE_MAPPING], overrides=[BY_NAME, BY_REGEX, BY_QUERY],
        thresholds=STEPS, thresholdsStyleMode="line", links=[LINK], repeat=Repeat("v", "instance")),
}


def compiled(panel) -> dict:
    dashboard = Dashboard(title="Kinds", panels=[panel], templating=Templating(list=[]))
    out = compile_dashboard(dashboard, "kinds")
    out["templating"]["list"].append({"name": "loki", "type": "datasource", "query": "loki"})
    assert schema_errors(out) == []
    return out["panels"][0]


def plugin_schema(kind: str, definition: str) -> Draft7Validator | None:
    path = PLUGIN_SCHEMAS / f"{kind}.jsonschema.json"
    if not path.exists():
        return None
    definitions = json.loads(path.read_text())["definitions"]
    for name, cell in definitions.items():  # as published, a cell's options match several kinds at once
        kind = cell.get("properties", {}).get("type", {})
        if name.startswith("Table") and name.endswith("CellOptions") and "default" in kind:
            cell["properties"]["type"] = {"const": kind["default"]}
    return Draft7Validator({"definitions": definitions, "$ref": f"#/definitions/{definition}"}) \
        if definition in definitions else None


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_compiles_to_its_golden_current_json(kind):
    panel = compiled(KINDS[kind])
    assert panel["type"] == kind
    assert_golden(to_json(panel), PANEL_GOLDEN / f"{kind}.json")


@pytest.mark.parametrize("kind", ["table", "gauge", "bargauge", "heatmap", "text", "timeseries"])
def test_options_follow_the_panel_plugins_own_schema(kind):
    panel = compiled(KINDS[kind])
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in plugin_schema(kind, "Options").iter_errors(panel["options"])]
    assert errors == []
    custom = plugin_schema(kind, "FieldConfig")
    if custom is not None and custom.schema != {}:
        assert [e.message for e in custom.iter_errors(panel["fieldConfig"]["defaults"].get("custom", {}))] == []


def test_gauge_settings_land_where_grafana_reads_them():
    panel = compiled(KINDS["gauge"])
    defaults = panel["fieldConfig"]["defaults"]
    assert (defaults["unit"], defaults["decimals"], defaults["min"], defaults["max"]) == ("percentunit", 1, 0, 1)
    assert defaults["displayName"] == "used"
    assert defaults["thresholds"]["steps"] == [{"color": "green", "value": None}, {"color": "orange", "value": 0.8},
                                               {"color": "red", "value": 0.9}]
    assert defaults["mappings"] == [{"type": "value", "options": {"0": {"text": "idle"}}}]
    assert panel["options"]["reduceOptions"] == {"calcs": ["lastNotNull"], "fields": "", "values": False}
    assert (panel["repeat"], panel["repeatDirection"], panel["maxPerRow"]) == ("instance", "h", 4)
    assert not {"calcs", "override", "values", "title", "limit"} & set(defaults)


def test_bar_gauge_leaves_grafana_6_field_options_behind():
    panel = compiled(KINDS["bargauge"])
    assert "fieldOptions" not in panel["options"] and "showThresholdMarkers" not in panel["options"]
    assert panel["options"]["displayMode"] == "gradient"
    defaults = panel["fieldConfig"]["defaults"]
    assert defaults["links"] == [{"title": "Runbook", "url": "https://runbooks.example/${__field.labels.service}",
                                  "targetBlank": True}]
    assert defaults["mappings"] == [VALUE_MAPPING]


def test_table_moves_colour_mappings_and_display_mode_into_the_field_config():
    panel = compiled(KINDS["table"])
    assert not {"color", "columns", "fontSize", "mappings"} & set(panel)
    defaults = panel["fieldConfig"]["defaults"]
    assert defaults["custom"]["cellOptions"] == {"type": "color-text"}
    assert defaults["mappings"] == [VALUE_MAPPING] and defaults["unit"] == "reqps"
    assert panel["fieldConfig"]["overrides"] == [BY_NAME] and panel["transformations"] == [ORGANIZE]
    assert panel["options"]["sortBy"] == [{"displayName": "Requests/s", "desc": True}]
    assert panel["targets"][0]["format"] == "table" and panel["targets"][0]["instant"] is True


def test_angular_heatmap_settings_become_the_current_heatmaps_options():
    panel = compiled(KINDS["heatmap"])
    options = panel["options"]
    assert options["calculate"] is False and "calculation" not in options
    assert options["color"]["scheme"] == "Spectral" and options["color"]["mode"] == "scheme"
    assert options["yAxis"] == {"axisPlacement": "left", "reverse": False, "unit": "s", "decimals": 2}
    assert (options["cellGap"], options["cellRadius"]) == (1, 2.0)
    assert options["filterValues"] == {"le": 1e-09} and options["legend"] == {"show": True}
    assert options["rowsFrame"] == {"layout": "ge"}
    assert not {"cards", "color", "dataFormat", "xAxis", "yAxis", "tooltip", "legend"} & set(panel)
    assert panel["targets"][0]["format"] == "heatmap"


def test_heatmap_options_given_in_the_current_form_are_kept():
    options = {"calculate": False, "color": {"mode": "opacity", "fill": "blue"}, "yAxis": {"unit": "s"}}
    panel = compiled(Heatmap(title="h", targets=targets("x"), options=options))
    assert panel["options"] == options


def test_calculated_heatmap_buckets_by_size_count_and_log_scale():
    panel = compiled(Heatmap(title="h", targets=targets("x"), xBucketSize="1m", yBucketNumber=20))
    assert panel["options"]["calculation"] == {"xBuckets": {"mode": "size", "value": "1m"},
                                               "yBuckets": {"mode": "count", "value": "20"}}
    panel = compiled(Heatmap(title="h", targets=targets("x"), yAxis=YAxis(logBase=2)))
    assert panel["options"]["calculation"] == {"yBuckets": {"mode": "count", "scale": {"log": 2, "type": "log"}}}


def test_old_value_maps_become_current_mappings():
    panel = compiled(TimeSeries(title="t", targets=targets("x"), mappings=[
        ValueMap(text="down", value="0"), {"from": 0.5, "to": 1, "text": "half"}, VALUE_MAPPING]))
    assert panel["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "value", "options": {"0": {"text": "down"}}},
        {"type": "range", "options": {"from": 0.5, "to": 1.0, "result": {"text": "half"}}},
        VALUE_MAPPING]


def test_a_logs_panel_keeps_its_own_datasource():
    panel = compiled(KINDS["logs"])
    assert panel["datasource"] == LOKI and panel["targets"][0]["datasource"] == LOKI
    assert panel["options"]["wrapLogMessage"] is True


def test_repeated_rows_and_links_and_annotations_compile():
    annotation = {"name": "Critical alerts", "enable": True, "iconColor": "red",
                  "datasource": {"type": "prometheus", "uid": "${datasource}"},
                  "expr": 'ALERTS{alertstate="firing", severity="critical"}', "titleFormat": "{{alertname}}"}
    dashboard = Dashboard(
        title="Repeats", links=[DashboardLink(title="Platform", type="dashboards", tags=["mrm"], asDropdown=True)],
        annotations=Annotations(list=[annotation]),
        panels=[RowPanel(title="Per node $instance", repeat=Repeat("h", "instance")),
                TimeSeries(title="CPU", targets=targets('rate(cpu{instance=~"$instance"}[5m])'))])
    out = compile_dashboard(dashboard, "repeats")
    assert schema_errors(out) == []
    assert out["panels"][0]["repeat"] == "instance" and "repeatDirection" not in out["panels"][0]
    assert out["links"][0]["type"] == "dashboards" and out["links"][0]["tags"] == ["mrm"]
    assert out["annotations"]["list"] == [annotation]


def test_a_logs_panels_logql_is_not_read_as_promql_but_a_prometheus_panel_still_is():
    panels = [KINDS["logs"], TimeSeries(title="Broken", targets=targets("sum(rate(x[5m])"))]
    item = Sourced("dashboards/logs.py", Dashboard(title="Logs", panels=panels))
    problems = validate_dashboards([item])
    assert [(p.field, p.message.split(" in ")[0]) for p in problems] == [
        ("panel 'Broken'", "invalid PromQL: unclosed left parenthesis")]


@pytest.mark.parametrize("kind", ["table", "gauge", "bargauge", "heatmap", "timeseries"])
def test_the_platform_dashboards_panels_follow_their_plugins_options_schema(kind):
    root = Path(__file__).resolve().parent.parent
    items = discover([root / "dashboards"], root).dashboards
    panels = [p for item in items for p in compile_dashboard(item.obj, uid_of(item))["panels"] if p["type"] == kind]
    assert panels, f"no {kind} panel on the platform's dashboards"
    validator = plugin_schema(kind, "Options")
    assert [(p["title"], e.message) for p in panels for e in validator.iter_errors(p["options"])] == []
