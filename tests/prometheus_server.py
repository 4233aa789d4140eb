"""Start and stop a real Prometheus on a free 127.0.0.1 port with a temporary folder (no fakes).

Usage:
    with PrometheusServer.start(tmp_path, rule_files=["rules/*.yaml"]) as prom:
        httpx.get(f"{prom.url}/api/v1/rules")
Optional history: `backfill_openmetrics(text, data_dir)` turns OpenMetrics text into TSDB blocks with
`promtool tsdb create-blocks-from openmetrics` before the server starts (pass `openmetrics=` to `start`).
The server runs with --web.enable-lifecycle (so `POST /-/reload` works) unless `lifecycle=False`.
"""
from __future__ import annotations

import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import yaml

STARTUP_SECONDS = 20.0


def binary(name: str, package: str = "prometheus") -> str:
    """Path of a server binary, or skip the test with the install hint (its Debian package)."""
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} not installed (apt-get install -y {package})")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def backfill_openmetrics(text: str, data_dir: Path) -> None:
    """Write OpenMetrics text (ending in `# EOF`) as TSDB blocks into data_dir."""
    data_dir.mkdir(parents=True, exist_ok=True)
    source = data_dir.parent / "backfill.om"
    source.write_text(text if text.rstrip().endswith("# EOF") else text.rstrip() + "\n# EOF\n")
    subprocess.run([binary("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(source), str(data_dir)],
                   check=True, capture_output=True, text=True)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A fresh self-signed certificate for 127.0.0.1 and its key (openssl), valid for two days."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


class ServerProcess:
    """A server process the tests started: stopped (terminate, then kill after 10 s) when its `with` ends."""

    url: str
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        raise NotImplementedError

    def wait_ready(self) -> None:
        """Until GET /-/ready answers 200 (at most STARTUP_SECONDS); else stop it and say why, with its log."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1, verify=False).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{Path(str(self.process.args[0])).name} did not become ready at {self.url}:\n"
                           f"{self.log()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self: Server) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


Server = TypeVar("Server", bound=ServerProcess)


@dataclass
class PrometheusServer(ServerProcess):
    """A running Prometheus: its URL, working folder, config file and process."""

    url: str
    workdir: Path
    config: Path
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, workdir: Path, rule_files: Sequence[str] = ("rules/*.yaml",), evaluation_interval: str = "1s",
              scrape_configs: list[dict[str, Any]] | None = None, openmetrics: str | None = None,
              extra_args: Sequence[str] = (), lifecycle: bool = True, port: int | None = None,
              tls: tuple[Path, Path] | None = None, user: str | None = None,
              alertmanagers: Sequence[str] = ()) -> PrometheusServer:
        """Write prometheus.yml into workdir (rule_files relative to it) and start the server; wait until ready.

        Pass `port` (from free_port()) when scrape_configs must name the server's own address, and
        `tls=(cert_file, key_file)` to serve https:// only (see `self_signed`), and `user` (as root) to run it as
        that user, as Debian's service does (workdir must then be writable by that user), and `alertmanagers`
        (host:port) to send firing alerts to.
        """
        workdir.mkdir(parents=True, exist_ok=True)
        config = workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "evaluation_interval": evaluation_interval},
            "rule_files": list(rule_files), "scrape_configs": scrape_configs or [],
            **({"alerting": {"alertmanagers": [{"static_configs": [{"targets": list(alertmanagers)}]}]}}
               if alertmanagers else {})}))
        if openmetrics is not None:
            backfill_openmetrics(openmetrics, workdir / "data")
        port = port or free_port()
        if tls is not None:
            web = workdir / "web.yml"
            web.write_text(yaml.safe_dump({"tls_server_config": {"cert_file": str(tls[0]), "key_file": str(tls[1])}}))
            extra_args = [*extra_args, f"--web.config.file={web}"]
        log = (workdir / "prometheus.log").open("wb")
        process = subprocess.Popen(
            [binary("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", *(["--web.enable-lifecycle"] if lifecycle else []),
             *extra_args],
            cwd=workdir, stdout=log, stderr=subprocess.STDOUT, user=user)
        log.close()
        server = cls(f"{'https' if tls else 'http'}://127.0.0.1:{port}", workdir, config, process)
        server.wait_ready()
        return server

    def process_user(self) -> str:
        """The user the server process runs as."""
        return pwd.getpwuid(Path(f"/proc/{self.process.pid}").stat().st_uid).pw_name

    def log(self) -> str:
        return (self.workdir / "prometheus.log").read_text(errors="replace")

    def rule_groups(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/api/v1/rules", timeout=5).json()["data"]["groups"]

