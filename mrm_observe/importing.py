"""What importing one file gives: Python modules for the project's definition folders, and what could not be
carried over (never dropped silently)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Imported:
    """One Python module made from (part of) an imported file."""

    folder: str
    """The definition folder it belongs in: "dashboards", "alerts" or "slo"."""
    name: str
    """The module's file name without `.py` (a valid Python module name)."""
    source: str
    """The module's Python text, formatted deterministically."""
    notes: tuple[str, ...] = ()
    """What could not be carried, one line each naming the object and field (also a comment at that place)."""
