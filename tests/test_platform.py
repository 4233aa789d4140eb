"""The platform's own definitions: properties that hold whatever is defined (runbooks, promtool coverage, the metric
contract), checked on the platform and on a copy with what docs/platform.md adds; then the panels and alerts the
platform must have, and the shape of some expressions."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import promql_parser
import pytest
import yaml

from mrm_observe import promql
from mrm_observe.compile.dashboards import compile_dashboard
from mrm_observe.compile.slo import compile_slo
from mrm_observe.conventions import rule_file_name
from mrm_observe.lint import lint_rules
from mrm_observe.model.rules import AlertRule, RecordingRule
from mrm_observe.project import Project, load
from mrm_observe.validate import uid_of

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK_BASE = "https://github.com/mrm-ai/mrm-observe/blob/main/docs/runbooks.md"
RUNBOOK_PARTS = ("**Meaning.**", "**Impact.**", "**Diagnosis.**", "**Mitigation.**")


# --- a platform: its definitions, tests and docs ----------------------------------------------------------------

@dataclass(frozen=True)
class Platform:
    """The platform's definitions (loaded as `mrm-observe` loads them), promtool tests and docs under a root."""

    root: Path

    @cached_property
    def definitions(self):
        return load(Project.at(self.root))

    def alert_rules(self) -> list[tuple[str, AlertRule]]:
        """(source module, rule) for every alerting rule of alerts/."""
        return [(g.source, r) for g in self.definitions.groups for r in g.obj.rules if isinstance(r, AlertRule)]

    def alert_names(self) -> list[str]:
        return sorted({rule.alert for _, rule in self.alert_rules()})

    @cached_property
    def compiled_dashboards(self) -> dict[str, dict]:
        return {d.obj.title: compile_dashboard(d.obj, uid_of(d)) for d in self.definitions.dashboards}

    @cached_property
    def promtool_cases(self) -> dict[str, list[dict]]:
        """Test file name -> its alert_rule_test entries (each with the test group's name and interval)."""
        cases = {}
        for path in sorted((self.root / "tests" / "promtool").glob("*_test.yaml")):
            data = yaml.safe_load(path.read_text())
            cases[path.name] = [
                {**case, "group": group.get("name", ""), "interval": group.get("interval"),
                 "rule_files": data.get("rule_files", [])}
                for group in data.get("tests", []) for case in group.get("alert_rule_test", [])
            ]
        return cases

    def sections(self, page: str) -> dict[str, str]:
        """`## Heading` -> the section's text, in docs/<page>."""
        parts = re.split(r"^## (.+)$", (self.root / "docs" / page).read_text(), flags=re.M)
        return {heading.strip(): body for heading, body in zip(parts[1::2], parts[2::2])}


PLATFORM = Platform(ROOT)


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


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a markdown heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def contract_metrics(root: Path) -> set[str]:
    """Metric names in docs/platform.md's contract table (backticked names in its Metric column, `_suffix` expanded)."""
    text = (root / "docs" / "platform.md").read_text()
    table = text.split("**Assumed metric contract.**", 1)[1]
    names: set[str] = set()
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 4 or not cells[1].startswith("`"):
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


# --- properties of whatever is defined: each check lists what breaks it --------------------------------------------

def dashboards_have_titles_of_their_own_and_described_panels(p: Platform) -> list[str]:
    titles = [d.obj.title for d in p.definitions.dashboards]
    return [f"two dashboards are titled {t!r}" for t in sorted({t for t in titles if titles.count(t) > 1})] + [
        f"{t}: panel {panel.get('title')!r} has no description" for t, d in p.compiled_dashboards.items()
        for panel in d["panels"] if panel.get("type") != "row" and not panel.get("description")]


def rules_follow_every_lint_convention_without_waivers(p: Platform) -> list[str]:
    tested = {case["alertname"] for cases in p.promtool_cases.values() for case in cases}
    return [str(f) for f in lint_rules(p.definitions.groups, tested, scrape_interval=30.0)]


def every_alert_links_to_its_own_runbook_section(p: Platform) -> list[str]:
    sections, found = p.sections("runbooks.md"), []
    for _, rule in p.alert_rules():
        base, _, anchor = (rule.runbook_url or "").partition("#")
        body = sections.get(rule.alert)
        if base != RUNBOOK_BASE or anchor != github_anchor(rule.alert):
            found.append(f"{rule.alert}: runbook_url {rule.runbook_url!r} is not {RUNBOOK_BASE}#{github_anchor(rule.alert)}")
        if body is None:
            found.append(f"docs/runbooks.md has no '## {rule.alert}' section")
        elif missing := [part for part in RUNBOOK_PARTS if part not in body]:
            found.append(f"runbook section {rule.alert} lacks {missing}")
    return found


