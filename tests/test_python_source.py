"""Python literals of imported text: the value comes back exactly, reads as it was written, lays out the same way."""
import random

import pytest

from mrm_observe.python_source import WIDTH, Name, Source, call, literal

TRICKY = ['"', "'", "\\", "\n", "\t", "\r", "\x00", "\u2028", '"""', "  \n", "é≥", "{{ $value }}", "# c", "x" * 40,
          "\\.", "\\\n", "word " * 12, " "]


def evaluated(source: str) -> object:
    namespace: dict = {}
    exec(f"value = {source}", namespace)  # noqa: S102 - the generated literal is the thing under test
    return namespace["value"]


def test_random_texts_come_back_exactly_and_no_line_ends_in_a_space():
    chooser = random.Random(11)
    for _ in range(5000):
        text = "".join(chooser.choice(TRICKY) for _ in range(chooser.randint(0, 25)))
        for depth, used in ((0, 0), (3, 20), (5, 110)):
            source = literal(text, depth, used)
            assert evaluated(source) == text, (text, source)
            assert all(line == line.rstrip() for line in source.splitlines()), (text, source)


@pytest.mark.parametrize("text, source", [
    ('sum(rate(x{code=~"5.."}[5m]))', "'sum(rate(x{code=~\"5..\"}[5m]))'"),
    ("up == 0", '"up == 0"'),
    ('le=~"1(\\\\.0)?"', "r'le=~\"1(\\\\.0)?\"'"),
    ("(\n  up  # down\n) == 1\n", '"""\\\n(\n  up  # down\n) == 1\n"""'),
    ('x{le=~"1(\\\\.0)?"}\n  > 1\n', 'r"""x{le=~"1(\\\\.0)?"}\n  > 1\n"""'),
    ("ends with a quote\n\"", '"""\\\nends with a quote\n\\""""'),
    ("trailing space \nnext", '"""\\\ntrailing space\\x20\nnext"""'),
], ids=["double quotes inside", "plain", "a regex with backslashes, raw", "lines flush left with the comment",
        "lines with backslashes, raw", "a quote before the closing quotes", "a space ending a line"])
def test_texts_read_as_they_were_written(text, source):
    assert literal(text, 2, 20) == source
    assert evaluated(source) == text


def test_long_text_is_split_at_spaces_within_the_width():
    text = "The cluster state has been HEALTH_ERROR for more than 5 minutes. " * 4
    source = literal(text, 4, 30)
    assert source.startswith("(\n") and source.endswith("\n                )")
    assert all(len(line) <= WIDTH for line in source.splitlines())
    assert evaluated(source) == text


def test_calls_put_one_argument_a_line_and_comments_first():
    inner = Source(call("B", [("x", 1)], 3))
    text = call("A", [("name", "g"), ("items", (inner,)), ("labels", {"a": "1"}), ("reason", Name("WHY"))], 1,
                comments=["not carried: x"])
    assert text == ('A(\n'
                    '        # not carried: x\n'
                    '        name="g",\n'
                    '        items=(\n'
                    '            B(\n'
                    '                x=1,\n'
                    '            ),\n'
                    '        ),\n'
                    '        labels={"a": "1"},\n'
                    '        reason=WHY,\n'
                    '    )')


# --- layout (dashboard modules) ---------------------------------------------------------------------------------
def test_layout_puts_a_call_on_one_line_when_it_fits_else_one_argument_per_line():
    from mrm_observe.python_source import WIDTH, Call, layout
    assert layout(Call("GridPos", kwargs=[("h", 8), ("w", 12), ("x", 0), ("y", 0)])) == "GridPos(h=8, w=12, x=0, y=0)"
    text = layout(Call("Target", kwargs=[("expr", "x" * 100), ("refId", "A")]))
    lines = text.splitlines()
    assert lines[0] == "Target(" and lines[-1] == ")" and all(line.endswith(",") for line in lines[1:-1])
    assert max(len(line) for line in lines) <= WIDTH


def test_layout_writes_texts_as_literal_does_and_they_read_back_exactly():
    import ast

    from mrm_observe.python_source import WIDTH, Call, layout
    spaced = 'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m])) ' * 4
    unspaced = 'rate(x_total{' + ",".join(f'label_{i}="value_{i}"' for i in range(12)) + '}[5m])'
    multi = "avg (\n  rate(a[5m]) /\n  rate(b[5m])\n)\n"
    for value in (spaced, unspaced, multi):
        text = layout([Call("Target", kwargs=[("expr", value)])])
        assert max(len(line) for line in text.splitlines()) <= WIDTH
        assert ast.literal_eval(ast.parse(text).body[0].value.elts[0].keywords[0].value) == value
    assert '"""\\\navg (' in layout(Call("Target", kwargs=[("expr", multi)]))


def test_layout_puts_comments_before_their_list_item_and_names_as_they_are():
    from mrm_observe.python_source import Call, Commented, Name, layout
    text = layout([Commented(Call("Stat", kwargs=[("title", "a")]), ["not carried: x"]), Name("B")])
    assert text == '[\n    # not carried: x\n    Stat(title="a"),\n    B,\n]'


def test_a_laid_out_module_of_imports_and_assignments_runs():
    from mrm_observe.python_source import Call, assignment, imports
    source = imports({"grafanalib.core": {"Table", "Heatmap"}, "mrm_observe": {"Target"}}) + assignment(
        "dashboards", [Call("Dashboard", kwargs=[("title", "t"), ("tags", ["a", "b"]), ("extra", {"k": None})])])
    assert source.startswith("from grafanalib.core import Heatmap, Table\nfrom mrm_observe import Target\n")
    namespace = {"Dashboard": lambda **kw: kw}
    exec(compile(source.split("\n", 2)[2], "<m>", "exec"), namespace)
    assert namespace["dashboards"] == [{"title": "t", "tags": ["a", "b"], "extra": {"k": None}}]
