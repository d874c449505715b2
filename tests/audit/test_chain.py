"""The hash-chained audit log: the chain is what the documented formula says, every kind of
tampering is found at the right entry, concurrent writers (threads, processes; SQLite and
PostgreSQL) make one valid chain, the PostgreSQL trigger refuses changes, exports verify, old
JSON-lines logs are imported once, and the audit key is found like the master key."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from veil.audit import CatalogAuditLog, open_audit_log, verify_entries
from veil.audit.chain import GENESIS, AuditEntry
from veil.audit.key import AUDIT_KEY_FILE, find_audit_key, load_audit_key
from veil.catalog.db import make_engine
from veil.errors import KeyError_

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
WORKERS = Path(__file__).parents[1] / "catalog"  # catalog_workers.py


@pytest.fixture
def log(db_url: str) -> Iterator[CatalogAuditLog]:
    with CatalogAuditLog(db_url, KEY) as audit:
        yield audit


def _fill(audit: CatalogAuditLog, n: int) -> None:
    for i in range(n):
        audit.record(
            "test.append",
            f"actor-{i % 3}",
            {"dataset": "users", "n": i},
            {"reason": f"ticket {i}", "count": i * 7, "nested": {"b": [1, 2], "a": "é"}},
        )


def _oracle(key: bytes, entries: list[dict[str, Any]]) -> None:
    """Recompute the chain from the documented formula, apart from the library's code."""
    prev = "0" * 64
    for expected_seq, e in enumerate(entries, start=1):
        assert e["seq"] == expected_seq and e["prev_hash"] == prev
        body = {k: e[k] for k in ("seq", "at", "actor", "action", "target", "details")}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        mac = hmac.new(key, prev.encode("ascii") + text.encode("utf-8"), hashlib.sha256)
        assert e["hash"] == mac.hexdigest()
        assert len(e["at"]) == len("2026-11-22T10:00:00.123456+00:00") and e["at"][-6:] == "+00:00"
        prev = e["hash"]


def test_chain_is_valid_after_many_appends(log: CatalogAuditLog) -> None:
    _fill(log, 250)
    result = log.verify()
    assert result.ok and result.entries == 250 and result.first_bad_seq is None
    entries = [e.to_dict() for e in log.entries()]
    assert [e["seq"] for e in entries] == list(range(1, 251))
    assert entries[0]["prev_hash"] == GENESIS
    assert (result.last_seq, result.last_hash) == (250, entries[-1]["hash"])
    _oracle(KEY, entries)
    ats = [e.at for e in log.entries()]
    assert ats == sorted(ats)
    assert entries[5]["details"]["nested"] == {"a": "é", "b": [1, 2]}
    assert [e.seq for e in log.entries(limit=3)] == [248, 249, 250]
    assert len(log.entries(action="test.append")) == 250 and log.entries(action="x") == []
    assert log.entries(since=datetime.now(UTC) + timedelta(hours=1)) == []


def test_an_empty_log_verifies(log: CatalogAuditLog) -> None:
    result = log.verify()
    assert result.ok and result.entries == 0 and result.last_seq is None


# -- tampering ----------------------------------------------------------------------------


