"""Imports go one way: definitions and compilers never reach for the file system, network, clock or CLI."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mrm_observe"

LAYERS = {
    "errors": 0, "conventions": 0, "durations": 0,
    "model": 1, "promql": 1, "definitions": 1,
    "slo_math": 2, "slo_specs": 2, "compile": 2, "render": 2, "dashboard_schema": 2,
    "promtool": 2, "grafana_api": 2, "prometheus_api": 2,
    "discover": 3, "validate": 3,
    "pipeline": 5, "cli": 6,
}
"""Layer of each top-level module (prefix match); anything not listed is a service such as lint or publish (4)."""
SAME_LAYER_OK = {("validate", "discover"), ("compile", "compile"), ("model", "model"), ("cli", "cli"),
                 ("pipeline", "pipeline"), ("compile", "slo_math"), ("slo_specs", "slo_math")}
FAMILIES = ("cli", "pipeline")
"""cli_*.py and pipeline_*.py modules belong with cli.py and pipeline.py."""
IMPURE = {"os", "subprocess", "httpx", "requests", "socket", "time", "random", "tempfile", "shutil"}


def family(name: str) -> str:
    top = name.split(".")[0]
    return next((f for f in FAMILIES if top.startswith(f)), top)


def layer(name: str) -> int:
    return LAYERS.get(family(name), 4)


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
        ok = layer(target) < layer(name) or (family(name), family(target)) in SAME_LAYER_OK
        assert ok, f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})"


@pytest.mark.parametrize("name, path", [m for m in modules() if m[0].startswith(("compile", "model", "slo_math"))],
                         ids=lambda v: str(v))
def test_compilers_and_models_are_pure(name, path):
    _, external = internal_imports(name, path)
    assert not external & IMPURE, f"{name} imports {sorted(external & IMPURE)}"


def test_slo_math_imports_only_model_conventions_durations_and_the_standard_library():
    internal, external = internal_imports("slo_math", PACKAGE / "slo_math.py")
    assert {t.split(".")[0] for t in internal} <= {"model", "conventions", "durations"}
    assert external <= {"__future__", "dataclasses", "datetime", "typing", "zoneinfo"}


def test_nothing_imports_the_cli():
    for name, path in modules():
        if not name.startswith("cli") and name != "__main__":
            internal, _ = internal_imports(name, path)
            assert not any(t.startswith("cli") for t in internal), name
