"""A Prometheus query of a panel: grafanalib's Target with Grafana's defaults.

grafanalib's `Target` always sets `intervalFactor` 2 and `step` 10, which the compiler drops as a pair; this one
leaves them (and `exemplar` and `range`, which grafanalib cannot set) unset unless given, so an imported
dashboard's queries keep exactly what they had.
"""
from __future__ import annotations

from typing import Any

import attr
from grafanalib import core


@attr.s
class Target(core.Target):
    """grafanalib's Target; intervalFactor, step, exemplar and range are unset unless given."""

    intervalFactor: int | None = attr.ib(default=None)
    step: int | None = attr.ib(default=None)
    exemplar: bool | None = attr.ib(default=None)
    range: bool | None = attr.ib(default=None)

    def to_json_data(self) -> dict[str, Any]:
        return {**super().to_json_data(), "exemplar": self.exemplar, "range": self.range}
