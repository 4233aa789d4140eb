"""A small typed Grafana HTTP client: folders, dashboards and search, over the shared HTTP layer.

Retries, backoff, Retry-After, TLS, proxies, typed errors and secret redaction live in `http_client`; the
names older code imports from here (Auth, RetryPolicy, GrafanaSettings, the errors, public_url) still work.
"""
from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .http_client import (STATUS_ERRORS, Auth, AuthRejected, BadRequest, Conflict, HttpClient, MalformedAnswer,
                          NotFound, PermissionDenied, RequestFailed, RetryPolicy, ServerError, ServerSettings,
                          SettingsError, Unreachable, VersionMismatch, public_url)

__all__ = ["Auth", "AuthRejected", "BadRequest", "Conflict", "DashboardApi", "GrafanaClient", "GrafanaError",
           "GrafanaSettings", "GrafanaUnreachable", "MalformedAnswer", "NotFound", "PermissionDenied", "RetryPolicy",
           "STATUS_ERRORS", "ServerError", "ServerSettings", "VersionMismatch", "public_url"]

SEARCH_PAGE = 5000
"""Grafana's largest search page."""
MAX_PAGES = 200
"""Listings stop here (a million dashboards): a server whose pages never end is broken, not big."""
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
DASHBOARD_GROUP = "dashboard.grafana.app"
"""Grafana 12+'s dashboard API group: /apis/dashboard.grafana.app/<version>/namespaces/<namespace>/dashboards."""
CLASSIC_VERSIONS = ("v1", "v1beta1", "v0alpha1")
"""Versions of that group whose spec is the classic dashboard JSON, best first (v2* is another schema)."""
LIST_PAGE = 1000
"""Dashboards asked for per page of the new API's list (Grafana may end a page sooner: it also caps its bytes)."""


@dataclass(frozen=True)
class DashboardApi:
    """Where a Grafana 12+ serves dashboards as resources: a classic-JSON version of the group and the org's namespace
    (`default` for org 1, `org-<id>` for other orgs, `stacks-<id>` on Grafana Cloud)."""

    version: str
    namespace: str

    @property
    def dashboards(self) -> str:
        return f"/apis/{DASHBOARD_GROUP}/{self.version}/namespaces/{self.namespace}/dashboards"


