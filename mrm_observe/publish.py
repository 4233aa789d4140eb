"""Plan and apply dashboard publishing: write only what changed, never overwrite an edit made in Grafana.

Drift model (no local state file, so a fresh CI runner decides the same way):
every dashboard we publish carries `"mrmObserve": {"hash": ..., "source": ...}` at the top level of its JSON,
where `hash` is the sha256 of the normalised dashboard (without `id`, `version`, panel ids and this marker)
together with its folder uid. Grafana stores dashboard JSON as sent, so on the next publish:
  * remote equals the definition (normalised, same folder)          -> unchanged, nothing is written;
  * remote hash matches the remote content: nobody touched it       -> updated with its version (no blind overwrite);
  * anything else (edited through the UI or another tool, which
    changes the content or drops the marker, or never ours)          -> drift: reported with a diff, left intact,
                                                                        unless --force (backup first, then overwrite).
A 412 on save means someone wrote in between: the dashboard is fetched again and is either already what we
wanted (an earlier try that lost its answer) or drift.

Reading the remote side: on Grafana 12+, which offers the dashboard.grafana.app API, one paged listing carries every
dashboard's JSON, so drift is decided in a few requests; on older Grafana, the search listing says which exist and
each one is read with GET /api/dashboards/uid/:uid at the pool's concurrency. Writes use /api/dashboards/db on both.
See docs/publishing-api.md.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .conventions import MANAGED_TAG, folder_uid
from .errors import ExitCode
from .grafana_api import (DASHBOARD_GROUP, AuthRejected, Conflict, GrafanaClient, GrafanaError, PermissionDenied,
                          ServerError, Unreachable, VersionMismatch, as_legacy)
from .http_client import NotAttempted
from .progress import NoProgress, Progress

MARKER = "mrmObserve"
"""Top-level dashboard key recording what mrm-observe published (Grafana keeps unknown keys as sent)."""
ACTIONS = ("created", "updated", "unchanged", "drift", "pruned", "failed", "would-create", "would-update",
           "would-prune")
ORPHANED = "orphaned"
DIFF_LINES = 80
CHANGED_FIELDS = 20


@dataclass(frozen=True)
class Target:
    """A dashboard to publish: compiled JSON and the folder path (titles, parent first; empty for root)."""

    uid: str
    title: str
    folder: tuple[str, ...]
    dashboard: dict[str, Any]
    source: str = ""

    @property
    def folder_uid(self) -> str:
        return folder_uid(self.folder) if self.folder else ""


@dataclass
class Outcome:
    """What happened to one dashboard."""

    uid: str
    title: str
    folder: str
    action: str
    version: int | None = None
    error: str | None = None
    diff: str | None = None
    backup: str | None = None
    changes: list[str] | None = None
    """With a diff: which fields differ (`title`, `panels[2].targets[0].expr`, `folder`), at most CHANGED_FIELDS."""
    auth_error: bool = False
    attempted: bool = True
    """False when nothing was sent for it: the server had stopped answering."""

    def as_json(self) -> dict[str, Any]:
        return {"uid": self.uid, "title": self.title, "folder": self.folder, "action": self.action,
                "version": self.version, "error": self.error, "diff": self.diff, "backup": self.backup,
                "changes": self.changes}


@dataclass(frozen=True)
class Options:
    dry_run: bool = False
    force: bool = False
    prune: bool = False
    concurrency: int = 16


Backup = Callable[[str, int, dict[str, Any]], str]
"""Saves a remote dashboard (uid, version, JSON) before it is overwritten or deleted; returns where it went."""


log = logging.getLogger(__name__)

LEGACY_READS = "/api/dashboards/uid"
"""PublishResult.reads when each dashboard was read on its own (Grafana without the new dashboard API)."""


@dataclass
class PublishResult:
    outcomes: list[Outcome]
    requests: int
    reads: str = LEGACY_READS
    """How the remote dashboards were read: LEGACY_READS, or the new API's group/version whose listing was used."""
    orphans: list[Outcome] = field(default_factory=list)
    """Without --prune: managed dashboards in our folders that no definition produces any more (action "orphaned";
    search says which, so one made by hand and merely tagged may be among them)."""

    def summary(self) -> dict[str, Any]:
        counts = Counter(o.action for o in self.outcomes)
        return {"total": len(self.outcomes), "counts": {a: counts.get(a, 0) for a in ACTIONS},
                "failed": [o.uid for o in self.outcomes if o.action == "failed"],
                "drift": [o.uid for o in self.outcomes if o.action == "drift"],
                "not_attempted": [o.uid for o in self.outcomes if not o.attempted], "requests": self.requests,
                "reads": self.reads, "orphaned": [o.uid for o in self.orphans]}

    @property
    def exit_code(self) -> ExitCode:
        if any(o.auth_error or not o.attempted for o in self.outcomes):
            return ExitCode.UNAVAILABLE
        if any(o.action in ("failed", "drift") for o in self.outcomes):
            return ExitCode.PUBLISH_FAILED
        return ExitCode.OK


