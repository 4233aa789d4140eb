"""A loopback TCP server that answers HTTP badly on purpose (trickles, floods), for transport-level fault tests.

It imitates no product: it only breaks the transport in the ways a server under load or attack can.
"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Behaviour = Callable[[socket.socket], None]


def trickle_body(conn: socket.socket) -> None:
    """Headers at once, then a 1 MB body one byte every 0.1 s."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
    _drip(conn, b"[" + b" " * 999_999)


def trickle_headers(conn: socket.socket) -> None:
    """The status line and headers one byte every 0.1 s."""
    _drip(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"a" * 10_000)


def slow_answer(conn: socket.socket) -> None:
    """A small, valid answer after half a second."""
    time.sleep(0.5)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close"
                 b"\r\n\r\n{}")


def flood(conn: socket.socket) -> None:
    """A 200 answer whose body never ends, as fast as the socket takes it."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    try:
        for _ in range(4096):  # bounded: 256 MiB at most, then the test is over anyway
            conn.sendall(chunk)
    except OSError:
        pass


def _drip(conn: socket.socket, data: bytes) -> None:
    try:
        for byte in data[:600]:  # bounded: a minute at most
            conn.sendall(bytes([byte]))
            time.sleep(0.1)
    except OSError:
        pass


@contextmanager
def misbehaving(behaviour: Behaviour) -> Iterator[tuple[str, list[float]]]:
    """(URL, connection times) of a server on 127.0.0.1 that treats every connection with `behaviour`."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop, connections = threading.Event(), []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            connections.append(time.monotonic())
            conn.recv(65536)
            threading.Thread(target=_handle, args=(conn,), daemon=True).start()

    def _handle(conn: socket.socket) -> None:
        with conn:
            behaviour(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", connections
    finally:
        stop.set()
        thread.join()
        listener.close()


@contextmanager
def canned(answers: dict[str, object]) -> Iterator[str]:
    """URL of a server on 127.0.0.1 that answers GET `path` with 200 and the JSON in `answers` (a callable gets
    the query string), every other request with 404: a server whose answers have the wrong shape."""
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            answer = answers.get(parts.path, KeyError)
            if answer is KeyError:
                self.send_error(404)
                return
            body = json.dumps(answer(parts.query) if callable(answer) else answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
