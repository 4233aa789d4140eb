"""`mrm-observe watch`: rebuild and re-test whenever a definition or a promtool test changes, one line per run."""
from __future__ import annotations

import time
from pathlib import Path

import click

from .. import pipeline
from .. import project as project_mod
from ..errors import DefinitionError, ObserveError
from ..promtool import Promtool
from ..watch import watch as watch_loop
from .common import handle_errors, make_project, project_options, project_path, promtool, summary_line


@click.command("watch")
@project_options
@click.option("--interval", type=click.FloatRange(0.05), default=0.5, show_default=True,
              help="Seconds between looks at the files.")
@click.option("--runs", type=click.IntRange(1), default=None,
              help="Stop after this many runs (the first one included) [default: until interrupted].")
@handle_errors
def watch(sources: tuple[Path, ...], out: Path | None, tests: Path | None, interval: float,
          runs: int | None) -> None:
    """Build and run the promtool tests now and again after every saved change, with the result in one line."""
    project = make_project(sources, out, tests)
    try:
        tool: Promtool | None = promtool()
    except ObserveError:
        tool = None
    paths = [*project.sources, project.tests]
    click.echo(f"watching {', '.join(project_path(str(p), project) for p in paths)} every {interval:g}s (Ctrl-C stops)", err=True)
    try:
        watch_loop(paths, lambda: click.echo(_run_once(project, tool)), interval, runs)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def _run_once(project: project_mod.Project, tool: Promtool | None) -> str:
    """One build (and test run, with promtool) as one line: `HH:MM:SS ok|FAIL: ... (N.NN s)`."""
    started, stamp = time.monotonic(), time.strftime("%H:%M:%S")
    try:
        if tool is None:
            text, ok = f"{summary_line(pipeline.build(project))}; promtool not found: tests not run", True
        else:
            result = pipeline.run_tests(project, tool, (), project_mod.promtool_locator(tool))
            failed = [Path(r.file).name for r in result.results if not r.ok]
            text = (f"{summary_line(result.build)}; promtool tests: {len(result.results) - len(failed)} passed, "
                    f"{len(failed)} failed" + (f" ({', '.join(failed)})" if failed else ""))
            ok = result.ok
    except DefinitionError as err:
        text, ok = f"{len(err.problems)} problem(s), first: {err.problems[0]}", False
    except ObserveError as err:
        text, ok = str(err).splitlines()[0], False
    return f"{stamp} {'ok' if ok else 'FAIL'}: {text} ({time.monotonic() - started:.2f} s)"


COMMANDS = (watch,)
