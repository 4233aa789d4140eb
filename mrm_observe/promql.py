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
_MATCH_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


Matcher = tuple[str, str, str]
"""(op, label, value) with op one of = != =~ !~."""


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

    def selectors(self) -> list[tuple[str, list[Matcher]]]:
        """(metric name, label matchers other than __name__) of every vector selector, in order."""
        found: list[tuple[str, list[Matcher]]] = []

        def visit(node: object) -> bool:
            if isinstance(node, promql_parser.VectorSelector):
                found.append((node.name or "", [(_MATCH_OPS[str(m.op)], m.name, m.value)
                                                for m in node.matchers.matchers if m.name != "__name__"]))
            return True

        promql_parser.walk(self.ast, visit)
        return found

    def is_one_series(self) -> bool:
        """True when the expression yields at most one series with no labels (aggregated without grouping)."""
        return _one_series(self.ast)


def _one_series(node: object) -> bool:
    if isinstance(node, promql_parser.AggregateExpr):
        modifier = node.modifier
        return modifier is None or (not modifier.labels and "Without" not in str(modifier.type))
    if isinstance(node, (promql_parser.ParenExpr, promql_parser.UnaryExpr, promql_parser.SubqueryExpr)):
        return _one_series(node.expr)
    if isinstance(node, promql_parser.BinaryExpr):
        return all(_one_series(side) for side in (node.lhs, node.rhs))
    if isinstance(node, promql_parser.Call):
        if node.func.name in ("vector", "scalar", "time"):
            return True
        if node.func.name.startswith("label_"):
            return False
        args = [a for a in node.args if not isinstance(a, (promql_parser.StringLiteral, promql_parser.NumberLiteral))]
        return all(_one_series(a) for a in args)
    return isinstance(node, (promql_parser.NumberLiteral, promql_parser.StringLiteral))


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
