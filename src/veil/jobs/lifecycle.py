"""The job lifecycle: create, dry-run, approve, run under the dataset's lock, roll back.

The states and allowed transitions are in :mod:`veil.catalog.models`; the catalog checks
each one under the job's row lock, records it in ``job_transitions`` and audits it. This
module does the work between them:

- :func:`create_job` stores the policy document and the run's parameters (never data).
- :func:`dry_run` applies the policy to a sample (:mod:`veil.jobs.dryrun`), stores its
  summary (no values) and moves the job to ``dry_run``, then ``validated`` if nothing blocks.
- :func:`approve` records who approved and why; with four-eyes on (the job's ``four_eyes``,
  ``VEIL_FOUR_EYES=1`` or the catalog setting ``four_eyes``), not the job's creator.
- :func:`run_job` takes the dataset's lock and moves the job to ``running`` in one
  transaction, notes the sink's current version, runs the pipeline, and records the version
  (``completed``, lock released). On any failure (an exception, ``KeyboardInterrupt``) the
  job becomes ``failed``; the sink's pointer is checked (and moved back if the job's output
  had been committed before the failure), and the job ends ``rolled_back``.
- :func:`rollback_job` makes the version before a completed job's current again: the sink's
  pointer first (it is what readers follow), then the catalog's, under the dataset's lock.
- :func:`recover` finishes what a dead process left: a job ``running`` (or ``failed``) whose
  runner is gone (on this host: pid gone, a zombie, or another process with that pid) ends
  ``failed`` → ``rolled_back`` with the sink checked as above; a lock whose holder is dead is
  released (finishing an interrupted rollback whose sink pointer had already moved). ``veil
  job status``, ``list`` and ``run`` call it first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from veil.audit import AuditLog
from veil.catalog.catalog import Catalog, Job, Lock, Owner
from veil.catalog.models import JobState, check_transition
from veil.errors import (
    FourEyesError,
    InvalidTransitionError,
    JobError,
    JobNotFoundError,
    SinkError,
    VeilError,
)
from veil.inplace import (
    BackupVerificationError,
    InPlaceFailedError,
    InPlaceResult,
    RestoreFailedError,
    Target,
    TargetChangedError,
    anonymize_in_place,
    restore_backup,
)
from veil.jobs import inplace as ip
from veil.jobs.dryrun import DEFAULT_SAMPLE_ROWS, DryRunReport, plan
from veil.jobs.run import RunConfig, RunProgress, RunResult, run_pipeline
from veil.keys import Keyring
from veil.policy import Policy
from veil.policy.loader import policy_from_dict
from veil.sinks import S3Options, Sink, open_sink

ENV_FOUR_EYES = "VEIL_FOUR_EYES"
S = JobState

__all__ = [
    "ENV_FOUR_EYES",
    "InPlaceOutcome",
    "JobState",
    "Recovery",
    "RunOutcome",
    "approve",
    "create_job",
    "dry_run",
    "four_eyes_required",
    "job_policy",
    "job_sink",
    "maintenance_lock",
    "recover",
    "rollback_job",
    "run_inplace_job",
    "run_job",
]


def _now() -> datetime:
    return datetime.now(UTC)


def veil_version() -> str:
    try:
        return version("veil")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def describe_error(exc: BaseException) -> str:
    """What went wrong, for the catalog and the audit log: a VeilError's message (they carry
    no values), else the exception's type only."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (KeyboardInterrupt)"
    if isinstance(exc, VeilError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__} (details withheld: they may contain data)"


# -- the job's policy and sink --------------------------------------------------------------


def create_job(
    catalog: Catalog,
    *,
    policy: Policy,
    policy_ref: str,
    dataset: str,
    output: str,
    parameters: Mapping[str, Any],
    actor: str,
    four_eyes: bool = False,
) -> Job:
    """A new ``pending`` job running ``policy`` (stored whole: what is approved is what
    runs) with ``parameters`` (source and output options, never data). An in-place job
    (``parameters["kind"] == "inplace"``) has the target's reference as dataset and output."""
    return catalog.create_job(
        target_ref=parameters.get("kind") == ip.KIND,
        dataset=dataset,
        output=output,
        policy_ref=policy_ref,
        policy=policy.canonical(),
        policy_name=policy.name,
        policy_hash=policy.digest(),
        parameters=parameters,
        four_eyes=four_eyes,
        actor=actor,
    )


