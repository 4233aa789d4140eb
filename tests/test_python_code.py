"""Generated Python is valid, reads like black's output and is the same text every time."""
import ast

from mrm_observe.python_code import WIDTH, Call, Commented, Name, assignment, code, imports, string


def test_strings_prefer_double_quotes_and_escape_what_they_must():
    assert string("up") == '"up"'
    assert string('a{b="c"}') == "'a{b=\"c\"}'"
    assert string("it's \"x\"") == "'it\\'s \"x\"'"
    for text in ("up", 'a{b="c"}', "it's \"x\"", "tab\there", "\\d+", "ünï"):
        assert ast.literal_eval(string(text)) == text


def test_values_fit_on_one_line_or_break_one_item_per_line_with_trailing_commas():
    short = Call("GridPos", kwargs=[("h", 8), ("w", 12), ("x", 0), ("y", 0)])
    assert code(short) == "GridPos(h=8, w=12, x=0, y=0)"
    long = Call("Target", kwargs=[("expr", "x" * 100), ("refId", "A")])
    text = code(long)
    assert text.splitlines()[0] == "Target(" and text.splitlines()[-1] == ")"
    assert all(line.endswith(",") for line in text.splitlines()[1:-1])
    assert all(len(line) <= WIDTH for line in text.splitlines())


def test_long_and_multi_line_strings_split_into_adjacent_literals_that_read_back_exactly():
    query = "sum by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m])) " * 4
    multi = "avg (\n  rate(a[5m]) /\n  rate(b[5m])\n)\n"
    for value in (query, multi):
        text = code(Call("Target", kwargs=[("expr", value)]))
        assert all(len(line) <= WIDTH for line in text.splitlines())
        assert ast.literal_eval(ast.unparse(ast.parse(text).body[0].value.keywords[0].value)) == value


def test_comments_go_before_their_list_item():
    text = code([Commented(Call("Stat", kwargs=[("title", "a")]), ["not carried: x"]), Name("B")])
    assert text == '[\n    # not carried: x\n    Stat(title="a"),\n    B,\n]'


def test_a_module_of_assignments_and_imports_parses():
    source = imports({"grafanalib.core": {"Table", "Heatmap"}, "mrm_observe": {"Target"}}) + assignment(
        "dashboards", [Call("Dashboard", kwargs=[("title", "t"), ("tags", ["a", "b"]), ("extra", {"k": None})])])
    assert source.startswith("from grafanalib.core import Heatmap, Table\nfrom mrm_observe import Target\n")
    namespace = {"Dashboard": lambda **kw: kw, "Table": 0, "Heatmap": 0, "Target": 0}
    exec(compile(source.split("\n", 2)[2], "<m>", "exec"), namespace)
    assert namespace["dashboards"] == [{"title": "t", "tags": ["a", "b"], "extra": {"k": None}}]
