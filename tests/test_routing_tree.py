"""The routing tree as Alertmanager resolves it: inheritance, `continue`, first match wins, the root as fallback."""
from mrm_observe.model.routing import Route
from mrm_observe.routing_tree import tree

ROOT = Route(receiver="default", group_by=("alertname",), group_wait="10s", routes=(
    Route(matchers=('team="db"',), receiver="db", group_by=("instance",), repeat_interval="1h", routes=(
        Route(matchers=('severity="critical"',), receiver="db-page"),
        Route(matchers=('severity=~"warning|info"',), mute_time_intervals=("nights",)),
    )),
    Route(matchers=('severity="critical"',), receiver="page", continue_=True),
    Route(matchers=('severity=~"critical|warning"',), receiver="slack"),
    Route(matchers=('severity="critical"',), receiver="never"),
))


def receivers(labels: dict[str, str]) -> list[str]:
    return [node.receiver for node in tree(ROOT).match(labels)]


def test_the_first_matching_child_takes_the_alert_and_stops_its_siblings():
    assert receivers({"team": "db", "severity": "critical"}) == ["db-page"]


def test_continue_lets_the_next_siblings_match_too():
    assert receivers({"severity": "critical"}) == ["page", "slack"]
    assert receivers({"severity": "warning"}) == ["slack"]


def test_a_route_none_of_whose_children_match_takes_the_alert_itself():
    assert receivers({"team": "db", "severity": "none"}) == ["db"]
    assert receivers({"severity": "info"}) == ["default"]
    assert receivers({}) == ["default"]


def test_unset_settings_are_inherited_and_time_intervals_are_not():
    db, page, _, _ = tree(ROOT).children
    quiet = db.children[1]
    assert quiet.receiver == "db" and quiet.group_by == ("instance",)
    assert dict(quiet.timings) == {"group_wait": "10s", "group_interval": "5m", "repeat_interval": "1h"}
    assert quiet.mute_time_intervals == ("nights",) and db.mute_time_intervals == ()
    assert page.group_by == ("alertname",) and dict(page.timings)["repeat_interval"] == "4h"


def test_paths_and_conditions_say_why_an_alert_got_there():
    (node,) = tree(ROOT).match({"team": "db", "severity": "warning"})
    assert node.path == "route.routes[0].routes[1]"
    assert [str(m) for m in node.conditions] == ['team="db"', 'severity=~"warning|info"']
    assert [n.path for n in tree(ROOT).walk()][:3] == ["route", "route.routes[0]", "route.routes[0].routes[0]"]
