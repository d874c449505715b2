"""`veil reveal`, `veil subject erase` and `veil keys rotate/list` through the real command."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pyarrow as pa

from veil.keys import Keyring
from veil.sinks import open_sink

from .conftest import KEY_HEX, Veil, audit_entries, audit_table_text

POLICY = """\
version: 1
name: reveal-test
on_unknown_column: drop
subject_id: subject_id
columns:
  subject_id: {op: hash, from: login_uuid, domain: subject}
  email_tok: {op: tokenize, from: email, domain: email}
  phone_enc: {op: encrypt, from: phone}
  country: {op: keep, from: location_country}
"""


def _setup(tmp_path: Path, sample: dict) -> tuple[Veil, list[str], list[str]]:
    veil = Veil(tmp_path)
    records = []
    for i, r in enumerate(sample["results"][:12]):
        r = copy.deepcopy(r)
        r["email"] = f"canary{i:03d}secret@example.com"
        r["phone"] = f"+49 555 {i:04d}"
        records.append(r)
    src = tmp_path / "users.ndjson"
    src.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    (tmp_path / "policy.yaml").write_text(POLICY)
    veil.run("--source", "file", "--input", str(src), "--policy", str(tmp_path / "policy.yaml"),
             "--no-report", "--workspace", str(tmp_path / "ws"))
    return veil, [r["email"] for r in records], [r["phone"] for r in records]


def _output(veil: Veil) -> pa.Table:
    ring = Keyring.from_key(bytes.fromhex(KEY_HEX))
    return open_sink(str(veil.tmp / "out"), encrypt=False, keyring=ring).read("users")


def _reveal(veil: Veil, *args: str, ok: bool = True, env: dict | None = None):
    return veil("reveal", "--output", str(veil.tmp / "out"), "--workspace", str(veil.tmp / "ws"),
                *args, ok=ok, env=env)


def test_run_keys_per_subject_and_reveal_needs_a_reason(tmp_path: Path, randomuser_sample: dict):
    veil, emails, phones = _setup(tmp_path, randomuser_sample)
    assert (tmp_path / "ws" / "vault.sqlite").exists()
    table = _output(veil)
    assert all(t.startswith("tok_") for t in table["email_tok"].to_pylist())
    refused = _reveal(veil, "--column", "email_tok", ok=False)
    assert refused.exit_code == 2 and "--reason" in refused.stderr
    # the run itself is audited; a reveal refused before it starts (no reason) is not
    assert [e["action"] for e in audit_entries(tmp_path / "ws")] == ["run"]

    shown = _reveal(veil, "--column", "email_tok", "--reason", "ticket 42", "--limit", "100")
    for email in emails:
        assert email in shown.stdout
    shown = _reveal(veil, "--column", "phone_enc", "--reason", "ticket 43", "--limit", "3")
    assert sum(p in shown.stdout for p in phones) == 3

    entries = [e for e in audit_entries(tmp_path / "ws") if e["action"] != "run"]
    audit = audit_table_text(tmp_path / "ws")
    assert [e["action"] for e in entries] == ["reveal", "reveal"]
    assert entries[0]["details"]["reason"] == "ticket 42"
    assert entries[0]["details"]["rows"] == entries[0]["details"]["revealed"] == 12
    assert entries[0]["target"]["column"] == "email_tok"
    # no value ever reaches the log: no e-mail (all carry "canary"), no phone as written or
    # as its digits (a bare "555" would also match timestamps and hashes in the run's entry)
    assert "canary" not in audit
    for phone in phones:
        assert phone not in audit and "".join(c for c in phone if c.isdigit()) not in audit


def test_reveal_fails_clearly_without_the_key(tmp_path: Path, randomuser_sample: dict) -> None:
    veil, emails, _ = _setup(tmp_path, randomuser_sample)
    wrong = _reveal(veil, "--column", "email_tok", "--reason", "x", ok=False,
                    env={"VEIL_MASTER_KEY": "22" * 32})
    assert wrong.exit_code == 3 and "key" in wrong.stderr
    assert not any(e in wrong.stdout + wrong.stderr for e in emails)
    entry = audit_entries(tmp_path / "ws")[-1]
    assert entry["details"]["outcome"].startswith("refused")


def test_erase_shreds_one_subject(tmp_path: Path, randomuser_sample: dict) -> None:
    veil, emails, _ = _setup(tmp_path, randomuser_sample)
    subjects = _output(veil)["subject_id"].to_pylist()
    gone, kept = subjects[0], subjects[1]
    no_reason = veil("subject", "erase", gone, "--workspace", str(tmp_path / "ws"), ok=False)
    assert no_reason.exit_code == 2
    done = veil("subject", "erase", gone, "--reason", "GDPR art. 17",
                "--workspace", str(tmp_path / "ws"))
    assert "erased" in done.stdout and gone not in done.stdout
    refused = _reveal(veil, "--column", "email_tok", "--reason", "x", "--where-subject", gone,
                      ok=False)
    assert refused.exit_code == 3 and "erased" in refused.stderr
    assert emails[0] not in refused.stdout + refused.stderr
    other = _reveal(veil, "--column", "email_tok", "--reason", "x", "--where-subject", kept)
    assert emails[1] in other.stdout
    everyone = _reveal(veil, "--column", "email_tok", "--reason", "x", "--limit", "100")
    assert emails[0] not in everyone.stdout and "[erased]" in everyone.stdout
    actions = [e["action"] for e in audit_entries(tmp_path / "ws")]
    assert actions.count("subject.erase") == 1
    assert gone not in audit_table_text(tmp_path / "ws")


def test_keys_rotate_and_list(tmp_path: Path) -> None:
    veil = Veil(tmp_path)
    key_file = tmp_path / "k.json"
    veil("keys", "generate", "--output", str(key_file))
    env = {"VEIL_MASTER_KEY": ""}
    first = veil("keys", "list", "--key-file", str(key_file), env=env).stdout
    rotated = veil("keys", "rotate", "--key-file", str(key_file), "--workspace",
                   str(tmp_path / "ws"), env=env)
    assert "new current key" in rotated.stdout
    listed = veil("keys", "list", "--key-file", str(key_file), env=env).stdout
    doc = json.loads(key_file.read_text())
    assert len(doc["keys"]) == 2 and doc["current"] in listed
    for entry in doc["keys"]:
        assert entry["kid"] in listed and entry["key"] not in listed + rotated.stdout
    assert first.count("yes") == 1
    [entry] = audit_entries(tmp_path / "ws")
    assert entry["action"] == "keys.rotate" and entry["details"]["new_kid"] == doc["current"]
