"""The catalog of datasets, their versions, and jobs: :class:`Catalog`.

Tables and the job state machine are in :mod:`veil.catalog.models`. Everything that reads a
row, decides and writes runs in one :func:`~veil.catalog.db.write_transaction` (SQLite
``BEGIN IMMEDIATE``; PostgreSQL ``SELECT … FOR UPDATE`` on the rows decided on), so two
processes never both move a job, or both take a dataset's lock. Every state change is a
``job_transitions`` row written in the same transaction, and an audit entry
(``job.<state>``: the job and dataset, counts and hashes, never values) written after the
commit: an audit log kept in the same database takes its own write lock.

**The dataset lock.** A job that writes a dataset (a run, a rollback) first takes its row in
``dataset_locks``, holding its owner: host, pid and the process's start time (Linux
``/proc/<pid>/stat``; a reused pid then does not pass for the owner). A second job finds the
row and fails at once with :class:`~veil.errors.DatasetLockedError` naming the holder, unless
the holder is dead: on this host, its pid is gone, a zombie, or a different process; in this
process, it is no longer active; on another host, whose processes cannot be looked up, its
heartbeat is older than the lock lifetime. A dead holder's lock is taken over, and the caller
is told (:meth:`Catalog.start_run` returns it).

**Heartbeats.** While a process works under a lock (:meth:`Catalog.holding`), a thread
refreshes the lock's ``heartbeat_at`` every lifetime / 4. The lifetime is ``VEIL_LOCK_TTL``
seconds (default 120): longer than any pause a live holder may have (a stalled catalog
connection), shorter than an operator wants to wait after a host died. A holder that was only cut
off cannot complete its job afterwards: completing requires still holding the lock
(:class:`~veil.errors.LockLostError` otherwise, and the run ends ``failed`` → ``rolled_back``
like any failed run), and the taker ends the dead holder's job ``failed`` → ``rolled_back``.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from veil.audit import AuditLog
from veil.catalog.db import CatalogClient, as_utc, write_transaction
from veil.catalog.models import (
    NAME,
    JobState,
    catalog_settings,
    check_transition,
    dataset_locks,
    dataset_versions,
    datasets,
    job_transitions,
    jobs,
)
from veil.errors import ConfigError, DatasetLockedError, JobNotFoundError, LockLostError
from veil.sinks.layout import check_dataset_name

#: job ids this process is running or rolling back: a lock of this pid for any other job is
#: left over from an earlier failure in the same process
_ACTIVE: set[str] = set()
log = logging.getLogger("veil.catalog")
_KEEP = object()  # "leave the dataset's pointer as it is"
_HAS_PROC = Path("/proc/self/stat").exists()


@contextmanager
def working_on(job_id: str) -> Iterator[None]:
    """Mark ``job_id`` as worked on by this process (its locks are live) for the block."""
    _ACTIVE.add(job_id)
    try:
        yield
    finally:
        _ACTIVE.discard(job_id)


def _now() -> datetime:
    return datetime.now(UTC)


ENV_LOCK_TTL = "VEIL_LOCK_TTL"
_DEFAULT_LOCK_TTL = 120.0


def lock_ttl(environ: Mapping[str, str] | None = None) -> timedelta:
    """How long a lock held from another host lives without a heartbeat (``VEIL_LOCK_TTL``
    seconds, default 120)."""
    raw = (os.environ if environ is None else environ).get(ENV_LOCK_TTL)
    if raw is None:
        return timedelta(seconds=_DEFAULT_LOCK_TTL)
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 1 <= seconds <= 86_400:
        raise ConfigError(f"{ENV_LOCK_TTL} must be a number of seconds from 1 to 86400")
    return timedelta(seconds=seconds)


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) of a process, from Linux ``/proc``."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = text.rpartition(")")[2].split()  # the command name may contain spaces
    return rest[0], rest[19]


@dataclass(frozen=True)
class Owner:
    """A process that holds a lock or runs a job: host, pid, start time (when known)."""

    host: str
    pid: int
    token: str | None = None

    @classmethod
    def this_process(cls) -> Owner:
        stat = _proc_stat(os.getpid()) if _HAS_PROC else None
        return cls(socket.gethostname(), os.getpid(), stat[1] if stat else None)

    def alive(self, job_id: str) -> bool | None:
        """Whether the process still works on ``job_id``: ``None`` for another host."""
        if self.host != socket.gethostname():
            return None
        if self.pid == os.getpid():
            return job_id in _ACTIVE
        if not _HAS_PROC:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                return True
            return True
        stat = _proc_stat(self.pid)
        if stat is None or stat[0] in ("Z", "X"):  # gone, or a zombie nobody reaped yet
            return False
        return self.token is None or stat[1] == self.token

    def describe(self) -> str:
        return f"pid {self.pid} on host {self.host}"


T = TypeVar("T")


def _record(cls: type[T], row: Row[Any]) -> T:
    values = {}
    mapping = row._mapping
    for f in fields(cls):  # type: ignore[arg-type]
        value = mapping[f.name]
        values[f.name] = as_utc(value) if isinstance(value, datetime) else value
    return cls(**values)


def _jsonable(obj: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(obj).items()}


@dataclass(frozen=True)
class Dataset:
    name: str
    output: str
    current_version_id: str | None
    retention_days: int | None
    legal_hold: bool
    hold_reason: str | None
    hold_actor: str | None
    hold_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class Version:
    """One committed version and its lineage (immutable)."""

    dataset: str
    version_id: str
    job_id: str | None
    run_id: str | None
    created_at: datetime
    source: dict[str, Any]
    parameters: dict[str, Any]
    policy_name: str
    policy_hash: str
    key_id: str | None
    veil_version: str
    reference_date: str | None
    format: str | None
    encrypted: bool | None
    bytes: int | None
    rows_in: int
    rows_out: int
    rows_suppressed: int
    rows_quarantined: int
    k_before: int | None
    k_after: int | None
    privacy: dict[str, Any] | None
    timings: dict[str, float]
    deleted_at: datetime | None = None  # its files were deleted (gc, erasure)
    derived_from: str | None = None  # the version an erasure made it from
    change: dict[str, Any] | None = None  # what that derivation did (counts, references)

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class Job:
    id: str
    dataset: str
    output: str
    state: str
    four_eyes: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    policy_ref: str
    policy_name: str
    policy_hash: str
    policy: dict[str, Any]
    parameters: dict[str, Any]
    dry_run: dict[str, Any] | None
    approved_by: str | None
    approved_at: datetime | None
    approval_reason: str | None
    previous_version_id: str | None
    version_id: str | None
    run_id: str | None
    runner_host: str | None
    runner_pid: int | None
    runner_token: str | None
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None

    @property
    def runner(self) -> Owner | None:
        if self.runner_host is None or self.runner_pid is None:
            return None
        return Owner(self.runner_host, self.runner_pid, self.runner_token)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the policy document (its name, reference and hash stay)."""
        out = _jsonable(self)
        del out["policy"]
        return out


