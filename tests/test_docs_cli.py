"""docs/cli.md is the CLI reference: every command has a section naming each of its options, and the exit code
table is ExitCode."""
import re
from pathlib import Path

import click
import pytest

from mrm_observe.cli import main
from mrm_observe.errors import ExitCode

DOC = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
SECTION = re.compile(r"^### `mrm-observe ([a-z0-9 ]+)`\n(.*?)(?=^#{2,3} |\Z)", re.M | re.S)
SECTIONS = {name: body for name, body in SECTION.findall(DOC)}
SHARED = {
    "--source": "## Project options", "--out": "## Project options", "--tests": "## Project options",
    **{opt: "## Server options" for opt in ("--grafana-url", "--prometheus-url", "--token-file", "--ca-file",
                                            "--insecure", "--timeout", "--retries", "--backoff",
                                            "--prometheus-token-file", "--header", "--alertmanager-url",
                                            "--alertmanager-token-file")},
}
"""Options documented once in a shared section, which the command's section must point to."""


def leaf_commands(group: click.Group = main, prefix: str = "") -> dict[str, click.Command]:
    found = {}
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
        if isinstance(command, click.Group):
            found.update(leaf_commands(command, f"{prefix}{name} "))
        else:
            found[prefix + name] = command
    return found


COMMANDS = leaf_commands()


def test_every_command_has_a_section_and_nothing_else_does():
    assert set(SECTIONS) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_section_names_each_option(name):
    body = SECTIONS[name]
    for param in COMMANDS[name].params:
        for option in (o for o in param.opts if o.startswith("--")):
            if option in SHARED:
                assert SHARED[option].removeprefix("## ").lower() in body.lower(), (name, option)
                assert option in DOC.split(SHARED[option], 1)[1].split("\n## ", 1)[0], option
            else:
                assert f"`{option}" in body, (name, option)


def test_the_exit_code_table_is_exit_code():
    table = DOC.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    assert [int(code) for code in re.findall(r"^\| (\d) \|", table, re.M)] == [int(c) for c in ExitCode]
