"""`mrm-observe export k8s|provisioning`: the build as Kubernetes manifests or Grafana file provisioning."""
from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline_publish as pp
from .common import checked_namespace, handle_errors, locator, make_project, project_options


@click.group()
def export() -> None:
    """Export for deployment: Kubernetes manifests, Grafana file provisioning."""


@export.command("k8s")
@project_options
@click.option("--namespace", default="monitoring", show_default=True, callback=checked_namespace,
              help="Namespace of every manifest (a Kubernetes name: RFC 1123 label).")
@handle_errors
def k8s(sources: tuple[Path, ...], out: Path | None, tests: Path | None, namespace: str) -> None:
    """PrometheusRule manifests, one Grafana-sidecar ConfigMap per dashboard and the Alertmanager config (Secret,
    AlertmanagerConfig), in <out>/k8s."""
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
    for note in report.notes:
        click.echo(f"note: {note}")


COMMANDS = (export,)
