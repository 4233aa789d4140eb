"""Reading YAML that people hand us (SLO specs, promtool tests), bounded so a hostile file cannot exhaust memory.

A file is refused when it is larger than MAX_BYTES, is not UTF-8, or when its aliases would expand to more than
MAX_NODES nodes (the "billion laughs" shape: a few lines whose aliases multiply into billions of values).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 8 * 1024 * 1024
MAX_NODES = 1_000_000
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YAMLInputError(ValueError):
    """The file cannot be read as bounded YAML; the message says why and what would be right."""


def load_all(path: Path, as_written: bool = False) -> list[Any]:
    """Every non-empty document of a YAML file, within the bounds above (`as_written`: see documents)."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YAMLInputError(f"is {size} bytes; YAML inputs are read up to {MAX_BYTES} bytes")
    return documents(path.read_bytes(), as_written)


def load(path: Path) -> Any:
    """The single document of a YAML file (None when empty), within the bounds above."""
    return _one(load_all(path))


def loads(content: bytes) -> Any:
    """The single document of YAML bytes (None when empty), within the bounds above."""
    return _one(documents(content))


def _one(found: list[Any]) -> Any:
    if len(found) > 1:
        raise YAMLInputError(f"holds {len(found)} YAML documents; expected one")
    return found[0] if found else None


def documents(content: bytes, as_written: bool = False) -> list[Any]:
    """Every non-empty document of YAML bytes, within the bounds above.

    `as_written` reads every scalar as the text written, as Go's YAML decoder fills a string field (Prometheus
    reads `1.0`, `yes` and `0x1F` as those very strings; PyYAML would make a float, a boolean and 31), and a key
    given twice in a mapping is an error, as it is to Prometheus."""
    if len(content) > MAX_BYTES:
        raise YAMLInputError(f"is {len(content)} bytes; YAML inputs are read up to {MAX_BYTES} bytes")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        raise YAMLInputError(f"is not UTF-8 text (invalid byte at offset {err.start}): save it as UTF-8") from None
    loader = _Loader(text)
    try:
        found = []
        while loader.check_node():
            node = loader.get_node()
            _check_expansion(node)
            found.append(_as_written(node) if as_written else loader.construct_document(node))
    except yaml.YAMLError as err:
        raise YAMLInputError(f"is not valid YAML: {err}") from None
    finally:
        loader.dispose()
    return [d for d in found if d is not None and d != ""]


def list_items(text: str, key: str) -> list[tuple[int, int, str]] | None:
    """The scalar items of a top-level list in one YAML document as (start, end, value): where each is written in
    `text` (character offsets, quotes included), so a caller can replace them and keep comments and layout. None
    when the document has no such list."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as err:
        raise YAMLInputError(f"is not valid YAML: {err}") from None
    if not isinstance(root, yaml.MappingNode):
        return None
    for key_node, value_node in root.value:
        if key_node.value == key and isinstance(value_node, yaml.SequenceNode):
            return [(item.start_mark.index, item.end_mark.index, item.value) for item in value_node.value
                    if isinstance(item, yaml.ScalarNode)]
    return None


_NULL, _MERGE = "tag:yaml.org,2002:null", "tag:yaml.org,2002:merge"


def _as_written(node: yaml.Node) -> Any:
    """A node's value with every scalar as its text ("" for an explicit or empty null, as Go leaves a string)."""
    if isinstance(node, yaml.ScalarNode):
        return "" if node.tag == _NULL else node.value
    if isinstance(node, yaml.SequenceNode):
        return [_as_written(item) for item in node.value]
    out: dict[Any, Any] = {}
    merged: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:  # `<<: *defaults`: the aliased mappings' keys, unless given here
            for part in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
                for key, value in _as_written(part).items():
                    merged.setdefault(key, value)
            continue
        key = _as_written(key_node)
        if not isinstance(key, str):
            raise yaml.MarkedYAMLError(problem="a mapping key must be a scalar", problem_mark=key_node.start_mark)
        if key in out:
            raise yaml.MarkedYAMLError(problem=f"key {key!r} is given twice", problem_mark=key_node.start_mark)
        out[key] = _as_written(value_node)
    return {**merged, **out}


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand past MAX_NODES (each shared node counted at every use)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[id(node)] > MAX_NODES:
                raise YAMLInputError(f"expands to more than {MAX_NODES} values through aliases (&anchor/*alias): "
                                     "write the values out instead of nesting aliases")
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
