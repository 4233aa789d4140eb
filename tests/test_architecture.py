"""Imports go one way: definitions and compilers never reach for the file system, network, clock or CLI."""
import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mrm_observe"

LAYERS = {
    "errors": 0, "hints": 0, "go_template": 0, "conventions": 0, "durations": 0, "promql": 0, "panel_types": 0,
    "secret_scan": 0,
    "model": 1, "definitions": 1, "yaml_input": 1, "http_client": 1, "field_config": 1, "annotations": 1,
    "external_tool": 1, "matchers": 1, "input_kinds": 1, "python_source": 1,
    "slo_math": 2, "slo_specs": 2, "import_rules": 2, "query_batch": 2, "compile": 2, "render": 2,
    "dashboard_schema": 2, "promtool": 2, "grafana_api": 2, "prometheus_api": 2, "charts": 2, "amtool": 2,
    "routing_tree": 2, "notification_templates": 2, "alertmanager_api": 2, "alertmanager_config": 2, "kubectl": 2,
    "discover": 3, "validate": 3, "validate_routing": 3, "transaction": 3, "progress": 0, "project": 4,
    "pipeline": 5, "pipeline_publish": 5, "pipeline_report": 5, "cli": 6,
    "pipeline_lint": 5, "pipeline_tune": 5, "pipeline_import": 5, "watch": 5,
    "importing": 1, "targets": 1, "dashboard_migrations": 2, "dashboard_normal_form": 2,
    "dashboard_python": 3, "import_dashboards": 4, "dashboard_pull": 5,
}
"""Layer of each top-level module or package; anything not listed is a service such as lint or publish (4)."""
SAME_LAYER_OK = {("validate", "discover"), ("go_template", "hints"), ("compile", "compile"), ("model", "model"),
                 ("validate", "validate_routing"), ("route_checks", "lint"),
                 ("pipeline_publish", "pipeline"),
                 ("gate", "report"), ("report_html", "report_markdown"),
                 ("compile", "slo_math"), ("slo_specs", "slo_math"),
                 ("pipeline_lint", "pipeline"), ("lint_live", "lint"), ("tune", "tune"), ("tune", "report_markdown"),
                 ("pipeline_import", "pipeline"), ("rules_install", "install"), ("alertmanager_install", "install"),
                 ("pipeline_import", "dashboard_pull")}
"""(importer, imported) top-level names allowed within one layer; each pair goes one way only."""
CLI_ASSEMBLY, CLI_COMMON, CLI_SHARED = "cli", "cli.common", {"cli.common", "cli.servers"}
"""The CLI package assembles command modules, which share cli.common (and cli.servers, which builds on it) and
import no other part of the CLI."""
WRAPPED = {"promql_parser": "promql"}
"""Libraries only one module may import, so the rest of the package depends on our interface, not theirs."""
IMPURE = {"os", "subprocess", "httpx", "requests", "socket", "time", "random", "tempfile", "shutil"}


def top(name: str) -> str:
    return name.split(".")[0]


def layer(name: str) -> int:
    return LAYERS.get(top(name), 4)


def same_layer_ok(importer: str, target: str) -> bool:
    if top(importer) == top(target) == "cli":
        return cli_import_ok(importer, target)
    return (top(importer), top(target)) in SAME_LAYER_OK


def cli_import_ok(importer: str, target: str) -> bool:
    """Only the assembling module imports command modules; command modules import only the shared modules,
    and of those only cli.servers imports another (cli.common)."""
    if importer == CLI_ASSEMBLY:
        return target != CLI_ASSEMBLY
    if importer in CLI_SHARED:
        return importer != CLI_COMMON and target == CLI_COMMON
    return target in CLI_SHARED


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return found


def internal_imports(name: str, path: Path) -> tuple[set[str], set[str]]:
    """(modules of this package imported, external top-level modules imported)."""
    package = name.split(".")[:-1] if not path.name == "__init__.py" else name.split(".")
    internal, external = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                targets = [target] if node.module else [f"{target}.{a.name}".lstrip(".") for a in node.names]
                internal.update(t for t in targets if t)
            elif node.module and node.module.startswith("mrm_observe"):
                internal.add(node.module.removeprefix("mrm_observe").lstrip("."))
            elif node.module:
                external.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            external.update(a.name.split(".")[0] for a in node.names)
    return internal, external


@pytest.mark.parametrize("name, path", [m for m in modules() if m[0] not in ("", "__main__")], ids=lambda v: str(v))
def test_module_imports_only_lower_layers(name, path):
    internal, _ = internal_imports(name, path)
    for target in internal:
        if not target:
            continue
        ok = layer(target) < layer(name) or same_layer_ok(name, target)
        assert ok, f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})"


@pytest.mark.parametrize("name, path", [m for m in modules() if m[0].startswith(("compile", "model", "slo_math", "query_batch"))],
                         ids=lambda v: str(v))
def test_compilers_and_models_are_pure(name, path):
    _, external = internal_imports(name, path)
    assert not external & IMPURE, f"{name} imports {sorted(external & IMPURE)}"


def test_slo_math_imports_only_model_conventions_durations_and_the_standard_library():
    internal, external = internal_imports("slo_math", PACKAGE / "slo_math.py")
    assert {t.split(".")[0] for t in internal} <= {"model", "conventions", "durations"}
    assert external <= {"__future__", "dataclasses", "datetime", "typing", "zoneinfo"}


