"""In-place anonymization on each target (DuckDB, Parquet, Delta Lake, PostgreSQL as e2e):
the table ends anonymized with a verified backup that restores the original rows; a failure
during the transform, or after the swap, or Ctrl-C, brings the original back (checksum equal);
a backup that fails verification stops the run before any change; another writer is noticed;
nothing veil says or stores quotes a value from the table."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pyarrow as pa
import pytest

from veil.errors import PolicyError
from veil.inplace import (
    BackupVerificationError,
    InPlaceFailedError,
    Target,
    TargetChangedError,
    anonymize_in_place,
    open_target,
    restore_backup,
)
from veil.policy import builtin_policy

from .conftest import BATCH, USERS, Made, fail_transform, raw_values

POLICY = builtin_policy("randomuser")


class RecordingAudit:
    """An audit log that keeps the entries (and can fail on one action)."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.entries: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        self.fail_on = fail_on

    def record(self, action: str, actor: str, target: dict, details: dict) -> None:
        if action == self.fail_on:
            raise OSError("the audit log is unavailable")
        self.entries.append((action, target, details))


def _table(target: Target) -> pa.Table:
    return pa.Table.from_batches(list(target.read_batches(BATCH)), schema=target.schema())


def _strings(table: pa.Table) -> set[str]:
    found: set[str] = set()
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            found.update(v for v in column.to_pylist() if v is not None)
    return found


def _run(target: Target, keyring: Any, reference_date: Any, **kw: Any) -> Any:
    return anonymize_in_place(
        target, POLICY, keyring, reference_date=reference_date, batch_rows=BATCH, **kw
    )


# -- the run -------------------------------------------------------------------------------


def test_run_anonymizes_and_the_backup_restores_the_original(
    made: Made, users: pa.Table, keyring: Any, reference_date: Any
) -> None:
    audit = RecordingAudit()
    with open_target(made.uri) as target:
        before = target.measure()
        result = _run(target, keyring, reference_date, audit=audit)
        out = _table(target)

        # the table is anonymized: the policy's columns, every row, no raw identifier left
        assert out.column_names == list(POLICY.outputs())
        assert result.columns_after == list(POLICY.outputs())
        assert out.num_rows == result.rows_in == result.rows_out == USERS
        assert result.suppressed == 0
        assert not _strings(out) & raw_values(users)
        assert set(users.column("email").to_pylist()).isdisjoint(_strings(out))
        assert len(set(out.column("email_hash").to_pylist())) == USERS

        # the result and the audit entry: references, counts, hashes; never a value
        assert result.target == target.ref and result.kind == made.kind
        assert result.checksum_before == before.checksum != result.checksum_after
        assert result.checksum_after == target.measure().checksum
        assert result.policy == {"name": POLICY.name, "hash": POLICY.digest()}
        assert result.key_id == keyring.kid
        text = json.dumps(result.to_dict()) + json.dumps(audit.entries)
        assert not any(value in text for value in raw_values(users))
        [(action, ref, details)] = audit.entries
        assert action == "inplace.run" and ref == {"target": target.ref, "kind": made.kind}
        assert details["backup"] == result.backup.ref and details["rows_out"] == USERS

        # the backup is kept, listed, verifies, and restores the original rows
        backup = result.backup
        assert backup is not None and result.backup_kept
        assert backup.measure == before
        assert [b.ref for b in target.backups()] == [backup.ref]
        assert target.verify(backup).ok
        restore_backup(target, backup.ref, audit=audit)
        assert target.measure() == before
        back = _table(target)
        assert sorted(back.column("email").to_pylist()) == sorted(users.column("email").to_pylist())
        assert audit.entries[-1][0] == "inplace.restore"


def test_dry_run_changes_nothing(made: Made, keyring: Any, reference_date: Any) -> None:
    with open_target(made.uri) as target:
        before = target.measure()
        result = _run(target, keyring, reference_date, dry_run=True)
        assert result.dry_run and result.backup is None
        assert result.rows_out == USERS and result.checksum_after is None
        assert target.measure() == before
        assert target.backups() == []


def test_no_keep_backup_drops_it_after_success(
    make: Any, keyring: Any, reference_date: Any
) -> None:
    audit = RecordingAudit()
    with open_target(make("duckdb").uri) as target:
        result = _run(target, keyring, reference_date, keep_backup=False, audit=audit)
        assert not result.backup_kept
        assert target.backups() == []
        assert [a for a, _, _ in audit.entries] == ["inplace.run", "inplace.backup_drop"]


