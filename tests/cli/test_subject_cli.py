"""Subject requests through the real command: `veil subject export` (by subject id, and by a
raw login UUID through the policy's keyed hash) and `veil subject erase` (rows removed from
the current version through the sink, older versions holding them deleted, the catalog
recording both, other subjects untouched, the vault key shredded), refused under legal hold;
the audit log holds references and counts only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pyarrow.compute as pc
import pytest

from veil.audit.refs import legacy_subject_ref
from veil.sources.synthetic import SyntheticSource

from .conftest import (
    Veil,
    approved_job,
    audit_entries,
    audit_table_text,
    output_sink,
    subject_ref,
    workspace_veil,
)

PERSONS = 120


@pytest.fixture
def veil(tmp_path: Path) -> Veil:
    return workspace_veil(tmp_path)


def _job(veil: Veil, seed: str = "1", persons: int = PERSONS) -> str:
    return approved_job(veil, seed=seed, persons=persons)


def _sink(veil: Veil, out: str = "out"):
    return output_sink(veil, out)


def _uuids(persons: int = PERSONS, seed: int = 1) -> list[str]:
    batch = next(SyntheticSource(persons=persons, seed=seed).batches(columns={"login_uuid"}))
    return batch.column("login_uuid").to_pylist()


def _rows_of(table, subject: str) -> list[dict]:
    return table.filter(pc.equal(table["subject_id"], subject)).to_pylist()


def _export(veil: Veil, *args: str) -> dict:
    return json.loads(veil("subject", "export", *args).stdout)


def _dataset(veil: Veil, name: str = "users") -> dict:
    return json.loads(veil("dataset", "show", name, "--json").stdout)


def test_export_by_subject_id_and_by_raw_identifier(veil: Veil) -> None:
    _job(veil)
    table = _sink(veil).read("users")
    uuid = _uuids()[7]
    by_raw = _export(veil, "--by-raw", uuid)
    subject = table["subject_id"][7].as_py()  # rows keep the input's order
    assert by_raw["subject_id"] == subject and by_raw["found_by"].startswith("keyed hash")
    [users] = by_raw["datasets"]
    assert users["rows"] == 1 and users["subject_column"] == "subject_id"
    assert users["records"] == [table.slice(7, 1).to_pylist()[0] | {
        "registered_month": str(table["registered_month"][7].as_py())
    }]  # fmt: skip
    assert by_raw["vault"] == {"key": "no vault"}

    target = veil.tmp / "export.json"
    veil("subject", "export", subject, "--file", str(target))
    by_id = json.loads(target.read_text())
    assert by_id["datasets"][0]["records"] == users["records"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    nobody = _export(veil, "0" * 32)
    assert nobody["datasets"][0]["rows"] == 0 and nobody["datasets"][0]["records"] == []

    bad = veil("subject", "export", "--by-raw", uuid, "--column", "gender", ok=False)
    assert bad.exit_code == 2 and "hash operator" in bad.stderr
    both = veil("subject", "export", subject, "--by-raw", uuid, ok=False)
    assert both.exit_code == 2
    unknown = veil("subject", "export", subject, "--dataset", "nope", ok=False)
    assert unknown.exit_code == 2 and "no dataset 'nope'" in unknown.stderr

    entries = [e for e in audit_entries(veil.tmp / "ws") if e["action"] == "subject.export"]
    assert len(entries) == 3
    ref = subject_ref(veil.tmp / "ws", subject)  # keyed: a reader without the key can't test
    assert ref.startswith("hmac:") and ref != legacy_subject_ref(subject)
    assert entries[0]["target"] == {"subject": ref, "datasets": ["users"]}
    assert by_id["subject_ref"] == ref and by_raw["subject_ref"] == ref
    assert entries[0]["details"]["rows"] == 1 and entries[0]["details"]["to"] == "stdout"
    assert entries[1]["details"]["to"] == "file"
    audit = audit_table_text(veil.tmp / "ws")
    assert uuid not in audit and subject not in audit and "export.json" not in audit


def test_erase_removes_the_rows_and_every_version_holding_them(veil: Veil) -> None:
    first = _job(veil)
    second = _job(veil)  # the same users again: both versions hold the subject
    sink = _sink(veil)
    old_versions = sink.versions("users")
    before = sink.read("users")
    subjects = before["subject_id"].to_pylist()
    gone, kept = subjects[3], subjects[4]
    assert len(old_versions) == 2

    done = veil("subject", "erase", gone, "--reason", "GDPR art. 17")
    assert "users: removed 1 row(s)" in done.stdout and "deleted 2 older version(s)" in done.stdout
    assert gone not in done.stdout + (done.stderr or "")

    after = sink.read("users")
    assert after.num_rows == PERSONS - 1
    assert gone not in after["subject_id"].to_pylist()
    assert _rows_of(after, kept) == _rows_of(before, kept)  # other subjects untouched
    assert after.schema.equals(before.schema, check_metadata=True)
    manifest = sink.current("users")
    assert manifest["encrypted"] and manifest["derived_from"] == old_versions[-1]
    ref = subject_ref(veil.tmp / "ws", gone)
    assert ref.startswith("hmac:") and ref != legacy_subject_ref(gone)
    assert manifest["erasures"] == [{**manifest["erasures"][0], "subject": ref, "rows_removed": 1}]
    assert manifest["source_job_id"] == second and "job_id" not in manifest
    # no version holding the subject is left to become current again
    assert sink.versions("users") == [manifest["version_id"]]
    with pytest.raises(Exception, match="no older version"):
        sink.rollback("users")
    refused = veil("job", "rollback", second, ok=False)
    assert refused.exit_code == 2 and "replaced by an erasure" in refused.stderr

    shown = _dataset(veil)
    assert shown["current_version_id"] == manifest["version_id"]
    rows = {v["version_id"]: v for v in shown["versions"]}
    assert all(rows[v]["deleted_at"] for v in old_versions)
    assert rows[old_versions[0]]["job_id"] == first  # lineage kept
    new = rows[manifest["version_id"]]
    assert new["deleted_at"] is None and new["derived_from"] == old_versions[-1]
    assert new["change"]["kind"] == "erasure" and new["change"]["rows_removed"] == 1
    assert (new["rows_in"], new["rows_out"]) == (PERSONS, PERSONS - 1)

    again = _export(veil, gone)
    assert again["datasets"][0]["rows"] == 0 and again["datasets"][0]["older_versions"] == {}
    assert again["vault"]["key"] == "erased"
    assert _export(veil, kept)["datasets"][0]["rows"] == 1

    [entry] = [e for e in audit_entries(veil.tmp / "ws") if e["action"] == "subject.erase"]
    assert entry["target"]["subject"] == ref and new["change"]["subject"] == ref
    assert entry["details"]["rows_removed"] == 1 and entry["details"]["outcome"] == "erased"
    assert entry["details"]["datasets"][0]["deleted_versions"] == old_versions
    assert gone not in audit_table_text(veil.tmp / "ws")


def test_a_legal_hold_refuses_the_erasure(veil: Veil) -> None:
    _job(veil)
    subject = _sink(veil).read("users")["subject_id"][0].as_py()
    veil("hold", "set", "users", "--reason", "litigation 2026-17", env={"VEIL_ACTOR": "legal"})
    refused = veil("subject", "erase", subject, "--reason", "art. 17", ok=False)
    assert refused.exit_code == 10
    assert "under legal hold" in refused.stderr and "litigation 2026-17" in refused.stderr
    assert "legal" in refused.stderr and "nothing was changed" in refused.stderr
    assert _sink(veil).read("users").num_rows == PERSONS
    assert _export(veil, subject)["vault"] == {"key": "no vault"}  # the key was not touched
    actions = [e["action"] for e in audit_entries(veil.tmp / "ws")]
    assert actions[-2:] == ["subject.erase.refused", "subject.export"]
    veil("hold", "release", "users", "--reason", "case closed", env={"VEIL_ACTOR": "legal"})
    veil("subject", "erase", subject, "--reason", "art. 17")
    assert _sink(veil).read("users").num_rows == PERSONS - 1


PRIVATE = """\
name: private
on_unknown_column: drop
subject_id: subject_id
columns:
  subject_id: {op: hash, from: login_uuid, domain: subject}
  country: {op: keep, from: location_country}
  gender: {op: keep}
