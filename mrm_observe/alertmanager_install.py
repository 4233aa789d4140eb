"""Install the built Alertmanager config where Alertmanager reads it, reload it, confirm it runs the new config.

Order: `amtool check-config` on the built config (nothing is touched if it fails) -> secrets filled from the
environment (`conventions.env_placeholder`, docs/alerting.md) and the filled config checked again, from standard input -> the
file we would replace is not another project's -> Alertmanager ready -> the previous config is kept as
`<config>.bak` (a hard link: the very file, with its mode and owner) -> in one file transaction (install.py):
the config and its templates written (a replaced file keeps its mode and owner; a new one holding secrets is
readable by its owner only), `POST /-/reload`, `/api/v2/status` polled until the running config is the new one.
On any failure the previous files come back and Alertmanager is reloaded again.

Secret values never leave this module in a message: every error is redacted with them (as `***`).
"""
from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import amtool
from .alertmanager_api import AlertmanagerClient
from . import kubectl as kubectl_mod
from .alertmanager_config import difference, differences, env_secrets, fill_secrets
from .compile.alertmanager_k8s import CONFIG_KEY, alertmanager_secret, operator_templates
from .conventions import ALERTMANAGER_CONFIG, ALERTMANAGER_DIR, ALERTMANAGER_TEMPLATES
from .errors import CheckFailed, ObserveError
from .http_client import redact, secret_forms
from .install import InstallFailed, apply_and_confirm, refuse_clashes
from .external_tool import FileResult, Tool
from .render import to_yaml
from .transaction import FileTransaction, recover

POLL_SECONDS = 0.2
BACKUP_SUFFIX = ".bak"
SOURCE = f"{ALERTMANAGER_DIR}/"
"""What the Alertmanager config is generated from, as manifests name it."""


@dataclass
class AlertmanagerReport:
    """What changed where, which secrets were filled (names only) and what Alertmanager confirmed."""

    target: str
    """The config file, or `secret NAMESPACE/NAME`."""
    written: list[str] = field(default_factory=list)
    backup: Path | None = None
    secrets: list[str] = field(default_factory=list)
    reloaded: bool = False
    confirmed: bool = False
    dry_run: bool = False
    """Nothing was written: `written` is what would be."""
    differences: list[str] | None = None
    """Dry run: where the installed config (file or Secret) lacks or contradicts the built one
    (`alertmanager_config.differences`: paths, never values); None when there is none yet."""
    running_differences: list[str] | None = None
    """Dry run with an Alertmanager: the same for the config it runs; None without one."""


