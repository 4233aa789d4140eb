"""Install rule files into the folder Prometheus loads, reload it, confirm every group is loaded and healthy.

Works with Prometheus (run with --web.enable-lifecycle) and vmalert, through `prometheus_api.PrometheusClient`.
Order (the caller has run `promtool check rules` on every file and touches nothing if one fails; see
pipeline_publish.publish_rules) -> no file we would replace belongs to someone else -> Prometheus ready, and its rules API takes the credentials? -> in one file transaction
(transaction.py): write each file, remove the rule files of the same owner that are gone, `POST /-/reload`,
poll `/api/v1/rules` until every group is loaded with all its rules and none reports an error. On any failure or
interruption the previous files come back (a killed run is undone by the next) and Prometheus is reloaded again.
"""
from __future__ import annotations

import difflib
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .conventions import RULE_FILE_SUFFIX
from .errors import CheckFailed
from .install import InstallFailed, apply_and_confirm, owner_of, refuse_clashes
from .prometheus_api import PrometheusClient
from .transaction import FileTransaction, recover

POLL_SECONDS = 0.2
log = logging.getLogger(__name__)


@dataclass
class InstallReport:
    """What changed in the rules folder and what Prometheus confirmed."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    not_evaluated: list[tuple[str, str]] = field(default_factory=list)
    """(group, rule) of the rules Prometheus had not evaluated yet when confirming stopped."""
    reloaded: bool = False
    notes: list[str] = field(default_factory=list)
    """What promtool could not check (group fields it predates: see pipeline.check_rule_files)."""


SHOWN_GROUPS = 5
"""`pending_summary` names this many groups at most."""


def pending_summary(pending: Sequence[tuple[str, str]]) -> str:
    """One line for the rules not evaluated yet: counted by group, the fullest groups named (a freshly loaded
    rule file has all its rules pending until its group's next evaluation, which is no error)."""
    by_group = Counter(group for group, _ in pending)
    if len(pending) == 1:
        return f"not evaluated yet: rule {pending[0][1]!r} of group {pending[0][0]!r}"
    named = sorted(by_group.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{group} ({count})" for group, count in named[:SHOWN_GROUPS])
    more = f", and {len(named) - SHOWN_GROUPS} more group(s)" if len(named) > SHOWN_GROUPS else ""
    return (f"not evaluated yet: {len(pending)} rules in {len(by_group)} group(s), normal right after a reload "
            f"(each group runs at its next interval): {shown}{more}")


def expected_groups(files: Sequence[Path]) -> dict[tuple[str, str], int]:
    """{(file name, group name): number of rules} for the rule files to install."""
    found = {}
    for path in files:
        for group in (yaml.safe_load(path.read_text()) or {}).get("groups") or []:
            found[(path.name, group["name"])] = len(group.get("rules") or [])
    return found


def install(files: Sequence[Path], rules_dir: Path, prometheus: PrometheusClient | None, owner: str,
            confirm_timeout: float = 10.0, clock: Callable[[], float] = time.monotonic,
            sleep: Callable[[float], None] = time.sleep) -> InstallReport:
    """Install, reload and confirm checked rule files as one change: on any failure or interruption the previous
    files come back (and Prometheus is reloaded again if it had loaded the new ones)."""
    if not files:
        raise CheckFailed("no rule files to install: the definitions produce no rule groups")
    recover(rules_dir)  # a killed earlier install is undone first
    refuse_clashes([rules_dir / path.name for path in files], owner)
    if prometheus is not None:
        prometheus.ready()
        prometheus.rule_groups()  # the credentials work (vmalert leaves /-/ready open) before anything is written
    names = {p.name for p in files}
    report = InstallReport()
    change = FileTransaction(rules_dir)
    for path in files:
        change.write(Path(path.name), path.read_bytes())
    for name in stale_files(rules_dir, names, owner):
        change.remove(Path(name))

    def confirmed(client: PrometheusClient) -> None:
        report.groups, report.not_evaluated = confirm(client, expected_groups(files), confirm_timeout, clock, sleep)

    report.reloaded = apply_and_confirm(change, prometheus, confirmed,
                                        f"the previous rule files in {rules_dir} were restored")
    report.written = [p.name for p in change.written]
    report.unchanged = sorted(names - set(report.written))
    report.removed = [p.name for p in change.removed]
    log.info("in %s: installed %s; removed %s; %d unchanged%s", rules_dir, ", ".join(report.written) or "none",
             ", ".join(report.removed) or "none", len(report.unchanged),
             "; Prometheus reloaded and confirmed" if report.reloaded else "")
    return report


def stale_files(rules_dir: Path, names: set[str], owner: str) -> list[str]:
    """Rule files in rules_dir that `owner` installed earlier and that are not among `names` any more."""
    return [path.name for path in (sorted(rules_dir.glob(f"*{RULE_FILE_SUFFIX}")) if rules_dir.is_dir() else [])
            if path.name not in names and owner_of(path) == owner]


@dataclass
class RulesPlan:
    """What installing would change in the rules folder, without changing it."""

    added: list[str] = field(default_factory=list)
    changed: dict[str, str] = field(default_factory=dict)
    """File name -> unified diff from the installed file to the built one."""
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def plan(files: dict[str, bytes], rules_dir: Path, owner: str) -> RulesPlan:
    """Compare the rule files to install (name -> bytes) with rules_dir the way `install` would change it; a file
    that belongs to someone else raises NameClash, as install would."""
    refuse_clashes([rules_dir / name for name in files], owner)
    result = RulesPlan(removed=stale_files(rules_dir, set(files), owner))
    for name, content in sorted(files.items()):
        target = rules_dir / name
        if not target.is_file():
            result.added.append(name)
        elif target.read_bytes() == content:
            result.unchanged.append(name)
        else:
            result.changed[name] = "\n".join(difflib.unified_diff(
                target.read_text(errors="replace").splitlines(), content.decode(errors="replace").splitlines(),
                str(target), f"build/{name}", lineterm=""))
    return result


def confirm(prometheus: PrometheusClient, expected: dict[tuple[str, str], int], timeout: float,
            clock: Callable[[], float], sleep: Callable[[float], None]) -> tuple[list[str], list[tuple[str, str]]]:
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
        pending = [(key[1], r["name"]) for key, r in rules if _not_evaluated(r)]
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