def _tamper(url: str, *statements: str, **params: Any) -> None:
    """Run SQL on the table the way an attacker with database access would (on PostgreSQL
    the append-only trigger is switched off first, as its owner could)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for statement in statements:
            conn.execute(sa.text(statement), params)
        if pg:
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    engine.dispose()


def _row(url: str, seq: int) -> dict[str, Any]:
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seq}).one()
    engine.dispose()
    return dict(row._mapping)


def _bad(log: CatalogAuditLog, seq: int, *words: str) -> None:
    result = log.verify()
    assert not result.ok and result.first_bad_seq == seq, result
    for word in words:
        assert word in (result.reason or ""), result.reason


def test_modified_details_are_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 20)
    _tamper(db_url, "UPDATE audit_log SET details = :d WHERE seq = 7", d='{"count":0}')
    _bad(log, 7, "entry 7", "hash does not match", "modified")


def test_modified_actor_or_time_is_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 20)
    _tamper(db_url, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 12")
    _bad(log, 12, "hash does not match")


def test_unparsable_details_are_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 5)
    _tamper(db_url, "UPDATE audit_log SET target = 'not json' WHERE seq = 3")
    _bad(log, 3, "target is not JSON")
    assert repr(log.entries()[2].target) == "<target: not JSON>"


def test_a_deleted_entry_is_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 20)
    _tamper(db_url, "DELETE FROM audit_log WHERE seq = 9")
    _bad(log, 9, "entry 9 is missing", "from 8 to 10")


def test_a_deleted_first_entry_is_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 5)
    _tamper(db_url, "DELETE FROM audit_log WHERE seq = 1")
    _bad(log, 1, "entry 1 is missing")


def test_a_deletion_hidden_by_renumbering_is_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 20)
    _tamper(
        db_url,
        "DELETE FROM audit_log WHERE seq = 9",
        "UPDATE audit_log SET seq = seq + 1000 WHERE seq > 9",
        "UPDATE audit_log SET seq = seq - 1001 WHERE seq > 1000",
    )
    _bad(log, 9, "prev_hash is not the hash of entry 8")


def test_swapped_entries_are_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 20)
    a, b = _row(db_url, 5), _row(db_url, 14)
    columns = ("at", "actor", "action", "target", "details", "prev_hash", "hash")
    sets = ", ".join(f"{c} = :{c}" for c in columns)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for seq, src in ((5, b), (14, a)):
            values = {c: src[c] for c in columns}
            conn.execute(sa.text(f"UPDATE audit_log SET {sets} WHERE seq = {seq}"), values)
    engine.dispose()
    _bad(log, 5, "prev_hash is not the hash of entry 4", "swapped")


def test_swapped_contents_with_hashes_kept_are_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 20)
    a, b = _row(db_url, 5), _row(db_url, 6)
    _tamper(
        db_url,
        "UPDATE audit_log SET details = :d6 WHERE seq = 5",
        "UPDATE audit_log SET details = :d5 WHERE seq = 6",
        d5=a["details"],
        d6=b["details"],
    )
    _bad(log, 5, "hash does not match")


def test_reordered_entries_are_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 20)
    _tamper(
        db_url,
        "UPDATE audit_log SET seq = 1000 WHERE seq = 10",
        "UPDATE audit_log SET seq = 10 WHERE seq = 11",
        "UPDATE audit_log SET seq = 11 WHERE seq = 1000",
    )
    _bad(log, 10, "prev_hash is not the hash of entry 9")


def _forge(prev: str, seq: int, at: str) -> dict[str, Any]:
    """An entry made by someone without the key: a plain SHA-256 in the HMAC's place."""
    target, details = {"dataset": "users"}, {"reason": "forged"}
    body = {"seq": seq, "at": at, "actor": "mallory", "action": "reveal"}
    body |= {"target": target, "details": details}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(prev.encode() + text.encode()).hexdigest()
    return {
        "seq": seq,
        "at": datetime.fromisoformat(at),
        "actor": "mallory",
        "action": "reveal",
        "target": json.dumps(target, sort_keys=True, separators=(",", ":")),
        "details": json.dumps(details, sort_keys=True, separators=(",", ":")),
        "prev_hash": prev,
        "hash": digest,
    }


_INSERT = (
    "INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash) "
    "VALUES (:seq, :at, :actor, :action, :target, :details, :prev_hash, :hash)"
)


def test_a_forged_entry_appended_is_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 20)
    last = _row(db_url, 20)
    _tamper(db_url, _INSERT, **_forge(last["hash"], 21, "2026-11-22T10:00:00.000000+00:00"))
    _bad(log, 21, "entry 21", "hash does not match", "forged without the audit key")
    with pytest.raises(KeyError_, match="seq 21"):  # nobody continues a tampered chain
        log.record("x", "y", {}, {})


