"""The platform's own definitions: runbooks, promtool coverage, the panels the issue asks for, the metric contract,
and the shape of the HighErrorRate expression."""
from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import promql_parser
import pytest
import yaml

from mrm_observe import promql
from mrm_observe.compile.dashboards import compile_dashboard
from mrm_observe.conventions import rule_file_name
from mrm_observe.discover import discover
from mrm_observe.lint import lint_rules
from mrm_observe.model.rules import AlertRule, RecordingRule
from mrm_observe.validate import uid_of, validate

ROOT = Path(__file__).resolve().parent.parent
RUNBOOKS = ROOT / "docs" / "runbooks.md"
PROMTOOL_TESTS = ROOT / "tests" / "promtool"
RUNBOOK_BASE = "https://github.com/mrm-ai/mrm-observe/blob/main/docs/runbooks.md"
RUNBOOK_PARTS = ("**Meaning.**", "**Impact.**", "**Diagnosis.**", "**Mitigation.**")


# --- loading -------------------------------------------------------------------------------------------------

@cache
def definitions():
    return discover([ROOT / "alerts", ROOT / "dashboards"], ROOT)


def alert_rules() -> list[tuple[str, AlertRule]]:
    """(source module, rule) for every alerting rule."""
    return [(g.source, r) for g in definitions().groups for r in g.obj.rules if isinstance(r, AlertRule)]


def alert_names() -> list[str]:
    return sorted({rule.alert for _, rule in alert_rules()})


def rule_named(name: str) -> AlertRule:
    return next(rule for _, rule in alert_rules() if rule.alert == name)


@cache
def compiled_dashboards() -> dict[str, dict]:
    return {d.obj.title: compile_dashboard(d.obj, uid_of(d)) for d in definitions().dashboards}


def panels_of(title: str) -> dict[str, dict]:
    out = {}
    for panel in compiled_dashboards()[title]["panels"]:
        for p in [panel, *panel.get("panels", [])]:
            out[p["title"]] = p
    return out


def exprs_of(panel: dict) -> list[str]:
    return [t["expr"] for t in panel.get("targets", [])]


def metric_names(expr: str) -> set[str]:
    """Metric names selected by a PromQL (or Grafana panel) expression, from its syntax tree."""
    found: set[str] = set()

    def visit(node: object) -> bool:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            found.add(node.name)
        return True

    promql_parser.walk(promql.parse(promql.from_grafana(expr)).ast, visit)
    return found


@cache
def promtool_cases() -> dict[str, list[dict]]:
    """Test file name -> its alert_rule_test entries (each with the test group's name and interval)."""
    cases = {}
    for path in sorted(PROMTOOL_TESTS.glob("*_test.yaml")):
        data = yaml.safe_load(path.read_text())
        cases[path.name] = [
            {**case, "group": group.get("name", ""), "interval": group.get("interval"),
             "rule_files": data.get("rule_files", [])}
            for group in data.get("tests", []) for case in group.get("alert_rule_test", [])
        ]
    return cases


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a markdown heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def runbook_sections() -> dict[str, str]:
    """`## Heading` -> the section's text."""
    parts = re.split(r"^## (.+)$", RUNBOOKS.read_text(), flags=re.M)
    return {heading.strip(): body for heading, body in zip(parts[1::2], parts[2::2])}


# --- the definitions load cleanly ----------------------------------------------------------------------------

def test_platform_definitions_load_and_validate_without_problems():
    defs = definitions()
    assert validate(defs) == []
    assert sorted(compiled_dashboards()) == ["MRM / Application", "MRM / Business", "MRM / Infrastructure"]


def test_platform_rules_follow_every_lint_convention_without_waivers():
    tested = {case["alertname"] for cases in promtool_cases().values() for case in cases}
    findings = lint_rules(definitions().groups, tested, scrape_interval=30.0)
    assert [str(f) for f in findings] == []


REQUIRED_ALERTS = ["HighErrorRate", "HighLatency", "PodCrashLooping", "HpaAtMaxReplicas", "QueueBacklogGrowing",
                   "PostgresReplicationLag", "RedisMemoryNearLimit", "ClickHouseDown", "PostgresWalArchivingStale",
                   "BackupStale"]


def test_the_alerts_the_issue_asks_for_exist():
    assert set(REQUIRED_ALERTS) <= set(alert_names())


