"""``veil subject``: data subject requests: access (``export``) and erasure (``erase``).

Both look in the catalog's datasets and in those committed at ``--output`` (see
:mod:`veil.jobs.subjects`), and in the backups in-place runs keep of the raw tables they
anonymized (:mod:`veil.jobs.subject_backups`). An export goes to the terminal or a file the
user names, never anywhere veil keeps; the audit log records only the subject's keyed
reference and counts.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from veil.cli.main import _s3_options, _workspace, err, guarded, out, subject_app
from veil.errors import ConfigError

SubjectArg = Annotated[
    str | None,
    typer.Argument(help="The subject id (the value of the datasets' subject column)."),
]
ByRaw = Annotated[
    str | None,
    typer.Option(
        "--by-raw",
        help="Find the subject by a raw identifier (a login UUID…): its keyed hash under the "
        "policy of --column is the subject id.",
    ),
]
ColumnOpt = Annotated[
    str,
    typer.Option(
        help="With --by-raw: the output column the policy made with hash from that identifier."
    ),
]
DatasetOpt = Annotated[str | None, typer.Option(help="Only this dataset.")]
OutputOpt = Annotated[
    str | None,
    typer.Option(
        help="Also the datasets committed at this output (folder or s3://; what a plain "
        "`veil run` wrote); of the catalog's, only those there."
    ),
]
SubjectColumnOpt = Annotated[
    str | None,
    typer.Option(help="The subject column (default: the policy's subject_id, else subject_id)."),
]
Workspace = Annotated[
    Path | None,
    typer.Option(help="Workspace folder holding the catalog, vault, audit log and key."),
]
KeyFile = Annotated[Path | None, typer.Option(help="Master key file.")]
S3Endpoint = Annotated[str | None, typer.Option(help="S3 endpoint URL.")]
InPlaceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--in-place",
        help="Also this table anonymized in place (a URI, as `veil inplace run` takes; may be "
        "repeated): how to reach one whose reference omits the user or password. The tables "
        "the workspace's in-place runs and jobs anonymized are looked in anyway.",
    ),
]


class ExportFormat(StrEnum):
    json = "json"


def _subject_id(
    subjects: Any,
    targets: list[Any],
    backups: list[Any],
    subject: str | None,
    raw: str | None,
    column: str,
) -> tuple[str, str]:
    """The subject id, and how it was found (for the audit log: never the raw value)."""
    from veil.jobs.subject_backups import raw_hashes
    from veil.jobs.subjects import subject_from_raw

    if (subject is None) == (raw is None):
        raise ConfigError("give the subject id, or --by-raw VALUE (with --column), not both")
    if subject is not None:
        if not subject.strip():
            raise ConfigError("the subject id is empty")
        return subject, "subject id"
    assert raw is not None
    sid = subject_from_raw(subjects, targets, column, raw, raw_hashes(backups, column))
    return sid, f"keyed hash of column {column}"


def _keyring_for(readable: bool, workspace: Path, key_file: Path | None) -> Any:
    """The master key, when there is data to read (never generated here)."""
    from veil.keys.keyring import load_keyring

    return load_keyring(workspace, key_file, generate=False) if readable else None


def _vault_status(workspace: Path, subject: str) -> dict[str, Any]:
    from veil.keys.vault import Vault, vault_url

    url = vault_url(workspace)
    if "://" not in url and not Path(url).exists():
        return {"key": "no vault"}
    with Vault.open(url, None) as vault:
        if vault.is_erased(subject):
            return {"key": "erased", "erased_at": vault.erased_at(subject)}
        return {"key": "present" if vault.kids([subject]) else "none"}


def _audit_mentions(audit: Any, subject: str) -> int:
    """How many audit entries name the subject: by its keyed reference, or by the unkeyed
    one that entries written before references were keyed carry."""
    from veil.audit.chain import canonical_json
    from veil.audit.refs import legacy_subject_ref

    refs = (audit.subject_ref(subject), legacy_subject_ref(subject))
    return sum(
        1
        for e in audit.entries()
        if any(ref in canonical_json(e.target) + canonical_json(e.details) for ref in refs)
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


@dataclass
class _Request:
    """One subject request: the audit log, the catalog, where to look (datasets, tables
    anonymized in place and their backups, counted), and the subject."""

    audit: Any
    catalog: Any
    subjects: Any
    targets: list[Any]
    tables: list[Any]
    backups: list[Any]
    subject: str
    found_by: str
    ref: str

    def unreachable(self) -> list[dict[str, Any]]:
        """The in-place tables that could not be opened, and why."""
        return [t.to_dict() for t in self.tables if t.error]


@contextlib.contextmanager
def _request(
    workspace: Path,
    key_file: Path | None,
    s3_endpoint: str | None,
    *,
    dataset: str | None,
    output: str | None,
    subject_column: str | None,
    subject: str | None,
    by_raw: str | None,
    column: str,
    in_place: list[str] | None,
) -> Iterator[_Request]:
    """The audit log (opened first: no request the log cannot record), the catalog, the
    datasets and in-place tables to look in, the subject id, and the subject's rows in the
    in-place backups, counted."""
    from veil.catalog import catalog_url
    from veil.catalog.catalog import Catalog
    from veil.cli.audit import workspace_audit_log
    from veil.jobs.subject_backups import list_backups, open_inplace_tables, scan_backups
    from veil.jobs.subjects import Subjects, find_targets

    s3 = _s3_options(s3_endpoint)
    with (
        workspace_audit_log(workspace) as audit,
        Catalog(catalog_url(workspace), audit=audit) as catalog,
        open_inplace_tables(catalog, audit, in_place or ()) as tables,
    ):
        targets = find_targets(catalog, dataset=dataset, output=output, s3=s3)
        readable = bool(targets) or any(t.target is not None for t in tables)
        keyring = _keyring_for(readable, workspace, key_file)
        subjects = Subjects(catalog, keyring, s3=s3, subject_column=subject_column)
        backups = list_backups(subjects, tables)
        sid, found_by = _subject_id(subjects, targets, backups, subject, by_raw, column)
        scan_backups(backups, sid)
        ref = audit.subject_ref(sid)
        yield _Request(audit, catalog, subjects, targets, tables, backups, sid, found_by, ref)


def _unchecked(backups: list[Any]) -> int:
    """How many backups could not be checked for the subject's rows."""
    return sum(1 for b in backups if b.unchecked)


