"""`mrm-observe publish grafana|rules|alertmanager`: dashboards to Grafana, rule files to Prometheus, the routing
config to Alertmanager."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .. import pipeline_publish as pp
from ..errors import ObserveError
from ..rules_install import pending_summary
from .common import (amtool, checked_namespace, checked_object_name, handle_errors, kubectl, locator, make_project,
                     note, progress_bar, project_options, promtool)
from .servers import ServerOptions, grafana_settings, server_options

QUIET_ACTIONS = ("unchanged",)
DIFF_ACTIONS = ("drift", "would-update")


@click.group()
def publish() -> None:
    """Publish: dashboards to Grafana's HTTP API, rule files to a Prometheus rules folder, the routing config to
    Alertmanager."""


@publish.command("grafana")
@project_options
@server_options("grafana")
@click.option("--org-id", type=int, envvar="GRAFANA_ORG_ID", help="Organisation id (X-Grafana-Org-Id).")
@click.option("--folder", help="Put every dashboard in this folder [default: one folder per definition module].")
@click.option("--dry-run", is_flag=True, help="Show what would change, with diffs; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite dashboards edited in Grafana, after backing them up.")
@click.option("--prune", is_flag=True, help="Delete managed dashboards in our folders that no definition makes.")
@click.option("--backup-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("backups/grafana"),
              show_default=True, help="Where --force and --prune save remote dashboards first.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=16, show_default=True,
              help="Dashboards published at the same time.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@handle_errors
def grafana(sources: tuple[Path, ...], out: Path | None, tests: Path | None, grafana: ServerOptions,
            org_id: int | None, folder: str | None, dry_run: bool, force: bool, prune: bool, backup_dir: Path,
            concurrency: int, as_json: bool) -> None:
    """Publish built dashboards: create what is missing, update what changed, leave UI edits alone."""
    url = pp.public_url(grafana.require_url())
    if folder is not None and not folder.strip():
        raise click.BadParameter("must not be blank", param_hint="--folder")
    settings = grafana_settings(grafana, org_id=org_id, concurrency=concurrency)
    options = pp.Options(dry_run, force, prune, concurrency)
    try:
        with progress_bar("publishing", enabled=not as_json) as progress:
            result = pp.publish_grafana(make_project(sources, out, tests), settings, options,
                                        backup_dir, (folder,) if folder else None, progress, locator())
    except ObserveError as err:
        if as_json:
            click.echo(json.dumps({"grafana": url, "dashboards": [], "summary": None, "error": str(err)}, indent=2))
        raise
    if as_json:
        click.echo(json.dumps({"grafana": url, "dashboards": [o.as_json() for o in result.outcomes],
                               "orphans": [o.as_json() for o in result.orphans], "summary": result.summary()},
                              indent=2, sort_keys=False))
    else:
        _print_result(result, url)
    sys.exit(result.exit_code)


def _print_result(result: pp.PublishResult, url: str) -> None:
    for outcome in result.outcomes:
        if outcome.action not in QUIET_ACTIONS:
            click.echo(_line(outcome))
        if outcome.action in DIFF_ACTIONS and outcome.diff:
            click.echo("\n".join(f"    {line}" for line in outcome.diff.splitlines()))
    summary = result.summary()
    counts = ", ".join(f"{n} {a}" for a, n in summary["counts"].items() if n)
    click.echo(f"{counts or 'no dashboards'} ({summary['requests']} requests to {url})")
    for action in ("failed", "drift"):
        if summary[action]:
            click.echo(f"{action}: {', '.join(summary[action])}", err=True)
    if result.orphans:
        note(f"{len(result.orphans)} managed dashboard(s) in our folders that no definition produces any more: "
             f"{', '.join(_where(o) for o in result.orphans)}; rerun with --prune to delete them (after a backup)")


def _where(outcome: pp.Outcome) -> str:
    return f"{outcome.uid} ({_path(outcome)})"


def _path(outcome: pp.Outcome) -> str:
    return f"{outcome.folder}/{outcome.title}" if outcome.folder else outcome.title


def _line(outcome: pp.Outcome) -> str:
    version = f" v{outcome.version}" if outcome.version is not None else ""
    text = f"{outcome.action:<13} {outcome.uid}  {_path(outcome)}{version}"
    if outcome.backup:
        text += f"  (backup: {outcome.backup})"
    return text + (f"\n    {outcome.error}" if outcome.error else "")


@publish.command("rules")
@project_options
@click.option("--rules-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder Prometheus loads rule files from (its rule_files glob).")
@server_options("prometheus")
@click.option("--confirm-timeout", type=click.FloatRange(0), default=10.0, show_default=True,
              help="Seconds to wait for every group to be loaded and evaluated.")
@handle_errors
def rules(sources: tuple[Path, ...], out: Path | None, tests: Path | None, rules_dir: Path,
          prometheus: ServerOptions, confirm_timeout: float) -> None:
    """promtool-check the built rule files, install them atomically, reload Prometheus and confirm."""
    settings = prometheus.settings() if prometheus.url else None
    project = make_project(sources, out, tests)
    prometheus_url = pp.public_url(settings.url) if settings else None
    report = pp.publish_rules(project, promtool(), rules_dir, settings, confirm_timeout, locator())
    for text in report.notes:
        note(text)
    click.echo(f"{len(report.written)} rule file(s) installed, {len(report.unchanged)} unchanged, "
               f"{len(report.removed)} removed in {rules_dir}")
    if prometheus_url is None:
        click.echo("no --prometheus-url: Prometheus was not reloaded")
        return
    click.echo(f"{'reloaded' if report.reloaded else 'nothing changed, no reload of'} {prometheus_url}; "
               f"{len(report.groups)} group(s) loaded and healthy")
    if report.not_evaluated:
        click.echo(pending_summary(report.not_evaluated))


@publish.command("alertmanager")
@project_options
@click.option("--config-path", type=click.Path(dir_okay=False, path_type=Path),
              help="The config file Alertmanager reads (its --config.file).")
@click.option("--k8s-secret", is_flag=True,
              help="Apply the config as the Secret prometheus-operator reads (kubectl) instead of a file.")
@click.option("--namespace", default="monitoring", show_default=True, callback=checked_namespace,
              help="With --k8s-secret: the Secret's namespace.")
@click.option("--secret-name", default="alertmanager-main", show_default=True, callback=checked_object_name,
              help="With --k8s-secret: the Secret's name (the Alertmanager resource's configSecret).")
@server_options("alertmanager")
@click.option("--confirm-timeout", type=click.FloatRange(0),
              help="Seconds to wait for Alertmanager to run the new config [default: 10, 180 with --k8s-secret].")
@click.option("--dry-run", is_flag=True, help="Check and compare with the installed and the running config (paths "
                                               "only, never values); write nothing.")
@handle_errors
def alertmanager(sources: tuple[Path, ...], out: Path | None, tests: Path | None, config_path: Path | None,
                 k8s_secret: bool, namespace: str, secret_name: str, alertmanager: ServerOptions,
                 confirm_timeout: float | None, dry_run: bool) -> None:
    """amtool-check the built Alertmanager config, fill its secrets from the environment, install it (a file,
    atomically with a backup, or a Kubernetes Secret), reload Alertmanager and confirm it runs the new config."""
    if (config_path is None) == (not k8s_secret):
        raise click.UsageError("pass either --config-path (the file Alertmanager reads) or --k8s-secret")
    settings = alertmanager.settings() if alertmanager.url else None
    target: Path | pp.K8sSecret = pp.K8sSecret(kubectl(), namespace, secret_name) if config_path is None \
        else config_path
    timeout = confirm_timeout if confirm_timeout is not None else 180.0 if k8s_secret else 10.0
    report = pp.publish_alertmanager(make_project(sources, out, tests), amtool(), target, settings, os.environ,
                                     timeout, locator(), dry_run)
    if dry_run:
        _print_dry_run(report, pp.public_url(settings.url) if settings else None)
        return
    backup = f" (backup: {report.backup})" if report.backup else ""
    filled = f"; secrets filled from {', '.join('$' + n for n in report.secrets)}" if report.secrets else ""
    click.echo(f"Alertmanager config {'installed' if report.written else 'unchanged'}: {report.target}{backup}{filled}")
    if settings is None:
        click.echo("no --alertmanager-url: Alertmanager was not reloaded" if not k8s_secret else
                   "no --alertmanager-url: not confirmed that Alertmanager runs it")
        return
    url = pp.public_url(settings.url)
    done = ("reloaded" if report.reloaded else "nothing changed, no reload of") if not k8s_secret else "confirmed with"
    click.echo(f"{done} {url}; it runs the new config")


def _print_dry_run(report: pp.AlertmanagerReport, url: str | None) -> None:
    changed = ", ".join(report.written)
    click.echo(f"dry run: Alertmanager config {'would change: ' + changed if changed else 'unchanged'} "
               f"({report.target})")
    compared = [("installed", report.differences)] + ([(url, report.running_differences)] if url else [])
    for where, paths in compared:
        if paths is None:
            click.echo(f"  {where}: none yet")
        elif paths:
            click.echo(f"  {where}: differs from the built config at {', '.join(paths)}")
        else:
            click.echo(f"  {where}: holds the built config")


COMMANDS = (publish,)