def every_runbook_section_belongs_to_an_alert(p: Platform) -> list[str]:
    return [f"docs/runbooks.md: '## {s}' is no alert's" for s in sorted(set(p.sections("runbooks.md")) - set(p.alert_names()))]


def alerts_sharing_a_name_share_their_annotations(p: Platform) -> list[str]:
    by_name = defaultdict(set)
    for _, rule in p.alert_rules():
        by_name[rule.alert].add((rule.summary, rule.description, rule.runbook_url))
    return [f"{name}: {len(v)} different annotation sets" for name, v in sorted(by_name.items()) if len(v) > 1]


def every_alert_severity_has_a_firing_case_in_its_module_test_file(p: Platform) -> list[str]:
    found = []
    for source, name, severity in sorted({(src, r.alert, r.severity) for src, r in p.alert_rules()}):
        test_file = Path(source).stem + "_test.yaml"
        cases = [c for c in p.promtool_cases.get(test_file, []) if c["alertname"] == name]
        fired = {a["exp_labels"].get("severity") for c in cases for a in c.get("exp_alerts") or []}
        if not cases:
            found.append(f"tests/promtool/{test_file} has no case for {name}")
        elif not all(rule_file_name(source) in c["rule_files"] for c in cases):
            found.append(f"tests/promtool/{test_file}: a case for {name} does not load {rule_file_name(source)}")
        elif severity not in fired:
            found.append(f"no case where {name} fires with severity {severity}")
    return found


def every_alert_has_a_case_where_it_must_not_fire(p: Platform) -> list[str]:
    quiet = {c["alertname"] for cases in p.promtool_cases.values() for c in cases if not c.get("exp_alerts")}
    return [f"no promtool case asserts that {name} stays quiet" for name in p.alert_names() if name not in quiet]


def every_promtool_test_group_sets_its_interval(p: Platform) -> list[str]:
    return [f"{f}: test group {c['group']!r} sets no interval" for f, cases in p.promtool_cases.items()
            for c in cases if not c["interval"]]


def there_is_one_promtool_test_file_per_alerts_module(p: Platform) -> list[str]:
    modules = {Path(source).stem for source, _ in p.alert_rules()}
    files = {Path(f).name.removesuffix("_test.yaml") for f in p.promtool_cases}
    return [f"alerts/{m}.py has no tests/promtool/{m}_test.yaml" for m in sorted(modules - files)] + [
        f"tests/promtool/{f}_test.yaml tests no alerts module" for f in sorted(files - modules)]


def every_metric_the_definitions_query_is_in_the_contract(p: Platform) -> list[str]:
    used: set[str] = set()
    for dashboard in p.compiled_dashboards.values():
        for panel in dashboard["panels"]:
            for sub in [panel, *panel.get("panels", [])]:
                for expr in exprs_of(sub):
                    used |= metric_names(expr)
        for var in dashboard["templating"]["list"]:
            selector = re.fullmatch(r"label_values\((.+), \w+\)", var.get("query", ""))
            if selector:
                used |= metric_names(selector.group(1))
    rules = [r for g in p.definitions.groups for r in g.obj.rules]
    slo_rules = [r for item in p.definitions.slos for g in compile_slo(item.obj) for r in g.rules]
    for rule in rules + slo_rules:
        used |= metric_names(rule.expr)
    recorded = {r.record for r in rules + slo_rules if isinstance(r, RecordingRule)}
    return [f"{name} is not in docs/platform.md's contract" for name in sorted(used - recorded - contract_metrics(p.root))]


def every_slo_alert_links_to_its_runbook_section(p: Platform) -> list[str]:
    sections, found = p.sections("runbooks-slo.md"), []
    for item in p.definitions.slos:
        slo = item.obj
        if slo.alert_name not in sections:
            found.append(f"docs/runbooks-slo.md has no '## {slo.alert_name}' section")
        if not (slo.alerting.runbook_url or "").endswith(f"runbooks-slo.md#{github_anchor(slo.alert_name)}"):
            found.append(f"{slo.id}: runbook_url {slo.alerting.runbook_url!r} is not its runbooks-slo.md section")
    return found


