"""The normal form equates what Grafana shows the same and keeps apart what it shows differently."""
from mrm_observe.dashboard_normal_form import MISSING, describe, differences, normalise


def dashboard(*panels, **extra):
    return {"title": "d", "panels": list(panels), **extra}


def panel(**fields):
    return {"type": "timeseries", "title": "p", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
            "targets": [{"expr": "up", "refId": "A"}], **fields}


def same(a, b):
    return differences(normalise(a), normalise(b)) == []


def test_grafanas_defaults_ids_and_datasources_do_not_count():
    exported = dashboard(panel(id=7, datasource={"type": "prometheus", "uid": "abc"}, pluginVersion="11.0.0",
                               fieldConfig={"defaults": {"custom": {"lineWidth": 1, "fillOpacity": 0},
                                                         "color": {"mode": "palette-classic"}, "unit": "none",
                                                         "thresholds": {"mode": "absolute", "steps": [
                                                             {"color": "green", "value": 0},
                                                             {"color": "red", "value": 80}]}},
                                            "overrides": []},
                               options={"legend": {"showLegend": True, "displayMode": "list",
                                                   "placement": "bottom", "calcs": []}}),
                         id=3, version=9, schemaVersion=39, editable=True, tags=["mrm-observe"])
    assert same(exported, dashboard(panel()))


def test_what_grafana_shows_differently_is_kept_apart():
    assert not same(dashboard(panel(fieldConfig={"defaults": {"unit": "ms"}})), dashboard(panel()))
    assert not same(dashboard(panel(gridPos={"h": 8, "w": 12, "x": 12, "y": 0})), dashboard(panel()))
    assert not same(dashboard(panel(targets=[{"expr": "up", "refId": "A", "intervalFactor": 2}])), dashboard(panel()))
    overrides = [{"matcher": {"id": "byName", "options": "a"}, "properties": [{"id": "unit", "value": "s"}]}]
    assert not same(dashboard(panel(fieldConfig={"defaults": {}, "overrides": overrides})), dashboard(panel()))


def test_equivalent_spellings_are_the_same():
    hidden_old = panel(options={"legend": {"displayMode": "hidden"}})
    hidden_new = panel(options={"legend": {"displayMode": "list", "showLegend": False}})
    assert same(dashboard(hidden_old), dashboard(hidden_new))
    assert same(dashboard(panel(targets=[{"expr": "up"}])), dashboard(panel()))  # Grafana names it A
    assert same(dashboard(panel(targets=[{"expr": "up", "refId": "A", "format": "", "range": True}])),
                dashboard(panel()))
    assert same(dashboard(panel(), time={"from": "now-6h", "to": "now"}), dashboard(panel()))
    assert not same(dashboard(panel(), time={"from": "now-1h", "to": "now"}), dashboard(panel()))


def test_variables_keep_their_value_and_datasource_variables_come_first():
    variables = [{"name": "job", "type": "query", "query": "label_values(up, job)", "definition": "x",
                  "current": {"text": "All", "value": "$__all", "selected": True}, "options": [{"text": "a"}],
                  "datasource": {"uid": "p"}, "refresh": 1},
                 {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source",
                  "current": {"text": "Prom", "value": "Prom"}}]
    form = normalise(dashboard(templating={"list": variables}))
    assert form["templating"] == [{"name": "datasource", "type": "datasource", "query": "prometheus"},
                                  {"name": "job", "type": "query", "query": "label_values(up, job)",
                                   "current": "$__all"}]


def test_differences_name_the_path_and_both_values():
    found = differences({"panels": [{"unit": "ms"}]}, {"panels": [{"unit": "s", "min": 0}]})
    assert found == [(("panels", 0, "min"), MISSING, 0), (("panels", 0, "unit"), "ms", "s")]
    assert [describe(d) for d in found] == ["panels[0].min: 0 is added", "panels[0].unit: 'ms' becomes 's'"]
    assert describe((("panels", 0, "unit"), "ms", MISSING), 2) == "unit: 'ms' is not carried"
