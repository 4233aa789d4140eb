"""YAML people hand us is read within bounds: size, encoding and alias expansion."""
from __future__ import annotations

import pytest

from mrm_observe import yaml_input
from mrm_observe.yaml_input import YAMLInputError, load, load_all


def billion_laughs(levels: int) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        previous, current = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{current}: &{current} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_file_is_refused_at_once(tmp_path):
    path = tmp_path / "slo.yml"
    path.write_text(billion_laughs(10))
    with pytest.raises(YAMLInputError, match="expands to more than 1000000 values through aliases"):
        load_all(path)


def test_a_few_honest_aliases_are_fine(tmp_path):
    path = tmp_path / "slo.yml"
    path.write_text(billion_laughs(3))
    assert len(load(path)["c"]) == 9


def test_a_file_over_the_size_bound_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(yaml_input, "MAX_BYTES", 10)
    path = tmp_path / "big.yml"
    path.write_text("a: 12345678901\n")
    with pytest.raises(YAMLInputError, match="is 15 bytes; YAML inputs are read up to 10 bytes"):
        load(path)


def test_a_file_that_is_not_utf8_says_so(tmp_path):
    path = tmp_path / "latin1.yml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(YAMLInputError, match=r"is not UTF-8 text \(invalid byte at offset 9\)"):
        load(path)


def test_broken_yaml_is_a_yaml_input_error(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("a: [1, 2\n")
    with pytest.raises(YAMLInputError, match="is not valid YAML"):
        load(path)


def test_empty_documents_are_skipped_and_several_are_refused_where_one_is_expected(tmp_path):
    path = tmp_path / "two.yml"
    path.write_text("---\na: 1\n---\n---\nb: 2\n")
    assert load_all(path) == [{"a": 1}, {"b": 2}]
    with pytest.raises(YAMLInputError, match="holds 2 YAML documents; expected one"):
        load(path)


def test_as_written_keeps_every_scalar_as_its_text_like_gos_decoder_into_a_string(tmp_path):
    from mrm_observe import yaml_input
    text = (b"defaults: &d {team: core, tier: 1}\n"
            b"labels:\n  <<: *d\n  tier: 2\n  ratio: 1.0\n  on: yes\n  hex: 0x1F\n  when: 2024-01-01\n  none: ~\n"
            b"  quoted: '007'\n")
    (doc,) = yaml_input.documents(text, as_written=True)
    assert doc["labels"] == {"tier": "2", "ratio": "1.0", "on": "yes", "hex": "0x1F", "when": "2024-01-01",
                             "none": "", "quoted": "007", "team": "core"}
    assert yaml_input.documents(text)[0]["labels"]["hex"] == 31  # what PyYAML alone would make of it


def test_as_written_refuses_a_key_given_twice_as_prometheus_does():
    from mrm_observe import yaml_input
    with pytest.raises(yaml_input.YAMLInputError, match="key 'expr' is given twice"):
        yaml_input.documents(b"rules:\n- expr: up\n  expr: down\n", as_written=True)
