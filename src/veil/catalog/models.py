"""The catalog's datasets, versions, jobs and locks, and the job state machine.

Tables (declared on :data:`veil.catalog.db.metadata`, made by the migrations ``0003_jobs`` and
``0004_retention``):

- ``datasets``: one row per dataset name: where its versions are written (``output``), the
  version readers get (``current_version_id``, a mirror of the sink's pointer: the sink's
  ``_current.json`` is authoritative, since readers follow it; the catalog records it and a
  rollback moves the sink's first), retention (``retention_days``, null: keep) and a legal
  hold (on/off, with who, when and why).
- ``dataset_versions``: one row per version a job (or an erasure) committed: its lineage
  (source fingerprint and the job's parameters, policy name and hash, key id, veil version,
  reference date), rows in/out, suppressed and quarantined, timings, and the privacy summary
  (k before and after); for a version made from another (an erasure), ``derived_from`` and
  ``change`` (counts and a subject reference). The lineage is immutable; ``deleted_at`` is set
  when the version's files are deleted (``veil gc``, ``veil subject erase``), and the row
  stays (migration ``0004_retention``). Never values from user records.
- ``jobs``: a run with a lifecycle (below); its parameters (source options, never data), the
  policy it was created with (the document itself, so what was approved is what runs), the
  dry-run's summary (counts and warnings, no values), approval, and the process running it.
- ``job_transitions``: every state change: job, from, to, actor, time, reason.
- ``dataset_locks``: at most one row per dataset: the job writing it and its process (host,
  pid, start time), and the holder's last heartbeat. Taken and released in write transactions
  (see :mod:`veil.catalog.catalog`).
- ``catalog_settings``: catalog-wide settings (``four_eyes``).

The job states::

    pending → dry_run → validated → approved → running → completed → rolled_back
                 ↺          ↘ dry_run (again)             ↘ failed → rolled_back

A dry run may be repeated (from ``dry_run``: one that found blocking problems or was
interrupted; from ``validated``: before approval). Only ``validated`` jobs are approved, only
``approved`` ones run; a failed run always ends ``rolled_back``, as does a completed job whose
version is rolled back.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from veil.catalog.db import metadata, timestamp_column
from veil.errors import InvalidTransitionError

NAME = 128  # a dataset name (the sink allows 128 characters)
VERSION = 160  # a version or run id
ACTOR = 200
JOB_ID = 64

_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only


datasets = Table(
    "datasets",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("output", Text, nullable=False),
    Column("current_version_id", String(VERSION), nullable=True),
    Column("retention_days", Integer, nullable=True),
    Column("legal_hold", Boolean, nullable=False),
    Column("hold_reason", Text, nullable=True),
    Column("hold_actor", String(ACTOR), nullable=True),
    timestamp_column("hold_at", nullable=True),
    timestamp_column("created_at"),
    timestamp_column("updated_at"),
)
dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("dataset", String(NAME), ForeignKey("datasets.name"), primary_key=True),
    Column("version_id", String(VERSION), primary_key=True),
    Column("job_id", String(JOB_ID), nullable=True),
    Column("run_id", String(VERSION), nullable=True),
    timestamp_column("created_at"),
    Column("source", JSON, nullable=False),  # the source's fingerprint
    Column("parameters", JSON, nullable=False),  # the job's parameters
    Column("policy_name", String(ACTOR), nullable=False),
    Column("policy_hash", String(64), nullable=False),
    Column("key_id", String(64), nullable=True),
    Column("veil_version", String(64), nullable=False),
    Column("reference_date", String(10), nullable=True),
    Column("format", String(32), nullable=True),
    Column("encrypted", Boolean, nullable=True),
    Column("bytes", BigInteger, nullable=True),
    Column("rows_in", BigInteger, nullable=False),
    Column("rows_out", BigInteger, nullable=False),
    Column("rows_suppressed", BigInteger, nullable=False),
    Column("rows_quarantined", BigInteger, nullable=False),
    Column("k_before", Integer, nullable=True),
    Column("k_after", Integer, nullable=True),
    Column("privacy", JSON, nullable=True),
    Column("timings", JSON, nullable=False),
    # its files were deleted (gc, erasure); lineage stays
    timestamp_column("deleted_at", nullable=True),
    Column("derived_from", String(VERSION), nullable=True),  # the version it was made from
    Column("change", JSON, nullable=True),  # what that derivation did: counts, references
    Index("ix_dataset_versions_dataset_created", "dataset", "created_at"),
)
jobs = Table(
    "jobs",
    metadata,
    Column("id", String(JOB_ID), primary_key=True),
    Column("dataset", String(NAME), ForeignKey("datasets.name"), nullable=False),
    Column("output", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("four_eyes", Boolean, nullable=False),
    Column("created_by", String(ACTOR), nullable=False),
    timestamp_column("created_at"),
    timestamp_column("updated_at"),
    Column("policy_ref", Text, nullable=False),
    Column("policy_name", String(ACTOR), nullable=False),
    Column("policy_hash", String(64), nullable=False),
    Column("policy", JSON, nullable=False),  # the policy document the job was created with
    Column("parameters", JSON, nullable=False),
    Column("dry_run", JSON, nullable=True),  # the last dry run's summary: counts, warnings
    Column("approved_by", String(ACTOR), nullable=True),
    timestamp_column("approved_at", nullable=True),
    Column("approval_reason", Text, nullable=True),
    Column("previous_version_id", String(VERSION), nullable=True),
    Column("version_id", String(VERSION), nullable=True),
    Column("run_id", String(VERSION), nullable=True),
    Column("runner_host", String(255), nullable=True),
    Column("runner_pid", Integer, nullable=True),
    Column("runner_token", String(64), nullable=True),
    timestamp_column("started_at", nullable=True),
    timestamp_column("finished_at", nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_jobs_dataset_created", "dataset", "created_at"),
    Index("ix_jobs_state", "state"),
)
job_transitions = Table(
    "job_transitions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("job_id", String(JOB_ID), ForeignKey("jobs.id"), nullable=False),
    Column("from_state", String(16), nullable=True),  # null: the job was created
    Column("to_state", String(16), nullable=False),
    Column("actor", String(ACTOR), nullable=False),
    timestamp_column("at"),
    Column("reason", Text, nullable=False),
    Index("ix_job_transitions_job", "job_id", "id"),
)
dataset_locks = Table(
    "dataset_locks",
    metadata,
    Column("dataset", String(NAME), ForeignKey("datasets.name"), primary_key=True),
    Column("job_id", String(JOB_ID), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("token", String(64), nullable=True),  # the process's start time, against pid reuse
    timestamp_column("acquired_at"),
    # refreshed by the holder while it works (0006)
    timestamp_column("heartbeat_at", nullable=True),
)
catalog_settings = Table(
    "catalog_settings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_by", String(ACTOR), nullable=False),
    timestamp_column("updated_at"),
)
TABLES = (datasets, dataset_versions, jobs, job_transitions, dataset_locks, catalog_settings)


class JobState(StrEnum):
    pending = "pending"
    dry_run = "dry_run"
    validated = "validated"
    approved = "approved"
    running = "running"
    completed = "completed"
    failed = "failed"
    rolled_back = "rolled_back"


S = JobState
TRANSITIONS: dict[JobState, tuple[JobState, ...]] = {
    S.pending: (S.dry_run,),
    S.dry_run: (S.dry_run, S.validated),
    S.validated: (S.dry_run, S.approved),
    S.approved: (S.running,),
    S.running: (S.completed, S.failed),
    S.completed: (S.rolled_back,),
    S.failed: (S.rolled_back,),
    S.rolled_back: (),
}
#: the command that moves a job into a state (for error messages)
COMMANDS = {
    S.dry_run: "veil job dry-run {job}",
    S.approved: "veil job approve {job} --reason TEXT",
    S.running: "veil job run {job}",
    S.rolled_back: "veil job rollback {job}",
}


def check_transition(job_id: str, state: str, requested: str) -> None:
    """Raise :class:`InvalidTransitionError` unless a job in ``state`` may become
    ``requested``; the error names the current state and the allowed next ones."""
    allowed = TRANSITIONS[JobState(state)]
    if JobState(requested) in allowed:
        return
    hints = [COMMANDS[s].format(job=job_id) for s in allowed if s in COMMANDS]
    hint = "; ".join(f"`{h}`" for h in hints)
    raise InvalidTransitionError(job_id, state, requested, [s.value for s in allowed], hint)