def _say(line: str, *, warning: bool = False) -> None:
    if warning:
        err.print(f"warning: {line}", highlight=False, markup=False)
    else:
        out.print(line, highlight=False, markup=False)


def _warn_unchecked(r: _Request) -> None:
    """Say plainly which backups, and which in-place tables, were not checked, and why."""
    for b in r.backups:
        if b.unchecked:
            line = f"{b.table.ref} backup {b.backup.ref} was not checked ({b.unchecked})"
            _say(line, warning=True)
    for t in r.unreachable():
        _say(
            f"in-place table {t['target']} could not be opened ({t['error']}): its backups "
            "were not checked (--in-place with a URI that reaches it)",
            warning=True,
        )


@subject_app.command("export")
@guarded
def subject_export(
    subject: SubjectArg = None,
    by_raw: ByRaw = None,
    column: ColumnOpt = "subject_id",
    dataset: DatasetOpt = None,
    output: OutputOpt = None,
    subject_column: SubjectColumnOpt = None,
    format: Annotated[ExportFormat, typer.Option(help="Export format.")] = ExportFormat.json,
    file: Annotated[
        Path | None,
        typer.Option(help="Write the export to this file (mode 0600) instead of standard output."),
    ] = None,
    in_place: InPlaceOpt = None,
    workspace: Workspace = None,
    key_file: KeyFile = None,
    s3_endpoint: S3Endpoint = None,
) -> None:
    """Everything veil holds on a subject (access request): its rows in the current versions,
    rows older versions and in-place backups still hold, its vault key; to the terminal or a
    file only (audited)."""
    from veil.audit import current_actor
    from veil.jobs.subjects import scan

    ws = _workspace(workspace)
    with _request(
        ws, key_file, s3_endpoint, dataset=dataset, output=output,
        subject_column=subject_column, subject=subject, by_raw=by_raw, column=column,
        in_place=in_place,
    ) as r:  # fmt: skip
        found = scan(r.subjects, r.targets, r.subject, records=True)
        vault = _vault_status(ws, r.subject)
        mentions = _audit_mentions(r.audit, r.subject)
        doc: dict[str, Any] = {
            "subject_id": r.subject,
            "subject_ref": r.ref,
            "found_by": r.found_by,
            "generated_at": datetime.now(UTC).isoformat(),
            "datasets": [
                {
                    **item.to_dict(),
                    "records": item.records.to_pylist() if item.records is not None else [],
                }
                for item in found
            ],
            "inplace_backups": [b.to_dict() for b in r.backups],
            "inplace_unreachable": r.unreachable(),
            "vault": vault,
            "audit_log": {"entries_naming_the_subject": mentions},
        }
        rows = {item.target.dataset: item.rows for item in found if item.skipped is None}
        backup_rows = sum(b.rows for b in r.backups)
        r.audit.record(
            "subject.export",
            current_actor(),
            {"subject": r.ref, "datasets": sorted(rows)},
            {
                "found_by": r.found_by,
                "rows": sum(rows.values()),
                "rows_by_dataset": rows,
                "older_version_rows": sum(sum(i.older.values()) for i in found),
                "backup_rows": backup_rows,
                "backups": len(r.backups),
                "backups_unchecked": _unchecked(r.backups),
                "inplace_unreachable": r.unreachable(),
                "vault_key": vault["key"],
                "audit_entries": mentions,
                "format": format.value,
                "to": "file" if file is not None else "stdout",
            },
        )
    text = json.dumps(doc, indent=2, ensure_ascii=False, default=_jsonable) + "\n"
    total = sum(rows.values())
    if file is None:
        sys.stdout.write(text)
    else:
        _write_private(file, text)
    where = str(file) if file is not None else "standard output"
    err.print(
        f"subject {r.ref}: {total} row(s) in {len(rows)} dataset(s), {backup_rows} in "
        f"{len(r.backups)} in-place backup(s), vault key {vault['key']}; written to {where} "
        "(recorded in the audit log)",
        highlight=False,
        markup=False,
    )
    _warn_unchecked(r)


