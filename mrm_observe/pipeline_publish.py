"""Pipeline steps that leave the build folder: publish to Grafana, install rules for Prometheus and the config for
Alertmanager, export manifests.

Each step builds first (so definitions are validated and the build folder is current), then works from the
build's artifacts. Settings (URL, credentials, TLS, retries) and the environment Alertmanager secrets are filled
from come from the CLI; nothing here reads the environment.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .alertmanager_api import AlertmanagerClient
from .alertmanager_install import SOURCE as ALERTMANAGER_SOURCE
from .alertmanager_install import AlertmanagerReport, Built, install_secret
from .alertmanager_install import install as install_alertmanager
from .compile.alertmanager_k8s import CONFIG_KEY as SECRET_CONFIG_KEY
from .compile.alertmanager_k8s import (CONFIG_NAME, SECRET_NAME, DoesNotFit, alertmanager_config_resource,
                                       alertmanager_config_spec, alertmanager_secret, operator_config)
from .compile.k8s import (dashboard_configmap, folder_path, kustomization, oversized, prometheus_rule,
                          provisioning_provider)
from .conventions import ALERTMANAGER_CONFIG, generated_header
from .errors import CheckFailed, DefinitionError, Problem
from .grafana_api import ORG_HEADER, Auth, GrafanaClient, GrafanaSettings, RetryPolicy, ServerSettings, public_url
from .http_client import server_settings
from .pipeline import (BuildReport, DashboardMeta, Locator, Project, RulesMeta, build, check_rule_files,
                       compile_project, files_of, write_files)
from .prometheus_api import PrometheusClient
from .promtool import Promtool, Tool
from .publish import Backup, Options, Outcome, Progress, Publisher, PublishResult, Target
from .render import to_json, to_yaml, write_atomic
from .install import InstallFailed
from .rules_install import InstallReport, RulesPlan, install, plan

__all__ = ["ORG_HEADER", "Auth", "Diff", "ExportReport", "GrafanaSettings", "K8sSecret", "Options", "Outcome",
           "Progress", "PublishResult", "RetryPolicy", "RulesPlan", "ServerSettings", "diff", "export_k8s",
           "export_provisioning", "publish_alertmanager", "publish_grafana", "publish_rules", "public_url",
           "server_settings", "targets_of"]

K8S_DIR = "k8s"
PROVISIONING_DIR = "provisioning"


def targets_of(report: BuildReport, folder: tuple[str, ...] | None = None) -> list[Target]:
    """Every built dashboard as a publish target, in its module's folder or in `folder` when given."""
    return [Target(meta.uid, meta.title, folder if folder is not None else meta.folder, json.loads(content),
                   meta.source)
            for meta, content in report.dashboards()]


class FileBackup:
    """Saves remote dashboards as `<folder>/<uid>-v<version>.json` (importable dashboard JSON)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, uid: str, version: int, dashboard: dict) -> str:
        path = self.folder / f"{uid}-v{version}.json"
        write_atomic(path, to_json(dashboard))
        return str(path)


def publish_grafana(project: Project, settings: ServerSettings, options: Options, backup_dir: Path,
                    folder: tuple[str, ...] | None = None, progress: Progress | None = None,
                    locate: Locator | None = None) -> PublishResult:
    """Build, check Grafana is up and accepts the credentials, then publish every dashboard."""
    return _publish(targets_of(build(project, locate), folder), settings, options, FileBackup(backup_dir), progress)


def _publish(targets: list[Target], settings: ServerSettings, options: Options, backup: Backup,
             progress: Progress | None = None) -> PublishResult:
    with GrafanaClient(settings) as client:
        client.health()
        client.check_auth()
        return Publisher(client, options, backup, progress).run(targets)


def _no_backup(uid: str, version: int, dashboard: dict) -> str:
    raise AssertionError(f"a dry run backs nothing up (asked to back up {uid} v{version})")


@dataclass
class Diff:
    """What publishing would change: in Grafana (a dry run with prune) and in the rules folder (None when not asked)."""

    grafana: PublishResult | None
    rules: RulesPlan | None
    defined: frozenset[str] = frozenset()
    """Uids of the dashboards the definitions make (a drifted dashboard among them would change; any other is an
    orphan)."""

    def dashboards(self) -> list[dict[str, Any]]:
        """Per dashboard: `change` (created, changed, unchanged, orphaned, failed), `edited` (changed in Grafana
        since mrm-observe published it, so publishing would refuse without --force), and the outcome's fields."""
        if self.grafana is None:
            return []
        return [{"change": _CHANGES.get(o.action) or ("changed" if o.uid in self.defined else "orphaned"),
                 "edited": o.action == "drift", **o.as_json()} for o in self.grafana.outcomes]

    @property
    def changes(self) -> bool:
        """Anything would change."""
        rules = self.rules
        return (any(d["change"] != "unchanged" for d in self.dashboards())
                or bool(rules and (rules.added or rules.changed or rules.removed)))


