"""`mrm-observe gate`: the post-deployment checklist as a command (SLO burn since the rollout, alerts that fired)."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from .. import pipeline_report
from ..errors import ExitCode
from .common import handle_errors, make_project, parse_time, progress_bar, rich_text, seconds
from .servers import ServerOptions, server_options


@click.command("gate")
@click.option("--source", "sources", multiple=True, type=click.Path(path_type=Path),
              help="Definition folder or file; repeatable [default: dashboards/, alerts/, slo/].")
@server_options("prometheus")
@click.option("--since", "since_text", required=True, metavar="TIME",
              help="When the rollout happened: RFC 3339 or Unix seconds.")
@click.option("--until", "until_text", metavar="TIME", help="End of the span judged [default: now].")
@click.option("--for", "watch_for", metavar="DURATION", default="1h", show_default=True,
              help="With --watch: how long after --since to keep watching.")
@click.option("--max-burn", type=click.FloatRange(min=0, min_open=True), metavar="FACTOR",
              help="Highest burn rate allowed since --since [default: each SLO's lowest ticket factor, 1x for 30d].")
@click.option("--slo", "pattern", default="*", show_default=True, help="Only SLOs whose id matches this glob.")
@click.option("--watch", is_flag=True, help="Evaluate every 30 s until --since + --for; fail as soon as a check fails.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@handle_errors
def gate(sources: tuple[Path, ...], prometheus: ServerOptions, since_text: str, until_text: str | None,
         watch_for: str, max_burn: float | None, pattern: str, watch: bool, fmt: str) -> None:
    """Pass (exit 0) or fail (exit 5, every reason named) a deployment: SLO burn and alerts since --since."""
    since = parse_time(since_text, "--since")
    until = parse_time(until_text, "--until") if until_text else None
    if until is not None and until <= since:
        raise click.BadParameter("must be after --since", param_hint="--until")
    watch_until = since + timedelta(seconds=seconds(watch_for, "--for")) if watch else None
    if watch and until is not None:
        raise click.UsageError("--watch judges up to now, every 30 s: leave out --until")
    settings = prometheus.settings()
    with progress_bar("watching", enabled=watch and fmt == "table") as bar:
        document = pipeline_report.gate(make_project(sources, None, None), settings, since, until, max_burn, pattern,
                                        watch_until, lambda: datetime.now(timezone.utc), progress=bar)
    click.echo(json.dumps(document, indent=2) if fmt == "json" else _table(document), nl=fmt != "table")
    if not document["passed"]:
        for reason in document["reasons"]:
            click.echo(f"gate: {reason}", err=True)
        sys.exit(ExitCode.CHECK_FAILED)


def _table(document: dict) -> str:
    from rich.table import Table

    verdict = "[green]passed[/]" if document["passed"] else "[bold red]FAILED[/]"
    table = Table(title=f"deploy gate {verdict}: {document['since']} to {document['until']}")
    for column in ("SLO", "burn since deploy", "limit", "result"):
        table.add_column(column, justify="right" if column in ("burn since deploy", "limit") else "left")
    for check in document["slos"]:
        burn = "-" if check["burn_rate"] is None else f"{check['burn_rate']:.2f}x"
        result = ("[green]ok[/]" if check["passed"] else "[bold red]too fast[/]") + \
            (f" ({check['note']})" if check["note"] else "")
        table.add_row(check["id"], burn, f"{check['limit']:g}x", result)
    return rich_text(table, *(f"alert fired since the deploy: {a['alertname']} ({a['severity'] or 'no severity'})"
                              for a in document["alerts_fired"]))


COMMANDS = (gate,)
