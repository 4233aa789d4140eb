"""A small typed Grafana HTTP client over httpx: folders, dashboards and search, with bounded retries.

Retries cover 429, 5xx, timeouts and dropped connections, with exponential backoff and jitter, and honour
`Retry-After`. 4xx answers are typed errors and are never retried. The credentials never appear in a
repr, a message or an exception: every text that leaves this module passes through `_redact`.
"""
from __future__ import annotations

import base64
import email.utils
import random
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from .errors import ExitCode, ObserveError

SEARCH_PAGE = 5000
"""Grafana's largest search page."""
DASHBOARD_GROUP = "dashboard.grafana.app"
"""Grafana 12+'s dashboard API group: /apis/dashboard.grafana.app/<version>/namespaces/<namespace>/dashboards."""
CLASSIC_VERSIONS = ("v1", "v1beta1", "v0alpha1")
"""Versions of that group whose spec is the classic dashboard JSON, best first (v2* is another schema)."""
LIST_PAGE = 1000
"""Dashboards asked for per page of the new API's list (Grafana may end a page sooner: it also caps its bytes)."""


@dataclass(frozen=True)
class Auth:
    """A service-account token (Bearer) or a user and password (Basic); secrets are left out of repr."""

    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def header(self) -> str:
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None and self.password is not None:
            return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        raise ValueError("Auth needs a token, or a user and a password")

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never be shown: the token, the password and the encoded header."""
        parts = [s for s in (self.token, self.password) if s]
        return tuple(parts + [self.header().split(" ", 1)[1]])


@dataclass(frozen=True)
class RetryPolicy:
    """At most `attempts` tries; waits grow as backoff * 2**n with jitter, capped at max_delay."""

    attempts: int = 5
    backoff: float = 0.5
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.backoff < 0 or self.max_delay < 0:
            raise ValueError(f"retry policy needs attempts >= 1 and delays >= 0 (got {self})")

    def delay(self, attempt: int, retry_after: float | None, rand: Callable[[], float]) -> float:
        """Seconds to wait after failed try number `attempt` (0-based): Retry-After when given, else backoff."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        ceiling = min(self.max_delay, self.backoff * 2 ** attempt)
        return ceiling / 2 + rand() * ceiling / 2


@dataclass(frozen=True)
class GrafanaSettings:
    """Where Grafana is and how to talk to it (read by the CLI, passed down)."""

    url: str
    auth: Auth = field(repr=False)
    org_id: int | None = None
    verify: bool | str = True
    """True (system CAs), False (--insecure), or the path of a CA bundle (--ca-file)."""
    timeout: float = 10.0
    retry: RetryPolicy = RetryPolicy()
    pool: int = 16


class GrafanaError(ObserveError):
    """Grafana answered with an error, or could not be reached; `status` is the HTTP status when there was one."""

    exit_code = ExitCode.PUBLISH_FAILED

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class GrafanaUnreachable(GrafanaError):
    """No answer (connection refused, timeouts, resets) after every retry, or the health check failed."""

    exit_code = ExitCode.UNAVAILABLE


class AuthRejected(GrafanaError):
    """401: the token or the user/password is wrong."""

    exit_code = ExitCode.UNAVAILABLE


class PermissionDenied(GrafanaError):
    """403: the credentials are valid but lack a permission."""

    exit_code = ExitCode.UNAVAILABLE


class BadRequest(GrafanaError):
    """400: Grafana refused the payload (blank title, bad uid, unknown folder...)."""


class NotFound(GrafanaError):
    """404."""


class Conflict(GrafanaError):
    """409: e.g. a folder with that uid already exists."""


class VersionMismatch(GrafanaError):
    """412: the dashboard was changed by someone else since the version we sent."""


class ServerError(GrafanaError):
    """429 or 5xx on every try."""


@dataclass(frozen=True)
class DashboardApi:
    """Where a Grafana 12+ serves dashboards as resources: a classic-JSON version of the group and the org's namespace
    (`default` for org 1, `org-<id>` for other orgs, `stacks-<id>` on Grafana Cloud)."""

    version: str
    namespace: str

    @property
    def dashboards(self) -> str:
        return f"/apis/{DASHBOARD_GROUP}/{self.version}/namespaces/{self.namespace}/dashboards"