_CHANGES = {"would-create": "created", "would-update": "changed", "unchanged": "unchanged",
            "would-prune": "orphaned", "failed": "failed"}
"""Dry-run outcome -> the change `diff` reports (drift depends on whether a definition makes the dashboard)."""


def diff(project: Project, grafana: ServerSettings | None, rules_dir: Path | None,
         folder: tuple[str, ...] | None = None, locate: Locator | None = None) -> Diff:
    """Compile in memory and compare with Grafana and the rules folder, as `publish grafana --prune` and `publish
    rules` would decide; nothing is written, not even the build folder."""
    report = compile_project(project, locate)
    dashboards = None if grafana is None else _publish(targets_of(report, folder), grafana,
                                                       Options(dry_run=True, prune=True), _no_backup)
    rules = None if rules_dir is None else plan(
        {Path(rel).name: a.content for rel, a in report.artifacts.items() if isinstance(a.meta, RulesMeta)},
        rules_dir, project.owner)
    return Diff(dashboards, rules, frozenset(meta.uid for meta, _ in report.dashboards()))


def publish_rules(project: Project, tool: Promtool, rules_dir: Path, prometheus: ServerSettings | None,
                  confirm_timeout: float = 10.0, locate: Locator | None = None) -> InstallReport:
    """Build, then check (as `check` does: a file with group fields this promtool predates is checked the way it
    can read it, with a note), install, reload (Prometheus or vmalert, when given) and confirm the rule files.
    Prometheus's reload is the final check: what it refuses is rolled back."""
    report = build(project, locate)
    results, notes = check_rule_files(tool, report, project.out)
    failed = [r for r in results if not r.ok]
    if failed:
        raise CheckFailed("promtool check rules refused; nothing was installed:\n"
                          + "\n".join(f"{r.file}:\n{r.output}" for r in failed))
    client = PrometheusClient(prometheus) if prometheus else None
    try:
        installed = install(files_of(report, project.out, "rules"), rules_dir, client, project.owner,
                            confirm_timeout)
    except InstallFailed as err:
        if not notes:
            raise
        raise InstallFailed("\n".join([str(err), *(f"note: {n}" for n in notes), "a Prometheus that does not read "
                                        "these fields refuses the reload: its log says which"])) from None
    finally:
        if client is not None:
            client.close()
    installed.notes = notes
    return installed


@dataclass(frozen=True)
class K8sSecret:
    """Where `publish alertmanager --k8s-secret` puts the config: a Secret, through kubectl."""

    kubectl: Tool
    namespace: str
    name: str


def publish_alertmanager(project: Project, tool: Tool, target: Path | K8sSecret,
                         alertmanager: ServerSettings | None, env: Mapping[str, str], confirm_timeout: float,
                         locate: Locator | None = None, dry_run: bool = False) -> AlertmanagerReport:
    """Build, then check, fill the secrets from `env`, install (a file, reloading Alertmanager when given one, or
    a Kubernetes Secret) and confirm Alertmanager runs the config; with `dry_run`, compare instead of installing."""
    build(project, locate)
    built = Built((project.out / ALERTMANAGER_CONFIG).parent)
    client = AlertmanagerClient(alertmanager) if alertmanager else None
    try:
        if isinstance(target, K8sSecret):
            return install_secret(tool, target.kubectl, built, target.namespace, target.name, client, env,
                                  confirm_timeout, dry_run=dry_run)
        return install_alertmanager(tool, built, target, client, env, project.owner, confirm_timeout,
                                    dry_run=dry_run)
    finally:
        if client is not None:
            client.close()


@dataclass
class ExportReport:
    folder: Path
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    files: int = 0
    notes: list[str] = field(default_factory=list)
    """What was left out, and why (e.g. an AlertmanagerConfig the config does not fit)."""


