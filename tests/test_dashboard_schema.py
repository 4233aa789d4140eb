"""The schema check both ways: what current Grafana exported passes unchanged, real mistakes are still caught."""
import copy
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write_tree
from mrm_observe import dashboard_schema
from mrm_observe.cli import main
from mrm_observe.dashboard_schema import schema_errors

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "grafana-exports"
CORPUS = sorted(EXPORTS.glob("*/*.json"))
GLOBAL = EXPORTS / "dotdc" / "k8s-views-global.json"
"""Rows, bar gauges, stats and time series; panels[1] is the bar gauge 'Global CPU  Usage'."""
BSD = EXPORTS / "rfmoz" / "node-exporter-bsd.json"
"""Collapsed rows: panels[19] is 'Network Traffic', whose first child 'Network Traffic Packets' has an override."""


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def test_the_corpus_is_current_and_varied():
    assert 10 <= len(CORPUS) <= 30
    dashboards = [load(p) for p in CORPUS]
    assert min(d["schemaVersion"] for d in dashboards) >= 37
    kinds = {p["type"] for d in dashboards for top in d["panels"] for p in [top, *top.get("panels", [])]}
    assert {"timeseries", "stat", "gauge", "bargauge", "table", "heatmap", "state-timeline", "text", "logs",
            "row"} <= kinds


@pytest.mark.parametrize("path", CORPUS, ids=[f"{p.parent.name}/{p.stem}" for p in CORPUS])
def test_every_dashboard_current_grafana_exported_passes_unchanged(path):
    dashboard = load(path)
    assert schema_errors(dashboard) == []
    assert dashboard == load(path)


def test_valid_dashboards_take_the_fast_path(monkeypatch):
    """jsonschema only explains failures: on valid dashboards only the compiled validators run."""
    dashboards = [load(p) for p in CORPUS]
    schema_errors(dashboards[0])  # compile the validators once
    monkeypatch.setattr(dashboard_schema, "_explained", lambda parts: pytest.fail("explained a valid dashboard"))
    start = time.perf_counter()
    for dashboard in dashboards:
        assert schema_errors(dashboard) == []
    elapsed = time.perf_counter() - start
    panels = sum(len(d["panels"]) for d in dashboards)
    print(f"\nschema check: {len(dashboards)} dashboards, {panels} top-level panels in {elapsed * 1000:.0f} ms")
    assert elapsed < 2.0


def minimal(**fields) -> dict:
    return {"schemaVersion": 39, "title": "t", "panels": [], **fields}


def panel(**fields) -> dict:
    return {"type": "timeseries", "title": "p", "id": 1, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, **fields}


