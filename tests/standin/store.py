"""The Grafana semantics the stand-in serves: folders, dashboards and search, as documented for Grafana 11.x,
and, when asked to act as Grafana 12, the read side of the new dashboard API (`dashboard.grafana.app`).

Reference: Grafana's HTTP API docs (Folder API, Dashboard API, Search API) and pkg/api/dashboard.go;
for the new API, Grafana's docs "Dashboard HTTP API" (List Dashboards: `limit`, `continue`) and "New API
Structure" (namespaces, metadata), and pkg/storage/unified/resource (a list page also ends at a byte budget,
`[unified_storage] max_page_size_bytes`, 2 MiB by default). See docs/publishing-api.md.
Every rule here is pinned by tests/test_grafana_standin.py.
"""
from __future__ import annotations

import base64
import binascii
import copy
import itertools
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

UID = re.compile(r"^[a-zA-Z0-9\-_]*$")
UID_MAX = 40
TITLE_MAX = 5000
TAG_MAX = 50
MESSAGE_MAX = 500
MIN_REFRESH_SECONDS = 5
SEARCH_LIMIT_DEFAULT = 1000
SEARCH_LIMIT_MAX = 5000
_SLUG = re.compile(r"[^a-z0-9]+")
_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d)$")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
DASHBOARD_GROUP = "dashboard.grafana.app"
MAX_PAGE_BYTES = 2 * 1024 * 1024
"""Grafana's unified storage ends a list page once its items reach this many bytes, whatever the limit."""


class ApiError(Exception):
    """An HTTP error answer: status and JSON body."""

    def __init__(self, code: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.body = {**extra, "message": message}


def k8s_error(code: int, reason: str, message: str) -> ApiError:
    """An error of the /apis endpoints: a Kubernetes `Status` object, as Grafana's API server answers them."""
    err = ApiError(code, message)
    err.body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                "reason": reason, "details": {"group": DASHBOARD_GROUP, "kind": "dashboards"}, "code": code}
    return err


def slugify(title: str) -> str:
    return _SLUG.sub("-", title.lower()).strip("-")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Folder:
    id: int
    uid: str
    title: str
    parent_uid: str
    created_by: str
    created: str = field(default_factory=_now)
    version: int = 1


@dataclass
class Dashboard:
    id: int
    uid: str
    data: dict[str, Any]
    folder_uid: str
    version: int
    created_by: str
    updated_by: str
    resource_version: int = 0
    """The store's write counter at this dashboard's last write (metadata.resourceVersion on the new API)."""
    size: int = 0
    """Bytes of the stored JSON, which a list page counts against its byte budget."""
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)


