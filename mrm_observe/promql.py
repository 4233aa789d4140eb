"""PromQL parsing (promql-parser) and the few questions we ask of an expression."""
from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import promql_parser

COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})
RANGE_FUNCTIONS = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv"})
COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase", "resets"})
"""Functions meant for counters only (Prometheus's documentation of each says so)."""
ABSENCE_FUNCTIONS = frozenset({"absent", "absent_over_time"})
LABEL_TARGET_FUNCTIONS = frozenset({"label_replace", "label_join"})
"""Functions whose second argument names the label they write."""
SCALAR, INSTANT_VECTOR, RANGE_VECTOR, STRING = "scalar", "instant vector", "range vector", "string"

_MATCH_OPS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}
_VALUE_TYPES = {"ValueType.Scalar": SCALAR, "ValueType.Vector": INSTANT_VECTOR, "ValueType.Matrix": RANGE_VECTOR,
                "ValueType.String": STRING}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GRAFANA_VARIABLE = re.compile(
    r"\$\{(?P<braced>\w+)(?::[^}]*)?\}|\[\[(?P<bracketed>\w+)(?::[^\]]*)?\]\]|\$(?P<plain>\w+)")
"""$var, ${var}, ${var:format}, [[var]] and [[var:format]]."""
_GRAFANA_TOKEN = re.compile(
    rf"(?P<string>{_STRING.pattern})|(?P<variable>{_GRAFANA_VARIABLE.pattern})|(?P<other>.)", re.S)
_LABEL_LIST = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*$", re.I)
_OFFSET = re.compile(r"\boffset\s*-?\s*$", re.I)
_SELECTOR_FOLLOWS = re.compile(r"\s*(\{|\[|offset\b|@)", re.I)
_NAME_CHAR = re.compile(r"[a-zA-Z0-9_:]")
MAX_GUESSED_VARIABLES = 6
"""Bare variables that could be a number or a metric: every mix is tried up to this many (2**6 parses)."""


Matcher = tuple[str, str, str]
"""(op, label, value) with op one of = != =~ !~."""


@dataclass(frozen=True)
class Selector:
    """A vector selector: its metric name ("" when it names none) and its other matchers (`__name__` ones too)."""

    name: str
    matchers: tuple[Matcher, ...] = ()

    @property
    def text(self) -> str:
        """The selector as PromQL, e.g. `http_requests_total{status=~"5.."}` (what the series API takes)."""
        inner = ",".join(f"{label}{op}{json.dumps(value, ensure_ascii=False)}" for op, label, value in self.matchers)
        return f"{self.name}{{{inner}}}" if inner or not self.name else self.name

    @property
    def portable(self) -> bool:
        """True when `matches` decides exactly as Prometheus does: every regex means the same to Python's `re` as
        to Go's RE2 (no POSIX classes, \\p{..}, \\Q..\\E, \\z or \\C, and Python compiles it without a warning)."""
        return all(_regex(value) is not None for op, _, value in self.matchers if op in ("=~", "!~"))

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether a series with these labels (`__name__` included) is selected; a missing label reads as ""."""
        if self.name and labels.get("__name__") != self.name:
            return False
        for op, label, value in self.matchers:
            have = labels.get(label, "")
            if op in ("=", "!="):
                hit = have == value
            else:
                pattern = _regex(value)
                if pattern is None:
                    raise ValueError(f"regex {value!r} may mean something else to RE2: ask the server")
                hit = pattern.fullmatch(have) is not None
            if hit != (op in ("=", "=~")):
                return False
        return True


@dataclass(frozen=True)
class SelectorUse:
    """Where a selector stands in an expression."""

    selector: Selector
    function: str | None = None
    """The function taking it as a range argument (`rate` in `rate(x[5m])`), else None."""
    window: float | None = None
    """The range in seconds, for a range selector (`x[5m]` -> 300)."""
    in_absent: bool = False
    """Inside absent() or absent_over_time(), whose point is that it may select nothing."""


_RE2_ONLY = re.compile(r"\\[pPQEzC]|\[:")
"""RE2 syntax Python's re lacks or reads differently: \\p{Greek}, \\Q...\\E, \\z, \\C, [[:alpha:]]."""