# --- runbooks ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", alert_names())
def test_alert_links_to_its_own_runbook_section(name):
    sections = runbook_sections()
    url = rule_named(name).runbook_url
    base, _, anchor = url.partition("#")
    assert base == RUNBOOK_BASE
    assert name in sections, f"docs/runbooks.md has no '## {name}' section"
    assert github_anchor(name) == anchor
    body = sections[name]
    missing = [part for part in RUNBOOK_PARTS if part not in body]
    assert missing == [], f"runbook section {name} lacks {missing}"


def test_every_runbook_section_belongs_to_an_alert():
    assert sorted(runbook_sections()) == alert_names()


def test_alerts_sharing_a_name_share_their_annotations():
    by_name = defaultdict(set)
    for _, rule in alert_rules():
        by_name[rule.alert].add((rule.summary, rule.description, rule.runbook_url))
    assert {name: len(v) for name, v in by_name.items() if len(v) > 1} == {}


# --- promtool coverage ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, name, severity",
                         sorted({(src, r.alert, r.severity) for src, r in alert_rules()}))
def test_every_alert_severity_has_a_firing_case_in_its_module_test_file(source, name, severity):
    test_file = Path(source).stem + "_test.yaml"
    cases = [c for c in promtool_cases().get(test_file, []) if c["alertname"] == name]
    assert cases, f"tests/promtool/{test_file} has no case for {name}"
    assert all(rule_file_name(source) in c["rule_files"] for c in cases)
    fired = {a["exp_labels"].get("severity") for c in cases for a in c.get("exp_alerts") or []}
    assert severity in fired, f"no case where {name} fires with severity {severity}"


@pytest.mark.parametrize("name", alert_names())
def test_every_alert_has_a_case_where_it_must_not_fire(name):
    quiet = [c for cases in promtool_cases().values() for c in cases
             if c["alertname"] == name and not c.get("exp_alerts")]
    assert quiet, f"no promtool case asserts that {name} stays quiet"


def test_every_promtool_test_group_sets_its_interval():
    missing = [(f, c["group"]) for f, cases in promtool_cases().items() for c in cases if not c["interval"]]
    assert missing == []


def test_there_is_one_promtool_test_file_per_alerts_module():
    modules = {Path(source).stem for source, _ in alert_rules()}
    assert {Path(f).name.removesuffix("_test.yaml") for f in promtool_cases()} == modules


# --- dashboards ----------------------------------------------------------------------------------------------

# (dashboard, panel title, metrics its queries must select)
REQUIRED_PANELS = [
    ("MRM / Application", "Request rate per service", {"http_requests_total"}),
    ("MRM / Application", "Request rate per route", {"http_requests_total"}),
    ("MRM / Application", "Latency p50 / p95 / p99 per service", {"http_request_duration_seconds_bucket"}),
    ("MRM / Application", "Latency p95 per route", {"http_request_duration_seconds_bucket"}),
    ("MRM / Application", "Error ratio per service (4xx / 5xx)", {"http_requests_total"}),
    ("MRM / Application", "Error ratio per route (4xx / 5xx)", {"http_requests_total"}),
    ("MRM / Application", "Active connections per service", {"http_active_connections"}),
    ("MRM / Infrastructure", "Node CPU utilisation", {"node_cpu_seconds_total"}),
    ("MRM / Infrastructure", "Node memory utilisation", {"node_memory_MemAvailable_bytes"}),
    ("MRM / Infrastructure", "Pod CPU usage", {"container_cpu_usage_seconds_total"}),
    ("MRM / Infrastructure", "Pod memory working set", {"container_memory_working_set_bytes"}),
    ("MRM / Infrastructure", "Disk I/O", {"node_disk_read_bytes_total", "node_disk_written_bytes_total"}),
    ("MRM / Infrastructure", "Network I/O", {"node_network_receive_bytes_total", "node_network_transmit_bytes_total"}),
    ("MRM / Infrastructure", "Pod restarts (1h)", {"kube_pod_container_status_restarts_total"}),
    ("MRM / Infrastructure", "HPA replicas vs min / max", {
        "kube_horizontalpodautoscaler_status_current_replicas", "kube_horizontalpodautoscaler_spec_min_replicas",
        "kube_horizontalpodautoscaler_spec_max_replicas"}),
    ("MRM / Infrastructure", "PostgreSQL connections by state", {"pg_stat_activity_count"}),
    ("MRM / Infrastructure", "PostgreSQL replication lag", {"pg_replication_lag_seconds"}),
    ("MRM / Infrastructure", "Redis memory used vs max", {"redis_memory_used_bytes", "redis_memory_max_bytes"}),
    ("MRM / Infrastructure", "Redis evictions", {"redis_evicted_keys_total"}),
    ("MRM / Infrastructure", "ClickHouse queries per second", {"ClickHouseProfileEvents_Query"}),
    ("MRM / Business", "Active users", {"mrm_active_users"}),
    ("MRM / Business", "Projects created per day", {"mrm_projects_created_total"}),
    ("MRM / Business", "Reports generated per hour", {"mrm_reports_generated_total"}),
    ("MRM / Business", "API calls per minute", {"http_requests_total"}),
    ("MRM / Business", "Queue backlog (waiting jobs)", {"bull_queue_waiting"}),
    ("MRM / Business", "Job failures per queue", {"bull_queue_failed"}),
]


