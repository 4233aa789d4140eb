"""The dashboard compiler: current Grafana JSON, checked against Grafana's own schema."""
import copy
import json
from pathlib import Path

import pytest
from grafanalib.core import Dashboard, GridPos, RowPanel, Stat, Target, TimeSeries
from jsonschema import Draft7Validator

from mrm_observe.compile.dashboards import compile_dashboard
from mrm_observe.conventions import DATASOURCE_REF, MANAGED_TAG, SCHEMA_VERSION, dashboard_uid
from mrm_observe.dashboard_schema import schema_errors

PUBLISHED_SCHEMA = Path(__file__).resolve().parent / "fixtures" / "grafana-schemas" / "dashboard.jsonschema.json"


def panels(n: int, width: int = 8) -> list:
    return [TimeSeries(title=f"p{i}", targets=[Target(expr=f"up{{i=\"{i}\"}}")], gridPos=GridPos(h=8, w=width, x=0, y=0))
            for i in range(n)]


def sample() -> Dashboard:
    return Dashboard(title="Sample", tags=["team"], panels=[
        RowPanel(title="First"), *panels(4), RowPanel(title="Second"),
        Stat(title="kpi", targets=[Target(expr="sum(up)")]),
        RowPanel(title="Closed", collapsed=True, panels=panels(2, width=12)),
    ])


def overlaps(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def test_output_is_current_schema_with_stable_uid_and_managed_tag():
    out = compile_dashboard(sample(), "sample-uid")
    assert out["schemaVersion"] == SCHEMA_VERSION
    assert out["uid"] == "sample-uid"
    assert out["tags"] == sorted(["team", MANAGED_TAG])
    for legacy in ("rows", "style", "sharedCrosshair", "hideControls", "__inputs", "gnetId", "id", "version"):
        assert legacy not in out


def test_every_panel_and_target_references_the_datasource_variable():
    out = compile_dashboard(sample(), "u")
    data_panels = [p for p in out["panels"] if p["type"] != "row"]
    assert data_panels and all(p["datasource"] == DATASOURCE_REF for p in data_panels)
    assert all(t["datasource"] == DATASOURCE_REF for p in data_panels for t in p["targets"])
    first = out["templating"]["list"][0]
    assert (first["name"], first["type"], first["query"]) == ("datasource", "datasource", "prometheus")


def test_targets_get_distinct_ref_ids_and_lose_legacy_keys():
    panel = TimeSeries(title="t", targets=[Target(expr="a"), Target(expr="b"), Target(expr="c")])
    (compiled,) = compile_dashboard(Dashboard(title="x", panels=[panel]), "u")["panels"]
    assert [t["refId"] for t in compiled["targets"]] == ["A", "B", "C"]
    assert not {"query", "step", "intervalFactor", "metric", "target"} & set(compiled["targets"][0])


def test_panel_ids_are_unique_and_grid_positions_never_overlap():
    out = compile_dashboard(sample(), "u")
    flat = [p for top in out["panels"] for p in [top, *top.get("panels", [])]]
    ids = [p["id"] for p in flat]
    assert len(ids) == len(set(ids)) == 10
    top = [p["gridPos"] for p in out["panels"]]
    assert all(0 <= g["x"] and g["x"] + g["w"] <= 24 for g in top)
    assert not any(overlaps(a, b) for i, a in enumerate(top) for b in top[i + 1:])


def test_panels_wrap_to_the_next_line_when_the_row_is_full():
    out = compile_dashboard(Dashboard(title="x", panels=panels(4)), "u")
    assert [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in out["panels"]] == [(0, 0), (8, 0), (16, 0), (0, 8)]


def test_collapsed_row_children_sit_below_the_row():
    out = compile_dashboard(sample(), "u")
    closed = out["panels"][-1]
    assert closed["type"] == "row" and closed["collapsed"] is True
    assert [c["gridPos"]["y"] for c in closed["panels"]] == [closed["gridPos"]["y"] + 1] * 2


def test_stat_thresholds_become_a_list_with_a_null_base_step():
    out = compile_dashboard(Dashboard(title="x", panels=[Stat(title="s", targets=[Target(expr="up")])]), "u")
    assert out["panels"][0]["fieldConfig"]["defaults"]["thresholds"]["steps"] == [{"color": "green", "value": None}]


def test_compiling_does_not_change_the_definition():
    dashboard = sample()
    before = copy.deepcopy(dashboard.to_json_data())
    compile_dashboard(dashboard, "u")
    assert json.dumps(dashboard.to_json_data(), default=str) == json.dumps(before, default=str)


def test_compiled_dashboard_passes_grafanas_schema_as_published():
    validator = Draft7Validator(json.loads(PUBLISHED_SCHEMA.read_text()))
    errors = [e.message for e in validator.iter_errors(compile_dashboard(sample(), "u"))]
    assert errors == []


@pytest.mark.parametrize("title", ["Checkout service", "A" * 80, "Überblick / Ops"])
def test_derived_uids_are_stable_short_and_url_safe(title):
    uid = dashboard_uid("dashboards/app.py", title)
    assert uid == dashboard_uid("dashboards/app.py", title)
    assert uid != dashboard_uid("dashboards/other.py", title)
    assert len(uid) <= 40 and all(c.isalnum() or c in "-_" for c in uid)


def test_schema_check_leaves_the_dashboard_as_it_was():
    out = compile_dashboard(sample(), "u")
    before = json.dumps(out, sort_keys=True)
    assert schema_errors(out) == []
    assert json.dumps(out, sort_keys=True) == before