@lru_cache(maxsize=4096)
def _regex(value: str) -> re.Pattern[str] | None:
    """The label regex compiled by Python's re, or None when RE2 may read it differently."""
    if _RE2_ONLY.search(value):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return re.compile(value, re.ASCII)  # RE2's \d, \w, \s and \b are ASCII only
    except (re.error, FutureWarning, DeprecationWarning):
        return None


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

    def selector_uses(self) -> list[SelectorUse]:
        """Every vector selector with the matchers it carries (`__name__` ones included) and where it stands: the
        function taking it as a range argument, the range, and whether it is inside absent(); in order."""
        found: list[SelectorUse] = []
        _uses(self.ast, found, None, False)
        return found

    def canonical(self) -> str:
        """The expression as the parser prints it: two texts that differ only in spacing and comments give one."""
        return str(self.ast)

    def value_type(self) -> str:
        """What the expression returns: scalar, instant vector, range vector or string."""
        return _value_type(self.ast)

    def label_targets(self) -> list[tuple[str, str]]:
        """(function, label) for the label every label_replace() and label_join() writes, in order."""
        found: list[tuple[str, str]] = []

        def visit(node: object) -> bool:
            if isinstance(node, promql_parser.Call) and node.func.name in LABEL_TARGET_FUNCTIONS and len(node.args) > 1:
                target = node.args[1]
                if isinstance(target, promql_parser.StringLiteral):
                    found.append((node.func.name, target.val))
            return True

        promql_parser.walk(self.ast, visit)
        return found

    def is_one_series(self) -> bool:
        """True when the expression yields at most one series with no labels (aggregated without grouping)."""
        return _one_series(self.ast)


def _selector(node: promql_parser.VectorSelector) -> Selector:
    matchers = tuple((_MATCH_OPS[str(m.op)], m.name, m.value) for m in node.matchers.matchers)
    if not node.name:
        named = [m for m in matchers if m[:2] == ("=", "__name__")]
        if len(named) == 1:
            return Selector(named[0][2], tuple(m for m in matchers if m is not named[0]))
    return Selector(node.name or "", matchers)


def _uses(node: object, found: list[SelectorUse], function: str | None, in_absent: bool) -> None:
    """Collect the selectors below `node`; `function` is the call whose direct argument `node` is."""
    if isinstance(node, promql_parser.VectorSelector):
        found.append(SelectorUse(_selector(node), in_absent=in_absent))
    elif isinstance(node, promql_parser.MatrixSelector):
        found.append(SelectorUse(_selector(node.vector_selector), function, node.range.total_seconds(), in_absent))
    elif isinstance(node, promql_parser.Call):
        inside = in_absent or node.func.name in ABSENCE_FUNCTIONS
        for arg in node.args:
            _uses(arg, found, node.func.name, inside)
    elif isinstance(node, promql_parser.BinaryExpr):
        _uses(node.lhs, found, None, in_absent)
        _uses(node.rhs, found, None, in_absent)
    elif isinstance(node, promql_parser.AggregateExpr):
        if node.param is not None:
            _uses(node.param, found, None, in_absent)
        _uses(node.expr, found, None, in_absent)
    elif isinstance(node, (promql_parser.ParenExpr, promql_parser.UnaryExpr, promql_parser.SubqueryExpr)):
        _uses(node.expr, found, None, in_absent)


def _value_type(node: object) -> str:
    if isinstance(node, (promql_parser.ParenExpr, promql_parser.UnaryExpr)):
        return _value_type(node.expr)
    if isinstance(node, (promql_parser.MatrixSelector, promql_parser.SubqueryExpr)):
        return RANGE_VECTOR
    if isinstance(node, promql_parser.StringLiteral):
        return STRING
    if isinstance(node, promql_parser.NumberLiteral):
        return SCALAR
    if isinstance(node, promql_parser.Call):
        return _VALUE_TYPES[str(node.func.return_type)]
    if isinstance(node, promql_parser.BinaryExpr):
        return SCALAR if _value_type(node.lhs) == _value_type(node.rhs) == SCALAR else INSTANT_VECTOR
    return INSTANT_VECTOR


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


GROUPABLE_AGGREGATIONS = frozenset({"sum", "min", "max", "avg", "count", "group", "stddev", "stdvar"})
"""Aggregations whose answer per group is unchanged by grouping by more labels that are constant in each group."""
LABEL_KEEPING_FUNCTIONS = frozenset({
    *RANGE_FUNCTIONS, "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
    "last_over_time", "stddev_over_time", "stdvar_over_time", "present_over_time", "quantile_over_time", "changes",
    "resets", "predict_linear", "abs", "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "exp", "ln",
    "log2", "log10", "sqrt", "sgn", "histogram_quantile"})