def test_a_forged_entry_inserted_in_the_middle_is_found(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 20)
    before = _row(db_url, 11)
    forged = _forge(before["hash"], 12, "2026-11-22T10:00:00.000000+00:00")
    _tamper(
        db_url,
        "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 12",
        "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000",
        _INSERT,
        **forged,
    )
    assert len(log.entries()) == 21
    _bad(log, 12, "hash does not match")


def test_the_wrong_key_is_named(log: CatalogAuditLog, db_url: str) -> None:
    _fill(log, 5)
    with CatalogAuditLog(db_url, OTHER_KEY) as wrong:
        result = wrong.verify()
        assert not result.ok and result.first_bad_seq == 1
        assert "no entry's HMAC matches this key" in (result.reason or "")
        with pytest.raises(KeyError_, match="does not match this audit key"):
            wrong.record("x", "y", {}, {})
    assert log.verify().ok and len(log.entries()) == 5  # the refused append wrote nothing
    with CatalogAuditLog(db_url) as keyless:  # reading needs no key; verifying does
        assert len(keyless.entries()) == 5
        with pytest.raises(KeyError_, match="no audit key"):
            keyless.verify()
        with pytest.raises(KeyError_, match="no audit key"):
            keyless.record("x", "y", {}, {})


@pytest.mark.e2e
def test_postgresql_refuses_update_delete_and_truncate(pg_url: str) -> None:
    with CatalogAuditLog(pg_url, KEY) as audit:
        _fill(audit, 3)
        engine = make_engine(pg_url)
        for statement in (
            "UPDATE audit_log SET actor = 'x' WHERE seq = 2",
            "DELETE FROM audit_log WHERE seq = 3",
            "TRUNCATE audit_log",
        ):
            with engine.begin() as conn, pytest.raises(sa.exc.DBAPIError) as refused:
                conn.execute(sa.text(statement))
            assert "append-only" in str(refused.value)
        engine.dispose()
        assert audit.verify().ok and len(audit.entries()) == 3


# -- concurrency --------------------------------------------------------------------------


def _assert_one_chain(log: CatalogAuditLog, n: int) -> None:
    result = log.verify()
    assert result.ok, result
    assert result.entries == n
    seqs = [e.seq for e in log.entries()]
    assert seqs == list(range(1, n + 1))  # no duplicate, no gap


def test_concurrent_threads_make_one_chain(db_url: str) -> None:
    threads_n, per_thread = 8, 25
    shared = CatalogAuditLog(db_url, KEY)
    own = [CatalogAuditLog(db_url, KEY) for _ in range(threads_n // 2)]
    logs = [shared] * (threads_n - len(own)) + own
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        barrier.wait(timeout=60)
        try:
            for j in range(per_thread):
                logs[i].record("test.append", f"thread-{i}", {"thread": i}, {"j": j})
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=write, args=(i,)) for i in range(threads_n)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=120)
    assert errors == []
    _assert_one_chain(shared, threads_n * per_thread)
    for audit in {id(x): x for x in logs}.values():
        audit.close()


@pytest.mark.slow
def test_concurrent_processes_make_one_chain(db_url: str, spawn_pool: Any) -> None:
    processes, per_process = 4, 25
    pool, workers = spawn_pool(WORKERS, "catalog_workers", processes)
    args = [(db_url, KEY.hex(), i, per_process) for i in range(processes)]
    written = sum(
        p.get(timeout=120) for p in [pool.apply_async(workers.append_many, a) for a in args]
    )
    assert written == processes * per_process
    with CatalogAuditLog(db_url, KEY) as audit:
        _assert_one_chain(audit, written)
        writers = {e.actor for e in audit.entries()}
    assert writers == {f"writer-{i}" for i in range(processes)}


# -- export -------------------------------------------------------------------------------