class GrafanaClient:
    """Thread-safe client for the legacy /api endpoints (one pooled connection pool)."""

    def __init__(self, settings: ServerSettings, sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random) -> None:
        self._http = HttpClient(settings, sleep, rand)
        self.url = self._http.url
        self._org = settings.headers.get(ORG_HEADER)

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
        path = f"/api/dashboards/uid/{uid}"
        try:
            answer = self.request("GET", path)
        except NotFound:
            return None
        if not (isinstance(answer, dict) and isinstance(answer.get("dashboard"), dict)
                and isinstance(answer.get("meta", {}), dict)):
            raise self._malformed(f"GET {path}", answer, 'an object with "dashboard" and "meta" objects')
        return {"dashboard": answer["dashboard"], "meta": answer.get("meta") or {}}

    def save_dashboard(self, dashboard: dict[str, Any], folder_uid: str, overwrite: bool = False,
                       message: str = "") -> dict[str, Any]:
        """POST /api/dashboards/db; VersionMismatch when dashboard.version is not the stored one."""
        body: dict[str, Any] = {"dashboard": dashboard, "overwrite": overwrite, "message": message}
        if folder_uid:
            body["folderUid"] = folder_uid
        answer = self.request("POST", "/api/dashboards/db", json=body)
        if not isinstance(answer, dict):
            raise self._malformed("POST /api/dashboards/db", answer, "an object with the saved version")
        return answer

    def delete_dashboard(self, uid: str) -> dict[str, Any]:
        return self.request("DELETE", f"/api/dashboards/uid/{uid}")

    def search(self, **params: Any) -> list[dict[str, Any]]:
        """Every hit of GET /api/search, page after page, until a short page; a page that repeats the one before
        (a server ignoring `page`) or more than MAX_PAGES pages is a MalformedAnswer, never an endless loop."""
        hits: list[dict[str, Any]] = []
        previous: list[str] = []
        for page in range(1, MAX_PAGES + 1):
            chunk = self.request("GET", "/api/search", params={**params, "limit": SEARCH_PAGE, "page": page})
            if not isinstance(chunk, list) or not all(isinstance(h, dict) and isinstance(h.get("uid"), str)
                                                      and h["uid"] for h in chunk):
                raise self._malformed(f"GET /api/search (page {page})", chunk, "a list of hits, each with a uid")
            uids = [h["uid"] for h in chunk]
            if uids and uids == previous:
                raise MalformedAnswer(f"GET /api/search: page {page} repeats page {page - 1}: {self.url} ignores "
                                      "the page parameter")
            hits += chunk
            if len(chunk) < SEARCH_PAGE:
                return hits
            previous = uids
        raise MalformedAnswer(f"GET /api/search: more than {MAX_PAGES} pages of {SEARCH_PAGE} hits")

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
            org = self._org
            namespace = "default" if org in (None, "1") else f"org-{org}"
        return DashboardApi(version, namespace)

    def list_dashboards(self, api: DashboardApi, limit: int = LIST_PAGE) -> list[dict[str, Any]]:
        """Every dashboard resource (metadata and spec) of the namespace, page after page: a page may hold fewer
        than `limit` items, so only a page without `metadata.continue` ends the list."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES * SEARCH_PAGE // limit + 1):
            params: dict[str, Any] = {"limit": limit} | ({"continue": token} if token else {})
            page = self.request("GET", api.dashboards, params=params)
            if not (isinstance(page, dict) and isinstance(page.get("items") or [], list)
                    and isinstance(page.get("metadata") or {}, dict)):
                raise self._malformed(f"GET {api.dashboards}", page, "a DashboardList object")
            items += [item for item in page.get("items") or [] if isinstance(item, dict)]
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items
            if token in seen:
                raise MalformedAnswer(f"GET {api.dashboards}: a continue token came back twice: the listing "
                                      "would never end")
            seen.add(token)
        raise MalformedAnswer(f"GET {api.dashboards}: more pages than {MAX_PAGES * SEARCH_PAGE} dashboards need")

    def _malformed(self, what: str, answer: Any, expected: str) -> MalformedAnswer:
        shown = json.dumps(answer, default=str)[:120]
        return MalformedAnswer(self._http.redact(f"{what}: expected {expected}, got {shown}"), 200)

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, json: Any = None) -> Any:
        """One API call with retries; returns the decoded JSON body or raises a GrafanaError subclass."""
        return self._http.json(method, path, params=params, json=json)


def as_legacy(resource: dict[str, Any]) -> dict[str, Any] | None:
    """A listed dashboard resource in the shape of the legacy GET /api/dashboards/uid/:uid answer ({"dashboard",
    "meta"} with uid, version and folderUid), or None when its spec is not classic dashboard JSON (Grafana reports a
    dashboard it could not convert from a v2 schema in status.conversion.failed)."""
    metadata, spec, status = resource.get("metadata"), resource.get("spec"), resource.get("status") or {}
    conversion = status.get("conversion") if isinstance(status, dict) else None
    if (not isinstance(metadata, dict) or not isinstance(spec, dict) or "title" not in spec
            or not isinstance(metadata.get("name"), str) or (isinstance(conversion, dict) and conversion.get("failed"))):
        return None
    annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    version = spec.get("version", metadata.get("generation"))
    return {"dashboard": {**spec, "uid": metadata["name"], "version": version},
            "meta": {"folderUid": annotations.get("grafana.app/folder", ""), "version": version,
                     "updatedBy": annotations.get("grafana.app/updatedBy", "?"),
                     "updated": annotations.get("grafana.app/updatedTimestamp", "?"),
                     "resourceVersion": metadata.get("resourceVersion")}}