def write_slo_project(root) -> None:
    """A project of one SLO module, in `root`."""
    (root / "slo").mkdir()
    (root / "slo" / "api.py").write_text(
        "from mrm_observe import SLO, ErrorRatioSLI\n"
        "slos = [SLO(service='api', name='availability', objective=99.9, sli=ErrorRatioSLI(\n"
        "    bad='sum(rate(http_requests_total{code=~\"5..\"}[{{window}}]))',\n"
        "    total='sum(rate(http_requests_total[{{window}}]))'))]\n")


def test_commands_that_read_definitions_load_neither_compilers_nor_grafanalib_and_builds_load_no_http(tmp_path):
    import subprocess
    import sys
    write_slo_project(tmp_path)
    heavy = ("grafanalib", "jsonschema", "mrm_observe.pipeline", "mrm_observe.compile.dashboards")
    code = ("import sys; from pathlib import Path; import mrm_observe.cli.report, mrm_observe.cli.gate; "
            "from mrm_observe.project import Project, load; assert load(Project.at(Path.cwd())).slos; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    build = subprocess.run([sys.executable, "-c", "import sys, mrm_observe.cli.build; print('httpx' in sys.modules)"],
                           capture_output=True, text=True, check=True)
    assert build.stdout.strip() == "False"


def test_the_report_program_loads_no_yaml_parser_routing_models_or_httpx_command_line(tmp_path):
    """What `mrm-observe report` imports before its first query is most of its start-up time (see docs/report.md,
    Speed): definitions without YAML specs or Alertmanager need neither, and httpx's own CLI is never run."""
    import subprocess
    import sys
    write_slo_project(tmp_path)
    unwanted = ("yaml", "mrm_observe.model.routing", "httpx._main", "pygments", "rich", "grafanalib")
    code = ("import atexit, sys; from mrm_observe.cli import run; "
            f"atexit.register(lambda: print([m for m in {unwanted!r} if sys.modules.get(m)], 'httpx' in sys.modules)); "
            "sys.argv = ['mrm-observe', 'report', '--prometheus-url', 'http://127.0.0.1:9', '--format', 'json']; run()")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 3, done.stderr  # no server: the definitions were loaded and the client was made
    assert done.stdout.strip() == "[] True"


def test_nothing_imports_the_cli():
    for name, path in modules():
        if top(name) != "cli" and name != "__main__":
            internal, _ = internal_imports(name, path)
            assert not any(top(t) == "cli" for t in internal), name


@pytest.mark.parametrize("library, wrapper", sorted(WRAPPED.items()))
def test_a_wrapped_library_is_imported_by_its_wrapper_only(library, wrapper):
    importers = {name for name, path in modules() if library in internal_imports(name, path)[1]}
    assert importers == {wrapper}


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of this package it imports (a name imported from a module counts as that module)."""
    known = {name for name, _ in modules()}
    graph = {}
    for name, path in modules():
        internal, _ = internal_imports(name, path)
        graph[name] = {owner for t in internal if (owner := _owning_module(t, known)) not in (None, name)}
    return graph


def _owning_module(target: str, known: set[str]) -> str | None:
    parts = target.split(".")
    return next((".".join(parts[:n]) for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in known), None)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path that ends where it starts, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        for nxt in sorted(graph.get(node, ())):
            if cycle := visit(nxt, path + [node]):
                return cycle
        done.add(node)
        return None

    return next((c for node in sorted(graph) if (c := visit(node, []))), None)


def test_no_module_imports_itself_back_through_others():
    assert find_cycle(import_graph()) is None, " -> ".join(find_cycle(import_graph()) or [])


def test_the_checks_catch_a_circle_through_the_cli():
    assert find_cycle({"cli": {"cli.publish"}, "cli.publish": {"cli.common", "cli"}, "cli.common": set()}) == \
        ["cli", "cli.publish", "cli"]
    assert not cli_import_ok("cli.publish", CLI_ASSEMBLY)
    assert not cli_import_ok("cli.publish", "cli.main")  # `from . import main` in a command module
    assert not cli_import_ok("cli.publish", "cli.slo")
    assert not cli_import_ok(CLI_COMMON, "cli.build")
    assert not cli_import_ok("cli.servers", "cli.publish")
    assert cli_import_ok("cli.publish", CLI_COMMON) and cli_import_ok(CLI_ASSEMBLY, "cli.publish")
    assert cli_import_ok("cli.publish", "cli.servers") and cli_import_ok("cli.servers", CLI_COMMON)


def test_every_cli_module_is_checked():
    names = {name for name, _ in modules() if top(name) == "cli"}
    assert {CLI_ASSEMBLY, *CLI_SHARED, "cli.build", "cli.publish", "cli.export", "cli.slo"} <= names


OUTSIDE = re.compile(r"\.\./shared|[\"']shared[\"']|ROOT\.parent\b|parents\[[2-9]\]")
"""Ways a test or benchmark could reach a file beside the repository instead of inside it."""


@pytest.mark.parametrize("path", sorted(p for d in ("tests", "bench") for p in (PACKAGE.parent / d).rglob("*.py")),
                         ids=lambda p: p.relative_to(PACKAGE.parent).as_posix())
def test_tests_and_benchmarks_read_only_files_inside_the_repository(path):
    text = path.read_text()
    if path.name == "test_architecture.py":
        text = text.replace(OUTSIDE.pattern, "")
    assert not OUTSIDE.search(text), f"{path.name}: {OUTSIDE.search(text).group(0)!r} reaches outside the repository"
