"""Install rule files into the folder Prometheus loads, reload it, confirm every group is loaded and healthy.

Works with Prometheus (run with --web.enable-lifecycle) and vmalert, through `prometheus_api.PrometheusClient`.
Order: `promtool check rules` on every file (nothing is touched if one fails) -> Prometheus ready, and its
rules API takes the credentials? -> write each file atomically (temp file + rename), remove rule files we
installed earlier that are gone -> `POST /-/reload` -> poll `/api/v1/rules` until every group is loaded with all its rules and none reports an
error. On any failure after the first write, the previous files are put back and Prometheus is reloaded.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import promtool as promtool_mod
from .conventions import GENERATED_MARK, RULE_FILE_SUFFIX
from .errors import CheckFailed, ExitCode, ObserveError
from .prometheus_api import PrometheusClient
from .promtool import Promtool
from .render import write_atomic

POLL_SECONDS = 0.2


class InstallFailed(ObserveError):
    """Reload or confirmation failed; the previous rule files were restored."""

    exit_code = ExitCode.PUBLISH_FAILED


@dataclass
class InstallReport:
    """What changed in the rules folder and what Prometheus confirmed."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    not_evaluated: list[str] = field(default_factory=list)
    reloaded: bool = False


def expected_groups(files: Sequence[Path]) -> dict[tuple[str, str], int]:
    """{(file name, group name): number of rules} for the rule files to install."""
    found = {}
    for path in files:
        for group in (yaml.safe_load(path.read_text()) or {}).get("groups") or []:
            found[(path.name, group["name"])] = len(group.get("rules") or [])
    return found


def install(tool: Promtool, files: Sequence[Path], rules_dir: Path, prometheus: PrometheusClient | None,
            confirm_timeout: float = 10.0, clock: Callable[[], float] = time.monotonic,
            sleep: Callable[[float], None] = time.sleep) -> InstallReport:
    """Check, install, reload and confirm; restore the previous files when reload or confirmation fails."""
    if not files:
        raise CheckFailed("no rule files to install: the definitions produce no rule groups")
    failed = [r for r in promtool_mod.check_rules(tool, files, files[0].parent) if not r.ok]
    if failed:
        raise CheckFailed("promtool check rules refused; nothing was installed:\n"
                          + "\n".join(f"{r.file}:\n{r.output}" for r in failed))
    if prometheus is not None:
        prometheus.ready()
        prometheus.rule_groups()  # the credentials work (vmalert leaves /-/ready open) before anything is written
    rules_dir.mkdir(parents=True, exist_ok=True)
    names = {p.name for p in files}
    stale = [p for p in sorted(rules_dir.glob(f"*{RULE_FILE_SUFFIX}")) if p.name not in names and _ours(p)]
    previous = {p.name: p.read_bytes() for p in rules_dir.iterdir() if p.name in names or p in stale}
    report = InstallReport()
    try:
        for path in files:
            target = rules_dir / path.name
            (report.written if write_atomic(target, path.read_bytes()) else report.unchanged).append(path.name)
        for path in stale:
            path.unlink()
            report.removed.append(path.name)
        if prometheus is not None:
            if report.written or report.removed:
                prometheus.reload()
                report.reloaded = True
            report.groups, report.not_evaluated = confirm(prometheus, expected_groups(files), confirm_timeout,
                                                          clock, sleep)
    except (ObserveError, OSError) as err:
        _restore(rules_dir, previous, names, prometheus)
        raise InstallFailed(f"{err}\nthe previous rule files in {rules_dir} were restored") from None
    return report


def confirm(prometheus: PrometheusClient, expected: dict[tuple[str, str], int], timeout: float,
            clock: Callable[[], float], sleep: Callable[[float], None]) -> tuple[list[str], list[str]]:
    """Wait until every expected group is loaded with all its rules and evaluated; fail on any rule error.

    Returns (groups loaded, rules not evaluated yet when the timeout ran out, which is not an error).
    """
    deadline = clock() + timeout
    while True:
        loaded = {(Path(g["file"]).name, g["name"]): g for g in prometheus.rule_groups()}
        missing = [f"{f}: {n}" for (f, n), count in expected.items()
                   if (f, n) not in loaded or len(loaded[(f, n)]["rules"]) != count]
        rules = [(key, r) for key in expected if key in loaded for r in loaded[key]["rules"]]
        errors = [f"{key[0]}: group {key[1]!r}: rule {r['name']!r}: {r.get('lastError') or 'unhealthy'}"
                  for key, r in rules if r.get("health") == "err"]
        if errors:
            raise InstallFailed("Prometheus reports rule errors:\n" + "\n".join(errors))
        pending = [f"{key[1]}/{r['name']}" for key, r in rules if _not_evaluated(r)]
        if not missing and not pending:
            return sorted(f"{f}: {n}" for f, n in expected), []
        if clock() >= deadline:
            if missing:
                raise InstallFailed("Prometheus did not load these groups (is the rules folder in its "
                                    "rule_files?): " + ", ".join(missing))
            return sorted(f"{f}: {n}" for f, n in expected), pending
        sleep(POLL_SECONDS)


def _not_evaluated(rule: dict[str, Any]) -> bool:
    """Prometheus says health "unknown"; vmalert says "ok" with a zero lastEvaluation (year 1)."""
    return rule.get("health") == "unknown" or str(rule.get("lastEvaluation", "")).startswith("0001-")


def _ours(path: Path) -> bool:
    """A rule file mrm-observe generated (its header says so)."""
    with path.open("rb") as handle:
        return handle.readline().startswith(GENERATED_MARK.encode())


def _restore(rules_dir: Path, previous: dict[str, bytes], names: set[str], prometheus: PrometheusClient | None) -> None:
    """Put the previous bytes back, delete files that did not exist before, and reload (best effort)."""
    for name in names - set(previous):
        (rules_dir / name).unlink(missing_ok=True)
    for name, content in previous.items():
        write_atomic(rules_dir / name, content)
    if prometheus is not None:
        try:
            prometheus.reload()
        except ObserveError:
            pass  # the files are back; Prometheus keeps its last good config until the next reload
