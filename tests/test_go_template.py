"""The Go template checker accepts and refuses what promtool does, and says where and why."""
import re

import pytest
import yaml

from mrm_observe.go_template import TemplateError, check

VALID = [
    "plain text, no action", "{{ $labels.job }}", "{{$labels.instance}} is down", "{{ $value }}",
    "{{ $value | humanize }}", "{{ $value | humanizePercentage }}", "{{ humanizeDuration $value }}",
    "{{ $externalLabels.cluster }}", "{{ $externalURL }}", "{{ .Labels.job }}", "{{ .Value }}", "{{ . }}",
    "{{ if gt $value 1.0 }}high{{ else }}low{{ end }}", "{{ if eq $labels.a \"x\" }}x{{ else if $labels.b }}b{{ end }}",
    '{{ printf "%.2f" $value }}', "{{ printf `%d%%` 3 }}", "{{- $labels.job -}}", "{{/* a comment */}}",
    "{{- /* trimmed comment */ -}}", '{{ range $i, $e := query "up" }}{{ $e.Labels.job }}{{ end }}',
    '{{ range query "up" }}{{ .Labels.job }}{{ break }}{{ end }}', "{{ with $labels.job }}{{ . }}{{ end }}",
    "{{ with $x := 1 }}{{ $x }}{{ end }}", "{{ $x := 1 }}{{ $x }}", "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}",
    '{{ index $labels "some-label" }}', "{{ (1) }}", "{{ (printf \"%s\" $labels.job) | toUpper }}", "{{ -1 }}",
    "{{-1}}", "{{ 0x1F }}", "{{ 1e3 }}", "{{ .5 }}", "{{ 'a' }}", "{{ '\\n' }}", '{{ "a\\tb" }}', "{{ true }}",
    "{{ nil }}", '{{ reReplaceAll "(.*):.*" "$1" $labels.instance }}', "{{ $labels.job | title }}",
    '{{ template "x" }}', '{{ define "x" }}in x{{ end }}{{ template "x" . }}', "{{ 1  -}}", "{{\n$labels.job\n}}",
    "{{ and $labels.a $labels.b }}", '{{ len $labels }}', "{{ stripPort $labels.instance }}", "{{ $ }}",
    '{{ $labels.job }}}', "{ {{ $value }} }", '{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}',
]
INVALID = [
    ("{{ $labels.job }", "1:16", "a single '}'"),
    ("{{ $value | humanise }}", "1:13", "function 'humanise' not defined; did you mean 'humanize'?"),
    ("{{ $lables.job }}", "1:4", "undefined variable '$lables'; did you mean '$labels'?"),
    ("{{ $label.job }}", "1:4", "undefined variable '$label'; did you mean '$labels'?"),
    ("{{ if $value }}x", "1:17", "has no {{end}}"),
    ("x {{ end }}", "1:6", "unexpected {{end}}"),
    ("{{ else }}", "1:4", "unexpected {{else}}"),
    ("{{ $labels.job", "1:1", "unclosed action"),
    ("{{/* comment }}", "1:1", "unclosed comment"),
    ("{{/* comment */ }}", "1:16", "comment ends before closing delimiter"),
    ('{{ "a\\q" }}', "1:6", "invalid escape sequence"),
    ('{{ "abc }}', "1:4", "unterminated quoted string"),
    ("{{ `abc }}", "1:4", "unterminated raw quoted string"),
    ("{{ 'ab' }}", "1:4", "malformed character constant"),
    ("{{ 3 | 4 }}", "1:8", "non executable command in pipeline stage 2"),
    ("{{ $value | 1 }}", "1:13", "non executable command in pipeline stage 2"),
    ("{{ }}", "1:4", "missing value for command"),
    ("{{ ( 1 }}", "1:8", "unclosed left paren"),
    ("{{ 1) }}", "1:5", "unexpected right paren"),
    ("{{ $labels.some-label }}", "1:16", "bad character '-'"),
    ("{{ 1a }}", "1:4", "bad number syntax"),
    ("{{ break }}", "1:4", "{{break}} outside {{range}}"),
    ("{{ with $x := 1 }}{{ end }}{{ $x }}", "1:31", "undefined variable '$x'"),
    ("{{ if }}{{ end }}", "1:7", "missing value for if"),
    ("{{ $a, $b := 1 }}", "1:6", "too many declarations in command"),
    ("{{ template x }}", "1:13", "unexpected 'x' in template clause"),
    ("{{ $value : 1 }}", "1:11", "expected :="),
    ("{{ $value ! }}", "1:11", "unrecognized character in action: '!'"),
    ("{{ 1.humanize }}", "1:4", "bad number syntax"),
    ('{{ "x".y }}', "1:7", "unexpected '.y' after a string"),
    ("{{ if 1 }}{{ else }}{{ else }}{{ end }}", "1:24", "found a second {{else}}"),
    ("line one\n{{ $labels.job }\nline three", "2:16", "a single '}'"),
]
CORPUS = VALID + [text for text, _, _ in INVALID]


@pytest.mark.parametrize("text", VALID)
def test_templates_prometheus_parses_pass(text):
    check(text)


@pytest.mark.parametrize("text, position, message", INVALID)
def test_broken_templates_say_where_and_why(text, position, message):
    with pytest.raises(TemplateError) as caught:
        check(text)
    assert caught.value.position == position
    assert message in caught.value.message


def test_the_checker_agrees_with_promtool_on_every_template(tmp_path, promtool):
    """One rule file with an alert per template: promtool refuses exactly the templates the checker refuses."""
    rules = [{"alert": f"A{i}", "expr": "up == 0", "annotations": {"text": text}} for i, text in enumerate(CORPUS)]
    path = tmp_path / "templates.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}))
    result = promtool.run(["check", "rules", path.name], tmp_path)
    refused = {int(i) for i in re.findall(r"__alert_A(\d+)", result.stdout + result.stderr)}
    ours = set()
    for i, text in enumerate(CORPUS):
        try:
            check(text)
        except TemplateError:
            ours.add(i)
    assert {CORPUS[i] for i in ours ^ refused} == set()
    assert len(refused) == len(INVALID)
