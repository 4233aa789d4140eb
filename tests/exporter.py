"""A loopback HTTP exporter: metrics text at /metrics (404 elsewhere), fixed or made afresh for every scrape."""
from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Exporter:
    """Serves `text` (a string, or a function called for every scrape, e.g. counters that grow) on 127.0.0.1."""

    def __init__(self, text: str | Callable[[], str]) -> None:
        def body() -> bytes:
            return (text() if callable(text) else text).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                status = 200 if self.path == "/metrics" else 404
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.end_headers()
                self.wfile.write(body() if status == 200 else b"")

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
