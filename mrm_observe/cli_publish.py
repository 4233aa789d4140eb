"""`mrm-observe publish grafana|rules` and `mrm-observe export k8s|provisioning`.

This layer reads the environment (GRAFANA_URL, GRAFANA_TOKEN, GRAFANA_USER/GRAFANA_PASSWORD, PROMETHEUS_URL,
PROMETHEUS_TOKEN, PROMETHEUS_USER/PROMETHEUS_PASSWORD, CI) and the token files, and passes settings down;
credentials are never echoed.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import pipeline_publish as pp
from .cli import handle_errors, interactive, locator, make_project, project_options
from .errors import ObserveError
from .promtool import find_promtool

QUIET_ACTIONS = ("unchanged",)
DIFF_ACTIONS = ("drift", "would-update")


@click.group()
def publish() -> None:
    """Publish: dashboards to Grafana's HTTP API, rule files to a Prometheus rules folder."""


@publish.command("grafana")
@project_options
@click.option("--grafana-url", envvar="GRAFANA_URL", show_envvar=True, help="Grafana base URL.")
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="File holding a service-account token [default: $GRAFANA_TOKEN, else "
                   "$GRAFANA_USER/$GRAFANA_PASSWORD basic auth].")
@click.option("--org-id", type=int, envvar="GRAFANA_ORG_ID", help="Organisation id (X-Grafana-Org-Id).")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False), help="CA bundle to verify Grafana's TLS.")
@click.option("--insecure", is_flag=True, help="Do not verify Grafana's TLS certificate.")
@click.option("--folder", help="Put every dashboard in this folder [default: one folder per definition module].")
@click.option("--dry-run", is_flag=True, help="Show what would change, with diffs; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite dashboards edited in Grafana, after backing them up.")
@click.option("--prune", is_flag=True, help="Delete managed dashboards in our folders that no definition makes.")
@click.option("--backup-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("backups/grafana"),
              show_default=True, help="Where --force and --prune save remote dashboards first.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=16, show_default=True,
              help="Dashboards published at the same time.")
@click.option("--retries", type=click.IntRange(0, 20), default=4, show_default=True,
              help="Retries per request on 429, 5xx, timeouts and dropped connections.")
@click.option("--backoff", type=click.FloatRange(0), default=0.5, show_default=True,
              help="First retry delay in seconds (doubles each retry, with jitter; Retry-After wins).")
