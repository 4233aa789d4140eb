"""Run the Grafana stand-in for local trials: `python -m tests.standin --port 3000` from the repository root.

It serves until interrupted, on 127.0.0.1 only, and keeps everything in memory (a restart starts empty).
"""
from __future__ import annotations

import argparse
import threading

from .server import CLASSIC_VERSIONS, GrafanaStandin

DEFAULT_TOKEN = "glsa_standin_admin"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.standin", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (0: any free port) [3000]")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help=f"the Admin service-account token [{DEFAULT_TOKEN}]")
    parser.add_argument("--grafana-12", action="store_true",
                        help=f"act as Grafana 12: also serve dashboard.grafana.app {CLASSIC_VERSIONS[-1]}")
    args = parser.parse_args(argv)
    api = (CLASSIC_VERSIONS[-1],) if args.grafana_12 else ()
    with GrafanaStandin(tokens={args.token: "Admin"}, dashboard_api=api, port=args.port) as grafana:
        print(f"Grafana stand-in {grafana.version} at {grafana.url}; try:\n"
              f"  GRAFANA_URL={grafana.url} GRAFANA_TOKEN={args.token} mrm-observe publish grafana", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", flush=True)


if __name__ == "__main__":
    main()
