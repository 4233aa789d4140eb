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