@pytest.mark.parametrize("dashboard", [
    pytest.param(minimal(), id="no annotations and no templating"),
    pytest.param(minimal(panels=[panel(fieldConfig={"defaults": {"unit": "Bps"}})]), id="no overrides"),
    pytest.param(minimal(panels=[panel(fieldConfig={"defaults": {}, "overrides": [
        {"matcher": {"id": "byRegexp", "options": "/Transmit/"},
         "properties": [{"id": "custom.transform", "value": "negative-Y"}, {"id": "unit", "value": "bps"},
                        {"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}},
                        {"id": "custom.hideFrom", "value": {"legend": True, "tooltip": True, "viz": True}}]},
        {"matcher": {"id": "byFrameRefID", "options": "B"}, "properties": [{"id": "decimals", "value": 2}]},
        {"matcher": {"id": "byValue", "options": {"op": "gte", "reducer": "allValues", "value": 0}},
         "properties": [{"id": "custom.hidden", "value": True}]},
    ]})]), id="override matchers and property values of every JSON type"),
    pytest.param(minimal(panels=[panel(links=[{"title": "Runbook", "url": "https://runbooks/x"}])]),
                 id="a panel link with only title and url"),
    pytest.param(minimal(links=[{"title": "Platform", "type": "dashboards", "tags": ["mrm"]},
                                {"title": "Docs", "type": "link", "url": "https://docs"}]),
                 id="dashboard links with only what Grafana needs"),
    pytest.param(minimal(panels=[panel(fieldConfig={"defaults": {"thresholds": {"mode": "absolute", "steps": [
        {"color": "green"}, {"color": "red", "value": 80}]}}})]), id="a base threshold step without value"),
    pytest.param(minimal(panels=[panel(type="grafana-clock-panel")]), id="a plugin panel"),
])
def test_accepts_what_grafana_accepts(dashboard):
    assert schema_errors(dashboard) == []


def plant(path: Path, where: tuple, value) -> dict:
    """The dashboard with `value` set at `where` (a key of None deletes the last key instead)."""
    dashboard = load(path)
    target = dashboard
    for key in where[:-1]:
        target = target[key]
    if value is None:
        del target[where[-1]]
    else:
        target[where[-1]] = value
    return dashboard


CPU = "panel 'Global CPU  Usage': "
PACKETS = "panel 'Network Traffic Packets': "
PLANTED = [
    pytest.param(GLOBAL, ("panels", 1, "fieldConfig", "defaults", "unitt"), "percent",
                 "panels[1].fieldConfig.defaults.unitt", CPU + "unknown key 'unitt' (did you mean 'unit'?)",
                 id="unknown key in field config"),
    pytest.param(GLOBAL, ("panels", 1, "span"), 4, "panels[1].span",
                 CPU + "unknown key 'span' (known keys here: cacheTimeout, datasource, description, fieldConfig, "
                       "gridPos, hideTimeOverride, id, interval, libraryPanel, links, maxDataPoints, maxPerRow, "
                       "options, pluginVersion, queryCachingTTL, repeat, repeatDirection, targets, timeCompare, "
                       "timeFrom, timeShift, title, transformations, transparent, type)",
                 id="unknown key on a panel"),
    pytest.param(GLOBAL, ("panels", 1, "gridPos", "w"), "wide", "panels[1].gridPos.w",
                 CPU + "'wide' is not of type 'integer'", id="wrong type"),
    pytest.param(GLOBAL, ("panels", 1, "fieldConfig", "defaults", "decimals"), "2",
                 "panels[1].fieldConfig.defaults.decimals", CPU + "'2' is not of type 'number'",
                 id="wrong type in field config"),
    pytest.param(GLOBAL, ("panels", 1, "type"), "bargauges", "panels[1].type",
                 CPU + "unknown panel type 'bargauges': did you mean 'bargauge'?", id="unknown panel type"),
    pytest.param(GLOBAL, ("panels", 1, "datasource", "uid"), "${datasrc}", "panels[1].datasource",
                 CPU + "datasource '${datasrc}' names no variable of this dashboard (it defines: DS_PROMETHEUS, "
                       "cluster, datasource, job, resolution): add a datasource variable 'datasrc' or fix the name",
                 id="datasource reference to a missing variable"),
    pytest.param(GLOBAL, ("panels", 1, "targets", 2, "datasource", "uid"), "$prometheus",
                 "panels[1].targets[2].datasource",
                 CPU + "datasource '$prometheus' names no variable of this dashboard (it defines: DS_PROMETHEUS, "
                       "cluster, datasource, job, resolution): add a datasource variable 'prometheus' or fix the name",
                 id="target datasource reference to a missing variable"),
    pytest.param(BSD, ("panels", 19, "panels", 0, "fieldConfig", "overrides", 0, "matcher", "id"), 7,
                 "panels[19].panels[0].fieldConfig.overrides[0].matcher.id", PACKETS + "7 is not of type 'string'",
                 id="wrong type in an override inside a collapsed row"),
    pytest.param(BSD, ("panels", 19, "panels", 0, "fieldConfig", "overrides", 0, "properties", 0, "id"), None,
                 "panels[19].panels[0].fieldConfig.overrides[0].properties[0]",
                 PACKETS + "'id' is a required property", id="override property without id"),
    pytest.param(GLOBAL, ("panels", 0, "collapsed"), "no", "panels[0].collapsed",
                 "panel 'Overview': 'no' is not of type 'boolean'", id="wrong type on a row"),
    pytest.param(GLOBAL, ("time", "to"), None, "time", "'to' is a required property", id="missing required key"),
    pytest.param(BSD, ("links", 0, "url"), None, "links[0]", "'url' is a required property",
                 id="dashboard link of type link without url"),
]


@pytest.mark.parametrize("path, where, value, field, message", PLANTED)
def test_planted_mistakes_are_caught_naming_panel_and_field(path, where, value, field, message):
    assert schema_errors(plant(path, where, value)) == [(field, message)]


def test_a_data_panel_without_any_datasource_is_caught():
    dashboard = plant(GLOBAL, ("panels", 3, "datasource"), None)
    for target in dashboard["panels"][3]["targets"]:
        del target["datasource"]
    assert schema_errors(dashboard) == [(
        "panels[3].datasource",
        "panel 'Nodes': has queries but no datasource: set the panel's datasource "
        "(e.g. {'type': 'prometheus', 'uid': '${datasource}'})")]


def test_an_angular_panel_is_named_with_its_replacement():
    errors = schema_errors(minimal(panels=[panel(type="graph")]))
    assert errors == [("panels[0].type", "panel 'p': 'graph' is a retired Angular panel (Grafana replaces it with "
                                         "'timeseries' when it loads the dashboard): write a 'timeseries' panel")]


def test_a_panel_link_is_not_taken_for_a_row():
    errors = schema_errors(minimal(panels=[panel(links=[{"title": "Runbook"}])]))
    assert errors == [("panels[0].links[0]", "panel 'p': 'url' is a required property")]


def test_legacy_rows_must_be_empty():
    errors = schema_errors(minimal(rows=[{"panels": []}]))
    assert errors == [("rows", "[{'panels': []}] is expected to be empty")]


def test_value_mappings_are_checked_against_their_own_kind():
    mapping = {"type": "range", "options": {"from": 0, "to": "ten", "result": {"text": "low"}}}
    errors = schema_errors(minimal(panels=[panel(fieldConfig={"defaults": {"mappings": [mapping]}})]))
    assert errors == [("panels[0].fieldConfig.defaults.mappings[0].options.to",
                       "panel 'p': 'ten' is not of type 'number'")]


@pytest.mark.parametrize("path, where, value, field, message", PLANTED)
def test_the_fast_path_rejects_every_schema_mistake(path, where, value, field, message):
    parts = list(dashboard_schema._parts(plant(path, where, value)))
    schema_kind = not field.endswith((".type", ".datasource"))  # the other checks are not the schema's
    assert dashboard_schema._passes_fast(parts) is not schema_kind


def test_build_names_file_dashboard_panel_and_field(tmp_path, monkeypatch):
    write_tree(tmp_path, {"dashboards/a.py": (
        "from mrm_observe import Dashboard, Target, TimeSeries\n"
        "dashboard = Dashboard(title='D', panels=[TimeSeries(title='Latency', targets=[Target(expr='up')],\n"
        "                      extraJson={'fieldConfig': {'defaults': {'unitt': 's'}}})])\n")})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1, result.output
    assert ("error: dashboards/a.py: dashboard 'D': panels[0].fieldConfig.defaults.unitt: breaks Grafana's "
            "dashboard schema: panel 'Latency': unknown key 'unitt' (did you mean 'unit'?)") in result.stderr
    assert not (tmp_path / "build").exists()


def test_an_angular_panel_gets_one_error_for_its_type_not_one_per_angular_key():
    graph = panel(type="graph", aliasColors={}, bars=False, lines=True, nullPointMode="null",
                  gridPos={"h": 8, "w": "wide", "x": 0, "y": 0})
    errors = schema_errors(minimal(panels=[graph]))
    assert [path for path, _ in errors] == ["panels[0].gridPos.w", "panels[0].type"]
    assert errors[0][1] == "panel 'p': 'wide' is not of type 'integer'"
