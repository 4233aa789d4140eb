"""`mrm-observe import`: rule files, PrometheusRule manifests, Sloth and OpenSLO specs and Grafana dashboards ->
definition modules."""
from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline_import
from .common import handle_errors

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=FILE)
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder: write the modules into its dashboards/, alerts/ and slo/ [default: print the "
                   "one module to stdout].")
@click.option("--force", is_flag=True, help="With --into: replace modules and test files that exist already.")
@click.option("--tests", "tests", multiple=True, type=FILE,
              help="With --into: a promtool test file of the imported rules, copied to tests/promtool/ with its "
                   "rule_files naming the built rule files; repeatable.")
@handle_errors
def import_files(files: tuple[Path, ...], into: Path | None, force: bool, tests: tuple[Path, ...]) -> None:
    """Turn rule files, PrometheusRule manifests, Sloth/OpenSLO specs and Grafana dashboards into Python modules."""
    if into is None and (len(files) > 1 or tests or force):
        raise click.UsageError("give --into DIR to import several files, or to use --tests or --force")
    try:
        report = pipeline_import.import_files(files, into, force, tests)
        text = pipeline_import.module_text(report) if into is None else ""
    except pipeline_import.UsageError as err:
        raise click.UsageError(str(err)) from None
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if into is None:
        click.echo(text, nl=False)
        click.echo(report.summary(), err=True)
        return
    click.echo(report.summary())
    click.echo(f"wrote {len(report.written)} changed file(s) in {into}")


COMMANDS = (import_files,)
