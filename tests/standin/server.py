"""A local Grafana stand-in: the documented HTTP API subset on 127.0.0.1, with auth and injectable faults.

By default it acts as Grafana 11 (legacy /api only: /apis answers 404). Given `dashboard_api` versions it acts as
Grafana 12: GET /apis and /apis/dashboard.grafana.app advertise those versions, and each serves the list and get
of dashboards under /apis/dashboard.grafana.app/<version>/namespaces/<namespace>/dashboards (writes stay on /api).

Faults (per request, before the request is handled unless noted):
  "500"          answer 500 {"message": "Internal Server Error"}
  "429"          answer 429 with `Retry-After: <retry_after>`
  "reset"        drop the connection (TCP reset) without answering; nothing is applied
  "reset-after"  apply the request, then drop the connection (the client cannot know it succeeded)
  "slow"         wait `slow_seconds`, then answer normally
Faults come from a queue of one-shot faults first, then at random with probability `rate` (seeded), on
paths starting with `only`.
"""
from __future__ import annotations

import base64
import json
import random
import re
import socket
import struct
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .store import DASHBOARD_GROUP, MAX_PAGE_BYTES, ApiError, Store, k8s_error

VERSION = "11.5.2"
VERSION_12 = "12.2.0"
CLASSIC_VERSIONS = ("v0alpha1", "v1beta1", "v1")
"""dashboard.grafana.app versions whose spec is the classic dashboard JSON (v2* is another schema, not served)."""
READ = "read"
WRITE = "write"
ROLES_THAT_WRITE = {"Admin", "Editor"}


@dataclass
class Faults:
    """Which requests fail and how (thread-safe)."""

    rate: float = 0.0
    kinds: tuple[str, ...] = ("500", "429", "reset")
    retry_after: str = "0"
    slow_seconds: float = 0.0
    seed: int = 0
    only: str = ""
    """Random faults hit only paths starting with this (queued faults hit any request)."""
    queue: deque[str] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def inject(self, *kinds: str) -> None:
        """Fail the next requests with these faults, in order."""
        with self._lock:
            self.queue.extend(kinds)

    def next(self, path: str) -> str | None:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
            if self.rate and path.startswith(self.only) and self._random.random() < self.rate:
                return self._random.choice(self.kinds)
            return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's default of 5 drops bursts of new connections; Go servers use somaxconn

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (the fault tests do it on purpose) are not server errors; report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class GrafanaStandin:
    """Start with `with GrafanaStandin() as grafana:`; `grafana.url` is the base URL."""

    def __init__(self, tokens: dict[str, str] | None = None, users: dict[tuple[str, str], str] | None = None,
                 latency: float = 0.0, faults: Faults | None = None, dashboard_api: tuple[str, ...] = (),
                 namespace: str = "default", max_page_bytes: int = MAX_PAGE_BYTES, port: int = 0) -> None:
        unknown = [v for v in dashboard_api if v not in CLASSIC_VERSIONS]
        if unknown:
            raise ValueError(f"the stand-in serves only {CLASSIC_VERSIONS} of {DASHBOARD_GROUP}, not {unknown}")
        self.tokens = {"glsa_standin_admin": "Admin"} if tokens is None else tokens
        self.users = {} if users is None else users
        self.latency = latency
        self.faults = faults or Faults()
        self.dashboard_api = dashboard_api
        """Versions of dashboard.grafana.app served, preferred first; empty: Grafana 11, no /apis at all."""
        self.version = VERSION_12 if dashboard_api else VERSION
        self.max_page_bytes = max_page_bytes
        self.store = Store(namespace)
        self.log: list[tuple[str, str, int | str]] = []
        self.connections = 0
        """TCP connections accepted so far (a client that keeps connections alive opens few)."""
        self._log_lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> GrafanaStandin:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def record(self, method: str, path: str, outcome: int | str) -> None:
        with self._log_lock:
            self.log.append((method, path, outcome))

    def counts(self) -> Counter[str]:
        """Requests seen: 'total', 'writes' (POST/PUT/DELETE that were applied) and one key per 'METHOD status'."""
        with self._log_lock:
            entries = list(self.log)
        counts: Counter[str] = Counter(f"{m} {o}" for m, _, o in entries)
        counts["total"] = len(entries)
        counts["writes"] = sum(1 for m, _, o in entries if m != "GET" and o in (200, "reset-after"))
        return counts

    def clear_log(self) -> None:
        with self._log_lock:
            self.log.clear()

    def role_of(self, header: str) -> tuple[str, str] | None:
        """(login, role) for an Authorization header, None if missing or wrong."""
        scheme, _, value = header.partition(" ")
        if scheme == "Bearer" and value in self.tokens:
            return "sa-mrm-observe", self.tokens[value]
        if scheme == "Basic":
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                return None
            role = self.users.get((user, password))
            return (user, role) if role else None
        return None


Route = Callable[[GrafanaStandin, re.Match[str], dict[str, list[str]], Any, str], Any]


def _group(g: GrafanaStandin) -> dict[str, Any]:
    """The APIGroup of dashboard.grafana.app (Kubernetes discovery), or Grafana 11's 404 when not offered."""
    if not g.dashboard_api:
        raise ApiError(404, "Not found")
    versions = [{"groupVersion": f"{DASHBOARD_GROUP}/{v}", "version": v} for v in g.dashboard_api]
    return {"name": DASHBOARD_GROUP, "versions": versions, "preferredVersion": versions[0]}


