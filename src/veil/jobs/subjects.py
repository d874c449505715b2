"""Subject requests: what veil holds on a data subject (access), and erasure.

A subject is identified by its subject id: the value of the dataset's subject column (the
policy's ``subject_id`` entry, a keyed hash such as ``{op: hash, from: login_uuid, domain:
subject}``). :func:`subject_from_raw` finds it from a raw identifier instead (a login UUID, an
e-mail address): it computes the same keyed hash the policy computed for that column, with the
operator, its parameters and the master key the version recorded (``key_id``).

**Which datasets.** :func:`find_targets`: the catalog's datasets (those jobs wrote, or
registered), and every dataset committed at an ``output`` given (what a plain ``veil run``
wrote); one ``dataset`` if asked. A dataset's subject column is the ``subject_id`` of the
policy that wrote its current version (the job's stored policy, or the built-in policy whose
hash the manifest records), else a column named ``subject_id``, else the column asked for;
datasets without one are skipped, and said so.

**Access** (:func:`scan` with ``records=True``): the subject's rows in the current version of
each dataset (as stored: pseudonyms and tokens stay what they are), how many of its rows older
versions still hold, and the vault's status of its key. Nothing of it is stored by veil.

**Erasure** (:func:`erase_rows`): for each dataset whose current version holds rows of the
subject, a new version without them is written through the sink (same schema, format and
encryption; the manifest lists the erasure by the subject's keyed reference, the one the
audit log records, and count, ``derived_from`` the version it was made from) and becomes
current; the catalog records it (``derived_from``, ``change``). Then every older version that
still holds rows of the subject is deleted (files through the sink, the catalog's rows marked
``deleted_at``): after an erasure no version holding the subject remains to roll back to.
Older versions that cannot be read (another key, damaged) are kept and reported. A dataset
under legal hold that holds rows of the subject refuses the whole erasure
(:class:`~veil.errors.LegalHoldError`) before anything changes. Each dataset is rewritten
under its lock (no job runs meanwhile); a ``veil run`` outside jobs takes no lock, so the
erasure checks before committing that the version it read is still current, and fails
otherwise (run it again).

The raw rows in-place runs keep in their backups: :mod:`veil.jobs.subject_backups`.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from veil.catalog.catalog import Catalog, Dataset
from veil.errors import (
    ConfigError,
    KeyError_,
    LegalHoldError,
    SinkError,
    VeilError,
)
from veil.jobs.inplace import is_inplace_dataset
from veil.jobs.lifecycle import maintenance_lock, veil_version
from veil.jobs.retention import dataset_sink
from veil.keys import Keyring
from veil.policy import Policy
from veil.sinks import S3Options, Sink, open_sink
from veil.sinks.layout import decode_schema

__all__ = [
    "DEFAULT_SUBJECT_COLUMN",
    "Erased",
    "Found",
    "Subjects",
    "Target",
    "derive_column",
    "erase_rows",
    "find_targets",
    "hold_refusal",
    "keyring_at",
    "matches",
    "scan",
    "subject_from_raw",
]

DEFAULT_SUBJECT_COLUMN = "subject_id"
#: manifest keys the sink sets itself (an erasure's new version gets fresh ones)
_SINK_KEYS = {
    "dataset",
    "version_id",
    "run_id",
    "format",
    "rows",
    "bytes",
    "files",
    "encrypted",
    "encryption_key_id",
    "encryption",
    "schema",
    "arrow_schema",
    "created_at",
    "layout_version",
}


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Target:
    """A dataset to look in: its name, where it lives, and its catalog row (if any)."""

    dataset: str
    output: str
    entry: Dataset | None = None

    @property
    def held(self) -> bool:
        return self.entry is not None and self.entry.legal_hold


def _location_key(output: str) -> str:
    return output if "://" in output else str(Path(output).resolve())


class Subjects:
    """What subject requests share: the catalog, the keyring, S3 options, and an explicit
    subject column (``None``: from the policy, else ``subject_id``)."""

    def __init__(
        self,
        catalog: Catalog,
        keyring: Keyring | None,
        *,
        s3: S3Options | None = None,
        subject_column: str | None = None,
    ) -> None:
        self.catalog = catalog
        self.keyring = keyring
        self.s3 = s3
        self.column = subject_column  # asked for explicitly (--subject-column)
        self._sinks: dict[tuple[str, str], Sink] = {}
        self._policies: dict[tuple[str, str], Policy | None] = {}

    def sink(self, target: Target) -> Sink:
        """A reading sink for ``target`` (decrypting with the keyring)."""
        key = (target.dataset, target.output)
        if key not in self._sinks:
            if target.entry is not None:
                sink = dataset_sink(self.catalog, target.entry, self.s3, self.keyring)
            else:
                sink = open_sink(
                    target.output,
                    format="parquet",
                    encrypt=False,
                    keyring=self.keyring,
                    s3=self.s3,
                )
            self._sinks[key] = sink
        return self._sinks[key]

    def policy(self, manifest: dict[str, Any]) -> Policy | None:
        """The policy that wrote a version: its job's stored policy, or the built-in policy
        with the hash the manifest records; ``None`` if neither is known."""
        from veil.jobs.lifecycle import job_policy
        from veil.policy.loader import BUILTIN, builtin_policy

        wanted = (manifest.get("policy") or {}).get("hash")
        job_id = manifest.get("job_id") or manifest.get("source_job_id")
        key = (str(wanted), str(job_id))
        if key in self._policies:
            return self._policies[key]
        found: Policy | None = None
        if job_id:
            try:
                policy = job_policy(self.catalog.job(str(job_id)))
            except VeilError:  # the job is gone, or its stored policy no longer checks
                policy = None
            if policy is not None and policy.digest() == wanted:
                found = policy
        for name in BUILTIN if found is None else ():
            policy = builtin_policy(name)
            if policy.digest() == wanted:
                found = policy
                break
        self._policies[key] = found
        return found

    def subject_column(self, manifest: dict[str, Any]) -> str | None:
        """The version's subject column: the asked one, the policy's, or ``subject_id``."""
        names = {f["name"] for f in manifest.get("schema", [])}
        if self.column is not None:
            return self.column if self.column in names else None
        policy = self.policy(manifest)
        if policy is not None and policy.subject_id:
            return policy.subject_id if policy.subject_id in names else None
        return DEFAULT_SUBJECT_COLUMN if DEFAULT_SUBJECT_COLUMN in names else None


def find_targets(
    catalog: Catalog,
    *,
    dataset: str | None = None,
    output: str | None = None,
    s3: S3Options | None = None,
) -> list[Target]:
    """The catalog's datasets, and those committed at ``output`` (see the module docstring);
    only ``dataset`` if given. At ``output`` only those of the catalog that live there."""
    where = _location_key(output) if output is not None else None
    found: list[Target] = []
    for entry in catalog.datasets():
        if dataset is not None and entry.name != dataset:
            continue
        if is_inplace_dataset(entry.name, entry.output):  # a table anonymized in place
            continue
        if where is not None and _location_key(entry.output) != where:
            continue
        found.append(Target(entry.name, entry.output, entry))
    if output is not None:
        sink = open_sink(output, format="parquet", encrypt=False, keyring=None, s3=s3)
        known = {t.dataset for t in found}
        for name in sink.datasets():
            if name in known or (dataset is not None and name != dataset):
                continue
            found.append(Target(name, where or output, None))
    if dataset is not None and not found:
        hint = f" at {output}" if output is not None else " in the catalog (pass --output)"
        raise ConfigError(f"no dataset {dataset!r}{hint}")
    return sorted(found, key=lambda t: (t.dataset, t.output))


# -- the subject id from a raw identifier ---------------------------------------------------


def derive_column(params: Any, column: str, values: pa.Array, keyring: Keyring) -> pa.Array:
    """The policy's operator for output ``column`` applied to ``values`` of its input column:
    the subject ids a raw column maps to, computed as the run computed them."""
    from veil.operators import base as opbase

    source = params.source or column
    ctx = opbase.OpContext(
        pa.record_batch([values], names=[source]), keyring, _now(), column, source
    )
    return opbase.get(params.op).factory(params)(values, ctx)


def keyring_at(keyring: Keyring, kid: str | None) -> Keyring:
    """``keyring`` with the master key ``kid`` (the one a run recorded) current, so hashes
    are computed as that run computed them; raises, naming the key, if it is missing."""
    kid = kid or keyring.kid
    if kid not in keyring.keys:
        keyring.master(kid)  # raises, naming the key
    return dataclasses.replace(keyring, current=kid)


def _keyed_hash(params: Any, column: str, raw: str, keyring: Keyring) -> str:
    """The policy's operator for ``column`` applied to one raw value."""
    value = derive_column(params, column, pa.array([raw], pa.string()), keyring)[0].as_py()
    if value is None:
        raise ConfigError(f"the policy's {params.op} of column {column!r} gives no value")
    return str(value)


