"""PromQL parsing (promql-parser) and the few questions we ask of an expression."""
from __future__ import annotations

import re
from dataclasses import dataclass

import promql_parser

COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})
RANGE_FUNCTIONS = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv"})
ABSENCE_FUNCTIONS = frozenset({"absent", "absent_over_time"})

_GRAFANA_INTERVALS = re.compile(r"\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}")
_GRAFANA_VARIABLE = re.compile(r"\$\{?(\w+)(?::\w+)?\}?|\[\[(\w+)\]\]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


@dataclass(frozen=True)
class Parsed:
    """A parsed expression and what was asked of it."""

    ast: promql_parser.Expr

    def range_windows(self) -> list[tuple[str, float]]:
        """(function, seconds) for every rate-like function over a range selector."""
        found: list[tuple[str, float]] = []

        def visit(node: object) -> bool:
            if isinstance(node, promql_parser.Call) and node.func.name in RANGE_FUNCTIONS:
                for arg in node.args:
                    if isinstance(arg, promql_parser.MatrixSelector):
                        found.append((node.func.name, arg.range.total_seconds()))
            return True

        promql_parser.walk(self.ast, visit)
        return found

    def has_condition(self) -> bool:
        """True when the expression filters: a comparison (without `bool`) or an absent() check."""
        found = False

        def visit(node: object) -> bool:
            nonlocal found
            if isinstance(node, promql_parser.BinaryExpr):
                op = str(node.op).strip()
                returns_bool = node.modifier is not None and "bool" in str(node.modifier)
                if op in COMPARISONS and not returns_bool:
                    found = True
            if isinstance(node, promql_parser.Call) and node.func.name in ABSENCE_FUNCTIONS:
                found = True
            return not found

        promql_parser.walk(self.ast, visit)
        return found


def parse(expr: str) -> Parsed:
    """Parse PromQL; raise ValueError with the parser's reason when it is invalid."""
    if not expr or not expr.strip():
        raise ValueError("expression is empty")
    try:
        return Parsed(promql_parser.parse(expr))
    except (ValueError, TypeError) as err:
        raise ValueError(f"invalid PromQL: {err}") from None


def from_grafana(expr: str) -> str:
    """Replace Grafana template variables with valid PromQL so a panel query can be parsed."""
    expr = _GRAFANA_INTERVALS.sub("5m", expr)
    pieces: list[str] = []
    last = 0
    for match in _STRING.finditer(expr):
        pieces.append(_GRAFANA_VARIABLE.sub("1", expr[last : match.start()]))
        pieces.append(_GRAFANA_VARIABLE.sub("x", match.group(0)))
        last = match.end()
    pieces.append(_GRAFANA_VARIABLE.sub("1", expr[last:]))
    return "".join(pieces)