def test_export_writes_verifiable_json_lines_and_is_audited(
    log: CatalogAuditLog, tmp_path: Path
) -> None:
    _fill(log, 10)
    path = tmp_path / "audit-export.jsonl"
    assert log.export(path, actor="auditor") == 10
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, 11))
    fields = {"seq", "at", "actor", "action", "target", "details", "prev_hash", "hash"}
    assert set(lines[0]) == fields
    _oracle(KEY, lines)
    assert verify_entries([AuditEntry.from_dict(e) for e in lines], KEY).ok
    assert not verify_entries([AuditEntry.from_dict(e) for e in lines], OTHER_KEY).ok

    last = log.entries()[-1]
    assert (last.action, last.actor) == ("audit.export", "auditor")
    assert last.details == {"entries": 10, "since": None}
    assert last.target == {"log": "audit_log", "to": str(path)}

    since = log.entries()[6].at
    stream = io.StringIO()
    assert log.export(stream, since=since) == 5  # entries 7-10 and the first export
    part = [AuditEntry.from_dict(json.loads(x)) for x in stream.getvalue().splitlines()]
    assert part[0].seq == 7
    assert verify_entries(part, KEY, complete=False).ok
    assert not verify_entries(part, KEY).ok  # as a whole chain it lacks entries 1-6
    assert log.entries()[-1].details == {"entries": 5, "since": since.isoformat()}
    assert log.verify().ok