def subject_from_raw(
    subjects: Subjects,
    targets: Iterable[Target],
    column: str,
    raw: str,
    hashes: Iterable[tuple[str, Any, Keyring]] = (),
) -> str:
    """The subject id a raw identifier maps to: the keyed hash the policy of the targets'
    current versions computes for ``column`` (an entry ``{op: hash, from: …}``), under the
    master key the version records, and the one of each of ``hashes`` (``(where, operator
    parameters, keyring)``: in-place backups'). :class:`ConfigError` if nothing makes
    ``column`` with ``hash``, or they disagree (another domain, length or key)."""
    values = {where: _keyed_hash(params, column, raw, ring) for where, params, ring in hashes}
    for target in targets:
        manifest = subjects.sink(target).current(target.dataset)
        if manifest is None:
            continue
        policy = subjects.policy(manifest)
        params = policy.columns.get(column) if policy is not None else None
        if params is None or params.op != "hash":
            continue
        if subjects.keyring is None:
            raise KeyError_("finding a subject by a raw identifier needs the master key")
        keyring = keyring_at(subjects.keyring, manifest.get("key_id"))
        values[target.dataset] = _keyed_hash(params, column, raw, keyring)
    if not values:
        raise ConfigError(
            f"no dataset's (nor in-place backup's) policy makes column {column!r} with the "
            "hash operator, so a raw identifier cannot be mapped to a subject id (--column "
            "names the output column, such as subject_id; the policy must be a job's or a "
            "built-in one)"
        )
    if len(set(values.values())) > 1:
        raise ConfigError(
            f"the datasets hash column {column!r} differently ({', '.join(sorted(values))}: "
            "another domain, length or key); choose one with --dataset"
        )
    return next(iter(values.values()))


