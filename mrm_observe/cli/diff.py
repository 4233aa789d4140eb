"""`mrm-observe diff`: what `publish grafana --prune` and `publish rules` would change, without writing anything."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .. import pipeline_publish as pp
from ..errors import ExitCode
from .common import handle_errors, locator, make_project, project_options
from .servers import ServerOptions, grafana_settings, server_options


@click.command("diff")
@project_options
@server_options("grafana")
@click.option("--org-id", type=int, envvar="GRAFANA_ORG_ID", help="Organisation id (X-Grafana-Org-Id).")
@click.option("--folder", help="Compare as if every dashboard went in this folder (as publish grafana --folder).")
@click.option("--rules-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The folder publish rules installs into: compare the built rule files with it.")
@click.option("--exit-code", "exit_code", is_flag=True, help="Exit 5 when anything would change.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@handle_errors
def diff(sources: tuple[Path, ...], out: Path | None, tests: Path | None, grafana: ServerOptions,
         org_id: int | None, folder: str | None, rules_dir: Path | None, exit_code: bool, as_json: bool) -> None:
    """Show what publishing would change in Grafana and in the rules folder; write nothing."""
    if not grafana.url and rules_dir is None:
        raise click.UsageError("nothing to compare with: pass --grafana-url (or set GRAFANA_URL) and/or --rules-dir")
    settings = grafana_settings(grafana, org_id=org_id, concurrency=16) if grafana.url else None
    result = pp.diff(make_project(sources, out, tests), settings, rules_dir, (folder,) if folder else None, locator())
    url = pp.public_url(settings.url) if settings else None
    if as_json:
        click.echo(json.dumps(_document(result, url, rules_dir), indent=2))
    else:
        _print(result, url, rules_dir)
    if exit_code and result.changes:
        sys.exit(ExitCode.CHECK_FAILED)


def _document(result: pp.Diff, url: str | None, rules_dir: Path | None) -> dict[str, Any]:
    dashboards = result.dashboards()
    grafana = None if result.grafana is None else {
        "url": url, "dashboards": dashboards, "requests": result.grafana.requests,
        "summary": {change: sum(d["change"] == change for d in dashboards)
                    for change in ("created", "changed", "unchanged", "orphaned", "failed")}}
    rules = None if result.rules is None else {
        "dir": str(rules_dir), "added": result.rules.added,
        "changed": [{"file": name, "diff": text} for name, text in result.rules.changed.items()],
        "unchanged": result.rules.unchanged, "removed": result.rules.removed}
    return {"changes": result.changes, "grafana": grafana, "rules": rules}


def _print(result: pp.Diff, url: str | None, rules_dir: Path | None) -> None:
    document = _document(result, url, rules_dir)
    if document["grafana"] is not None:
        click.echo(f"Grafana {url}:")
        for entry in document["grafana"]["dashboards"]:
            if entry["change"] == "unchanged":
                continue
            where = f"{entry['folder']}/{entry['title']}" if entry["folder"] else entry["title"]
            edited = "  (edited in Grafana: publish refuses it without --force)" if entry["edited"] else ""
            click.echo(f"  {entry['change']:<9} {entry['uid']}  {where}{edited}")
            if entry["changes"]:
                click.echo(f"            fields: {', '.join(entry['changes'])}")
            if entry["error"] and entry["change"] == "failed":
                click.echo(f"            {entry['error']}")
        click.echo("  " + ", ".join(f"{n} {change}" for change, n in document["grafana"]["summary"].items()))
    if document["rules"] is not None:
        rules = document["rules"]
        click.echo(f"rules folder {rules_dir}:")
        for label, names in (("added", rules["added"]), ("removed", rules["removed"])):
            for name in names:
                click.echo(f"  {label:<9} {name}")
        for changed in rules["changed"]:
            click.echo(f"  changed   {changed['file']}")
            click.echo("\n".join(f"    {line}" for line in changed["diff"].splitlines()))
        click.echo(f"  {len(rules['added'])} added, {len(rules['changed'])} changed, {len(rules['unchanged'])} "
                   f"unchanged, {len(rules['removed'])} removed")


COMMANDS = (diff,)
