"""`mrm-observe import`: files of other tools -> definition modules of this project.

Each file's kind is told from its documents (input_kinds): Sloth and OpenSLO specs become an `slo/` module, Prometheus
rule files and PrometheusRule manifests an `alerts/` module, Grafana dashboards (alone or in a ConfigMap) go to
`import_dashboards`. Imported rules keep what they are: each convention a rule does not follow yet is waived on it
with a reason saying so, so the project's `check` passes from the first build and every such debt is listed by
`lint`. Promtool test files given with `--tests` are copied beside the project's tests with `rule_files` naming the
built rule files. Everything is written in one transaction, or nothing is.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Set
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from . import yaml_input
from .conventions import DEFAULT_SCRAPE_INTERVAL, RuleConventions, rule_file_name
from .definitions import Sourced
from .durations import parse_duration
from .errors import DefinitionError, ObserveError, Problem
from .import_rules import ImportedGroups, module_name, rule_groups, rule_module, waiver_reason
from .importing import Imported
from .input_kinds import DASHBOARD_KINDS, RULE_KINDS, SLO_KINDS, expanded, expected, kind_of
from .lint import findings_by_rule
from .model.rules import RuleGroup
from .pipeline import tested_alerts_in, write_files
from .project import read_settings
from .slo_specs import load_spec, python_source
from .validate import severity_problem, slo_problems, validate_groups
from .yaml_input import YAMLInputError

if TYPE_CHECKING:
    from .grafana_api import GrafanaClient

TESTS_FOLDER = "tests/promtool"
NOT_WAIVED = ("live-",)
"""Checks an import never waives (the live ones need a server and say nothing about the file)."""


class UsageError(ObserveError):
    """The command line asks for something import cannot do (several modules to stdout)."""


@dataclass
class ImportReport:
    """What an import made: modules (and test files) by path relative to the target folder, and the notes."""

    modules: dict[str, Imported] = field(default_factory=dict)
    tests: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    def summary(self) -> str:
        folders = Counter(imported.folder for imported in self.modules.values())
        kinds = ", ".join(f"{count} {folder}" for folder, count in sorted(folders.items()))
        return (f"imported {len(self.modules)} module(s) ({kinds or 'none'}), {len(self.tests)} promtool test "
                f"file(s), {len(self.notes)} note(s)")


def import_files(files: tuple[Path, ...], into: Path | None = None, force: bool = False,
                 tests: tuple[Path, ...] = ()) -> ImportReport:
    """Import every file; with `into`, write the modules into its definition folders and the tests beside its own.

    Raises DefinitionError (every problem, nothing written) for a file that is invalid or of no known kind, and for
    files that exist already unless `force`."""
    conventions = read_settings(into if into is not None else Path.cwd()).conventions
    tested = _tested_alerts(tests)
    report = ImportReport()
    problems: list[Problem] = []
    built_rules: dict[str, str] = {}
    for path in files:
        try:
            imported = import_file(path, conventions, tested)
        except DefinitionError as err:
            problems += err.problems
            continue
        _add_modules(report, path.name, imported, problems)
        for module in imported:
            if module.folder == "alerts":
                built_rules[path.name] = rule_file_name(f"{module.folder}/{module.name}.py")
    for path in tests:
        try:
            rel, content, notes = copied_test(path, built_rules)
        except DefinitionError as err:
            problems += err.problems
            continue
        report.tests[rel] = content
        report.notes += notes
    if problems:
        raise DefinitionError(problems)
    if into is not None:
        _write(report, into, force)
    return report


def module_text(report: ImportReport) -> str:
    """The one module of a single-file import, for stdout."""
    if len(report.modules) != 1:
        raise UsageError(f"the file gives {len(report.modules)} modules ({', '.join(report.modules)}): "
                         "give --into DIR to write them")
    return next(iter(report.modules.values())).source


def import_file(path: Path, conventions: RuleConventions = RuleConventions(),
                tested: Set[str] = frozenset()) -> list[Imported]:
    """The modules one file gives; DefinitionError when it is invalid or none of the kinds import reads."""
    name = path.name
    documents = _documents(path)
    kinds = [kind_of(document) for document in documents]
    if not any(kinds):
        raise DefinitionError([Problem(name, "", "", f"cannot tell what it holds: expected {expected()}")])
    skipped = [f"document {number} ({_described(document)}) is none of the kinds import reads: not imported"
               for number, (document, kind) in enumerate(zip(documents, kinds), 1) if kind is None]
    modules: list[Imported] = []
    if any(kind in SLO_KINDS for kind in kinds):
        modules.append(_slo_module(path))
    if any(kind in RULE_KINDS for kind in kinds):
        modules.append(_rule_module(path, conventions, tested))
    for document, kind in zip(documents, kinds):
        if kind in DASHBOARD_KINDS:
            modules += _dashboard_modules(name, document)
    if skipped and modules:
        modules[0] = Imported(modules[0].folder, modules[0].name, modules[0].source, modules[0].notes + tuple(skipped))
    return modules


def _documents(path: Path) -> list[Any]:
    """The file's documents: JSON for a `.json` file, else YAML (which also reads JSON), Lists expanded."""
    try:
        if path.suffix != ".json":
            return expanded(yaml_input.load_all(path))
        if path.stat().st_size > yaml_input.MAX_BYTES:
            raise YAMLInputError(f"is {path.stat().st_size} bytes; inputs are read up to {yaml_input.MAX_BYTES} bytes")
        return [json.loads(path.read_bytes())]
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DefinitionError([Problem(path.name, "", "", f"is not valid JSON: {err}")]) from None
    except YAMLInputError as err:
        raise DefinitionError([Problem(path.name, "", "", str(err))]) from None