def test_export_to_stdout(log: CatalogAuditLog, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(log, 2)
    assert log.export("-", actor="auditor") == 2
    printed = capsys.readouterr().out.splitlines()
    assert [json.loads(x)["seq"] for x in printed] == [1, 2]
    assert log.entries()[-1].target["to"] == "stdout"


def test_values_that_are_not_json_are_recorded_as_text(log: CatalogAuditLog) -> None:
    when = datetime(2026, 11, 22, tzinfo=UTC)
    log.record("t", "a" * 500, {"path": Path("/x")}, {"when": when, "n": 1.5})
    entry = log.entries()[0]
    assert entry.actor == "a" * 200
    assert entry.target == {"path": "/x"} and entry.details["when"] == str(when)
    assert log.verify().ok


# -- the workspace: key and legacy import -------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    return {"VEIL_DATABASE_URL": "", "VEIL_ACTOR": "tester", **extra}


def test_the_audit_key_is_generated_0600_once(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with open_audit_log(ws, _env()) as first:
        assert first.key is not None and first.key.origin == "generated"
        first.record("a", "b", {}, {})
    path = ws / AUDIT_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.key.kid in path.read_text() and "generated" not in repr(first)
    with open_audit_log(ws, _env()) as again:
        assert again.key is not None and again.key.origin == "workspace"
        assert again.key.kid == first.key.kid and again.verify().ok
    assert "key=" in repr(again) and first.key.key.hex() not in repr(again) + repr(again.key)


def test_the_audit_key_from_the_environment(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    hex_key = OTHER_KEY.hex()
    direct = load_audit_key(ws, _env(VEIL_AUDIT_KEY=hex_key))
    assert (direct.key, direct.origin) == (OTHER_KEY, "env")
    by_env = load_audit_key(ws, _env(VEIL_AUDIT_KEY="env:MY_AUDIT", MY_AUDIT=hex_key))
    assert by_env.key == OTHER_KEY
    key_file = tmp_path / "audit-key.txt"
    key_file.write_text(hex_key)
    by_file = load_audit_key(ws, _env(VEIL_AUDIT_KEY=f"file:{key_file}"))
    assert (by_file.key, by_file.origin, by_file.path) == (OTHER_KEY, "file", key_file)
    assert not (ws / AUDIT_KEY_FILE).exists()  # nothing generated when one is configured
    with pytest.raises(KeyError_, match="VEIL_AUDIT_KEY is not a valid key") as bad:
        load_audit_key(ws, _env(VEIL_AUDIT_KEY="zz" * 32))
    assert "zz" * 32 not in str(bad.value)
    with pytest.raises(KeyError_, match="is the master key"):
        load_audit_key(ws, _env(VEIL_AUDIT_KEY=hex_key, VEIL_MASTER_KEY=hex_key))
    with pytest.raises(KeyError_, match="no audit key"):
        load_audit_key(ws, _env(), generate=False)
    assert find_audit_key(ws, _env()) is None


def test_no_new_key_for_a_log_that_has_entries(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    with open_audit_log(ws, _env()) as audit:
        audit.record("a", "b", {}, {})
    (ws / AUDIT_KEY_FILE).unlink()
    with pytest.raises(KeyError_, match="has 1 entries: a new key would break its chain"):
        open_audit_log(ws, _env())
    assert not (ws / AUDIT_KEY_FILE).exists()
    with open_audit_log(ws, _env(), generate_key=False) as keyless:
        assert keyless.key is None and len(keyless.entries()) == 1
        with pytest.raises(KeyError_, match=f"restore {ws / AUDIT_KEY_FILE}"):
            keyless.verify()


def test_a_legacy_jsonl_log_is_imported_once(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    legacy = [
        {"time": "2026-01-02T03:04:05.678+00:00", "actor": "alice", "action": "reveal",
         "target": {"column": "email_tok"}, "details": {"reason": "t1", "rows": 3}},
        {"time": "2026-01-03T00:00:00+00:00", "actor": "bob", "action": "keys.rotate",
         "target": {"key_file": "k.json"}, "details": {"new_kid": "kabc"}},
    ]  # fmt: skip
    text = "\n".join(json.dumps(e) for e in legacy) + "\n" + "not json\n"
    (ws / "audit.jsonl").write_text(text)
    with open_audit_log(ws, _env(VEIL_AUDIT_KEY=KEY.hex())) as audit:
        assert audit.imported == 2
        entries = audit.entries()
        assert [e.action for e in entries] == ["reveal", "keys.rotate", "audit.import"]
        assert entries[0].at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
        assert entries[0].details == {"reason": "t1", "rows": 3}
        assert entries[2].actor == "tester"
        digest = hashlib.sha256(text.encode()).hexdigest()
        assert entries[2].details == {"entries": 2, "skipped": 1, "sha256": f"sha256:{digest}"}
        assert audit.verify().ok
    assert not (ws / "audit.jsonl").exists()
    kept = ws / f"audit.jsonl.imported-{digest[:12]}"
    assert kept.read_text() == text
    # the same file back (a restored backup): not imported twice, still renamed away
    (ws / "audit.jsonl").write_text(text)
    with open_audit_log(ws, _env(VEIL_AUDIT_KEY=KEY.hex())) as audit:
        assert audit.imported == 0 and len(audit.entries()) == 3
    assert not (ws / "audit.jsonl").exists()


def test_concurrent_openers_import_a_legacy_log_once(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    line = {"time": "2026-01-02T03:04:05+00:00", "actor": "a", "action": "reveal",
            "target": {}, "details": {}}  # fmt: skip
    (ws / "audit.jsonl").write_text(json.dumps(line) + "\n")
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_one() -> None:
        barrier.wait(timeout=60)
        try:
            open_audit_log(ws, _env(VEIL_AUDIT_KEY=KEY.hex())).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with open_audit_log(ws, _env(VEIL_AUDIT_KEY=KEY.hex())) as audit:
        assert [e.action for e in audit.entries()] == ["reveal", "audit.import"]
        assert audit.verify().ok


@pytest.mark.e2e
def test_the_log_follows_veil_database_url(tmp_path: Path, pg_url: str) -> None:
    ws = tmp_path / "ws"
    with open_audit_log(ws, _env(VEIL_DATABASE_URL=pg_url, VEIL_AUDIT_KEY=KEY.hex())) as audit:
        audit.record("a", "b", {}, {})
        assert audit.url.startswith("postgresql")
    assert not (ws / "catalog.db").exists()
    with CatalogAuditLog(pg_url, KEY) as direct:
        assert len(direct.entries()) == 1 and direct.verify().ok