@pytest.mark.parametrize("dashboard, title, metrics", REQUIRED_PANELS, ids=[f"{d}: {t}" for d, t, _ in REQUIRED_PANELS])
def test_dashboard_has_the_panel_and_it_queries_the_documented_metrics(dashboard, title, metrics):
    panels = panels_of(dashboard)
    assert title in panels, f"{dashboard} has no panel {title!r}"
    used = set().union(*(metric_names(e) for e in exprs_of(panels[title])))
    assert metrics <= used
    assert panels[title].get("description"), f"{title!r} has no description"


def test_latency_panels_show_p50_p95_and_p99():
    exprs = exprs_of(panels_of("MRM / Application")["Latency p50 / p95 / p99 per service"])
    assert sorted(re.match(r"histogram_quantile\(([\d.]+),", e).group(1) for e in exprs) == ["0.5", "0.95", "0.99"]


@pytest.mark.parametrize("title", ["Error ratio per service (4xx / 5xx)", "Error ratio per route (4xx / 5xx)"])
def test_error_panels_split_4xx_from_5xx(title):
    exprs = exprs_of(panels_of("MRM / Application")[title])
    assert [bool(re.search(rf'status=~"{c}\.\."', e)) for c in "45" for e in exprs] == [True, False, False, True]


def test_application_queries_follow_the_service_and_route_variables():
    dashboard = compiled_dashboards()["MRM / Application"]
    assert {"service", "route"} <= {v["name"] for v in dashboard["templating"]["list"]}
    api = [e for p in panels_of("MRM / Application").values() for e in exprs_of(p) if "http_request" in e]
    assert api and all('service=~"$service"' in e and 'route=~"$route"' in e for e in api)


def test_per_route_panels_group_by_route():
    for title in ("Request rate per route", "Error ratio per route (4xx / 5xx)", "Latency p95 per route"):
        assert all("route" in re.search(r"by \(([^)]*)\)", e).group(1) for e in exprs_of(panels_of("MRM / Application")[title]))


def contract_metrics() -> set[str]:
    """Metric names in docs/platform.md's contract table (backticked names in its Metric column, `_suffix` expanded)."""
    text = (ROOT / "docs" / "platform.md").read_text()
    table = text.split("**Assumed metric contract.**", 1)[1]
    names: set[str] = set()
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not cells[1].startswith("`"):
            continue
        previous = ""
        for name in re.findall(r"`([A-Za-z_:][\w:]*)`", cells[1]):
            if name.startswith("_"):  # `_spec_min_replicas` after a full name shares its prefix
                prefix = re.match(r"(.+?)_(?:status|spec)_", previous)
                if not prefix:
                    continue  # a suffix mentioned in prose, e.g. "no `_total` suffix"
                name = prefix.group(1) + name
            names.add(name)
            previous = name
    return names


def test_every_metric_the_definitions_query_is_in_the_readme_contract():
    used: set[str] = set()
    for dashboard in compiled_dashboards().values():
        for panel in dashboard["panels"]:
            for expr in exprs_of(panel):
                used |= metric_names(expr)
        for var in dashboard["templating"]["list"]:
            selector = re.fullmatch(r"label_values\((.+), \w+\)", var.get("query", ""))
            if selector:
                used |= metric_names(selector.group(1))
    for group in definitions().groups:
        for rule in group.obj.rules:
            used |= metric_names(rule.expr)
    recorded = {r.record for g in definitions().groups for r in g.obj.rules if isinstance(r, RecordingRule)}
    assert sorted(used - recorded - contract_metrics()) == []


