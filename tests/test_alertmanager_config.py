"""How a running Alertmanager's config is recognised as the built one (`difference`, `differences`), and secrets
filled in."""
from __future__ import annotations

import copy

import pytest

from mrm_observe.alertmanager_config import SecretMissing, difference, differences, env_secrets, fill_secrets
from mrm_observe.conventions import env_placeholder

BUILT = {
    "templates": ["templates/*.tmpl"],
    "route": {"receiver": "hook", "group_wait": "300s", "continue": False,
              "routes": [{"matchers": ["severity=warning", '{team="db", env=~"prod|stage"}'], "receiver": "hook"}]},
    "receivers": [{"name": "hook", "webhook_configs": [{"url": env_placeholder("HOOK_URL")}],
                   "pagerduty_configs": [{"routing_key_file": "/run/secrets/pd"}]}],
    "time_intervals": [{"name": "weekdays", "time_intervals": [{"weekdays": ["Monday:Friday"]}]}],
}
RUNNING = {  # what Alertmanager 0.25 reports for it: defaults added, values rewritten, secrets masked
    "global": {"resolve_timeout": "5m"},
    "templates": ["/etc/alertmanager/templates/*.tmpl"],
    "route": {"receiver": "hook", "group_wait": "5m", "continue": False,
              "routes": [{"receiver": "hook", "continue": False,
                          "matchers": ['severity="warning"', 'team="db"', 'env=~"prod|stage"']}]},
    "receivers": [{"name": "hook", "webhook_configs": [{"send_resolved": True, "url": "https://h.example/x?t=1",
                                                        "max_alerts": 0}],
                   "pagerduty_configs": [{"routing_key_file": "/run/secrets/pd", "url": "<secret>"}]}],
    "time_intervals": [{"name": "weekdays", "time_intervals": [{"weekdays": ["monday:friday"]}]}],
}


def test_the_running_config_holds_the_built_one_as_alertmanager_rewrites_it():
    assert difference(RUNNING, BUILT) is None


@pytest.mark.parametrize("change, where", [
    (lambda r: r["route"].update(group_wait="30s"), "route.group_wait"),
    (lambda r: r["route"]["routes"][0]["matchers"].pop(), "route.routes[0].matchers"),
    (lambda r: r["route"]["routes"].append({"receiver": "hook"}), "route.routes"),
    (lambda r: r["receivers"][0]["pagerduty_configs"][0].update(routing_key_file="/other"),
     "receivers[0].pagerduty_configs[0].routing_key_file"),
    (lambda r: r.update(templates=["/etc/alertmanager/other/*.tmpl"]), "templates[0]"),
    (lambda r: r["time_intervals"][0]["time_intervals"][0].update(weekdays=["saturday"]),
     "time_intervals[0].time_intervals[0].weekdays[0]"),
    (lambda r: r["receivers"][0].pop("webhook_configs"), "receivers[0].webhook_configs"),
], ids=["duration", "matcher", "route", "secret file", "templates", "weekdays", "receiver kind"])
def test_any_difference_is_found_and_named_by_its_path(change, where):
    running = copy.deepcopy(RUNNING)
    change(running)
    assert difference(running, BUILT) == where


def test_every_difference_is_listed_and_a_list_the_built_config_left_out_counts():
    assert differences(RUNNING, BUILT) == []
    running = copy.deepcopy(RUNNING)
    running["route"].update(group_wait="30s")
    running["receivers"][0]["pagerduty_configs"][0].update(routing_key_file="/other")
    running["inhibit_rules"] = [{"source_matchers": ["severity=critical"], "target_matchers": ["severity=warning"]}]
    running["route"]["routes"][0]["group_by"] = ["alertname"]
    assert differences(running, BUILT) == ["route.group_wait", "route.routes[0].group_by",
                                           "receivers[0].pagerduty_configs[0].routing_key_file", "inhibit_rules"]
    assert difference(running, BUILT) == "route.group_wait"
    running["inhibit_rules"] = []  # an empty list is what leaving it out looks like
    assert "inhibit_rules" not in differences(running, BUILT)


def test_secrets_are_filled_from_the_environment_and_only_named():
    assert env_secrets(BUILT) == ["HOOK_URL"]
    filled, values = fill_secrets(BUILT, {"HOOK_URL": "https://h.example/x?t=1"})
    assert filled["receivers"][0]["webhook_configs"][0]["url"] == "https://h.example/x?t=1"
    assert values == ("https://h.example/x?t=1",)
    assert BUILT["receivers"][0]["webhook_configs"][0]["url"] == env_placeholder("HOOK_URL"), "the built one stays"
    with pytest.raises(SecretMissing, match=r"takes \$HOOK_URL from the environment") as raised:
        fill_secrets(BUILT, {"HOOK_URL": ""})
    assert raised.value.exit_code == 2
