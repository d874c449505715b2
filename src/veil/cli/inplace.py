"""``veil inplace``: anonymize an existing table where it lives, restore and list its backups.

Targets are URIs (:mod:`veil.inplace.targets`): ``duckdb:///file.duckdb?table=users``,
``postgresql://user@host/db?table=schema.users``, ``parquet:///dir`` (or a plain path),
``delta:///dir``. Only the target's reference without credentials is printed or recorded.
Every run, restore and drop is recorded in the workspace's audit log, which is opened first:
no change the log cannot record.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from veil.cli.main import _keyring, _reference_date, _workspace, app, err, guarded, out

inplace_app = typer.Typer(
    no_args_is_help=True,
    help="Anonymize existing tables where they live (DuckDB, PostgreSQL, Parquet, Delta Lake), "
    "with a verified backup; restore and list backups.",
)
app.add_typer(inplace_app, name="inplace")

TargetArg = Annotated[
    str,
    typer.Argument(
        help="duckdb:///FILE?table=T, postgresql://USER@HOST:PORT/DB?table=SCHEMA.T, "
        "parquet:///DIR (or a plain path), delta:///DIR."
    ),
]
BackupOpt = Annotated[
    str,
    typer.Option(
        "--backup",
        help="The backup's reference, as `veil inplace backups` lists it (Delta: version:N).",
    ),
]
Workspace = Annotated[
    Path | None,
    typer.Option(
        help="Workspace folder holding the audit log and the key (default .veil or VEIL_WORKSPACE)."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _policy(ref: str) -> Any:
    from veil.policy.loader import BUILTIN, load_policy

    return load_policy(f"builtin:{ref}" if ref in BUILTIN else ref)


@contextlib.contextmanager
def _opened(target: str, workspace: Path | None) -> Iterator[tuple[Any, Any]]:
    """The workspace's audit log (first: nothing changes that it cannot record), then the
    target."""
    from veil.cli.audit import workspace_audit_log
    from veil.inplace import open_target

    with workspace_audit_log(_workspace(workspace)) as audit, open_target(target) as opened:
        yield opened, audit


@inplace_app.command("run")
@guarded
def inplace_run(
    target: TargetArg,
    policy: Annotated[
        str,
        typer.Option(
            help="Policy YAML, or a built-in: randomuser, fakerapi, events. It must fit the "
            "table's columns."
        ),
    ],
    reference_date: Annotated[
        str | None,
        typer.Option(help="Date ages are measured at (YYYY-MM-DD; default today, UTC)."),
    ] = None,
    workspace: Workspace = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            help="Master key file (default VEIL_MASTER_KEY, VEIL_KEY_FILE, or the workspace key)."
        ),
    ] = None,
    no_keep_backup: Annotated[
        bool,
        typer.Option(
            "--no-keep-backup",
            help="Drop the backup after a verified success (a Delta version stays in its history).",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Transform every row and report the counts; change nothing."
        ),
    ] = False,
    as_json: AsJson = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Back up the table, verify the backup, anonymize every row under the policy and swap the
    result in atomically; on any failure the backup is put back (verified)."""
    from veil.cli.render import RichProgress
    from veil.inplace import anonymize_in_place
    from veil.keys.vault import needs_vault, open_workspace_vault

    loaded = _policy(policy)
    when = _reference_date(reference_date)
    ws = _workspace(workspace)
    keyring = _keyring(ws, key_file)
    with contextlib.ExitStack() as stack:
        opened, audit = stack.enter_context(_opened(target, workspace))
        vault = None
        if needs_vault(loaded):
            vault = open_workspace_vault(ws, keyring)
            stack.callback(vault.close)
        console = Console(stderr=True, quiet=quiet or as_json)
        progress = stack.enter_context(RichProgress(console))
        result = anonymize_in_place(
            opened,
            loaded,
            keyring,
            reference_date=when,
            dry_run=dry_run,
            keep_backup=not no_keep_backup,
            progress=progress,
            audit=audit,
            vault=vault,
        )
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        return
    what = "dry run of" if result.dry_run else "anonymized in place:"
    out.print(
        f"{what} {result.target}: {result.rows_in:,} rows in, {result.rows_out:,} out "
        f"({result.suppressed:,} suppressed); policy {result.policy['name']} "
        f"{result.policy['hash'][:12]}…, key {result.key_id}; "
        f"{len(result.columns_before)} columns → {len(result.columns_after)}",
        highlight=False,
        markup=False,
    )
    out.print(
        f"checksum before {result.checksum_before}"
        + (f", after {result.checksum_after}" if result.checksum_after else ""),
        highlight=False,
        markup=False,
    )
    if result.backup is None:
        out.print("dry run: nothing was changed and no backup taken", highlight=False)
    elif result.backup_kept:
        out.print(
            f"backup: {result.backup.ref} (verified; undo with: veil inplace restore "
            f"{result.target} --backup {result.backup.ref})",
            highlight=False,
            markup=False,
        )
    else:
        out.print(f"backup {result.backup.ref} dropped", highlight=False, markup=False)


@inplace_app.command("restore")
@guarded
def inplace_restore(target: TargetArg, backup: BackupOpt, workspace: Workspace = None) -> None:
    """Put a backup back in the table's place (atomically) and verify it; the backup stays."""
    from veil.inplace import restore_backup

    with _opened(target, workspace) as (opened, audit):
        restored = restore_backup(opened, backup, audit=audit)
        ref = opened.ref
    out.print(
        f"restored {ref} from backup {restored.ref}: {restored.rows:,} rows, checksum "
        f"{restored.checksum} (verified)",
        highlight=False,
        markup=False,
    )


@inplace_app.command("backups")
@guarded
def inplace_backups(target: TargetArg, as_json: AsJson = False) -> None:
    """List veil's backups of the table, oldest first."""
    from veil.inplace import open_target

    with open_target(target) as opened:
        found = opened.backups()
        ref = opened.ref
    if as_json:
        sys.stdout.write(json.dumps([b.to_dict() for b in found], indent=2) + "\n")
        return
    if not found:
        out.print(f"no veil backups of {ref}", highlight=False, markup=False)
        return
    table = Table("backup", "taken (UTC)", "rows", "checksum", title=f"backups of {ref}")
    for b in found:
        table.add_row(b.ref, b.created, f"{b.rows:,}", b.checksum)
    out.print(table, highlight=False, markup=False)


@inplace_app.command("drop-backup")
@guarded
def inplace_drop_backup(target: TargetArg, backup: BackupOpt, workspace: Workspace = None) -> None:
    """Delete one of veil's backups of the table (Delta versions stay: VACUUM removes them)."""
    from veil.inplace import drop_backup

    with _opened(target, workspace) as (opened, audit):
        found = opened.find_backup(backup)
        dropped = drop_backup(opened, found, audit=audit)
    if dropped:
        out.print(f"dropped backup {found.ref}", highlight=False, markup=False)
    else:
        err.print(
            f"{found.ref} is a version in the Delta table's history: veil does not delete it "
            "(VACUUM, with the table's retention, removes old versions)",
            highlight=False,
            markup=False,
        )