# --- expression shapes ---------------------------------------------------------------------------------------

def _aggregates(node, metric: str) -> bool:
    """An aggregation (sum, ...) over an expression that selects `metric`."""
    return isinstance(node, promql_parser.AggregateExpr) and metric in metric_names(str(node.expr))


def _matchers(node) -> dict[str, str]:
    found = {}

    def visit(n):
        if isinstance(n, promql_parser.VectorSelector):
            found.update({m.name: m.value for m in n.matchers.matchers})
        return True

    promql_parser.walk(node, visit)
    return found


def is_ratio_above(expr: str, metric: str, threshold: float) -> bool:
    """`sum(metric{bad}) / sum(metric) > threshold`: a ratio of two aggregations, compared with the threshold."""
    ast = promql.parse(expr).ast
    if not (isinstance(ast, promql_parser.BinaryExpr) and str(ast.op).strip() == ">"):
        return False
    ratio, bound = ast.lhs, ast.rhs
    if isinstance(ratio, promql_parser.ParenExpr):
        ratio = ratio.expr
    return (isinstance(bound, promql_parser.NumberLiteral) and bound.val == threshold
            and isinstance(ratio, promql_parser.BinaryExpr) and str(ratio.op).strip() == "/"
            and _aggregates(ratio.lhs, metric) and _aggregates(ratio.rhs, metric))


def test_high_error_rate_is_a_5xx_ratio_of_sums_compared_with_five_percent():
    expr = rule_named("HighErrorRate").expr
    assert is_ratio_above(expr, "http_requests_total", 0.05)
    ratio = promql.parse(expr).ast.lhs
    assert _matchers(ratio.lhs).get("status") == "5.."
    assert "status" not in _matchers(ratio.rhs)


@pytest.mark.parametrize("expr", [
    'rate(http_requests_total{status=~"5.."}[5m]) > 0.05',
    'sum(rate(http_requests_total{status=~"5.."}[5m])) > 0.05',
    'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 5',
], ids=["a bare rate", "an aggregated rate", "a ratio compared with 5 instead of 0.05"])
def test_the_ratio_check_rejects_the_wrong_forms(expr):
    assert not is_ratio_above(expr, "http_requests_total", 0.05)


def test_high_latency_takes_p95_of_the_request_duration_histogram_against_one_second():
    ast = promql.parse(rule_named("HighLatency").expr).ast
    assert str(ast.op).strip() == ">" and ast.rhs.val == 1.0
    assert isinstance(ast.lhs, promql_parser.Call) and ast.lhs.func.name == "histogram_quantile"
    assert ast.lhs.args[0].val == 0.95
    (recorded,) = metric_names(str(ast.lhs.args[1]))
    source = next(r for g in definitions().groups for r in g.obj.rules
                  if isinstance(r, RecordingRule) and r.record == recorded)
    assert metric_names(source.expr) == {"http_request_duration_seconds_bucket"}
    assert "le" in re.search(r"by \(([^)]*)\)", source.expr).group(1)


def test_replication_lag_pages_before_the_fifteen_minute_rpo():
    rules = [r for _, r in alert_rules() if r.alert == "PostgresReplicationLag"]
    critical = next(r for r in rules if r.severity == "critical")
    threshold = promql.parse(critical.expr).ast.rhs.val
    for_seconds = int(critical.for_.rstrip("m")) * 60
    assert threshold + for_seconds < 15 * 60


def test_every_platform_slo_alert_links_to_its_runbook_section():
    from mrm_observe.project import Project, load
    sections = {line[3:].strip() for line in (ROOT / "docs" / "runbooks-slo.md").read_text().splitlines()
                if line.startswith("## ")}
    slos = [item.obj for item in load(Project.at(ROOT, (ROOT / "slo",))).slos]
    assert slos
    for slo in slos:
        name = slo.alerting.name
        assert name in sections, f"docs/runbooks-slo.md has no '## {name}' section"
        assert slo.alerting.runbook_url.endswith(f"runbooks-slo.md#{name.lower()}")
