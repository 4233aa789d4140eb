"""The notification templates shipped in the package (mrm_observe/templates/*.tmpl), which the build writes beside
the Alertmanager config and every receiver uses by default (`mrm.title`, `mrm.text`)."""
from __future__ import annotations

from functools import cache
from importlib import resources

SOURCE = "mrm_observe/templates"
"""Where the templates come from, as a generated file's header names it."""


@cache
def templates() -> dict[str, str]:
    """File name -> text of every shipped template, sorted by name."""
    folder = resources.files("mrm_observe").joinpath("templates")
    return {entry.name: entry.read_text() for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".tmpl")}