STATUS_ERRORS: dict[int, type[GrafanaError]] = {
    400: BadRequest, 401: AuthRejected, 403: PermissionDenied, 404: NotFound, 409: Conflict, 412: VersionMismatch}


class GrafanaClient:
    """Thread-safe client for the legacy /api endpoints (one pooled httpx.Client)."""

    def __init__(self, settings: GrafanaSettings, sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random) -> None:
        self.url = public_url(settings.url)
        self._retry = settings.retry
        self._timeout = settings.timeout
        self._secrets = settings.auth.secrets()
        self._sleep, self._rand = sleep, rand
        self._lock = threading.Lock()
        self.requests = 0
        headers = {"Authorization": settings.auth.header(), "Accept": "application/json"}
        if settings.org_id is not None:
            headers["X-Grafana-Org-Id"] = str(settings.org_id)
        verify: bool | ssl.SSLContext = settings.verify if isinstance(settings.verify, bool) \
            else ssl.create_default_context(cafile=settings.verify)
        self._http = httpx.Client(
            base_url=settings.url.rstrip("/"), headers=headers, timeout=settings.timeout, verify=verify,
            limits=httpx.Limits(max_connections=settings.pool, max_keepalive_connections=settings.pool))

    def __repr__(self) -> str:
        return f"GrafanaClient({self.url!r})"

    def __enter__(self) -> GrafanaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # endpoints ---------------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """GET /api/health (no auth needed); GrafanaUnreachable unless the database is ok."""
        try:
            body = self.request("GET", "/api/health")
        except (ServerError, NotFound) as err:
            raise GrafanaUnreachable(f"Grafana at {self.url} is not healthy: {err}", err.status) from None
        return body

    def check_auth(self) -> dict[str, Any]:
        """GET /api/frontend/settings: raises AuthRejected / PermissionDenied when the credentials fail."""
        return self.request("GET", "/api/frontend/settings")

    def create_folder(self, title: str, uid: str, parent_uid: str = "") -> dict[str, Any]:
        body = {"title": title, "uid": uid} | ({"parentUid": parent_uid} if parent_uid else {})
        return self.request("POST", "/api/folders", json=body)

    def get_dashboard(self, uid: str) -> dict[str, Any] | None:
        """{"dashboard": ..., "meta": ...}, or None when there is no dashboard with that uid."""
        return self._or_none("GET", f"/api/dashboards/uid/{uid}")

    def save_dashboard(self, dashboard: dict[str, Any], folder_uid: str, overwrite: bool = False,
                       message: str = "") -> dict[str, Any]:
        """POST /api/dashboards/db; VersionMismatch when dashboard.version is not the stored one."""
        body: dict[str, Any] = {"dashboard": dashboard, "overwrite": overwrite, "message": message}
        if folder_uid:
            body["folderUid"] = folder_uid
        return self.request("POST", "/api/dashboards/db", json=body)

    def delete_dashboard(self, uid: str) -> dict[str, Any]:
        return self.request("DELETE", f"/api/dashboards/uid/{uid}")

    def search(self, **params: Any) -> list[dict[str, Any]]:
        """Every hit of GET /api/search, page after page."""
        hits: list[dict[str, Any]] = []
        page = 1
        while True:
            chunk = self.request("GET", "/api/search", params={**params, "limit": SEARCH_PAGE, "page": page})
            hits += chunk
            if len(chunk) < SEARCH_PAGE:
                return hits
            page += 1

    # the new dashboard API (Grafana 12+): read side only, writes stay on /api ------------------------------
    def dashboard_api(self) -> DashboardApi | None:
        """The new dashboard API when this Grafana offers a classic-JSON version of it, else None; asked once per
        client. Grafana 11 and older answer 404 (or, behind some proxies, a page that is not JSON): None."""
        if not hasattr(self, "_dashboard_api"):
            self._dashboard_api = self._discover_dashboard_api()
        return self._dashboard_api

    def _discover_dashboard_api(self) -> DashboardApi | None:
        try:
            group = self.request("GET", f"/apis/{DASHBOARD_GROUP}")
        except (AuthRejected, PermissionDenied):
            raise
        except GrafanaError as err:
            if err.status is None or err.status >= 500:
                raise  # unreachable or failing: the legacy API would not do better
            return None
        versions = group.get("versions") if isinstance(group, dict) else None
        served = {v.get("version") for v in versions or [] if isinstance(v, dict)}
        version = next((v for v in CLASSIC_VERSIONS if v in served), None)
        if version is None:
            return None
        settings = self.request("GET", "/api/frontend/settings")
        namespace = settings.get("namespace") if isinstance(settings, dict) else None
        if not isinstance(namespace, str) or not namespace:
            org = self._http.headers.get("X-Grafana-Org-Id")
            namespace = "default" if org in (None, "1") else f"org-{org}"
        return DashboardApi(version, namespace)

    def list_dashboards(self, api: DashboardApi, limit: int = LIST_PAGE) -> list[dict[str, Any]]:
        """Every dashboard resource (metadata and spec) of the namespace, page after page: a page may hold fewer
        than `limit` items, so only a page without `metadata.continue` ends the list."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"limit": limit} | ({"continue": token} if token else {})
            page = self.request("GET", api.dashboards, params=params)
            if not isinstance(page, dict):
                raise GrafanaError(self._redact(f"GET {api.dashboards}: answer is not a DashboardList"), 200)
            items += page.get("items") or []
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items

    # transport ---------------------------------------------------------------------------------------
    def _or_none(self, method: str, path: str) -> dict[str, Any] | None:
        try:
            return self.request(method, path)
        except NotFound:
            return None

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, json: Any = None) -> Any:
        """One API call with retries; returns the decoded JSON body or raises a GrafanaError subclass."""
        what = f"{method} {path}"
        failure = ""
        for attempt in range(self._retry.attempts):
            retry_after: float | None = None
            with self._lock:
                self.requests += 1
            try:
                response = self._http.request(method, path, params=params, json=json)
            except httpx.TimeoutException:
                failure, unreachable = f"no answer within {self._timeout:g}s", True
            except httpx.TransportError as err:
                failure, unreachable = f"connection failed ({type(err).__name__}: {err})", True
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return self._decode(what, response)
                failure, unreachable = _describe(response), False
                retry_after = _retry_after(response.headers.get("Retry-After"))
            if attempt + 1 < self._retry.attempts:
                self._sleep(self._retry.delay(attempt, retry_after, self._rand))
        cls = GrafanaUnreachable if unreachable else ServerError
        raise cls(self._redact(f"{what} at {self.url}: {failure} (gave up after {self._retry.attempts} tries)"))

    def _decode(self, what: str, response: httpx.Response) -> Any:
        if response.is_success:
            try:
                return response.json()
            except ValueError:
                raise GrafanaError(self._redact(f"{what}: answer is not JSON: {response.text[:200]!r}"),
                                   response.status_code) from None
        cls = STATUS_ERRORS.get(response.status_code, GrafanaError)
        hint = {401: " (the token or user/password was rejected)",
                403: " (the credentials lack permission for this)"}.get(response.status_code, "")
        raise cls(self._redact(f"{what}: {_describe(response)}{hint}"), response.status_code)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def as_legacy(resource: dict[str, Any]) -> dict[str, Any] | None:
    """A listed dashboard resource in the shape of the legacy GET /api/dashboards/uid/:uid answer ({"dashboard",
    "meta"} with uid, version and folderUid), or None when its spec is not classic dashboard JSON (Grafana reports a
    dashboard it could not convert from a v2 schema in status.conversion.failed)."""
    metadata = resource.get("metadata") or {}
    spec = resource.get("spec")
    conversion = (resource.get("status") or {}).get("conversion") or {}
    if not isinstance(spec, dict) or "title" not in spec or not metadata.get("name") or conversion.get("failed"):
        return None
    annotations = metadata.get("annotations") or {}
    version = spec.get("version", metadata.get("generation"))
    return {"dashboard": {**spec, "uid": metadata["name"], "version": version},
            "meta": {"folderUid": annotations.get("grafana.app/folder", ""), "version": version,
                     "updatedBy": annotations.get("grafana.app/updatedBy", "?"),
                     "updated": annotations.get("grafana.app/updatedTimestamp", "?"),
                     "resourceVersion": metadata.get("resourceVersion")}}


def _describe(response: httpx.Response) -> str:
    """'412 version-mismatch: The dashboard has been changed by someone else' from an error answer."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        status = f" {body['status']}" if isinstance(body.get("status"), str) else ""
        return f"{response.status_code}{status}: {body['message']}"
    return f"{response.status_code} {response.reason_phrase}".strip()


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def public_url(url: str) -> str:
    """The URL without any user:password@ part, safe to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
