"""The catalog of datasets, versions and jobs: the job state machine (every invalid transition
refused, every valid one recorded and audited), dataset locks (one holder, stale ones taken
over, racing takers), versions with their lineage and the dataset pointer, settings,
retention and legal hold. On SQLite and, marked ``e2e``, on PostgreSQL (``db_url``)."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from veil.catalog.catalog import Catalog, Owner, lock_ttl, working_on
from veil.catalog.db import make_engine
from veil.catalog.models import TRANSITIONS, JobState, dataset_locks, jobs
from veil.errors import (
    ConfigError,
    DatasetLockedError,
    InvalidTransitionError,
    JobNotFoundError,
    LockLostError,
)

from ..conftest import version_row

S = JobState


class Recorder:
    """An AuditLog that keeps entries in memory."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []

    def record(self, action: str, actor: str, target: dict, details: dict) -> None:
        self.entries.append((action, actor, target, details))


@pytest.fixture
def audit() -> Recorder:
    return Recorder()


@pytest.fixture
def catalog(db_url: str, audit: Recorder) -> Any:
    with Catalog(db_url, audit=audit) as cat:
        yield cat


def _version(dataset: str, version_id: str, job_id: str) -> dict[str, Any]:
    return version_row(
        dataset,
        version_id,
        job_id=job_id,
        policy_name="p",
        rows_quarantined=1,
        privacy={"enforced": True},
    )


def _job(catalog: Catalog, dataset: str = "users", output: str = "/data/out", **kw: Any) -> Any:
    return catalog.create_job(
        dataset=dataset,
        output=output,
        policy_ref="builtin:randomuser",
        policy={"name": "p", "columns": {}},
        policy_name="p",
        policy_hash="ab" * 32,
        parameters={"source": "synthetic", "source_options": {"persons": 10}},
        four_eyes=False,
        actor=kw.pop("actor", "alice"),
        **kw,
    )


