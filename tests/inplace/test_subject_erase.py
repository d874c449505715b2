"""`veil subject export|erase` reach the raw rows in-place runs keep in their backups: found
through the audit log, the catalog or --in-place, matched by the keyed hash the run's policy
computed from the raw column; removed from DuckDB and PostgreSQL backup tables and Parquet
backup folders (the backup still verifies and restores), kept by a Delta version until
--vacuum; refused under legal hold; a backup that cannot be matched, or a table that cannot be
opened, is said so; the audit log holds references and counts, never a raw value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from veil.audit import open_audit_log
from veil.catalog.db import catalog_url, make_engine
from veil.cli.main import app
from veil.inplace import Backup, RowMatch, open_target
from veil.inplace.base import backup_comment, sql_str

from .conftest import USERS, Made, raw_values

KEY_HEX = "11" * 32
ONE, OTHER = 7, 8  # the subject erased, and one who stays


class Veil:
    def __init__(self, ws: Path) -> None:
        self.ws = ws
        self.env = {
            "VEIL_MASTER_KEY": KEY_HEX,
            "COLUMNS": "200",
            "VEIL_WORKSPACE": str(ws),
        }

    def __call__(self, *args: str, ok: bool = True, actor: str = "alice") -> Any:
        env = {**self.env, "VEIL_ACTOR": actor}
        result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output + (result.stderr or "")
        return result

    def run(self, uri: str, policy: str = "randomuser") -> None:
        self("inplace", "run", uri, "--policy", policy, "--quiet", "--reference-date", "2026-11-22")

    def export(self, *args: str) -> dict[str, Any]:
        return json.loads(self("subject", "export", *args).stdout)

    def erase(self, *args: str, ok: bool = True) -> Any:
        return self("subject", "erase", *args, "--reason", "GDPR art. 17", ok=ok)

    def audit(self, action: str) -> list[dict[str, Any]]:
        with open_audit_log(self.ws, generate_key=False) as log:
            return [e.to_dict() for e in log.entries(action=action)]

    def ref(self, subject: str) -> str:
        with open_audit_log(self.ws, generate_key=False) as log:
            return log.subject_ref(subject)

    def audit_text(self) -> str:
        """Every column of every row of the audit table, as stored."""
        engine = make_engine(catalog_url(self.ws))
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT * FROM audit_log")).all()
        finally:
            engine.dispose()
        return "\n".join("\t".join(str(v) for v in row) for row in rows)


@pytest.fixture
def veil(tmp_path: Path) -> Veil:
    return Veil(tmp_path / "ws")


def _uuid(users: pa.Table, row: int) -> str:
    return str(users.column("login_uuid")[row].as_py())


def _backup(uri: str) -> Backup:
    with open_target(uri) as target:
        [backup] = target.backups()
    return backup


def _backup_rows(uri: str, backup: Backup) -> pa.Table:
    with open_target(uri) as target:
        return pa.Table.from_batches(list(target.read_backup(backup)), target.backup_schema(backup))


def _holds(table: pa.Table, uuid: str) -> int:
    return int(pc.sum(pc.equal(table["login_uuid"], uuid)).as_py() or 0)


@pytest.mark.parametrize(
    "kind", ["duckdb", "parquet", pytest.param("postgresql", marks=pytest.mark.e2e)]
)
def test_erase_removes_the_subject_from_the_backup_which_still_restores(
    kind: str, make: Any, users: pa.Table, veil: Veil
) -> None:
    made: Made = make(kind)
    veil.run(made.uri)
    # a PostgreSQL reference omits the user: the table is reached through the URI given
    where = ["--in-place", made.uri] if kind == "postgresql" else []
    gone, kept = _uuid(users, ONE), _uuid(users, OTHER)

    [listed] = veil.export("--by-raw", gone, *where)["inplace_backups"]
    assert listed["rows"] == 1 and listed["matched_by"].startswith("keyed hash of column login")
    done = veil.erase("--by-raw", gone, *where)
    backup = _backup(made.uri)
    assert f"backup {backup.ref}: removed 1 row(s)" in done.stdout

    rows = _backup_rows(made.uri, backup)
    assert rows.num_rows == USERS - 1 and backup.rows == USERS - 1
    assert _holds(rows, gone) == 0 and _holds(rows, kept) == 1
    sid = veil.export("--by-raw", gone, *where)["subject_id"]
    assert backup.details["erasures"] == [
        {"subject": veil.ref(sid), "rows_removed": 1, "at": backup.details["erasures"][0]["at"]}
    ]
    restored = veil("inplace", "restore", made.uri, "--backup", backup.ref)
    assert f"{USERS - 1:,} rows" in restored.stdout and "(verified)" in restored.stdout
    with open_target(made.uri) as target:
        table = pa.Table.from_batches(list(target.read_batches()), target.schema())
    assert _holds(table, gone) == 0 and _holds(table, kept) == 1

    [entry] = veil.audit("subject.erase")
    assert entry["target"]["subject"] == veil.ref(sid)
    [audited] = entry["details"]["backups"]
    assert (audited["backup"], audited["rows_removed"], audited["rows_left"]) == (backup.ref, 1, 0)
    assert entry["details"]["backup_rows_removed"] == 1
    stored = veil.audit_text()
    assert not [v for v in [*raw_values(users), gone, sid] if v in stored]


def test_delta_backups_keep_the_rows_until_vacuum(make: Any, users: pa.Table, veil: Veil) -> None:
    made: Made = make("delta")
    veil.run(made.uri)
    gone = _uuid(users, ONE)

    kept = veil.erase("--by-raw", gone, ok=False)
    assert kept.exit_code == 11 and "erasure is incomplete: 1 row(s) stay" in kept.stderr
    assert "1 row(s) of the subject stay in this Delta version" in kept.stderr
    assert "VACUUM" in kept.stderr and "--vacuum" in kept.stderr
    [entry] = veil.audit("subject.erase")
    [audited] = entry["details"]["backups"]
    assert (audited["rows_removed"], audited["rows_left"], audited["vacuumed"]) == (0, 1, False)
    assert entry["details"]["backup_rows_left"] == 1
    assert veil.export("--by-raw", gone)["inplace_backups"][0]["rows"] == 1

    vacuumed = veil.erase("--by-raw", gone, "--vacuum")
    assert "backup version:0: removed 1 row(s) (VACUUM" in vacuumed.stdout
    assert "no longer be restored" in vacuumed.stdout and not vacuumed.stderr
    assert veil.export("--by-raw", gone)["inplace_backups"][0]["rows"] == 0
    assert made.path is not None
    files = [p.read_bytes() for p in made.path.rglob("*") if p.is_file()]
    assert not [f for f in files if gone.encode() in f]  # no file holds the raw id any more
    assert veil("inplace", "restore", made.uri, "--backup", "version:0", ok=False).exit_code
    stored = veil.audit_text()
    assert not [v for v in [*raw_values(users), gone] if v in stored]


def test_vacuum_keeps_what_the_restored_table_still_uses(
    make: Any, users: pa.Table, veil: Veil
) -> None:
    made: Made = make("delta")
    veil.run(made.uri)
    veil("inplace", "restore", made.uri, "--backup", "version:0")
    gone = _uuid(users, ONE)
    result = veil.erase("--by-raw", gone, "--vacuum", ok=False)
    assert result.exit_code == 11
    assert "1 row(s) of the subject remain in files the table's current version" in result.stderr
    [audited] = veil.audit("subject.erase")[0]["details"]["backups"]
    assert (audited["rows_removed"], audited["rows_left"], audited["vacuumed"]) == (0, 1, True)


@pytest.mark.parametrize(("kind", "as_job"), [("duckdb", False), ("parquet", True)])
def test_a_legal_hold_on_the_table_refuses_the_erasure(
    kind: str, as_job: bool, make: Any, users: pa.Table, veil: Veil
) -> None:
    made: Made = make(kind)
    if as_job:
        job = veil("job", "create", "--in-place", made.uri, "--policy", "randomuser").stdout
        veil("job", "dry-run", job.strip(), "--sample-rows", "20")
        veil("job", "approve", job.strip(), "--reason", "reviewed", actor="bob")
        veil("job", "run", job.strip(), "--quiet")
    else:
        veil.run(made.uri)
    held = veil("hold", "set", made.uri, "--reason", "litigation 2026-17")
    assert "its backups are not changed" in " ".join(held.stdout.split())
    gone = _uuid(users, ONE)

    refused = veil.erase("--by-raw", gone, ok=False)
    assert refused.exit_code == 10
    assert "under legal hold" in refused.stderr and "litigation 2026-17" in refused.stderr
    assert _holds(_backup_rows(made.uri, _backup(made.uri)), gone) == 1
    [entry] = veil.audit("subject.erase.refused")
    assert entry["target"]["dataset"] == _backup(made.uri).target

    veil("hold", "release", made.uri, "--reason", "case closed")
    veil.erase("--by-raw", gone)
    assert _holds(_backup_rows(made.uri, _backup(made.uri)), gone) == 0


NO_SUBJECT = """\
name: no-subject
on_unknown_column: drop
columns:
  gender: {op: keep}
  country: {op: keep, from: location_country}