def export_k8s(project: Project, namespace: str, locate: Locator | None = None) -> ExportReport:
    """PrometheusRule per rule file, a sidecar ConfigMap per dashboard, the Alertmanager config as a Secret (and an
    AlertmanagerConfig where it fits) under <out>/k8s, plus a kustomization."""
    report = build(project, locate)
    files: dict[str, bytes] = {}
    problems = []
    for rel, artifact in report.artifacts.items():
        meta, header = artifact.meta, generated_header(artifact.meta.source, project.owner)
        if isinstance(meta, DashboardMeta):
            why = oversized(artifact.content.decode())
            if why:
                problems.append(Problem(meta.source, f"dashboard {meta.title!r}", "", why))
                continue
            manifest = dashboard_configmap(meta.uid, artifact.content.decode(), meta.folder, namespace, meta.source)
            files[f"configmap-{manifest['metadata']['name']}.yaml"] = to_yaml(manifest, header)
        elif isinstance(meta, RulesMeta):
            manifest = prometheus_rule(Path(rel).name, yaml.safe_load(artifact.content), namespace, meta.source)
            files[f"prometheusrule-{manifest['metadata']['name']}.yaml"] = to_yaml(manifest, header)
    notes: list[str] = []
    if (project.out / ALERTMANAGER_CONFIG).is_file():
        files.update(_alertmanager_manifests(Built((project.out / ALERTMANAGER_CONFIG).parent), namespace,
                                             project.owner, problems, notes))
    if problems:
        raise DefinitionError(problems)
    files["kustomization.yaml"] = to_yaml(kustomization(list(files), namespace),
                                          generated_header("the build", project.owner))
    exported = _write_export(project.out / K8S_DIR, files)
    exported.notes = notes
    return exported


def _alertmanager_manifests(built: Built, namespace: str, owner: str, problems: list[Problem],
                            notes: list[str]) -> dict[str, bytes]:
    """The Alertmanager config as the operator's Secret and, where it fits, as an AlertmanagerConfig."""
    source = ALERTMANAGER_SOURCE
    header = generated_header(source, owner)
    config = built.data()
    operator, partial = operator_config(config)
    problems += [Problem(source, "Alertmanager config", where, message) for where, message in partial]
    templates: dict[str, str] = {}
    for rel, content in built.templates().items():
        name = Path(rel).name
        if name in templates or name == SECRET_CONFIG_KEY:
            problems.append(Problem(source, "Alertmanager templates", rel, f"a second file named {name}: the "
                                    "Secret holds templates by file name, so they must differ"))
        templates[name] = content.decode()
    files = {f"secret-{SECRET_NAME}.yaml": to_yaml(
        alertmanager_secret(to_yaml(operator, header).decode(), templates, namespace, source), header)}
    try:
        spec = alertmanager_config_spec(config)
    except DoesNotFit as err:
        notes.append(f"no AlertmanagerConfig: {err}")
    else:
        files[f"alertmanagerconfig-{CONFIG_NAME}.yaml"] = to_yaml(
            alertmanager_config_resource(spec, namespace, source), header)
    return files


def export_provisioning(project: Project, dashboards_path: str, org_id: int = 1,
                        locate: Locator | None = None) -> ExportReport:
    """<out>/provisioning/dashboards.yaml (file provider) and dashboards/<folder path>/<uid>.json."""
    report = build(project, locate)
    files = {"/".join(p for p in ("dashboards", folder_path(meta.folder), f"{meta.uid}.json") if p): content
             for meta, content in report.dashboards()}
    files["dashboards.yaml"] = to_yaml(provisioning_provider(dashboards_path, org_id=org_id),
                                       generated_header("the build", project.owner))
    return _write_export(project.out / PROVISIONING_DIR, files)


def _write_export(folder: Path, files: dict[str, bytes]) -> ExportReport:
    """Write files under folder (which the export owns) and delete what an earlier export left, as one change."""
    def stale() -> list[str]:
        return [rel for path in sorted(folder.rglob("*"))
                if path.is_file() and path.suffix in (".json", ".yaml")
                and (rel := path.relative_to(folder).as_posix()) not in files]
    written, removed = write_files(folder, dict(sorted(files.items())), stale)
    return ExportReport(folder, written, removed, files=len(files))
