"""The job lifecycle through the library: dry run (warnings, blocking problems, nothing
stored but counts), approval (four-eyes), runs under the dataset's lock (one at a time),
failures of every kind ending failed → rolled_back with the previous version current,
rollback, recovery of what a dead process left, and the lineage of versions."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa

from veil.catalog.catalog import Catalog, Owner
from veil.catalog.models import JobState, dataset_locks
from veil.errors import (
    DatasetLockedError,
    FourEyesError,
    InvalidTransitionError,
    JobError,
    SourceError,
)
from veil.jobs import RunConfig
from veil.jobs.lifecycle import (
    approve,
    create_job,
    dry_run,
    job_sink,
    recover,
    rollback_job,
    run_job,
    veil_version,
)
from veil.keys import Keyring
from veil.policy import Policy, builtin_policy, policy_from_dict
from veil.sinks import open_sink
from veil.sources.synthetic import SyntheticSource

from ..conftest import REFERENCE

LIFECYCLE = ["pending", "dry_run", "validated", "approved", "running", "completed"]
S = JobState


class Recorder:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, dict, dict]] = []

    def record(self, action: str, actor: str, target: dict, details: dict) -> None:
        self.entries.append((action, actor, target, details))


class Wrapped:
    """A source that behaves like ``inner`` until its ``after``-th batch, then ``act()``s."""

    def __init__(self, inner: SyntheticSource, after: int, act: Any) -> None:
        self.inner, self.after, self.act = inner, after, act
        self.name, self.shape, self.schema = inner.name, inner.shape, inner.schema
        self.quarantine = inner.quarantine

    def fingerprint(self) -> dict[str, Any]:
        return self.inner.fingerprint()

    def expected_rows(self) -> int | None:
        return self.inner.expected_rows()

    def batches(
        self, progress: Any = None, columns: Collection[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        for i, batch in enumerate(self.inner.batches(progress, columns)):
            if i == self.after:
                self.act()
            yield batch


@pytest.fixture
def audit() -> Recorder:
    return Recorder()


@pytest.fixture
def catalog(tmp_path: Path, audit: Recorder) -> Iterator[Catalog]:
    with Catalog(f"sqlite:///{tmp_path / 'catalog.db'}", audit=audit) as cat:
        yield cat


def _config(tmp_path: Path, keyring: Keyring, source: Any = None, **kw: Any) -> RunConfig:
    return RunConfig(
        source=source or SyntheticSource(persons=300, seed=1),
        policy=kw.pop("policy", builtin_policy("randomuser")),
        keyring=keyring,
        output=str(tmp_path / "out"),
        reference_date=REFERENCE,
        report=None,
        **kw,
    )


def _new(catalog: Catalog, tmp_path: Path, policy: Policy | None = None, **kw: Any) -> Any:
    return create_job(
        catalog,
        policy=policy or builtin_policy("randomuser"),
        policy_ref="builtin:randomuser",
        dataset="users",
        output=str(tmp_path / "out"),
        parameters={"source": "synthetic", "source_options": {"persons": 300, "seed": 1}},
        actor=kw.pop("actor", "alice"),
        **kw,
    )


def _approved(catalog: Catalog, tmp_path: Path, keyring: Keyring, **kw: Any) -> Any:
    job = _new(catalog, tmp_path, **kw)
    dry_run(catalog, job.id, _config(tmp_path, keyring), actor="alice", sample_rows=100)
    return approve(catalog, job.id, actor="bob", reason="reviewed the dry run")


def _completed(catalog: Catalog, tmp_path: Path, keyring: Keyring, seed: int = 1) -> Any:
    job = _approved(catalog, tmp_path, keyring)
    source = SyntheticSource(persons=300, seed=seed)
    return run_job(catalog, job.id, _config(tmp_path, keyring, source), actor="bob").job


def _states(catalog: Catalog, job_id: str) -> list[str]:
    return [t.to_state for t in catalog.transitions(job_id)]


def _sink(tmp_path: Path, keyring: Keyring) -> Any:
    return open_sink(str(tmp_path / "out"), format="parquet", encrypt=True, keyring=keyring)


# -- dry run --------------------------------------------------------------------------------


def _risky_policy() -> Policy:
    """Drops unnamed inputs silently, leaves a column unchanged, suppresses most records
    and has a k target the sample cannot meet."""
    return policy_from_dict(
        {
            "name": "risky",
            "on_unknown_column": "drop",
            "subject_id": "subject_id",
            "columns": {
                "subject_id": {"op": "hash", "from": "login_uuid", "domain": "subject"},
                "email_domain": {"op": "email_domain", "from": "email"},
                "city": {"op": "keep", "from": "location_city"},
                "age_band": {
                    "op": "generalize",
                    "from": "dob_date",
                    "method": "age_band",
                    "edges": [18, 31, 41, 51, 61, 71, 81, 91],
                },
                "phone": {
                    "op": "mask",
                    "kind": "phone",
                    "keep_last": 2,
                    "when": {"column": "nat", "op": "eq", "value": "ZZ"},
                },
                "not_de": {
                    "op": "suppress",
                    "scope": "record",
                    "from": "nat",
                    "when": {"column": "nat", "op": "ne", "value": "DE"},
                },
            },
            "privacy": {"quasi_identifiers": ["city", "age_band"], "k": 5, "on_violation": "fail"},
        }
    )


def test_dry_run_warns_and_stores_no_values(
    catalog: Catalog, tmp_path: Path, keyring: Keyring, audit: Recorder
) -> None:
    policy = _risky_policy()
    job = _new(catalog, tmp_path, policy=policy)
    source = SyntheticSource(persons=2000, seed=3)
    report = dry_run(
        catalog,
        job.id,
        _config(tmp_path, keyring, source, policy=policy),
        actor="alice",
        sample_rows=1000,
    )
    assert report.sample_rows == 1000 and not report.blocking
    assert report.suppressed > 0.5 * report.sample_rows and report.rows_out < 500
    assert set(report.dropped_columns) >= {"name_first", "name_last", "login_password"}
    assert report.unchanged_columns == ["phone"]
    assert report.risk is not None and report.risk["k"] < 5
    text = "\n".join(report.warnings)
    for needle in (
        "dropped without the policy naming them",
        "column phone is unchanged",
        "low k",
        "high suppression",
        "-anonymous (target 5)",
    ):
        assert needle in text, needle
    assert report.expected_rows == 2000 and report.estimated_seconds is not None
    assert all(len(c.pairs) == 3 for c in report.columns)
    assert [c.output for c in report.columns] == [
        "subject_id",
        "email_domain",
        "city",
        "age_band",
        "phone",
    ]
    # the raw values of the sample are nowhere in what was stored or audited
    raw = next(SyntheticSource(persons=2000, seed=3).batches(columns={"email", "phone"}))
    stored = json.dumps([catalog.job(job.id).to_dict(), audit.entries], default=str)
    for value in raw.column("email").to_pylist()[:1000] + raw.column("phone").to_pylist()[:1000]:
        assert value not in stored
    # the terminal preview masks the before side
    emails = {c.output: c for c in report.columns}["email_domain"]
    assert all("*" in before for before, _ in emails.pairs)
    assert catalog.job(job.id).state == "validated"
    assert _states(catalog, job.id) == ["pending", "dry_run", "validated"]
    assert catalog.job(job.id).dry_run == report.summary()


def test_a_blocking_problem_keeps_the_job_from_approval(
    catalog: Catalog, tmp_path: Path, keyring: Keyring
) -> None:
    policy = policy_from_dict({"name": "bad", "columns": {"x": {"op": "keep", "from": "nope"}}})
    job = _new(catalog, tmp_path, policy=policy)
    report = dry_run(catalog, job.id, _config(tmp_path, keyring, policy=policy), actor="alice")
    assert report.blocking and "nope" in report.blocking[0]
    assert catalog.job(job.id).state == "dry_run"
    with pytest.raises(InvalidTransitionError, match="allowed next: dry_run, validated"):
        approve(catalog, job.id, actor="bob", reason="x")
    boom = Wrapped(SyntheticSource(persons=100, batch_rows=10), 0, _raise(SourceError("down")))
    policy = builtin_policy("randomuser")
    report = dry_run(
        catalog, job.id, _config(tmp_path, keyring, boom, policy=policy), actor="alice"
    )
    assert report.blocking == ["the source could not be read: down"]


def _raise(exc: BaseException) -> Any:
    def act() -> None:
        raise exc

    return act


# -- approval -------------------------------------------------------------------------------


def test_four_eyes_refuses_the_creator(
    catalog: Catalog, tmp_path: Path, keyring: Keyring, audit: Recorder
) -> None:
    def validated(**kw: Any) -> Any:
        job = _new(catalog, tmp_path, actor="alice", **kw)
        dry_run(catalog, job.id, _config(tmp_path, keyring), actor="alice", sample_rows=50)
        return job

    job = validated(four_eyes=True)
    with pytest.raises(FourEyesError) as caught:
        approve(catalog, job.id, actor="alice", reason="mine", environ={})
    assert caught.value.creator == "alice"
    assert audit.entries[-1][0] == "job.approve.refused"
    assert catalog.job(job.id).state == "validated"
    approved = approve(catalog, job.id, actor="bob", reason="checked", environ={})
    assert (approved.approved_by, approved.approval_reason) == ("bob", "checked")

    job = validated()
    with pytest.raises(FourEyesError):
        approve(catalog, job.id, actor="alice", reason="mine", environ={"VEIL_FOUR_EYES": "1"})
    catalog.set_setting("four_eyes", "1", actor="admin")
    with pytest.raises(FourEyesError):
        approve(catalog, job.id, actor="alice", reason="mine", environ={})
    catalog.set_setting("four_eyes", "0", actor="admin")
    assert approve(catalog, job.id, actor="alice", reason="ok", environ={}).state == "approved"
    with pytest.raises(JobError, match="reason"):
        approve(catalog, validated().id, actor="bob", reason=" ")


# -- runs -----------------------------------------------------------------------------------


def test_a_run_records_the_version_and_its_lineage(
    catalog: Catalog, tmp_path: Path, keyring: Keyring, audit: Recorder
) -> None:
    job = _completed(catalog, tmp_path, keyring)
    assert job.state == "completed" and job.version_id is not None
    assert _states(catalog, job.id) == LIFECYCLE
    sink = _sink(tmp_path, keyring)
    manifest = sink.current("users")
    assert manifest["version_id"] == job.version_id and manifest["job_id"] == job.id
    [version] = catalog.versions("users")
    assert version.version_id == job.version_id and version.job_id == job.id
    assert version.source == SyntheticSource(persons=300, seed=1).fingerprint()
    assert version.parameters == job.parameters
    assert (version.policy_name, version.policy_hash) == ("randomuser-default", job.policy_hash)
    assert version.key_id == keyring.kid and version.veil_version == veil_version()
    assert (version.rows_in, version.rows_out, version.rows_suppressed) == (300, 300, 0)
    assert version.rows_quarantined == 0 and version.reference_date == "2026-11-22"
    assert version.encrypted is True and version.format == "parquet" and version.bytes
    assert {"fetch", "transform", "write", "total"} <= set(version.timings)
    assert version.run_id == manifest["run_id"] == job.run_id
    assert catalog.dataset("users").current_version_id == job.version_id
    assert catalog.lock("users") is None
    assert audit.entries[-1][0] == "job.completed"
    assert audit.entries[-1][3]["rows"] == 300


def test_privacy_figures_are_in_the_lineage(
    catalog: Catalog, tmp_path: Path, keyring: Keyring
) -> None:
    doc = builtin_policy("randomuser").canonical()
    doc["privacy"] = {
        "quasi_identifiers": ["age_band", "gender", "country"],
        "k": 3,
        "max_suppression": 0.5,
        "on_violation": "enforce",
    }
    policy = policy_from_dict(doc)
    job = _new(catalog, tmp_path, policy=policy)
    config = _config(tmp_path, keyring, policy=policy)
    dry_run(catalog, job.id, config, actor="alice", sample_rows=300)
    approve(catalog, job.id, actor="bob", reason="ok")
    run_job(catalog, job.id, config, actor="bob")
    [version] = catalog.versions("users")
    assert version.k_before is not None and version.k_before < 3 <= version.k_after
    assert version.privacy is not None and version.privacy["enforced"] is True
    assert version.rows_in == version.rows_out + version.rows_suppressed == 300


def test_only_approved_jobs_run(catalog: Catalog, tmp_path: Path, keyring: Keyring) -> None:
    job = _new(catalog, tmp_path)
    with pytest.raises(InvalidTransitionError) as caught:
        run_job(catalog, job.id, _config(tmp_path, keyring), actor="bob")
    assert caught.value.state == "pending" and caught.value.allowed == ("dry_run",)
    assert catalog.lock("users") is None


@pytest.mark.parametrize(
    "failure",
    [SourceError("the API is down"), KeyboardInterrupt(), ValueError("bad value 'x@y.z'")],
    ids=["source-error", "keyboard-interrupt", "unexpected"],
)
def test_a_failed_run_ends_rolled_back_with_the_previous_version_current(
    catalog: Catalog, tmp_path: Path, keyring: Keyring, failure: BaseException
) -> None:
    first = _completed(catalog, tmp_path, keyring)
    job = _approved(catalog, tmp_path, keyring)
    source = Wrapped(SyntheticSource(persons=300, seed=2, batch_rows=50), 3, _raise(failure))
    with pytest.raises(type(failure)):
        run_job(catalog, job.id, _config(tmp_path, keyring, source), actor="bob")
    job = catalog.job(job.id)
    assert job.state == "rolled_back" and job.previous_version_id == first.version_id
    assert _states(catalog, job.id)[-3:] == ["running", "failed", "rolled_back"]
    last = catalog.transitions(job.id)[-1]
    assert last.reason == (
        f"the previous version {first.version_id} is still current in the sink (verified)"
    )
    assert "x@y.z" not in (job.error or "") and type(failure).__name__ in (job.error or "")
    sink = _sink(tmp_path, keyring)
    assert sink.current("users")["version_id"] == first.version_id
    assert sink.read("users").num_rows == 300
    assert catalog.lock("users") is None
    assert catalog.dataset("users").current_version_id == first.version_id


def test_a_failure_after_the_commit_moves_the_sink_back(
    catalog: Catalog, tmp_path: Path, keyring: Keyring
) -> None:
    first = _completed(catalog, tmp_path, keyring)
    job = _approved(catalog, tmp_path, keyring)
    (tmp_path / "blocked").write_text("a file where the report's folder would go")
    config = _config(tmp_path, keyring, SyntheticSource(persons=300, seed=2))
    config = RunConfig(**{**config.__dict__, "report": tmp_path / "blocked" / "report"})
    with pytest.raises(OSError):
        run_job(catalog, job.id, config, actor="bob")  # the report fails after the commit
    job = catalog.job(job.id)
    assert job.state == "rolled_back"
    assert "had been committed before the failure" in catalog.transitions(job.id)[-1].reason
    sink = _sink(tmp_path, keyring)
    assert sink.current("users")["version_id"] == first.version_id
    assert len(sink.versions("users")) == 2  # the unrecorded version stays, not current
    assert [v.version_id for v in catalog.versions("users")] == [first.version_id]


def test_a_second_run_on_the_dataset_is_refused_at_once(
    catalog: Catalog, tmp_path: Path, keyring: Keyring
) -> None:
    first, second = (_approved(catalog, tmp_path, keyring) for _ in range(2))
    writing, release = threading.Event(), threading.Event()

    def hold() -> None:
        writing.set()
        assert release.wait(60)

    slow = Wrapped(SyntheticSource(persons=300, seed=2, batch_rows=50), 2, hold)
    outcome: dict[str, Any] = {}

    def run_first() -> None:
        outcome["first"] = run_job(catalog, first.id, _config(tmp_path, keyring, slow), actor="bob")

    thread = threading.Thread(target=run_first)
    thread.start()
    try:
        assert writing.wait(60)
        with pytest.raises(DatasetLockedError) as caught:
            run_job(catalog, second.id, _config(tmp_path, keyring), actor="bob")
    finally:
        release.set()
        thread.join()
    assert caught.value.holder == first.id
    assert f"locked by job {first.id}" in str(caught.value)
    assert catalog.job(second.id).state == "approved"
    assert outcome["first"].job.state == "completed"
    later = run_job(catalog, second.id, _config(tmp_path, keyring), actor="bob")
    assert later.job.state == "completed"


# -- rollback -------------------------------------------------------------------------------


def test_rollback_makes_the_previous_version_current(
    catalog: Catalog, tmp_path: Path, keyring: Keyring, audit: Recorder
) -> None:
    first = _completed(catalog, tmp_path, keyring, seed=1)
    second = _completed(catalog, tmp_path, keyring, seed=2)
    with pytest.raises(JobError, match="not the current version"):
        rollback_job(catalog, first.id, actor="bob")
    job, note = rollback_job(catalog, second.id, actor="bob", reason="bad data")
    assert job.state == "rolled_back" and first.version_id in note
    sink = _sink(tmp_path, keyring)
    assert sink.current("users")["version_id"] == first.version_id
    assert catalog.dataset("users").current_version_id == first.version_id
    assert sink.read("users").num_rows == 300
    assert audit.entries[-1][0] == "job.rolled_back"
    assert audit.entries[-1][3]["restored"] == first.version_id
    with pytest.raises(InvalidTransitionError, match="final"):
        rollback_job(catalog, second.id, actor="bob")
    job, _ = rollback_job(catalog, first.id, actor="bob")  # the first version: nothing before
    assert sink.current("users") is None and catalog.dataset("users").current_version_id is None
    assert catalog.lock("users") is None


# -- recovery -------------------------------------------------------------------------------


def _dead_owner() -> Owner:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return Owner(socket.gethostname(), proc.pid)


def test_a_run_whose_process_died_is_recovered(
    catalog: Catalog, tmp_path: Path, keyring: Keyring
) -> None:
    first = _completed(catalog, tmp_path, keyring)
    job = _approved(catalog, tmp_path, keyring)
    catalog.start_run(job.id, actor="bob", owner=_dead_owner())
    catalog.update_job(job.id, previous_version_id=first.version_id)
    # as if the dead run had committed its version (the window before the catalog heard)
    config = _config(tmp_path, keyring, SyntheticSource(persons=300, seed=2))
    from veil.jobs.run import run_pipeline

    config = RunConfig(**{**config.__dict__, "manifest_extra": {"job_id": job.id}})
    written = run_pipeline(config)
    [found] = recover(catalog, actor="carol")
    assert found.job_id == job.id and "back at the previous version" in found.note
    job = catalog.job(job.id)
    assert job.state == "rolled_back" and "ended while running" in (job.error or "")
    assert _states(catalog, job.id)[-3:] == ["running", "failed", "rolled_back"]
    sink = job_sink(job)
    assert sink.current("users")["version_id"] == first.version_id != written.version_id
    assert catalog.lock("users") is None
    assert recover(catalog, actor="carol") == []


def test_a_run_on_a_host_that_stopped_beating_is_recovered_and_cannot_complete(
    catalog: Catalog, tmp_path: Path, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A runner on another host cannot be looked up: its lock's heartbeat decides. Once the
    heartbeat is older than the lock lifetime, recovery ends the job failed → rolled_back, and
    the cut-off runner can no longer complete it (the state machine fences it out)."""
    monkeypatch.setenv("VEIL_LOCK_TTL", "30")
    first = _completed(catalog, tmp_path, keyring)
    job = _approved(catalog, tmp_path, keyring)
    remote = Owner("host-that-died", 777)
    catalog.start_run(job.id, actor="bob", owner=remote)
    catalog.update_job(job.id, previous_version_id=first.version_id)
    assert catalog.beat("users", job.id, remote)
    assert recover(catalog, actor="carol") == []  # it beat just now: alive
    old = datetime.now(UTC) - timedelta(seconds=31)
    with catalog._engine.begin() as conn:
        conn.execute(sa.update(dataset_locks).values(heartbeat_at=old))
    [found] = recover(catalog, actor="carol")
    assert found.job_id == job.id
    assert _states(catalog, job.id)[-3:] == ["running", "failed", "rolled_back"]
    assert catalog.lock("users") is None
    with pytest.raises(InvalidTransitionError):
        catalog.transition(job.id, JobState.completed, actor="bob", reason="late")