def _force(url: str, job_id: str, state: JobState) -> None:
    """Put a job in ``state`` behind the catalog's back (test setup only)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(jobs).where(jobs.c.id == job_id).values(state=state.value))
    engine.dispose()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


#: the lifecycle as the issue states it, plus repeating a dry run before approval
ALLOWED = {
    ("pending", "dry_run"),
    ("dry_run", "dry_run"),
    ("dry_run", "validated"),
    ("validated", "dry_run"),
    ("validated", "approved"),
    ("approved", "running"),
    ("running", "completed"),
    ("running", "failed"),
    ("completed", "rolled_back"),
    ("failed", "rolled_back"),
}


def test_the_state_machine_is_the_documented_one() -> None:
    assert {(a.value, b.value) for a, nexts in TRANSITIONS.items() for b in nexts} == ALLOWED


def test_every_invalid_transition_is_refused(catalog: Catalog, db_url: str) -> None:
    invalid = [(a, b) for a, b in itertools.product(S, S) if (a.value, b.value) not in ALLOWED]
    assert len(invalid) == 64 - len(ALLOWED)
    for state, requested in invalid:
        job = _job(catalog)
        _force(db_url, job.id, state)
        before = len(catalog.transitions(job.id))
        with pytest.raises(InvalidTransitionError) as caught:
            catalog.transition(job.id, requested, actor="bob", reason="test")
        err = caught.value
        assert (err.state, err.requested) == (state.value, requested.value)
        assert err.allowed == tuple(s.value for s in TRANSITIONS[state])
        assert f"is {state.value}" in str(err) and f"cannot become {requested.value}" in str(err)
        for allowed in err.allowed:
            assert allowed in str(err)
        assert catalog.job(job.id).state == state.value
        assert len(catalog.transitions(job.id)) == before


def test_every_valid_transition_is_recorded_and_audited(
    catalog: Catalog, db_url: str, audit: Recorder
) -> None:
    for state, nexts in TRANSITIONS.items():
        for requested in nexts:
            job = _job(catalog)
            _force(db_url, job.id, state)
            audit.entries.clear()
            moved = catalog.transition(
                job.id, requested, actor="bob", reason="why", details={"rows": 3}
            )
            assert moved.state == requested.value
            last = catalog.transitions(job.id)[-1]
            assert (last.from_state, last.to_state, last.actor, last.reason) == (
                state.value,
                requested.value,
                "bob",
                "why",
            )
            assert last.at.tzinfo is not None
            assert audit.entries == [
                (
                    f"job.{requested.value}",
                    "bob",
                    {"job": job.id, "dataset": "users"},
                    {"from": state.value, "reason": "why", "rows": 3},
                )
            ]


def test_a_new_job_is_pending_with_its_creation_recorded(catalog: Catalog, audit: Recorder) -> None:
    job = _job(catalog, actor="carol")
    assert (job.state, job.created_by, job.dataset, job.four_eyes) == (
        "pending",
        "carol",
        "users",
        False,
    )
    assert job.parameters["source_options"] == {"persons": 10}
    [created] = catalog.transitions(job.id)
    assert (created.from_state, created.to_state, created.actor) == (None, "pending", "carol")
    assert audit.entries[-1][0] == "job.pending"
    assert catalog.dataset("users").output == "/data/out"
    with pytest.raises(JobNotFoundError):
        catalog.job("job-missing")
    assert [j.id for j in catalog.jobs(dataset="users", states=["pending"])] == [job.id]


def test_a_dataset_lives_at_one_output(catalog: Catalog) -> None:
    _job(catalog, output="/data/a")
    with pytest.raises(ConfigError, match="written to /data/a"):
        _job(catalog, output="/data/b")
    with pytest.raises(ConfigError, match="dataset name"):
        _job(catalog, dataset="../evil")


def test_run_start_takes_the_lock_with_the_state_and_a_second_job_is_refused(
    catalog: Catalog, db_url: str
) -> None:
    first, second = _job(catalog), _job(catalog)
    for job in (first, second):
        _force(db_url, job.id, S.approved)
    with working_on(first.id):
        running, stale = catalog.start_run(first.id, actor="bob", owner=Owner.this_process())
        assert running.state == "running" and stale is None
        assert running.runner == Owner.this_process()
        with pytest.raises(DatasetLockedError) as caught:
            catalog.start_run(second.id, actor="bob", owner=Owner.this_process())
    assert caught.value.holder == first.id and first.id in str(caught.value)
    assert caught.value.exit_code == 7
    assert catalog.job(second.id).state == "approved"  # neither the lock nor the state moved
    lock = catalog.lock("users")
    assert lock is not None and lock.job_id == first.id and lock.pid == os.getpid()
    catalog.transition(first.id, S.failed, actor="bob", reason="x", release_lock=True)
    assert catalog.lock("users") is None


def test_a_stale_lock_is_taken_over_and_a_foreign_host_one_is_not(
    catalog: Catalog, db_url: str
) -> None:
    job = _job(catalog)
    _force(db_url, job.id, S.approved)
    dead = Owner(socket.gethostname(), _dead_pid())
    assert dead.alive("job-x") is False
    assert catalog.acquire_lock("users", "job-dead", dead) is None
    with working_on(job.id):
        _, stale = catalog.start_run(job.id, actor="bob", owner=Owner.this_process())
    assert stale is not None and stale.job_id == "job-dead" and stale.pid == dead.pid
    assert "took over the stale lock of job job-dead" in catalog.transitions(job.id)[-1].reason
    catalog.release_lock("users", job.id)
    elsewhere = Owner("some-other-host", 1)
    assert elsewhere.alive("job-y") is None
    catalog.acquire_lock("users", "job-y", elsewhere)
    with pytest.raises(DatasetLockedError, match="some-other-host"):
        catalog.acquire_lock("users", "job-z", Owner.this_process())


def _age_heartbeat(url: str, dataset: str, seconds: float) -> None:
    """Make the lock's last beat ``seconds`` old (as if its host stopped beating)."""
    engine = make_engine(url)
    when = datetime.now(UTC) - timedelta(seconds=seconds)
    with engine.begin() as conn:
        conn.execute(
            sa.update(dataset_locks)
            .where(dataset_locks.c.dataset == dataset)
            .values(heartbeat_at=when, acquired_at=when)
        )
    engine.dispose()