def job_policy(job: Job) -> Policy:
    """The policy the job was created with, checked against its recorded hash."""
    policy = policy_from_dict(job.policy, f"the policy of job {job.id}")
    if policy.digest() != job.policy_hash:
        raise JobError(
            f"the policy stored with job {job.id} does not match its hash {job.policy_hash[:12]}…"
            ": the catalog was changed outside veil; create a new job"
        )
    return policy


def job_sink(job: Job) -> Sink:
    """The job's output, for pointers and manifests (no key needed for those)."""
    endpoint = job.parameters.get("s3_endpoint")
    s3 = S3Options(endpoint_url=endpoint) if endpoint else None
    return open_sink(job.output, format="parquet", encrypt=False, keyring=None, s3=s3)


def _current(sink: Sink, dataset: str) -> str | None:
    return sink.layout.current_version(dataset)


def _point(sink: Sink, dataset: str, version_id: str | None) -> None:
    """Point the sink's dataset at ``version_id``; ``None``: no current version (the dataset
    had none before), checked by reading the pointer back."""
    if version_id is None:
        sink.location.delete_file(sink.layout.pointer_path(dataset))
    else:
        sink.rollback(dataset, version_id)
    if _current(sink, dataset) != version_id:
        raise SinkError(f"dataset {dataset!r}: the pointer did not move to {version_id}")


def _restore(job: Job) -> str:
    """After a failed run: make sure the version before the job is current in the sink;
    what was found and done, for the transition's reason."""
    if ip.is_inplace(job):  # a dead in-place run: its swap is atomic, the table is not checked
        return (
            f"the run's process ended before it could say how {job.output} was left: the "
            "swap is atomic, so the table is either as before the run or fully anonymized; "
            f"`veil inplace backups {job.output}` lists the backup to put back with "
            "`veil inplace restore`"
        )
    sink = job_sink(job)
    manifest = sink.current(job.dataset)
    previous = job.previous_version_id
    was = previous or "(none: the dataset had no version)"
    if manifest is None or manifest.get("job_id") != job.id:
        current = None if manifest is None else manifest.get("version_id")
        if current == previous:
            return f"the previous version {was} is still current in the sink (verified)"
        return (
            f"the sink's current version is {current or '(none)'}, which this job did not "
            "write: the job left it as it was"
        )
    _point(sink, job.dataset, previous)
    return (
        f"the job's output (version {manifest.get('version_id')}) had been committed before "
        f"the failure; the sink's pointer is back at the previous version {was} (verified)"
    )


# -- dry run and approval -------------------------------------------------------------------


def dry_run(
    catalog: Catalog,
    job_id: str,
    config: RunConfig,
    *,
    actor: str,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
) -> DryRunReport:
    """Apply the job's policy to a sample (``config`` is the job's run configuration; nothing
    is written) and record the outcome: ``dry_run``, then ``validated`` if nothing blocks."""
    if sample_rows < 1:
        raise JobError("--sample-rows must be ≥ 1")
    job = catalog.job(job_id)
    check_transition(job.id, job.state, S.dry_run)
    report = plan(config, sample_rows)
    summary = report.summary()
    counts = {
        "sample_rows": report.sample_rows,
        "warnings": len(report.warnings),
        "blocking": len(report.blocking),
        "policy_hash": job.policy_hash,
    }
    reason = (
        f"dry run on {report.sample_rows} sampled records: {len(report.warnings)} warning(s), "
        f"{len(report.blocking)} blocking problem(s)"
    )
    catalog.transition(
        job_id, S.dry_run, actor=actor, reason=reason, values={"dry_run": summary}, details=counts
    )
    if not report.blocking:
        catalog.transition(
            job_id,
            S.validated,
            actor=actor,
            reason="the dry run found no blocking problem",
            details=counts,
        )
    return report


