"""Every example in README.md and docs/*.md runs verbatim in a scratch copy of the project (tests/doc_examples.py
holds the convention: commands, files, Python snippets, outputs, copies of repository files, examples not run)."""
from __future__ import annotations

import pytest

import doc_examples
from doc_examples import PAGES, ROOT, examples, run_page


@pytest.mark.parametrize("page", PAGES)
def test_every_example_of_the_page_runs_verbatim(page, ran_page):
    ran_page(page)


@pytest.mark.parametrize("page", PAGES)
def test_examples_not_run_say_why_and_those_run_elsewhere_name_a_test_that_runs_them(page):
    for example in examples(page):
        if example.kind == "not run":
            assert len(example.arg.split()) >= 2, f"{example.id}: say why it is not run"
        if example.kind == "run by":
            test = ROOT / example.arg
            assert test.is_file() and page in test.read_text() and "doc_examples" in test.read_text(), example.id


@pytest.mark.parametrize("text, kinds", [
    ("```bash\nls\n```\n", ["commands"]),
    ("```python\n# slo/a.py\nslos = []\n```\n", ["file"]),
    ("```python\nimport mrm_observe\n```\n", ["python"]),
    ("```json\n{}\n```\n", ["unmarked"]),
    ("```bash\necho hi\n```\n\n<!-- example: output -->\n```text\nhi\n```\n", ["commands", "output"]),
    ("<!-- example: not run: needs a server -->\n```bash\nmrm-observe report\n```\n", ["not run"]),
    ("<!-- example: file a.csv -->\n```text\na,b\n```\n", ["file"]),
    ("- a list item:\n\n  ```toml\n  [tool.x]\n  ```\n", ["unmarked"]),
], ids=["bash", "file", "snippet", "unmarked json", "output", "not run", "marked file", "indented"])
def test_the_convention_classifies_each_block(text, kinds):
    assert [e.kind for e in examples("x.md", text)] == kinds


@pytest.mark.parametrize("page, message", [
    ("```bash\necho hello\n```\n<!-- example: output -->\n```text\nhello, world\n```\n",
     "the commands print otherwise"),
    ("```bash\ncd tour\n```\n", "exit 1"),
    ("<!-- example: same as pyproject.toml -->\n```toml\n[project]\n```\n", "differs from pyproject.toml"),
    ("```bash\nls\n```\n```python\n# slo/a.py\nslos = []\n```\n", "no command block after them uses"),
], ids=["wrong output", "failing command", "stale copy", "a file nothing runs"])
def test_an_example_that_does_not_hold_fails(tmp_path, page, message):
    with pytest.raises(AssertionError, match=message):
        run_page("x.md", tmp_path / "project", examples("x.md", page))


@pytest.mark.parametrize("shown, ok", [("a\nb", True), ("a\n...", True), ("...\nb", True), ("a\n...\nc", False),
                                       ("a ... b", False), ("...", True), ("a\nb\nc", False)],
                         ids=["same", "tail elided", "head elided", "wrong line after", "not within a line",
                              "all elided", "a line too many"])
def test_an_output_example_may_elide_text_with_three_dots(shown, ok):
    assert doc_examples.shows(shown, "a  \nb\n\n") is ok


def test_commands_carry_the_folder_and_exports_over_to_the_next_block(tmp_path):
    page = ("```bash\nmkdir sub && cd sub\nexport GREETING=hi\n```\n"
            "```bash\necho \"$GREETING from $(basename $PWD)\"\n```\n")
    session = run_page("x.md", tmp_path / "project", examples("x.md", page))
    assert session.outputs == {"x.md:1": "", "x.md:5": "hi from sub\n"}
