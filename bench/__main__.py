"""`python -m bench` runs every bench_*.py module's main() in turn."""
import importlib
import pkgutil
import sys

import bench

selected = sys.argv[1:]
for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
    if info.name.startswith("bench_") and (not selected or info.name in selected):
        print(f"== {info.name}", flush=True)
        importlib.import_module(f"bench.{info.name}").main()