def _served(g: GrafanaStandin, version: str) -> str:
    if not g.dashboard_api:
        raise ApiError(404, "Not found")
    if version not in g.dashboard_api:
        raise k8s_error(404, "NotFound", "the server could not find the requested resource")
    return version


def _limit(q: dict[str, list[str]]) -> int | None:
    raw = (q.get("limit") or [""])[0]
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise k8s_error(400, "BadRequest", f"invalid limit {raw!r}") from None


def _routes() -> list[tuple[str, re.Pattern[str], str, Route]]:
    def r(method: str, pattern: str, need: str, fn: Route) -> tuple[str, re.Pattern[str], str, Route]:
        return method, re.compile(f"^{pattern}$"), need, fn
    return [
        r("GET", "/api/frontend/settings", READ,
          lambda g, m, q, b, u: {"buildInfo": {"version": g.version, "commit": "standin", "edition": "Open Source"},
                                 "namespace": g.store.namespace}),
        r("GET", "/api/folders", READ, lambda g, m, q, b, u: g.store.list_folders(
            (q.get("parentUid") or [""])[0], int((q.get("limit") or [1000])[0]), int((q.get("page") or [1])[0]))),
        r("POST", "/api/folders", WRITE, lambda g, m, q, b, u: g.store.create_folder(b, u)),
        r("GET", "/api/folders/([^/]+)", READ, lambda g, m, q, b, u: g.store.get_folder(m.group(1))),
        r("POST", "/api/dashboards/db", WRITE, lambda g, m, q, b, u: g.store.save_dashboard(b, u)),
        r("GET", "/api/dashboards/uid/([^/]+)", READ, lambda g, m, q, b, u: g.store.get_dashboard(m.group(1))),
        r("DELETE", "/api/dashboards/uid/([^/]+)", WRITE,
          lambda g, m, q, b, u: g.store.delete_dashboard(m.group(1))),
        r("GET", "/api/search", READ, lambda g, m, q, b, u: g.store.search(q)),
        r("GET", "/apis/?", READ, lambda g, m, q, b, u: {"kind": "APIGroupList", "apiVersion": "v1",
                                                         "groups": [_group(g)]}),
        r("GET", f"/apis/{re.escape(DASHBOARD_GROUP)}/?", READ,
          lambda g, m, q, b, u: {"kind": "APIGroup", "apiVersion": "v1", **_group(g)}),
        r("GET", f"/apis/{re.escape(DASHBOARD_GROUP)}/([^/]+)/namespaces/([^/]+)/dashboards", READ,
          lambda g, m, q, b, u: g.store.list_resources(_served(g, m.group(1)), m.group(2), _limit(q),
                                                       (q.get("continue") or [None])[0], g.max_page_bytes)),
        r("GET", f"/apis/{re.escape(DASHBOARD_GROUP)}/([^/]+)/namespaces/([^/]+)/dashboards/([^/]+)", READ,
          lambda g, m, q, b, u: g.store.get_resource(_served(g, m.group(1)), m.group(2), m.group(3))),
    ]


ROUTES = _routes()
DENIED = {"/api/folders": "Access denied", "/api/dashboards/db": "Access denied to save dashboard"}


def _handler_for(grafana: GrafanaStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes; don't stall on delayed ACKs
        timeout = 10

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def setup(self) -> None:
            super().setup()
            with grafana._log_lock:
                grafana.connections += 1

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlsplit(self.path).path
            if grafana.latency:
                time.sleep(grafana.latency)
            fault = grafana.faults.next(path)
            if fault == "slow":
                time.sleep(grafana.faults.slow_seconds)
            elif fault == "reset":
                return self._reset(method, path, "reset")
            elif fault in ("500", "429"):
                headers = {"Retry-After": grafana.faults.retry_after} if fault == "429" else {}
                message = "Internal Server Error" if fault == "500" else "Too many requests"
                return self._answer(method, path, int(fault), {"message": message}, headers)
            status, body = self._handle(method, path, raw)
            if fault == "reset-after":
                return self._reset(method, path, "reset-after" if status == 200 else status)
            self._answer(method, path, status, body)

        def _handle(self, method: str, path: str, raw: bytes) -> tuple[int, Any]:
            if method == "GET" and path == "/api/health":
                return 200, {"commit": "standin", "database": "ok", "version": grafana.version}
            who = grafana.role_of(self.headers.get("Authorization") or "")
            if who is None:
                basic = (self.headers.get("Authorization") or "").startswith("Basic")
                return 401, {"message": "Invalid username or password" if basic else "Invalid API key"}
            for route_method, pattern, need, fn in ROUTES:
                match = pattern.match(path)
                if route_method != method or not match:
                    continue
                if need == WRITE and who[1] not in ROLES_THAT_WRITE:
                    return 403, {"message": DENIED.get(path, "Access denied")}
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    return 400, {"message": "bad request data"}
                try:
                    return 200, fn(grafana, match, parse_qs(urlsplit(self.path).query), body, who[0])
                except ApiError as err:
                    return err.code, err.body
            return 404, {"message": "Not found"}

        def _answer(self, method: str, path: str, status: int, body: Any, headers: dict[str, str] | None = None
                    ) -> None:
            data = json.dumps(body).encode()
            grafana.record(method, path, status)  # before answering, so a client never sees an unrecorded answer
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _reset(self, method: str, path: str, outcome: int | str) -> None:
            grafana.record(method, path, outcome)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

    return Handler