@click.option("--timeout", type=click.FloatRange(0.1), default=10.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@handle_errors
def grafana(sources: tuple[Path, ...], out: Path | None, tests: Path | None, grafana_url: str | None,
            token_file: Path | None, org_id: int | None, ca_file: str | None, insecure: bool, folder: str | None,
            dry_run: bool, force: bool, prune: bool, backup_dir: Path, concurrency: int, retries: int,
            backoff: float, timeout: float, as_json: bool) -> None:
    """Publish built dashboards: create what is missing, update what changed, leave UI edits alone."""
    if not grafana_url:
        raise click.UsageError("no Grafana URL: pass --grafana-url or set GRAFANA_URL")
    if folder is not None and not folder.strip():
        raise click.BadParameter("must not be blank", param_hint="--folder")
    settings = pp.GrafanaSettings(
        grafana_url, _auth(token_file), org_id, False if insecure else (ca_file or True), timeout,
        pp.RetryPolicy(retries + 1, backoff), concurrency)
    options = pp.Options(dry_run, force, prune, concurrency)
    url = pp.public_url(grafana_url)
    try:
        with _progress(enabled=not as_json) as progress:
            result = pp.publish_grafana(make_project(sources, out, tests), settings, options,
                                        backup_dir, (folder,) if folder else None, progress, locator())
    except ObserveError as err:
        if as_json:
            click.echo(json.dumps({"grafana": url, "dashboards": [], "summary": None, "error": str(err)}, indent=2))
        raise
    if as_json:
        click.echo(json.dumps({"grafana": url, "dashboards": [o.as_json() for o in result.outcomes],
                               "summary": result.summary()}, indent=2, sort_keys=False))
    else:
        _print_result(result, url)
    sys.exit(result.exit_code)


def _auth(token_file: Path | None) -> pp.Auth:
    """Credentials from --token-file, $GRAFANA_TOKEN, or $GRAFANA_USER + $GRAFANA_PASSWORD."""
    if token_file is not None:
        token = token_file.read_text().strip()
        if not token:
            raise click.BadParameter(f"{token_file} is empty", param_hint="--token-file")
        return pp.Auth(token=token)
    if os.environ.get("GRAFANA_TOKEN"):
        return pp.Auth(token=os.environ["GRAFANA_TOKEN"].strip())
    user, password = os.environ.get("GRAFANA_USER"), os.environ.get("GRAFANA_PASSWORD")
    if user and password is not None:
        return pp.Auth(user=user, password=password)
    raise click.UsageError("no Grafana credentials: set GRAFANA_TOKEN (service-account token), pass --token-file, "
                           "or set GRAFANA_USER and GRAFANA_PASSWORD")


class _RichProgress:
    """A transient rich progress bar on stderr."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.task = bar.add_task("publishing", total=None)

    def start(self, total: int) -> None:
        self.bar.update(self.task, total=total)

    def advance(self) -> None:
        self.bar.advance(self.task)


@contextmanager
def _progress(enabled: bool) -> Iterator[pp.Progress | None]:
    """A progress bar when stderr is a terminal outside CI and text output was asked for; else None."""
    if not (enabled and interactive()):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        yield _RichProgress(bar)


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


def _line(outcome: pp.Outcome) -> str:
    version = f" v{outcome.version}" if outcome.version is not None else ""
    where = f"{outcome.folder}/{outcome.title}" if outcome.folder else outcome.title
    text = f"{outcome.action:<13} {outcome.uid}  {where}{version}"
    if outcome.backup:
        text += f"  (backup: {outcome.backup})"
    return text + (f"\n    {outcome.error}" if outcome.error else "")


@publish.command("rules")
@project_options
@click.option("--rules-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder Prometheus loads rule files from (its rule_files glob).")
@click.option("--prometheus-url", envvar="PROMETHEUS_URL", show_envvar=True,
              help="Prometheus (with --web.enable-lifecycle) or vmalert to reload and confirm through.")
@click.option("--prometheus-token-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="File holding a bearer token [default: $PROMETHEUS_TOKEN, else "
                   "$PROMETHEUS_USER/$PROMETHEUS_PASSWORD basic auth, else none].")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'",
              help="Extra header for Prometheus, e.g. 'X-Scope-OrgID: team-a'; repeatable.")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False), help="CA bundle to verify its TLS.")
@click.option("--insecure", is_flag=True, help="Do not verify its TLS certificate.")
@click.option("--confirm-timeout", type=click.FloatRange(0), default=10.0, show_default=True,
              help="Seconds to wait for every group to be loaded and evaluated.")
@handle_errors
def rules(sources: tuple[Path, ...], out: Path | None, tests: Path | None, rules_dir: Path,
          prometheus_url: str | None, prometheus_token_file: Path | None, headers: tuple[str, ...],
          ca_file: str | None, insecure: bool, confirm_timeout: float) -> None:
    """promtool-check the built rule files, install them atomically, reload Prometheus and confirm."""
    settings = pp.server_settings(prometheus_url, os.environ, "PROMETHEUS", token_file=prometheus_token_file,
                                  ca_file=ca_file, insecure=insecure, headers=headers) if prometheus_url else None
    project = make_project(sources, out, tests)
    tool = find_promtool(os.environ, project.root)
    report = pp.publish_rules(project, tool, rules_dir, settings, confirm_timeout, locator())
    click.echo(f"{len(report.written)} rule file(s) installed, {len(report.unchanged)} unchanged, "
               f"{len(report.removed)} removed in {rules_dir}")
    if prometheus_url is None:
        click.echo("no --prometheus-url: Prometheus was not reloaded")
        return
    click.echo(f"{'reloaded' if report.reloaded else 'nothing changed, no reload of'} {prometheus_url}; "
               f"{len(report.groups)} group(s) loaded and healthy")
    if report.not_evaluated:
        click.echo(f"not evaluated yet: {', '.join(report.not_evaluated)}")


@click.group()
def export() -> None:
    """Export for deployment: Kubernetes manifests, Grafana file provisioning."""


@export.command("k8s")
@project_options
@click.option("--namespace", default="monitoring", show_default=True, help="Namespace of every manifest.")
@handle_errors
def k8s(sources: tuple[Path, ...], out: Path | None, tests: Path | None, namespace: str) -> None:
    """PrometheusRule manifests and one Grafana-sidecar ConfigMap per dashboard, in <out>/k8s."""
    _print_export(pp.export_k8s(make_project(sources, out, tests), namespace, locator()))


@export.command("provisioning")
@project_options
@click.option("--dashboards-path", default="/var/lib/grafana/dashboards/mrm-observe", show_default=True,
              help="Where Grafana will find the JSON files (the provider's options.path).")
@click.option("--org-id", type=int, default=1, show_default=True, help="Organisation the provider loads into.")
@handle_errors
def provisioning(sources: tuple[Path, ...], out: Path | None, tests: Path | None, dashboards_path: str,
                 org_id: int) -> None:
    """Grafana file-provisioning provider YAML plus the dashboard JSON files, in <out>/provisioning."""
    _print_export(pp.export_provisioning(make_project(sources, out, tests), dashboards_path, org_id, locator()))


def _print_export(report: pp.ExportReport) -> None:
    click.echo(f"{report.files} file(s) in {report.folder}: {len(report.written)} written, "
               f"{len(report.removed)} stale removed")