def test_an_interrupted_rollback_is_finished(
    catalog: Catalog, tmp_path: Path, keyring: Keyring
) -> None:
    first = _completed(catalog, tmp_path, keyring, seed=1)
    second = _completed(catalog, tmp_path, keyring, seed=2)
    dead = _dead_owner()
    catalog.acquire_lock("users", second.id, dead)
    job_sink(second).rollback("users", first.version_id)  # the sink moved, then it died
    [found] = recover(catalog, actor="carol")
    assert found.job_id == second.id
    assert catalog.job(second.id).state == "rolled_back"
    assert catalog.dataset("users").current_version_id == first.version_id
    assert catalog.lock("users") is None


def test_a_job_whose_sink_is_unreachable_is_recovered_later(
    catalog: Catalog, tmp_path: Path, keyring: Keyring
) -> None:
    job = _approved(catalog, tmp_path, keyring)
    catalog.start_run(job.id, actor="bob", owner=_dead_owner())
    (tmp_path / "out").write_text("not a folder: the sink cannot be opened")
    [later] = recover(catalog, actor="carol")
    assert later.job_id == job.id and later.note.startswith("not recovered yet (SinkError")
    assert catalog.job(job.id).state == "failed"
    (tmp_path / "out").unlink()
    [found] = recover(catalog, actor="carol")
    assert "(none: the dataset had no version) is still current" in found.note
    assert catalog.job(job.id).state == "rolled_back" and catalog.lock("users") is None
