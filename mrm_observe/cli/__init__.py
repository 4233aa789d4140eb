"""The `mrm-observe` command line: parse options, call one pipeline function, print, map errors to exit codes.

This module only assembles the command group; each command module imports the shared modules (`cli.common`,
`cli.servers`) and nothing else of the CLI, so no module imports the CLI back. Command modules are imported
when their command runs, so `build` does not pay for the HTTP stack that `publish` needs.
"""
from __future__ import annotations

import gc
import importlib
import sys

import click

COMMANDS = {"build": "build", "check": "build", "lint": "build", "test": "build", "publish": "publish",
            "export": "export", "slo": "slo", "import": "importer", "report": "report", "gate": "gate",
            "tune": "tune", "routes": "routes", "diff": "diff", "watch": "watch"}
"""Command name -> the module of this package that defines it (in its COMMANDS)."""


class LazyGroup(click.Group):
    """A group whose commands are imported on first use (click's documented lazy-loading pattern)."""

    freeze_imports = False
    """Set by `run`: once a command's module is imported, move everything the imports made out of the garbage
    collector's sight (`gc.freeze`). They live until exit, so collecting them finds nothing, and the collection at
    exit no longer walks them: about a fifth of a short command's CPU time."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"{__name__}.{COMMANDS[cmd_name]}")
        from .common import with_output_options  # already imported by every command module
        if self.freeze_imports:
            gc.freeze()
            gc.enable()
        return with_output_options(next(c for c in module.COMMANDS if c.name == cmd_name))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mrm-observe")
def main() -> None:
    """Monitoring as code: build Grafana dashboards, Prometheus rules and SLOs from Python, test them with promtool."""


HTTPX_CLI = "httpx._main"
"""httpx's own command-line program. The httpx package imports it when it can (with click, rich's console and
progress, and pygments' lexers: about 35 ms of a report's start) and falls back to a stub when that import fails;
this program never runs it, so `run` makes that import fail."""


def run() -> None:
    """The `mrm-observe` program: the CLI, with the garbage collector off while it imports (see freeze_imports)
    and without httpx's command-line program (see HTTPX_CLI)."""
    gc.disable()
    sys.modules.setdefault(HTTPX_CLI, None)  # type: ignore[arg-type]  # None in sys.modules: the import fails
    main.freeze_imports = True
    main()


__all__ = ["main", "run"]
