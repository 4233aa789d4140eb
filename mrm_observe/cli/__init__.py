"""The `mrm-observe` command line: parse options, call one pipeline function, print, map errors to exit codes.

This module only assembles the command group; each command module imports `cli.common` and nothing else of
the CLI, so no module imports the CLI back.
"""
from __future__ import annotations

import click

from . import build, export, publish, slo


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mrm-observe")
def main() -> None:
    """Monitoring as code: build Grafana dashboards, Prometheus rules and SLOs from Python, test them with promtool."""


for _module in (build, publish, export, slo):
    for _command in _module.COMMANDS:
        main.add_command(_command)

__all__ = ["main"]
