"""A plain-HTTP forward proxy on 127.0.0.1 that records what passes through and can fail requests on demand.

It forwards to the real server named in the request line (tests point it at real Prometheus servers), so
what a client sends (headers, method, URL) and how it reacts to 503 + Retry-After can be seen end to end.
"""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass
class Seen:
    method: str
    url: str
    headers: dict[str, str]


@dataclass
class ForwardProxy:
    """Records every request; answers the next ones with `fail` statuses (with Retry-After) before forwarding."""

    seen: list[Seen] = field(default_factory=list)
    fail: deque[int] = field(default_factory=deque)
    retry_after: str = "1"
    timeout: float | None = 5.0
    """Seconds to wait for the server behind (None: as long as it takes, e.g. for a month-long query)."""

    def __post_init__(self) -> None:
        proxy = self
        self._client = httpx.Client(trust_env=False, timeout=self.timeout, limits=httpx.Limits(max_connections=64))

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
                if proxy.fail:
                    self._answer(proxy.fail.popleft(), b"busy", {"Retry-After": proxy.retry_after})
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "proxy-connection")}
                answer = proxy._client.request(self.command, self.path, headers=headers, content=body)
                self._answer(answer.status_code, answer.content, {"Content-Type": answer.headers.get(
                    "content-type", "text/plain")})

            def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def __enter__(self) -> ForwardProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()
