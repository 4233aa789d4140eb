"""Alertmanager matchers: parsed, written and matched as Alertmanager 0.25 does (pkg/labels)."""
import pytest

from mrm_observe.matchers import parse, parse_one, quote, split


@pytest.mark.parametrize("text, written", [
    ('severity="critical"', 'severity="critical"'),
    ("severity=critical", 'severity="critical"'),
    ('  service =~ "api|web"  ', 'service=~"api|web"'),
    ('team!=""', 'team!=""'),
    ("team=", 'team=""'),
    ('quote="she said \\"hi, there\\""', 'quote="she said \\"hi, there\\""'),
    ('path="a\\\\b"', 'path="a\\\\b"'),
    ('odd="a\\qb"', 'odd="a\\\\qb"'),
    ('line="a\\nb"', 'line="a\\nb"'),
])
def test_a_matcher_reads_and_writes_back_as_alertmanager_quotes_it(text, written):
    assert str(parse_one(text)) == written
    assert str(parse_one(written)) == written


def test_values_are_unescaped_like_alertmanager():
    assert parse_one('q="a\\"b"').value == 'a"b'
    assert parse_one('p="a\\\\b"').value == "a\\b"
    assert parse_one('n="a\\nb"').value == "a\nb"
    assert parse_one('s="a\\qb"').value == "a\\qb"  # a spurious escape keeps its backslash


def test_several_matchers_in_one_string_split_outside_quotes():
    assert split('{a="1, 2", b!=c}') == ['a="1, 2"', " b!=c"]
    assert [str(m) for m in parse('{a="1, 2", b!=c,}')] == ['a="1, 2"', 'b!="c"']


@pytest.mark.parametrize("text, reason", [
    ("severity", "is not a matcher"),
    ("9x=1", "is not a matcher"),
    ('a="x"y"', "unescaped double quote"),
    ('a="open', "does not close"),
    ('a=~"("', "not a valid regular expression"),
    ('a=~"(?=x)"', "RE2 does not have"),
    ('a=~"(x)\\1"', "RE2 does not have"),
    ("", "no matcher"),
])
def test_bad_matchers_say_what_is_wrong(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse(text)


@pytest.mark.parametrize("matcher, labels, expected", [
    ('severity="critical"', {"severity": "critical"}, True),
    ('severity="critical"', {"severity": "warning"}, False),
    ('severity="critical"', {}, False),
    ('team!="x"', {}, True),  # a missing label is the empty string
    ('team=""', {}, True),
    ('team=""', {"team": "a"}, False),
    ('service=~"api|web"', {"service": "web"}, True),
    ('service=~"api|web"', {"service": "webapp"}, False),  # anchored at both ends
    ('service=~"api|web"', {"service": "my-api"}, False),
    ('service=~".*"', {}, True),
    ('service=~".+"', {}, False),
    ('service!~"api.*"', {"service": "apigw"}, False),
    ('service!~"api.*"', {}, True),
    ('code=~"5\\\\d\\\\d"', {"code": "503"}, True),
    ('code=~"5\\\\d\\\\d"', {"code": "5٣3"}, False),  # \\d is ASCII, as in RE2
    ('msg=~"a.b"', {"msg": "a\nb"}, False),  # . does not match a line feed, as in RE2
    ('msg=~"x"', {"msg": "x\n"}, False),  # no match before a trailing line feed, unlike Python's $
])
def test_matching_follows_alertmanager(matcher, labels, expected):
    assert parse_one(matcher).matches(labels) is expected


def test_quote_escapes_what_alertmanager_unescapes():
    for value in ['plain', 'with "quotes"', "back\\slash", "line\nfeed", "", "ünïcode, commas"]:
        assert parse_one(f"x={quote(value)}").value == value