CHECKS = [dashboards_have_titles_of_their_own_and_described_panels, rules_follow_every_lint_convention_without_waivers,
          every_alert_links_to_its_own_runbook_section, every_runbook_section_belongs_to_an_alert,
          alerts_sharing_a_name_share_their_annotations, every_alert_severity_has_a_firing_case_in_its_module_test_file,
          every_alert_has_a_case_where_it_must_not_fire, every_promtool_test_group_sets_its_interval,
          there_is_one_promtool_test_file_per_alerts_module, every_metric_the_definitions_query_is_in_the_contract,
          every_slo_alert_links_to_its_runbook_section]


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_platform(check):
    assert check(PLATFORM) == []


@cache
def with_additions(root: Path) -> Platform:
    """The platform copy docs/platform.md added to (one Platform, so its definitions load once)."""
    return Platform(root)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_adding_what_docs_platform_md_shows_keeps_every_check(check, ran_page):
    """The section 'Adding a dashboard, an alert or an SLO' ran on a copy of the platform (check and test passed)."""
    assert check(with_additions(ran_page("docs/platform.md").root)) == []


def test_the_checks_saw_the_additions_and_catch_what_they_would_miss(ran_page, tmp_path):
    added = with_additions(ran_page("docs/platform.md").root)
    assert "MRM / Search" in added.compiled_dashboards and "SearchIndexLagging" in added.alert_names()
    assert "search-availability" in {item.obj.id for item in added.definitions.slos}
    assert "search_index_lag_seconds" in contract_metrics(added.root)
    bare = Platform(tmp_path)  # the same additions without their runbook sections and contract row
    for name in ("dashboards", "alerts", "slo", "tests", "pyproject.toml"):
        source = added.root / name
        (tmp_path / name).symlink_to(source, target_is_directory=source.is_dir())
    (tmp_path / "docs").mkdir()
    for page in ("runbooks.md", "runbooks-slo.md", "platform.md"):
        (tmp_path / "docs" / page).write_text((ROOT / "docs" / page).read_text())
    assert every_alert_links_to_its_own_runbook_section(bare) == ["docs/runbooks.md has no '## SearchIndexLagging' section"]
    assert every_slo_alert_links_to_its_runbook_section(bare) == [
        "docs/runbooks-slo.md has no '## SearchAvailabilityBurnRate' section"]
    assert every_metric_the_definitions_query_is_in_the_contract(bare) == [
        "search_index_lag_seconds is not in docs/platform.md's contract"]


# --- what the platform must have ---------------------------------------------------------------------------------

def rule_named(name: str) -> AlertRule:
    return next(rule for _, rule in PLATFORM.alert_rules() if rule.alert == name)


def panels_of(title: str) -> dict[str, dict]:
    out = {}
    for panel in PLATFORM.compiled_dashboards[title]["panels"]:
        for p in [panel, *panel.get("panels", [])]:
            out[p["title"]] = p
    return out


REQUIRED_ALERTS = ["HighErrorRate", "HighLatency", "PodCrashLooping", "HpaAtMaxReplicas", "QueueBacklogGrowing",
                   "PostgresReplicationLag", "RedisMemoryNearLimit", "ClickHouseDown", "PostgresWalArchivingStale",
                   "BackupStale"]


def test_the_alerts_the_issue_asks_for_exist():
    assert set(REQUIRED_ALERTS) <= set(PLATFORM.alert_names())


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
    dashboard = PLATFORM.compiled_dashboards["MRM / Application"]
    assert {"service", "route"} <= {v["name"] for v in dashboard["templating"]["list"]}
    api = [e for p in panels_of("MRM / Application").values() for e in exprs_of(p) if "http_request" in e]
    assert api and all('service=~"$service"' in e and 'route=~"$route"' in e for e in api)


def test_per_route_panels_group_by_route():
    for title in ("Request rate per route", "Error ratio per route (4xx / 5xx)", "Latency p95 per route"):
        assert all("route" in re.search(r"by \(([^)]*)\)", e).group(1) for e in exprs_of(panels_of("MRM / Application")[title]))


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
    source = next(r for g in PLATFORM.definitions.groups for r in g.obj.rules
                  if isinstance(r, RecordingRule) and r.record == recorded)
    assert metric_names(source.expr) == {"http_request_duration_seconds_bucket"}
    assert "le" in re.search(r"by \(([^)]*)\)", source.expr).group(1)


def test_replication_lag_pages_before_the_fifteen_minute_rpo():
    rules = [r for _, r in PLATFORM.alert_rules() if r.alert == "PostgresReplicationLag"]
    critical = next(r for r in rules if r.severity == "critical")
    threshold = promql.parse(critical.expr).ast.rhs.val
    for_seconds = int(critical.for_.rstrip("m")) * 60
    assert threshold + for_seconds < 15 * 60
