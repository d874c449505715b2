"""`veil dataset`, `veil hold` and `veil gc` through the real command: retention and legal
hold are set (who, when, why; audited), `gc` deletes the versions past retention through the
sink and marks their catalog rows, never the current version, never a dataset under legal
hold (skipped and said so)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from .conftest import Veil, approved_job, audit_entries, output_sink, workspace_veil


@pytest.fixture
def veil(tmp_path: Path) -> Veil:
    return workspace_veil(tmp_path)


def _job(veil: Veil, seed: str = "1", persons: int = 40) -> str:
    return approved_job(veil, seed=seed, persons=persons)


def _sink(veil: Veil):
    return output_sink(veil)


def _age(veil: Veil, version_id: str, days: int) -> None:
    """Make a committed version look ``days`` old (its manifest's creation time)."""
    path = veil.tmp / "out" / "users" / "versions" / version_id / "manifest.json"
    doc = json.loads(path.read_text())
    doc["created_at"] = (datetime.now(UTC) - timedelta(days=days)).isoformat()
    path.write_text(json.dumps(doc))


def _show(veil: Veil) -> dict:
    return json.loads(veil("dataset", "show", "users", "--json").stdout)


def test_retention_hold_and_gc(veil: Veil) -> None:
    first = _job(veil)
    _job(veil, seed="2")
    _job(veil, seed="3")
    old, middle, current = _sink(veil).versions("users")
    for version_id in (old, middle, current):
        _age(veil, version_id, 40)  # the current one too: it is never deleted

    assert veil("gc").stdout.strip() == "users: no retention set: kept"
    for args in ((), ("--days", "0"), ("--days", "3", "--none")):
        assert veil("dataset", "retention", "users", *args, ok=False).exit_code == 2
    veil("dataset", "retention", "users", "--days", "30")
    dry = veil("gc", "--dry-run").stdout
    assert f"would delete 2 version(s) older than 30 day(s) ({old}, {middle})" in dry
    assert len(_sink(veil).versions("users")) == 3

    veil("hold", "set", "users", "--reason", "audit by the regulator", env={"VEIL_ACTOR": "legal"})
    assert veil("hold", "set", "users", "--reason", "again", ok=False).exit_code == 2
    assert veil("hold", "release", "users", ok=False).exit_code == 2  # no reason
    held = veil("gc").stdout
    assert "skipped, under legal hold (set by legal on" in held
    assert "audit by the regulator" in held and "2 version(s) past the retention" in held
    assert len(_sink(veil).versions("users")) == 3
    listed = veil("dataset", "list").stdout
    assert "30 day(s)" in listed and "on (set by legal" in listed

    veil("hold", "release", "users", "--reason", "review done", env={"VEIL_ACTOR": "legal"})
    assert veil("hold", "release", "users", "--reason", "x", ok=False).exit_code == 2
    done = veil("gc").stdout
    assert f"deleted 2 version(s) older than 30 day(s) ({old}, {middle}); 1 kept" in done
    assert _sink(veil).versions("users") == [current]
    assert _sink(veil).read("users").num_rows == 40
    assert "deleted 0 version(s)" in veil("gc").stdout  # nothing left to do

    doc = _show(veil)
    assert doc["retention_days"] == 30 and doc["legal_hold"] is False
    assert doc["hold_actor"] == "legal" and doc["hold_reason"] == "review done"
    rows = {v["version_id"]: v for v in doc["versions"]}
    assert rows[old]["deleted_at"] and rows[middle]["deleted_at"]
    assert rows[current]["deleted_at"] is None
    assert rows[old]["job_id"] == first and rows[old]["policy_name"]  # lineage kept
    text = veil("dataset", "show", "users").stdout
    assert f"job {first}" in text and "30 day(s)" in text

    entries = audit_entries(veil.tmp / "ws")
    actions = [e["action"] for e in entries]
    assert actions.count("dataset.legal_hold") == 2 and "dataset.retention" in actions
    [skip] = [e for e in entries if e["action"] == "gc.skip"]
    assert skip["details"] == {"reason": "legal hold", "past_retention": 2}
    [gc] = [e for e in entries if e["action"] == "gc.delete"]
    assert gc["actor"] == "alice" and gc["target"]["dataset"] == "users"
    assert gc["details"]["deleted"] == 2 and gc["details"]["version_ids"] == [old, middle]
    hold = [e for e in entries if e["action"] == "dataset.legal_hold"]
    assert [(e["actor"], e["details"]) for e in hold] == [
        ("legal", {"hold": True, "reason": "audit by the regulator"}),
        ("legal", {"hold": False, "reason": "review done"}),
    ]
    veil("dataset", "retention", "users", "--none")
    assert _show(veil)["retention_days"] is None


def test_a_plain_run_dataset_joins_the_catalog_for_a_hold(veil: Veil) -> None:
    veil.run("--persons", "30", "--no-report", "--workspace", str(veil.tmp / "ws"))
    unknown = veil("hold", "set", "users", "--reason", "case 9", ok=False)
    assert unknown.exit_code == 2 and "no dataset 'users' in the catalog" in unknown.stderr
    veil("hold", "set", "users", "--reason", "case 9", "--output", str(veil.tmp / "out"))
    assert (veil.tmp / "out" / "users" / "_legal_hold.json").exists()
    doc = _show(veil)
    assert doc["legal_hold"] and doc["sink_hold_marker"] and doc["versions"] == []
    veil("hold", "release", "users", "--reason", "closed")
    assert not (veil.tmp / "out" / "users" / "_legal_hold.json").exists()
    actions = [e["action"] for e in audit_entries(veil.tmp / "ws")]
    assert actions == ["run", "dataset.register", "dataset.legal_hold", "dataset.legal_hold"]
