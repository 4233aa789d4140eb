"""What every command shares: error handling, project and server options, terminal detection.

Command modules import this module and nothing else of the CLI; the package's `__init__` assembles them.
This is the one layer that reads the environment (CI, GRAFANA_*, PROMETHEUS_URL) and credential files;
settings are passed down, and credentials are never echoed.
"""
from __future__ import annotations

import contextlib
import io
import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import durations
from .. import project as projects
from ..durations import parse_duration
from ..errors import DefinitionError, ObserveError
from ..external_tool import Tool
from ..progress import Progress
from ..amtool import Amtool, find_amtool
from ..promtool import Promtool, find_promtool

if TYPE_CHECKING:  # the pipeline (compilers, grafanalib) is imported only by the commands that build
    from .. import pipeline

Command = Callable[..., Any]
OUTPUT_KEY = "mrm_observe.output"
"""Where the output options keep their values in the click context's meta (shared by a command and its group)."""
LOGGER = "mrm_observe"
"""The package's logger: pipeline steps say what they did at INFO, shown with --verbose."""


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


def summary_line(report: pipeline.BuildReport) -> str:
    """What a build made: `N dashboards, N rule groups, N rules, N promtool test files` (and the Alertmanager
    config's receivers and routes when there is one)."""
    skipped = f" ({len(report.skipped_tests)} skipped)" if report.skipped_tests else ""
    line = (f"{report.count('dashboard')} dashboards, {report.rule_groups} rule groups, {report.rules} rules, "
            f"{report.count('test')} promtool test files{skipped}")
    config = report.alertmanager
    if config is not None:
        line += f", Alertmanager config with {config.receivers} receivers and {config.routes} routes"
    return line


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

    with Console(stderr=True, no_color=not color()).status(message):
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

    with RichProgress(console=Console(stderr=True, no_color=not color()), transient=True) as bar:
        yield _RichProgress(bar, label)


def parse_time(text: str, option: str) -> datetime:
    """A time given as RFC 3339 with a zone (2026-11-30T12:00:00Z) or as Unix seconds, or a usage error."""
    try:
        return durations.parse_time(text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint=option) from None


def rich_text(*renderables: Any) -> str:
    """Rich renderables (tables, lines) as text 160 columns wide, in colour when stdout is a terminal (and colour
    was not turned off)."""
    from rich.console import Console

    styled = sys.stdout.isatty() and color()
    console = Console(width=160, record=True, force_terminal=styled, no_color=not styled, file=io.StringIO())
    for renderable in renderables:
        console.print(renderable)
    return console.export_text(styles=styled)


def _remember(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    ctx.meta.setdefault(OUTPUT_KEY, {})[param.name] = value
    return value


def output_options() -> list[click.Parameter]:
    """-q/--quiet, -v/--verbose and --no-color, which every command takes (see with_output_options)."""
    def flag(decls: list[str], help: str) -> click.Option:
        return click.Option(decls, is_flag=True, expose_value=False, callback=_remember, help=help)
    return [flag(["-q", "--quiet"], "Errors only: nothing on stdout but a requested JSON document, no notes."),
            flag(["-v", "--verbose"], "Say what each step did, on stderr."),
            flag(["--no-color"], "No colour in tables and progress, as with NO_COLOR set.")]


def _setting(name: str) -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get(OUTPUT_KEY, {}).get(name))


def color() -> bool:
    """False with --no-color or NO_COLOR set (https://no-color.org: any non-empty value)."""
    return not (_setting("no_color") or os.environ.get("NO_COLOR"))


def checked_namespace(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A --namespace value, or a usage error saying why Kubernetes would refuse it."""
    from ..compile.k8s import label_problem
    return _accepted(value, label_problem(value))


def checked_object_name(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A Kubernetes object's name (a Secret's), or a usage error saying why Kubernetes would refuse it."""
    from ..compile.k8s import name_problem
    return _accepted(value, name_problem(value))


def _accepted(value: str, problem: str | None) -> str:
    if problem:
        raise click.BadParameter(problem)
    return value


def note(text: str, by: str = "") -> None:
    """A `note: ...` line on stderr (`by` before it, e.g. "lint: "): something worth knowing that is not an error
    (dropped with --quiet)."""
    if not _setting("quiet"):
        click.echo(f"{by}note: {text}", err=True)


def with_output_options(command: click.Command) -> click.Command:
    """Give a command (and every command of a group) the output options, once."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            with_output_options(sub)
    elif command.callback is not None and not getattr(command, "_output_options", False):
        command.params.extend(output_options())
        command.callback = _obeying_output_options(command.callback)
        command._output_options = True  # type: ignore[attr-defined]
    return command


class _EchoHandler(logging.Handler):
    """Log records as `info: ...` lines on stderr through click (so tests' runners capture them)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def _wants_document(kwargs: dict[str, Any]) -> bool:
    """The command was asked for a machine-readable or chosen form (--json, --format other than table)."""
    return bool(kwargs.get("as_json")) or kwargs.get("fmt") not in (None, "table")


def _obeying_output_options(callback: Command) -> Command:
    """Run a command with its step log at the level the options chose, and stdout dropped with --quiet."""
    @functools.wraps(callback)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        quiet, loud = _setting("quiet"), _setting("verbose")
        if quiet and loud:
            raise click.UsageError("--quiet and --verbose exclude each other")
        logger, handler = logging.getLogger(LOGGER), _EchoHandler()
        previous = logger.level
        logger.setLevel(logging.ERROR if quiet else logging.INFO if loud else logging.WARNING)
        logger.addHandler(handler)
        try:
            with (contextlib.redirect_stdout(io.StringIO()) if quiet and not _wants_document(kwargs)
                  else contextlib.nullcontext()):
                return callback(*args, **kwargs)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(previous)
    return wrapper