class Store:
    """Thread-safe in-memory Grafana org: folders, dashboards and search."""

    def __init__(self, namespace: str = "default") -> None:
        self.lock = threading.RLock()
        self.namespace = namespace
        """The org's namespace on the new APIs: `default` for org 1, `org-<id>` for others, `stacks-<id>` on Cloud."""
        self.folders: dict[str, Folder] = {}
        self.dashboards: dict[str, Dashboard] = {}
        self._ids = itertools.count(1)
        self._uids = itertools.count(1)
        self.resource_version = 0
        """Counts dashboard writes; a dashboard's metadata.resourceVersion is the count at its last write."""

    # folders -----------------------------------------------------------------------------------------
    def create_folder(self, body: Any, user: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiError(400, "bad request data")
        title = str(body.get("title") or "").strip()
        uid = body.get("uid") or ""
        parent = body.get("parentUid") or ""
        if not title:
            raise ApiError(400, "folder title cannot be empty")
        if not isinstance(uid, str) or not UID.match(uid) or len(uid) > UID_MAX:
            raise ApiError(400, "uid contains illegal characters" if len(str(uid)) <= UID_MAX else
                           "uid too long, max 40 characters")
        with self.lock:
            if uid and uid in self.folders:
                raise ApiError(409, "a folder with the same uid already exists")
            if parent and parent not in self.folders:
                raise ApiError(404, "parent folder not found", status="not-found")
            uid = uid or self._new_uid()
            folder = Folder(next(self._ids), uid, title, parent, user)
            self.folders[uid] = folder
            return self.folder_json(folder)

    def get_folder(self, uid: str) -> dict[str, Any]:
        with self.lock:
            folder = self.folders.get(uid)
            if folder is None:
                raise ApiError(404, "folder not found", status="not-found")
            return self.folder_json(folder)

    def list_folders(self, parent_uid: str, limit: int, page: int) -> list[dict[str, Any]]:
        with self.lock:
            children = sorted((f for f in self.folders.values() if f.parent_uid == parent_uid),
                              key=lambda f: f.title.lower())
            chunk = children[(page - 1) * limit: page * limit]
            return [{"id": f.id, "uid": f.uid, "title": f.title} for f in chunk]

    def folder_json(self, folder: Folder) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": folder.id, "uid": folder.uid, "title": folder.title,
            "url": f"/dashboards/f/{folder.uid}/{slugify(folder.title)}", "hasAcl": False, "canSave": True,
            "canEdit": True, "canAdmin": True, "canDelete": True, "createdBy": folder.created_by,
            "created": folder.created, "updatedBy": folder.created_by, "updated": folder.created,
            "version": folder.version}
        if folder.parent_uid:
            out["parentUid"] = folder.parent_uid
            out["parents"] = [self.folder_json(p) for p in self._ancestors(folder)]
        return out

    def _ancestors(self, folder: Folder) -> list[Folder]:
        chain = []
        uid = folder.parent_uid
        while uid:
            parent = self.folders[uid]
            chain.append(parent)
            uid = parent.parent_uid
        return list(reversed(chain))

    # dashboards --------------------------------------------------------------------------------------
    def save_dashboard(self, body: Any, user: str) -> dict[str, Any]:
        """POST /api/dashboards/db: validate, resolve the existing row, check the version, persist."""
        if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
            raise ApiError(400, "bad request data")
        data = copy.deepcopy(body["dashboard"])
        _validate(data, body.get("message") or "")
        size = len(json.dumps(data))
        folder_uid = body.get("folderUid") or ""
        overwrite = bool(body.get("overwrite"))
        with self.lock:
            if folder_uid and folder_uid not in self.folders:
                raise ApiError(400, "folder not found")
            existing = self._resolve(data)
            if existing is not None:
                if data.get("version", 0) != existing.version and not overwrite:
                    raise ApiError(412, "The dashboard has been changed by someone else", status="version-mismatch")
                record = existing
                record.version += 1
                record.data, record.folder_uid, record.updated_by, record.updated = data, folder_uid, user, _now()
            else:
                uid = data.get("uid") or self._new_uid()
                record = Dashboard(next(self._ids), uid, data, folder_uid, 1, user, user)
                self.dashboards[uid] = record
            self.resource_version += 1
            record.resource_version, record.size = self.resource_version, size
            return {"id": record.id, "uid": record.uid, "url": _url(record), "status": "success",
                    "version": record.version, "slug": slugify(data["title"]), "folderUid": record.folder_uid}

    def _resolve(self, data: dict[str, Any]) -> Dashboard | None:
        by_uid = self.dashboards.get(data.get("uid") or "")
        dash_id = data.get("id")
        if isinstance(dash_id, int) and dash_id > 0:
            by_id = next((d for d in self.dashboards.values() if d.id == dash_id), None)
            if by_id is None:
                raise ApiError(404, "Dashboard not found", status="not-found")
            if by_uid is not None and by_uid is not by_id:
                raise ApiError(400, "A dashboard with the same uid already exists")
            return by_id
        return by_uid

    def get_dashboard(self, uid: str) -> dict[str, Any]:
        with self.lock:
            record = self._existing(uid)
            data = copy.deepcopy(record.data)
            data.update(id=record.id, uid=record.uid, version=record.version)
            return {"dashboard": data, "meta": self._meta(record)}

    def delete_dashboard(self, uid: str) -> dict[str, Any]:
        with self.lock:
            record = self._existing(uid)
            del self.dashboards[uid]
            self.resource_version += 1
            title = record.data["title"]
            return {"title": title, "message": f"Dashboard {title} deleted", "uid": uid}

    def _existing(self, uid: str) -> Dashboard:
        record = self.dashboards.get(uid)
        if record is None:
            raise ApiError(404, "Dashboard not found")
        return record

    def _meta(self, record: Dashboard) -> dict[str, Any]:
        folder = self.folders.get(record.folder_uid)
        return {
            "type": "db", "canSave": True, "canEdit": True, "canAdmin": True, "canStar": True,
            "canDelete": True, "slug": slugify(record.data["title"]), "url": _url(record),
            "expires": "0001-01-01T00:00:00Z", "created": record.created, "updated": record.updated,
            "updatedBy": record.updated_by, "createdBy": record.created_by, "version": record.version,
            "hasAcl": False, "isFolder": False, "folderId": folder.id if folder else 0,
            "folderUid": record.folder_uid, "folderTitle": folder.title if folder else "General",
            "folderUrl": f"/dashboards/f/{folder.uid}/{slugify(folder.title)}" if folder else "",
            "provisioned": False, "provisionedExternalId": "",
            "annotationsPermissions": {s: {"canAdd": True, "canEdit": True, "canDelete": True}
                                       for s in ("dashboard", "organization")}}

    # search ------------------------------------------------------------------------------------------
    def search(self, params: dict[str, list[str]]) -> list[dict[str, Any]]:
        """GET /api/search: query, tag (all must match), type, dashboardUIDs, folderUIDs, limit, page."""
        query = (params.get("query") or [""])[0].lower()
        tags = set(params.get("tag") or [])
        kind = (params.get("type") or [""])[0]
        uids = set(_split(params.get("dashboardUIDs")))
        folder_uids = set(_split(params.get("folderUIDs")))
        limit = min(int((params.get("limit") or [SEARCH_LIMIT_DEFAULT])[0]), SEARCH_LIMIT_MAX)
        page = max(int((params.get("page") or [1])[0]), 1)
        with self.lock:
            hits = []
            if kind in ("", "dash-folder") and not tags:
                hits += [self._folder_hit(f) for f in self.folders.values()]
            if kind in ("", "dash-db"):
                hits += [self._dashboard_hit(d) for d in self.dashboards.values()]
        hits = [h for h in hits if query in h["title"].lower() and tags <= set(h["tags"])
                and (not uids or h["uid"] in uids)
                and (not folder_uids or h.get("folderUid", "") in folder_uids)]
        hits.sort(key=lambda h: h["title"].lower())
        return hits[(page - 1) * limit: page * limit]

    def _folder_hit(self, folder: Folder) -> dict[str, Any]:
        hit = {"id": folder.id, "uid": folder.uid, "title": folder.title, "uri": f"db/{slugify(folder.title)}",
               "url": f"/dashboards/f/{folder.uid}/{slugify(folder.title)}", "slug": "", "type": "dash-folder",
               "tags": [], "isStarred": False, "sortMeta": 0}
        return hit | self._folder_keys(folder.parent_uid)

    def _dashboard_hit(self, record: Dashboard) -> dict[str, Any]:
        hit = {"id": record.id, "uid": record.uid, "title": record.data["title"],
               "uri": f"db/{slugify(record.data['title'])}", "url": _url(record), "slug": "", "type": "dash-db",
               "tags": list(record.data.get("tags") or []), "isStarred": False, "sortMeta": 0}
        return hit | self._folder_keys(record.folder_uid)

    def _folder_keys(self, folder_uid: str) -> dict[str, Any]:
        folder = self.folders.get(folder_uid)
        if folder is None:
            return {}
        return {"folderId": folder.id, "folderUid": folder.uid, "folderTitle": folder.title,
                "folderUrl": f"/dashboards/f/{folder.uid}/{slugify(folder.title)}"}

    def _new_uid(self) -> str:
        return f"gen{next(self._uids):06d}"

    # the new API: /apis/dashboard.grafana.app/<version>/namespaces/<namespace>/dashboards (read side) -----------
    def list_resources(self, version: str, namespace: str, limit: int | None, token: str | None,
                       max_page_bytes: int = MAX_PAGE_BYTES) -> dict[str, Any]:
        """A `DashboardList` page in name order: it ends after `limit` items or once its items reach
        `max_page_bytes`; `metadata.continue` (opaque) is present only when more items follow."""
        self._check_namespace(namespace)
        if limit is not None and limit < 0:
            raise k8s_error(400, "BadRequest", "limit must not be negative")
        with self.lock:
            list_rv = str(self.resource_version)
            after = _read_token(token) if token else ""
            records = sorted((d for d in self.dashboards.values() if d.uid > after), key=lambda d: d.uid)
            items: list[dict[str, Any]] = []
            size = 0
            for record in records:
                items.append(self._resource(record, version))
                size += record.size
                if (limit and len(items) >= limit) or size >= max_page_bytes:
                    break
        metadata: dict[str, Any] = {"resourceVersion": list_rv}
        if items and records and items[-1]["metadata"]["name"] != records[-1].uid:
            metadata["continue"] = _write_token(items[-1]["metadata"]["name"], list_rv)
        return {"kind": "DashboardList", "apiVersion": f"{DASHBOARD_GROUP}/{version}", "metadata": metadata,
                "items": items}

    def get_resource(self, version: str, namespace: str, name: str) -> dict[str, Any]:
        self._check_namespace(namespace)
        with self.lock:
            record = self.dashboards.get(name)
            if record is None:
                raise k8s_error(404, "NotFound", f'dashboards.{DASHBOARD_GROUP} "{name}" not found')
            return self._resource(record, version)

    def _check_namespace(self, namespace: str) -> None:
        if namespace != self.namespace:
            raise k8s_error(403, "Forbidden", f"namespace {namespace!r} does not belong to this organization")

    def _resource(self, record: Dashboard, version: str) -> dict[str, Any]:
        """One dashboard as a Kubernetes-style resource: metadata.name is the uid, spec the stored JSON (with uid
        and version, without the deprecated id, which moves to a label), the folder in an annotation."""
        spec = {k: v for k, v in record.data.items() if k != "id"} | {"uid": record.uid, "version": record.version}
        annotations = {"grafana.app/createdBy": _identity(record.created_by),
                       "grafana.app/updatedBy": _identity(record.updated_by),
                       "grafana.app/updatedTimestamp": record.updated}
        if record.folder_uid:
            annotations["grafana.app/folder"] = record.folder_uid
        return {"kind": "Dashboard", "apiVersion": f"{DASHBOARD_GROUP}/{version}",
                "metadata": {"name": record.uid, "namespace": self.namespace,
                             "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.namespace}/dashboards/{record.id}")),
                             "resourceVersion": str(record.resource_version), "generation": record.version,
                             "creationTimestamp": record.created,
                             "labels": {"grafana.app/deprecatedInternalID": str(record.id)},
                             "annotations": annotations},
                "spec": spec}