@dataclass(frozen=True)
class Built:
    """The build's Alertmanager folder: the config (as built, placeholders and all) and its templates."""

    folder: Path

    @property
    def config(self) -> Path:
        return self.folder / Path(ALERTMANAGER_CONFIG).name

    def data(self) -> dict[str, Any]:
        return yaml.safe_load(self.config.read_text()) or {}

    def templates(self) -> dict[str, bytes]:
        """{path relative to the folder: bytes} of the notification templates (not the build's routes table)."""
        folder = self.folder / ALERTMANAGER_TEMPLATES
        return {p.relative_to(self.folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file() and not p.name.startswith(".")}


def install(tool: Tool, built: Built, config_path: Path, alertmanager: AlertmanagerClient | None,
            env: Mapping[str, str], owner: str, confirm_timeout: float = 10.0,
            clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
            dry_run: bool = False) -> AlertmanagerReport:
    """Check, fill, install, reload and confirm as one change (see the module's description); with `dry_run`,
    check, fill and compare only (see AlertmanagerReport)."""
    expected, content, secrets = checked_config(tool, built, env)
    report = AlertmanagerReport(str(config_path), secrets=env_secrets(expected), dry_run=dry_run)
    with redacted(secrets):
        folder = config_path.parent
        if not dry_run:
            recover(folder)  # a killed earlier install is undone first
        templates = {Path(rel): data for rel, data in built.templates().items()}
        refuse_clashes([config_path, *(folder / rel for rel in templates)], owner, take_foreign=True)
        if alertmanager is not None:
            alertmanager.ready()
        change = FileTransaction(folder)
        change.write(Path(config_path.name), content, private=bool(secrets))
        for rel, data in templates.items():
            change.write(rel, data)
        if dry_run:
            installed = _parsed(config_path.read_bytes()) if config_path.is_file() else None
            return _compared(report, [p.relative_to(folder).as_posix() for p in change.pending()[0]], installed,
                             expected, alertmanager)
        if config_path.is_file() and config_path.read_bytes() != content:
            report.backup = backup(config_path)

        def confirmed(client: AlertmanagerClient) -> None:
            confirm(client, expected, confirm_timeout, clock, sleep)
            report.confirmed = True

        report.reloaded = apply_and_confirm(change, alertmanager, confirmed,
                                            f"the previous Alertmanager config in {folder} was restored")
        report.written = [p.relative_to(folder).as_posix() for p in change.written]
    return report


def checked_config(tool: Tool, built: Built, env: Mapping[str, str], operator: bool = False
                   ) -> tuple[dict[str, Any], bytes, tuple[str, ...]]:
    """(the config to expect running, with its placeholders; the bytes to install; the secret values filled in):
    `amtool check-config` on the built config, then on the filled one when secrets were filled; CheckFailed
    (nothing touched) if not. `operator`: the template globs point where prometheus-operator mounts them."""
    if not built.config.is_file():
        raise CheckFailed(f"no Alertmanager config in {built.folder}: the definitions make none "
                          "(add an alertmanager/ folder of definitions)")
    _check(amtool.check_config(tool, built.config), ())
    expected = operator_templates(built.data()) if operator else built.data()
    filled, secrets = fill_secrets(expected, env)
    if not secrets and not operator:
        return expected, built.config.read_bytes(), ()
    text = built.config.read_text()
    header = "".join(line for line in text.splitlines(keepends=True)[:1] if line.startswith("#"))
    content = to_yaml(filled, header)
    if secrets:
        _check(amtool.check_config_text(tool, content.decode(), built.folder), secrets)
    return expected, content, secrets


def install_secret(tool: Tool, kubectl: Tool, built: Built, namespace: str, name: str,
                   alertmanager: AlertmanagerClient | None, env: Mapping[str, str], confirm_timeout: float = 180.0,
                   clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                   dry_run: bool = False) -> AlertmanagerReport:
    """The config (secrets filled) and its templates into the Secret prometheus-operator builds Alertmanager's
    config from, by a server-side apply; then wait for Alertmanager to run it (the operator's config reloader
    reloads it once the kubelet has updated the mounted Secret). On failure the previous Secret is applied
    again (or the new one deleted); the previous one is held in memory only. With `dry_run`, check, fill and
    compare only (see AlertmanagerReport)."""
    expected, content, secrets = checked_config(tool, built, env, operator=True)
    report = AlertmanagerReport(f"secret {namespace}/{name}", secrets=env_secrets(expected), dry_run=dry_run)
    with redacted(secrets):
        if alertmanager is not None:
            alertmanager.ready()
        previous = kubectl_mod.get_secret(kubectl, namespace, name)
        templates = {Path(rel).name: data.decode() for rel, data in built.templates().items()}
        secret = alertmanager_secret(content.decode(), templates, namespace, SOURCE, name, encoded=True)
        if dry_run:
            before = (previous or {}).get("data") or {}
            installed = _parsed(base64.b64decode(before[CONFIG_KEY])) if CONFIG_KEY in before else None
            return _compared(report, sorted(k for k, v in secret["data"].items() if before.get(k) != v), installed,
                             expected, alertmanager)
        if previous is None or previous.get("data") != secret["data"]:
            kubectl_mod.apply(kubectl, secret)
            report.written = sorted(secret["data"])
        try:
            if alertmanager is not None:
                confirm(alertmanager, expected, confirm_timeout, clock, sleep)
                report.confirmed = True
        except BaseException as err:
            if report.written:
                _restore_secret(kubectl, previous, namespace, name)
            if isinstance(err, ObserveError):
                raise InstallFailed(f"{err}\nthe previous Secret {namespace}/{name} was "
                                    f"{'restored' if previous else 'deleted'}") from None
            raise
    return report


def _compared(report: AlertmanagerReport, changed: list[str], installed: Any, expected: dict[str, Any],
              alertmanager: AlertmanagerClient | None) -> AlertmanagerReport:
    """A dry run's report: what would be written, and where the installed and the running config differ from the
    built one (placeholders match any value: secrets are never compared or shown)."""
    report.written = changed
    report.differences = None if installed is None else differences(installed, expected)
    if alertmanager is not None:
        report.running_differences = differences(alertmanager.running_config(), expected)
    return report


def _parsed(config: bytes) -> Any:
    """An installed config as data ("" when it is not YAML: it then differs as a whole)."""
    try:
        return yaml.safe_load(config)
    except yaml.YAMLError:
        return ""


def _restore_secret(kubectl: Tool, previous: dict[str, Any] | None, namespace: str, name: str) -> None:
    if previous is None:
        kubectl_mod.delete_secret(kubectl, namespace, name)
        return
    meta = previous.get("metadata", {})
    kubectl_mod.apply(kubectl, {"apiVersion": "v1", "kind": "Secret", "type": previous.get("type", "Opaque"),
                                "metadata": {"name": name, "namespace": namespace,
                                             **{k: meta[k] for k in ("labels", "annotations") if k in meta}},
                                "data": previous.get("data") or {}})



def _check(result: FileResult, secrets: tuple[str, ...]) -> None:
    if not result.ok:
        raise CheckFailed(redact(f"amtool check-config refused the Alertmanager config; nothing was installed:\n"
                                 f"{result.output}", secret_forms(secrets)))


def backup(config_path: Path) -> Path:
    """Keep the current config as `<config>.bak`: a second name for the very file (same bytes, mode and owner),
    which the install then replaces by a new file under the config's name."""
    target = config_path.with_name(config_path.name + BACKUP_SUFFIX)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    os.link(config_path, temporary)
    os.replace(temporary, target)
    return target


def confirm(alertmanager: AlertmanagerClient, expected: dict[str, Any], timeout: float,
            clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
    """Poll /api/v2/status until the running config holds everything the built one says; InstallFailed naming
    where it differs (a path, never a value) when the timeout runs out."""
    deadline = clock() + timeout
    while True:
        where = difference(alertmanager.running_config(), expected)
        if where is None:
            return
        if clock() >= deadline:
            raise InstallFailed(f"{alertmanager.url} does not run the new config: it differs at {where} (is the "
                                "config path the file Alertmanager reads, its --config.file?)")
        sleep(POLL_SECONDS)


@contextmanager
def redacted(secrets: tuple[str, ...]) -> Iterator[None]:
    """Errors raised inside carry no secret value in their message."""
    try:
        yield
    except ObserveError as err:
        err.args = (redact(str(err), secret_forms(secrets)),)
        raise
