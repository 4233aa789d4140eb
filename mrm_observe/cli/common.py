"""What every command shares: error handling, project and server options, terminal detection.

Command modules import this module and nothing else of the CLI; the package's `__init__` assembles them.
This is the one layer that reads the environment (CI, GRAFANA_*, PROMETHEUS_URL) and credential files;
settings are passed down, and credentials are never echoed.
"""
from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .. import pipeline
from ..durations import parse_duration
from ..errors import DefinitionError, ObserveError
from ..grafana_api import Auth, GrafanaSettings, RetryPolicy
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
                        help="Definition folder or file; repeatable [default: dashboards/, alerts/, slo/].")(func)
    return func


def make_project(sources: tuple[Path, ...], out: Path | None, tests: Path | None) -> pipeline.Project:
    """The project rooted at the current directory."""
    return pipeline.Project.at(Path.cwd(), tuple(sources), out, tests)


def scrape_option(func: Command) -> Command:
    return click.option("--scrape-interval", default="30s", show_default=True,
                        help="Scrape interval that rate() windows must cover 4 times.")(func)


def seconds(text: str, option: str) -> float:
    """A duration option's value in seconds, or a usage error naming the option."""
    try:
        return parse_duration(text)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint=option) from None


def project_path(path: str, project: pipeline.Project) -> str:
    """`path` relative to the project root when it lies below it, else as given."""
    try:
        return Path(path).resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return path


def promtool() -> Promtool:
    """promtool, or ToolMissingError saying how to install it."""
    return find_promtool(os.environ, Path.cwd())


def locator() -> pipeline.Locator | None:
    """promtool's pointer to where a bad expression breaks, when promtool can be found."""
    try:
        return pipeline.promtool_locator(promtool())
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


@dataclass(frozen=True)
class ServerKind:
    """A kind of server the CLI talks to, and which connection options it takes."""

    name: str
    """Shown in messages ("Grafana") and used for option and variable names (--grafana-url, GRAFANA_URL)."""
    url_help: str
    credentials: bool = False
    """--token-file, else $<NAME>_TOKEN, else $<NAME>_USER and $<NAME>_PASSWORD."""
    token_help: str = "token"
    tls: bool = False
    """--ca-file and --insecure."""
    retries: bool = False
    """--timeout, --retries and --backoff."""

    @property
    def env(self) -> str:
        return self.name.upper()


SERVERS = {
    "grafana": ServerKind("Grafana", "Grafana base URL.", credentials=True,
                          token_help="service-account token", tls=True, retries=True),
    "prometheus": ServerKind("Prometheus", "Prometheus to reload and confirm through (needs "
                             "--web.enable-lifecycle)."),
}
"""The servers commands talk to today; an option family is switched on per server once its client supports it."""


@dataclass(frozen=True)
class ServerOptions:
    """One server's connection options as given on the command line (secrets are read only by `auth`)."""

    kind: ServerKind
    url: str | None
    token_file: Path | None = None
    ca_file: str | None = None
    insecure: bool = False
    timeout: float = 10.0
    retries: int = 4
    backoff: float = 0.5

    def require_url(self) -> str:
        if not self.url:
            raise click.UsageError(f"no {self.kind.name} URL: pass --{self.kind.name.lower()}-url or set "
                                   f"{self.kind.env}_URL")
        return self.url

    @property
    def verify(self) -> bool | str:
        """True (system CAs), False (--insecure) or the CA bundle's path (--ca-file)."""
        return False if self.insecure else (self.ca_file or True)

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(self.retries + 1, self.backoff)

    def auth(self) -> Auth:
        """Credentials from --token-file, $<NAME>_TOKEN, or $<NAME>_USER + $<NAME>_PASSWORD."""
        env = self.kind.env
        if self.token_file is not None:
            token = self.token_file.read_text().strip()
            if not token:
                raise click.BadParameter(f"{self.token_file} is empty", param_hint="--token-file")
            return Auth(token=token)
        if os.environ.get(f"{env}_TOKEN"):
            return Auth(token=os.environ[f"{env}_TOKEN"].strip())
        user, password = os.environ.get(f"{env}_USER"), os.environ.get(f"{env}_PASSWORD")
        if user and password is not None:
            return Auth(user=user, password=password)
        raise click.UsageError(f"no {self.kind.name} credentials: set {env}_TOKEN ({self.kind.token_help}), "
                               f"pass --token-file, or set {env}_USER and {env}_PASSWORD")


def server_options(kind: str) -> Callable[[Command], Command]:
    """Add the connection options of one kind of server; the command receives them as one ServerOptions,
    in the keyword argument named `kind` (e.g. `grafana`)."""
    spec = SERVERS[kind]
    options = _server_option_list(spec)

    def decorate(func: Command) -> Command:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {field: kwargs.pop(f"{kind}_{field}") for field in options}
            return func(*args, **kwargs, **{kind: ServerOptions(spec, **given)})

        for field, declarations in reversed(options.items()):
            wrapper = click.option(*declarations[0], f"{kind}_{field}", **declarations[1])(wrapper)
        return wrapper
    return decorate


def _server_option_list(spec: ServerKind) -> dict[str, tuple[tuple[str, ...], dict[str, Any]]]:
    """ServerOptions field -> (option names, click settings) of one server kind, in --help order."""
    options: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
        "url": ((f"--{spec.name.lower()}-url",), {"envvar": f"{spec.env}_URL", "show_envvar": True,
                                                   "help": spec.url_help})}
    if spec.credentials:
        options["token_file"] = (("--token-file",), {
            "type": click.Path(exists=True, dir_okay=False, path_type=Path),
            "help": f"File holding a {spec.token_help} [default: ${spec.env}_TOKEN, else "
                    f"${spec.env}_USER/${spec.env}_PASSWORD basic auth]."})
    if spec.tls:
        options["ca_file"] = (("--ca-file",), {"type": click.Path(exists=True, dir_okay=False),
                                               "help": f"CA bundle to verify {spec.name}'s TLS."})
        options["insecure"] = (("--insecure",), {"is_flag": True,
                                                 "help": f"Do not verify {spec.name}'s TLS certificate."})
    if spec.retries:
        options["timeout"] = (("--timeout",), {"type": click.FloatRange(0.1), "default": 10.0, "show_default": True,
                                               "help": "Seconds to wait for each answer."})
        options["retries"] = (("--retries",), {
            "type": click.IntRange(0, 20), "default": 4, "show_default": True,
            "help": "Retries per request on 429, 5xx, timeouts and dropped connections."})
        options["backoff"] = (("--backoff",), {
            "type": click.FloatRange(0), "default": 0.5, "show_default": True,
            "help": "First retry delay in seconds (doubles each retry, with jitter; Retry-After wins)."})
    return options


def grafana_settings(server: ServerOptions, *, org_id: int | None, concurrency: int) -> GrafanaSettings:
    """The Grafana client's settings from the command line and the environment."""
    return GrafanaSettings(url=server.require_url(), auth=server.auth(), org_id=org_id, verify=server.verify,
                           timeout=server.timeout, retry=server.retry, pool=concurrency)
