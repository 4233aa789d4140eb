"""Start and stop a real Alertmanager on a free 127.0.0.1 port, and a webhook receiver that records what it gets.

Usage:
    with WebhookReceiver() as hook, AlertmanagerServer.start(tmp_path, config) as am:
        am.post_alerts([{"labels": {"alertname": "X"}}])
        hook.wait_for(1)
`config` is a dict (written as YAML) or the text of the config file; no gossip (`--cluster.listen-address=`),
storage in the working folder. `fast_timings` shortens every route's group_wait, group_interval and
repeat_interval in a test's copy of a config (the platform's own config is never changed).
"""
from __future__ import annotations

import copy
import json
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml

from prometheus_server import ServerProcess, binary, free_port

ALERTMANAGER = "prometheus-alertmanager"
"""Debian's name for the binary (package prometheus-alertmanager, which also ships amtool)."""


@dataclass
class AlertmanagerServer(ServerProcess):
    """A running Alertmanager: its URL, working folder, config file and process."""

    url: str
    workdir: Path
    config: Path
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, workdir: Path, config: dict[str, Any] | str, config_name: str = "alertmanager.yml",
              extra_args: Sequence[str] = ()) -> AlertmanagerServer:
        """Write the config into workdir (unless it is already there as text) and start; wait until ready."""
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / config_name
        path.write_text(config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False))
        port = free_port()
        log = (workdir / "alertmanager.log").open("wb")
        process = subprocess.Popen(
            [binary(ALERTMANAGER, "prometheus-alertmanager"), f"--config.file={path}",
             f"--storage.path={workdir / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
             "--cluster.listen-address=", *extra_args],
            cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        server = cls(f"http://127.0.0.1:{port}", workdir, path, process)
        server.wait_ready()
        return server

    def log(self) -> str:
        return (self.workdir / "alertmanager.log").read_text(errors="replace")

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """POST /api/v2/alerts (each alert: labels, and optionally annotations, startsAt, endsAt)."""
        httpx.post(f"{self.url}/api/v2/alerts", json=alerts, timeout=5).raise_for_status()

    def alerts(self) -> list[dict[str, Any]]:
        """GET /api/v2/alerts: every alert with its status (state, inhibitedBy, silencedBy) and receivers."""
        return httpx.get(f"{self.url}/api/v2/alerts", timeout=5).json()

    def groups(self) -> list[dict[str, Any]]:
        """GET /api/v2/alerts/groups: every aggregation group with its labels, receiver and alerts."""
        return httpx.get(f"{self.url}/api/v2/alerts/groups", timeout=5).json()

    def status(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/api/v2/status", timeout=5).json()


def fast_timings(config: dict[str, Any], wait: str = "100ms", interval: str = "200ms",
                 repeat: str = "1h") -> dict[str, Any]:
    """A copy of the config whose routes notify at once: a test-only override of the timings on every route
    that sets them, and on the root (whose values the others inherit)."""
    fast = copy.deepcopy(config)
    timings = {"group_wait": wait, "group_interval": interval, "repeat_interval": repeat}

    def visit(route: dict[str, Any], root: bool) -> None:
        for key, value in timings.items():
            if root or key in route:
                route[key] = value
        for child in route.get("routes") or []:
            visit(child, False)
    visit(fast["route"], True)
    return fast


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records every JSON body POSTed to it, with the path it came to.

    One receiver serves every Alertmanager receiver of a test: point each at `url(name)`, and `notifications`
    tells them apart by path.
    """

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self._changed = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner._changed:
                    owner.received.append((self.path, json.loads(body)))
                    owner._changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def notifications(self, name: str | None = None) -> list[dict[str, Any]]:
        """The webhook payloads received so far (for one receiver path, or all)."""
        with self._changed:
            return [body for path, body in self.received if name is None or path == f"/{name}"]

    def wait_for(self, count: int, name: str | None = None, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Wait until at least `count` payloads arrived (for one receiver, or all); return them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := [b for p, b in self.received if name is None or p == f"/{name}"]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(found)} of {count} notification(s) for {name or 'any receiver'} "
                                         f"within {timeout:g}s; got {[p for p, _ in self.received]}")
                self._changed.wait(left)
            return found