def four_eyes_required(
    catalog: Catalog, job: Job, environ: Mapping[str, str] | None = None
) -> bool:
    env = os.environ if environ is None else environ
    return job.four_eyes or env.get(ENV_FOUR_EYES) == "1" or catalog.setting("four_eyes") == "1"


def approve(
    catalog: Catalog,
    job_id: str,
    *,
    actor: str,
    reason: str,
    environ: Mapping[str, str] | None = None,
) -> Job:
    """Approve a validated job (who and why are recorded); under four-eyes, not by its
    creator (:class:`FourEyesError`, audited as a refusal)."""
    if not reason or not reason.strip():
        raise JobError("approving a job needs a reason (--reason TEXT; recorded and audited)")
    job = catalog.job(job_id)
    check_transition(job.id, job.state, S.approved)
    four_eyes = four_eyes_required(catalog, job, environ)
    if four_eyes and actor == job.created_by:
        catalog.record_audit(
            "job.approve.refused",
            actor,
            {"job": job.id, "dataset": job.dataset},
            {"reason": "four-eyes: the creator may not approve"},
        )
        raise FourEyesError(job.id, job.created_by)
    return catalog.transition(
        job_id,
        S.approved,
        actor=actor,
        reason=reason,
        values={"approved_by": actor, "approved_at": _now(), "approval_reason": reason},
        details={"four_eyes": four_eyes, "policy_hash": job.policy_hash},
    )


# -- running --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover` did about one job a dead process left behind."""

    job_id: str
    note: str


@dataclass
class RunOutcome:
    job: Job
    result: RunResult
    took_over: Lock | None = None
    recovered: list[Recovery] = field(default_factory=list)


def _version_row(job: Job, result: RunResult) -> dict[str, Any]:
    """The ``dataset_versions`` row of a committed run: the sink's manifest facts."""
    manifest = job_sink(job).layout.manifest(job.dataset, result.version_id) or result.manifest
    created = manifest.get("created_at")
    privacy = manifest.get("privacy")
    rows_out = int(manifest.get("rows", result.rows))
    suppressed = int(manifest.get("rows_suppressed") or 0)

    def k(when: str) -> int | None:
        return int(privacy[when]["k"]) if privacy else None

    return {
        "dataset": job.dataset,
        "version_id": result.version_id,
        "job_id": job.id,
        "run_id": result.run_id,
        "created_at": datetime.fromisoformat(created) if created else _now(),
        "source": manifest.get("source") or {},
        "parameters": job.parameters,
        "policy_name": manifest["policy"]["name"],
        "policy_hash": manifest["policy"]["hash"],
        "key_id": manifest.get("key_id"),
        "veil_version": veil_version(),
        "reference_date": manifest.get("reference_date"),
        "format": manifest.get("format"),
        "encrypted": manifest.get("encrypted"),
        "bytes": manifest.get("bytes"),
        "rows_in": rows_out + suppressed,
        "rows_out": rows_out,
        "rows_suppressed": suppressed,
        "rows_quarantined": int((manifest.get("quarantine") or {}).get("count") or 0),
        "k_before": k("before"),
        "k_after": k("after"),
        "privacy": _privacy_summary(privacy),
        "timings": {name: round(seconds, 4) for name, seconds in result.timings.items()},
    }


