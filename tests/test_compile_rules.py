from mrm_observe import AlertRule, RecordingRule, RuleGroup
from mrm_observe.compile.rules import rule_file


def test_alert_fields_fold_into_labels_and_annotations_sorted():
    rule = AlertRule(alert="A", expr="up == 0", for_="5m", keep_firing_for="2m", severity="warning",
                     summary="s", description="d", runbook_url="u", labels={"team": "x"}, annotations={"z": "1"})
    (compiled,) = rule_file([RuleGroup(name="g", rules=(rule,))])["groups"][0]["rules"]
    assert list(compiled) == ["alert", "expr", "for", "keep_firing_for", "labels", "annotations"]
    assert compiled["labels"] == {"severity": "warning", "team": "x"}
    assert list(compiled["annotations"]) == ["description", "runbook_url", "summary", "z"]


def test_rule_order_is_kept_because_later_rules_read_earlier_recordings():
    rules = (RecordingRule(record="b:x:sum", expr="sum(x)"), RecordingRule(record="a:x:max", expr="max(x)"))
    compiled = rule_file([RuleGroup(name="g", interval="30s", rules=rules)])
    assert [r["record"] for r in compiled["groups"][0]["rules"]] == ["b:x:sum", "a:x:max"]
    assert compiled["groups"][0]["interval"] == "30s"


def test_optional_fields_are_left_out_rather_than_null():
    compiled = rule_file([RuleGroup(name="g", rules=(AlertRule(alert="A", expr="up == 0"),))])
    assert compiled == {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0"}]}]}


def test_numbers_and_booleans_become_the_text_prometheus_reads_from_yaml():
    rule = AlertRule(alert="A", expr="up == 0", severity=1, labels={"code": 500, "paging": True, "off": False},
                     annotations={"ratio": 0.5})
    (compiled,) = rule_file([RuleGroup(name="g", labels={"tier": 2}, rules=(rule,))])["groups"]
    assert compiled["labels"] == {"tier": "2"}
    assert compiled["rules"][0]["labels"] == {"code": "500", "off": "false", "paging": "true", "severity": "1"}
    assert compiled["rules"][0]["annotations"] == {"ratio": "0.5"}


def test_group_query_offset_limit_and_labels_in_prometheus_order():
    group = RuleGroup(name="g", interval="1m", query_offset="30s", limit=0, labels={"team": "a", "env": "b"},
                      rules=(RecordingRule(record="job:x:sum", expr="sum(x)"),))
    (compiled,) = rule_file([group])["groups"]
    assert list(compiled) == ["name", "interval", "query_offset", "limit", "labels", "rules"]
    assert compiled["limit"] == 0 and list(compiled["labels"]) == ["env", "team"]
    assert group.labels_of(AlertRule(alert="A", expr="up", severity="info", labels={"team": "z"})) == \
        {"team": "z", "env": "b", "severity": "info"}
