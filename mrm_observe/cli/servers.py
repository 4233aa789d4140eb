"""Connection options shared by every command that talks to a server (Grafana, Prometheus, Alertmanager): one decorator adds
them, one typed object carries them, one builder turns them into the HTTP layer's settings.

Kept apart from `cli.common` so that commands which talk to no server do not load the HTTP stack; the HTTP layer
itself is imported only when settings are built, so a command whose server is optional (`lint`) pays for it only
when given one.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import Command

if TYPE_CHECKING:
    from ..http_client import ServerSettings


@dataclass(frozen=True)
class ServerKind:
    """A kind of server the CLI talks to, and which connection options it takes."""

    name: str
    """Shown in messages ("Grafana") and used for option and variable names (--grafana-url, GRAFANA_URL)."""
    url_help: str
    token_option: str
    """The option naming a token file; else $<NAME>_TOKEN, else $<NAME>_USER and $<NAME>_PASSWORD."""
    token_help: str = "token"
    auth_required: bool = False
    headers: bool = False
    """--header 'Name: value', repeatable (e.g. X-Scope-OrgID for multi-tenant Mimir/Cortex)."""
    retries: bool = False
    """--timeout, --retries and --backoff."""

    @property
    def env(self) -> str:
        return self.name.upper()


SERVERS = {
    "grafana": ServerKind("Grafana", "Grafana base URL.", "--token-file", token_help="service-account token",
                          auth_required=True, retries=True),
    "prometheus": ServerKind("Prometheus", "Prometheus-compatible server (Prometheus, VictoriaMetrics, vmalert, "
                             "Mimir, ...).", "--prometheus-token-file", token_help="bearer token", headers=True,
                             retries=True),
    "alertmanager": ServerKind("Alertmanager", "Alertmanager base URL.", "--alertmanager-token-file",
                               token_help="bearer token", headers=True, retries=True),
}
"""The servers commands talk to; every one takes a URL, credentials and TLS options."""


@dataclass(frozen=True)
class ServerOptions:
    """One server's connection options as given on the command line (secrets are read only by `settings`)."""

    kind: ServerKind
    url: str | None
    token_file: Path | None = None
    ca_file: str | None = None
    insecure: bool = False
    headers: tuple[str, ...] = ()
    timeout: float = 10.0
    retries: int = 4
    backoff: float = 0.5

    def require_url(self) -> str:
        if not self.url:
            raise click.UsageError(f"no {self.kind.name} URL: pass --{self.kind.name.lower()}-url or set "
                                   f"{self.kind.env}_URL")
        return self.url

    def settings(self, *, headers: Mapping[str, str] | None = None, pool: int = 16) -> ServerSettings:
        """The shared HTTP settings, with credentials from the token file or the environment."""
        from ..http_client import RetryPolicy, server_settings

        env = self.kind.env
        settings = server_settings(self.require_url(), os.environ, env, token_file=self.token_file,
                                   ca_file=self.ca_file, insecure=self.insecure, headers=self.headers,
                                   timeout=self.timeout, retry=RetryPolicy(self.retries + 1, self.backoff), pool=pool)
        if settings.auth is None and self.kind.auth_required:
            raise click.UsageError(f"no {self.kind.name} credentials: set {env}_TOKEN ({self.kind.token_help}), "
                                   f"pass {self.kind.token_option}, or set {env}_USER and {env}_PASSWORD")
        return replace(settings, headers={**settings.headers, **(headers or {})})


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
    env = spec.env
    options: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
        "url": ((f"--{spec.name.lower()}-url",), {"envvar": f"{env}_URL", "show_envvar": True,
                                                   "help": spec.url_help, "callback": _checked_url}),
        "token_file": ((spec.token_option,), {
            "type": click.Path(exists=True, dir_okay=False, path_type=Path),
            "help": f"File holding a {spec.token_help} [default: ${env}_TOKEN, else ${env}_USER/${env}_PASSWORD "
                    f"basic auth{'' if spec.auth_required else ', else none'}]."}),
        "ca_file": (("--ca-file",), {"type": click.Path(exists=True, dir_okay=False),
                                     "help": f"CA bundle to verify {spec.name}'s TLS."}),
        "insecure": (("--insecure",), {"is_flag": True,
                                       "help": f"Do not verify {spec.name}'s TLS certificate (warns)."}),
    }
    if spec.headers:
        options["headers"] = (("--header",), {
            "multiple": True, "metavar": "'NAME: VALUE'",
            "help": f"Extra header for {spec.name}, e.g. 'X-Scope-OrgID: team-a'; repeatable."})
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


def _checked_url(context: click.Context, parameter: click.Parameter, url: str | None) -> str | None:
    """A malformed server URL is a usage error before anything runs (not five retries of a request that cannot
    work)."""
    if not url:
        return url
    from ..http_client import url_problem

    why = url_problem(url)
    if why:
        raise click.BadParameter(why, context, parameter)
    return url


def grafana_settings(server: ServerOptions, *, org_id: int | None, concurrency: int) -> ServerSettings:
    """The Grafana client's settings from the command line and the environment."""
    from ..grafana_api import ORG_HEADER

    return server.settings(headers={ORG_HEADER: str(org_id)} if org_id is not None else None, pool=concurrency)
