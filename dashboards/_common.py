"""Shared pieces of the platform dashboards: variables, thresholds, legends and the dashboard shell.

Not a definition module (the leading underscore keeps discovery away); the dashboards import it
relatively: `from ._common import platform_dashboard, variable, ...`.
"""
from __future__ import annotations

from collections.abc import Sequence

from mrm_observe import Annotations, Dashboard, DashboardLink, Template, Templating, Time, firing_alerts

TAGS = ["mrm-platform"]
RATE = "$__rate_interval"

def variable(name: str, query: str, label: str, include_all: bool = True) -> Template:
    """A multi-value query variable with an `All` option, refreshed when the time range changes."""
    return Template(name=name, label=label, query=query, dataSource="Prometheus",
                    includeAll=include_all, multi=include_all, refresh=2, sort=1)


def platform_dashboard(title: str, description: str, panels: list, variables: Sequence[Template] = (),
                       tags: Sequence[str] = (), annotations: Sequence[dict] = ()) -> Dashboard:
    """The common shell: tags, shared crosshair, 1m refresh, last 6 hours, UTC; a menu of the other platform
    dashboards (keeping the time range) and firing critical alerts marked on every graph."""
    return Dashboard(
        title=title, description=description, panels=panels,
        tags=[*TAGS, *tags], graphTooltip=1, refresh="1m", timezone="utc",
        time=Time("now-6h", "now"), templating=Templating(list=list(variables)),
        links=[DashboardLink(title="MRM Platform", type="dashboards", tags=TAGS, asDropdown=True, keepTime=True)],
        annotations=Annotations(list=[firing_alerts("critical"), *annotations]),
    )
