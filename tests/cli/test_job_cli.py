"""`veil job` end to end on the synthetic source: create → dry-run → approve → run → status →
rollback; dry-run warnings printed and no raw value stored anywhere; four-eyes; and a run
killed (SIGKILL) while writing, found and rolled back by the next `veil job status`, while a
concurrent run of the same dataset is refused with the lock message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from veil.keys import Keyring
from veil.sinks import open_sink
from veil.sources.synthetic import SyntheticSource

from .conftest import KEY_HEX, Veil, audit_entries

LIFECYCLE = ["pending", "dry_run", "validated", "approved", "running", "completed"]
RISKY = """\
name: risky
on_unknown_column: drop
subject_id: subject_id
columns:
  subject_id: {op: hash, from: login_uuid, domain: subject}
  email_domain: {op: email_domain, from: email}
  city: {op: keep, from: location_city}
  age_band: {op: generalize, from: dob_date, method: age_band, edges: [18, 31, 41, 51, 61, 71]}
  phone: {op: mask, kind: phone, keep_last: 2, when: {column: nat, op: eq, value: ZZ}}
  not_de: {op: suppress, scope: record, from: nat, when: {column: nat, op: ne, value: DE}}
privacy: {quasi_identifiers: [city, age_band], k: 5}
"""


@pytest.fixture
def veil(tmp_path: Path) -> Veil:
    v = Veil(tmp_path)
    v.env["VEIL_WORKSPACE"] = str(tmp_path / "ws")
    v.env["VEIL_ACTOR"] = "alice"
    return v


def _create(veil: Veil, *args: str, out: str = "out", **kw) -> str:
    result = veil(
        "job",
        "create",
        "--output",
        str(veil.tmp / out),
        "--reference-date",
        "2026-11-22",
        "--no-report",
        *args,
        **kw,
    )
    job_id = result.stdout.strip()
    assert job_id.startswith("job-") and f"created job {job_id} (pending)" in result.stderr
    return job_id


def _ready(veil: Veil, *args: str) -> str:
    """A job created, dry-run and approved (by someone other than its creator)."""
    job_id = _create(veil, *args)
    veil("job", "dry-run", job_id, "--sample-rows", "100")
    veil("job", "approve", job_id, "--reason", "dry run reviewed", env={"VEIL_ACTOR": "bob"})
    return job_id


def _status(veil: Veil, job_id: str) -> dict:
    return json.loads(veil("job", "status", job_id, "--json").stdout)


def _sink(veil: Veil):
    return open_sink(
        str(veil.tmp / "out"),
        format="parquet",
        encrypt=True,
        keyring=Keyring.from_key(bytes.fromhex(KEY_HEX)),
    )


def _raw_emails(persons: int, seed: int) -> list[str]:
    batch = next(SyntheticSource(persons=persons, seed=seed).batches(columns={"email"}))
    return batch.column("email").to_pylist()


def _files_text(*roots: Path) -> bytes:
    return b"\n".join(
        p.read_bytes()
        for root in roots
        if root.exists()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    )


def test_the_whole_lifecycle_through_the_cli(veil: Veil) -> None:
    first = _ready(veil, "--persons", "300", "--seed", "1")
    ran = veil("job", "run", first, "-q")
    assert f"job {first} completed" in ran.stdout
    doc = _status(veil, first)
    assert doc["job"]["state"] == "completed" and doc["job"]["approved_by"] == "bob"
    version = doc["version"]
    for field in (
        "source",
        "parameters",
        "policy_name",
        "policy_hash",
        "key_id",
        "veil_version",
        "rows_in",
        "rows_out",
        "rows_suppressed",
        "timings",
        "created_at",
        "job_id",
    ):
        assert version[field] is not None, field
    assert version["source"]["persons"] == 300 and version["rows_out"] == 300
    assert version["parameters"]["source_options"]["seed"] == "1"
    assert doc["dataset"]["current_version_id"] == doc["dataset"]["sink_current_version_id"]
    assert [t["to_state"] for t in doc["transitions"]] == LIFECYCLE
    text = veil("job", "status", first).stdout
    assert "lineage" in text and version["version_id"] in text

    second = _ready(veil, "--persons", "200", "--seed", "2")
    veil("job", "run", second, "-q")
    assert _sink(veil).read("users").num_rows == 200
    refused = veil("job", "rollback", first, ok=False)
    assert refused.exit_code == 2 and "not the current version" in refused.stderr
    back = veil("job", "rollback", second, "--reason", "wrong seed")
    assert "is current again" in back.stdout
    assert _sink(veil).current("users")["version_id"] == version["version_id"]
    assert _sink(veil).read("users").num_rows == 300
    listed = json.loads(veil("job", "list", "--dataset", "users", "--json").stdout)
    assert [(j["id"], j["state"]) for j in listed["jobs"]] == [
        (second, "rolled_back"),
        (first, "completed"),
    ]
    assert second in veil("job", "list").stdout
    actions = [e["action"] for e in audit_entries(veil.tmp / "ws")]
    assert actions.count("job.completed") == 2 and actions[-1] == "job.rolled_back"
    emails = _raw_emails(300, 1)
    stored = _files_text(veil.tmp / "ws", veil.tmp / "out")
    assert not [e for e in emails if e.encode() in stored]


def test_dry_run_prints_warnings_and_stores_no_raw_value(veil: Veil) -> None:
    policy = veil.tmp / "risky.yaml"
    policy.write_text(RISKY)
    job_id = _create(veil, "--persons", "2000", "--seed", "3", "--policy", str(policy))
    shown = veil("job", "dry-run", job_id, "--sample-rows", "1000")
    out = shown.stdout
    for needle in (
        "before (masked) → after",
        "dropped without the policy naming them",
        "column phone is unchanged",
        "low k",
        "high suppression",
        "estimated duration for 2,000 records",
        f"job {job_id} is validated",
    ):
        assert needle in out, needle
    emails = _raw_emails(2000, 3)[:1000]
    assert not [e for e in emails if e in out]  # masked even on the terminal
    stored = _files_text(veil.tmp / "ws", veil.tmp / "out")
    assert not (veil.tmp / "out").exists()  # a dry run writes no output
    assert not [e for e in emails if e.encode() in stored]
    summary = _status(veil, job_id)["job"]["dry_run"]
    assert summary["sample_rows"] == 1000 and summary["unchanged_columns"] == ["phone"]
    assert any("high suppression" in w for w in summary["warnings"])


def test_a_blocked_dry_run_exits_non_zero(veil: Veil) -> None:
    policy = veil.tmp / "bad.yaml"
    policy.write_text("name: bad\ncolumns:\n  x: {op: keep, from: nope}\n")
    job_id = _create(veil, "--persons", "50", "--policy", str(policy))
    result = veil("job", "dry-run", job_id, ok=False)
    assert result.exit_code == 2 and "blocking" in result.stdout
    assert f"job {job_id} stays dry_run" in result.stderr
    refused = veil("job", "approve", job_id, "--reason", "x", env={"VEIL_ACTOR": "bob"}, ok=False)
    assert refused.exit_code == 2 and "is dry_run" in refused.stderr


def test_four_eyes_refuses_the_creator(veil: Veil) -> None:
    job_id = _create(veil, "--persons", "50", "--four-eyes")
    veil("job", "dry-run", job_id, "--sample-rows", "50")
    mine = veil("job", "approve", job_id, "--reason", "trust me", ok=False)
    assert mine.exit_code == 2 and "created by 'alice'" in mine.stderr
    no_reason = veil("job", "approve", job_id, env={"VEIL_ACTOR": "bob"}, ok=False)
    assert no_reason.exit_code == 2 and "reason" in no_reason.stderr
    veil("job", "approve", job_id, "--reason", "checked", env={"VEIL_ACTOR": "bob"})
    other = _create(veil, "--persons", "50")
    veil("job", "dry-run", other, "--sample-rows", "50")
    env = {"VEIL_FOUR_EYES": "1"}
    assert veil("job", "approve", other, "--reason", "x", env=env, ok=False).exit_code == 2
    refusals = [e for e in audit_entries(veil.tmp / "ws") if e["action"] == "job.approve.refused"]
    assert len(refusals) == 2


def _wait_for(check, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_killed_run_is_rolled_back_and_a_concurrent_one_refused(veil: Veil) -> None:
    first = _ready(veil, "--persons", "300", "--seed", "1")
    veil("job", "run", first, "-q")
    before = _status(veil, first)["version"]["version_id"]
    big = _ready(veil, "--persons", "5000000", "--seed", "9")
    small = _ready(veil, "--persons", "100", "--seed", "4")

    veil_bin = Path(sys.executable).parent / "veil"
    env = {**os.environ, **veil.env}
    proc = subprocess.Popen(
        [str(veil_bin), "job", "run", big, "-q"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    staging = veil.tmp / "out" / "users" / ".staging"
    try:
        _wait_for(
            lambda: any(staging.glob("*/*.parquet")) or proc.poll() is not None, "the run to write"
        )
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        busy = veil("job", "run", small, "-q", ok=False)
        assert busy.exit_code == 7 and f"locked by job {big}" in busy.stderr
        assert _status(veil, small)["job"]["state"] == "approved"
        assert _status(veil, big)["job"]["state"] == "running"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    doc = _status(veil, big)
    assert doc["recovered"] == [{"job": big, "note": doc["transitions"][-1]["reason"]}]
    assert doc["job"]["state"] == "rolled_back"
    assert [t["to_state"] for t in doc["transitions"]][-3:] == ["running", "failed", "rolled_back"]
    assert "ended while running" in doc["job"]["error"]
    assert doc["transitions"][-1]["reason"] == (
        f"the previous version {before} is still current in the sink (verified)"
    )
    assert doc["lock"] is None
    assert doc["dataset"]["sink_current_version_id"] == before
    sink = _sink(veil)
    assert sink.current("users")["version_id"] == before
    assert sink.read("users").num_rows == 300
    assert veil("job", "status", big).stdout.count("rolled_back") >= 1
    veil("job", "run", small, "-q")  # the lock is free again; the killed run's files go
    assert _status(veil, small)["job"]["state"] == "completed"
    assert not staging.exists()
