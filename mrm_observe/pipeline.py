"""The only module that knows the order of the steps: define -> validate (project.py) -> compile -> render -> write
-> promtool."""
from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar


from . import amtool as amtool_mod
from . import promtool as promtool_mod
from . import route_checks, route_tests, yaml_input
from .amtool import AMTOOL, Amtool
from .compile.alertmanager import alertmanager_config, environment_names, files_read
from .compile.dashboards import compile_dashboard
from .compile.rules import rule_file
from .compile.slo import compile_slo
from .compile.slo_dashboards import slo_dashboard
from .compile.slo_tests import slo_test_file
from .conventions import (ALERTMANAGER_CONFIG, ALERTMANAGER_DIR, ALERTMANAGER_TEMPLATES, GRAFANA_DIR, MANIFEST,
                          PROMETHEUS_DIR, ROUTES_TABLE, SLO_FOLDER, TEST_FILE_SUFFIX, TESTS_DIR, generated_header,
                          generated_template_header, rule_file_name, slo_rule_file_name, slo_test_file_name)
from .dashboard_schema import schema_errors
from .definitions import Definitions, Sourced
from .errors import CheckFailed, DefinitionError, OutputError, Problem, ToolMissingError
from .external_tool import FileResult
from .lint import Finding, lint_rules
from .notification_templates import SOURCE as TEMPLATES_SOURCE
from .notification_templates import templates as shipped_templates
from .promtool import Promtool
from .render import to_json, to_yaml
from .routing_tree import tree
from .transaction import FileTransaction, recover
from .yaml_input import YAMLInputError
from .project import Project, load
from .validate import Locator, uid_of


@dataclass(frozen=True)
class DashboardMeta:
    """A built dashboard: where it is defined, its uid and title, and the Grafana folder path it goes in."""

    kind: ClassVar[str] = "dashboard"
    source: str
    uid: str
    title: str
    folder: tuple[str, ...]
    panels: int


@dataclass(frozen=True)
class RulesMeta:
    """A built rule file: its groups and rules, and the SLO it was compiled from, if any."""

    kind: ClassVar[str] = "rules"
    source: str
    groups: int
    rules: int
    slo: str | None = None


@dataclass(frozen=True)
class TestMeta:
    """A staged promtool test file: the alerts it shows firing, and the SLO it was generated for, if any."""

    kind: ClassVar[str] = "test"
    source: str
    alerts: tuple[str, ...]
    slo: str | None = None


@dataclass(frozen=True)
class AlertmanagerMeta:
    """The built Alertmanager config: its receivers and routes, the environment variables its placeholders name
    (filled in when publishing) and the files it makes Alertmanager read (secrets, CAs, keys)."""

    kind: ClassVar[str] = "alertmanager"
    source: str
    receivers: int
    routes: int
    environment: tuple[str, ...]
    files: tuple[str, ...]


@dataclass(frozen=True)
class TemplateMeta:
    """A notification template file the config loads."""

    kind: ClassVar[str] = "template"
    source: str


@dataclass(frozen=True)
class RoutesMeta:
    """The table of where every alert goes (routes.json)."""

    kind: ClassVar[str] = "routes"
    source: str
    alerts: int


ArtifactMeta = DashboardMeta | RulesMeta | TestMeta | AlertmanagerMeta | TemplateMeta | RoutesMeta


def manifest_entry(meta: ArtifactMeta) -> dict[str, Any]:
    """What manifest.json records about one file: its kind and every field that is set."""
    return {"kind": meta.kind, **{k: v for k, v in asdict(meta).items() if v is not None}}


@dataclass(frozen=True)
class Artifact:
    """One output file: its bytes and what the manifest says about it."""

    content: bytes
    meta: ArtifactMeta


@dataclass
class BuildReport:
    """What a build produced and changed."""

    artifacts: dict[str, Artifact]
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    definitions: Definitions | None = None
    route_tests: list[route_tests.RouteTestFile] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for a in self.artifacts.values() if a.meta.kind == kind)

    @property
    def rule_groups(self) -> int:
        return sum(a.meta.groups for a in self.artifacts.values() if isinstance(a.meta, RulesMeta))

    @property
    def rules(self) -> int:
        return sum(a.meta.rules for a in self.artifacts.values() if isinstance(a.meta, RulesMeta))

    @property
    def alertmanager(self) -> AlertmanagerMeta | None:
        """The built Alertmanager config's metadata, if the project defines one."""
        return next((a.meta for a in self.artifacts.values() if isinstance(a.meta, AlertmanagerMeta)), None)

    def dashboards(self) -> list[tuple[DashboardMeta, bytes]]:
        """Every built dashboard's metadata and JSON bytes."""
        return [(a.meta, a.content) for a in self.artifacts.values() if isinstance(a.meta, DashboardMeta)]


