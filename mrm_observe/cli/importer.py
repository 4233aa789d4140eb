"""`mrm-observe import`: rule files, PrometheusRule manifests, Sloth and OpenSLO specs and Grafana dashboards (files,
or read from Grafana) -> definition modules."""
from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline_import
from .common import handle_errors
from .servers import ServerOptions, grafana_settings, server_options

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("import")
@click.argument("files", nargs=-1, type=FILE)
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder: write the modules into its dashboards/, alerts/ and slo/ [default: print the "
                   "one module to stdout].")
@click.option("--force", is_flag=True, help="With --into: replace modules and test files that exist already.")
@click.option("--tests", "tests", multiple=True, type=FILE,
              help="With --into: a promtool test file of the imported rules, copied to tests/promtool/ with its "
                   "rule_files naming the built rule files; repeatable.")
@click.option("--uid", "uids", multiple=True, metavar="UID",
              help="With --grafana-url: import the dashboard with this uid; repeatable.")
@click.option("--folder", metavar="NAME", default=None,
              help="With --grafana-url: import every dashboard of the folder(s) with this title.")
@click.option("--all", "everything", is_flag=True, help="With --grafana-url: import every dashboard.")
@server_options("grafana")
@handle_errors
def import_files(files: tuple[Path, ...], into: Path | None, force: bool, tests: tuple[Path, ...],
                 uids: tuple[str, ...], folder: str | None, everything: bool, grafana: ServerOptions) -> None:
    """Turn rule files, PrometheusRule manifests, Sloth/OpenSLO specs and Grafana dashboards into Python modules;
    with --grafana-url and --uid, --folder or --all, read the dashboards from Grafana instead of files."""
    pulling = sum((bool(uids), folder is not None, everything))
    if pulling > 1:
        raise click.UsageError("choose dashboards one way: --uid, --folder or --all")
    if pulling and (files or tests):
        raise click.UsageError("give files, or dashboards to read from Grafana (--uid, --folder, --all), not both")
    if not pulling and not files:
        raise click.UsageError("give the files to import, or --grafana-url with --uid, --folder or --all")
    if into is None and (len(files) > 1 or tests or force):
        raise click.UsageError("give --into DIR to import several files, or to use --tests or --force")
    try:
        if pulling:
            report = _from_grafana(grafana, uids, folder, everything, into, force)
        else:
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


def _from_grafana(grafana: ServerOptions, uids: tuple[str, ...], folder: str | None, everything: bool,
                  into: Path | None, force: bool) -> pipeline_import.ImportReport:
    from ..grafana_api import GrafanaClient

    with GrafanaClient(grafana_settings(grafana, org_id=None, concurrency=1)) as client:
        return pipeline_import.import_from_grafana(client, uids, folder, everything, into, force)


COMMANDS = (import_files,)
