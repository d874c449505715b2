"""Faults, through the real command: a full disk in the middle of a job's write (a clear
message, nothing half-written current, staging cleaned, the job failed → rolled_back) and of
an erasure's (nothing changed, the key kept, the attempt audited, a rerun finishes); a
committed file damaged afterwards (report and query name the dataset and version, rollback to
the version before works); an unreachable catalog (one line, exit 9, no credentials).

Concurrent jobs and killed runs are tested in tests/cli/test_job_cli.py."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest

from veil.errors import CorruptVersionError
from veil.sinks import parquet as parquet_format

from ..cli.conftest import Veil, approved_job, audit_entries, workspace_veil
from ..cli.conftest import output_sink as _sink

PERSONS = 300


@pytest.fixture
def veil(tmp_path: Path) -> Veil:
    return workspace_veil(tmp_path)


_WRITE = parquet_format._HashingStream.write


def _no_space(self: Any, data: Any) -> int:
    """A Parquet file's write on a device that fills up after 4 KiB."""
    if self.size + memoryview(data).nbytes > 4096:
        raise OSError(errno.ENOSPC, "No space left on device")
    return _WRITE(self, data)


def test_a_full_disk_fails_the_job_and_leaves_the_previous_version(
    veil: Veil, monkeypatch: pytest.MonkeyPatch
) -> None:
    approved_job(veil, persons=PERSONS)
    previous = _sink(veil).current("users")["version_id"]
    job_id = approved_job(veil, persons=PERSONS, seed="2", run=False)
    monkeypatch.setattr(parquet_format._HashingStream, "write", _no_space)
    failed = veil("job", "run", job_id, "-q", ok=False)
    monkeypatch.undo()
    assert failed.exit_code == 5
    message = failed.stderr
    assert "no space left on the device holding" in message
    assert "Nothing was committed: the previous version stays current" in message
    assert f"job {job_id} is rolled_back: the previous version {previous} is still current" in (
        message
    )
    assert "Traceback" not in failed.output

    sink = _sink(veil)
    assert sink.current("users")["version_id"] == previous
    assert len(sink.versions("users")) == 1 and sink.read("users").num_rows == PERSONS
    dataset_dir = veil.tmp / "out" / "users"
    assert not (dataset_dir / ".staging").exists()
    assert sorted(p.name for p in (dataset_dir / "versions").iterdir()) == [previous]
    status = json.loads(veil("job", "status", job_id, "--json").stdout)
    states = [t["to_state"] for t in status["transitions"]]
    assert states[-2:] == ["failed", "rolled_back"]
    assert "no space left" in status["job"]["error"] and status["lock"] is None


def test_a_full_disk_during_an_erasure_changes_nothing(
    veil: Veil, monkeypatch: pytest.MonkeyPatch
) -> None:
    approved_job(veil, persons=PERSONS)
    sink = _sink(veil)
    version = sink.current("users")["version_id"]
    subject = sink.read("users")["subject_id"][0].as_py()
    monkeypatch.setattr(parquet_format._HashingStream, "write", _no_space)
    failed = veil("subject", "erase", subject, "--reason", "art. 17", ok=False)
    monkeypatch.undo()
    assert failed.exit_code == 5 and "no space left" in failed.stderr
    assert sink.current("users")["version_id"] == version and sink.versions("users") == [version]
    assert not (veil.tmp / "out" / "users" / ".staging").exists()
    [entry] = [e for e in audit_entries(veil.tmp / "ws") if e["action"] == "subject.erase"]
    assert entry["details"]["outcome"] == "failed: SinkError"
    assert (entry["details"]["rows_removed"], entry["details"]["key_deleted"]) == (0, False)
    export = json.loads(veil("subject", "export", subject).stdout)
    assert export["datasets"][0]["rows"] == 1 and export["vault"]["key"] != "erased"
    veil("subject", "erase", subject, "--reason", "art. 17")  # run again: it finishes
    assert sink.read("users").num_rows == PERSONS - 1


def _damage(path: Path) -> None:
    """Flip bytes all through the first half of a file (its data pages)."""
    data = bytearray(path.read_bytes())
    for i in range(64, len(data) // 2, 64):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_version_is_named_and_rolled_back(veil: Veil) -> None:
    approved_job(veil, persons=PERSONS)
    second = approved_job(veil, persons=PERSONS, seed="2")
    sink = _sink(veil)
    previous, current = sink.versions("users")
    part = veil.tmp / "out" / "users" / "versions" / current / "part-00000.parquet"
    _damage(part)
    assert sink.verify("users") == ["part-00000.parquet"] and sink.verify("users", previous) == []
    with pytest.raises(CorruptVersionError) as caught:
        sink.read("users")
    assert (caught.value.dataset, caught.value.version_id) == ("users", current)

    out = str(veil.tmp / "out")
    report = veil("report", "--output", out, ok=False)
    veil("budget", "set", "ana", "users", "--epsilon", "5", "--delta", "1e-6", "--reason", "q4")
    query = veil("query", "count", "--epsilon", "0.5", "--analyst", "ana", "--output", out,
                 ok=False)  # fmt: skip
    for failed in (report, query):
        assert failed.exit_code == 5, failed.output
        assert f"dataset 'users', version {current}" in failed.stderr
        assert "is damaged: part-00000.parquet" in failed.stderr
        assert "Traceback" not in failed.output and "internal error" not in failed.output

    back = veil("job", "rollback", second, "--reason", "damaged file")
    assert f"the previous version {previous} is current again" in back.stdout
    assert sink.current("users")["version_id"] == previous
    assert "Gmail" in veil("report", "--output", out).stdout
    assert veil("query", "count", "--epsilon", "0.5", "--analyst", "ana", "--output", out)


@pytest.mark.parametrize(
    "command",
    [
        ("job", "list"),
        ("budget", "show", "ana", "users"),
        ("audit", "verify"),
        ("dataset", "list"),
        ("gc", "--dry-run"),
    ],
)
def test_an_unreachable_catalog_is_one_clear_line(veil: Veil, command: tuple[str, ...]) -> None:
    url = "postgresql://veil:hunter2@127.0.0.1:1/catalog?sslmode=disable"
    failed = veil(*command, env={"VEIL_DATABASE_URL": url}, ok=False)
    assert failed.exit_code == 9
    assert failed.stdout == ""
    [line] = failed.stderr.strip().splitlines()
    assert line.startswith(
        "error: cannot reach the catalog database postgresql+psycopg://127.0.0.1:1/catalog: "
    )
    assert "VEIL_DATABASE_URL" in line
    assert "hunter2" not in line and "veil:" not in line and "Traceback" not in line
