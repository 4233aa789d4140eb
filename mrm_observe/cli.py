"""The `mrm-observe` command line: parse options, call one pipeline function, print, map errors to exit codes."""
from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from . import pipeline
from .durations import parse_duration
from .errors import DefinitionError, ExitCode, ObserveError
from .promtool import Promtool, find_promtool


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Print ObserveErrors (every problem, one per line) to stderr and exit with their code."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DefinitionError as err:
            for problem in err.problems:
                click.echo(f"error: {problem}", err=True)
            click.echo(f"{len(err.problems)} problem(s); nothing was written", err=True)
            sys.exit(err.exit_code)
        except ObserveError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)
    return wrapper


def project_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--source (repeatable), --out and --tests, resolved against the current directory."""
    func = click.option("--tests", "tests", type=click.Path(path_type=Path), default=None,
                        help="Folder of hand-written promtool tests [default: tests/promtool].")(func)
    func = click.option("--out", type=click.Path(path_type=Path), default=None,
                        help="Build folder [default: build].")(func)
    func = click.option("--source", "sources", multiple=True, type=click.Path(path_type=Path),
                        help="Definition folder or file; repeatable [default: dashboards/, alerts/, slo/].")(func)
    return func


def make_project(sources: tuple[Path, ...], out: Path | None, tests: Path | None) -> pipeline.Project:
    """The project rooted at the current directory."""
    return pipeline.Project.at(Path.cwd(), tuple(sources), out, tests)


def promtool_or_none() -> Promtool | None:
    """promtool if it can be found (used only to point at PromQL errors), else None."""
    try:
        return find_promtool(os.environ, Path.cwd())
    except ObserveError:
        return None


def locator() -> pipeline.Locator | None:
    tool = promtool_or_none()
    return pipeline.promtool_locator(tool) if tool else None


def interactive() -> bool:
    """True when a person watches stderr (a terminal, not CI): only then do we draw spinners and bars."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextlib.contextmanager
def busy(message: str) -> Iterator[None]:
    """A spinner on stderr while promtool works, when someone is watching."""
    if not interactive():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def scrape_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--scrape-interval", default="30s", show_default=True,
                        help="Scrape interval that rate() windows must cover 4 times.")(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mrm-observe")
def main() -> None:
    """Monitoring as code: build Grafana dashboards, Prometheus rules and SLOs from Python, test them with promtool."""


@main.command()
@project_options
@handle_errors
def build(sources: tuple[Path, ...], out: Path | None, tests: Path | None) -> None:
    """Validate definitions and write dashboard JSON and rule files into the build folder."""
    project = make_project(sources, out, tests)
    report = pipeline.build(project, locator())
    click.echo(summary_line(report))
    click.echo(f"wrote {len(report.written)} changed file(s), removed {len(report.removed)} stale file(s) "
               f"in {project.out}")


def summary_line(report: pipeline.BuildReport) -> str:
    return (f"{report.count('dashboard')} dashboards, {report.rule_groups} rule groups, {report.rules} rules, "
            f"{report.count('test')} promtool test files")


@main.command()
@project_options
@scrape_option
@handle_errors
def check(sources: tuple[Path, ...], out: Path | None, tests: Path | None, scrape_interval: str) -> None:
    """Build, run `promtool check rules` on every rule file, and lint."""
    project = make_project(sources, out, tests)
    tool = find_promtool(os.environ, project.root)
    with busy("building and running promtool check rules"):
        result = pipeline.check(project, tool, _seconds(scrape_interval), pipeline.promtool_locator(tool))
    for res in result.rule_checks:
        click.echo(f"{'ok  ' if res.ok else 'FAIL'} promtool check rules {_rel(res.file, project)}")
        if not res.ok:
            click.echo(res.output, err=True)
    _print_findings(result.findings)
    click.echo(summary_line(result.build))
    if not result.ok:
        sys.exit(ExitCode.INVALID)


@main.command()
@project_options
@scrape_option
@handle_errors
def lint(sources: tuple[Path, ...], out: Path | None, tests: Path | None, scrape_interval: str) -> None:
    """Check rule conventions (names, severity, annotations, for, windows, test coverage)."""
    project = make_project(sources, out, tests)
    report = pipeline.build(project, locator())
    findings = pipeline.lint(project, report, _seconds(scrape_interval))
    _print_findings(findings)
    if any(not f.waived for f in findings):
        sys.exit(ExitCode.INVALID)


@main.command("test")
@project_options
@click.argument("patterns", nargs=-1)
@handle_errors
def test_cmd(sources: tuple[Path, ...], out: Path | None, tests: Path | None, patterns: tuple[str, ...]) -> None:
    """Build, then run `promtool test rules` on the promtool tests whose file names match PATTERNS."""
    project = make_project(sources, out, tests)
    tool = find_promtool(os.environ, project.root)
    with busy("building and running promtool tests"):
        result = pipeline.run_tests(project, tool, patterns, pipeline.promtool_locator(tool))
    for res in result.results:
        click.echo(f"{'ok  ' if res.ok else 'FAIL'} {_rel(res.file, project)}")
        if not res.ok:
            click.echo(res.output, err=True)
    passed = sum(r.ok for r in result.results)
    click.echo(f"{summary_line(result.build)}; promtool tests: {passed} passed, {len(result.results) - passed} failed")
    if not result.ok:
        sys.exit(ExitCode.INVALID)


def _print_findings(findings: list) -> None:
    waived = [f for f in findings if f.waived]
    for finding in findings:
        if not finding.waived:
            click.echo(f"lint: {finding}", err=True)
    failing = len(findings) - len(waived)
    click.echo(f"lint: {failing} finding(s), {len(waived)} waived")


def _seconds(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--scrape-interval") from None


def _rel(path: str, project: pipeline.Project) -> str:
    try:
        return Path(path).resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return path


# Command groups in their own modules; imported last because they use the helpers above.
from .cli_publish import export, publish  # noqa: E402
from .cli_slo import import_spec, slo  # noqa: E402

for _command in (publish, export, slo, import_spec):
    main.add_command(_command)
