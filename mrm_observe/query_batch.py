"""Many instant queries in few requests. Pure: says what to ask and how to read the answers.

Queries that differ only in one label's value (the same SLI for a hundred services) become one query over all the
values (`service=~"s1|s2|..."`, aggregations grouped by the label too), whose series say by that label which query
they answer: Prometheus then finds and reads the series once for all. The other queries are joined with `or`,
each part tagged with a label of its own. Both are cut into parts of at most `size` queries, because Prometheus
evaluates a request on one core and a report's queries for a hundred SLOs in one request would leave the others idle.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from .promql import Template, open_values, templates

BATCH_SIZE = 25
"""Queries answered by one request at most."""
TAG = "mrm_observe_query"
"""The label a joined request adds to tell its parts apart."""


@dataclass(frozen=True)
class Request:
    """One request: its PromQL, and per value of `label` on an answer's series, the queries that series answers."""

    expr: str
    label: str
    indices: Mapping[str, tuple[int, ...]]

    def answers(self, samples: Iterable[tuple[Mapping[str, str], float]]) -> dict[int, float | None]:
        """Each query's value: the sum of the series answering it, None when none does."""
        found: dict[int, float | None] = {i: None for ids in self.indices.values() for i in ids}
        for labels, value in samples:
            for index in self.indices.get(labels.get(self.label, ""), ()):
                found[index] = (found[index] or 0.0) + value
        return found


def requests(exprs: list[str], groups: list[Hashable], size: int = BATCH_SIZE) -> list[Request]:
    """The requests answering every expression (by its index), in the order of the groups' first expressions.
    Only expressions of the same group (say, the same window) are merged or joined."""
    grouped: dict[Hashable, list[int]] = {}
    for index, group in enumerate(groups):
        grouped.setdefault(group, []).append(index)
    out: list[Request] = []
    for members in grouped.values():
        merged, rest = _by_template([(i, exprs[i]) for i in members])
        for template, values in merged.items():
            names = sorted(values)
            for start in range(0, len(names), size):
                part = names[start:start + size]
                out.append(Request(template.merged(part), template.label, {v: tuple(values[v]) for v in part}))
        for start in range(0, len(rest), size):
            part = rest[start:start + size]
            out.append(Request(joined(part), TAG, {str(i): (i,) for i, _ in part}))
    return out


def joined(queries: list[tuple[int, str]]) -> str:
    """One PromQL query answering every (index, expression), each part's series tagged with its index."""
    return "\nor\n".join(f'label_replace(({expr}), "{TAG}", "{index}", "", "")' for index, expr in queries)


def _by_template(queries: list[tuple[int, str]]) -> tuple[dict[Template, dict[str, list[int]]], list[tuple[int, str]]]:
    """Queries whose text differs from others' only in one label's value and that `templates` can merge (each joins
    the likeness most of them share), and the rest. One expression per likeness is parsed: its likes read the same."""
    options = {i: open_values(expr) for i, expr in queries}
    shared = Counter(key for found in options.values() for key in found)
    chosen: dict[str, list[int]] = {}
    for i, _ in queries:
        if options[i]:
            chosen.setdefault(max(sorted(options[i]), key=lambda key: shared[key]), []).append(i)
    texts = dict(queries)
    merged: dict[Template, dict[str, list[int]]] = {}
    for key, members in chosen.items():
        label, value = options[members[0]][key]
        template = next((t for t in templates(texts[members[0]]) if t.label == label), None)
        if template is None or len({options[i][key][1] for i in members}) < 2:
            continue
        values: dict[str, list[int]] = {}
        for i in members:
            values.setdefault(options[i][key][1], []).append(i)
        merged[template] = values
    taken = {i for values in merged.values() for ids in values.values() for i in ids}
    return merged, [(i, expr) for i, expr in queries if i not in taken]
