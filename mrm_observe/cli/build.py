"""`mrm-observe build`, `check`, `lint` and `test`: the local loop, from definitions to promtool's verdict."""
from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from .. import pipeline
from .. import project as project_mod
from ..errors import DefinitionError, ExitCode, ObserveError, Problem
from ..external_tool import FileResult
from ..lint import Finding
from .common import (amtool, busy, handle_errors, locator, make_project, note, project_options, project_path,
                     promtool, scrape_option, seconds, summary_line)
from .servers import ServerOptions, server_options

json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print one JSON document (per file and per finding) instead of text.")
_LINE = re.compile(r"^(.*):(\d+)$")


@click.command()
@project_options
@click.option("--allow-empty", is_flag=True, help="Succeed when no definition is found (else exit 1, nothing written).")
@json_option
@handle_errors
def build(sources: tuple[Path, ...], out: Path | None, tests: Path | None, allow_empty: bool, as_json: bool) -> None:
    """Validate definitions and write dashboard JSON and rule files into the build folder."""
    project = make_project(sources, out, tests)
    with _json_errors("build", project, as_json):
        report = pipeline.build(project, locator(), require_definitions=not allow_empty)
    if as_json:
        _print_json(_document("build", project, report))
        return
    _print_skipped(report.skipped_tests)
    click.echo(summary_line(report))
    click.echo(f"wrote {len(report.written)} changed file(s), removed {len(report.removed)} stale file(s) "
               f"in {project.out}")


def _print_skipped(skipped: list[pipeline.SkippedTest]) -> None:
    """Every YAML file under the tests folder that is not run, with the reason (stderr)."""
    for item in skipped:
        click.echo(f"skip {item}", err=True)


@click.command()
@project_options
@scrape_option
@json_option
@handle_errors
def check(sources: tuple[Path, ...], out: Path | None, tests: Path | None, scrape_interval: str,
          as_json: bool) -> None:
    """Build, run `promtool check rules` on every rule file and `amtool check-config` on the Alertmanager config,
    and lint."""
    project = make_project(sources, out, tests)
    interval = seconds(scrape_interval, "--scrape-interval")
    with _json_errors("check", project, as_json):
        tool = promtool()
        with busy("building and running promtool check rules"):
            result = pipeline.check(project, tool, interval, project_mod.promtool_locator(tool), amtool)
    if as_json:
        _print_json(_document("check", project, result.build, ok=result.ok,
                              rule_checks=_files(result.rule_checks, project),
                              config_checks=_files(result.config_checks, project),
                              findings=[_finding(f) for f in result.findings], promtool_notes=result.notes))
        sys.exit(ExitCode.OK if result.ok else ExitCode.INVALID)
    checks = (("promtool check rules", result.rule_checks), ("amtool check-config", result.config_checks))
    for command, results in checks:
        for res in results:
            click.echo(f"{'ok  ' if res.ok else 'FAIL'} {command} {project_path(res.file, project)}")
            if not res.ok:
                click.echo(res.output, err=True)
    for text in result.notes:
        note(text)
    _print_skipped(result.build.skipped_tests)
    _print_findings(result.findings)
    click.echo(summary_line(result.build))
    if not result.ok:
        sys.exit(ExitCode.INVALID)


@click.command()
@project_options
@scrape_option
@click.option("--show-waived", is_flag=True, help="Also list each waived finding with its reason.")
@server_options("prometheus")
@json_option
@handle_errors
def lint(sources: tuple[Path, ...], out: Path | None, tests: Path | None, scrape_interval: str, show_waived: bool,
         prometheus: ServerOptions, as_json: bool) -> None:
    """Check rule conventions (names, severity, annotations, for, windows, test coverage, secrets) and where every
    alert goes; with --prometheus-url, also against a live server (series, counters, scrape and evaluation
    intervals)."""
    project = make_project(sources, out, tests)
    interval = seconds(scrape_interval, "--scrape-interval")
    settings = prometheus.settings() if prometheus.url else None
    with _json_errors("lint", project, as_json):
        report = pipeline.build(project, locator())
        findings = pipeline.lint(project, report, interval)
        live = None
        if settings is not None:
            from .. import pipeline_lint  # the HTTP stack, only when there is a server to ask

            live = pipeline_lint.live_lint(report, settings)
            findings = findings + live.findings
    failing = any(not f.waived for f in findings)
    if as_json:
        _print_json(_document("lint", project, report, ok=not failing, findings=[_finding(f) for f in findings],
                              notes=[_finding(n) for n in live.notes] if live else [],
                              live=None if live is None else {
                                  "server": live.server, "selectors": live.selectors, "requests": live.requests,
                                  "skipped_recorded": live.skipped_recorded, "skipped_absent": live.skipped_absent}))
    elif live is None:
        _print_findings(findings, show_waived=show_waived)
    else:
        _print_findings(findings, live.notes, f"lint: live checks against {live.server}: {live.selectors} "
                        f"selector(s) asked ({live.skipped_recorded} recorded by this project's rules and "
                        f"{live.skipped_absent} only in absent() not asked), {live.requests} request(s) in "
                        f"{live.seconds:.2f}s", show_waived)
    if failing:
        sys.exit(ExitCode.INVALID)