def compile_all(project: Project, defs: Definitions) -> dict[str, Artifact]:
    """Every output file's bytes keyed by its path under the build folder (pure apart from reading tests)."""
    artifacts: dict[str, Artifact] = {}
    problems: list[Problem] = []
    artifacts.update(_dashboard_artifacts(defs, problems))
    artifacts.update(_rule_artifacts(defs, project.owner))
    artifacts.update(_slo_artifacts(defs, project.owner, problems))
    artifacts.update(_test_artifacts(project, artifacts, problems))
    artifacts.update(_alertmanager_artifacts(defs, project.owner))
    if problems:
        raise DefinitionError(problems)
    return dict(sorted(artifacts.items()))


def _dashboard_artifacts(defs: Definitions, problems: list[Problem]) -> dict[str, Artifact]:
    out = {}
    for item in defs.dashboards:
        uid = uid_of(item)
        data = compile_dashboard(item.obj, uid)
        for path, message in schema_errors(data):
            problems.append(Problem(item.source, f"dashboard {item.obj.title!r}", path,
                                    f"breaks Grafana's dashboard schema: {message}"))
        out[f"{GRAFANA_DIR}/{uid}.json"] = Artifact(to_json(data), DashboardMeta(
            item.source, uid, data.get("title", ""), tuple(item.folder), len(data["panels"])))
    return out


def _rule_artifacts(defs: Definitions, owner: str) -> dict[str, Artifact]:
    by_file: dict[str, list] = {}
    sources: dict[str, str] = {}
    for item in defs.groups:
        name = rule_file_name(item.source)
        by_file.setdefault(name, []).append(item.obj)
        sources[name] = item.source
    out = {}
    for name, groups in by_file.items():
        out[f"{PROMETHEUS_DIR}/{name}"] = Artifact(
            to_yaml(rule_file(groups), generated_header(sources[name], owner)),
            RulesMeta(sources[name], len(groups), sum(len(g.rules) for g in groups)))
    return out


def _slo_artifacts(defs: Definitions, owner: str, problems: list[Problem]) -> dict[str, Artifact]:
    """Per SLO a rule file and a generated promtool test file; per service an SLO dashboard."""
    out: dict[str, Artifact] = {}
    by_service: dict[str, list] = {}
    for item in defs.slos:
        slo, header = item.obj, generated_header(item.source, owner)
        groups = compile_slo(slo)
        rules = slo_rule_file_name(slo.id)
        out[f"{PROMETHEUS_DIR}/{rules}"] = Artifact(to_yaml(rule_file(groups), header), RulesMeta(
            item.source, len(groups), sum(len(g.rules) for g in groups), slo=slo.id))
        try:
            test = slo_test_file(slo, f"../{PROMETHEUS_DIR}/{rules}")
        except ValueError as err:
            problems.append(Problem(item.source, f"slo {slo.id!r}", "windows", f"cannot generate its tests: {err}"))
            continue
        out[f"{TESTS_DIR}/{slo_test_file_name(slo.id)}"] = Artifact(
            to_yaml(test, header, share_strings=True),
            TestMeta(item.source, tuple(sorted(tested_alerts_in(test))), slo=slo.id))
        by_service.setdefault(slo.service, []).append(item)
    for service, items in sorted(by_service.items()):
        dashboard = slo_dashboard(service, [i.obj for i in items])
        out.update(_dashboard_artifacts(Definitions(dashboards=[Sourced(items[0].source, dashboard, SLO_FOLDER)]),
                                        problems))
    return out


def _alertmanager_artifacts(defs: Definitions, owner: str) -> dict[str, Artifact]:
    """The Alertmanager config, the notification templates it loads and the table of where every alert goes."""
    if not defs.alertmanagers:
        return {}
    item = defs.alertmanagers[0]
    config = alertmanager_config(item.obj, [f"{ALERTMANAGER_TEMPLATES}/*.tmpl"])
    meta = AlertmanagerMeta(item.source, len(item.obj.receivers), sum(1 for _ in tree(item.obj.route).walk()),
                            tuple(environment_names(config)), tuple(files_read(config)))
    routes = route_checks.alert_routes(defs)
    out = {ALERTMANAGER_CONFIG: Artifact(to_yaml(config, generated_header(item.source, owner)), meta),
           ROUTES_TABLE: Artifact(to_json(route_checks.routes_table(defs, routes)),
                                  RoutesMeta(item.source, len(routes)))}
    for name, text in shipped_templates().items():
        source = f"{TEMPLATES_SOURCE}/{name}"
        out[f"{ALERTMANAGER_DIR}/{ALERTMANAGER_TEMPLATES}/{name}"] = Artifact(
            (generated_template_header(source, owner) + text).encode(), TemplateMeta(source))
    return out


