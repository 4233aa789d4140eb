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


def load_all(path: Path) -> list[Any]:
    """Every non-empty document of a YAML file, within the bounds above."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YAMLInputError(f"is {size} bytes; YAML inputs are read up to {MAX_BYTES} bytes")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise YAMLInputError(f"is not UTF-8 text (invalid byte at offset {err.start}): save it as UTF-8") from None
    loader = _Loader(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            _check_expansion(node)
            documents.append(loader.construct_document(node))
    except yaml.YAMLError as err:
        raise YAMLInputError(f"is not valid YAML: {err}") from None
    finally:
        loader.dispose()
    return [d for d in documents if d is not None]


def load(path: Path) -> Any:
    """The single document of a YAML file (None when empty), within the bounds above."""
    documents = load_all(path)
    if len(documents) > 1:
        raise YAMLInputError(f"holds {len(documents)} YAML documents; expected one")
    return documents[0] if documents else None


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
