"""Issue 4's benchmark: publish 500 dashboards to the Grafana stand-in with 20 ms latency per request.

Runs, each against the stand-in (tests/standin) on 127.0.0.1, served from its own process as Grafana would be:
  naive, from scratch       the usual upload script: one POST per dashboard with overwrite:true, in a loop
  naive, republish          the same loop again: 500 writes, 500 new versions
and, once against a stand-in acting as Grafana 11 (legacy API only) and once as Grafana 12 (which also serves
dashboard.grafana.app/v1beta1):
  mrm-observe, from scratch search once, create every dashboard (bounded concurrency)
  mrm-observe, one changed  read every dashboard, write only the changed one: on Grafana 11 one GET per dashboard
                            at the pool's concurrency, on Grafana 12 the paged listing that carries their JSON
  mrm-observe, one changed, --concurrency 1   (Grafana 11) the same, sequential: what skipping writes alone buys
Reports wall time, HTTP requests and writes of each run, and ratios against the naive loop of the same run.
Target, on each API: the one-change republish sends at most one write and takes under a tenth of the naive loop's time.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from mrm_observe.conventions import folder_uid
from mrm_observe.grafana_api import DASHBOARD_GROUP, Auth, GrafanaClient, GrafanaSettings
from mrm_observe.pipeline import Project, build
from mrm_observe.pipeline_publish import targets_of
from mrm_observe.publish import LEGACY_READS, Options, Publisher, Target
from tests.standin import GrafanaStandin

TOKEN = "glsa_bench"
MODULE = '''
from mrm_observe import Dashboard, timeseries, stat_kpi

folder = ["Bench", "Team {team}"]
dashboards = [Dashboard(title=f"Service {team}-{{n:03d}}", panels=[
    timeseries("Requests", f'sum by (route) (rate(http_requests_total{{{{service="s{team}-{{n}}"}}}}[5m]))'),
    timeseries("Errors", f'sum(rate(http_requests_total{{{{service="s{team}-{{n}}", code=~"5.."}}}}[5m]))'),
    stat_kpi("Availability", f'avg_over_time(up{{{{service="s{team}-{{n}}"}}}}[1h])', warn=0.99, crit=0.95),
]) for n in range({per_module})]
'''


def targets(count: int, root: Path) -> list[Target]:
    """Build `count` dashboards in 10 modules (10 folders) through the real pipeline."""
    modules = 10
    for team in range(modules):
        path = root / "dashboards" / f"team_{team}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MODULE.format(team=team, per_module=max(1, count // modules)))
    return targets_of(build(Project.at(root)))


class Remote:
    """A stand-in served from its own process (as Grafana would be), driven over a pipe: url, counts, clear_log."""

    def __init__(self, conn: Connection, url: str) -> None:
        self.conn, self.url = conn, url

    def _ask(self, command: str) -> Any:
        self.conn.send(command)
        return self.conn.recv()

    def counts(self) -> dict[str, int]:
        return self._ask("counts")

    def clear_log(self) -> None:
        self._ask("clear")


def _serve(conn: Connection, latency: float, dashboard_api: tuple[str, ...]) -> None:
    with GrafanaStandin(tokens={TOKEN: "Admin"}, latency=latency, dashboard_api=dashboard_api) as grafana:
        conn.send(grafana.url)
        while (command := conn.recv()) != "stop":
            conn.send(dict(grafana.counts()) if command == "counts" else grafana.clear_log())


@contextmanager
def standin(latency: float, dashboard_api: tuple[str, ...] = ()) -> Iterator[Remote]:
    """A stand-in acting as Grafana 11, or as Grafana 12 when `dashboard_api` names the versions it serves."""
    ours_end, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(theirs, latency, dashboard_api),
                                                           daemon=True)
    process.start()
    try:
        yield Remote(ours_end, ours_end.recv())
    finally:
        ours_end.send("stop")
        process.join(10)


def naive(grafana: Remote, items: list[Target]) -> None:
    """The usual upload script: ensure folders, then POST every dashboard with overwrite:true, one by one."""
    with httpx.Client(base_url=grafana.url, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        for path in sorted({t.folder[:i] for t in items for i in range(1, len(t.folder) + 1)}, key=len):
            parent = {"parentUid": folder_uid(path[:-1])} if len(path) > 1 else {}
            client.post("/api/folders", json={"title": path[-1], "uid": folder_uid(path), **parent})
        for target in items:
            client.post("/api/dashboards/db", json={"dashboard": target.dashboard, "folderUid": target.folder_uid,
                                                    "overwrite": True}).raise_for_status()


def ours(grafana: Remote, items: list[Target], concurrency: int, reads: str) -> None:
    settings = GrafanaSettings(grafana.url, Auth(token=TOKEN), pool=concurrency)
    with GrafanaClient(settings) as client:
        result = Publisher(client, Options(concurrency=concurrency), backup=_no_backup).run(items)
    bad = [o for o in result.outcomes if o.action in ("failed", "drift")]
    if bad:
        raise SystemExit(f"publish failed: {bad[0].uid}: {bad[0].error}")
    if result.reads != reads:
        raise SystemExit(f"read the dashboards through {result.reads}, expected {reads}")


def _no_backup(uid: str, version: int, dashboard: dict) -> str:
    raise AssertionError("the benchmark never overwrites or prunes")


def measure(grafana: Remote, run: Callable[[], None]) -> dict[str, float]:
    grafana.clear_log()
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    counts = grafana.counts()
    return {"seconds": seconds, "requests": counts["total"], "writes": counts["writes"]}


def changed_one(items: list[Target]) -> list[Target]:
    first = items[0]
    dashboard = json.loads(json.dumps(first.dashboard))
    dashboard["panels"][0]["title"] = "Requests per route"
    return [Target(first.uid, first.title, first.folder, dashboard, first.source), *items[1:]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.020, help="seconds per request at the stand-in")
    parser.add_argument("--concurrency", type=int, default=16, help="mrm-observe's --concurrency (its default)")
    args = parser.parse_args([] if argv is None else argv)
    with tempfile.TemporaryDirectory() as scratch:
        items = targets(args.dashboards, Path(scratch))
    changed = changed_one(items)
    rows: dict[str, dict[str, float]] = {}
    with standin(args.latency) as grafana:
        rows["naive, from scratch"] = measure(grafana, lambda: naive(grafana, items))
        rows["naive, republish"] = measure(grafana, lambda: naive(grafana, items))
    for path, versions, reads in PATHS:
        with standin(args.latency, versions) as grafana:
            rows[f"{path}: from scratch"] = measure(grafana, lambda: ours(grafana, items, args.concurrency, reads))
            rows[f"{path}: one changed"] = measure(grafana, lambda: ours(grafana, changed, args.concurrency, reads))
            if not versions:  # back to the definitions, one by one
                rows[f"{path}: one changed, concurrency 1"] = measure(grafana, lambda: ours(grafana, items, 1, reads))
    report(rows, args)


PATHS = (("legacy API", (), LEGACY_READS),
         ("new API", ("v1beta1", "v0alpha1"), f"{DASHBOARD_GROUP}/v1beta1"))
"""(label, dashboard.grafana.app versions the stand-in serves, how mrm-observe must read): Grafana 11, Grafana 12."""


def report(rows: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    baseline = rows["naive, republish"]["seconds"]
    print(f"{len(rows)} runs, {args.dashboards} dashboards, {args.latency * 1000:.0f} ms per request, "
          f"mrm-observe concurrency {args.concurrency}")
    print(f"{'run':<42}{'seconds':>9}{'requests':>10}{'writes':>8}{'time / naive':>14}")
    for name, row in rows.items():
        print(f"{name:<42}{row['seconds']:>9.2f}{row['requests']:>10.0f}{row['writes']:>8.0f}"
              f"{row['seconds'] / baseline:>13.3f}x")
    for path, _, reads in PATHS:
        one = rows[f"{path}: one changed"]
        ratio = one["seconds"] / baseline
        verdict = "met" if one["writes"] <= 1 and ratio < 0.1 else "MISSED"
        print(f"one-change republish, {path} ({reads}): {one['requests']:.0f} requests, {one['writes']:.0f} "
              f"write(s), {ratio:.3f}x the naive loop's time (target: <= 1 write and < 0.1x): {verdict}")


if __name__ == "__main__":
    main(sys.argv[1:])