"""


def test_a_backup_that_cannot_be_matched_is_said_so(make: Any, veil: Veil, tmp_path: Path) -> None:
    made: Made = make("duckdb")
    (tmp_path / "policy.yaml").write_text(NO_SUBJECT)
    veil.run(made.uri, str(tmp_path / "policy.yaml"))
    backup = _backup(made.uri)

    result = veil.erase("0" * 32, ok=False)
    assert result.exit_code == 11 and "1 in-place backup(s) were not checked" in result.stderr
    assert f"backup {backup.ref} was not checked" in result.stderr
    assert "names no subject_id column" in result.stderr
    [entry] = veil.audit("subject.erase")
    assert entry["details"]["backups_unchecked"] == 1
    assert entry["details"]["backups"][0]["unmatched"].endswith("names no subject_id column")
    assert _backup(made.uri).rows == USERS  # untouched, and said so


OWN_POLICY = """\
name: own
on_unknown_column: drop
subject_id: subject_id
columns:
  subject_id: {op: hash, from: login_uuid, length: 24, domain: customers}
  country: {op: keep, from: location_country}
"""


def test_a_backup_records_its_mapping_so_a_policy_file_is_not_needed(
    make: Any, users: pa.Table, veil: Veil, tmp_path: Path
) -> None:
    made: Made = make("parquet")
    policy = tmp_path / "own.yaml"
    policy.write_text(OWN_POLICY)
    veil.run(made.uri, str(policy))
    policy.unlink()  # neither a job's nor a built-in policy: only the backup knows
    gone = _uuid(users, ONE)

    done = veil.erase("--by-raw", gone)
    assert "removed 1 row(s)" in done.stdout
    assert _holds(_backup_rows(made.uri, _backup(made.uri)), gone) == 0


def test_an_older_backup_is_matched_through_the_policy_the_audit_log_names(
    make: Any, users: pa.Table, veil: Veil
) -> None:
    made: Made = make("duckdb")
    veil.run(made.uri)
    backup = _backup(made.uri)
    older = Backup.from_dict(
        {**backup.to_dict(), "details": {k: v for k, v in backup.details.items() if k != "subject"}}
    )  # as taken before backups recorded how the run made the subject id
    con = duckdb.connect(str(made.path))
    con.execute(f"COMMENT ON TABLE {older.ref} IS {sql_str(backup_comment(older))}")
    con.close()
    assert "subject" not in _backup(made.uri).details

    [listed] = veil.export("--by-raw", _uuid(users, ONE))["inplace_backups"]
    assert listed["rows"] == 1 and listed["matched_by"].startswith("keyed hash")


def test_a_table_that_cannot_be_opened_is_said_so(make: Any, veil: Veil) -> None:
    made: Made = make("parquet")
    veil.run(made.uri)
    assert made.path is not None
    shutil.rmtree(made.path)
    result = veil.erase("0" * 32, ok=False)
    assert result.exit_code == 11 and "1 in-place table(s) could not be opened" in result.stderr
    assert f"in-place table parquet://{made.path} could not be opened" in result.stderr
    [entry] = veil.audit("subject.erase")
    [unreachable] = entry["details"]["inplace_unreachable"]
    assert (
        unreachable["target"] == f"parquet://{made.path}" and "no Parquet" in unreachable["error"]
    )


def test_a_single_parquet_files_backup_loses_only_the_rows_matched(
    users: pa.Table, tmp_path: Path
) -> None:
    path = tmp_path / "users.parquet"
    pq.write_table(users, path)
    gone = _uuid(users, ONE)
    match = RowMatch(("login_uuid",), lambda b: pc.equal(b.column("login_uuid"), gone))
    with open_target(str(path)) as target:
        backup = target.backup()
        after = target.erase_from_backup(backup, match, {"subject": "hmac:0123456789abcdef"})
        assert after is not None and after.rows == USERS - 1
        assert after.details["erasures"][0]["rows_removed"] == 1
        assert target.verify(after).ok and not target.verify(backup).ok  # the record moved on
        assert target.erase_from_backup(after, match, {"subject": "x"}) == after  # none left
        assert target.restore(after).ok
    restored = pq.read_table(path)
    assert restored.num_rows == USERS - 1 and _holds(restored, gone) == 0