privacy: {quasi_identifiers: [country], k: 2, on_violation: enforce}
"""


def test_erase_in_a_plain_run_output_registers_it(veil: Veil) -> None:
    (veil.tmp / "policy.yaml").write_text(PRIVATE)
    veil.run("--persons", "80", "--policy", str(veil.tmp / "policy.yaml"), "--no-report",
             "--workspace", str(veil.tmp / "ws"))  # fmt: skip
    table = _sink(veil).read("users")
    subject = table["subject_id"][0].as_py()
    outside = veil("subject", "erase", subject, "--reason", "art. 17")  # no --output
    assert "only the vault key" in outside.stderr
    assert _sink(veil).read("users").num_rows == table.num_rows
    veil("subject", "erase", subject, "--reason", "art. 17", "--output", str(veil.tmp / "out"))
    after = _sink(veil).read("users")
    assert after.num_rows == table.num_rows - 1 and subject not in after["subject_id"].to_pylist()
    manifest = _sink(veil).current("users")
    assert manifest["privacy_after_erasure"]["target"] == 2
    assert manifest["privacy_after_erasure"]["k"] >= 1
    shown = _dataset(veil)  # registered, with the erasure's version
    assert shown["output"] == str((veil.tmp / "out").resolve())
    assert [v["change"]["kind"] for v in shown["versions"]] == ["erasure"]
    listed = json.loads(veil("dataset", "list", "--json").stdout)
    assert [d["name"] for d in listed] == ["users"]
