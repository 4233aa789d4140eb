"""A small typed Grafana HTTP client: folders, dashboards and search, over the shared HTTP layer.

Retries, backoff, Retry-After, TLS, proxies, typed errors and secret redaction live in `http_client`; the
names older code imports from here (Auth, RetryPolicy, GrafanaSettings, the errors, public_url) still work.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from .http_client import (STATUS_ERRORS, Auth, AuthRejected, BadRequest, Conflict, HttpClient, NotFound,
                          PermissionDenied, RequestFailed, RetryPolicy, ServerError, ServerSettings, SettingsError,
                          Unreachable, VersionMismatch, public_url)

__all__ = ["Auth", "AuthRejected", "BadRequest", "Conflict", "GrafanaClient", "GrafanaError", "GrafanaSettings",
           "GrafanaUnreachable", "NotFound", "PermissionDenied", "RetryPolicy", "STATUS_ERRORS", "ServerError",
           "ServerSettings", "VersionMismatch", "public_url"]

SEARCH_PAGE = 5000
"""Grafana's largest search page."""
ORG_HEADER = "X-Grafana-Org-Id"

GrafanaError = RequestFailed
GrafanaUnreachable = Unreachable


def GrafanaSettings(url: str, auth: Auth, org_id: int | None = None, verify: bool | str = True,  # noqa: N802
                    timeout: float = 10.0, retry: RetryPolicy = RetryPolicy(), pool: int = 16) -> ServerSettings:
    """ServerSettings for Grafana from the earlier positional signature (verify: True, False or a CA file)."""
    try:
        return ServerSettings(url=url, auth=auth, headers={ORG_HEADER: str(org_id)} if org_id is not None else {},
                              ca_file=verify if isinstance(verify, str) else None, insecure=verify is False,
                              timeout=timeout, retry=retry, pool=pool)
    except ValueError as err:
        raise SettingsError(str(err)) from None


class GrafanaClient:
    """Thread-safe client for the legacy /api endpoints (one pooled connection pool)."""

    def __init__(self, settings: ServerSettings, sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random) -> None:
        self._http = HttpClient(settings, sleep, rand)
        self.url = self._http.url

    def __repr__(self) -> str:
        return f"GrafanaClient({self.url!r})"

    def __enter__(self) -> GrafanaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def requests(self) -> int:
        """HTTP requests sent so far, retries included."""
        return self._http.requests

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
        try:
            return self.request("GET", f"/api/dashboards/uid/{uid}")
        except NotFound:
            return None

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

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, json: Any = None) -> Any:
        """One API call with retries; returns the decoded JSON body or raises a GrafanaError subclass."""
        return self._http.json(method, path, params=params, json=json)
