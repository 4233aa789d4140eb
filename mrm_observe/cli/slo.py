"""`mrm-observe slo windows`: the burn-rate window table."""
from __future__ import annotations

import click

from ..durations import format_duration
from ..model.slo import objective_problem
from ..model.windows import table_for
from ..slo_math import WINDOW_ROW_HEADER, budget_seconds, error_budget, table_problems, window_rows
from .common import scrape_option, seconds


@click.group("slo")
def slo() -> None:
    """SLO tools."""


@slo.command("windows")
@click.option("--objective", type=float, required=True, help="Objective in percent, e.g. 99.9.")
@click.option("--period", default="30d", show_default=True, help="Rolling SLO period, e.g. 30d, 28d, 7d.")
@scrape_option
def windows(objective: float, period: str, scrape_interval: str) -> None:
    """Print the alert windows of an objective and period: factors, budget spent, time to fire and to exhaust.

    The table is checked as `build` checks an SLO's: windows the build would refuse are refused here too."""
    seconds(period, "--period")
    scrape = seconds(scrape_interval, "--scrape-interval")
    why = objective_problem(objective)
    if why:
        raise click.BadParameter(why, param_hint="--objective")
    problems = table_problems(table_for(period), error_budget(objective), scrape)
    if problems:
        raise click.UsageError(f"build would refuse the built-in windows of {objective:g}% over {period}:\n"
                               + "\n".join(f"  {where}: {message}" for where, message in problems))
    budget = error_budget(objective)
    click.echo(f"objective {objective:g}% over {period}: error budget {budget:g} "
               f"({format_duration(budget_seconds(budget, period))} of full outage)")
    rows = [WINDOW_ROW_HEADER, *(row.cells() for row in window_rows(objective, period))]
    widths = [max(len(r[i]) for r in rows) for i in range(len(WINDOW_ROW_HEADER))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


COMMANDS = (slo,)