def _privacy_summary(privacy: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not privacy:
        return None
    keep = ("k", "uniqueness", "classes", "l_distinct", "records")
    return {
        "target": privacy.get("target"),
        "before": {key: privacy["before"].get(key) for key in keep},
        "after": {key: privacy["after"].get(key) for key in keep},
        "enforced": privacy.get("enforcement") is not None,
    }


def _fail(
    catalog: Catalog,
    job_id: str,
    exc: BaseException,
    actor: str,
    note: Callable[[Job], str] = _restore,
) -> None:
    """``running`` → ``failed`` → ``rolled_back``, the sink checked in between (``note``:
    what was found and done, the rolled_back transition's reason)."""
    error = describe_error(exc)
    catalog.transition(
        job_id,
        S.failed,
        actor=actor,
        reason=f"the run failed: {error}",
        values={"error": error, "finished_at": _now()},
        details={"error_type": type(exc).__name__},
    )
    job = catalog.job(job_id)
    catalog.transition(
        job_id,
        S.rolled_back,
        actor=actor,
        reason=note(job),
        release_lock=True,
        details={"previous_version_id": job.previous_version_id},
    )


def run_job(
    catalog: Catalog,
    job_id: str,
    config: RunConfig,
    *,
    actor: str,
    progress: RunProgress | None = None,
) -> RunOutcome:
    """Run an approved job (``config`` is its run configuration); see the module docstring.

    Raises what the run raised, after the job ended ``rolled_back``.
    """
    recovered = recover(catalog, actor=actor)
    with catalog.holding(catalog.job(job_id).dataset, job_id):
        job, stale = catalog.start_run(job_id, actor=actor, owner=Owner.this_process())
        try:
            if stale is not None:
                recovered += _recover_holder(catalog, stale, actor)
            previous = _current(job_sink(job), job.dataset)
            catalog.update_job(job_id, previous_version_id=previous)
            extra = {**config.manifest_extra, "job_id": job.id}
            result = run_pipeline(dataclasses.replace(config, manifest_extra=extra), progress)
            job = catalog.transition(
                job_id,
                S.completed,
                actor=actor,
                reason=f"version {result.version_id} committed ({result.rows} rows)",
                values={
                    "version_id": result.version_id,
                    "run_id": result.run_id,
                    "finished_at": _now(),
                },
                version=_version_row(job, result),
                pointer=result.version_id,
                release_lock=True,
                details={
                    "rows": result.rows,
                    "version_id": result.version_id,
                    "previous_version_id": previous,
                    "policy_hash": job.policy_hash,
                    "key_id": result.manifest.get("key_id"),
                },
            )
        except BaseException as exc:
            with contextlib.suppress(Exception):  # what failed matters more; recover() retries
                _fail(catalog, job_id, exc, actor)
            raise
    return RunOutcome(job, result, stale, recovered)


# -- in place -------------------------------------------------------------------------------


@dataclass
class InPlaceOutcome:
    job: Job
    result: InPlaceResult
    took_over: Lock | None = None
    recovered: list[Recovery] = field(default_factory=list)


def _inplace_failure(exc: BaseException, ref: str) -> str:
    """How a failed in-place run left the table, from what :func:`anonymize_in_place`
    raised (it restores the table itself), for the rolled_back transition's reason."""
    if isinstance(exc, InPlaceFailedError):
        if exc.action == "restored":
            return f"the table {ref} was restored from backup {exc.backup} and verified"
        return (
            f"the table {ref} is as before the run (the swap had not happened; verified "
            f"against backup {exc.backup})"
        )
    if isinstance(exc, RestoreFailedError):
        return (
            f"restoring backup {exc.backup} of {ref} failed too: the backup is kept; put it "
            f"back with `veil inplace restore {ref} --backup {exc.backup}`"
        )
    if isinstance(exc, TargetChangedError):
        return f"another writer changed {ref} after the backup: nothing of this run reached it"
    if isinstance(exc, BackupVerificationError):
        return f"the backup of {ref} did not verify: nothing was changed, the table is as it was"
    return f"the run stopped before changing {ref}: the table is as it was"


def run_inplace_job(
    catalog: Catalog,
    job_id: str,
    *,
    keyring: Keyring,
    reference_date: datetime,
    actor: str,
    audit: AuditLog | None = None,
    progress: RunProgress | None = None,
    vault: Any = None,
) -> InPlaceOutcome:
    """Run an approved in-place job: the dataset's lock and ``running`` (as
    :func:`run_job`), :func:`~veil.inplace.anonymize_in_place` on the job's target (audited
    to ``audit`` by ``actor``), and the version with its lineage recorded (``completed``,
    lock released). On failure the table is already back (``anonymize_in_place`` restores
    it); the job ends ``failed`` → ``rolled_back`` saying so, and the error is raised."""
    recovered = recover(catalog, actor=actor)
    with catalog.holding(catalog.job(job_id).dataset, job_id):
        job, stale = catalog.start_run(job_id, actor=actor, owner=Owner.this_process())
        done: InPlaceResult | None = None
        try:
            if stale is not None:
                recovered += _recover_holder(catalog, stale, actor)
            previous = catalog.dataset(job.dataset).current_version_id
            job = catalog.update_job(job_id, previous_version_id=previous)
            policy = job_policy(job)
            with ip.open_job_target(job.parameters["target"]) as target:
                done = anonymize_in_place(
                    target,
                    policy,
                    keyring,
                    reference_date=reference_date,
                    keep_backup=bool(job.parameters.get("keep_backup", True)),
                    progress=progress,
                    audit=audit,
                    actor=actor,
                    vault=vault,
                )
                try:
                    version = ip.version_id()
                    backup = done.backup.ref if done.backup else None
                    kept = "kept" if done.backup_kept else "dropped"
                    job = catalog.transition(
                        job_id,
                        S.completed,
                        actor=actor,
                        reason=(
                            f"{done.target} anonymized in place ({done.rows_out} rows); "
                            f"backup {backup} ({kept})"
                        ),
                        values={"version_id": version, "run_id": version, "finished_at": _now()},
                        version=ip.version_row(
                            job,
                            done,
                            version,
                            veil_version=veil_version(),
                            privacy=_privacy_summary(done.privacy),
                        ),
                        pointer=version,
                        release_lock=True,
                        details={
                            "rows": done.rows_out,
                            "version_id": version,
                            "previous_version_id": previous,
                            "backup": backup,
                            "checksum_before": done.checksum_before,
                            "checksum_after": done.checksum_after,
                            "policy_hash": job.policy_hash,
                            "key_id": done.key_id,
                        },
                    )
                except BaseException as exc:  # the catalog could not record it: undo the swap
                    note = _undo_inplace(target, done, audit, actor)
                    with contextlib.suppress(Exception):
                        _fail(catalog, job_id, exc, actor, note=lambda _: note)
                    raise
        except BaseException as exc:
            if done is None:
                how = _inplace_failure(exc, job.output)
                with contextlib.suppress(Exception):
                    _fail(catalog, job_id, exc, actor, note=lambda _: how)
            raise
    return InPlaceOutcome(job, done, stale, recovered)


def _undo_inplace(target: Target, done: InPlaceResult, audit: AuditLog | None, actor: str) -> str:
    """After a swap the catalog could not record: put the backup back (verified)."""
    if done.backup is None or not done.backup_kept:
        return (
            f"{done.target} was anonymized but the catalog could not record it, and the "
            "backup was dropped (--no-keep-backup): the table stays anonymized"
        )
    try:
        restore_backup(target, done.backup.ref, audit=audit, actor=actor)
    except Exception as exc:
        return (
            f"{done.target} was anonymized but the catalog could not record it, and restoring "
            f"backup {done.backup.ref} failed ({describe_error(exc)}): put it back with "
            f"`veil inplace restore {done.target} --backup {done.backup.ref}`"
        )
    return (
        f"the catalog could not record the run: the table {done.target} was restored from "
        f"backup {done.backup.ref} and verified"
    )


def _rollback_inplace(
    catalog: Catalog, job: Job, *, actor: str, reason: str | None, audit: AuditLog | None
) -> tuple[Job, str]:
    """Put back the backup a completed in-place job took, verified, under the lock."""
    version = catalog.version(job.dataset, job.version_id) if job.version_id else None
    lineage = version.source if version is not None else {}
    backup = lineage.get("backup")
    if not backup or not lineage.get("backup_kept"):
        raise JobError(
            f"job {job.id} dropped its backup of {job.output} after the run (--no-keep-backup):"
            " there is nothing to restore, and the job stays completed"
        )
    restored = False
    with catalog.holding(job.dataset, job.id):
        try:
            stale = catalog.acquire_lock(job.dataset, job.id, Owner.this_process())
            if stale is not None:
                _recover_holder(catalog, stale, actor)
            current = catalog.dataset(job.dataset).current_version_id
            if current != job.version_id:
                raise JobError(
                    f"job {job.id}'s version {job.version_id} of {job.output} is not the "
                    f"current one ({current or 'none'}): roll back the job that made the "
                    "current version first"
                )
            with ip.open_job_target(job.parameters["target"]) as target:
                measured = target.measure()
                if measured.checksum == lineage.get("checksum_before"):
                    note = f"{job.output} already matched backup {backup} (verified)"
                elif measured.checksum != lineage.get("checksum_after"):
                    raise JobError(
                        f"{job.output} changed after job {job.id} anonymized it (its checksum "
                        "is neither the run's nor the backup's): restoring would undo that "
                        f"change; nothing was restored. `veil inplace restore {job.output} "
                        f"--backup {backup}` restores it anyway"
                    )
                else:
                    put = restore_backup(target, backup, audit=audit, actor=actor)
                    restored = True
                    note = (
                        f"{job.output} restored from backup {put.ref} and verified "
                        f"({put.rows} rows, checksum {put.checksum})"
                    )
            job = catalog.transition(
                job.id,
                S.rolled_back,
                actor=actor,
                reason=f"{reason}; {note}" if reason else note,
                pointer=job.previous_version_id,
                release_lock=True,
                details={"version_id": job.version_id, "backup": backup, "restored": restored},
            )
        except BaseException:
            catalog.release_lock(job.dataset, job.id)  # a repeated rollback finds it restored
            raise
    return job, note


# -- rollback -------------------------------------------------------------------------------


def rollback_job(
    catalog: Catalog,
    job_id: str,
    *,
    actor: str,
    reason: str | None = None,
    audit: AuditLog | None = None,
) -> tuple[Job, str]:
    """Make the version before a completed job's current again (sink first, then the
    catalog), under the dataset's lock; the job ends ``rolled_back``. Refused when a newer
    version is current (roll that one back first). An in-place job's backup is put back
    and verified (``inplace.restore`` audited to ``audit``); refused when it was dropped."""
    recover(catalog, actor=actor)
    job = catalog.job(job_id)
    check_transition(job.id, job.state, S.rolled_back)
    if job.state != S.completed:
        raise JobError(
            f"job {job.id} failed: its run rolls it back itself; `veil job status {job.id}` "
            "shows when that is done"
        )
    if ip.is_inplace(job):
        return _rollback_inplace(catalog, job, actor=actor, reason=reason, audit=audit)
    moved = False
    with catalog.holding(job.dataset, job_id):
        try:
            stale = catalog.acquire_lock(job.dataset, job_id, Owner.this_process())
            if stale is not None:
                _recover_holder(catalog, stale, actor)
            sink = job_sink(job)
            current = _current(sink, job.dataset)
            erased = (sink.current(job.dataset) or {}).get("erasures")
            if current != job.version_id and erased:
                raise JobError(
                    f"job {job.id}'s version {job.version_id} was replaced by an erasure "
                    f"(version {current}, with {len(erased)} subject(s) removed): a version "
                    "from before an erasure is never made current again"
                )
            if current != job.version_id:
                raise JobError(
                    f"job {job.id}'s version {job.version_id} is not the current version of "
                    f"{job.dataset!r} (the sink's pointer names {current or 'none'}): roll "
                    "back the job that made the current version first"
                )
            moved = True
            _point(sink, job.dataset, job.previous_version_id)
            was = job.previous_version_id or "(none: the dataset has no current version now)"
            note = f"the previous version {was} is current again (sink, then catalog)"
            job = catalog.transition(
                job_id,
                S.rolled_back,
                actor=actor,
                reason=f"{reason}; {note}" if reason else note,
                pointer=job.previous_version_id,
                release_lock=True,
                details={"version_id": job.version_id, "restored": job.previous_version_id},
            )
        except BaseException:
            if not moved:  # nothing changed: let go; else recover() finishes the rollback
                catalog.release_lock(job.dataset, job_id)
            raise
    return job, note


# -- maintenance ----------------------------------------------------------------------------


@contextlib.contextmanager
def maintenance_lock(catalog: Catalog, dataset: str, purpose: str, *, actor: str) -> Iterator[str]:
    """Hold ``dataset``'s lock for work that is not a job (``gc``, ``erase``: the lock's
    holder is ``<purpose>-<random>``), so no job runs or rolls back meanwhile; a stale lock is
    recovered and taken over. :class:`~veil.errors.DatasetLockedError` if a live job holds
    it."""
    holder = f"{purpose}-{secrets.token_hex(4)}"
    with catalog.holding(dataset, holder):
        stale = catalog.acquire_lock(dataset, holder, Owner.this_process())
        try:
            if stale is not None:
                _recover_holder(catalog, stale, actor)
            yield holder
        finally:
            catalog.release_lock(dataset, holder)


# -- recovery -------------------------------------------------------------------------------


def _dead(owner: Owner | None, job_id: str) -> bool:
    return owner is not None and owner.alive(job_id) is False


def _recover_run(catalog: Catalog, job: Job, actor: str) -> list[Recovery]:
    """A ``running`` or ``failed`` job whose runner died: ``failed`` → ``rolled_back``."""
    runner = job.runner
    if runner is None:
        return []
    try:
        if job.state == S.running:
            error = f"the run's process ({runner.describe()}) ended while running (killed?)"
            catalog.transition(
                job.id,
                S.failed,
                actor=actor,
                reason=f"{error}; found by {actor}",
                values={"error": error, "finished_at": _now()},
                details={"error_type": "process ended", "pid": runner.pid},
            )
        note = _restore(catalog.job(job.id))
        catalog.transition(
            job.id,
            S.rolled_back,
            actor=actor,
            reason=note,
            release_lock=True,
            details={"previous_version_id": job.previous_version_id},
        )
    except InvalidTransitionError:  # another process recovered it meanwhile
        return []
    return [Recovery(job.id, note)]


def _recover_holder(catalog: Catalog, lock: Lock, actor: str) -> list[Recovery]:
    """The job of a dead lock holder: a run to recover, or an interrupted rollback. A holder
    that is no job (``veil gc``, ``veil subject erase``: :func:`maintenance_lock`) needs
    nothing: its staged files go with the next write, its pointer moved or it did not."""
    try:
        job = catalog.job(lock.job_id)
    except JobNotFoundError:
        return []
    if job.state in (S.running, S.failed):
        return _recover_run(catalog, job, actor)
    if job.state != S.completed or ip.is_inplace(job):
        return []  # an in-place restore is atomic: a repeated rollback finishes it
    if (
        job.version_id != job.previous_version_id
        and _current(job_sink(job), job.dataset) == job.previous_version_id
    ):
        with contextlib.suppress(InvalidTransitionError):
            catalog.transition(
                job.id,
                S.rolled_back,
                actor=actor,
                reason=(
                    f"finished the rollback that {lock.owner.describe()} began: the sink's "
                    f"pointer was already back at {job.previous_version_id or '(none)'}"
                ),
                pointer=job.previous_version_id,
                details={"version_id": job.version_id, "restored": job.previous_version_id},
            )
            return [Recovery(job.id, "finished an interrupted rollback")]
    return []


def _attempt(job_id: str, work: Callable[[], list[Recovery]]) -> list[Recovery]:
    """``work()``; if it fails (an unreachable sink), the job is left for the next try."""
    try:
        return work()
    except Exception as exc:
        why = describe_error(exc)
        return [
            Recovery(job_id, f"not recovered yet ({why}); the next status, list or run retries")
        ]


def _recover_lock(catalog: Catalog, lock: Lock, actor: str) -> list[Recovery]:
    found = _recover_holder(catalog, lock, actor)
    catalog.release_lock(lock.dataset, lock.job_id, owner=lock.owner)
    return found


def recover(catalog: Catalog, *, actor: str) -> list[Recovery]:
    """Finish what dead processes left behind (see the module docstring)."""
    found: list[Recovery] = []
    for job in catalog.jobs(states=(S.running, S.failed)):
        if _dead(job.runner, job.id):
            found += _attempt(job.id, functools.partial(_recover_run, catalog, job, actor))
    tried = {r.job_id for r in found}
    for lock in catalog.locks():
        if lock.job_id not in tried and lock.dead():
            found += _attempt(lock.job_id, functools.partial(_recover_lock, catalog, lock, actor))
    return found