def test_a_lock_from_another_host_is_live_while_it_beats_and_dead_after_the_ttl(
    catalog: Catalog, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEIL_LOCK_TTL", "30")
    job = _job(catalog)
    elsewhere = Owner("some-other-host", 4242)
    catalog.acquire_lock("users", "job-remote", elsewhere)
    assert catalog.beat("users", "job-remote", elsewhere)
    assert not catalog.beat("users", "job-remote", Owner("third-host", 1))  # not the holder
    _age_heartbeat(db_url, "users", 20)  # within the lifetime: still live
    with pytest.raises(DatasetLockedError, match="some-other-host"):
        catalog.acquire_lock("users", job.id, Owner.this_process())
    _age_heartbeat(db_url, "users", 31)
    lock = catalog.lock("users")
    assert lock is not None and lock.dead()
    with working_on(job.id):
        stale = catalog.acquire_lock("users", job.id, Owner.this_process())
    assert stale is not None and stale.job_id == "job-remote" and stale.host == "some-other-host"
    assert not catalog.beat("users", "job-remote", elsewhere)  # the old holder lost it
    catalog.release_lock("users", job.id)


def test_a_job_whose_lock_was_taken_over_cannot_complete(
    catalog: Catalog, db_url: str
) -> None:
    job = _job(catalog)
    _force(db_url, job.id, S.approved)
    with working_on(job.id):
        catalog.start_run(job.id, actor="bob", owner=Owner.this_process())
    engine = make_engine(db_url)
    with engine.begin() as conn:  # as if another host took the lock over meanwhile
        conn.execute(sa.update(dataset_locks).values(job_id="job-taker", host="other", pid=9))
    engine.dispose()
    with pytest.raises(LockLostError, match="lost the lock of dataset 'users'"):
        catalog.transition(job.id, S.completed, actor="bob", reason="done", release_lock=True)
    assert catalog.job(job.id).state == "running"  # nothing of the transition was written
    lock = catalog.lock("users")
    assert lock is not None and lock.job_id == "job-taker"


def test_holding_keeps_the_heartbeat_fresh(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEIL_LOCK_TTL", "1")  # a beat every 0.25 s
    _job(catalog)
    with catalog.holding("users", "job-h"):
        catalog.acquire_lock("users", "job-h", Owner.this_process())
        first = catalog.lock("users")
        assert first is not None and first.heartbeat_at is None
        time.sleep(0.8)
        beat = catalog.lock("users")
        assert beat is not None and beat.heartbeat_at is not None
        age = datetime.now(UTC) - beat.heartbeat_at.astimezone(UTC)
        assert age < timedelta(seconds=0.6)
        catalog.release_lock("users", "job-h")
    assert not any(t.name == "veil-lock-users" for t in threading.enumerate())


@pytest.mark.parametrize("raw", ["0", "-5", "soon", "100000"])
def test_the_lock_lifetime_is_checked(raw: str) -> None:
    with pytest.raises(ConfigError, match="VEIL_LOCK_TTL"):
        lock_ttl({"VEIL_LOCK_TTL": raw})
    assert lock_ttl({}) == timedelta(seconds=120)


def test_a_lock_of_this_process_is_live_only_while_its_job_is_worked_on(
    catalog: Catalog,
) -> None:
    _job(catalog)
    me = Owner.this_process()
    with working_on("job-a"):
        catalog.acquire_lock("users", "job-a", me)
        with pytest.raises(DatasetLockedError):
            catalog.acquire_lock("users", "job-b", me)
    assert catalog.acquire_lock("users", "job-b", me) is not None  # job-a's was left over


def test_owner_liveness_checks_the_process_start_time() -> None:
    me = Owner.this_process()
    if me.token is None:
        pytest.skip("no /proc: pids are checked without their start time")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        alive = Owner(me.host, child.pid, Owner.this_process().token)  # the wrong start time
        assert alive.alive("job") is False
        assert Owner(me.host, child.pid, None).alive("job") is True
        child.kill()  # a zombie, not reaped yet (it takes a moment to die)
        deadline = time.monotonic() + 10
        while Owner(me.host, child.pid, None).alive("job") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert Owner(me.host, child.pid, None).alive("job") is False
        assert child.poll() is not None  # it was a zombie until now
    finally:
        child.kill()
        child.wait()


def test_racing_lock_takers_get_one_lock(catalog: Catalog, db_url: str) -> None:
    _job(catalog)
    won: list[str] = []
    refused: list[str] = []
    barrier = threading.Barrier(8)

    def take(i: int) -> None:
        with Catalog(db_url) as mine:
            barrier.wait()
            try:
                mine.acquire_lock("users", f"job-{i}", Owner("elsewhere", 1))
                won.append(f"job-{i}")
            except DatasetLockedError as exc:
                refused.append(exc.holder)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(refused) == 7 and set(refused) == set(won)


def test_completion_records_the_version_and_moves_the_pointer(
    catalog: Catalog, db_url: str
) -> None:
    job = _job(catalog)
    _force(db_url, job.id, S.running)
    catalog.transition(
        job.id,
        S.completed,
        actor="bob",
        reason="done",
        values={"version_id": "v1"},
        version=_version("users", "v1", job.id),
        pointer="v1",
    )
    [version] = catalog.versions("users")
    assert version.to_dict() == {
        **_version("users", "v1", job.id),
        "created_at": "2026-11-22T00:00:00+00:00",
        "deleted_at": None,
        "derived_from": None,
        "change": None,
    }
    assert catalog.version("users", "v1") == version
    assert catalog.version("users", "v2") is None
    assert catalog.dataset("users").current_version_id == "v1"
    catalog.transition(job.id, S.rolled_back, actor="bob", reason="undo", pointer=None)
    assert catalog.dataset("users").current_version_id is None
    assert len(catalog.versions("users")) == 1  # versions stay: they are history


def test_settings_retention_and_legal_hold_are_audited(catalog: Catalog, audit: Recorder) -> None:
    _job(catalog)
    assert catalog.setting("four_eyes") is None
    catalog.set_setting("four_eyes", "1", actor="admin")
    catalog.set_setting("four_eyes", "0", actor="admin")
    assert catalog.setting("four_eyes") == "0"
    ds = catalog.set_retention("users", 30, actor="admin")
    assert ds.retention_days == 30
    with pytest.raises(ConfigError):
        catalog.set_retention("users", 0, actor="admin")
    ds = catalog.set_legal_hold("users", True, actor="legal", reason="case 7")
    assert (ds.legal_hold, ds.hold_actor, ds.hold_reason) == (True, "legal", "case 7")
    assert ds.hold_at is not None
    actions = [e[0] for e in audit.entries]
    assert actions[-4:] == [
        "catalog.setting",
        "catalog.setting",
        "dataset.retention",
        "dataset.legal_hold",
    ]
    with pytest.raises(ConfigError):
        catalog.set_legal_hold("nope", True, actor="legal", reason="x")


def test_registered_datasets_derived_and_deleted_versions(
    catalog: Catalog, audit: Recorder
) -> None:
    ds = catalog.register_dataset("users", "/data/out", actor="alice")
    assert (ds.output, ds.legal_hold, ds.current_version_id) == ("/data/out", False, None)
    assert catalog.register_dataset("users", "/data/out", actor="alice") == ds  # idempotent
    with pytest.raises(ConfigError, match="lives at one output"):
        catalog.register_dataset("users", "/elsewhere", actor="alice")
    assert [e[0] for e in audit.entries] == ["dataset.register"]

    catalog.add_version(_version("users", "v1", "job-1"), current=True)
    derived = {
        **_version("users", "v2", "job-1"),
        "job_id": None,
        "derived_from": "v1",
        "change": {"kind": "erasure", "subject": "sha256:00", "rows_removed": 1},
    }
    v2 = catalog.add_version(derived)
    assert (v2.derived_from, v2.change["rows_removed"], v2.deleted) == ("v1", 1, False)
    assert catalog.dataset("users").current_version_id == "v2"
    assert catalog.mark_deleted("users", ["v1", "nope"]) == ["v1"]
    assert catalog.mark_deleted("users", ["v1"]) == []  # marked once
    v1 = catalog.version("users", "v1")
    assert v1 is not None and v1.deleted and v1.deleted_at is not None
    assert v1.policy_hash == "ab" * 32  # the lineage stays
    with pytest.raises(ConfigError):
        catalog.add_version(_version("nope", "v1", "job-1"))
