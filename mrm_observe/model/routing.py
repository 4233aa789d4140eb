"""Alertmanager models: the routing tree, receivers, inhibit rules and time intervals, in Alertmanager's own field
names (Alertmanager 0.25, Debian's `prometheus-alertmanager`).

The models hold what the author wrote; `validate_routing` checks the meaning (receivers and time intervals that
exist, matchers, durations, reachable routes, secrets) so that every problem is reported at once. A secret is
never written here: give its `*_file` (a path Alertmanager reads) or `Env("NAME")` (filled in from the environment
when the config is published). A literal string in a secret field is accepted by the model only so that the
validation can refuse it with a message that does not repeat it.
"""
from __future__ import annotations

import typing
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

TITLE = '{{ template "mrm.title" . }}'
TEXT = '{{ template "mrm.text" . }}'
"""The notification templates (OUT/alertmanager/templates/) every receiver uses unless told otherwise."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Env(_Frozen):
    """A secret filled in from the environment variable `name` when the config is published, never at build time:
    the build writes a placeholder (see conventions.env_placeholder)."""

    name: str

    def __init__(self, name: str) -> None:
        super().__init__(name=name)


Secret = str | Env
"""A secret field's type: `Env(...)`; a literal string is refused by validation (it would enter the build)."""


class BasicAuth(_Frozen):
    username: str
    password: Secret | None = None
    password_file: str | None = None


class Authorization(_Frozen):
    type: str = "Bearer"
    credentials: Secret | None = None
    credentials_file: str | None = None


class TLSConfig(_Frozen):
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None
    insecure_skip_verify: bool | None = None


class HTTPConfig(_Frozen):
    """How a receiver talks to its endpoint: authentication, TLS, proxy."""

    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    tls_config: TLSConfig | None = None
    proxy_url: str | None = None


class SlackConfig(_Frozen):
    """A Slack channel through an incoming webhook (`api_url_file` or `api_url=Env(...)`, or the global one)."""

    channel: str
    api_url: Secret | None = None
    api_url_file: str | None = None
    username: str | None = None
    title: str = TITLE
    text: str = TEXT
    send_resolved: bool | None = None
    http_config: HTTPConfig | None = None


class PagerDutyConfig(_Frozen):
    """A PagerDuty service: Events API v2 `routing_key` or v1 `service_key` (as a file or Env)."""

    routing_key: Secret | None = None
    routing_key_file: str | None = None
    service_key: Secret | None = None
    service_key_file: str | None = None
    url: str | None = None
    client: str | None = None
    client_url: str | None = None
    description: str = TITLE
    severity: str | None = None
    details: dict[str, str] = Field(default_factory=dict)
    send_resolved: bool | None = None
    http_config: HTTPConfig | None = None


class WebhookConfig(_Frozen):
    """An HTTP endpoint receiving Alertmanager's JSON. Alertmanager treats the URL as a secret (0.25 has no
    `url_file`): give `url=Env(...)`, and authenticate with `http_config` files."""

    url: Secret
    max_alerts: int | None = None
    send_resolved: bool | None = None
    http_config: HTTPConfig | None = None


class EmailConfig(_Frozen):
    """Email through an SMTP smarthost (here or in the global settings)."""

    to: str
    from_: str | None = Field(default=None, alias="from")
    smarthost: str | None = None
    hello: str | None = None
    auth_username: str | None = None
    auth_password: Secret | None = None
    auth_password_file: str | None = None
    auth_identity: str | None = None
    require_tls: bool | None = None
    headers: dict[str, str] = Field(default_factory=lambda: {"Subject": TITLE})
    text: str = TEXT
    html: str | None = None
    send_resolved: bool | None = None


class OpsGenieResponder(_Frozen):
    type: str
    name: str | None = None
    id: str | None = None
    username: str | None = None


class OpsGenieConfig(_Frozen):
    """An OpsGenie alert (`api_key_file` or `api_key=Env(...)`, or the global one)."""

    api_key: Secret | None = None
    api_key_file: str | None = None
    api_url: str | None = None
    message: str = TITLE
    description: str = TEXT
    priority: str | None = None
    tags: str | None = None
    details: dict[str, str] = Field(default_factory=dict)
    responders: tuple[OpsGenieResponder, ...] = ()
    send_resolved: bool | None = None
    http_config: HTTPConfig | None = None


PAGING_CONFIGS = ("pagerduty_configs", "opsgenie_configs")
CONFIG_FIELDS = ("slack_configs", "pagerduty_configs", "webhook_configs", "email_configs", "opsgenie_configs")