# -- scanning -------------------------------------------------------------------------------


def matches(column: pa.Array | pa.ChunkedArray, subject: str) -> pa.Array:
    """A boolean mask (no nulls) of the values equal to ``subject``."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    return pc.fill_null(pc.equal(column, pa.scalar(subject, column.type)), False)


def _count(sink: Sink, dataset: str, version_id: str, column: str, subject: str) -> int:
    total = 0
    for batch in sink.iter_batches(dataset, version_id, columns=[column]):
        total += pc.sum(matches(batch.column(0), subject)).as_py() or 0
    return total


@dataclass
class Found:
    """What one dataset holds on the subject."""

    target: Target
    version_id: str | None = None
    subject_column: str | None = None
    rows: int = 0
    #: older committed versions still holding rows of the subject: version id → rows
    older: dict[str, int] = field(default_factory=dict)
    #: older versions that could not be read (another key, damaged)
    unreadable: list[str] = field(default_factory=list)
    skipped: str | None = None
    records: pa.Table | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.target.dataset,
            "output": self.target.output,
            "in_catalog": self.target.entry is not None,
            "legal_hold": self.target.held,
            "version_id": self.version_id,
            "subject_column": self.subject_column,
            "rows": self.rows,
            "older_versions": dict(self.older),
            "unreadable_older_versions": list(self.unreadable),
            "skipped": self.skipped,
        }


def scan(
    subjects: Subjects, targets: Iterable[Target], subject: str, *, records: bool = False
) -> list[Found]:
    """Count (and with ``records``, read) the subject's rows in each target's current
    version, and count them in its older versions."""
    found = []
    for target in targets:
        item = Found(target)
        found.append(item)
        sink = subjects.sink(target)
        manifest = sink.current(target.dataset)
        if manifest is None:
            item.skipped = "no committed version"
            continue
        item.version_id = str(manifest["version_id"])
        column = subjects.subject_column(manifest)
        if column is None:
            item.skipped = "no subject column"
            continue
        item.subject_column = column
        if records:
            parts = [
                batch.filter(matches(batch.column(column), subject))
                for batch in sink.iter_batches(target.dataset, item.version_id)
            ]
            schema = decode_schema(manifest)
            item.records = (
                pa.Table.from_batches(parts) if parts else (schema or pa.schema([])).empty_table()
            )
            item.rows = item.records.num_rows
        else:
            item.rows = _count(sink, target.dataset, item.version_id, column, subject)
        for version_id in sink.versions(target.dataset):
            if version_id == item.version_id:
                continue
            try:
                old = sink.layout.manifest(target.dataset, version_id) or {}
                names = {f["name"] for f in old.get("schema", [])}
                if column not in names:
                    continue
                rows = _count(sink, target.dataset, version_id, column, subject)
            except VeilError:
                item.unreadable.append(version_id)
                continue
            if rows:
                item.older[version_id] = rows
    return found


# -- erasure --------------------------------------------------------------------------------


@dataclass
class Erased:
    """What an erasure did to one dataset."""

    dataset: str
    output: str
    rows_removed: int = 0
    previous_version_id: str | None = None
    version_id: str | None = None  # the new current version (None: the current one held none)
    deleted_versions: list[str] = field(default_factory=list)
    kept_unreadable: list[str] = field(default_factory=list)
    in_catalog: bool = False
    k_after: int | None = None
    k_target: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "rows_removed": self.rows_removed,
            "previous_version_id": self.previous_version_id,
            "version_id": self.version_id,
            "deleted_versions": list(self.deleted_versions),
            "kept_unreadable_versions": list(self.kept_unreadable),
            "in_catalog": self.in_catalog,
            "k_after": self.k_after,
            "k_target": self.k_target,
        }


def hold_refusal(entry: Dataset, action: str) -> LegalHoldError:
    """The error that refuses ``action`` on a dataset under legal hold: who set it, since
    when, why."""
    since = entry.hold_at.isoformat(timespec="seconds") if entry.hold_at else None
    return LegalHoldError(entry.name, entry.hold_actor, since, entry.hold_reason, action)


def check_holds(found: Iterable[Found], action: str) -> None:
    """:class:`LegalHoldError` for the first held dataset that holds rows of the subject (in
    any version, or versions that could not be checked)."""
    for item in found:
        entry = item.target.entry
        if entry is None or not entry.legal_hold:
            continue
        if item.rows or item.older or item.unreadable:
            raise hold_refusal(entry, action)


def _smallest_class(parts: list[pa.Table], qis: list[str]) -> int | None:
    if not parts or not qis:
        return None
    table = pa.concat_tables(parts)
    if table.num_rows == 0:
        return None
    counts = table.group_by(qis, use_threads=False).aggregate([([], "count_all")])
    return int(pc.min(counts.column("count_all")).as_py())


def _without_subject(
    subjects: Subjects, item: Found, subject: str, ref: str, actor: str, reason: str
) -> Erased:
    """Write the current version without the subject's rows; it becomes current."""
    target, column = item.target, item.subject_column
    assert column is not None and item.version_id is not None
    if subjects.keyring is None:
        raise KeyError_("removing rows from a dataset needs the master key")
    reader = subjects.sink(target)
    parent = reader.current(target.dataset) or {}
    if parent.get("version_id") != item.version_id:
        raise SinkError(
            f"dataset {target.dataset!r}: a new version was committed while the erasure ran; "
            "run it again"
        )
    writer_sink = open_sink(
        reader.location,
        format=str(parent.get("format") or "parquet"),
        encrypt=bool(parent.get("encrypted")),
        keyring=subjects.keyring,
    )
    schema = decode_schema(parent)
    privacy = parent.get("privacy") or {}
    qis = list((privacy.get("target") or {}).get("quasi_identifiers") or [])
    result = Erased(target.dataset, target.output, previous_version_id=item.version_id)
    run_id = f"erase-{_now():%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    batches: Iterator[pa.RecordBatch] = reader.iter_batches(target.dataset, item.version_id)
    first = next(batches, None)
    if schema is None:
        schema = first.schema if first is not None else pa.schema([])
    kept_qis: list[pa.Table] = []
    with writer_sink.writer(target.dataset, schema, run_id=run_id) as writer:
        for batch in [first] if first is not None else []:
            _write_kept(writer, batch, column, subject, qis, kept_qis, result)
        for batch in batches:
            _write_kept(writer, batch, column, subject, qis, kept_qis, result)
        erasures = list(parent.get("erasures") or [])
        erasures.append(
            {
                "subject": ref,
                "rows_removed": result.rows_removed,
                "from_version": item.version_id,
                "at": _now().isoformat(),
                "by": actor,
            }
        )
        manifest = {k: v for k, v in parent.items() if k not in _SINK_KEYS and k != "job_id"}
        if parent.get("job_id"):
            manifest["source_job_id"] = parent["job_id"]
        manifest["derived_from"] = item.version_id
        manifest["erasures"] = erasures
        if qis:
            result.k_after = _smallest_class(kept_qis, qis)
            result.k_target = (privacy.get("target") or {}).get("k")
            manifest["privacy_after_erasure"] = {"k": result.k_after, "target": result.k_target}
        if reader.layout.current_version(target.dataset) != item.version_id:
            raise SinkError(
                f"dataset {target.dataset!r}: a new version was committed while the erasure "
                "ran; nothing was committed, run it again"
            )
        info = writer.commit(manifest)
    result.version_id = info.version_id
    if target.entry is not None:
        previous = subjects.catalog.version(target.dataset, item.version_id)
        subjects.catalog.add_version(
            _version_row(
                parent,
                previous,
                info.version_id,
                run_id,
                info.rows,
                info.bytes,
                ref,
                result,
                reason,
            )
        )
        result.in_catalog = True
    return result