def normalise(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The dashboard without server-owned fields (id, version), panel ids and our marker."""
    out = {k: v for k, v in dashboard.items() if k not in ("id", "version", MARKER)}
    if isinstance(out.get("panels"), list):
        out["panels"] = [_panel(p) for p in out["panels"]]
    return out


def _panel(panel: Any) -> Any:
    if not isinstance(panel, dict):
        return panel
    out = {k: v for k, v in panel.items() if k != "id"}
    if isinstance(out.get("panels"), list):
        out["panels"] = [_panel(p) for p in out["panels"]]
    return out


def _canonical(dashboard: dict[str, Any], folder: str, indent: int | None = None) -> str:
    """Sorted JSON of the folder uid and the normalised dashboard (compact unless indented for a diff)."""
    return json.dumps({"folderUid": folder, "dashboard": normalise(dashboard)}, sort_keys=True, indent=indent,
                      ensure_ascii=False, separators=(",", ": ") if indent else (",", ":"))


def content_hash(dashboard: dict[str, Any], folder: str) -> str:
    """sha256 of the normalised dashboard and its folder uid."""
    return "sha256:" + hashlib.sha256(_canonical(dashboard, folder).encode()).hexdigest()


def marked(target: Target) -> dict[str, Any]:
    """The dashboard as we publish it: compiled JSON plus the marker."""
    return {**target.dashboard, MARKER: {"hash": content_hash(target.dashboard, target.folder_uid),
                                         "source": target.source}}


def changed_fields(remote: dict[str, Any], remote_folder: str, target: Target) -> list[str]:
    """The fields that differ between the dashboard in Grafana and the definition (normalised), as paths, at most
    CHANGED_FIELDS (then `... N more`); `folder` when only the folder differs."""
    found: list[str] = [] if remote_folder == target.folder_uid else ["folder"]
    _differences(normalise(remote), normalise(target.dashboard), "", found)
    return found[:CHANGED_FIELDS] + ([f"... {len(found) - CHANGED_FIELDS} more"] if len(found) > CHANGED_FIELDS else [])


def _differences(old: Any, new: Any, path: str, found: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _differences(old.get(key), new.get(key), f"{path}.{key}" if path else key, found)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new)):
            _differences(a, b, f"{path}[{i}]", found)
    elif old != new:
        found.append(f"{path} ({len(old)} -> {len(new)} items)" if isinstance(old, list) and isinstance(new, list)
                     else path)


def diff(remote: dict[str, Any], remote_folder: str, target: Target, version: int | None) -> str:
    """Unified diff from the dashboard in Grafana to the definition (normalised JSON), at most DIFF_LINES lines."""
    lines = list(difflib.unified_diff(
        _canonical(remote, remote_folder, 2).splitlines(),
        _canonical(target.dashboard, target.folder_uid, 2).splitlines(),
        f"grafana/{target.uid} (version {version})", f"definition/{target.uid}", lineterm="", n=2))
    if len(lines) > DIFF_LINES:
        lines = lines[:DIFF_LINES] + [f"... ({len(lines) - DIFF_LINES} more diff lines)"]
    return "\n".join(lines)


class Publisher:
    """Publishes targets through a GrafanaClient: folders first, then dashboards concurrently, then prune."""

    def __init__(self, client: GrafanaClient, options: Options, backup: Backup,
                 progress: Progress | None = None) -> None:
        self.client, self.options, self.backup = client, options, backup
        self.progress = progress or NoProgress()
        self._wanted: dict[str, str] = {}
        """Each target's canonical JSON by uid, computed while the listings are on the wire."""

    def run(self, targets: list[Target]) -> PublishResult:
        targets = sorted(targets, key=lambda t: (t.folder, t.title, t.uid))
        with ThreadPoolExecutor(max_workers=max(1, self.options.concurrency)) as pool:
            # one listing of every folder and dashboard saves a GET per absent one; the new API's listing, when
            # Grafana has it, carries every dashboard's JSON: both travel at once, the definitions are
            # canonicalised meanwhile
            searching, listing = pool.submit(self.client.search), pool.submit(self._listing)
            self._wanted = {t.uid: _canonical(t.dashboard, t.folder_uid) for t in targets}
            hits, (reads, listed) = searching.result(), listing.result()
            present = {h["uid"]: h for h in hits if h.get("type") == "dash-db"}
            folder_errors = self._ensure_folders(targets, {h["uid"] for h in hits if h.get("type") == "dash-folder"})
            leftovers = self._leftovers(present, targets)
            orphans = [] if self.options.prune else [
                Outcome(h["uid"], h["title"], h.get("folderTitle", ""), ORPHANED) for h in leftovers]
            leftovers = leftovers if self.options.prune else []
            self.progress.start(len(targets) + len(leftovers))

            def blocked(target: Target) -> tuple[str, GrafanaError] | None:
                bad = next((path for path in folder_errors if target.folder[: len(path)] == path), None)
                return folder_errors[bad] if bad else None

            def publish(target: Target) -> Outcome:
                error = blocked(target)
                exists = target.uid in present or target.uid in listed
                outcome = (self._failed(target.uid, target.title, target.folder, *error) if error
                           else self._guard(target.uid, target.title, target.folder,
                                            lambda: self._publish(target, exists, listed.get(target.uid))))
                self.progress.advance()
                return outcome

            def prune(hit: dict[str, Any]) -> Outcome | None:
                outcome = self._guard(hit["uid"], hit["title"], (hit.get("folderTitle", ""),),
                                      lambda: self._prune(hit))
                self.progress.advance()
                return outcome

            # listed dashboards equal to their definition need no request: settle them here, since handing
            # pure computation to threads only adds hand-offs of the interpreter lock
            settled = {t.uid: self._unchanged(t, listed[t.uid]) for t in targets
                       if listed.get(t.uid) is not None and not blocked(t)}
            for _ in filter(None, settled.values()):
                self.progress.advance()
            rest = [t for t in targets if settled.get(t.uid) is None]
            done = dict(zip((t.uid for t in rest), pool.map(publish, rest)))
            outcomes = [settled.get(t.uid) or done[t.uid] for t in targets] + [
                o for o in pool.map(prune, leftovers) if o is not None]
        for outcome in outcomes:
            log.info("%s %s (%s)", outcome.action, outcome.uid, outcome.title)
        return PublishResult(outcomes, self.client.requests, reads, orphans)

    def _unchanged(self, target: Target, remote: dict[str, Any]) -> Outcome | None:
        meta = remote.get("meta") or {}
        if _canonical(remote["dashboard"], meta.get("folderUid") or "") != self._wanted_of(target):
            return None
        return self._outcome(target, "unchanged", meta.get("version", remote["dashboard"].get("version")))

    def _wanted_of(self, target: Target) -> str:
        wanted = self._wanted.get(target.uid)
        return wanted if wanted is not None else _canonical(target.dashboard, target.folder_uid)

    def _listing(self) -> tuple[str, dict[str, dict[str, Any] | None]]:
        """Every dashboard's content from the new API's paged listing, by uid (None for one whose JSON the listing
        could not give, which is then read on its own), when Grafana offers that API; else nothing listed."""
        api = self.client.dashboard_api()
        if api is None:
            return LEGACY_READS, {}
        try:
            resources = self.client.list_dashboards(api)
        except AuthRejected:
            raise
        except GrafanaError as err:
            if err.status is None or err.status >= 500:
                raise
            return LEGACY_READS, {}  # e.g. 403 on the namespace or an expired continue token (410): read each one
        listed = {r["metadata"]["name"]: as_legacy(r) for r in resources
                  if isinstance(r.get("metadata"), dict) and isinstance(r["metadata"].get("name"), str)}
        return f"{DASHBOARD_GROUP}/{api.version}", listed

    def _ensure_folders(self, targets: list[Target], existing: set[str]
                        ) -> dict[tuple[str, ...], tuple[str, GrafanaError]]:
        """Create folders search did not list, parents first (409: it exists after all); a failed folder fails
        every dashboard below it."""
        paths = sorted({t.folder[:i] for t in targets for i in range(1, len(t.folder) + 1)}, key=len)
        errors: dict[tuple[str, ...], tuple[str, GrafanaError]] = {}
        for path in paths:
            if any(path[: len(bad)] == bad for bad in errors):
                continue
            uid, parent = folder_uid(path), folder_uid(path[:-1]) if len(path) > 1 else ""
            if uid in existing or self.options.dry_run:
                continue
            try:
                self.client.create_folder(path[-1], uid, parent)
            except Conflict:
                continue  # created meanwhile by someone else: it exists, which is all we need
            except GrafanaError as err:
                errors[path] = (f"folder {'/'.join(path)!r} ({uid}): {err}", err)
        return errors

    def _guard(self, uid: str, title: str, folder: tuple[str, ...],
               work: Callable[[], Outcome | None]) -> Outcome | None:
        """Run one dashboard's work; a Grafana or backup error fails that dashboard only."""
        try:
            return work()
        except GrafanaError as err:
            return self._failed(uid, title, folder, str(err), err)
        except OSError as err:
            return self._failed(uid, title, folder, f"backup could not be written: {err}", None)

    @staticmethod
    def _failed(uid: str, title: str, folder: tuple[str, ...], message: str, err: GrafanaError | None) -> Outcome:
        return Outcome(uid, title, "/".join(folder), "failed", error=message,
                       auth_error=isinstance(err, (AuthRejected, PermissionDenied)),
                       attempted=not isinstance(err, NotAttempted))

    def _publish(self, target: Target, present: bool, listed: dict[str, Any] | None = None) -> Outcome:
        """Decide from the listed copy when there is one, else from a GET (present) or as absent."""
        remote = listed if listed is not None else self.client.get_dashboard(target.uid) if present else None
        if remote is None:
            return self._outcome(target, "would-create") if self.options.dry_run else self._save(target, None)
        dashboard, meta = remote["dashboard"], remote.get("meta") or {}
        remote_folder, version = meta.get("folderUid") or "", meta.get("version", dashboard.get("version"))
        if _canonical(dashboard, remote_folder) == self._wanted_of(target):
            return self._outcome(target, "unchanged", version)
        change = diff(dashboard, remote_folder, target, version)
        fields = changed_fields(dashboard, remote_folder, target)
        ours = (dashboard.get(MARKER) or {}).get("hash") == content_hash(dashboard, remote_folder)
        if not ours and not self.options.force:
            return self._outcome(target, "drift", version, error=_drift_reason(dashboard, meta, version), diff=change,
                                 changes=fields)
        if self.options.dry_run:
            return self._outcome(target, "would-update", version, diff=change, changes=fields)
        saved = None if ours else self.backup(target.uid, version, dashboard)
        outcome = self._save(target, version, overwrite=not ours)
        outcome.backup = saved
        return outcome

    def _save(self, target: Target, version: int | None, overwrite: bool = False) -> Outcome:
        """Create (version None) or update from `version`; a 412 is resolved by looking again, never retried."""
        body = marked(target) | ({"version": version} if version is not None else {})
        intended = "created" if version is None else "updated"
        try:
            saved = self.client.save_dashboard(body, target.folder_uid, overwrite=overwrite,
                                               message=f"mrm-observe: published from {target.source}"[:500])
        except (Unreachable, ServerError):  # the write may have landed though its answer was lost
            landed = self._read_back(target)
            if landed is None:
                raise
            return self._outcome(target, intended, landed["meta"].get("version"))
        except VersionMismatch:
            remote = self.client.get_dashboard(target.uid) or {"dashboard": {}, "meta": {}}
            dashboard, meta = remote["dashboard"], remote["meta"]
            now = meta.get("version")
            if _canonical(dashboard, meta.get("folderUid") or "") == self._wanted_of(target):
                return self._outcome(target, intended, now)  # an earlier try landed but its answer was lost
            return self._outcome(target, "drift", now, error="changed in Grafana while publishing (412 "
                                 "version-mismatch); not overwritten: rerun to see the diff, or use --force",
                                 diff=diff(dashboard, meta.get("folderUid") or "", target, now))
        return self._outcome(target, intended, saved.get("version"))

    def _read_back(self, target: Target) -> dict[str, Any] | None:
        """The dashboard in Grafana when it is exactly what we meant to write, else None (also when unreadable)."""
        try:
            remote = self.client.get_dashboard(target.uid)
        except GrafanaError:
            return None
        if remote is None or _canonical(remote["dashboard"], remote["meta"].get("folderUid") or "") \
                != self._wanted_of(target):
            return None
        return remote

    def _leftovers(self, present: dict[str, dict[str, Any]], targets: list[Target]) -> list[dict[str, Any]]:
        """Managed dashboards in our folders that no definition produces any more."""
        wanted = {t.uid for t in targets}
        ours = {t.folder_uid for t in targets}
        return sorted((h for h in present.values() if MANAGED_TAG in (h.get("tags") or [])
                       and h.get("folderUid", "") in ours and h["uid"] not in wanted), key=lambda h: h["title"])

    def _prune(self, hit: dict[str, Any]) -> Outcome | None:
        """Delete a leftover that carries our publish record; one edited since is drift (kept unless --force); one
        without the record (made by hand, merely tagged) is not ours and is left alone (None)."""
        folder = hit.get("folderTitle", "")
        remote = self.client.get_dashboard(hit["uid"])
        if remote is None:
            return Outcome(hit["uid"], hit["title"], folder, "pruned")  # gone meanwhile
        dashboard, meta = remote["dashboard"], remote["meta"]
        record, version = dashboard.get(MARKER), meta.get("version")
        if not isinstance(record, dict):
            return None
        if record.get("hash") != content_hash(dashboard, meta.get("folderUid") or "") and not self.options.force:
            return Outcome(hit["uid"], hit["title"], folder, "drift", version,
                           error=f"{_drift_reason(dashboard, meta, version).split(';')[0]}; not pruned: rerun with "
                                 "--force to delete it after a backup")
        if self.options.dry_run:
            return Outcome(hit["uid"], hit["title"], folder, "would-prune", version)
        saved = self.backup(hit["uid"], version, dashboard)
        self.client.delete_dashboard(hit["uid"])
        return Outcome(hit["uid"], hit["title"], folder, "pruned", version, backup=saved)

    @staticmethod
    def _outcome(target: Target, action: str, version: int | None = None, **extra: Any) -> Outcome:
        return Outcome(target.uid, target.title, "/".join(target.folder), action, version, **extra)


def _drift_reason(dashboard: dict[str, Any], meta: dict[str, Any], version: int | None) -> str:
    who = f"last saved by {meta.get('updatedBy', '?')} at {meta.get('updated', '?')}, version {version}"
    why = ("edited in Grafana since mrm-observe published it" if MARKER in dashboard
           else "not published by mrm-observe, or saved from the Grafana UI since (no publish record)")
    return f"{why} ({who}); left intact: rerun with --force to overwrite it after a backup"
