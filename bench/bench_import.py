"""`import` and rebuild of 100 real dashboards versus parsing and writing the same JSON.

The dashboards are the vendored corpora (Debian's Ceph dashboards, schemaVersion 16 and 22, and the dashboards a
current Grafana exported), repeated with distinct uids and titles up to the count asked for. The import migrates
each one, writes its module and checks it by building it (and patches and builds it again where that is needed);
the rebuild is `build` of a project holding every imported module (load, validate, compile, schema check, write).
Baseline: `json.loads` and `json.dumps` of the same documents, the least any tool does to read and write them.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
CORPORA = ("ceph/dashboards/*.json", "grafana-exports/*/*.json")


def corpus(count: int) -> list[tuple[str, dict]]:
    """`count` dashboards: the corpora in order, repeated, each copy with its own uid and title."""
    files = sorted(p for pattern in CORPORA for p in FIXTURES.glob(pattern))
    out = []
    for n in range(count):
        path = files[n % len(files)]
        document = json.loads(path.read_text())
        copy = n // len(files)
        if copy:
            document["title"] = f"{document.get('title', path.stem)} #{copy}"
            document["uid"] = f"{document.get('uid') or path.stem}-{copy}"[:40]
        out.append((path.name, document))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=100)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    from mrm_observe.import_dashboards import import_dashboards
    from mrm_observe.pipeline import build
    from mrm_observe.project import Project

    documents = corpus(args.dashboards)
    texts = [json.dumps(document) for _, document in documents]
    start = time.perf_counter()
    for text in texts:
        json.dumps(json.loads(text), indent=2, sort_keys=True)
    baseline = time.perf_counter() - start

    start = time.perf_counter()
    modules = [import_dashboards(name, json.loads(text)) for (name, _), text in zip(documents, texts)]
    imported = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "dashboards").mkdir()
        for n, (module,) in enumerate(modules):
            (root / "dashboards" / f"d{n:03d}_{module.name}.py").write_text(module.source)
        start = time.perf_counter()
        report = build(Project.at(root))
        rebuilt = time.perf_counter() - start
    notes = sum(len(module.notes) for (module,) in modules)
    total = imported + rebuilt
    count = report.count("dashboard")
    print(f"dashboards: {count} ({len(set(n for n, _ in documents))} distinct files), "
          f"{sum(meta.panels for meta, _ in report.dashboards())} panels, {notes} notes")
    print(f"{'phase':<34}{'seconds':>9}{'ms/dashboard':>14}")
    for label, seconds in (("baseline (json.loads + json.dumps)", baseline), ("import (migrate, write, check)",
                                                                             imported),
                           ("rebuild (mrm-observe build)", rebuilt), ("import + rebuild", total)):
        print(f"{label:<34}{seconds:>9.2f}{seconds / count * 1000:>14.1f}")
    print(f"import + rebuild / baseline: {total / baseline:.0f}x; import / rebuild: {imported / rebuilt:.2f}x; "
          f"{total / count * 1000:.0f} ms per dashboard")


if __name__ == "__main__":
    main()
