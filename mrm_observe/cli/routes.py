"""`mrm-observe routes`: where every alert goes, and why (the build's routes.json as a table or as JSON)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .. import pipeline
from ..conventions import ROUTES_TABLE
from ..errors import CheckFailed, ExitCode
from .common import handle_errors, locator, make_project, project_options, rich_text


@click.command()
@project_options
@click.option("--json", "as_json", is_flag=True, help="Print the build's routes.json instead of a table.")
@handle_errors
def routes(sources: tuple[Path, ...], out: Path | None, tests: Path | None, as_json: bool) -> None:
    """Build, then show where every alert goes: the receivers it reaches, the route that takes it and why, and
    whether it is unrouted or a page that does not page."""
    project = make_project(sources, out, tests)
    report = pipeline.build(project, locator())
    artifact = report.artifacts.get(ROUTES_TABLE)
    if artifact is None:
        raise CheckFailed("no Alertmanager definition among the sources: define `alertmanager = Alertmanager(...)` "
                          "in a module under alertmanager/")
    table = json.loads(artifact.content)
    click.echo(artifact.content.decode() if as_json else rich_text(_table(table)), nl=False)
    failing = [f for alert in table["alerts"] for f in alert["findings"] if "waived" not in f]
    if not as_json:
        waived = sum(len(alert["findings"]) for alert in table["alerts"]) - len(failing)
        click.echo(f"{len(table['alerts'])} alert rule(s), {len(failing)} routing finding(s), {waived} waived")
    if failing:
        sys.exit(ExitCode.INVALID)


def _table(data: dict[str, Any]) -> Any:
    """One row per alert and route (SLO window pairs that route alike share a row), receivers marked when they
    page, findings (UNROUTED, UNPAGED; `lint` and --json say why) and waivers last."""
    from rich.table import Table

    paging = {name: receiver["pages"] for name, receiver in data["receivers"].items()}
    table = Table(title=f"Where every alert goes (default receiver: {data['default_receiver']})")
    for column in ("alert", "severity", "receivers", "route (why)", "grouped by", "rules", "notes"):
        table.add_column(column, overflow="fold")
    rows: dict[tuple[str, ...], int] = {}
    for alert in data["alerts"]:
        labels = alert["labels"]
        tier = "/".join(v for v in (labels.get("severity"), labels.get("sloth_severity")) if v)
        receivers = ", ".join(f"{r} (pages)" if paging.get(r) else r for r in alert["receivers"])
        why = "; ".join(_why(route) for route in alert["routes"])
        grouped = "; ".join(", ".join(route["group_by"]) or "-" for route in alert["routes"])
        notes = "; ".join(f"{f['check']} waived: {f['waived']}" if "waived" in f else f["check"].upper()
                          for f in alert["findings"])
        key = (alert["alert"], tier, receivers, why, grouped, notes)
        rows[key] = rows.get(key, 0) + 1
    for (name, tier, receivers, why, grouped, notes), count in rows.items():
        table.add_row(name, tier, receivers, why, grouped, str(count), notes)
    return table


def _why(route: dict[str, Any]) -> str:
    """The route that took the alert: what an alert must match to get there (its matchers and those above it, or
    that no route matched) and its time intervals."""
    text = "{" + ", ".join(route["conditions"]) + "}" if route["conditions"] else "no route matched (root)"
    if route["mute_time_intervals"]:
        text += f" muted in {', '.join(route['mute_time_intervals'])}"
    if route["active_time_intervals"]:
        text += f" active in {', '.join(route['active_time_intervals'])}"
    return text


COMMANDS = (routes,)
