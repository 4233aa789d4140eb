"""Hand-written route tests: YAML files listing label sets and the receivers each must reach, in routing order,
checked against the built config by `amtool config routes test`.

```yaml
# tests/routes/platform.yaml
- name: a critical alert pages
  labels: {alertname: PostgresDown, severity: critical}
  receivers: [page]
```
"""
from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import yaml_input
from .amtool import Amtool, routes_test
from .conventions import LABEL_NAME, LABEL_NAME_PATTERN
from .errors import Problem
from .external_tool import FileResult
from .matchers import quote
from .yaml_input import YAMLInputError

CASE_KEYS = ("name", "labels", "receivers")


@dataclass(frozen=True)
class RouteCase:
    """A label set and the receivers it must reach."""

    name: str
    labels: dict[str, str]
    receivers: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.name} {{{', '.join(f'{k}={quote(v)}' for k, v in sorted(self.labels.items()))}}}"


@dataclass(frozen=True)
class RouteTestFile:
    """One route test file: where it is (as the project shows it) and its cases."""

    source: str
    cases: tuple[RouteCase, ...]


def load(path: Path, source: str, receivers: set[str]) -> tuple[RouteTestFile | None, list[Problem]]:
    """A route test file and its problems (unknown keys or receivers, label names, values that are not strings)."""
    try:
        data = yaml_input.load(path)
    except YAMLInputError as err:
        return None, [Problem(source, "", "", str(err))]
    if not isinstance(data, list) or not data:
        return None, [Problem(source, "", "", "a route test file is a non-empty list of cases, each with `labels` "
                              "(a mapping) and `receivers` (the receivers it must reach, in routing order)")]
    problems: list[Problem] = []
    cases = [case for index, item in enumerate(data) if (case := _case(item, index, source, receivers, problems))]
    return (RouteTestFile(source, tuple(cases)) if not problems else None), problems


def _case(item: Any, index: int, source: str, receivers: set[str], problems: list[Problem]) -> RouteCase | None:
    obj = f"case {index + 1}"
    if not isinstance(item, dict):
        problems.append(Problem(source, obj, "", "must be a mapping with `labels` and `receivers`"))
        return None
    if isinstance(item.get("name"), str):
        obj = f"case {item['name']!r}"
    found = [Problem(source, obj, key, f"unknown key: use {', '.join(CASE_KEYS)}") for key in item
             if key not in CASE_KEYS]
    labels, expected = item.get("labels"), item.get("receivers")
    if not isinstance(labels, dict):
        found.append(Problem(source, obj, "labels", "must be a mapping of label names to values"))
    else:
        for name, value in labels.items():
            if not isinstance(name, str) or not LABEL_NAME.match(name):
                found.append(Problem(source, obj, "labels", f"{name!r} is not a label name ({LABEL_NAME_PATTERN})"))
            if not isinstance(value, str):
                found.append(Problem(source, obj, f"labels.{name}", f"{value!r} is not a string: quote it "
                                     f"({name}: \"{value}\")"))
    if not isinstance(expected, list) or not expected or not all(isinstance(r, str) for r in expected):
        found.append(Problem(source, obj, "receivers", "must be a non-empty list of receiver names, in routing order"))
    else:
        found += [Problem(source, obj, "receivers", f"unknown receiver {name!r} (defined: "
                          f"{', '.join(map(repr, sorted(receivers)))})") for name in expected if name not in receivers]
    problems += found
    if found:
        return None
    return RouteCase(str(item.get("name") or f"case {index + 1}"), dict(labels), tuple(expected))


def run(tool: Amtool, config: Path, files: Sequence[RouteTestFile], cwd: Path, jobs: int = 2) -> list[FileResult]:
    """Every case through `amtool config routes test --verify.receivers`; per file: ok, and for each failing case
    the expected and resolved receivers."""
    cases = [(file.source, case) for file in files for case in file.cases]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        verdicts = list(pool.map(lambda item: _verdict(tool, config, item[1], cwd), cases))
    failures: dict[str, list[str]] = {file.source: [] for file in files}
    for (source, _), verdict in zip(cases, verdicts, strict=True):
        if verdict:
            failures[source].append(verdict)
    return [FileResult(file.source, not failures[file.source],
                       "\n".join(failures[file.source]) or f"{len(file.cases)} case(s) reach their receivers")
            for file in files]


def _verdict(tool: Amtool, config: Path, case: RouteCase, cwd: Path) -> str:
    """'' when amtool routes the case to its receivers, else what differs."""
    try:
        verdict = routes_test(tool, config, case.labels, cwd, case.receivers)
    except ValueError as err:
        return f"{case.describe()}: amtool failed: {err}"
    if verdict.ok:
        return ""
    return f"{case.describe()}:\n  exp: {', '.join(case.receivers)}\n  got: {', '.join(verdict.receivers) or '(none)'}"
