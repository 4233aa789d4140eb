"""The only module that knows the order of the steps: define -> validate (project.py) -> compile -> render -> write
-> promtool."""
from __future__ import annotations

import fnmatch
import json
import logging
import posixpath
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
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
from .conventions import (ALERTMANAGER_CONFIG, ALERTMANAGER_DIR, ALERTMANAGER_TEMPLATES, DEFINITION_DIRS, GRAFANA_DIR,
                          MANIFEST, ORIGIN_VARIABLE, PROMETHEUS_DIR, ROUTES_TABLE, SLO_FOLDER, TEST_FILE_SUFFIX,
                          TESTS_DIR,
                          generated_header, generated_template_header, rule_file_name, slo_rule_file_name,
                          slo_test_file_name)
from .dashboard_schema import schema_errors
from .definitions import Definitions, Sourced
from .discover import display_path
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

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class SkippedTest:
    """A YAML file under the tests folder that is not run, and why."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


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
    skipped_tests: list[SkippedTest] = field(default_factory=list)

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


def compile_all(project: Project, defs: Definitions) -> tuple[dict[str, Artifact], list[SkippedTest]]:
    """Every output file's bytes keyed by its path under the build folder (pure apart from reading tests), and the
    YAML files under the tests folder that are not staged, with the reason."""
    artifacts: dict[str, Artifact] = {}
    problems: list[Problem] = []
    skipped: list[SkippedTest] = []
    artifacts.update(_dashboard_artifacts(defs, problems))
    artifacts.update(_rule_artifacts(defs, project.owner))
    artifacts.update(_slo_artifacts(defs, project.owner, problems))
    artifacts.update(_test_artifacts(project, defs, artifacts, problems, skipped))
    artifacts.update(_alertmanager_artifacts(defs, project.owner))
    if problems:
        raise DefinitionError(problems)
    return dict(sorted(artifacts.items())), skipped


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


TEST_SUFFIXES = (".yaml", ".yml")
TEST_KEYS = ("rule_files", "tests")
"""A YAML file under the tests folder holding either key is a promtool test file, whatever its name."""


def _test_artifacts(project: Project, defs: Definitions, built: dict[str, Artifact], problems: list[Problem],
                    skipped: list[SkippedTest]) -> dict[str, Artifact]:
    """Hand-written promtool tests, staged beside the build with `rule_files` pointing at built rule files.

    Every YAML file under the tests folder (subfolders too) is staged or added to `skipped` with the reason: it is
    not a promtool test file, or sources were chosen by hand and it tests rule files not built from them. A
    `rule_files` entry names a built rule file, or the file a rule module was imported from (`imported_from`).
    """
    out: dict[str, Artifact] = {}
    if not project.tests.is_dir():
        return out
    originals = _originals(defs)
    for path in sorted(p for p in project.tests.rglob("*") if p.suffix in TEST_SUFFIXES and p.is_file()):
        source = _shown(path, project)
        named = path.name.endswith(TEST_FILE_SUFFIX)
        try:
            data = yaml_input.load(path)
        except YAMLInputError as err:
            if named:
                problems.append(Problem(source, "", "", str(err)))
            else:
                skipped.append(SkippedTest(source, f"not a promtool test file: it {err}"))
            continue
        if not named and not (isinstance(data, dict) and any(key in data for key in TEST_KEYS)):
            skipped.append(SkippedTest(source, "not a promtool test file: it has neither rule_files nor tests"))
            continue
        if not isinstance(data, dict) or not isinstance(data.get("rule_files"), list):
            problems.append(Problem(source, "", "rule_files", "a promtool test file needs a list of rule_files"))
            continue
        targets = {str(entry): _built_rule_file(str(entry), built, originals) for entry in data["rule_files"]}
        missing = {entry: why for entry, (target, why) in targets.items() if target is None}
        if missing and project.partial:
            skipped.append(SkippedTest(source, f"it tests {', '.join(map(repr, missing))}, not built from the sources "
                                               "chosen with --source"))
            continue
        problems += [Problem(source, "", "rule_files", why) for why in missing.values()]
        problems += series_problems(source, data)
        rel = path.relative_to(project.tests)
        data["rule_files"] = [f"{'../' * len(rel.parts)}{PROMETHEUS_DIR}/{target}"
                              for target, _ in targets.values() if target]
        out[f"{TESTS_DIR}/{rel.as_posix()}"] = Artifact(
            to_yaml(data, generated_header(source, project.owner)), TestMeta(source, tuple(sorted(tested_alerts_in(data)))))
    return out


def series_problems(source: str, test_file: dict[str, Any]) -> list[Problem]:
    """Test groups whose input series promtool would read differently from what was meant, found before running
    (promtool's only sign is a bare `got:[]`): no `interval:` (promtool then steps the values by
    evaluation_interval, older versions not at all), and `values` that YAML read as a number (unquoted `0x10` is
    hexadecimal 16, and the staged copy says 16)."""
    tests = test_file.get("tests")
    found = []
    for i, test in enumerate(tests if isinstance(tests, list) else []):
        series = test.get("input_series") if isinstance(test, dict) else None
        if not series:
            continue
        if not test.get("interval"):
            found.append(Problem(source, f"tests[{i}]", "interval", "is missing: give the step between input_series "
                                 "values, e.g. `interval: 1m` (without it promtool steps them by evaluation_interval, "
                                 "older versions not at all, and reports only `got:[]`)"))
        for j, item in enumerate(series if isinstance(series, list) else []):
            values = item.get("values") if isinstance(item, dict) else None
            if isinstance(values, (int, float)) and not isinstance(values, bool):
                found.append(Problem(source, f"tests[{i}].input_series[{j}]", "values", f"YAML read these values as "
                                     f"the number {values!r} (unquoted 0x10 is hexadecimal 16): quote them, e.g. "
                                     f"values: '0x10'"))
    return found


def _originals(defs: Definitions) -> dict[str, list[str]]:
    """File name an imported rule module was made from -> the built rule file(s) of the modules naming it."""
    built: dict[str, list[str]] = {}
    for item in defs.origins:
        built.setdefault(item.obj, []).append(rule_file_name(item.source))
    return built


def _built_rule_file(entry: str, built: dict[str, Artifact], originals: dict[str, list[str]]) -> tuple[str | None, str]:
    """(the built rule file a test's `rule_files` entry means, "") or (None, why it means none): a built file's name
    (also at the end of a path), or the name of a file one rule module was imported from."""
    name = PurePosixPath(entry).name
    for candidate in (entry, name):
        if f"{PROMETHEUS_DIR}/{candidate}" in built:
            return candidate, ""
    made = originals.get(name, [])
    if len(made) > 1:
        return None, (f"{entry!r} was imported into several modules ({', '.join(made)}): name the built rule file "
                      "instead")
    if made and f"{PROMETHEUS_DIR}/{made[0]}" in built:
        return made[0], ""
    known = ", ".join(sorted(k.split("/", 1)[1] for k in built if k.startswith(PROMETHEUS_DIR)))
    return None, (f"{entry!r} is not a built rule file (built: {known}) nor a file a rule module was imported from "
                  f"(its `{ORIGIN_VARIABLE}`)")


def tested_alerts_in(test_file: dict[str, Any]) -> set[str]:
    """Alert names a promtool test file shows firing (a case that only expects silence does not count)."""
    return {case.get("alertname") for test in test_file.get("tests") or []
            for case in test.get("alert_rule_test") or [] if case.get("alertname") and case.get("exp_alerts")}


def compile_project(project: Project, locate: Locator | None = None,
                    require_definitions: bool = False) -> BuildReport:
    """Validate and compile everything in memory (nothing is written): what a build would write; with
    `require_definitions`, a DefinitionError when no definition was found."""
    defs = load(project, locate)
    log.info("loaded %d dashboard(s), %d rule group(s), %d SLO(s) from %s", len(defs.dashboards), len(defs.groups),
             len(defs.slos), ", ".join(_shown(p, project) for p in project.sources) or "no sources")
    if require_definitions and not (defs.dashboards or defs.groups or defs.slos or defs.alertmanagers):
        raise DefinitionError([nothing_found(project)])
    artifacts, skipped = compile_all(project, defs)
    log.info("compiled %d file(s)", len(artifacts))
    return BuildReport(artifacts, definitions=defs, route_tests=_route_tests(project, defs), skipped_tests=skipped)


def build(project: Project, locate: Locator | None = None, require_definitions: bool = False) -> BuildReport:
    """Validate and compile everything, then write atomically and remove stale outputs; nothing is written on error,
    nor, with `require_definitions`, when no definition was found."""
    report = compile_project(project, locate, require_definitions)
    artifacts = report.artifacts
    manifest = {"generated_by": "mrm-observe", "files": {rel: manifest_entry(a.meta) for rel, a in artifacts.items()}}
    files = {**{rel: artifact.content for rel, artifact in artifacts.items()}, MANIFEST: to_json(manifest)}
    written, report.removed = write_files(project.out, files,
                                          lambda: sorted(set(_read_manifest(project.out)) - set(artifacts)))
    report.written = [rel for rel in written if rel != MANIFEST]
    for rel in report.written:
        log.info("wrote %s", rel)
    for rel in report.removed:
        log.info("removed stale %s", rel)
    log.info("%d file(s) in %s left as they were", len(artifacts) - len(report.written), _shown(project.out, project))
    return report


def nothing_found(project: Project) -> Problem:
    """Where a build looked and found no definition, and what to do about it."""
    if project.sources:
        where = ", ".join(display_path(s, project.root) + ("/" if s.is_dir() else "") for s in project.sources)
        return Problem(where, "", "", "no definitions found: add a module that sets `dashboards`, `groups`, `slos` or "
                                      "`alertmanager`, or pass --allow-empty to build nothing")
    looked = ", ".join(f"{d}/" for d in DEFINITION_DIRS)
    return Problem(project.root.as_posix(), "", "", f"no definitions found: none of {looked} exists here; run from "
                                                    "the project's folder, pass --source, or pass --allow-empty to "
                                                    "build nothing")


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
    notes: list[str] = field(default_factory=list)
    """What promtool could not check, and why."""

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
    groups = defs.groups + slo_rule_groups(defs)
    findings = lint_rules(groups, tested, scrape_interval, project.conventions)
    log.info("lint: %d rule(s) in %d group(s) checked: %d finding(s), %d waived", sum(len(g.obj.rules) for g in groups),
             len(groups), sum(not f.waived for f in findings), sum(bool(f.waived) for f in findings))
    return findings + route_checks.route_findings(defs, route_checks.alert_routes(defs))


def check(project: Project, tool: Promtool, scrape_interval: float, locate: Locator | None = None,
          amtool: AmtoolFinder = _no_amtool) -> CheckReport:
    """Build, `promtool check rules` every rule file, `amtool check-config` the Alertmanager config, and lint."""
    report = build(project, locate)
    results, notes = check_rule_files(tool, report, project.out)
    _log_promtool("check rules", project, results)
    configs = [amtool_mod.check_config(amtool(), path) for path in files_of(report, project.out, "alertmanager")]
    return CheckReport(report, results, lint(project, report, scrape_interval), configs, notes)


def check_rule_files(tool: Promtool, report: BuildReport, out: Path) -> tuple[list[FileResult], list[str]]:
    """`promtool check rules` on every built rule file, and notes on what it could not check. A file whose groups
    use fields this promtool predates (promtool_mod.GROUP_FIELDS_SINCE) is checked as such a promtool can read it
    (readable_without: group labels folded into the rules, query_offset left out; mrm-observe validated both)."""
    version, older = _for_older_promtool(tool, report, out)
    copies: dict[str, str] = {}
    notes = []
    with tempfile.TemporaryDirectory() as scratch:
        files = []
        for rel in (rel for rel, artifact in report.artifacts.items() if artifact.meta.kind == "rules"):
            if rel not in older:
                files.append(out / rel)
                continue
            data, changed = older[rel]
            copy = Path(scratch) / rel
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(to_yaml(data))
            files.append(copy)
            copies[str(copy)] = str(out / rel)
            notes.append(f"{rel}: checked without {_fields(changed)}: promtool {version} does not read them "
                         "(mrm-observe validated them)")
        results = promtool_mod.check_rules(tool, files, out)
    return [FileResult(copies[r.file], r.ok, r.output.replace(r.file, copies[r.file])) if r.file in copies else r
            for r in results], notes


def _for_older_promtool(tool: Promtool, report: BuildReport,
                        out: Path) -> tuple[str, dict[str, tuple[dict, list[tuple[str, str]]]]]:
    """promtool's version, and the built rule files (paths under the build folder) using group fields it predates,
    each as that promtool can read it, with the (group, field) pairs changed."""
    using = {rel: artifact.content for rel, artifact in report.artifacts.items() if artifact.meta.kind == "rules"
             and any(f"\n  {name}:".encode() in artifact.content for name in promtool_mod.GROUP_FIELDS_SINCE)}
    if not using:  # a group's own keys are indented by two spaces in a built file: none has these
        return "", {}
    known = promtool_mod.version(tool, out)
    unknown = promtool_mod.unknown_group_fields(known)
    older = {}
    for rel, content in using.items():
        data = yaml_input.loads(content)
        changed = promtool_mod.readable_without(data, unknown)
        if changed:
            older[rel] = (data, changed)
    return ".".join(map(str, known or ())), older


def _fields(changed: list[tuple[str, str]]) -> str:
    return ", ".join(f"{field} of group {group!r}" for group, field in changed)


def _log_promtool(what: str, project: Project, results: list[FileResult]) -> None:
    for result in results:
        log.info("promtool %s %s: %s", what, _shown(Path(result.file), project), "ok" if result.ok else "FAILED")


@dataclass
class TestReport:
    """Per-file promtool test results and per-file route test results, and the test files not run with the reason."""

    build: BuildReport
    results: list[FileResult]
    route_results: list[FileResult] = field(default_factory=list)
    skipped: list[SkippedTest] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        everything = self.results + self.route_results
        return bool(everything) and all(r.ok for r in everything)


def run_tests(project: Project, tool: Promtool, patterns: tuple[str, ...] = (),
              locate: Locator | None = None, amtool: AmtoolFinder = _no_amtool) -> TestReport:
    """Build, then `promtool test rules` on the staged test files and `amtool config routes test` on the route
    test files whose names match any pattern; a test of a rule file that this promtool cannot read (a group field
    newer than it) is skipped with the reason."""
    report = build(project, locate)

    def matches(name: str) -> bool:
        return not patterns or any(fnmatch.fnmatch(name, pat) or pat in name for pat in patterns)

    chosen = [(rel, a) for rel, a in report.artifacts.items() if a.meta.kind == "test" and matches(Path(rel).name)]
    routes = [f for f in report.route_tests if matches(Path(f.source).name)]
    if patterns and not chosen and not routes:
        raise CheckFailed(f"no promtool or route test file matches {', '.join(patterns)}")
    version, older = _for_older_promtool(tool, report, project.out)
    files, skipped = [], list(report.skipped_tests)
    for rel, artifact in chosen:
        unread = [f for f in _tested_rule_files(rel, artifact.content) if f in older] if older else []
        if not unread:
            files.append(project.out / rel)
            continue
        changed = [pair for f in unread for pair in older[f][1]]
        since = max(promtool_mod.GROUP_FIELDS_SINCE[name] for _, name in changed)
        skipped.append(SkippedTest(artifact.meta.source, f"its rule files use {_fields(changed)}, which promtool "
                                   f"{version} does not read: run it with promtool {'.'.join(map(str, since))} "
                                   "or later"))
    results = promtool_mod.test_rules(tool, files, project.out / TESTS_DIR)
    _log_promtool("test rules", project, results)
    route_results = route_tests.run(amtool(), project.out / ALERTMANAGER_CONFIG, routes, project.root) if routes else []
    return TestReport(report, results, route_results, skipped)


def _tested_rule_files(rel: str, content: bytes) -> list[str]:
    """The rule files (paths under the build folder) a staged test file at `rel` names."""
    data = yaml_input.loads(content)
    return [posixpath.normpath(posixpath.join(posixpath.dirname(rel), entry)) for entry in data.get("rule_files", [])]