def _write_kept(
    writer: Any,
    batch: pa.RecordBatch,
    column: str,
    subject: str,
    qis: list[str],
    kept_qis: list[pa.Table],
    result: Erased,
) -> None:
    hit = matches(batch.column(column), subject)
    removed = pc.sum(hit).as_py() or 0
    kept = batch.filter(pc.invert(hit)) if removed else batch
    result.rows_removed += removed
    writer.write(kept)
    if qis and all(q in kept.schema.names for q in qis):
        kept_qis.append(pa.Table.from_batches([kept.select(qis)]))


def _version_row(
    parent: dict[str, Any],
    previous: Any,
    version_id: str,
    run_id: str,
    rows: int,
    size: int,
    ref: str,
    result: Erased,
    reason: str,
) -> dict[str, Any]:
    """The catalog row of an erasure's version: the parent's lineage, the new counts."""
    policy = parent.get("policy") or {}
    return {
        "dataset": result.dataset,
        "version_id": version_id,
        "job_id": None,
        "run_id": run_id,
        "created_at": _now(),
        "source": previous.source if previous is not None else parent.get("source") or {},
        "parameters": previous.parameters if previous is not None else {},
        "policy_name": str(policy.get("name") or "unknown"),
        "policy_hash": str(policy.get("hash") or ""),
        "key_id": parent.get("key_id"),
        "veil_version": veil_version(),
        "reference_date": parent.get("reference_date"),
        "format": parent.get("format"),
        "encrypted": parent.get("encrypted"),
        "bytes": size,
        "rows_in": rows + result.rows_removed,
        "rows_out": rows,
        "rows_suppressed": 0,
        "rows_quarantined": 0,
        "k_before": previous.k_after if previous is not None else None,
        "k_after": result.k_after,
        "privacy": None,
        "timings": {},
        "derived_from": result.previous_version_id,
        "change": {
            "kind": "erasure",
            "subject": ref,
            "rows_removed": result.rows_removed,
            "reason": reason,
        },
    }