@dataclass(frozen=True)
class Transition:
    id: int
    job_id: str
    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


@dataclass(frozen=True)
class Lock:
    dataset: str
    job_id: str
    host: str
    pid: int
    token: str | None
    acquired_at: datetime
    heartbeat_at: datetime | None = None

    @property
    def owner(self) -> Owner:
        return Owner(self.host, self.pid, self.token)

    def dead(self, now: datetime | None = None) -> bool:
        """Whether the holder is gone: its process, when it is on this host; else its
        heartbeat (or, before the first, its acquisition) is older than :func:`lock_ttl`."""
        alive = self.owner.alive(self.job_id)
        if alive is not None:
            return not alive
        last = as_utc(self.heartbeat_at or self.acquired_at)
        return (now or _now()) - last > lock_ttl()

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


def _text(value: Any, what: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} must be a non-empty text")
    if len(value) > limit:
        raise ConfigError(f"{what} is {len(value)} characters long; at most {limit} are allowed")
    return value


class Catalog(CatalogClient):
    """Datasets, versions, jobs and locks in the catalog database at ``url``.

    Opening it migrates the database to the newest revision. Thread-safe; any number of
    catalogs (threads, processes, servers) may share a database. With ``audit``, every job
    transition and dataset setting is audited.
    """

    def __init__(self, url: str, audit: AuditLog | None = None) -> None:
        super().__init__(url)
        self._audit = audit

    def record_audit(
        self, action: str, actor: str, target: dict[str, Any], details: dict[str, Any]
    ) -> None:
        """Record an audit entry (if the catalog has an audit log); references and counts."""
        if self._audit is not None:
            self._audit.record(action, actor, target, details)

    # -- internals ------------------------------------------------------------------------

    def _read(self, query: Any) -> list[Row[Any]]:
        with self._engine.connect() as conn:
            return list(conn.execute(query))

    def _retrying(self, work: Callable[[Connection], T]) -> T:
        """``work`` in a write transaction, once more if a concurrent insert of the same key
        won (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises the two)."""
        for attempt in range(2):
            try:
                with write_transaction(self._engine) as conn:
                    return work(conn)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _locked(conn: Connection, table: Table, *where: Any) -> Row[Any] | None:
        return conn.execute(select(table).where(*where).with_for_update()).first()

    # -- settings -------------------------------------------------------------------------

    def setting(self, name: str) -> str | None:
        rows = self._read(select(catalog_settings.c.value).where(catalog_settings.c.name == name))
        return rows[0].value if rows else None

    def set_setting(self, name: str, value: str, *, actor: str) -> None:
        """Set a catalog-wide setting (``four_eyes``: ``"1"`` or ``"0"``); audited."""
        _text(name, "the setting's name", 100)
        _text(actor, "the actor")

        def work(conn: Connection) -> None:
            row = self._locked(conn, catalog_settings, catalog_settings.c.name == name)
            values = {"value": value, "updated_by": actor, "updated_at": _now()}
            if row is None:
                conn.execute(insert(catalog_settings).values(name=name, **values))
            else:
                where = catalog_settings.c.name == name
                conn.execute(update(catalog_settings).where(where).values(**values))

        self._retrying(work)
        self.record_audit("catalog.setting", actor, {"setting": name}, {"value": value})

    # -- datasets -------------------------------------------------------------------------

    def dataset(self, name: str) -> Dataset:
        rows = self._read(select(datasets).where(datasets.c.name == name))
        if not rows:
            raise ConfigError(f"no dataset {name!r} in the catalog; `veil job create` adds one")
        return _record(Dataset, rows[0])

    def datasets(self) -> list[Dataset]:
        return [_record(Dataset, r) for r in self._read(select(datasets).order_by(datasets.c.name))]

    def _update_dataset(
        self, name: str, actor: str, action: str, values: dict[str, Any], details: dict[str, Any]
    ) -> Dataset:
        with write_transaction(self._engine) as conn:
            if self._locked(conn, datasets, datasets.c.name == name) is None:
                raise ConfigError(f"no dataset {name!r} in the catalog")
            where = datasets.c.name == name
            conn.execute(update(datasets).where(where).values(updated_at=_now(), **values))
        self.record_audit(action, actor, {"dataset": name}, details)
        return self.dataset(name)

    def register_dataset(
        self, name: str, output: str, *, actor: str, target_ref: bool = False
    ) -> Dataset:
        """The dataset ``name`` at ``output``, added to the catalog if it is not there (a
        dataset a plain ``veil run`` wrote); :class:`ConfigError` if the name lives at another
        output. Audited when added. ``target_ref``: a table anonymized in place, named (and
        located) by its reference, as :meth:`create_job` names one."""
        if target_ref:
            _text(name, "the target's reference", NAME)
        else:
            check_dataset_name(name)
        _text(actor, "the actor")
        now = _now()

        def work(conn: Connection) -> bool:
            row = self._locked(conn, datasets, datasets.c.name == name)
            if row is not None:
                if row.output != output:
                    raise ConfigError(
                        f"dataset {name!r} of the catalog is written to {row.output}, not "
                        f"{output}: a dataset name lives at one output"
                    )
                return False
            conn.execute(
                insert(datasets).values(
                    name=name, output=output, legal_hold=False, created_at=now, updated_at=now
                )
            )
            return True

        if self._retrying(work):
            self.record_audit("dataset.register", actor, {"dataset": name}, {"output": output})
        return self.dataset(name)

    def set_retention(self, name: str, days: int | None, *, actor: str) -> Dataset:
        """Keep versions for ``days`` (``None``: keep); audited."""
        if days is not None and days < 1:
            raise ConfigError("retention must be at least 1 day (or none)")
        return self._update_dataset(
            name, actor, "dataset.retention", {"retention_days": days}, {"retention_days": days}
        )

    def set_legal_hold(self, name: str, hold: bool, *, actor: str, reason: str) -> Dataset:
        """Put a legal hold on a dataset (or lift it), with who and why; audited."""
        _text(reason, "the reason", 1000)
        values = {"legal_hold": hold, "hold_reason": reason, "hold_actor": actor, "hold_at": _now()}
        return self._update_dataset(
            name, actor, "dataset.legal_hold", values, {"hold": hold, "reason": reason}
        )

    # -- versions -------------------------------------------------------------------------

    def versions(self, dataset: str) -> list[Version]:
        """The versions jobs (and erasures) committed to ``dataset``, oldest first, with their
        lineage; deleted ones too (``deleted_at`` set)."""
        query = (
            select(dataset_versions)
            .where(dataset_versions.c.dataset == dataset)
            .order_by(dataset_versions.c.created_at, dataset_versions.c.version_id)
        )
        return [_record(Version, r) for r in self._read(query)]

    def add_version(self, row: Mapping[str, Any], *, current: bool = True) -> Version:
        """Record a version that no job made (an erasure's), and point the dataset at it
        (``current``), in one transaction. ``row`` holds the ``dataset_versions`` columns."""

        def work(conn: Connection) -> None:
            name = row["dataset"]
            if self._locked(conn, datasets, datasets.c.name == name) is None:
                raise ConfigError(f"no dataset {name!r} in the catalog")
            conn.execute(insert(dataset_versions).values(**row))
            if current:
                conn.execute(
                    update(datasets)
                    .where(datasets.c.name == name)
                    .values(current_version_id=row["version_id"], updated_at=_now())
                )

        self._retrying(work)
        found = self.version(row["dataset"], row["version_id"])
        assert found is not None
        return found

    def mark_deleted(
        self, dataset: str, version_ids: Iterable[str], at: datetime | None = None
    ) -> list[str]:
        """Set ``deleted_at`` on versions whose files were deleted (the rows and their lineage
        stay); returns the ids that were not marked before."""
        ids = sorted(set(version_ids))
        if not ids:
            return []
        t = dataset_versions.c
        where = [t.dataset == dataset, t.version_id.in_(ids), t.deleted_at.is_(None)]
        with write_transaction(self._engine) as conn:
            marked = [r.version_id for r in conn.execute(select(t.version_id).where(*where))]
            conn.execute(update(dataset_versions).where(*where).values(deleted_at=at or _now()))
        return sorted(marked)

    def version(self, dataset: str, version_id: str) -> Version | None:
        table = dataset_versions
        query = select(table).where(table.c.dataset == dataset, table.c.version_id == version_id)
        rows = self._read(query)
        return _record(Version, rows[0]) if rows else None

    # -- jobs -----------------------------------------------------------------------------

    def create_job(
        self,
        *,
        dataset: str,
        output: str,
        policy_ref: str,
        policy: Mapping[str, Any],
        policy_name: str,
        policy_hash: str,
        parameters: Mapping[str, Any],
        four_eyes: bool,
        actor: str,
        target_ref: bool = False,
    ) -> Job:
        """A new ``pending`` job; registers the dataset at ``output`` if it is new (a dataset
        name lives at one output). ``target_ref``: the dataset is an in-place table, named by
        its reference (a URI without credentials) instead of a sink's dataset name."""
        if target_ref:
            _text(dataset, "the target's reference", NAME)
        else:
            check_dataset_name(dataset)
        _text(actor, "the actor")
        job_id = f"job-{secrets.token_hex(4)}"
        now = _now()

        def work(conn: Connection) -> None:
            row = self._locked(conn, datasets, datasets.c.name == dataset)
            if row is None:
                conn.execute(
                    insert(datasets).values(
                        name=dataset,
                        output=output,
                        legal_hold=False,
                        created_at=now,
                        updated_at=now,
                    )
                )
            elif row.output != output:
                raise ConfigError(
                    f"dataset {dataset!r} is written to {row.output}, not {output}: use that "
                    "--output, or another --dataset name"
                )
            conn.execute(
                insert(jobs).values(
                    id=job_id,
                    dataset=dataset,
                    output=output,
                    state=JobState.pending.value,
                    four_eyes=four_eyes,
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                    policy_ref=policy_ref,
                    policy_name=policy_name,
                    policy_hash=policy_hash,
                    policy=dict(policy),
                    parameters=dict(parameters),
                )
            )
            conn.execute(
                insert(job_transitions).values(
                    job_id=job_id,
                    from_state=None,
                    to_state=JobState.pending.value,
                    actor=actor,
                    at=now,
                    reason="created",
                )
            )

        self._retrying(work)
        self.record_audit(
            "job.pending",
            actor,
            {"job": job_id, "dataset": dataset},
            {"policy_hash": policy_hash, "four_eyes": four_eyes, "output": output},
        )
        return self.job(job_id)

    def job(self, job_id: str) -> Job:
        rows = self._read(select(jobs).where(jobs.c.id == job_id))
        if not rows:
            raise JobNotFoundError(job_id)
        return _record(Job, rows[0])

    def jobs(self, dataset: str | None = None, states: Iterable[str] | None = None) -> list[Job]:
        """Jobs, newest first, of one dataset and in some states if asked."""
        query = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id)
        if dataset is not None:
            query = query.where(jobs.c.dataset == dataset)
        if states is not None:
            query = query.where(jobs.c.state.in_([JobState(s).value for s in states]))
        return [_record(Job, r) for r in self._read(query)]

    def transitions(self, job_id: str) -> list[Transition]:
        query = (
            select(job_transitions)
            .where(job_transitions.c.job_id == job_id)
            .order_by(job_transitions.c.id)
        )
        return [_record(Transition, r) for r in self._read(query)]

    def update_job(self, job_id: str, **values: Any) -> Job:
        """Set facts of a job that are not a state change (the version it replaces…)."""
        with write_transaction(self._engine) as conn:
            if self._locked(conn, jobs, jobs.c.id == job_id) is None:
                raise JobNotFoundError(job_id)
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))
        return self.job(job_id)

    def _move(
        self,
        conn: Connection,
        job_id: str,
        to: JobState,
        actor: str,
        reason: str,
        values: Mapping[str, Any],
    ) -> Row[Any]:
        """Check and record one transition inside ``conn``'s transaction; the job's row as it
        was before."""
        row = self._locked(conn, jobs, jobs.c.id == job_id)
        if row is None:
            raise JobNotFoundError(job_id)
        check_transition(job_id, row.state, to)
        now = _now()
        conn.execute(
            update(jobs).where(jobs.c.id == job_id).values(state=to.value, updated_at=now, **values)
        )
        conn.execute(
            insert(job_transitions).values(
                job_id=job_id,
                from_state=row.state,
                to_state=to.value,
                actor=actor,
                at=now,
                reason=reason,
            )
        )
        return row

    def _audit_transition(
        self, before: Row[Any], to: JobState, actor: str, reason: str, details: Mapping[str, Any]
    ) -> None:
        self.record_audit(
            f"job.{to.value}",
            actor,
            {"job": before.id, "dataset": before.dataset},
            {"from": before.state, "reason": reason, **details},
        )

    def transition(
        self,
        job_id: str,
        to: JobState | str,
        *,
        actor: str,
        reason: str,
        values: Mapping[str, Any] | None = None,
        details: Mapping[str, Any] | None = None,
        version: Mapping[str, Any] | None = None,
        pointer: Any = _KEEP,
        release_lock: bool = False,
    ) -> Job:
        """Move a job to ``to`` (checked against the state machine under the job's row lock)
        and record it; in the same transaction set ``values`` on the job, insert a
        ``version`` row, set the dataset's pointer (``pointer``: a version id or ``None``),
        and release the job's lock of its dataset. Audited as ``job.<to>`` with ``details``
        (counts and hashes only)."""
        target = JobState(to)
        _text(actor, "the actor")

        def work(conn: Connection) -> Row[Any]:
            before = self._move(conn, job_id, target, actor, reason, values or {})
            if version is not None:
                conn.execute(insert(dataset_versions).values(**version))
            if pointer is not _KEEP:
                conn.execute(
                    update(datasets)
                    .where(datasets.c.name == before.dataset)
                    .values(current_version_id=pointer, updated_at=_now())
                )
            if release_lock:
                held = self._release(conn, before.dataset, job_id)
                if not held and target is JobState.completed:  # fenced: taken over meanwhile
                    raise LockLostError(before.dataset, job_id)
            return before

        before = self._retrying(work)
        self._audit_transition(before, target, actor, reason, details or {})
        return self.job(job_id)

    # -- locks ----------------------------------------------------------------------------

    def lock(self, dataset: str) -> Lock | None:
        rows = self._read(select(dataset_locks).where(dataset_locks.c.dataset == dataset))
        return _record(Lock, rows[0]) if rows else None

    def locks(self) -> list[Lock]:
        rows = self._read(select(dataset_locks).order_by(dataset_locks.c.dataset))
        return [_record(Lock, r) for r in rows]

    def _take(self, conn: Connection, dataset: str, job_id: str, owner: Owner) -> Lock | None:
        """Take ``dataset``'s lock for ``job_id``; the stale lock taken over, if any."""
        row = self._locked(conn, dataset_locks, dataset_locks.c.dataset == dataset)
        values = {
            "job_id": job_id,
            "host": owner.host,
            "pid": owner.pid,
            "token": owner.token,
            "acquired_at": _now(),
            "heartbeat_at": None,
        }
        if row is None:
            conn.execute(insert(dataset_locks).values(dataset=dataset, **values))
            return None
        held = _record(Lock, row)
        if not held.dead():
            raise DatasetLockedError(
                dataset, held.job_id, held.host, held.pid, held.acquired_at.isoformat()
            )
        where = dataset_locks.c.dataset == dataset
        conn.execute(update(dataset_locks).where(where).values(**values))
        return held

    @staticmethod
    def _release(conn: Connection, dataset: str, job_id: str, owner: Owner | None = None) -> bool:
        """Delete the lock if ``job_id`` (of ``owner``, given) holds it; whether it did."""
        t = dataset_locks.c
        where = [t.dataset == dataset, t.job_id == job_id]
        if owner is not None:
            where += [t.host == owner.host, t.pid == owner.pid]
        return bool(conn.execute(delete(dataset_locks).where(*where)).rowcount)

    def acquire_lock(self, dataset: str, job_id: str, owner: Owner) -> Lock | None:
        """Take ``dataset``'s lock for ``job_id`` (see the module docstring); returns the stale
        lock it took over, or ``None``. :class:`DatasetLockedError` if a live job holds it."""
        return self._retrying(lambda conn: self._take(conn, dataset, job_id, owner))

    def beat(self, dataset: str, job_id: str, owner: Owner) -> bool:
        """Refresh the heartbeat of ``dataset``'s lock if ``job_id`` of ``owner`` holds it;
        whether it does."""
        t = dataset_locks.c
        held = [t.dataset == dataset, t.job_id == job_id, t.host == owner.host, t.pid == owner.pid]
        with write_transaction(self._engine) as conn:
            done = conn.execute(update(dataset_locks).where(*held).values(heartbeat_at=_now()))
        return bool(done.rowcount)

    @contextmanager
    def holding(self, dataset: str, job_id: str) -> Iterator[None]:
        """Work on ``job_id`` in this process (:func:`working_on`) while a thread keeps the
        heartbeat of its lock on ``dataset`` fresh: every lock lifetime / 4, from before the
        lock is taken (a beat changes nothing until then) to the end of the block."""
        stop = threading.Event()
        owner = Owner.this_process()
        interval = lock_ttl().total_seconds() / 4

        def beat() -> None:
            while not stop.wait(interval):
                try:
                    self.beat(dataset, job_id, owner)
                except Exception as exc:  # the catalog is unreachable: the next beat retries
                    log.warning("lock heartbeat for %s failed: %s", dataset, type(exc).__name__)

        thread = threading.Thread(target=beat, name=f"veil-lock-{dataset}", daemon=True)
        with working_on(job_id):
            thread.start()
            try:
                yield
            finally:
                stop.set()
                thread.join()

    def release_lock(self, dataset: str, job_id: str, owner: Owner | None = None) -> None:
        """Release ``dataset``'s lock if ``job_id`` holds it (and, given, that ``owner``)."""
        with write_transaction(self._engine) as conn:
            self._release(conn, dataset, job_id, owner)

    def start_run(
        self, job_id: str, *, actor: str, owner: Owner, reason: str = "run started"
    ) -> tuple[Job, Lock | None]:
        """``approved`` → ``running`` and the dataset's lock, in one transaction (both or
        neither); returns the job and the stale lock taken over, if any."""
        _text(actor, "the actor")
        runner = {"runner_host": owner.host, "runner_pid": owner.pid, "runner_token": owner.token}

        def work(conn: Connection) -> tuple[Row[Any], Lock | None, str]:
            row = self._locked(conn, jobs, jobs.c.id == job_id)
            if row is None:
                raise JobNotFoundError(job_id)
            check_transition(job_id, row.state, JobState.running)  # before touching the lock
            stale = self._take(conn, row.dataset, job_id, owner)
            why = reason
            if stale is not None:
                why += (
                    f"; took over the stale lock of job {stale.job_id} "
                    f"({stale.owner.describe()} is gone)"
                )
            values = {**runner, "started_at": _now()}
            before = self._move(conn, job_id, JobState.running, actor, why, values)
            return before, stale, why

        before, stale, why = self._retrying(work)
        details = {"stale_lock_of": stale.job_id if stale else None, "pid": owner.pid}
        self._audit_transition(before, JobState.running, actor, why, details)
        return self.job(job_id), stale