"""Functions whose output series keep their input's labels (all but the metric name, and `le` for quantiles)."""
_EQUALITY = re.compile(r'(?<![\w:])([a-zA-Z_]\w*)\s*=\s*"([^"\\]*)"')
"""`label="value"` in PromQL text (values without quotes or escapes)."""


def _open(n: int) -> str:
    """Where a template's n-th open label matcher goes (no PromQL text holds this character)."""
    return f"\x00{n}\x00"


@dataclass(frozen=True)
class Template:
    """An expression with some labels' values left open, so expressions that differ only in those values are asked
    in one query whose series carry the labels and so say which expression they answer."""

    labels: tuple[str, ...]
    text: str

    def merged(self, values: list[tuple[str, ...]]) -> str:
        """The query answering the expression for each tuple of `values` (of `labels`, in order)."""
        text = self.text
        for n, label in enumerate(self.labels):
            choices = sorted({v[n] for v in values})
            pattern = "|".join(re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", v) for v in choices)
            text = text.replace(_open(n), f"{label}=~{json.dumps(pattern)}")
        return text


def open_values(expr: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(the text with every label that is matched with `label="value"` for one value only left open, those labels,
    their values). Texts alike show expressions that differ only in those values; `template` says whether they
    can be merged."""
    matches = list(_EQUALITY.finditer(expr))
    values: dict[str, set[str]] = {}
    for m in matches:
        values.setdefault(m[1], set()).add(m[2])
    labels = tuple(sorted(label for label, found in values.items() if len(found) == 1))
    pieces, done = [], 0
    for m in matches:
        if m[1] in labels:
            pieces += [expr[done:m.start()], _open(labels.index(m[1]))]
            done = m.end()
    return "".join(pieces) + expr[done:], labels, tuple(next(iter(values[label])) for label in labels)


def template(expr: str, candidates: tuple[str, ...]) -> Template | None:
    """`expr` with those of `candidates` left open that every selector matches with one `label="value"`, when
    every step keeps the selectors' labels on the series (label-keeping functions, groupable aggregations,
    operators without on/ignoring/group_*): then it can be merged with expressions that differ only in those
    labels' values. Every aggregation gets the open labels added to its grouping, which changes nothing else: they
    have one value in each group. None when no label can be left open."""
    try:
        ast = promql_parser.parse(expr)
    except (ValueError, TypeError):
        return None
    selectors: list[promql_parser.VectorSelector] = []
    if not _keeps_labels(ast, selectors) or not selectors:
        return None
    shared = set.intersection(*({(m.name, m.value) for m in s.matchers.matchers if str(m.op) == "MatchOp.Equal"}
                                for s in selectors))
    pairs = sorted((label, value) for label, value in shared if label in candidates and label != "__name__")
    labels = tuple(label for label, _ in pairs)
    text = _grouped_by(ast, labels)
    if not labels or not _means(ast, text, labels):
        return None
    for n, (label, value) in enumerate(pairs):
        matcher = f'{label}="{value}"'
        if text.count(matcher) != len(selectors):
            return None
        text = text.replace(matcher, _open(n))
    return Template(labels, text)


def _keeps_labels(node: object, selectors: list[promql_parser.VectorSelector]) -> bool:
    """True when every series `node` returns keeps the labels of the selectors under it (collected in
    `selectors`) once every aggregation also groups by them."""
    if isinstance(node, (promql_parser.ParenExpr, promql_parser.UnaryExpr)):
        return _keeps_labels(node.expr, selectors)
    if isinstance(node, promql_parser.MatrixSelector):
        return _keeps_labels(node.vector_selector, selectors)
    if isinstance(node, promql_parser.VectorSelector):
        selectors.append(node)
        return not node.matchers.or_matchers
    if isinstance(node, promql_parser.Call):
        vectors = [a for a in node.args if not isinstance(a, promql_parser.NumberLiteral)]
        return node.func.name in LABEL_KEEPING_FUNCTIONS and bool(vectors) and \
            all(_keeps_labels(a, selectors) for a in vectors)
    if isinstance(node, promql_parser.AggregateExpr):
        return str(node.op) in GROUPABLE_AGGREGATIONS and node.param is None and \
            (node.modifier is None or "By" in str(node.modifier.type)) and _keeps_labels(node.expr, selectors)
    if isinstance(node, promql_parser.BinaryExpr):
        if node.modifier is not None and (node.modifier.matching is not None or node.modifier.group_labels):
            return False
        sides = [side for side in (node.lhs, node.rhs) if not isinstance(side, promql_parser.NumberLiteral)]
        return bool(sides) and all(_keeps_labels(side, selectors) for side in sides)
    return False


def _grouped_by(node: object, labels: tuple[str, ...]) -> str:
    """PromQL text of `node` (of the kinds _keeps_labels accepts) with every aggregation also grouped by `labels`."""
    if isinstance(node, promql_parser.ParenExpr):
        return f"({_grouped_by(node.expr, labels)})"
    if isinstance(node, promql_parser.UnaryExpr):
        return f"-{_operand(node.expr, labels)}"
    if isinstance(node, promql_parser.AggregateExpr):
        grouping = ", ".join(sorted({*(node.modifier.labels if node.modifier else ()), *labels}))
        return f"{node.op} by ({grouping}) ({_grouped_by(node.expr, labels)})"
    if isinstance(node, promql_parser.BinaryExpr):
        returns_bool = " bool" if node.modifier is not None and node.modifier.return_bool else ""
        return f"{_operand(node.lhs, labels)} {str(node.op).strip()}{returns_bool} {_operand(node.rhs, labels)}"
    if isinstance(node, promql_parser.Call):
        return f"{node.func.name}({', '.join(_grouped_by(a, labels) for a in node.args)})"
    return str(node)


def _operand(node: object, labels: tuple[str, ...]) -> str:
    """An operator's operand, in parentheses when it is itself an operation (the tree says what binds first)."""
    text = _grouped_by(node, labels)
    return f"({text})" if isinstance(node, (promql_parser.BinaryExpr, promql_parser.UnaryExpr)) else text


def _means(ast: object, text: str, labels: tuple[str, ...]) -> bool:
    """True when `text` parses to the same selectors as `ast` and renders to itself: promql-parser's rendering of a
    selector does not escape quotes in label values, so a value holding one cannot be merged."""
    def matchers(node: object) -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = []

        def visit(n: object) -> bool:
            if isinstance(n, promql_parser.VectorSelector):
                found.extend((m.name, str(m.op), m.value) for m in n.matchers.matchers)
            return True

        promql_parser.walk(node, visit)
        return found
    try:
        again = promql_parser.parse(text)
    except (ValueError, TypeError):
        return False
    return matchers(again) == matchers(ast) and _grouped_by(again, labels) == text


def parse(expr: str) -> Parsed:
    """Parse PromQL; raise ValueError with the parser's reason when it is invalid."""
    if not expr or not expr.strip():
        raise ValueError("expression is empty")
    try:
        return Parsed(promql_parser.parse(expr))
    except (ValueError, TypeError) as err:
        raise ValueError(f"invalid PromQL: {err}") from None


def from_grafana(expr: str) -> str:
    """Replace Grafana template variables with PromQL of the kind their position needs, so a panel query parses.

    Inside quotes a variable becomes the string `x`; inside `[...]` or after `offset` the duration `5m`; in a
    label list (`by`, `without`, `on`, `ignoring`, `group_left`, `group_right`), as a matcher name or glued to a
    name (`${prefix}_total`) a name `var_<variable>`; before `{`, `[`, `offset` or `@` a metric name. A bare
    variable elsewhere is the number `1` unless only a metric name makes the query valid (`sum($metric)`).
    """
    pieces: list[str | tuple[str, str]] = []
    stack: list[str] = []
    done = ""
    for token in _GRAFANA_TOKEN.finditer(expr):
        piece: str | tuple[str, str]
        if token["string"] is not None:
            piece = _GRAFANA_VARIABLE.sub("x", token["string"])
        elif token["variable"] is not None:
            piece = _placeholder(token, expr, done, stack[-1] if stack else "")
        else:
            piece = token["other"]
            if piece in "([{":
                stack.append("by(" if piece == "(" and _LABEL_LIST.search(done) else piece)
            elif piece in ")]}" and stack:
                stack.pop()
        pieces.append(piece)
        done += piece if isinstance(piece, str) else piece[0]
    guesses = [p for p in pieces if isinstance(p, tuple)]
    choices = product(*guesses) if len(guesses) <= MAX_GUESSED_VARIABLES else iter([])
    first = _fill(pieces, [g[0] for g in guesses])
    for choice in choices:
        text = _fill(pieces, list(choice))
        try:
            promql_parser.parse(text)
        except (ValueError, TypeError):
            continue
        return text
    return first


def _placeholder(token: re.Match[str], expr: str, done: str, enclosing: str) -> str | tuple[str, str]:
    """The PromQL standing for one variable, or (number, metric name) when its position allows both."""
    name = f"var_{token['braced'] or token['bracketed'] or token['plain']}"
    after = expr[token.end():]
    if enclosing == "[" or _OFFSET.search(done):
        return "5" if after[:1].isalpha() else "5m"
    before = expr[token.start() - 1 : token.start()]
    glued = bool(_NAME_CHAR.match(before or " ") or _NAME_CHAR.match(after[:1] or " "))
    if enclosing in ("by(", "{") or glued or _SELECTOR_FOLLOWS.match(after):
        return name
    return ("1", name)


def _fill(pieces: list[str | tuple[str, str]], choice: list[str]) -> str:
    """The pieces with each (number, metric) slot replaced by the next choice."""
    chosen = iter(choice)
    return "".join(p if isinstance(p, str) else next(chosen) for p in pieces)


_FLIPPED = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}
"""The operator that keeps a comparison's meaning when its sides swap (`3 < x` is `x > 3`)."""
_SCAN = re.compile(rf"(?P<string>{_STRING.pattern})|(?P<comment>#[^\n]*)|(?P<cmp>==|!=|>=|<=|>|<)"
                   r"|(?P<open>[(\[{])|(?P<close>[)\]}])|.", re.S)


