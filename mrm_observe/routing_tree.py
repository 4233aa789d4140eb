"""The routing tree as Alertmanager walks it (dispatch/route.go): inherited settings and `Match`.

A route inherits its parent's receiver, `group_by` and timings unless it sets them; its time intervals are its own
(Alertmanager does not inherit them). Matching is depth first, left to right: a route whose matchers match takes
the alert from its children that match, stopping after the first child that matched without `continue`; a route
none of whose children matched takes the alert itself.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from . import matchers as matchers_mod
from .matchers import Matcher
from .model.routing import Route

DEFAULT_TIMINGS = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}
"""Alertmanager's defaults for the root route."""


@dataclass(frozen=True)
class Node:
    """A route with the settings it ends up with, and where it sits (`route`, `route.routes[1].routes[0]`)."""

    path: str
    matchers: tuple[Matcher, ...]
    conditions: tuple[Matcher, ...]
    """Its matchers and those of every route above it: what an alert must match to get here."""
    receiver: str
    group_by: tuple[str, ...]
    timings: tuple[tuple[str, str], ...]
    continue_: bool
    mute_time_intervals: tuple[str, ...]
    active_time_intervals: tuple[str, ...]
    children: tuple[Node, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return matchers_mod.matches_all(self.matchers, labels)

    def match(self, labels: Mapping[str, str]) -> list[Node]:
        """The routes an alert with these labels is notified by, in Alertmanager's order (`Route.Match`)."""
        if not self.matches(labels):
            return []
        found: list[Node] = []
        for child in self.children:
            matched = child.match(labels)
            found += matched
            if matched and not child.continue_:
                break
        return found or [self]

    def walk(self) -> Iterator[Node]:
        """This route and every route below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def tree(route: Route, parent: Node | None = None, path: str = "route") -> Node:
    """The resolved tree of a (validated) route."""
    timings = dict(parent.timings) if parent else dict(DEFAULT_TIMINGS)
    timings.update({k: v for k in DEFAULT_TIMINGS if (v := getattr(route, k)) is not None})
    receiver = route.receiver or (parent.receiver if parent else "")
    group_by = route.group_by if route.group_by is not None else (parent.group_by if parent else ())
    own = tuple(m for text in route.matchers for m in matchers_mod.parse(text))
    node = Node(path, own, (parent.conditions if parent else ()) + own, receiver, tuple(group_by),
                tuple(timings.items()), route.continue_, route.mute_time_intervals, route.active_time_intervals, ())
    children = tuple(tree(child, node, f"{path}.routes[{i}]") for i, child in enumerate(route.routes))
    return replace(node, children=children)
