"""Start and stop a real VictoriaMetrics and a real vmalert on free 127.0.0.1 ports with temporary folders.

Usage:
    with VictoriaMetricsServer.start(tmp_path / "vm") as vm:
        vm.import_prometheus('up{job="a"} 1 1767225600000\\n')
        with VmalertServer.start(tmp_path / "vmalert", vm, rule_files=[f"{rules}/*.yaml"]) as vmalert:
            httpx.get(f"{vmalert.url}/api/v1/rules")
Both come from Debian's `victoria-metrics` package. vmalert reads rules from VictoriaMetrics and writes
recording rules back into it; alerts go to a loopback port where nothing listens (vmalert only logs that).
"""
from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from prometheus_server import ServerProcess, binary, free_port


@dataclass
class Process(ServerProcess):
    """A running server: its URL, working folder and process; stopped on exit."""

    url: str
    workdir: Path
    process: subprocess.Popen[bytes]

    @classmethod
    def launch(cls, workdir: Path, argv: list[str], port: int) -> Process:
        workdir.mkdir(parents=True, exist_ok=True)
        log = (workdir / "server.log").open("wb")
        process = subprocess.Popen(argv, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        server = cls(f"http://127.0.0.1:{port}", workdir, process)
        server.wait_ready()
        return server

    def log(self) -> str:
        return (self.workdir / "server.log").read_text(errors="replace")



class VictoriaMetricsServer(Process):
    """Single-node VictoriaMetrics keeping every sample (100 years) and answering without a latency offset."""

    @classmethod
    def start(cls, workdir: Path, extra_args: Sequence[str] = ()) -> VictoriaMetricsServer:
        port = free_port()
        return cls.launch(workdir, [
            binary("victoria-metrics", "victoria-metrics"), f"-storageDataPath={workdir / 'data'}",
            f"-httpListenAddr=127.0.0.1:{port}", "-retentionPeriod=100y", "-search.latencyOffset=0s",
            "-search.disableCache", *extra_args], port)

    def import_prometheus(self, text: str) -> None:
        """Load Prometheus text exposition lines (`name{labels} value timestamp_ms`) and make them searchable."""
        httpx.post(f"{self.url}/api/v1/import/prometheus", content=text.encode(), timeout=10).raise_for_status()
        httpx.get(f"{self.url}/internal/force_flush", timeout=10).raise_for_status()


class VmalertServer(Process):
    """vmalert evaluating rule files against a VictoriaMetrics every second."""

    @classmethod
    def start(cls, workdir: Path, datasource: VictoriaMetricsServer, rule_files: Sequence[str],
              extra_args: Sequence[str] = ()) -> VmalertServer:
        port = free_port()
        return cls.launch(workdir, [
            binary("vmalert", "victoria-metrics"), *[f"-rule={glob}" for glob in rule_files],
            f"-datasource.url={datasource.url}", f"-remoteWrite.url={datasource.url}",
            f"-notifier.url=http://127.0.0.1:{free_port()}", f"-httpListenAddr=127.0.0.1:{port}",
            "-evaluationInterval=1s", *extra_args], port)