@dataclass(frozen=True)
class Comparison:
    """An alert expression of the form `EXPR op threshold`, written as if the threshold stood on the right."""

    expr: str
    """EXPR as written (the side that returns series), without the comparison."""
    op: str
    threshold: float


def comparison(expr: str) -> Comparison | None:
    """The comparison an alert expression ends in, when it compares an instant vector with a constant (`> 0.05`,
    `< (14.4 * 0.001)`, `0.9 > x`) without `bool`; None for any other shape. ValueError when it does not parse."""
    text = _SCAN.sub(lambda m: " " * len(m[0]) if m["comment"] else m[0], expr).strip()
    node = parse(text).ast
    while isinstance(node, promql_parser.ParenExpr):
        text, node = text[1:-1].strip(), node.expr
    if not isinstance(node, promql_parser.BinaryExpr) or "bool" in str(node.modifier or ""):
        return None
    op = str(node.op).strip()
    left, right = _constant(node.lhs), _constant(node.rhs)
    if op not in COMPARISONS or (left is None) == (right is None):
        return None
    operators = _top_level_comparisons(text)
    if right is not None:
        start, end = operators[-1]
        vector, threshold = text[:start].strip(), right
    else:
        start, end = operators[0]
        vector, threshold, op = text[end:].strip(), left, _FLIPPED[op]
    return Comparison(vector, op, threshold) if parse(vector).value_type() == INSTANT_VECTOR else None


def _top_level_comparisons(text: str) -> list[tuple[int, int]]:
    """(start, end) of every comparison operator outside brackets and strings."""
    depth, found = 0, []
    for token in _SCAN.finditer(text):
        if token["open"]:
            depth += 1
        elif token["close"]:
            depth -= 1
        elif token["cmp"] and depth == 0:
            found.append(token.span())
    return found


def _constant(node: object) -> float | None:
    """The value of a number or of arithmetic on numbers (`14.4 * 0.001`, `-(3)`); None for anything else."""
    if isinstance(node, promql_parser.NumberLiteral):
        return float(node.val)
    if isinstance(node, promql_parser.ParenExpr):
        return _constant(node.expr)
    if isinstance(node, promql_parser.UnaryExpr):
        inner = _constant(node.expr)
        return None if inner is None else -inner
    if isinstance(node, promql_parser.BinaryExpr):
        left, right, op = _constant(node.lhs), _constant(node.rhs), str(node.op).strip()
        if left is None or right is None:
            return None
        try:
            return {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                    "/": lambda: left / right, "%": lambda: math.fmod(left, right),
                    "^": lambda: math.pow(left, right)}[op]()
        except (KeyError, ArithmeticError, ValueError):
            return None
    return None
