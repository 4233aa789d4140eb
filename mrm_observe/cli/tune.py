"""`mrm-observe tune`: back-test alerting rules on a Prometheus-compatible server's history, and what other settings
would have done."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from .. import pipeline_tune
from ..durations import parse_duration
from ..render import write_atomic
from ..tune.backtest import Axes
from ..tune.html import render_html
from ..tune.inputs import load_incidents
from ..tune.markdown import SUMMARY, render_markdown, summary_cells
from .common import handle_errors, make_project, parse_time, progress_bar, rich_text, seconds
from .servers import ServerOptions, server_options

FORMATS = ("table", "markdown", "json", "html")
DEFINITION_FOLDERS = (Path("alerts"), Path("slo"))


@click.command("tune")
@click.option("--source", "sources", multiple=True, type=click.Path(path_type=Path),
              help="Definition folder or file; repeatable [default: alerts/ and slo/].")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A Prometheus rule file or PrometheusRule manifest instead of the definitions; repeatable.")
@server_options("prometheus")
@click.option("--since", default=None, metavar="DURATION", help="The range: this long before --end [default: 7d].")
@click.option("--start", "start_text", metavar="TIME", help="Start of the range: RFC 3339 or Unix seconds.")
@click.option("--end", "end_text", metavar="TIME", help="End of the range: RFC 3339 or Unix seconds [default: now].")
@click.option("--alert", "patterns", multiple=True, metavar="GLOB", help="Only alerts whose name matches; repeatable.")
@click.option("--incidents", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML or CSV incident windows (start, end, optional labels and name).")
@click.option("--threshold", "thresholds", multiple=True, type=float, metavar="V",
              help="What-if threshold for alerts of the form EXPR > V (or <, >=, <=, ==, !=); repeatable.")
@click.option("--for", "fors", multiple=True, metavar="DURATION", help="What-if `for`; repeatable.")
@click.option("--keep-firing-for", "keeps", multiple=True, metavar="DURATION",
              help="What-if `keep_firing_for`; repeatable.")
@click.option("--burn-factor", "factors", multiple=True, type=click.FloatRange(0, min_open=True), metavar="F",
              help="What-if burn factor of SLO alerts; repeatable.")
@click.option("--burn-windows", "windows", multiple=True, metavar="SHORT/LONG",
              help="What-if window pair of SLO alerts, e.g. 10m/2h; repeatable.")
@click.option("--timezone", "zone", default="UTC", show_default=True, help="Time zone of the hour bands.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the result here, not stdout.")
@handle_errors
def tune(sources: tuple[Path, ...], rule_files: tuple[Path, ...], prometheus: ServerOptions, since: str | None,
         start_text: str | None, end_text: str | None, patterns: tuple[str, ...], incidents: Path | None,
         thresholds: tuple[float, ...], fors: tuple[str, ...], keeps: tuple[str, ...], factors: tuple[float, ...],
         windows: tuple[str, ...], zone: str, fmt: str, out: Path | None) -> None:
    """How often each alert would have fired over a range, whether it caught the incidents, and what other
    thresholds, `for`, `keep_firing_for`, burn factors or windows would have done."""
    if sources and rule_files:
        raise click.UsageError("give definitions (--source) or rule files (--rules), not both")
    start, end = _range(since, start_text, end_text)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {zone!r} (e.g. UTC, Europe/Berlin)", param_hint="--timezone")
    axes = Axes(tuple(thresholds), tuple(_duration(f, "--for") for f in fors),
                tuple(_duration(k, "--keep-firing-for") for k in keeps), tuple(factors),
                tuple(_window_pair(w) for w in windows))
    settings = prometheus.settings()
    source = rule_files or make_project(sources or tuple(f for f in DEFINITION_FOLDERS if f.exists()), None, None)
    chosen = pipeline_tune.alerts(source, patterns)
    known = load_incidents(incidents) if incidents else None
    with progress_bar("querying", enabled=out is not None or fmt == "table") as bar:
        document, charts = pipeline_tune.tune(chosen, settings, start, end, axes, known, zone, bar,
                                              charts=fmt == "html")
    text = _render(document, charts, fmt)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_atomic(out, text.encode())
        click.echo(f"back-test of {len(document['alerts'])} alert(s) written to {out}")


def _range(since: str | None, start_text: str | None, end_text: str | None) -> tuple[datetime, datetime]:
    if since and start_text:
        raise click.UsageError("give --since or --start, not both")
    end = parse_time(end_text, "--end") if end_text else datetime.now(timezone.utc)
    if start_text:
        start = parse_time(start_text, "--start")
    else:
        start = end - timedelta(seconds=seconds(since or "7d", "--since"))
    if start >= end:
        raise click.BadParameter(f"the range must end after it starts ({start.isoformat()} to {end.isoformat()})",
                                 param_hint="--start/--end")
    return start, end


def _duration(text: str, option: str) -> float:
    """A duration option's seconds; `0` as Prometheus accepts it."""
    return 0.0 if text == "0" else seconds(text, option)


def _window_pair(text: str) -> tuple[str, str]:
    """`10m/2h` as (short, long), both Prometheus durations, the short one shorter."""
    short, _, long = text.partition("/")
    try:
        if parse_duration(short) >= parse_duration(long):
            raise ValueError("the short window must be shorter than the long one")
    except ValueError as err:
        raise click.BadParameter(f"{text!r}: {err} (e.g. 5m/1h)", param_hint="--burn-windows") from None
    return short, long


def _render(document: dict, charts: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    if fmt == "markdown":
        return render_markdown(document)
    if fmt == "html":
        return render_html(document, charts)
    return _table(document)


def _table(document: dict) -> str:
    """A rich table of every alert, noisiest first, then each alert's recommendation."""
    from rich.table import Table
    from rich.text import Text

    span = document["range"]
    table = Table(title=f"Alert back-test {span['start']} to {span['end']} from {document['prometheus']}")
    for index, column in enumerate(SUMMARY):
        table.add_column(column, justify="left" if index == 0 else "right")
    for alert in document["alerts"]:
        table.add_row(*summary_cells(alert))
    advice = [Text(f"{summary_cells(a)[0]}: {a['recommendation']}") for a in document["alerts"]]
    return rich_text(table, *advice)


COMMANDS = (tune,)
