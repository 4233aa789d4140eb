"""`mrm-observe build`, `check`, `lint` and `test`: the local loop, from definitions to promtool's verdict."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import pipeline
from .. import project as project_mod
from ..errors import ExitCode
from ..external_tool import FileResult
from ..lint import Finding
from .common import (amtool, busy, handle_errors, locator, make_project, project_options, project_path, promtool,
                     scrape_option, seconds)
from .servers import ServerOptions, server_options


@click.command()
@project_options
@handle_errors
def build(sources: tuple[Path, ...], out: Path | None, tests: Path | None) -> None:
    """Validate definitions and write dashboard JSON and rule files into the build folder."""
    project = make_project(sources, out, tests)
    report = pipeline.build(project, locator())
    _print_skipped(report.skipped_tests)
    click.echo(summary_line(report))
    click.echo(f"wrote {len(report.written)} changed file(s), removed {len(report.removed)} stale file(s) "
               f"in {project.out}")


def summary_line(report: pipeline.BuildReport) -> str:
    skipped = f" ({len(report.skipped_tests)} skipped)" if report.skipped_tests else ""
    line = (f"{report.count('dashboard')} dashboards, {report.rule_groups} rule groups, {report.rules} rules, "
            f"{report.count('test')} promtool test files{skipped}")
    config = report.alertmanager
    if config is not None:
        line += f", Alertmanager config with {config.receivers} receivers and {config.routes} routes"
    return line


def _print_skipped(skipped: list[pipeline.SkippedTest]) -> None:
    """Every YAML file under the tests folder that is not run, with the reason (stderr)."""
    for item in skipped:
        click.echo(f"skip {item}", err=True)


@click.command()
@project_options
@scrape_option
@handle_errors
def check(sources: tuple[Path, ...], out: Path | None, tests: Path | None, scrape_interval: str) -> None:
    """Build, run `promtool check rules` on every rule file and `amtool check-config` on the Alertmanager config,
    and lint."""
    project = make_project(sources, out, tests)
    tool = promtool()
    with busy("building and running promtool check rules"):
        result = pipeline.check(project, tool, seconds(scrape_interval, "--scrape-interval"),
                                project_mod.promtool_locator(tool), amtool)
    checks = (("promtool check rules", result.rule_checks), ("amtool check-config", result.config_checks))
    for command, results in checks:
        for res in results:
            click.echo(f"{'ok  ' if res.ok else 'FAIL'} {command} {project_path(res.file, project)}")
            if not res.ok:
                click.echo(res.output, err=True)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
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
@handle_errors
def lint(sources: tuple[Path, ...], out: Path | None, tests: Path | None, scrape_interval: str, show_waived: bool,
         prometheus: ServerOptions) -> None:
    """Check rule conventions (names, severity, annotations, for, windows, test coverage, secrets) and where every
    alert goes; with --prometheus-url, also against a live server (series, counters, scrape and evaluation
    intervals)."""
    project = make_project(sources, out, tests)
    report = pipeline.build(project, locator())
    findings = pipeline.lint(project, report, seconds(scrape_interval, "--scrape-interval"))
    if not prometheus.url:
        _print_findings(findings, show_waived=show_waived)
    else:
        from .. import pipeline_lint  # the HTTP stack, only when there is a server to ask

        live = pipeline_lint.live_lint(report, prometheus.settings())
        findings = findings + live.findings
        _print_findings(findings, live.notes, f"lint: live checks against {live.server}: {live.selectors} "
                        f"selector(s) asked ({live.skipped_recorded} recorded by this project's rules and "
                        f"{live.skipped_absent} only in absent() not asked), {live.requests} request(s) in "
                        f"{live.seconds:.2f}s", show_waived)
    if any(not f.waived for f in findings):
        sys.exit(ExitCode.INVALID)


@click.command("test")
@project_options
@click.argument("patterns", nargs=-1)
@handle_errors
def test(sources: tuple[Path, ...], out: Path | None, tests: Path | None, patterns: tuple[str, ...]) -> None:
    """Build, then run `promtool test rules` on the promtool tests and `amtool config routes test` on the route
    tests whose file names match PATTERNS."""
    project = make_project(sources, out, tests)
    tool = promtool()
    with busy("building and running promtool and route tests"):
        result = pipeline.run_tests(project, tool, patterns, project_mod.promtool_locator(tool), amtool)
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
    """Failing findings and notes (what a live check could not tell) on stderr, waived findings with their reasons
    on stdout when asked; the summary on stdout."""
    waived = [f for f in findings if f.waived]
    for finding in findings:
        if not finding.waived:
            click.echo(f"lint: {finding}", err=True)
        elif show_waived:
            click.echo(f"lint: {finding}")
    for note in notes or []:
        click.echo(f"lint: note: {note}", err=True)
    if live is not None:
        click.echo(f"{live}, {len(notes or [])} note(s)")
    failing = len(findings) - len(waived)
    click.echo(f"lint: {failing} finding(s), {len(waived)} waived")


COMMANDS = (build, check, lint, test)