def slo_rule_groups(defs: Definitions) -> list[Sourced]:
    """The compiled rule groups of every valid SLO, tagged with its source (for lint)."""
    return [Sourced(item.source, group) for item in defs.slos for group in compile_slo(item.obj)]


def _test_artifacts(project: Project, built: dict[str, Artifact], problems: list[Problem]) -> dict[str, Artifact]:
    """Hand-written promtool tests, staged beside the build with `rule_files` pointing at built rule files."""
    out = {}
    if not project.tests.is_dir():
        return out
    for path in sorted(project.tests.glob(f"*{TEST_FILE_SUFFIX}")):
        source = _shown(path, project)
        try:
            data = yaml_input.load(path)
        except YAMLInputError as err:
            problems.append(Problem(source, "", "", str(err)))
            continue
        if not isinstance(data, dict) or not isinstance(data.get("rule_files"), list):
            problems.append(Problem(source, "", "rule_files", "a promtool test file needs a list of rule_files"))
            continue
        if project.partial and not any(f"{PROMETHEUS_DIR}/{entry}" in built for entry in data["rule_files"]):
            continue  # it tests rules outside the chosen sources
        staged = []
        for entry in data["rule_files"]:
            if f"{PROMETHEUS_DIR}/{entry}" not in built:
                known = ", ".join(sorted(k.split("/", 1)[1] for k in built if k.startswith(PROMETHEUS_DIR)))
                problems.append(Problem(source, "", "rule_files", f"{entry!r} is not a built rule file (built: {known})"))
            staged.append(f"../{PROMETHEUS_DIR}/{entry}")
        data["rule_files"] = staged
        out[f"{TESTS_DIR}/{path.name}"] = Artifact(
            to_yaml(data, generated_header(source, project.owner)), TestMeta(source, tuple(sorted(tested_alerts_in(data)))))
    return out


def tested_alerts_in(test_file: dict[str, Any]) -> set[str]:
    """Alert names a promtool test file shows firing (a case that only expects silence does not count)."""
    return {case.get("alertname") for test in test_file.get("tests") or []
            for case in test.get("alert_rule_test") or [] if case.get("alertname") and case.get("exp_alerts")}


def build(project: Project, locate: Locator | None = None) -> BuildReport:
    """Validate and compile everything, then write atomically and remove stale outputs; nothing is written on error."""
    defs = load(project, locate)
    artifacts = compile_all(project, defs)
    report = BuildReport(artifacts, definitions=defs, route_tests=_route_tests(project, defs))
    manifest = {"generated_by": "mrm-observe", "files": {rel: manifest_entry(a.meta) for rel, a in artifacts.items()}}
    files = {**{rel: artifact.content for rel, artifact in artifacts.items()}, MANIFEST: to_json(manifest)}
    written, report.removed = write_files(project.out, files,
                                          lambda: sorted(set(_read_manifest(project.out)) - set(artifacts)))
    report.written = [rel for rel in written if rel != MANIFEST]
    return report


def _route_tests(project: Project, defs: Definitions) -> list[route_tests.RouteTestFile]:
    """The hand-written route tests, checked against the receivers (skipped when the sources were chosen by hand
    and leave out the Alertmanager definition); raise DefinitionError with every problem."""
    folder = project.route_tests
    paths = sorted(folder.glob("*.yaml")) if folder is not None and folder.is_dir() else []
    if not paths or (project.partial and not defs.alertmanagers):
        return []
    if not defs.alertmanagers:
        raise DefinitionError([Problem(_shown(path, project), "", "", "route tests need an Alertmanager definition: "
                                       "define `alertmanager = Alertmanager(...)` in a module under alertmanager/")
                               for path in paths])
    receivers = {r.name for r in defs.alertmanagers[0].obj.receivers}
    files, problems = [], []
    for path in paths:
        loaded, found = route_tests.load(path, _shown(path, project), receivers)
        problems += found
        files += [loaded] if loaded else []
    if problems:
        raise DefinitionError(problems)
    return files


def _shown(path: Path, project: Project) -> str:
    return path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) else str(path)


