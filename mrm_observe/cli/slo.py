"""`mrm-observe slo windows` (the burn-rate window table) and `mrm-observe import` (Sloth/OpenSLO -> Python)."""
from __future__ import annotations

from pathlib import Path

import click

from ..durations import format_duration, parse_duration
from ..errors import DefinitionError, Problem
from ..model.windows import table_for
from ..slo_specs import load_spec, python_source, slo_problems
from .common import handle_errors


@click.group("slo")
def slo() -> None:
    """SLO tools."""


@slo.command("windows")
@click.option("--objective", type=float, required=True, help="Objective in percent, e.g. 99.9.")
@click.option("--period", default="30d", show_default=True, help="Rolling SLO period, e.g. 30d, 28d, 7d.")
def windows(objective: float, period: str) -> None:
    """Print the alert windows of an objective and period: factors, budget spent, time to fire and to exhaust."""
    try:
        parse_duration(period)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--period") from None
    if not 0 < objective < 100:
        raise click.BadParameter(f"must be between 0 and 100, both exclusive (got {objective:g})",
                                 param_hint="--objective")
    budget = round(1 - objective / 100, 12)
    table = table_for(period)
    click.echo(f"objective {objective:g}% over {period}: error budget {budget:g} "
               f"({format_duration(budget * parse_duration(period))} of full outage)")
    header = ("tier", "short", "long", "factor", "budget spent", "fires after (outage)", "exhausts budget in")
    rows = [header]
    for w in table.windows:
        factor = w.factor(period)
        fire = w.detection_seconds(period, budget)
        rows.append((w.severity, w.short, w.long, f"{factor:g}x" + (" (never)" if factor * budget >= 1 else ""),
                     f"{w.budget_percent:g}%", format_duration(max(1, round(fire))),
                     format_duration(w.exhaustion_seconds(period))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handle_errors
def import_spec(file: Path) -> None:
    """Convert a Sloth prometheus/v1 or OpenSLO openslo/v1 file into a Python SLO module (printed to stdout)."""
    found = load_spec(file, file.name)
    problems = found.problems + slo_problems(found.slos)
    if not problems and not found.slos:
        problems = [Problem(file.name, "", "", "no SLO in this file")]
    if problems:
        raise DefinitionError(problems)
    click.echo(python_source([item.obj for item in found.slos], file.name), nl=False)


COMMANDS = (slo, import_spec)