class Receiver(_Frozen):
    """A named set of notification integrations; one without any drops what reaches it (a null receiver).

    `pages` says whether it wakes someone up; by default a receiver pages when it has PagerDuty or OpsGenie configs.
    """

    name: str
    slack_configs: tuple[SlackConfig, ...] = ()
    pagerduty_configs: tuple[PagerDutyConfig, ...] = ()
    webhook_configs: tuple[WebhookConfig, ...] = ()
    email_configs: tuple[EmailConfig, ...] = ()
    opsgenie_configs: tuple[OpsGenieConfig, ...] = ()
    pages: bool | None = None

    @property
    def paging(self) -> bool:
        return self.pages if self.pages is not None else any(getattr(self, f) for f in PAGING_CONFIGS)

    @property
    def null(self) -> bool:
        """True when it notifies nobody."""
        return not any(getattr(self, f) for f in CONFIG_FIELDS)


class Route(_Frozen):
    """A node of the routing tree. Unset fields are inherited from the parent, as in Alertmanager; `matchers` are
    Alertmanager matcher strings (`severity="critical"`, `service=~"api|web"`)."""

    receiver: str | None = None
    matchers: tuple[str, ...] = ()
    group_by: tuple[str, ...] | None = None
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    continue_: bool = Field(default=False, alias="continue")
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()


class InhibitRule(_Frozen):
    """While an alert matching `source_matchers` fires, alerts matching `target_matchers` with the same values of
    the `equal` labels are not notified."""

    source_matchers: tuple[str, ...]
    target_matchers: tuple[str, ...]
    equal: tuple[str, ...] = ()


class TimePeriod(_Frozen):
    """One period of a time interval, in Alertmanager's syntax: times `"09:00-17:00"` (end exclusive, up to
    `24:00`), weekdays `"monday:friday"`, days of month `"1:7"` or `"-1"` (the last), months `"january:march"` or
    `"1:3"`, years `"2026:2027"`, and the IANA `location` they are read in (UTC by default)."""

    times: tuple[str, ...] = ()
    weekdays: tuple[str, ...] = ()
    days_of_month: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    location: str | None = None


class TimeInterval(_Frozen):
    """A named time interval: in it whenever any of its periods holds. Routes mute or activate by name."""

    name: str
    time_intervals: tuple[TimePeriod, ...]


class Global(_Frozen):
    """Alertmanager's global settings: defaults the receivers share."""

    resolve_timeout: str | None = None
    smtp_from: str | None = None
    smtp_smarthost: str | None = None
    smtp_hello: str | None = None
    smtp_auth_username: str | None = None
    smtp_auth_password: Secret | None = None
    smtp_auth_password_file: str | None = None
    smtp_require_tls: bool | None = None
    slack_api_url: Secret | None = None
    slack_api_url_file: str | None = None
    pagerduty_url: str | None = None
    opsgenie_api_url: str | None = None
    opsgenie_api_key: Secret | None = None
    opsgenie_api_key_file: str | None = None
    http_config: HTTPConfig | None = None


class Alertmanager(_Frozen):
    """A whole Alertmanager configuration: one per project, in a module under alertmanager/ as `alertmanager`."""

    route: Route
    receivers: tuple[Receiver, ...]
    inhibit_rules: tuple[InhibitRule, ...] = ()
    time_intervals: tuple[TimeInterval, ...] = ()
    global_: Global | None = Field(default=None, alias="global")

    def receiver(self, name: str) -> Receiver | None:
        return next((r for r in self.receivers if r.name == name), None)


@cache
def secret_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a model that hold a secret (typed `Secret`)."""
    return tuple(name for name, info in model.model_fields.items() if Env in _types_in(info.annotation))


def _types_in(annotation: object) -> set[object]:
    args = typing.get_args(annotation)
    return {annotation} if not args else {t for a in args for t in _types_in(a)}


SECRET_FIELDS = frozenset(name for model in (BasicAuth, Authorization, SlackConfig, PagerDutyConfig, WebhookConfig,
                                             EmailConfig, OpsGenieConfig, Global) for name in secret_fields(model))
"""Every secret field name: problems never repeat what was given for one."""


SECRET_SHOWN = "<secret>"


def redacted(where: tuple[object, ...], value: object) -> object:
    """A value as an error message may show it: a secret field's content (at `where`, or inside a dict or list
    given for a model) becomes '<secret>', and a routing model is shown by its type alone."""
    if any(part in SECRET_FIELDS for part in where):
        return SECRET_SHOWN
    if isinstance(value, BaseModel) and type(value).__module__ == __name__:
        return f"<{type(value).__name__}>"
    if isinstance(value, dict):
        return {k: redacted((k,), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redacted((), v) for v in value)
    return value
