"""`mrm-observe report`: error budgets and burn rates of the project's SLOs from a Prometheus-compatible server."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from .. import pipeline_report
from ..errors import ExitCode
from ..report import PERIOD_KINDS
from ..report_markdown import render_markdown
from .common import handle_errors, make_project, parse_time, progress_bar, rich_text
from .servers import ServerOptions, server_options

FORMATS = ("table", "markdown", "json", "html")
STATUS_STYLE = {"breached": "bold red", "warning": "yellow", "ok": "green", "no-data": "dim"}


@click.command("report")
@click.option("--source", "sources", multiple=True, type=click.Path(path_type=Path),
              help="Definition folder or file; repeatable [default: slo/].")
@server_options("prometheus")
@click.option("--at", "at_text", metavar="TIME", help="Evaluation time of every query: RFC 3339 or Unix seconds "
                                                       "[default: now].")
@click.option("--period", type=click.Choice(PERIOD_KINDS), default="rolling", show_default=True,
              help="Each SLO's own rolling period, or the calendar month or week up to --at.")
@click.option("--timezone", "zone", default="UTC", show_default=True, help="Time zone of calendar periods.")
@click.option("--slo", "pattern", default="*", show_default=True, help="Only SLOs whose id matches this glob.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here, not stdout.")
@click.option("--from", "source", type=click.Choice(["raw", "recordings"]), default="raw", show_default=True,
              help="Count events from the SLI queries, or read the slo:* series the SLO rules record (cheaper; "
                   "rolling periods only).")
@click.option("--fail-on", type=click.Choice(["breached", "warning"]),
              help="Exit 5 when an SLO is breached (or, with warning, breached or warning): a CI gate.")
@handle_errors
def report(sources: tuple[Path, ...], prometheus: ServerOptions, at_text: str | None, period: str, zone: str,
           pattern: str, fmt: str, out: Path | None, source: str, fail_on: str | None) -> None:
    """Error budget, burn rates, alert pairs and exhaustion forecast of every SLO, at one fixed time."""
    at = parse_time(at_text, "--at") if at_text else datetime.now(timezone.utc)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {zone!r} (e.g. UTC, Europe/Berlin)", param_hint="--timezone")
    if source == "recordings" and period != "rolling":
        raise click.BadParameter("the slo:* recordings cover each SLO's rolling period only: use --from raw",
                                 param_hint="--from")
    settings = prometheus.settings()
    project = make_project(sources or (Path("slo"),), None, None)
    with progress_bar("querying", enabled=out is not None or fmt == "table") as bar:
        document, series = pipeline_report.report(project, settings, at, period, zone, pattern, bar,
                                                  charts=fmt == "html", source=source)
    text = _render(document, series, fmt)
    if out is None:
        click.echo(text, nl=False)
    else:
        from ..render import write_atomic  # with the YAML and JSON writers a report to stdout does without

        write_atomic(out, text.encode())
        click.echo(f"report of {len(document['slos'])} SLO(s) written to {out}")
    failing = {"breached": {"breached"}, "warning": {"breached", "warning"}}.get(fail_on or "", set())
    bad = [e["id"] for e in document["slos"] if e["status"] in failing]
    if bad:
        click.echo(f"--fail-on {fail_on}: {', '.join(bad)}", err=True)
        sys.exit(ExitCode.CHECK_FAILED)


def _render(document: dict, series: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    if fmt == "markdown":
        return render_markdown(document)
    if fmt == "html":
        from ..report_html import render_html  # the page and its charts, for html only

        return render_html(document, series)
    return _table(document)


def _table(document: dict) -> str:
    """A rich table, worst first, status in colour on a terminal."""
    from rich.table import Table

    table = Table(title=f"SLO report at {document['at']} from {document['prometheus']}")
    for column in ("SLO", "status", "objective", "SLI", "budget left", "burn 1h", "burn 1d", "firing",
                   "exhausted at (1h burn)"):
        table.add_column(column, justify="left" if column in ("SLO", "status", "firing") else "right")
    for e in document["slos"]:
        budget, burn = e["error_budget"], e["burn_rates"]
        firing = ", ".join(f"{a['short_window']}/{a['long_window']}" for a in e["alerts"] if a["firing"]) or "-"
        table.add_row(e["id"], f"[{STATUS_STYLE[e['status']]}]{e['status']}[/]", f"{e['objective']:g}%",
                      _pct(e["sli"], 3), _pct(budget["remaining_fraction"], 1), _num(burn.get("1h")),
                      _num(burn.get("1d")), firing, e["exhaustion_forecast"].get("1h") or "-")
    return rich_text(table)


def _pct(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


COMMANDS = (report,)
