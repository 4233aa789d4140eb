"""The platform's dashboards as built: golden files (review their diff when a dashboard or the compiler changes)."""
from pathlib import Path

import pytest

from conftest import GOLDEN, assert_golden
from mrm_observe.compile.dashboards import compile_dashboard
from mrm_observe.dashboard_schema import schema_errors
from mrm_observe.discover import discover
from mrm_observe.render import to_json
from mrm_observe.validate import uid_of

ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = discover([ROOT / "dashboards"], ROOT).dashboards


@pytest.mark.parametrize("item", DASHBOARDS, ids=[d.obj.title for d in DASHBOARDS])
def test_platform_dashboard_matches_its_golden_file_and_grafanas_schema(item):
    data = compile_dashboard(item.obj, uid_of(item))
    assert schema_errors(data) == []
    assert_golden(to_json(data), GOLDEN / "platform" / f"{Path(item.source).stem}.json")