def _validate(data: dict[str, Any], message: str) -> None:
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ApiError(400, "Dashboard title cannot be empty", status="empty-name")
    if len(title) > TITLE_MAX:
        raise ApiError(400, "Dashboard title cannot be longer than 5000 characters", status="title-too-long")
    uid = data.get("uid") or ""
    if not isinstance(uid, str) or not UID.match(uid):
        raise ApiError(400, "uid contains illegal characters")
    if len(uid) > UID_MAX:
        raise ApiError(400, "uid too long, max 40 characters")
    if len(message) > MESSAGE_MAX:
        raise ApiError(400, "message too long, max 500 characters")
    if any(len(str(tag)) > TAG_MAX for tag in data.get("tags") or []):
        raise ApiError(400, "dashboard tag too long, max 50 characters", status="tag-too-long")
    refresh = _DURATION.match(str(data.get("refresh") or ""))
    if refresh and int(refresh.group(1)) * _SECONDS[refresh.group(2)] < MIN_REFRESH_SECONDS:
        raise ApiError(400, "Dashboard refresh interval is too low")


def _url(record: Dashboard) -> str:
    return f"/d/{record.uid}/{slugify(record.data['title'])}"


def _identity(login: str) -> str:
    """`<user-type>:<uid>` as in grafana.app/createdBy (the stand-in's tokens belong to service accounts)."""
    return f"service-account:{login}" if login.startswith("sa-") else f"user:{login}"


def _write_token(after: str, list_rv: str) -> str:
    return base64.b64encode(json.dumps({"after": after, "rv": list_rv}).encode()).decode()


def _read_token(token: str) -> str:
    try:
        after = json.loads(base64.b64decode(token, validate=True))["after"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise k8s_error(400, "BadRequest", "invalid continue token") from None
    if not isinstance(after, str):
        raise k8s_error(400, "BadRequest", "invalid continue token")
    return after


def _split(values: list[str] | None) -> list[str]:
    return [part for value in values or [] for part in value.split(",") if part]