# -- failures ------------------------------------------------------------------------------


def test_failure_mid_transform_leaves_the_original_and_says_restored(
    made: Made, users: pa.Table, keyring: Any, reference_date: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaked = users.column("email")[0].as_py()
    fail_transform(monkeypatch, RuntimeError(f"cannot handle {leaked}"))
    audit = RecordingAudit()
    with open_target(made.uri) as target:
        before = target.measure()
        with pytest.raises(InPlaceFailedError) as caught:
            _run(target, keyring, reference_date, audit=audit)
        assert target.measure() == before
        assert _table(target).column_names == users.column_names
        backups = target.backups() if made.kind != "delta" else []
    error = caught.value
    assert "restored" in str(error) and "RuntimeError" in str(error)
    assert error.action == "unchanged" and not error.interrupted
    assert leaked not in str(error) and error.__cause__ is None
    assert [a for a, _, _ in audit.entries] == ["inplace.failed"]
    assert leaked not in json.dumps(audit.entries)
    if made.kind != "delta":
        assert [b.ref for b in backups] == [error.backup]  # kept for a manual look


def test_ctrl_c_mid_transform_restores(
    made: Made, keyring: Any, reference_date: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_transform(monkeypatch, KeyboardInterrupt())
    with open_target(made.uri) as target:
        before = target.measure()
        with pytest.raises(InPlaceFailedError) as caught:
            _run(target, keyring, reference_date)
        assert target.measure() == before
    assert caught.value.interrupted and caught.value.exit_code == 130
    assert "interrupted" in str(caught.value) and "restored" in str(caught.value)


def test_failure_after_the_swap_restores_the_backup(
    made: Made, keyring: Any, reference_date: Any
) -> None:
    audit = RecordingAudit(fail_on="inplace.run")  # the swap is done when the log fails
    with open_target(made.uri) as target:
        before = target.measure()
        with pytest.raises(InPlaceFailedError) as caught:
            _run(target, keyring, reference_date, audit=audit)
        assert caught.value.action == "restored"
        assert f"restored from backup {caught.value.backup}" in str(caught.value)
        assert target.measure() == before
        assert target.verify(target.find_backup(caught.value.backup)).ok
    assert [(a, d["outcome"]) for a, _, d in audit.entries] == [("inplace.failed", "restored")]


def test_a_backup_that_fails_verification_stops_before_any_change(
    made: Made, keyring: Any, reference_date: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_target(made.uri) as target:
        before = target.measure()
        real = target.measure

        def corrupt(backup: Any = None) -> Any:
            measured = real(backup)
            if backup is None:
                return measured
            return dataclasses.replace(measured, checksum="md5sum:" + "0" * 32)

        def never(*args: Any, **kwargs: Any) -> int:
            raise AssertionError("replace must not be called")

        monkeypatch.setattr(target, "measure", corrupt)
        monkeypatch.setattr(target, "replace", never)
        with pytest.raises(BackupVerificationError) as caught:
            _run(target, keyring, reference_date)
        assert "checksum differs" in str(caught.value)
        assert "nothing was changed" in str(caught.value)
        assert real() == before
        assert target.backups() == []  # the unverified copy is removed


def _other_writer(made: Made, target: Any, users: pa.Table) -> None:
    """Change the table behind veil's back (between its backup and its swap)."""
    extra = users.slice(0, 1)
    if made.kind == "duckdb":
        target._con.register("extra", extra)
        target._con.execute("INSERT INTO users SELECT * FROM extra")
    elif made.kind == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(extra, made.path / "late.parquet")
    elif made.kind == "delta":
        from deltalake import write_deltalake

        write_deltalake(str(made.path), extra, mode="append")
    else:
        import sqlalchemy as sa

        with target._engine.begin() as conn:
            conn.execute(
                sa.text("INSERT INTO users (email) VALUES (:e)"), {"e": "late@example.org"}
            )


def test_another_writer_between_backup_and_swap_is_refused(
    made: Made, users: pa.Table, keyring: Any, reference_date: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_target(made.uri) as target:
        real = target.verify

        def verify_then_write(backup: Any) -> Any:
            checked = real(backup)
            _other_writer(made, target, users)
            return checked

        monkeypatch.setattr(target, "verify", verify_then_write)
        with pytest.raises(TargetChangedError, match="another writer"):
            _run(target, keyring, reference_date)
        # the other writer's row is there: veil neither replaced nor "restored" over it
        assert target.row_count() == USERS + 1
        assert _table(target).column_names == users.column_names


def test_a_policy_that_does_not_fit_changes_nothing(
    make: Any, keyring: Any, reference_date: Any
) -> None:
    with open_target(make("duckdb").uri) as target:
        before = target.measure()
        with pytest.raises(PolicyError, match="columns"):
            anonymize_in_place(
                target, builtin_policy("events"), keyring, reference_date=reference_date
            )
        assert target.measure() == before
        assert target.backups() == []


# -- Delta Lake: the history is the snapshot -----------------------------------------------


def test_delta_history_shows_the_run_and_restore_goes_back_through_versions(
    make: Any, users: pa.Table, keyring: Any, reference_date: Any
) -> None:
    from deltalake import DeltaTable

    made = make("delta")
    with open_target(made.uri) as target:
        before = target.measure()
        first = target.version()
        result = _run(target, keyring, reference_date)
        assert result.backup.ref == f"version:{first}"
        newest = target.history()[0]
        assert newest["version"] == first + 1 and newest["operation"] == "WRITE"
        assert newest["veil.inplace"] == "run"
        assert json.loads(newest["veil.backup"])["checksum"] == before.checksum
        assert [b.ref for b in target.backups()] == [f"version:{first}"]

        restore_backup(target, str(first))  # a bare version number works too
        newest = target.history()[0]
        assert newest["version"] == first + 2 and newest["operation"] == "RESTORE"
        assert target.measure() == before
    # the anonymized version is still in the history
    anonymized = DeltaTable(str(made.path), version=first + 1).to_pyarrow_table()
    assert anonymized.column_names == list(POLICY.outputs())
    assert not _strings(anonymized) & raw_values(users)


# -- Parquet: a single file, and the folder swap ---------------------------------------------


def test_a_single_parquet_file_is_replaced_and_restored(
    tmp_path: Any, users: pa.Table, keyring: Any, reference_date: Any
) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "users.parquet"
    pq.write_table(users, path)
    with open_target(str(path)) as target:
        before = target.measure()
        result = _run(target, keyring, reference_date)
        assert pq.read_table(path).column_names == list(POLICY.outputs())
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            ["users.parquet", result.backup.ref]
        )
        restore_backup(target, result.backup.ref)
        assert target.measure() == before


def test_parquet_swap_leaves_no_staging_folders(
    make: Any, keyring: Any, reference_date: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make("parquet")
    with open_target(made.uri) as target:
        fail_transform(monkeypatch, RuntimeError("boom"))
        with pytest.raises(InPlaceFailedError):
            _run(target, keyring, reference_date)
        monkeypatch.undo()
        result = _run(target, keyring, reference_date)
    names = sorted(p.name for p in made.path.parent.iterdir())
    assert [n for n in names if not n.startswith("_veil_backup_")] == ["users"]
    assert result.backup.ref in names
    assert all(p.suffix == ".parquet" for p in made.path.iterdir())


def test_a_second_run_says_the_table_looks_anonymized(
    make: Any, keyring: Any, reference_date: Any
) -> None:
    from veil.errors import ConfigError

    with open_target(make("duckdb").uri) as target:
        _run(target, keyring, reference_date)
        with pytest.raises(ConfigError, match="looks anonymized already"):
            _run(target, keyring, reference_date)
        assert len(target.backups()) == 1


def test_a_restore_that_fails_keeps_the_backup_and_says_how_to_restore(
    make: Any, keyring: Any, reference_date: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veil.inplace import RestoreFailedError

    with open_target(make("duckdb").uri) as target:
        before = target.measure()

        def broken(backup: Any) -> Any:
            raise OSError("disk full")

        monkeypatch.setattr(target, "restore", broken)
        with pytest.raises(RestoreFailedError) as caught:
            _run(target, keyring, reference_date, audit=RecordingAudit(fail_on="inplace.run"))
        message = str(caught.value)
        assert "restoring backup" in message and "OSError" in message
        assert f"veil inplace restore {target.ref} --backup {caught.value.backup}" in message
        monkeypatch.undo()
        restore_backup(target, caught.value.backup)
        assert target.measure() == before


def test_backup_names_fit_identifiers_and_stay_unique() -> None:
    from veil.inplace.base import backup_name

    long = "t" * 70
    first = backup_name(long, [])
    second = backup_name(long, [first])
    assert len(first) <= 63 and len(second) <= 63 and first != second
    assert backup_name("users", []).startswith("veil_backup_users_")
