"""Dashboards read from a running Grafana for `mrm-observe import --grafana-url`, through the client publishing uses
(`grafana_api`: the same settings, retries, TLS and redaction): by uid, every dashboard of a folder, or all."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import DefinitionError, Problem
from .grafana_api import GrafanaClient, public_url
from .import_dashboards import import_dashboards
from .importing import Imported


def pull_dashboards(client: GrafanaClient, uids: Sequence[str] = (), folder: str | None = None,
                    everything: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """(uid, Grafana's answer `{"dashboard": ..., "meta": ...}`) for the dashboards asked for: the given uids in
    their order, or those of the folder titled `folder`, or all (`everything`), by title. Exactly one way must be
    chosen. DefinitionError names every uid or the folder that Grafana does not have."""
    if sum((bool(uids), folder is not None, everything)) != 1:
        raise ValueError("choose dashboards by uids, by folder or all of them, one way only")
    where = public_url(client.url)
    if not uids:
        uids = _listed(client, folder, where)
    pulled, problems = [], []
    for uid in dict.fromkeys(uids):
        answer = client.get_dashboard(uid)
        if answer is None:
            problems.append(Problem(where, f"dashboard uid {uid!r}", "", "Grafana has no dashboard with this uid"))
        else:
            pulled.append((uid, answer))
    if problems:
        raise DefinitionError(problems)
    return pulled


def _listed(client: GrafanaClient, folder: str | None, where: str) -> list[str]:
    """Uids of every dashboard, or of those in the folders titled `folder`, in title order."""
    if folder is None:
        return [hit["uid"] for hit in client.search(type="dash-db")]
    folders = [hit for hit in client.search(type="dash-folder") if hit.get("title") == folder]
    if not folders:
        titles = sorted({str(hit.get("title")) for hit in client.search(type="dash-folder")})
        raise DefinitionError([Problem(where, f"folder {folder!r}", "", "Grafana has no folder of this title"
                                       + (f" (it has {', '.join(repr(t) for t in titles)})" if titles else ""))])
    hits = client.search(type="dash-db", folderUIDs=",".join(sorted(f["uid"] for f in folders)))
    return [hit["uid"] for hit in hits]


def import_pulled(client: GrafanaClient, uids: Sequence[str] = (), folder: str | None = None,
                  everything: bool = False) -> list[Imported]:
    """The pulled dashboards as definition modules, each named after its dashboard and in its Grafana folder."""
    return import_dashboards(public_url(client.url), [answer for _, answer in pull_dashboards(client, uids, folder,
                                                                                             everything)])