def _backup_details(r: _Request, vacuum: bool) -> dict[str, Any]:
    """The erasure's audit account of the in-place backups (references and counts): per
    backup the rows removed and left, and what could not be checked."""
    return {
        "backups": [b.erasure_dict() for b in r.backups],
        "backup_rows_removed": sum(b.rows_removed for b in r.backups),
        "backup_rows_left": sum(b.rows_left for b in r.backups),
        "backups_unchecked": _unchecked(r.backups),
        "inplace_unreachable": r.unreachable(),
        "vacuum": vacuum,
    }


def _still_held(b: Any, where: str) -> str:
    """Why a backup still holds rows of the subject after the erasure."""
    if b.vacuumed:
        return (
            f"{where}: {b.rows_left} row(s) of the subject remain in files the table's current "
            "version still uses (it was restored from this backup): delete them from the "
            "table, then erase again with --vacuum"
        )
    return (
        f"{where}: {b.rows_left} row(s) of the subject stay in this Delta version, which "
        "cannot change, until VACUUM (`veil subject erase --vacuum` deletes the table's older "
        "versions, this backup with them)"
    )


def _say_backup(b: Any) -> None:
    where = f"{b.table.ref} backup {b.backup.ref}"
    if b.vacuumed:
        _say(
            f"{where}: removed {b.rows_removed} row(s) (VACUUM deleted the table's older "
            "versions: this backup can no longer be restored)"
        )
    elif b.rows_removed:
        _say(f"{where}: removed {b.rows_removed} row(s)")
    if b.rows_left:
        _say(_still_held(b, where), warning=True)


def _say_backups(r: _Request) -> None:
    """A line for each in-place backup that held rows of the subject: what was removed from
    it, and what stays."""
    for b in r.backups:
        if b.rows:
            _say_backup(b)


