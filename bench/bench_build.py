"""`build` on a large generated definition set versus bare serialisation of the same objects.

Baseline: grafanalib's own JSON encoder on every dashboard plus a YAML dump of every rule group,
i.e. the least any tool must do to turn these objects into files. The build additionally imports
the modules, validates every expression with promql-parser, rewrites dashboards into current
Grafana JSON, checks each against Grafana's JSON schema and writes files atomically.
Target: build within 3x of the baseline and under 10 s on 2 cores. Each phase runs in its own
process so that peak memory (max RSS) is measured separately.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

DASHBOARD_MODULE = '''
from mrm_observe import Dashboard, Template, Templating, row, stat_kpi, timeseries, latency_quantiles

def make(i):
    panels = [row("Traffic")]
    for p in range({panels} - 1):
        if p % 5 == 4:
            panels.append(stat_kpi(f"KPI {{p}}", f'sum(rate(kpi_{{p}}_total{{{{svc="s{{i}}"}}}}[5m]))', warn=1, crit=2))
        elif p % 5 == 3:
            panels.append(latency_quantiles("http_request_duration_seconds", f'service="s{{i}}"'))
        else:
            panels.append(timeseries(f"Series {{p}}", f'sum by (pod) (rate(metric_{{p}}_total{{{{service="s{{i}}", route=~"$route"}}}}[$__rate_interval]))', legend="{{{{pod}}}}"))
    return Dashboard(title=f"Generated {{MODULE}} {{i}}", panels=panels,
                     templating=Templating(list=[Template(name="route", query="label_values(up, route)", dataSource="Prometheus")]))

MODULE = {module}
dashboards = [make(i) for i in range({per_module})]
'''

RULE_MODULE = '''
from mrm_observe import AlertRule, RecordingRule, RuleGroup

def rules(m, g):
    out = []
    for r in range({per_group}):
        if r % 2:
            out.append(RecordingRule(record=f"job:metric_{{m}}_{{g}}_{{r}}:rate5m", expr=f'sum by (job) (rate(metric_{{r}}_total{{{{m="{{m}}"}}}}[5m]))'))
        else:
            out.append(AlertRule(alert=f"Generated{{m}}x{{g}}x{{r}}", expr=f'sum by (job) (rate(errors_{{r}}_total[5m])) / sum by (job) (rate(requests_{{r}}_total[5m])) > 0.05',
                                 for_="5m", severity="warning", summary="s", description="{{{{ $value }}}}", runbook_url="https://example.invalid/rb"))
    return tuple(out)

groups = [RuleGroup(name=f"generated-{module}-{{g}}", rules=rules({module}, g)) for g in range({groups})]
'''


def generate(root: Path, dashboards: int, panels: int, rules: int, modules: int = 20) -> None:
    """Write `modules` dashboard modules and `modules` rule modules under root."""
    (root / "dashboards").mkdir(parents=True)
    (root / "alerts").mkdir()
    for m in range(modules):
        (root / "dashboards" / f"gen{m:02d}.py").write_text(textwrap.dedent(DASHBOARD_MODULE.format(
            panels=panels, module=m, per_module=dashboards // modules)))
        (root / "alerts" / f"gen{m:02d}.py").write_text(textwrap.dedent(RULE_MODULE.format(
            module=m, groups=5, per_group=rules // modules // 5)))


def phase(kind: str, root: Path) -> dict:
    """Run one phase in this process and return its timing and peak RSS."""
    from mrm_observe.discover import discover
    from mrm_observe.pipeline import Project, build
    project = Project.at(root, out=root / "build")
    if kind == "build":
        start = time.perf_counter()
        report = build(project)
        seconds = time.perf_counter() - start
        counts = {"dashboards": report.count("dashboard"), "rules": report.rules,
                  "panels": sum(meta.panels for meta, _ in report.dashboards())}
    else:
        import yaml
        from grafanalib._gen import DashboardEncoder
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the same libyaml emitter the build uses
        defs = discover(project.sources, root)  # loading the objects is not part of the baseline
        start = time.perf_counter()
        for item in defs.dashboards:
            json.dumps(item.obj.to_json_data(), cls=DashboardEncoder, indent=2, sort_keys=True)
        for item in defs.groups:
            yaml.dump(item.obj.model_dump(by_alias=True, exclude_none=True), Dumper=dumper, sort_keys=False)
        seconds = time.perf_counter() - start
        counts = {"dashboards": len(defs.dashboards), "rules": sum(len(g.obj.rules) for g in defs.groups)}
    return {"seconds": seconds, "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **counts}


def run_phase(kind: str, root: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.bench_build", "--phase", kind, str(root)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=("build", "baseline"))
    parser.add_argument("root", nargs="?")
    parser.add_argument("--dashboards", type=int, default=200)
    parser.add_argument("--panels", type=int, default=20)
    parser.add_argument("--rules", type=int, default=2000)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    if args.phase:
        print(json.dumps(phase(args.phase, Path(args.root))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.dashboards, args.panels, args.rules)
        baseline = run_phase("baseline", root)
        built = run_phase("build", root)
    ratio = built["seconds"] / baseline["seconds"]
    print(f"definitions: {built['dashboards']} dashboards, {built['panels']} panels, {built['rules']} rules")
    print(f"{'phase':<28}{'seconds':>9}{'max RSS MiB':>13}")
    print(f"{'baseline (bare serialise)':<28}{baseline['seconds']:>9.2f}{baseline['max_rss_mib']:>13.0f}")
    print(f"{'mrm-observe build':<28}{built['seconds']:>9.2f}{built['max_rss_mib']:>13.0f}")
    print(f"build / baseline: {ratio:.2f}x (target <= 3x); build {built['seconds']:.2f} s (target < 10 s); "
          f"memory {built['max_rss_mib'] / baseline['max_rss_mib']:.2f}x")


if __name__ == "__main__":
    main()