def _described(document: object) -> str:
    if isinstance(document, dict) and document.get("kind"):
        return f"kind {document['kind']!r}"
    return type(document).__name__ if not isinstance(document, dict) else f"keys {', '.join(map(str, document))}"


def _slo_module(path: Path) -> Imported:
    found = load_spec(path, path.name)
    problems = found.problems + slo_problems(found.slos)
    if problems:
        raise DefinitionError(problems)
    return Imported("slo", module_name(path.name), python_source([item.obj for item in found.slos], path.name))


def _rule_module(path: Path, conventions: RuleConventions, tested: Set[str]) -> Imported:
    try:
        documents = yaml_input.load_all(path, as_written=True)
    except YAMLInputError as err:
        raise DefinitionError([Problem(path.name, "", "", str(err))]) from None
    imported = rule_groups(expanded(documents), path.name)
    waived, counts = waive_as_imported(imported.groups, path.name, conventions, tested)
    source = f"alerts/{module_name(path.name)}.py"
    refused = [f"the build will refuse it: {problem}" for problem in validate_groups(
        [Sourced(source, group) for group in waived], conventions=conventions)]
    notes = list(imported.notes) + refused
    if counts:
        notes.append(f"{sum(counts.values())} lint finding(s) waived as imported ("
                     + ", ".join(f"{check} {n}" for check, n in sorted(counts.items())) + "): `mrm-observe lint` "
                     "lists them; follow a convention and remove its waiver")
    rules = sum(len(group.rules) for group in waived)
    notes.insert(0, f"{len(waived)} rule group(s), {rules} rule(s) -> {source}")
    module = rule_module(ImportedGroups(waived, imported.dropped), path.name)
    return Imported("alerts", module_name(path.name), module, tuple(notes))


def waive_as_imported(groups: tuple[RuleGroup, ...], origin: str, conventions: RuleConventions,
                      tested: Set[str]) -> tuple[tuple[RuleGroup, ...], Counter]:
    """The groups with every lint finding (and a severity outside the project's) waived on its rule, as kept from
    `origin`; and how many of each check were waived."""
    reason = waiver_reason(origin)
    counts: Counter = Counter()
    waivers: list[dict[str, str]] = []
    items = [Sourced(origin, group) for group in groups]
    for item, rule, found in findings_by_rule(items, set(tested), parse_duration(DEFAULT_SCRAPE_INTERVAL), conventions):
        checks = [check for check, _, _ in found if not check.startswith(NOT_WAIVED)]
        if severity_problem(item.obj.labels_of(rule), conventions):
            checks.append("severity")
        waivers.append({check: reason for check in dict.fromkeys(checks)})
        counts.update(waivers[-1].keys())
    in_order = iter(waivers)
    waived = tuple(group.model_copy(update={"rules": tuple(
        rule.model_copy(update={"waive": waive}) if (waive := next(in_order)) else rule for rule in group.rules)})
        for group in groups)
    return waived, counts