def write_files(folder: Path, files: dict[str, bytes], stale: Callable[[], Iterable[str]]) -> tuple[list[str], list[str]]:
    """Write `files` (paths relative to folder) and remove the `stale` ones as one transaction.

    `stale` is asked after an interrupted earlier run was undone. Returns (written, removed); an OSError becomes
    an OutputError naming the path, with nothing in the folder changed.
    """
    try:
        with FileTransaction(folder) as change:
            recover(folder)
            for rel, content in files.items():
                change.write(Path(rel), content)
            for rel in stale():
                change.remove(Path(rel))
            change.apply()
            change.commit()
    except OSError as err:
        raise OutputError(f"{err.filename or folder}: cannot write the build: {err.strerror or err}; "
                          f"nothing in {folder} was changed") from None
    return ([p.relative_to(folder).as_posix() for p in change.written],
            [p.relative_to(folder).as_posix() for p in change.removed])


def _read_manifest(out: Path) -> dict[str, Any]:
    """The files an earlier build generated (only relative paths inside `out`; anything else is ignored)."""
    path = out / MANIFEST
    if not path.is_file():
        return {}
    try:
        files = json.loads(path.read_text()).get("files", {})
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return {}
    inside = out.resolve()
    return {rel: meta for rel, meta in files.items()
            if isinstance(rel, str) and (out / rel).resolve().is_relative_to(inside) and (out / rel).resolve() != inside}


def files_of(report: BuildReport, out: Path, kind: str) -> list[Path]:
    """Built files of one kind ('dashboard', 'rules', 'test', 'alertmanager', 'template', 'routes')."""
    return [out / rel for rel, a in report.artifacts.items() if a.meta.kind == kind]


AmtoolFinder = Callable[[], Amtool]
"""Finds amtool when a step needs it (raising ToolMissingError): a project without routing needs no amtool."""


def _no_amtool() -> Amtool:
    raise ToolMissingError(AMTOOL.install_hint())


@dataclass
class CheckReport:
    """Build plus promtool's verdict on every rule file, amtool's on the Alertmanager config, plus lint."""

    build: BuildReport
    rule_checks: list[FileResult]
    findings: list[Finding]
    config_checks: list[FileResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rule_checks + self.config_checks) and not self.failing_findings

    @property
    def failing_findings(self) -> list[Finding]:
        return [f for f in self.findings if not f.waived]


def lint(project: Project, report: BuildReport, scrape_interval: float) -> list[Finding]:
    """Convention findings on all rule groups (alerts count as tested when a staged test names them) and, with an
    Alertmanager definition, where every alert goes."""
    tested = {alert for artifact in report.artifacts.values() if isinstance(artifact.meta, TestMeta)
              for alert in artifact.meta.alerts}
    defs = report.definitions
    assert defs is not None
    return (lint_rules(defs.groups + slo_rule_groups(defs), tested, scrape_interval)
            + route_checks.route_findings(defs, route_checks.alert_routes(defs)))


def check(project: Project, tool: Promtool, scrape_interval: float, locate: Locator | None = None,
          amtool: AmtoolFinder = _no_amtool) -> CheckReport:
    """Build, `promtool check rules` every rule file, `amtool check-config` the Alertmanager config, and lint."""
    report = build(project, locate)
    results = promtool_mod.check_rules(tool, files_of(report, project.out, "rules"), project.out)
    configs = [amtool_mod.check_config(amtool(), path) for path in files_of(report, project.out, "alertmanager")]
    return CheckReport(report, results, lint(project, report, scrape_interval), configs)


@dataclass
class TestReport:
    """Per-file promtool test results and per-file route test results."""

    build: BuildReport
    results: list[FileResult]
    route_results: list[FileResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        everything = self.results + self.route_results
        return bool(everything) and all(r.ok for r in everything)


def run_tests(project: Project, tool: Promtool, patterns: tuple[str, ...] = (),
              locate: Locator | None = None, amtool: AmtoolFinder = _no_amtool) -> TestReport:
    """Build, then `promtool test rules` on the staged test files and `amtool config routes test` on the route
    test files whose names match any pattern."""
    report = build(project, locate)

    def chosen(name: str) -> bool:
        return not patterns or any(fnmatch.fnmatch(name, pat) or pat in name for pat in patterns)

    files = [p for p in files_of(report, project.out, "test") if chosen(p.name)]
    routes = [f for f in report.route_tests if chosen(Path(f.source).name)]
    if patterns and not files and not routes:
        raise CheckFailed(f"no promtool or route test file matches {', '.join(patterns)}")
    results = promtool_mod.test_rules(tool, files, project.out / TESTS_DIR)
    route_results = route_tests.run(amtool(), project.out / ALERTMANAGER_CONFIG, routes, project.root) if routes else []
    return TestReport(report, results, route_results)
