"""Find promtool ($PROMTOOL, PATH, Docker) and run `check rules` / `test rules`, parsing the results."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .external_tool import FileResult, Tool, ToolSpec, find_tool

PROMTOOL = ToolSpec("promtool", "PROMTOOL", "prometheus", "prom/prometheus")
Promtool = Tool
_UNIT_TESTING = re.compile(r"^Unit Testing:\s+(.+?)\s*$")
_VERSION = re.compile(r"version (\d+)\.(\d+)\.(\d+)")
GROUP_FIELDS_SINCE = {"query_offset": (2, 53, 0), "labels": (3, 0, 0)}
"""Rule-group fields and the promtool (Prometheus) version that first reads them: older ones refuse the file."""


def find_promtool(env: Mapping[str, str], mount: Path) -> Promtool:
    """$PROMTOOL, then promtool on PATH, then Docker's prom/prometheus image; raise ToolMissingError."""
    return find_tool(PROMTOOL, env, mount)


def version(tool: Promtool, cwd: Path) -> tuple[int, int, int] | None:
    """promtool's version (major, minor, patch), or None when it does not say."""
    done = tool.run(["--version"], cwd)
    match = _VERSION.search(done.stdout + done.stderr)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def unknown_group_fields(known: tuple[int, int, int] | None) -> list[str]:
    """The rule-group fields a promtool of this version does not read (none when the version is unknown)."""
    return [name for name, since in GROUP_FIELDS_SINCE.items() if known is not None and known < since]


def readable_without(rule_file: dict, unknown: list[str]) -> list[tuple[str, str]]:
    """Rewrite a rule file's dict in place so a promtool that lacks the `unknown` group fields reads it: group
    labels are folded into every rule's (a rule's own win, as Prometheus does), query_offset is dropped. Returns
    the (group, field) pairs changed."""
    changed = []
    for group in rule_file.get("groups") or []:
        for name in unknown:
            if name not in group:
                continue
            value = group.pop(name)
            changed.append((str(group.get("name")), name))
            if name == "labels":
                for rule in group.get("rules") or []:
                    rule["labels"] = dict(sorted({**value, **(rule.get("labels") or {})}.items()))
    return changed


def check_rules(tool: Promtool, files: Sequence[Path], cwd: Path) -> list[FileResult]:
    """`promtool check rules` per file (one call each so every failure is attributed to its file)."""
    results = []
    for path in files:
        done = tool.run(["check", "rules", str(path)], cwd)
        results.append(FileResult(str(path), done.returncode == 0, (done.stdout + done.stderr).strip()))
    return results


def test_rules(tool: Promtool, files: Sequence[Path], cwd: Path, jobs: int = 2) -> list[FileResult]:
    """`promtool test rules` with the files split over `jobs` parallel calls (one per core); results in file order."""
    if not files:
        return []
    chunks = [list(files[i::jobs]) for i in range(min(jobs, len(files)))]
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        parts = list(pool.map(lambda chunk: _test_chunk(tool, chunk, cwd), chunks))
    by_file = {r.file: r for part in parts for r in part}
    return [by_file[str(f)] for f in files]


def _test_chunk(tool: Promtool, files: Sequence[Path], cwd: Path) -> list[FileResult]:
    """One `promtool test rules` call; its output split back into per-file results."""
    done = tool.run(["test", "rules", *map(str, files)], cwd)
    return parse_test_output(done.stdout, done.stderr, [str(f) for f in files], done.returncode)


def parse_test_output(stdout: str, stderr: str, files: Sequence[str], returncode: int) -> list[FileResult]:
    """Per-file results from promtool's text (2.x and 3.x print `Unit Testing:  <file>` then SUCCESS or FAILED)."""
    blocks: dict[str, list[str]] = {}
    current: str | None = None
    for line in stdout.splitlines():
        match = _UNIT_TESTING.match(line)
        if match:
            current = match.group(1)
            blocks[current] = []
        elif current is not None:
            blocks[current].append(line)
    results = []
    for name in files:
        lines = blocks.get(name)
        if lines is None:
            results.append(FileResult(name, False, (stderr or stdout).strip() or f"promtool exited {returncode}"))
            continue
        text = "\n".join(lines).strip()
        results.append(FileResult(name, "FAILED" not in text and "SUCCESS" in text, text))
    _attribute_stderr_failures(results, stdout, stderr)
    return results


def _attribute_stderr_failures(results: list[FileResult], stdout: str, stderr: str) -> None:
    """promtool 2.x prints FAILED blocks on stderr after all stdout: pin them on the files that did not succeed."""
    failed = [i for i, r in enumerate(results) if not r.ok and "FAILED" not in r.output]
    chunks = [c.strip() for c in re.split(r"(?m)^\s*FAILED:\s*$", stderr) if c.strip()]
    for index, chunk in zip(failed, chunks, strict=False):
        results[index] = FileResult(results[index].file, False, f"FAILED:\n{chunk}")


def expression_error_position(tool: Promtool, expr: str, scratch: Path) -> str | None:
    """Ask promtool where a bad expression breaks: 'line:column: reason' (None if promtool accepts it)."""
    scratch.mkdir(parents=True, exist_ok=True)
    probe = scratch / "probe.rules.yaml"
    probe.write_text('groups: [{name: probe, rules: [{record: probe, expr: ' + _yaml_quote(expr) + '}]}]\n')
    done = tool.run(["check", "rules", str(probe)], scratch)
    for line in (done.stdout + done.stderr).splitlines():
        if "could not parse expression" in line:
            tail = line.split("could not parse expression:", 1)[1].strip()
            match = re.match(r"(\d+):(\d+): (?:parse error: )?(.*)", tail)
            return f"{match.group(1)}:{match.group(2)}: {match.group(3)}" if match else tail
    return None


def _yaml_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