def _dashboard_modules(name: str, document: Any) -> list[Imported]:
    """Dashboards, through the dashboard importer: a dashboard's JSON, the API's answer, or a ConfigMap (each
    `*.json` entry one module named after it, in the folder of its `grafana_folder` annotation)."""
    from .import_dashboards import import_dashboards  # grafanalib and the compiler only when a file holds dashboards

    return import_dashboards(name, document)


def import_from_grafana(client: GrafanaClient, uids: tuple[str, ...] = (), folder: str | None = None,
                        everything: bool = False, into: Path | None = None, force: bool = False) -> ImportReport:
    """Dashboards read from Grafana (by uid, every one of a folder, or all) as modules; with `into`, written into
    its dashboards/ like imported files (existing modules only with `force`)."""
    from .dashboard_pull import import_pulled
    from .grafana_api import public_url

    report = ImportReport()
    problems: list[Problem] = []
    _add_modules(report, public_url(client.url), import_pulled(client, uids, folder, everything), problems)
    if problems:
        raise DefinitionError(problems)
    if into is not None:
        _write(report, into, force)
    return report


def _add_modules(report: ImportReport, source: str, modules: list[Imported], problems: list[Problem]) -> None:
    """Record one input's modules and notes; two inputs making the same module is a problem."""
    for module in modules:
        rel = f"{module.folder}/{module.name}.py"
        if rel in report.modules:
            problems.append(Problem(source, "", "", f"would be written to {rel}, as another file given "
                                    "would: import them one at a time, or rename one"))
        report.modules[rel] = module
        report.notes += [f"{source}: {note}" for note in module.notes]


def _tested_alerts(tests: list[Path]) -> set[str]:
    """Alerts the given promtool test files show firing (their rules need no `untested` waiver)."""
    tested: set[str] = set()
    for path in tests:
        try:
            data = yaml_input.load(path)
        except YAMLInputError:
            continue  # copied_test reports it
        if isinstance(data, dict):
            tested |= tested_alerts_in(data)
    return tested


def copied_test(path: Path, built_rules: dict[str, str]) -> tuple[str, bytes, list[str]]:
    """A promtool test file as it goes beside the project's tests: its text with each `rule_files` entry that names
    an imported file (by file name) replaced by the built rule file, comments and layout kept; and notes."""
    try:
        text = path.read_bytes().decode("utf-8")
        yaml_input.documents(text.encode())
        items = yaml_input.list_items(text, "rule_files")
    except (UnicodeDecodeError, YAMLInputError) as err:
        raise DefinitionError([Problem(path.name, "", "", f"is not a promtool test file: {err}")]) from None
    if not items:
        raise DefinitionError([Problem(path.name, "", "rule_files", "a promtool test file needs a list of "
                                       "rule_files")])
    notes = []
    for start, end, value in reversed(items):
        built = built_rules.get(PurePosixPath(value).name)
        if built is None:
            notes.append(f"{path.name}: rule_files entry {value!r} is none of the files imported now: kept (the "
                         "build maps it to a module imported from a file of that name, or reports it)")
            continue
        text = text[:start] + built + text[end:]
    return f"{TESTS_FOLDER}/{path.name}", text.encode(), list(reversed(notes))


def _write(report: ImportReport, into: Path, force: bool) -> None:
    """Every module and test file in one transaction; existing files only with `force`."""
    files = {rel: imported.source.encode() for rel, imported in report.modules.items()}
    files.update(report.tests)
    existing = sorted(rel for rel in files if (into / rel).exists())
    if existing and not force:
        raise DefinitionError([Problem((into / rel).as_posix(), "", "", "exists already: give --force to replace "
                                       "it") for rel in existing])
    report.written, _ = write_files(into, files, lambda: [])
