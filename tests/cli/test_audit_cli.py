"""`veil audit verify | export | list` through the real command."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from veil.catalog.db import catalog_url, make_engine

from .conftest import Veil, audit_entries

AUDIT_KEY = "22" * 32


def _ws(veil: Veil) -> str:
    return str(veil.tmp / "ws")


def _budgets(veil: Veil, n: int) -> None:
    for i in range(n):
        veil("budget", "set", f"analyst-{i}", "users", "--epsilon", "1", "--delta", "0",
             "--reason", f"ticket {i}", "--workspace", _ws(veil))  # fmt: skip


def test_verify_export_and_list(veil: Veil) -> None:
    veil.env["VEIL_AUDIT_KEY"] = AUDIT_KEY
    _budgets(veil, 4)
    ok = veil("audit", "verify", "--workspace", _ws(veil))
    assert "4 entries, chain intact" in ok.stdout and "head: seq 4" in ok.stdout

    listed = veil("audit", "list", "--workspace", _ws(veil), "--limit", "2")
    assert "analyst-2" in listed.stdout and "analyst-3" in listed.stdout
    assert "analyst-1" not in listed.stdout
    doc = json.loads(
        veil("audit", "list", "--json", "--action", "budget.set", "--workspace", _ws(veil)).stdout
    )
    assert [e["seq"] for e in doc] == [1, 2, 3, 4] and doc[0]["hash"]

    out_file = veil.tmp / "export.jsonl"
    done = veil("audit", "export", "--output", str(out_file), "--workspace", _ws(veil))
    assert "exported 4 entries" in done.stderr
    assert [json.loads(x)["seq"] for x in out_file.read_text().splitlines()] == [1, 2, 3, 4]
    printed = veil("audit", "export", "--workspace", _ws(veil)).stdout  # stdout: JSON lines only
    assert [json.loads(x)["action"] for x in printed.splitlines()][-1] == "audit.export"
    future = veil("audit", "export", "--since", "2999-01-01", "--workspace", _ws(veil)).stdout
    assert future == ""
    entries = audit_entries(veil.tmp / "ws")
    exports = [e["details"] for e in entries if e["action"] == "audit.export"]
    assert exports == [
        {"entries": 4, "since": None},
        {"entries": 5, "since": None},
        {"entries": 0, "since": "2999-01-01T00:00:00.000000+00:00"},
    ]
    assert "7 entries, chain intact" in veil("audit", "verify", "--workspace", _ws(veil)).stdout

    bad = veil("audit", "export", "--since", "yesterday", "--workspace", _ws(veil), ok=False)
    assert bad.exit_code == 2 and "ISO 8601" in bad.stderr
    assert veil("audit", "list", "--limit", "0", "--workspace", _ws(veil), ok=False).exit_code == 2


def test_verify_names_the_first_bad_entry(veil: Veil) -> None:
    veil.env["VEIL_AUDIT_KEY"] = AUDIT_KEY
    _budgets(veil, 5)
    engine = make_engine(catalog_url(veil.tmp / "ws", {}))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET details = '{}' WHERE seq = 3"))
    engine.dispose()
    broken = veil("audit", "verify", "--workspace", _ws(veil), ok=False)
    assert broken.exit_code == 8
    assert "broken at entry 3" in broken.stderr and "modified" in broken.stderr


def test_a_generated_audit_key_is_announced_and_needed_to_verify(veil: Veil) -> None:
    veil.env.pop("VEIL_AUDIT_KEY", None)
    first = veil("budget", "set", "ana", "users", "--epsilon", "1", "--delta", "0",
                 "--reason", "r", "--workspace", _ws(veil))  # fmt: skip
    key_file = veil.tmp / "ws" / "audit.key"
    assert "generated audit key" in first.stderr and str(key_file) in first.stderr
    second = veil("budget", "set", "ana", "users", "--epsilon", "2", "--delta", "0",
                  "--reason", "r", "--workspace", _ws(veil))  # fmt: skip
    assert "generated audit key" not in second.stderr
    assert "2 entries, chain intact" in veil("audit", "verify", "--workspace", _ws(veil)).stdout

    key_file.rename(veil.tmp / "audit.key.moved")
    missing = veil("audit", "verify", "--workspace", _ws(veil), ok=False)
    assert missing.exit_code == 3 and "no audit key" in missing.stderr
    assert not key_file.exists()  # verify never makes a key
    refused = veil("budget", "set", "ana", "users", "--epsilon", "3", "--delta", "0",
                   "--reason", "r", "--workspace", _ws(veil), ok=False)  # fmt: skip
    assert refused.exit_code == 3 and "a new key would break its chain" in refused.stderr
    assert not key_file.exists()
    listed = veil("audit", "list", "--workspace", _ws(veil))  # reading needs no key
    assert "budget.set" in listed.stdout

    wrong = veil("audit", "verify", "--workspace", _ws(veil), ok=False,
                 env={"VEIL_AUDIT_KEY": "33" * 32})  # fmt: skip
    assert wrong.exit_code == 8 and "no entry's HMAC matches this key" in wrong.stderr


def test_an_old_audit_jsonl_is_imported(veil: Veil, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    old = {"time": "2026-01-02T03:04:05+00:00", "actor": "alice", "action": "reveal",
           "target": {"column": "email_tok"}, "details": {"reason": "t", "rows": 1}}  # fmt: skip
    (ws / "audit.jsonl").write_text(json.dumps(old) + "\n")
    veil.env["VEIL_AUDIT_KEY"] = AUDIT_KEY
    result = veil("audit", "list", "--workspace", str(ws))
    assert "imported 1 entries" in result.stderr
    assert [e["action"] for e in audit_entries(ws)] == ["reveal", "audit.import"]