@click.command("test")
@project_options
@json_option
@click.argument("patterns", nargs=-1)
@handle_errors
def test(sources: tuple[Path, ...], out: Path | None, tests: Path | None, patterns: tuple[str, ...],
         as_json: bool) -> None:
    """Build, then run `promtool test rules` on the promtool tests and `amtool config routes test` on the route
    tests whose file names match PATTERNS."""
    project = make_project(sources, out, tests)
    with _json_errors("test", project, as_json):
        tool = promtool()
        with busy("building and running promtool and route tests"):
            result = pipeline.run_tests(project, tool, patterns, project_mod.promtool_locator(tool), amtool)
    if as_json:
        _print_json(_document("test", project, result.build, ok=result.ok, tests=_files(result.results, project),
                              route_tests=_files(result.route_results, project), skipped=result.skipped))
        sys.exit(ExitCode.OK if result.ok else ExitCode.INVALID)
    for res in result.results + result.route_results:
        click.echo(f"{'ok  ' if res.ok else 'FAIL'} {project_path(res.file, project)}")
        if not res.ok:
            click.echo(res.output, err=True)
    for item in result.skipped:
        click.echo(f"skip {item}")
    line = f"{summary_line(result.build)}; promtool tests: {_tally(result.results)}, {len(result.skipped)} skipped"
    if result.route_results:
        line += f"; route tests: {_tally(result.route_results)}"
    click.echo(line)
    if not result.ok:
        sys.exit(ExitCode.INVALID)


def _tally(results: list[FileResult]) -> str:
    passed = sum(r.ok for r in results)
    return f"{passed} passed, {len(results) - passed} failed"


def _print_findings(findings: list[Finding], notes: list[Finding] | None = None, live: str | None = None,
                    show_waived: bool = False) -> None:
    """Failing findings and notes (what a live check could not tell; not with --quiet) on stderr, waived findings
    with their reasons on stdout when asked; the summary on stdout."""
    waived = [f for f in findings if f.waived]
    for finding in findings:
        if not finding.waived:
            click.echo(f"lint: {finding}", err=True)
        elif show_waived:
            click.echo(f"lint: {finding}")
    for item in notes or []:
        note(str(item), by="lint: ")
    if live is not None:
        click.echo(f"{live}, {len(notes or [])} note(s)")
    failing = len(findings) - len(waived)
    click.echo(f"lint: {failing} finding(s), {len(waived)} waived")


KEYS = {"build": (), "check": ("rule_checks", "config_checks", "findings", "promtool_notes"),
        "lint": ("findings", "notes", "live"), "test": ("tests", "route_tests")}
"""The keys each command's JSON document has besides those every one has (see _document)."""


def _document(command: str, project: project_mod.Project, report: pipeline.BuildReport | None, ok: bool = True,
              error: str | None = None, problems: list[Problem] | None = None, **extra: Any) -> dict[str, Any]:
    """A command's JSON document: always the same keys (None or empty when the run did not get that far)."""
    written = set(report.written) if report else set()
    return {
        "command": command, "ok": ok and error is None and not problems, "out": project_path(str(project.out), project),
        "summary": None if report is None else {
            "dashboards": report.count("dashboard"), "rule_groups": report.rule_groups, "rules": report.rules,
            "tests": report.count("test"), "written": len(report.written), "removed": len(report.removed)},
        "files": [] if report is None else [
            {"path": rel, "kind": a.meta.kind, "source": a.meta.source, "written": rel in written}
            for rel, a in report.artifacts.items()],
        "removed": list(report.removed) if report else [],
        "skipped": [{"source": t.source, "reason": t.reason}
                    for t in extra.get("skipped", report.skipped_tests if report else [])],
        "problems": [_problem(p) for p in problems or []], "error": error,
        **{key: extra.get(key, [] if key != "live" else None) for key in KEYS[command]},
    }


def _problem(problem: Problem) -> dict[str, Any]:
    """A problem's parts; `file` without the `:line` that Problem.file may end with, which goes to `line`."""
    match = _LINE.match(problem.file)
    return {"file": match.group(1) if match else problem.file, "line": int(match.group(2)) if match else None,
            "object": problem.obj, "field": problem.field, "message": problem.message}


def _finding(finding: Finding) -> dict[str, Any]:
    return {"check": finding.check, **_problem(finding.problem), "waived": finding.waived}


def _files(results: list[FileResult], project: project_mod.Project) -> list[dict[str, Any]]:
    return [{"file": project_path(r.file, project), "ok": r.ok, "output": r.output} for r in results]


def _print_json(document: dict[str, Any]) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@contextlib.contextmanager
def _json_errors(command: str, project: project_mod.Project, as_json: bool) -> Iterator[None]:
    """With --json, an error still ends in the command's document (then the usual error lines on stderr)."""
    try:
        yield
    except DefinitionError as err:
        if as_json:
            _print_json(_document(command, project, None, problems=err.problems))
        raise
    except ObserveError as err:
        if as_json:
            _print_json(_document(command, project, None, error=str(err)))
        raise


COMMANDS = (build, check, lint, test)
