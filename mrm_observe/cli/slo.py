"""`mrm-observe slo windows`: the burn-rate window table."""
from __future__ import annotations

import click

from ..durations import format_duration, parse_duration
from ..slo_math import WINDOW_ROW_HEADER, budget_seconds, error_budget, window_rows


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
    budget = error_budget(objective)
    click.echo(f"objective {objective:g}% over {period}: error budget {budget:g} "
               f"({format_duration(budget_seconds(budget, period))} of full outage)")
    rows = [WINDOW_ROW_HEADER, *(row.cells() for row in window_rows(objective, period))]
    widths = [max(len(r[i]) for r in rows) for i in range(len(WINDOW_ROW_HEADER))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


COMMANDS = (slo,)
