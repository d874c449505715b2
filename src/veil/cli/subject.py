"""``veil subject``: data subject requests: access (``export``) and erasure (``erase``).

Both look in the catalog's datasets and in those committed at ``--output`` (see
:mod:`veil.jobs.subjects`). An export goes to the terminal or a file the user names, never
anywhere veil keeps; the audit log records only the subject's reference and counts.
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


class ExportFormat(StrEnum):
    json = "json"


def _subject_id(
    subjects: Any, targets: list[Any], subject: str | None, raw: str | None, column: str
) -> tuple[str, str]:
    """The subject id, and how it was found (for the audit log: never the raw value)."""
    from veil.jobs.subjects import subject_from_raw

    if (subject is None) == (raw is None):
        raise ConfigError("give the subject id, or --by-raw VALUE (with --column), not both")
    if subject is not None:
        if not subject.strip():
            raise ConfigError("the subject id is empty")
        return subject, "subject id"
    assert raw is not None
    return subject_from_raw(subjects, targets, column, raw), f"keyed hash of column {column}"


def _keyring_for(targets: list[Any], workspace: Path, key_file: Path | None) -> Any:
    """The master key, when there is data to read (never generated here)."""
    from veil.keys.keyring import load_keyring

    return load_keyring(workspace, key_file, generate=False) if targets else None


def _vault_status(workspace: Path, subject: str) -> dict[str, Any]:
    from veil.keys.vault import Vault, vault_url

    url = vault_url(workspace)
    if "://" not in url and not Path(url).exists():
        return {"key": "no vault"}
    with Vault.open(url, None) as vault:
        if vault.is_erased(subject):
            return {"key": "erased", "erased_at": vault.erased_at(subject)}
        return {"key": "present" if vault.kids([subject]) else "none"}


def _audit_mentions(audit: Any, ref: str) -> int:
    """How many audit entries name the subject's reference."""
    from veil.audit.chain import canonical_json

    return sum(
        1 for e in audit.entries() if ref in canonical_json(e.target) + canonical_json(e.details)
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
    """One subject request: the audit log, the catalog, where to look, and the subject."""

    audit: Any
    catalog: Any
    subjects: Any
    targets: list[Any]
    subject: str
    found_by: str
    ref: str


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
) -> Iterator[_Request]:
    """The audit log (opened first: no request the log cannot record), the catalog, the
    datasets to look in, and the subject id."""
    from veil.audit import subject_ref
    from veil.catalog import catalog_url
    from veil.catalog.catalog import Catalog
    from veil.cli.audit import workspace_audit_log
    from veil.jobs.subjects import Subjects, find_targets

    s3 = _s3_options(s3_endpoint)
    with (
        workspace_audit_log(workspace) as audit,
        Catalog(catalog_url(workspace), audit=audit) as catalog,
    ):
        targets = find_targets(catalog, dataset=dataset, output=output, s3=s3)
        keyring = _keyring_for(targets, workspace, key_file)
        subjects = Subjects(catalog, keyring, s3=s3, subject_column=subject_column)
        sid, found_by = _subject_id(subjects, targets, subject, by_raw, column)
        yield _Request(audit, catalog, subjects, targets, sid, found_by, subject_ref(sid))


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
    workspace: Workspace = None,
    key_file: KeyFile = None,
    s3_endpoint: S3Endpoint = None,
) -> None:
    """Everything veil holds on a subject (access request): its rows in the current versions,
    rows older versions still hold, its vault key; to the terminal or a file only (audited)."""
    from veil.audit import current_actor
    from veil.jobs.subjects import scan

    ws = _workspace(workspace)
    with _request(
        ws, key_file, s3_endpoint, dataset=dataset, output=output,
        subject_column=subject_column, subject=subject, by_raw=by_raw, column=column,
    ) as r:  # fmt: skip
        found = scan(r.subjects, r.targets, r.subject, records=True)
        vault = _vault_status(ws, r.subject)
        mentions = _audit_mentions(r.audit, r.ref)
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
            "vault": vault,
            "audit_log": {"entries_naming_the_subject": mentions},
        }
        rows = {item.target.dataset: item.rows for item in found if item.skipped is None}
        r.audit.record(
            "subject.export",
            current_actor(),
            {"subject": r.ref, "datasets": sorted(rows)},
            {
                "found_by": r.found_by,
                "rows": sum(rows.values()),
                "rows_by_dataset": rows,
                "older_version_rows": sum(sum(i.older.values()) for i in found),
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
        f"subject {r.ref}: {total} row(s) in {len(rows)} dataset(s), vault key {vault['key']}; "
        f"written to {where} (recorded in the audit log)",
        highlight=False,
        markup=False,
    )


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
    workspace: Workspace = None,
    key_file: KeyFile = None,
    s3_endpoint: S3Endpoint = None,
) -> None:
    """Erase a subject: remove its rows from every dataset (a new version without them; older
    versions holding them are deleted) and delete its vault key (crypto-shredding)."""
    from veil.audit import current_actor
    from veil.errors import LegalHoldError
    from veil.jobs.subjects import check_holds, erase_rows, scan
    from veil.keys.vault import Vault, vault_url

    if not reason or not reason.strip():
        raise ConfigError("veil subject erase needs --reason TEXT (recorded in the audit log)")
    ws = _workspace(workspace)
    actor = current_actor()
    with _request(
        ws, key_file, s3_endpoint, dataset=dataset, output=output,
        subject_column=subject_column, subject=subject, by_raw=by_raw, column=column,
    ) as r:  # fmt: skip
        found = scan(r.subjects, r.targets, r.subject)
        try:
            check_holds(found, f"erasing subject {r.ref}")
        except LegalHoldError as exc:
            r.audit.record(
                "subject.erase.refused",
                actor,
                {"subject": r.ref, "dataset": exc.dataset},
                {"reason": reason, "refused": "legal hold"},
            )
            raise
        details: dict[str, Any] = {"reason": reason, "found_by": r.found_by}
        try:
            done = erase_rows(r.subjects, found, r.subject, actor=actor, reason=reason)
        except BaseException as exc:
            partial = getattr(exc, "done", [])
            details.update(
                outcome=f"failed: {type(exc).__name__}",
                datasets=[d.to_dict() for d in partial],
                rows_removed=sum(d.rows_removed for d in partial),
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
    if not r.targets:
        err.print(
            "no dataset in the catalog: only the vault key was erased (pass --output to remove "
            "rows from what a plain `veil run` wrote)",
            highlight=False,
            markup=False,
        )