@subject_app.command("erase")
@guarded
def subject_erase(
    subject: SubjectArg = None,
    reason: Annotated[
        str | None, typer.Option(help="Why the subject is erased (required; audited).")
    ] = None,
    by_raw: ByRaw = None,
    column: ColumnOpt = "subject_id",
    dataset: DatasetOpt = None,
    output: OutputOpt = None,
    subject_column: SubjectColumnOpt = None,
    in_place: InPlaceOpt = None,
    vacuum: Annotated[
        bool,
        typer.Option(
            "--vacuum",
            help="Delta tables whose backups hold the subject's rows: VACUUM with retention 0, "
            "deleting every older version (those backups can no longer be restored). Run it "
            "while nothing else reads old versions of the table or writes it.",
        ),
    ] = False,
    workspace: Workspace = None,
    key_file: KeyFile = None,
    s3_endpoint: S3Endpoint = None,
) -> None:
    """Erase a subject: remove its rows from every dataset (a new version without them; older
    versions holding them are deleted) and from every in-place backup, and delete its vault
    key (crypto-shredding)."""
    from veil.audit import current_actor
    from veil.errors import LegalHoldError
    from veil.jobs.subject_backups import check_backup_holds, erase_backups
    from veil.jobs.subjects import check_holds, erase_rows, scan
    from veil.keys.vault import Vault, vault_url

    if not reason or not reason.strip():
        raise ConfigError("veil subject erase needs --reason TEXT (recorded in the audit log)")
    ws = _workspace(workspace)
    actor = current_actor()
    with _request(
        ws, key_file, s3_endpoint, dataset=dataset, output=output,
        subject_column=subject_column, subject=subject, by_raw=by_raw, column=column,
        in_place=in_place,
    ) as r:  # fmt: skip
        found = scan(r.subjects, r.targets, r.subject)
        try:
            check_holds(found, f"erasing subject {r.ref}")
            check_backup_holds(r.backups, f"erasing subject {r.ref}")
        except LegalHoldError as exc:
            r.audit.record(
                "subject.erase.refused",
                actor,
                {"subject": r.ref, "dataset": exc.dataset},
                {"reason": reason, "refused": "legal hold"},
            )
            raise
        details: dict[str, Any] = {"reason": reason, "found_by": r.found_by}
        done: list[Any] = []
        try:
            done = erase_rows(r.subjects, found, r.subject, ref=r.ref, actor=actor, reason=reason)
            erase_backups(r.catalog, r.backups, ref=r.ref, actor=actor, vacuum=vacuum)
        except BaseException as exc:
            partial = getattr(exc, "done", done)
            details.update(
                outcome=f"failed: {type(exc).__name__}",
                datasets=[d.to_dict() for d in partial],
                rows_removed=sum(d.rows_removed for d in partial),
                **_backup_details(r, vacuum),
                key_deleted=False,
            )
            r.audit.record("subject.erase", actor, {"subject": r.ref}, details)
            raise
        with Vault.open(vault_url(ws), None) as vault:
            existed = vault.erase(r.subject)
            url = vault.url
        details.update(
            outcome="erased",
            key_deleted=existed,
            rows_removed=sum(d.rows_removed for d in done),
            datasets=[d.to_dict() for d in done],
            skipped={i.target.dataset: i.skipped for i in found if i.skipped is not None},
            **_backup_details(r, vacuum),
        )
        r.audit.record("subject.erase", actor, {"vault": url, "subject": r.ref}, details)
    for d in done:
        was = f" (was {d.previous_version_id})" if d.version_id else ""
        now = (
            f"version {d.version_id} is current{was}"
            if d.version_id
            else "current version unchanged"
        )
        deleted = (
            f"; deleted {len(d.deleted_versions)} older version(s) that held its rows"
            if d.deleted_versions
            else ""
        )
        kept = (
            f"; {len(d.kept_unreadable)} older version(s) could not be read and were kept: "
            + ", ".join(d.kept_unreadable)
            if d.kept_unreadable
            else ""
        )
        line = f"{d.dataset}: removed {d.rows_removed} row(s); {now}{deleted}{kept}"
        out.print(line, highlight=False, markup=False)
        if d.k_after is not None and d.k_target is not None and d.k_after < d.k_target:
            err.print(
                f"warning: {d.dataset} is now {d.k_after}-anonymous (the policy's target is "
                f"{d.k_target}): removing the subject left smaller classes; rerun its job to "
                "enforce the target again",
                highlight=False,
                markup=False,
            )
    for item in found:
        if item.skipped is not None:
            line = f"{item.target.dataset}: skipped ({item.skipped})"
            out.print(line, highlight=False, markup=False)
    _say_backups(r)
    _warn_unchecked(r)
    if existed:
        out.print(
            f"erased subject {r.ref}: its key is deleted; its tokens and encrypted values can no "
            "longer be revealed",
            highlight=False,
        )
    else:
        out.print(
            f"subject {r.ref} had no key in the vault; the erasure is recorded, so no run will "
            "create one",
            highlight=False,
        )
    if not r.targets and not r.backups:
        err.print(
            "no dataset in the catalog and no in-place backup: only the vault key was erased "
            "(pass --output to remove rows from what a plain `veil run` wrote)",
            highlight=False,
            markup=False,
        )
    left = _left_behind(r, done)
    if left:
        err.print(
            f"the erasure is incomplete: {'; '.join(left)} (see the warnings above; the audit "
            f"entry records what is left); exit {INCOMPLETE}",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(INCOMPLETE)


INCOMPLETE = 11
"""The exit code of an erasure that did what it could but left rows it could not reach: a
script must not report such a request as done."""


def _left_behind(r: _Request, done: list[Any]) -> list[str]:
    """What an erasure could not remove or check, as short phrases (counts, no values)."""
    left = []
    unreadable = sum(len(d.kept_unreadable) for d in done)
    if unreadable:
        left.append(f"{unreadable} older version(s) could not be read")
    rows = sum(b.rows_left for b in r.backups)
    if rows:
        left.append(f"{rows} row(s) stay in in-place backups")
    if _unchecked(r.backups):
        left.append(f"{_unchecked(r.backups)} in-place backup(s) were not checked")
    if r.unreachable():
        left.append(f"{len(r.unreachable())} in-place table(s) could not be opened")
    return left
