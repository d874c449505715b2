"""Subject requests on the raw rows in-place runs keep: the backups of their tables.

``veil inplace run`` (and an in-place job) anonymizes a table where it lives after taking a
verified backup of the raw table (:mod:`veil.inplace`). The backup still holds every subject's
raw rows, so an access request counts them and an erasure must reach them.

**Which tables** (:func:`open_inplace_tables`): every table the workspace's in-place runs
anonymized (the audit log's ``inplace.run`` entries name each by its reference), every
in-place dataset of the catalog (a job's, opened by the URI the newest job stored, its password
read from the environment; or one put under legal hold), and every URI given (``--in-place``:
how to reach a PostgreSQL table whose reference omits the user or password). A table that
cannot be opened is reported with why, never skipped in silence.

**Which rows.** A backup holds raw rows, without the output's subject column (a keyed hash):
the subject's rows are those whose raw column maps to the subject id as the run computed it,
the run's policy's operator for its ``subject_id`` column (``hash`` or ``keep``) applied to
the raw column under the master key the run used. Backups record that mapping (their
``subject`` fact, :func:`veil.inplace.run.subject_facts`); for an older backup it comes from
the run's policy (the job's stored one, or the built-in whose hash the audit log or the
catalog records). Failing both, a column named as the subject column is compared with the id
as it is; failing that too, the backup is reported as one whose rows cannot be matched, with
why.

**Access** (:func:`scan_backups`): per backup, how many rows of the subject it holds (counts,
as for older dataset versions; no values).

**Erasure** (:func:`erase_backups`; :func:`check_backup_holds` first: a table under legal
hold whose backups hold rows of the subject, or might, refuses the whole erasure before
anything changes): the rows are deleted from each backup atomically, and the backup records
its new measure and the erasure (subject reference, count), so it still verifies and
restores; under the catalog dataset's lock when there is one. A Delta backup is a version of
the table, which cannot change: its rows stay until ``VACUUM``. With ``vacuum`` the table's
older versions are deleted (:meth:`~veil.inplace.Target.vacuum`) and what is left is counted
again: files the current version still uses keep their rows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from veil.audit import CatalogAuditLog
from veil.catalog.catalog import Catalog, Dataset
from veil.errors import KeyError_, VeilError
from veil.inplace import Backup, RowMatch, Target, open_target
from veil.inplace.base import error_summary, now_iso
from veil.jobs.inplace import is_inplace, is_inplace_dataset, open_job_target
from veil.jobs.lifecycle import maintenance_lock
from veil.jobs.subjects import (
    DEFAULT_SUBJECT_COLUMN,
    Subjects,
    derive_column,
    hold_refusal,
    keyring_at,
    matches,
)
from veil.keys import Keyring

__all__ = [
    "BackupFound",
    "InPlaceTable",
    "check_backup_holds",
    "erase_backups",
    "list_backups",
    "open_inplace_tables",
    "raw_hashes",
    "scan_backups",
]

#: the operators whose output veil recomputes from a backup's raw column
_RECOMPUTED = ("hash", "keep")


@dataclass(frozen=True)
class _Run:
    """What the workspace recorded of the in-place run that took a backup."""

    policy_hash: str | None
    job_id: str | None
    key_id: str | None


@dataclass(frozen=True)
class _Recorded:
    """How a run made the subject id: the policy's ``subject_id`` output ``column`` (empty:
    the policy names none), that column's operator ``params``, the master key's id."""

    column: str
    params: Any
    key_id: str | None


@dataclass
class InPlaceTable:
    """A table anonymized in place: its reference, its catalog row (legal hold, lock) if
    any, the runs that backed it up (by backup reference), and the opened target or why it
    could not be opened."""

    ref: str
    entry: Dataset | None = None
    runs: dict[str, _Run] = field(default_factory=dict)
    target: Target | None = None
    error: str | None = None

    @property
    def held(self) -> bool:
        return self.entry is not None and self.entry.legal_hold

    def to_dict(self) -> dict[str, Any]:
        """An unreachable table, for the output and the audit log."""
        return {"target": self.ref, "error": self.error}


@dataclass(frozen=True)
class _Mapping:
    """How a backup's raw rows map to subject ids: output ``column`` is made from raw column
    ``source`` by ``params`` under ``keyring`` (``params`` ``None``: ``source`` holds the id)."""

    column: str
    source: str
    params: Any = None
    keyring: Keyring | None = None

    def describe(self) -> str:
        if self.params is None:
            return f"column {self.source}"
        return f"keyed {self.params.op} of column {self.source} (as {self.column})"

    def row_match(self, subject: str) -> RowMatch:
        """The rows of ``subject``: their ``source`` mapped to ``subject``."""
        params, column, source, keyring = self.params, self.column, self.source, self.keyring
        if params is None:
            return RowMatch((source,), lambda b: matches(b.column(source), subject))
        if keyring is None:
            raise KeyError_("matching a backup's rows by a keyed hash needs the master key")
        return RowMatch(
            (source,),
            lambda b: matches(derive_column(params, column, b.column(source), keyring), subject),
        )


@dataclass
class BackupFound:
    """One backup: how its rows are matched to the subject (or why they cannot be), how many
    it holds, and what an erasure did (removed; left: a Delta version's, until VACUUM)."""

    table: InPlaceTable
    target: Target
    backup: Backup
    mapping: _Mapping | None = None
    match: RowMatch | None = None  # the subject's rows (once scanned)
    unmatched: str | None = None
    error: str | None = None  # reading or changing it failed
    rows: int = 0
    rows_removed: int = 0
    rows_left: int = 0
    vacuumed: bool = False

    @property
    def unchecked(self) -> str | None:
        """Why the subject's rows in it could not be counted (``None``: they were)."""
        if self.error:
            return f"it could not be read: {self.error}"
        if self.unmatched:
            return f"its rows cannot be matched to the subject: {self.unmatched}"
        return None

    def to_dict(self) -> dict[str, Any]:
        """What it holds on the subject: references and counts."""
        return {
            "target": self.table.ref,
            "kind": self.target.kind,
            "backup": self.backup.ref,
            "legal_hold": self.table.held,
            "matched_by": self.mapping.describe() if self.mapping else None,
            "unmatched": self.unmatched,
            "error": self.error,
            "rows": self.rows,
        }

    def erasure_dict(self) -> dict[str, Any]:
        """What an erasure did to it: references and counts."""
        return {
            **self.to_dict(),
            "rows_removed": self.rows_removed,
            "rows_left": self.rows_left,
            "vacuumed": self.vacuumed,
        }


# -- the tables -----------------------------------------------------------------------------


def _runs(catalog: Catalog, audit: CatalogAuditLog) -> dict[str, dict[str, _Run]]:
    """Target reference → backup reference → its run: from the audit log's ``inplace.run``
    entries, and the lineage of the catalog's in-place versions (which names the job)."""
    runs: dict[str, dict[str, _Run]] = {}
    for entry in audit.entries(action="inplace.run"):
        target, details = entry.target, entry.details
        if not isinstance(target, dict) or not isinstance(details, dict):
            continue  # a modified entry: `veil audit verify` names it
        ref, backup = target.get("target"), details.get("backup")
        if isinstance(ref, str) and isinstance(backup, str):
            policy = details.get("policy") or {}
            runs.setdefault(ref, {})[backup] = _Run(policy.get("hash"), None, details.get("key_id"))
    for dataset in catalog.datasets():
        if not is_inplace_dataset(dataset.name, dataset.output):
            continue
        found = runs.setdefault(dataset.name, {})
        for version in catalog.versions(dataset.name):
            backup = (version.source or {}).get("backup")
            if backup:
                found[backup] = _Run(version.policy_hash, version.job_id, version.key_id)
    return runs


def _job_uri(catalog: Catalog, ref: str) -> str | None:
    """The URI the newest in-place job on ``ref`` stored (it may name a user and a password
    reference that the reference omits)."""
    newest = next((j for j in catalog.jobs(dataset=ref) if is_inplace(j)), None)  # newest first
    return str(newest.parameters["target"]) if newest is not None else None


def _why(exc: Exception) -> str:
    """What failed, without a value: a veil error's message, else the type (and SQLSTATE)."""
    return str(exc) if isinstance(exc, VeilError) else error_summary(exc)


def _opened(ref: str, opener: Any, uri: str, stack: contextlib.ExitStack) -> InPlaceTable:
    try:
        target = stack.enter_context(opener(uri))
    except Exception as exc:
        return InPlaceTable(ref, error=_why(exc))
    return InPlaceTable(target.ref, target=target)


@contextlib.contextmanager
def open_inplace_tables(
    catalog: Catalog, audit: CatalogAuditLog, uris: Iterable[str] = ()
) -> Iterator[list[InPlaceTable]]:
    """Every table anonymized in place that the workspace knows of, and those ``uris``
    name (see the module docstring), open until the block ends. A URI given that cannot be
    opened raises; a known table that cannot be opened comes with its error."""
    runs = _runs(catalog, audit)
    entries = {d.name: d for d in catalog.datasets() if is_inplace_dataset(d.name, d.output)}
    with contextlib.ExitStack() as stack:
        tables: dict[str, InPlaceTable] = {}
        for uri in uris:
            target = stack.enter_context(open_target(uri))
            tables.setdefault(target.ref, InPlaceTable(target.ref, target=target))
        for ref in sorted(set(runs) | set(entries)):
            if ref not in tables:
                job_uri = _job_uri(catalog, ref)
                opener = open_job_target if job_uri else open_target
                tables[ref] = _opened(ref, opener, job_uri or ref, stack)
        for table in tables.values():
            table.entry = entries.get(table.ref)
            table.runs = runs.get(table.ref, {})
        yield sorted(tables.values(), key=lambda t: t.ref)


# -- the backups and their mapping ----------------------------------------------------------


def _params(facts: dict[str, Any]) -> Any:
    """A recorded operator's parameters, validated again."""
    from veil.operators import base as opbase

    params = facts["params"]
    return opbase.get(str(params["op"])).params.model_validate(params)


def _recorded(subjects: Subjects, table: InPlaceTable, backup: Backup) -> _Recorded | None:
    """How the run that took ``backup`` made the subject id: from the backup's facts, else
    from the run's policy (a job's or a built-in one); ``None`` when neither is known."""
    if "subject" in backup.details:
        facts = backup.details["subject"]
        if not facts:
            return _Recorded("", None, None)
        return _Recorded(facts["column"], _params(facts), facts.get("key_id"))
    run = table.runs.get(backup.ref)
    if run is None:
        return None
    policy = subjects.policy({"policy": {"hash": run.policy_hash}, "job_id": run.job_id})
    if policy is None:
        return None
    column = policy.subject_id or ""
    return _Recorded(column, policy.columns.get(column), run.key_id)


def _by_name(subjects: Subjects, names: list[str]) -> _Mapping | str:
    """No recorded mapping: a column named as the subject column, holding the id as is."""
    name = subjects.column or DEFAULT_SUBJECT_COLUMN
    if name in names:
        return _Mapping(name, name)
    return (
        "veil does not know how the run that took it made the subject id (the backup "
        "predates recording it, and no job's or built-in policy is the one the workspace "
        f"recorded of its run) and it has no column {name} (--subject-column names another)"
    )


def _mapping(subjects: Subjects, found: BackupFound) -> _Mapping | str:
    """How ``found``'s rows map to subject ids, or why they cannot be matched."""
    names = list(found.target.backup_schema(found.backup).names)
    recorded = _recorded(subjects, found.table, found.backup)
    if recorded is None:
        return _by_name(subjects, names)
    column, params = recorded.column, recorded.params
    if not column or params is None:
        return "the policy of the run that took it names no subject_id column"
    source = params.source or column
    if params.op not in _RECOMPUTED or params.when is not None:
        how = f"with {params.op}" + (" under a condition" if params.when is not None else "")
        return (
            f"the run's policy makes {column} {how}, which veil does not recompute from raw "
            "rows (only an unconditional hash or keep)"
        )
    if source not in names:
        return f"it has no column {source}, from which the run's policy made {column}"
    if params.op == "keep":
        return _Mapping(column, source)
    if subjects.keyring is None:
        return "matching its rows needs the master key"
    return _Mapping(column, source, params, keyring_at(subjects.keyring, recorded.key_id))


def _listed(subjects: Subjects, table: InPlaceTable, target: Target) -> list[BackupFound]:
    """The table's backups, each with its mapping (or why there is none)."""
    found = []
    for backup in target.backups():
        item = BackupFound(table, target, backup)
        try:
            resolved = _mapping(subjects, item)
        except VeilError as exc:  # the master key the run used is missing; unreadable
            resolved = str(exc)
        except (KeyError, ValueError) as exc:  # an operator this veil lacks; stale parameters
            resolved = f"the subject mapping it records cannot be used ({type(exc).__name__})"
        if isinstance(resolved, str):
            item.unmatched = resolved
        else:
            item.mapping = resolved
        found.append(item)
    return found


def list_backups(subjects: Subjects, tables: Iterable[InPlaceTable]) -> list[BackupFound]:
    """Every backup of the opened ``tables``, with how its rows are matched to a subject."""
    found: list[BackupFound] = []
    for table in tables:
        if table.target is None:
            continue
        try:
            found += _listed(subjects, table, table.target)
        except VeilError as exc:
            table.error = str(exc)
    return found


def raw_hashes(found: Iterable[BackupFound], column: str) -> list[tuple[str, Any, Keyring]]:
    """Where output ``column`` is a keyed hash of a backup's raw column: ``(where, the
    operator's parameters, the keyring at the run's key)``, to map a raw identifier to a
    subject id (:func:`veil.jobs.subjects.subject_from_raw`)."""
    return [
        (f"{item.table.ref} {item.backup.ref}", item.mapping.params, item.mapping.keyring)
        for item in found
        if item.mapping is not None
        and item.mapping.column == column
        and item.mapping.keyring is not None
    ]


# -- access ---------------------------------------------------------------------------------


def _count(item: BackupFound, match: RowMatch) -> int:
    return match.count(item.target.read_backup(item.backup, columns=match.columns))


def scan_backups(found: Iterable[BackupFound], subject: str) -> None:
    """Count the subject's rows in each backup that can be matched (``rows``); a backup that
    cannot be read keeps its ``error``."""
    for item in found:
        if item.mapping is None:
            continue
        item.match = item.mapping.row_match(subject)
        try:
            item.rows = _count(item, item.match)
        except Exception as exc:
            item.error = _why(exc)


# -- erasure --------------------------------------------------------------------------------


def check_backup_holds(found: Iterable[BackupFound], action: str) -> None:
    """:class:`~veil.errors.LegalHoldError` for the first table under legal hold with a backup that
    holds rows of the subject, or might (its rows cannot be matched, or read)."""
    for item in found:
        entry = item.table.entry
        if entry is None or not entry.legal_hold:
            continue
        if item.rows or item.unchecked:
            raise hold_refusal(entry, action)


def _locked(catalog: Catalog, table: InPlaceTable, actor: str) -> Any:
    """The catalog dataset's lock, so no in-place job runs or rolls back meanwhile."""
    if table.entry is None:
        return contextlib.nullcontext()
    return maintenance_lock(catalog, table.ref, "erase", actor=actor)


def _erase_one(item: BackupFound, match: RowMatch, ref: str) -> None:
    after = item.target.erase_from_backup(item.backup, match, {"subject": ref, "at": now_iso()})
    if after is None:  # a Delta version: it keeps its rows until VACUUM
        item.rows_left = item.rows
        return
    item.rows_removed = item.backup.rows - after.rows
    item.backup = after


def _vacuum(target: Target, matched: list[tuple[BackupFound, RowMatch]]) -> None:
    """Delete the table's older versions, then count what its backups still hold."""
    target.vacuum()
    for item, match in matched:
        item.rows_left = _count(item, match)
        item.rows_removed = item.rows - item.rows_left
        item.vacuumed = True


def erase_backups(
    catalog: Catalog,
    found: list[BackupFound],
    *,
    ref: str,
    actor: str,
    vacuum: bool = False,
) -> None:
    """Remove the subject's rows from every backup of ``found`` (a :func:`scan_backups`)
    that holds some, recording the erasure by the subject's ``ref``; see the module
    docstring. Results are set on the items, so after a failure what was done is there."""
    matched = [(i, i.match) for i in found if i.rows and i.match is not None]
    for table in {id(i.table): i.table for i, _ in matched}.values():
        mine = [(i, m) for i, m in matched if i.table is table]
        with _locked(catalog, table, actor):
            for item, match in mine:
                _erase_one(item, match, ref)
            if vacuum and any(i.rows_left for i, _ in mine):
                _vacuum(mine[0][0].target, mine)
