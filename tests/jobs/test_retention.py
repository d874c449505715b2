"""Retention and legal hold in the library: the sink's pruning stops under a hold marker, the
current version is never deleted, `collect` marks catalog rows whose files the sink already
pruned, skips a dataset a live job holds, and audits what it deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from veil.catalog.catalog import Catalog, Owner, working_on
from veil.errors import SinkError
from veil.jobs.retention import collect, set_hold
from veil.sinks import open_sink

from ..catalog.test_catalog import Recorder

SCHEMA = pa.schema([("subject_id", pa.string()), ("n", pa.int64())])


def _sink(tmp_path: Path, keep: int = 5) -> Any:
    return open_sink(str(tmp_path / "out"), format="parquet", encrypt=False, keep=keep)


def _commit(sink: Any, rows: int = 3) -> str:
    with sink.writer("users", SCHEMA) as writer:
        writer.write(pa.table({"subject_id": [f"s{i}" for i in range(rows)],
                               "n": list(range(rows))}, schema=SCHEMA))  # fmt: skip
        return writer.commit({"policy": {"name": "p", "hash": "ab" * 32}}).version_id


def _row(version_id: str, created: datetime) -> dict[str, Any]:
    return {
        "dataset": "users", "version_id": version_id, "job_id": None, "run_id": None,
        "created_at": created, "source": {}, "parameters": {}, "policy_name": "p",
        "policy_hash": "ab" * 32, "key_id": None, "veil_version": "test",
        "reference_date": None, "format": "parquet", "encrypted": False, "bytes": 1,
        "rows_in": 3, "rows_out": 3, "rows_suppressed": 0, "rows_quarantined": 0,
        "k_before": None, "k_after": None, "privacy": None, "timings": {},
    }  # fmt: skip


@pytest.fixture
def audit() -> Recorder:
    return Recorder()


@pytest.fixture
def catalog(tmp_path: Path, audit: Recorder) -> Any:
    with Catalog(f"sqlite:///{tmp_path / 'catalog.db'}", audit=audit) as cat:
        yield cat


def test_pruning_stops_under_a_legal_hold(tmp_path: Path, catalog: Catalog) -> None:
    sink = _sink(tmp_path, keep=2)
    _commit(sink)
    catalog.register_dataset("users", sink.url, actor="alice")
    set_hold(catalog, "users", True, actor="legal", reason="case 1")
    assert sink.layout.held("users")
    for _ in range(3):
        _commit(sink)
    assert len(sink.versions("users")) == 4  # nothing pruned while held
    set_hold(catalog, "users", False, actor="legal", reason="closed")
    _commit(sink)
    assert len(sink.versions("users")) == 2


def test_the_current_version_is_never_deleted(tmp_path: Path) -> None:
    sink = _sink(tmp_path)
    first, current = _commit(sink), _commit(sink)
    with pytest.raises(SinkError, match="current version"):
        sink.delete_version("users", current)
    sink.delete_version("users", first)
    assert sink.versions("users") == [current]
    assert sink.read("users").num_rows == 3


def test_collect_marks_pruned_rows_and_skips_a_locked_dataset(
    tmp_path: Path, catalog: Catalog, audit: Recorder
) -> None:
    sink = _sink(tmp_path, keep=1)
    ids = [_commit(sink) for _ in range(3)]  # the sink keeps the newest only
    assert sink.versions("users") == ids[-1:]
    catalog.register_dataset("users", sink.url, actor="alice")
    old = datetime.now(UTC) - timedelta(days=90)
    for version_id in ids:
        catalog.add_version(_row(version_id, old))
    catalog.set_retention("users", 30, actor="alice")

    with working_on("job-live"):  # a live job holds the dataset: skipped, nothing changes
        catalog.acquire_lock("users", "job-live", Owner.this_process())
        [item] = collect(catalog, actor="ops")
        catalog.release_lock("users", "job-live")
    assert item.failed and "locked by job job-live" in (item.skipped or "")
    assert not any(v.deleted for v in catalog.versions("users"))

    [item] = collect(catalog, actor="ops", now=datetime.now(UTC) + timedelta(days=100))
    assert item.gone == ids[:2] and item.deleted == []  # the current one stays
    assert [v.deleted for v in catalog.versions("users")] == [True, True, False]
    action, actor, target, details = audit.entries[-1]
    assert (action, actor, target["dataset"]) == ("gc.delete", "ops", "users")
    assert details["already_gone_ids"] == ids[:2] and details["deleted"] == 0
    assert catalog.lock("users") is None
