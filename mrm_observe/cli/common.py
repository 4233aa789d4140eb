"""What every command shares: error handling, project and server options, terminal detection.

Command modules import this module and nothing else of the CLI; the package's `__init__` assembles them.
This is the one layer that reads the environment (CI, GRAFANA_*, PROMETHEUS_URL) and credential files;
settings are passed down, and credentials are never echoed.
"""
from __future__ import annotations

import contextlib
import io
import functools
import os
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from .. import durations
from .. import project as projects
from ..durations import parse_duration
from ..errors import DefinitionError, ObserveError
from ..external_tool import Tool
from ..progress import Progress
from ..amtool import Amtool, find_amtool
from ..promtool import Promtool, find_promtool

Command = Callable[..., Any]


def handle_errors(func: Command) -> Command:
    """Print ObserveErrors (every problem, one per line) to stderr and exit with their code."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DefinitionError as err:
            for problem in err.problems:
                click.echo(f"error: {problem}", err=True)
            click.echo(f"{len(err.problems)} problem(s); nothing was written", err=True)
            sys.exit(err.exit_code)
        except ObserveError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)
    return wrapper


def project_options(func: Command) -> Command:
    """--source (repeatable), --out and --tests, resolved against the current directory."""
    func = click.option("--tests", "tests", type=click.Path(path_type=Path), default=None,
                        help="Folder of hand-written promtool tests [default: tests/promtool].")(func)
    func = click.option("--out", type=click.Path(path_type=Path), default=None,
                        help="Build folder [default: build].")(func)
    func = click.option("--source", "sources", multiple=True, type=click.Path(path_type=Path),
                        help="Definition folder or file; repeatable "
                             "[default: dashboards/, alerts/, slo/, alertmanager/].")(func)
    return func


def make_project(sources: tuple[Path, ...], out: Path | None, tests: Path | None) -> projects.Project:
    """The project rooted at the current directory."""
    return projects.Project.at(Path.cwd(), tuple(sources), out, tests)


def scrape_option(func: Command) -> Command:
    return click.option("--scrape-interval", default="30s", show_default=True,
                        help="Scrape interval that rate() windows must cover 4 times.")(func)


def seconds(text: str, option: str) -> float:
    """A duration option's value in seconds, or a usage error naming the option."""
    try:
        return parse_duration(text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint=option) from None


def project_path(path: str, project: projects.Project) -> str:
    """`path` relative to the project root when it lies below it, else as given."""
    try:
        return Path(path).resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return path


def promtool() -> Promtool:
    """promtool, or ToolMissingError saying how to install it."""
    return find_promtool(os.environ, Path.cwd())


def amtool() -> Amtool:
    """amtool, or ToolMissingError saying how to install it (asked only when there is Alertmanager config to check)."""
    return find_amtool(os.environ, Path.cwd())


def kubectl() -> Tool:
    """kubectl, or ToolMissingError saying how to install it (asked only by `publish alertmanager --k8s-secret`)."""
    from ..kubectl import find_kubectl

    return find_kubectl(os.environ)


def locator() -> projects.Locator | None:
    """promtool's pointer to where a bad expression breaks, when promtool can be found."""
    try:
        return projects.promtool_locator(promtool())
    except ObserveError:
        return None


def interactive() -> bool:
    """True when a person watches stderr (a terminal, not CI): only then do we draw spinners and bars."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextlib.contextmanager
def busy(message: str) -> Iterator[None]:
    """A spinner on stderr while promtool works, when someone is watching."""
    if not interactive():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


class _RichProgress:
    """A transient rich progress bar on stderr."""

    def __init__(self, bar: Any, label: str) -> None:
        self.bar = bar
        self.task = bar.add_task(label, total=None)

    def start(self, total: int) -> None:
        self.bar.update(self.task, total=total)

    def advance(self) -> None:
        self.bar.advance(self.task)


@contextlib.contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[Progress | None]:
    """A progress bar when stderr is a terminal outside CI and text output was asked for; else None."""
    if not (enabled and interactive()):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as RichProgress

    with RichProgress(console=Console(stderr=True), transient=True) as bar:
        yield _RichProgress(bar, label)


def parse_time(text: str, option: str) -> datetime:
    """A time given as RFC 3339 with a zone (2026-11-30T12:00:00Z) or as Unix seconds, or a usage error."""
    try:
        return durations.parse_time(text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint=option) from None


def rich_text(*renderables: Any) -> str:
    """Rich renderables (tables, lines) as text 160 columns wide, in colour when stdout is a terminal."""
    from rich.console import Console

    console = Console(width=160, record=True, force_terminal=sys.stdout.isatty(), file=io.StringIO())
    for renderable in renderables:
        console.print(renderable)
    return console.export_text(styles=sys.stdout.isatty())
