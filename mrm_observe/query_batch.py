"""Many instant queries in few requests. Pure: says what to ask and how to read the answers.

Queries that differ only in some labels' values (the same SLI for a hundred services) become one query over all
the values (`service=~"s1|s2|..."`, aggregations grouped by those labels too), whose series say by those labels
which query they answer: Prometheus then finds and reads the series once for all. The other queries are joined
with `or`, each part tagged with a label of its own. Both are cut into parts of at most `size` queries, because
Prometheus evaluates a request on one core and a report's queries for a hundred SLOs in one request would leave
the others idle.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from .promql import Template, open_values, template

BATCH_SIZE = 25
"""Queries answered by one request at most."""
TAG = "mrm_observe_query"
"""The label a joined request adds to tell its parts apart."""
Values = tuple[str, ...]


@dataclass(frozen=True)
class Request:
    """One request: its PromQL, and per values of `labels` on an answer's series, the queries that series answers."""

    expr: str
    labels: tuple[str, ...]
    indices: Mapping[Values, tuple[int, ...]]

    def answers(self, samples: Iterable[tuple[Mapping[str, str], float]]) -> dict[int, float | None]:
        """Each query's value: the sum of the series answering it, None when none does."""
        found: dict[int, float | None] = {i: None for ids in self.indices.values() for i in ids}
        for labels, value in samples:
            for index in self.indices.get(tuple(labels.get(label, "") for label in self.labels), ()):
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
        merged, rest = _merged([(i, exprs[i]) for i in members])
        for found, values in merged:
            keys = sorted(values)
            for start in range(0, len(keys), size):
                part = keys[start:start + size]
                out.append(Request(found.merged(part), found.labels, {v: tuple(values[v]) for v in part}))
        for start in range(0, len(rest), size):
            part = rest[start:start + size]
            out.append(Request(joined(part), (TAG,), {(str(i),): (i,) for i, _ in part}))
    return out


def joined(queries: list[tuple[int, str]]) -> str:
    """One PromQL query answering every (index, expression), each part's series tagged with its index."""
    return "\nor\n".join(f'label_replace(({expr}), "{TAG}", "{index}", "", "")' for index, expr in queries)


def _merged(queries: list[tuple[int, str]]) -> tuple[list[tuple[Template, dict[Values, list[int]]]],
                                                    list[tuple[int, str]]]:
    """Queries that differ from others only in the values of labels a template leaves open, with the indices per
    values, and the rest. Texts alike read alike, so one expression per kind of text is parsed."""
    opened = {i: open_values(expr) for i, expr in queries}
    alike: dict[tuple[str, Values], list[int]] = {}
    for i, _ in queries:
        text, labels, values = opened[i]
        alike.setdefault((text, labels), []).append(i)
    texts, merged = dict(queries), []
    for (_, labels), members in alike.items():
        first = template(texts[members[0]], labels)
        if first is None:
            continue
        fixed = [n for n, label in enumerate(labels) if label not in first.labels]
        kinds: dict[Values, list[int]] = {}  # the values of labels the template keeps literal must agree too
        for i in members:
            kinds.setdefault(tuple(opened[i][2][n] for n in fixed), []).append(i)
        for kind in kinds.values():
            found = template(texts[kind[0]], labels) if fixed else first
            if found is None:
                continue
            values: dict[Values, list[int]] = {}
            for i in kind:
                mine = dict(zip(labels, opened[i][2]))
                values.setdefault(tuple(mine[label] for label in found.labels), []).append(i)
            if len(values) > 1:
                merged.append((found, values))
    taken = {i for _, values in merged for ids in values.values() for i in ids}
    return merged, [(i, expr) for i, expr in queries if i not in taken]
