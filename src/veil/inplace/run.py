"""Anonymize an existing table where it lives.

:func:`anonymize_in_place` compiles the policy against the table's schema (a policy that does
not fit stops here, with every problem listed: nothing is touched), takes a backup and
verifies it (a backup that does not verify stops the run: nothing is changed), streams the
table's rows through the compiled policy (on the transform pool, in order, as ``veil run``
does; with a ``privacy:`` block the output is gathered and measured first), replaces the
table's content atomically, and checks the new table holds the rows written.

Any failure after the backup (an exception, Ctrl-C) brings the table back to the backup: if
the swap had not happened the table is checked against the backup's measure, else the backup
is restored, and the restored table is verified. The error then says so. The result and the
audit entry hold references, counts, hashes and timings; never a value.

The backup records how the run makes the subject id (:func:`subject_facts`), so that a
subject's erasure can find the subject's raw rows in it however long after, without the
policy file (:mod:`veil.jobs.subject_backups`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from veil.audit import AuditLog, current_actor
from veil.engines import compile_policy
from veil.errors import ConfigError, PolicyError
from veil.inplace.base import Backup, Measure, Target, debug_cause, error_summary
from veil.inplace.errors import (
    BackupVerificationError,
    InPlaceFailedError,
    RestoreFailedError,
    TargetChangedError,
    TargetError,
)
from veil.jobs.prefetch import default_workers, ordered_map, prefetch
from veil.jobs.privacy import apply_privacy
from veil.jobs.run import RunProgress
from veil.keys import Keyring
from veil.policy import Policy

STAGES = ("transforming", "writing")
DEFAULT_BATCH_ROWS = 50_000


@dataclass
class InPlaceResult:
    """What a run did: references, counts, hashes and timings (no values)."""

    target: str
    kind: str
    dry_run: bool
    backup: Backup | None
    backup_kept: bool
    rows_in: int
    rows_out: int
    suppressed: int
    policy: dict[str, str]
    key_id: str
    reference_date: str
    checksum_before: str
    checksum_after: str | None
    columns_before: list[str]
    columns_after: list[str]
    dropped_unknown_columns: list[str]
    privacy: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["backup"] = self.backup.to_dict() if self.backup is not None else None
        return data

    def audit_details(self) -> dict[str, Any]:
        """The audit entry's details: counts, hashes, the backup's reference."""
        return {
            "outcome": "dry_run" if self.dry_run else "completed",
            "backup": self.backup.ref if self.backup else None,
            "keep_backup": self.backup_kept,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "suppressed": self.suppressed,
            "policy": self.policy,
            "key_id": self.key_id,
            "reference_date": self.reference_date,
            "checksum_before": self.checksum_before,
            "checksum_after": self.checksum_after,
            "seconds": round(self.timings.get("total", 0.0), 3),
        }


class _NoProgress:
    def start(self, stage: str, total: int | None) -> None:
        pass

    def advance(self, stage: str, n: int) -> None:
        pass


def _target_ref(target: Target) -> dict[str, Any]:
    return {"target": target.ref, "kind": target.kind}


def subject_facts(policy: Policy, keyring: Keyring) -> dict[str, Any] | None:
    """How ``policy`` makes the subject id: its ``subject_id`` column, that column's operator
    parameters and the master key's id (no value, no key); ``None`` if it names none."""
    column = policy.subject_id
    params = policy.columns.get(column) if column else None
    if params is None:
        return None
    dumped = params.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {"column": column, "params": dumped, "key_id": keyring.kid}


