"""A checker of Go text/template syntax as Prometheus parses alert annotations and labels.

Prometheus prefixes every annotation and label template with `{{$labels := .Labels}}{{$externalLabels :=
.ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}` and parses it with Go's text/template and its
own functions; a template that does not parse fails `promtool check rules` and every evaluation of the rule. This
module follows Go's lexer and parser (text/template/parse) closely enough to accept and refuse what they do, and says
where the problem is as line:column of the template itself. It parses; it never runs a template.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .hints import did_you_mean

GO_FUNCTIONS = frozenset({"and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
                          "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne"})
PROMETHEUS_FUNCTIONS = frozenset({
    "query", "first", "label", "value", "strvalue", "args", "reReplaceAll", "safeHtml", "match", "title", "toUpper",
    "toLower", "graphLink", "tableLink", "sortByLabel", "humanize", "humanize1024", "humanizeDuration",
    "humanizePercentage", "humanizeTimestamp", "toTime", "pathPrefix", "externalURL", "parseDuration", "stripPort",
    "stripDomain"})
"""The functions Prometheus gives alert templates (template.go's funcMap)."""
PROMETHEUS_VARIABLES = ("$", "$labels", "$externalLabels", "$externalURL", "$value")
KEYWORDS = frozenset({"block", "break", "continue", "define", "else", "end", "if", "range", "nil", "template",
                      "with", "true", "false"})

_SPACE = " \t\r\n"
_SPACES = re.compile(r"[ \t\r\n]*")
_WORD = re.compile(r"\w*")
_NUMBER = re.compile(r"[+-]?(0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*([pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|"
                     r"[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?")
_GO_NUMBER = re.compile(r"[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO]?(_?[0-7])+|0|[1-9](_?[0-9])*|"
                        r"([0-9](_?[0-9])*)?\.([0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?|"
                        r"[0-9](_?[0-9])*[eE][+-]?[0-9](_?[0-9])*)i?")
_STRING_ESCAPE = re.compile(r'\\([abfnrtv\\\'"]|[0-7]{3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})')


class TemplateError(ValueError):
    """A template Go would not parse: `position` is line:column in the template (1-based), `offset` the index."""

    def __init__(self, text: str, offset: int, message: str) -> None:
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        self.position = f"{line}:{column}"
        self.offset = offset
        self.message = message
        super().__init__(f"{self.position}: {message}")


class Token(NamedTuple):
    kind: str
    """text, left, right, space, identifier, keyword, field, variable, dot, string, raw, char, number, bool, nil,
    '(', ')', '|', ',', ':=', '=', eof."""
    value: str
    offset: int

    def __str__(self) -> str:
        return {"eof": "end of template", "right": '"}}"', "left": '"{{"'}.get(self.kind, repr(self.value))


def check(text: str, functions: frozenset[str] = GO_FUNCTIONS | PROMETHEUS_FUNCTIONS,
          variables: tuple[str, ...] = PROMETHEUS_VARIABLES) -> None:
    """Raise TemplateError where `text` stops being a template Prometheus can parse; return None when it parses."""
    _Parser(text, _lex(text), functions, variables).parse()


@lru_cache(maxsize=4096)
def problem(text: str) -> str | None:
    """Why `text` is not a template Prometheus parses (with line:column and the text around it), else None."""
    if "{{" not in text:
        return None
    try:
        check(text)
    except TemplateError as err:
        start = max(0, text.rfind("\n", 0, err.offset) + 1, err.offset - 30)
        end = min(len(text), err.offset + 30)
        newline = text.find("\n", err.offset)
        end = newline if 0 <= newline < end else end
        shown = ("..." if start else "") + text[start:end] + ("..." if end < len(text) else "")
        return f"template does not parse at {err.position}: {err.message} (in {shown!r})"
    return None


def _lex(text: str) -> list[Token]:
    """Go's lexer: text outside actions, and the items of each action (comments and trim markers dropped)."""
    tokens: list[Token] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        pos = start + 2
        if text.startswith("-", pos) and text[pos + 1:pos + 2] in tuple(_SPACE):
            pos += 2
        if text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end < 0:
                raise TemplateError(text, start, "unclosed comment")
            after = end + 2
            if text.startswith(" -}}", after):
                pos = after + 4
            elif text.startswith("}}", after):
                pos = after + 2
            else:
                raise TemplateError(text, after, "comment ends before closing delimiter")
            continue
        tokens.append(Token("left", "{{", start))
        pos = _lex_action(text, pos, tokens, start)
    tokens.append(Token("eof", "", len(text)))
    return tokens


def _skip_space(text: str, pos: int) -> int:
    return _SPACES.match(text, pos).end()


def _lex_action(text: str, pos: int, tokens: list[Token], opened: int) -> int:
    """Tokens of one action up to and including its right delimiter; returns the offset after it."""
    depth = 0
    while True:
        if text.startswith("}}", pos) or (text.startswith("-}}", pos + 1) and pos < len(text) and text[pos] in _SPACE):
            if depth:
                raise TemplateError(text, pos, "unclosed left paren")
            end = pos + 2 if text.startswith("}}", pos) else pos + 4
            tokens.append(Token("right", "}}", pos))
            return end
        if pos >= len(text):
            raise TemplateError(text, opened, "unclosed action")
        char = text[pos]
        if char in _SPACE:
            end = _skip_space(text, pos)
            if text.startswith("-}}", end):
                end -= 1  # the last space belongs to the trim marker " -}}"
            tokens.append(Token("space", text[pos:end], pos))
            pos = end
        elif char == ":":
            if not text.startswith(":=", pos):
                raise TemplateError(text, pos, "expected :=")
            tokens.append(Token(":=", ":=", pos))
            pos += 2
        elif char in "|=,":
            tokens.append(Token(char, char, pos))
            pos += 1
        elif char == '"':
            pos = _quoted(text, pos, tokens, '"', "string", "unterminated quoted string")
        elif char == "'":
            pos = _quoted(text, pos, tokens, "'", "char", "unterminated character constant")
        elif char == "`":
            end = text.find("`", pos + 1)
            if end < 0:
                raise TemplateError(text, pos, "unterminated raw quoted string")
            tokens.append(Token("raw", text[pos:end + 1], pos))
            pos = end + 1
        elif char == "$":
            end = _word_end(text, pos + 1)
            pos = _terminated(text, end, tokens, Token("variable", text[pos:end], pos))
        elif char == "." and pos + 1 < len(text) and text[pos + 1].isdigit():
            pos = _number(text, pos, tokens)
        elif char == ".":
            end = _word_end(text, pos + 1)
            kind = "field" if end > pos + 1 else "dot"
            pos = _terminated(text, end, tokens, Token(kind, text[pos:end], pos))
        elif char in "+-" or char.isdigit():
            pos = _number(text, pos, tokens)
        elif char.isalpha() or char == "_":
            end = _word_end(text, pos)
            word = text[pos:end]
            kind = ("bool" if word in ("true", "false") else "nil" if word == "nil" else
                    "keyword" if word in KEYWORDS else "identifier")
            pos = _terminated(text, end, tokens, Token(kind, word, pos))
        elif char == "(":
            depth += 1
            tokens.append(Token("(", char, pos))
            pos += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise TemplateError(text, pos, "unexpected right paren")
            tokens.append(Token(")", char, pos))
            pos += 1
        elif char == "}":
            raise TemplateError(text, pos, "a single '}': close the action with '}}'")
        else:
            raise TemplateError(text, pos, f"unrecognized character in action: {char!r}")


def _word_end(text: str, pos: int) -> int:
    return _WORD.match(text, pos).end()


def _terminated(text: str, end: int, tokens: list[Token], token: Token) -> int:
    """Go wants a word followed by space, '.', ',', '|', ':', '(', ')', the right delimiter or the end."""
    if end < len(text) and text[end] not in _SPACE + ".,|:()" and not text.startswith("}}", end):
        raise TemplateError(text, end, f"bad character {text[end]!r} after {token.value!r}")
    tokens.append(token)
    return end


def _quoted(text: str, pos: int, tokens: list[Token], quote: str, kind: str, unterminated: str) -> int:
    end = pos + 1
    while True:
        if end >= len(text) or text[end] == "\n":
            raise TemplateError(text, pos, unterminated)
        if text[end] == "\\":
            escape = _STRING_ESCAPE.match(text, end)
            if escape is None or escape.group(1) in "'\"" and escape.group(1) != quote:
                raise TemplateError(text, end, f"invalid escape sequence in {text[pos:end + 2]!r}...")
            end = escape.end()
            continue
        if text[end] == quote:
            break
        end += 1
    value = text[pos:end + 1]
    if kind == "char" and not (len(value) == 3 or _STRING_ESCAPE.fullmatch(value[1:-1])):
        raise TemplateError(text, pos, f"malformed character constant: {value}")
    tokens.append(Token(kind, value, pos))
    return end + 1


def _number(text: str, pos: int, tokens: list[Token]) -> int:
    end = _NUMBER.match(text, pos).end()
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        raise TemplateError(text, pos, f"bad number syntax: {text[pos:_word_end(text, end)]!r}")
    value = text[pos:end]
    if not _GO_NUMBER.fullmatch(value):
        raise TemplateError(text, pos, f"bad number syntax: {value!r}")
    tokens.append(Token("number", value, pos))
    return end


class _Parser:
    """Go's text/template/parse parser over our tokens: control structures, pipelines, commands, variables in
    scope, functions known."""

    def __init__(self, text: str, tokens: list[Token], functions: frozenset[str], variables: tuple[str, ...]) -> None:
        self.text, self.tokens, self.index = text, tokens, 0
        self.functions, self.variables = functions, list(variables)
        self.range_depth = 0

    def fail(self, token: Token, message: str) -> TemplateError:
        return TemplateError(self.text, token.offset, message)

    def next(self) -> Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def peek(self) -> Token:
        return self.tokens[self.index]

    def next_non_space(self) -> Token:
        token = self.next()
        while token.kind == "space":
            token = self.next()
        return token

    def peek_non_space(self) -> Token:
        index = self.index
        while self.tokens[index].kind == "space":
            index += 1
        return self.tokens[index]

    def parse(self) -> None:
        while self.peek().kind != "eof":
            left = self.next()
            if self.peek_non_space().kind == "keyword" and self.peek_non_space().value == "define":
                self.next_non_space()
                self.definition()
                continue
            ended = self.action(left)
            if ended is not None:
                raise self.fail(ended, f"unexpected {{{{{ended.value}}}}}: nothing to {ended.value} here")

    def definition(self) -> None:
        name = self.next_non_space()
        if name.kind not in ("string", "raw"):
            raise self.fail(name, f"expected the template's name as a string after define, found {name}")
        self.expect_right("define clause")
        saved, self.variables = self.variables, ["$"]
        ended = self.item_list()
        self.variables = saved
        if ended.value != "end":
            raise self.fail(ended, "unexpected {{else}} in {{define}}")

    def item_list(self) -> Token:
        """Nodes up to an {{end}} or {{else}}; returns that keyword's token."""
        while True:
            if self.peek().kind == "eof":
                raise self.fail(self.peek(), "unexpected end of template: an {{if}}, {{range}}, {{with}}, "
                                             "{{block}} or {{define}} has no {{end}}")
            ended = self.action(self.next())
            if ended is not None:
                return ended

    def action(self, left: Token) -> Token | None:
        """One action after its left delimiter; returns the token of an {{end}} or {{else}} (for the caller)."""
        token = self.next_non_space()
        if token.kind == "keyword":
            if token.value in ("end", "else"):
                if token.value == "end":
                    self.expect_right("end")
                return token
            if token.value in ("if", "range", "with"):
                self.control(token.value)
                return None
            if token.value in ("break", "continue"):
                if not self.range_depth:
                    raise self.fail(token, f"{{{{{token.value}}}}} outside {{{{range}}}}")
                self.expect_right(token.value)
                return None
            if token.value in ("template", "block"):
                self.template(token)
                return None
            raise self.fail(token, f"unexpected {token.value!r} in command")
        self.index -= 1
        self.pipeline("command", "right")
        return None

    def expect_right(self, context: str) -> None:
        token = self.next_non_space()
        if token.kind != "right":
            raise self.fail(token, f"unexpected {token} in {context}")

    def template(self, keyword: Token) -> None:
        name = self.next_non_space()
        if name.kind not in ("string", "raw"):
            raise self.fail(name, f"unexpected {name} in {keyword.value} clause: give the template's name as a string")
        if self.peek_non_space().kind != "right":
            self.pipeline(f"{keyword.value} clause", "right")
        else:
            self.next_non_space()
        if keyword.value == "block":
            saved, self.variables = self.variables, ["$"]
            ended = self.item_list()
            self.variables = saved
            if ended.value != "end":
                raise self.fail(ended, "unexpected {{else}} in {{block}}")

    def control(self, context: str) -> None:
        """if/range/with: pipeline, body, optional else (or else if / else with), end; variables scoped to it."""
        scope = len(self.variables)
        self.pipeline(context, "right")
        self.range_depth += context == "range"
        ended = self.item_list()
        self.range_depth -= context == "range"
        if ended.value == "else":
            chained = self.peek_non_space()
            if chained.kind == "keyword" and chained.value == context and context in ("if", "with"):
                self.next_non_space()
                self.control(chained.value)  # {{else if x}}...{{end}} closes both, as in Go
                del self.variables[scope:]
                return
            self.expect_right("else")
            ended = self.item_list()
            if ended.value != "end":
                raise self.fail(ended, f"expected {{{{end}}}}, found a second {{{{else}}}} in this {{{{{context}}}}}")
        del self.variables[scope:]

    def pipeline(self, context: str, end: str) -> None:
        self.declarations(context)
        commands = 0
        while True:
            token = self.next_non_space()
            if token.kind == end:
                if not commands:
                    raise self.fail(token, f"missing value for {context}")
                return
            if token.kind not in ("bool", "char", "dot", "field", "identifier", "number", "nil", "raw", "string",
                                  "variable", "("):
                raise self.fail(token, f"unexpected {token} in {context}")
            self.index -= 1
            first = self.command()
            commands += 1
            if commands > 1 and first in ("bool", "dot", "nil", "number", "string", "raw", "char"):
                raise self.fail(token, f"non executable command in pipeline stage {commands}: {token.value!r} "
                                       "cannot take the value piped into it")

    def declarations(self, context: str) -> None:
        """`$x :=`, `$x =` and range's `$i, $e :=` at the start of a pipeline."""
        declared = 0
        while self.peek_non_space().kind == "variable":
            start = self.index
            variable = self.next_non_space()
            after = self.peek_non_space()
            if after.kind in (":=", "="):
                self.next_non_space()
                self.variables.append(variable.value)
                return
            if after.kind == "," and context == "range" and declared == 0:
                self.next_non_space()
                self.variables.append(variable.value)
                declared += 1
                if self.peek_non_space().kind != "variable":
                    raise self.fail(self.peek_non_space(), "range can only initialize variables")
                continue
            if after.kind == ",":
                raise self.fail(after, f"too many declarations in {context}")
            self.index = start
            return

    def command(self) -> str:
        """Operands up to a pipe, right delimiter or right paren; returns the first operand's kind."""
        first = ""
        while True:
            self.peek_non_space()
            kind = self.operand()
            first = first or (kind or "")
            token = self.next()
            if token.kind == "space":
                continue
            if token.kind in ("right", ")"):
                self.index -= 1
            elif token.kind != "|":
                raise self.fail(token, f"unexpected {token} in operand")
            if not first:
                raise self.fail(token, "empty command")
            return first

    def operand(self) -> str | None:
        kind = self.term()
        if kind is None:
            return None
        if self.peek().kind == "field":
            if kind in ("bool", "string", "raw", "char", "number", "nil", "dot"):
                raise self.fail(self.peek(), f"unexpected {self.peek().value!r} after a {kind}")
            while self.peek().kind == "field":
                self.next()
            return "field"
        return kind

    def term(self) -> str | None:
        token = self.next_non_space()
        if token.kind == "identifier":
            if token.value not in self.functions:
                raise self.fail(token, f"function {token.value!r} not defined{_function_hint(token.value, self.functions)}")
        elif token.kind == "variable":
            if token.value not in self.variables:
                raise self.fail(token, f"undefined variable {token.value!r}{_variable_hint(token.value, self.variables)}")
        elif token.kind == "(":
            self.pipeline("parenthesized pipeline", ")")
        elif token.kind not in ("dot", "nil", "field", "bool", "char", "number", "string", "raw"):
            self.index -= 1
            return None
        return token.kind


def _function_hint(name: str, functions: frozenset[str]) -> str:
    return did_you_mean(name, sorted(functions))


def _variable_hint(name: str, variables: list[str]) -> str:
    return did_you_mean(name, [v for v in variables if v != "$"]) or f" (defined here: {', '.join(variables)})"