def _delete_older(subjects: Subjects, item: Found, result: Erased) -> None:
    """Delete every version other than the new current one that held the subject's rows."""
    sink = subjects.sink(item.target)
    doomed = list(item.older)
    if result.version_id is not None and item.version_id is not None:
        doomed.append(item.version_id)  # the version the rows were removed from
    for version_id in sorted(doomed):
        sink.delete_version(item.target.dataset, version_id)
        result.deleted_versions.append(version_id)
    result.kept_unreadable = list(item.unreadable)
    if item.target.entry is not None and result.deleted_versions:
        subjects.catalog.mark_deleted(item.target.dataset, result.deleted_versions)


def erase_rows(
    subjects: Subjects,
    found: Iterable[Found],
    subject: str,
    *,
    ref: str,
    actor: str,
    reason: str,
) -> list[Erased]:
    """Remove the subject's rows from every dataset of ``found`` (a :func:`scan`); see the
    module docstring. ``ref`` is the subject's reference (the audit log's
    :meth:`~veil.audit.CatalogAuditLog.subject_ref`), which the new versions' manifests and
    catalog rows record instead of the id. Call :func:`check_holds` first. A failure stops
    at the dataset it happened in; what was done before is returned through the exception's
    ``done``."""
    done: list[Erased] = []
    for item in found:
        if item.skipped is not None or not (item.rows or item.older):
            continue
        target = item.target
        entry = target.entry
        if entry is None:  # a plain `veil run` output: register it, so the catalog records
            try:
                entry = subjects.catalog.register_dataset(
                    target.dataset, target.output, actor=actor
                )
                target = dataclasses.replace(target, entry=entry)
                item.target = target
            except ConfigError:
                entry = None  # the name lives at another output: no catalog record
        try:
            if entry is not None:
                with maintenance_lock(subjects.catalog, target.dataset, "erase", actor=actor):
                    fresh = _fresh(subjects, item, subject)
                    done.append(_erase_one(subjects, fresh, subject, ref, actor, reason))
            else:
                done.append(_erase_one(subjects, item, subject, ref, actor, reason))
        except BaseException as exc:
            exc.done = done  # type: ignore[attr-defined]
            raise
    return done


def _fresh(subjects: Subjects, item: Found, subject: str) -> Found:
    """``item``, scanned again if another version became current before the lock was taken."""
    current = subjects.sink(item.target).layout.current_version(item.target.dataset)
    if current == item.version_id:
        return item
    return scan(subjects, [item.target], subject)[0]


def _erase_one(
    subjects: Subjects, item: Found, subject: str, ref: str, actor: str, reason: str
) -> Erased:
    if item.rows:
        result = _without_subject(subjects, item, subject, ref, actor, reason)
    else:
        result = Erased(
            item.target.dataset, item.target.output, in_catalog=item.target.entry is not None
        )
        result.previous_version_id = item.version_id
    _delete_older(subjects, item, result)
    return result
