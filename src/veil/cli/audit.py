"""``veil audit``: verify, export and list the tamper-evident audit log.

The log is the catalog's ``audit_log`` table (``<workspace>/catalog.db``, or
``VEIL_DATABASE_URL``), an HMAC chain under the audit key (``VEIL_AUDIT_KEY``, else
``<workspace>/audit.key``). See :mod:`veil.audit.chain`.

``veil catalog upgrade`` (the catalog's migrations) lives here too: one small command.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from veil.cli.main import _workspace, app, err, guarded, out
from veil.errors import ConfigError

if TYPE_CHECKING:
    from veil.audit import CatalogAuditLog

CHAIN_BROKEN = 8
"""The exit code of ``veil audit verify`` when the chain is broken."""

audit_app = typer.Typer(
    no_args_is_help=True,
    help="The tamper-evident audit log: verify its hash chain, export it, list entries.",
)
catalog_app = typer.Typer(no_args_is_help=True, help="The catalog database: its migrations.")
app.add_typer(audit_app, name="audit")
app.add_typer(catalog_app, name="catalog")

Workspace = Annotated[
    Path | None,
    typer.Option(
        help="Workspace folder holding the catalog and the audit key (default .veil or VEIL_WORKSPACE)."
    ),
]


def workspace_audit_log(workspace: Path, *, generate_key: bool = True) -> CatalogAuditLog:
    """The workspace's audit log, telling the user (stderr) when its key was generated or an
    old ``audit.jsonl`` was imported. Every command that records to the log opens it here."""
    from veil.audit import open_audit_log
    from veil.audit.chain import LEGACY_FILE

    log = open_audit_log(workspace, generate_key=generate_key)
    if log.key is not None and log.key.origin == "generated":
        err.print(
            f"[yellow]warning:[/] no audit key configured: generated audit key {log.key.kid} into "
            f"{log.key.path} (mode 0600). Set VEIL_AUDIT_KEY for real use (whoever can rewrite "
            "the log and read this file can rewrite the chain); keep this key, or the log "
            "cannot be verified.",
            highlight=False,
        )
    if log.imported:
        err.print(
            f"imported {log.imported} entries of {workspace / LEGACY_FILE} into the audit log "
            f"(the file is kept, renamed {LEGACY_FILE}.imported-…)",
            highlight=False,
        )
    return log


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--since {value!r} is not an ISO 8601 date or time (2026-11-22, "
            "2026-11-22T10:00:00+01:00); a time without an offset is UTC"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


@audit_app.command("verify")
@guarded
def audit_verify(workspace: Workspace = None) -> None:
    """Check the hash chain: every entry present, in order, unmodified, written with the key."""
    with workspace_audit_log(_workspace(workspace), generate_key=False) as log:
        result = log.verify()
        kid = log.key.kid if log.key else "-"
    if not result.ok:
        err.print(
            f"[bold red]audit chain broken[/] at entry {result.first_bad_seq}: {result.reason} "
            f"({result.entries} entries checked)",
            highlight=False,
        )
        raise typer.Exit(code=CHAIN_BROKEN)
    head = (
        f"; head: seq {result.last_seq}, hash {result.last_hash} (note it elsewhere: a later "
        "truncation would remove it)"
        if result.last_seq is not None
        else ""
    )
    out.print(
        f"{result.entries} entries, chain intact (audit key {kid}){head}",
        highlight=False,
        markup=False,
    )


@audit_app.command("export")
@guarded
def audit_export(
    output: Annotated[
        Path | None, typer.Option(help="File to write (mode 0600); default standard output.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="Only entries at or after this ISO 8601 date or time (UTC unless it says)."
        ),
    ] = None,
    workspace: Workspace = None,
) -> None:
    """Write the entries with their hashes as JSON lines (the export is itself audited)."""
    when = _since(since)
    with workspace_audit_log(_workspace(workspace)) as log:
        count = log.export(output if output is not None else "-", since=when)
    where = str(output) if output is not None else "standard output"
    err.print(f"exported {count} entries to {where}", highlight=False)


@audit_app.command("list")
@guarded
def audit_list(
    limit: Annotated[int, typer.Option(help="Show the newest N entries.")] = 20,
    action: Annotated[
        str | None, typer.Option(help="Only entries of this action (reveal, budget.set, …).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the entries as JSON.")] = False,
    workspace: Workspace = None,
) -> None:
    """Show the newest entries, oldest first."""
    if limit < 1:
        raise ConfigError("--limit must be ≥ 1")
    with workspace_audit_log(_workspace(workspace), generate_key=False) as log:
        entries = log.entries(action=action, limit=limit)
    if as_json:
        doc = [e.to_dict() for e in entries]
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table("seq", "at (UTC)", "actor", "action", "target", "details", title="audit log")
    for e in entries:
        table.add_row(
            str(e.seq),
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.action,
            json.dumps(e.target, ensure_ascii=False, default=str),
            json.dumps(e.details, ensure_ascii=False, default=str),
        )
    out.print(table, highlight=False, markup=False)


@catalog_app.command("upgrade")
@guarded
def catalog_upgrade(workspace: Workspace = None) -> None:
    """Migrate the catalog database to this veil's newest revision (opening it does too)."""
    from veil.catalog.db import catalog_url, current_revision, make_engine, upgrade

    engine = make_engine(catalog_url(_workspace(workspace)))
    try:
        before = current_revision(engine)
        after = upgrade(engine)
        where = engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()
    was = "already at head" if before == after else f"was {before or 'empty'}"
    out.print(f"catalog {where}: revision {after} ({was})", highlight=False, markup=False)