def anonymize_in_place(
    target: Target,
    policy: Policy,
    keyring: Keyring,
    *,
    reference_date: datetime,
    dry_run: bool = False,
    keep_backup: bool = True,
    progress: RunProgress | None = None,
    audit: AuditLog | None = None,
    actor: str | None = None,
    vault: Any = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    workers: int | None = None,
) -> InPlaceResult:
    """Anonymize ``target`` under ``policy``; see the module docstring.

    ``dry_run`` transforms every row and changes nothing (no backup). ``keep_backup=False``
    drops the backup after a verified success (a Delta version stays in the table's
    history). ``audit`` receives one ``inplace.run`` entry (``inplace.failed`` when the run
    fails after its backup), by ``actor`` (default: ``VEIL_ACTOR`` or the login name).
    """
    progress = progress or _NoProgress()
    actor = actor or current_actor()
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    schema = target.schema()
    try:
        compiled = compile_policy(policy, schema, keyring, reference_date, vault=vault)
    except PolicyError:
        if set(schema.names) <= set(policy.outputs()):
            raise ConfigError(
                f"{target.ref} has only the output columns of policy {policy.name!r}: it looks "
                f"anonymized already (`veil inplace backups {target.ref}` lists its backups)"
            ) from None
        raise
    before: Measure | None = None  # the table's measure: the backup's, or (dry run) its own
    counts = {"in": 0, "out": 0, "suppressed": 0}
    privacy: dict[str, Any] | None = None

    def transformed() -> Iterator[pa.RecordBatch]:
        def one(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, int, float]:
            t0 = time.perf_counter()
            out = compiled.transform(batch)
            return out, batch.num_rows, time.perf_counter() - t0

        fetched = target.read_batches(batch_rows, columns=compiled.input_columns)
        results = ordered_map(one, prefetch(fetched), workers=workers or default_workers())
        with contextlib.closing(results):
            for out, rows_in, seconds in results:
                counts["in"] += rows_in
                counts["suppressed"] += rows_in - out.num_rows
                timings["transform"] = timings.get("transform", 0.0) + seconds
                progress.advance("transforming", rows_in)
                yield out

    def output() -> tuple[Iterator[pa.RecordBatch], pa.Schema]:
        """The batches to write, and their schema (after the privacy block, if any)."""
        nonlocal privacy
        if policy.privacy is None:
            return _written(transformed()), compiled.output_schema
        gathered = pa.Table.from_batches(list(transformed()), schema=compiled.output_schema)
        t0 = time.perf_counter()
        table, privacy = apply_privacy(gathered, policy.privacy)
        counts["suppressed"] += gathered.num_rows - table.num_rows
        timings["privacy"] = time.perf_counter() - t0
        return _written(iter(table.to_batches(max_chunksize=batch_rows))), table.schema

    def _written(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            counts["out"] += batch.num_rows
            progress.advance("writing", batch.num_rows)
            yield batch

    def start(rows: int) -> None:
        for stage in STAGES:
            progress.start(stage, rows)

    def result(backup: Backup | None, after: str | None, out_schema: pa.Schema) -> InPlaceResult:
        timings["total"] = time.perf_counter() - t_start
        return InPlaceResult(
            target=target.ref,
            kind=target.kind,
            dry_run=dry_run,
            backup=backup,
            backup_kept=backup is not None and keep_backup,
            rows_in=counts["in"],
            rows_out=counts["out"],
            suppressed=counts["suppressed"],
            policy={"name": policy.name, "hash": policy.digest()},
            key_id=keyring.kid,
            reference_date=reference_date.date().isoformat(),
            checksum_before=before.checksum if before is not None else "",
            checksum_after=after,
            columns_before=list(schema.names),
            columns_after=list(out_schema.names),
            dropped_unknown_columns=list(compiled.dropped_unknown),
            privacy=privacy,
            timings={k: round(v, 4) for k, v in timings.items()},
        )

    if dry_run:
        t0 = time.perf_counter()
        before = target.measure()
        timings["measure"] = time.perf_counter() - t0
        start(before.rows)
        batches, out_schema = output()
        for _ in batches:
            pass
        done = result(None, None, out_schema)
        if audit is not None:
            audit.record("inplace.dry_run", actor, _target_ref(target), done.audit_details())
        return done

    t0 = time.perf_counter()
    backup = target.backup({"subject": subject_facts(policy, keyring)})  # measures it too
    before = backup.measure
    timings["backup"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        check = target.verify(backup)
        problems = list(check.problems)
    except Exception as exc:
        problems = [f"the check failed ({error_summary(exc)})"]
    except BaseException:  # Ctrl-C: nothing was changed; the unchecked copy goes
        with contextlib.suppress(Exception):
            target.drop_backup(backup)
        raise
    timings["verify"] = time.perf_counter() - t0
    if problems:
        with contextlib.suppress(Exception):  # an unverified copy is no use to anyone
            target.drop_backup(backup)
        raise BackupVerificationError(target.ref, backup.ref, problems)

    start(backup.rows)
    try:
        t0 = time.perf_counter()
        batches, out_schema = output()
        written = target.replace(batches, out_schema, guard=backup)
        timings["replace"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        after = target.measure()
        timings["measure_after"] = time.perf_counter() - t0
        if after.rows != written or written != counts["out"]:
            raise TargetError(
                f"{target.ref} holds {after.rows:,} rows after the swap, but {written:,} were "
                "written"
            )
        done = result(backup, after.checksum, out_schema)
        if audit is not None:  # in the guarded block: no change the log cannot record
            audit.record("inplace.run", actor, _target_ref(target), done.audit_details())
    except BaseException as exc:
        error = _recover(target, backup, exc, audit, actor)
        if error is exc:
            raise
        raise error from debug_cause(exc)
    if not keep_backup:
        done.backup_kept = not drop_backup(target, backup, audit=audit, actor=actor)
    return done


def drop_backup(
    target: Target, backup: Backup, *, audit: AuditLog | None = None, actor: str | None = None
) -> bool:
    """Delete ``backup`` (audited as ``inplace.backup_drop``); False when the target keeps it
    regardless (a Delta version stays in the table's history until VACUUM)."""
    dropped = target.drop_backup(backup)
    if dropped and audit is not None:
        audit.record(
            "inplace.backup_drop",
            actor or current_actor(),
            _target_ref(target),
            _facts(backup),
        )
    return dropped


def _recover(
    target: Target,
    backup: Backup,
    exc: BaseException,
    audit: AuditLog | None,
    actor: str,
) -> Exception:
    """Bring the table back to ``backup`` after ``exc``; the error to raise. When another
    writer changed the table, nothing of this run reached it and it is left as that writer
    made it (restoring would undo the other change)."""
    cause = error_summary(exc)
    if isinstance(exc, TargetChangedError):
        _record_failure(audit, actor, target, backup, cause, "unchanged")
        return exc
    action = "unchanged"
    try:
        try:
            intact = target.measure() == backup.measure
        except Exception:
            intact = False
        if not intact:
            action = "restored"
            check = target.restore(backup)
            if not check.ok:
                raise TargetError("; ".join(check.problems))
    except BaseException as again:
        failure = RestoreFailedError(target.ref, backup.ref, cause, error_summary(again))
        _record_failure(audit, actor, target, backup, cause, "restore_failed")
        return failure
    _record_failure(audit, actor, target, backup, cause, action)
    return InPlaceFailedError(
        target.ref,
        backup.ref,
        cause,
        action,
        backup.rows,
        interrupted=isinstance(exc, KeyboardInterrupt),
    )


def _record_failure(
    audit: AuditLog | None, actor: str, target: Target, backup: Backup, cause: str, action: str
) -> None:
    if audit is None:
        return
    with contextlib.suppress(Exception):  # the log's own failure may be what happened
        audit.record(
            "inplace.failed",
            actor,
            _target_ref(target),
            {"outcome": action, "backup": backup.ref, "cause": cause},
        )


def restore_backup(
    target: Target,
    ref: str,
    *,
    audit: AuditLog | None = None,
    actor: str | None = None,
) -> Backup:
    """Put veil's backup ``ref`` of ``target`` back and verify it (``TargetError`` if the
    restored table does not match the backup's measure)."""
    backup = target.find_backup(ref)
    check = target.verify(backup)
    if not check.ok:
        raise TargetError(
            f"backup {backup.ref} of {target.ref} does not verify ({'; '.join(check.problems)}): "
            "nothing was restored"
        )
    restored = target.restore(backup)
    if not restored.ok:
        raise TargetError(
            f"restoring backup {backup.ref} of {target.ref} did not verify "
            f"({'; '.join(restored.problems)})"
        )
    if audit is not None:
        audit.record(
            "inplace.restore",
            actor or current_actor(),
            _target_ref(target),
            _facts(backup),
        )
    return backup


def _facts(backup: Backup) -> dict[str, Any]:
    """A backup in an audit entry: its reference, rows and checksum."""
    return {"backup": backup.ref, "rows": backup.rows, "checksum": backup.checksum}
