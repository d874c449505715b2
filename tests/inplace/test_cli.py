"""`veil inplace run|restore|backups|drop-backup`, the target URIs, and what reaches the
terminal and the audit log (references, counts and hashes; no value, no password)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from veil.audit import CatalogAuditLog
from veil.catalog.db import catalog_url
from veil.cli.main import app
from veil.errors import ConfigError
from veil.inplace import TargetError, open_target

from .conftest import USERS, fail_transform, raw_values

KEY_HEX = "11" * 32


def veil(*args: str, ok: bool = True) -> Any:
    result = CliRunner().invoke(
        app, list(args), env={"VEIL_MASTER_KEY": KEY_HEX, "COLUMNS": "200"}, catch_exceptions=False
    )
    if ok:
        assert result.exit_code == 0, result.output + (result.stderr or "")
    return result


def inplace(*args: str, ws: Path, ok: bool = True) -> Any:
    """``veil inplace ARGS --workspace WS`` (quiet for ``run``)."""
    quiet = ["--quiet"] if args[0] == "run" else []
    return veil("inplace", *args, *quiet, "--workspace", str(ws), ok=ok)


def _audit(workspace: Path) -> list[dict[str, Any]]:
    with CatalogAuditLog(catalog_url(workspace)) as log:
        return [e.to_dict() for e in log.entries()]


def test_run_backups_restore_and_drop_from_the_command_line(
    make: Any, users: pa.Table, tmp_path: Path
) -> None:
    made = make("duckdb")
    ws = tmp_path / "ws"
    common = ["--workspace", str(ws)]

    dry = veil(
        "inplace",
        "run",
        made.uri,
        "--policy",
        "randomuser",
        "--dry-run",
        "--json",
        "--reference-date",
        "2026-11-22",
        *common,
    )
    assert json.loads(dry.stdout)["backup"] is None

    run = veil(
        "inplace",
        "run",
        made.uri,
        "--policy",
        "randomuser",
        "--quiet",
        "--reference-date",
        "2026-11-22",
        *common,
    )
    assert f"{USERS:,} rows in, {USERS:,} out" in run.stdout
    [ref] = [w for w in run.stdout.split() if w.startswith("veil_backup_users_")][:1]
    assert "veil inplace restore" in run.stdout

    listed = json.loads(veil("inplace", "backups", made.uri, "--json").stdout)
    assert [b["ref"] for b in listed] == [ref]
    listed_text = veil("inplace", "backups", made.uri)
    assert ref in listed_text.stdout

    restored = veil("inplace", "restore", made.uri, "--backup", ref, *common)
    assert f"from backup {ref}: {USERS:,} rows" in restored.stdout
    with open_target(made.uri) as target:
        assert target.schema().names == users.column_names
        assert target.measure().checksum == listed[0]["checksum"]

    veil("inplace", "drop-backup", made.uri, "--backup", ref, *common)
    assert "no veil backups" in veil("inplace", "backups", made.uri).stdout

    entries = _audit(ws)
    assert [e["action"] for e in entries] == [
        "inplace.dry_run",
        "inplace.run",
        "inplace.restore",
        "inplace.backup_drop",
    ]
    assert entries[1]["details"]["backup"] == ref
    said = "".join(r.stdout + r.stderr for r in (dry, run, listed_text, restored))
    text = json.dumps(entries) + said
    assert not [value for value in raw_values(users) if value in text]


def test_a_policy_that_does_not_fit_is_a_clear_error(make: Any, tmp_path: Path) -> None:
    made = make("parquet")
    result = inplace("run", made.uri, "--policy", "events", ws=tmp_path / "ws", ok=False)
    assert result.exit_code == 2
    assert "columns.event_id: input column 'event_id' does not exist" in result.stderr
    assert "no veil backups" in veil("inplace", "backups", made.uri).stdout


def test_a_failed_run_says_restored_without_values(
    make: Any, users: pa.Table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make("duckdb")
    leaked = users.column("email")[0].as_py()
    fail_transform(monkeypatch, ValueError(f"cannot convert {leaked}"), on_batch=1)
    result = inplace("run", made.uri, "--policy", "randomuser", ws=tmp_path / "ws", ok=False)
    assert result.exit_code == 5
    assert "restored" in result.stderr and "ValueError" in result.stderr
    assert leaked not in result.output + result.stderr
    assert [e["action"] for e in _audit(tmp_path / "ws")] == ["inplace.failed"]


def test_delta_drop_backup_keeps_the_version(make: Any, tmp_path: Path) -> None:
    made = make("delta")
    ws = ["--workspace", str(tmp_path / "ws")]
    veil("inplace", "run", made.uri, "--policy", "randomuser", "--quiet", *ws)
    dropped = veil("inplace", "drop-backup", made.uri, "--backup", "version:0", *ws)
    assert "VACUUM" in dropped.stderr
    restored = veil("inplace", "restore", made.uri, "--backup", "version:0", *ws)
    assert "verified" in restored.stdout


# -- target URIs ---------------------------------------------------------------------------


def test_uris_open_the_right_targets(make: Any) -> None:
    duck = make("duckdb")
    with open_target(f"duckdb://{duck.path}?table=main.users") as target:
        assert target.kind == "duckdb" and target.row_count() == USERS
    par = make("parquet")
    for uri in (par.uri, str(par.path)):
        with open_target(uri) as target:
            assert target.kind == "parquet" and target.row_count() == USERS
    delta = make("delta")
    with open_target(delta.uri) as target:
        assert target.kind == "delta" and target.ref == f"delta://{delta.path}"
    with pytest.raises(TargetError, match="Delta Lake table"):
        open_target(str(delta.path))  # a plain path is Parquet: refused, with the right scheme


@pytest.mark.parametrize(
    ("uri", "error", "match"),
    [
        ("mysql://host/db?table=t", ConfigError, "unknown target scheme"),
        ("duckdb:///nowhere.duckdb", ConfigError, r"\?table="),
        ("duckdb:///nowhere.duckdb?table=users", TargetError, "no DuckDB database file"),
        ("delta:///nowhere", TargetError, "no Delta Lake table"),
        ("/nowhere/at/all", TargetError, "no Parquet file or folder"),
    ],
)
def test_bad_uris_are_clear_errors(uri: str, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        open_target(uri)


def test_a_missing_table_names_it(make: Any) -> None:
    made = make("duckdb")
    with pytest.raises(TargetError, match=r"no table main\.nobody"):
        open_target(f"duckdb://{made.path}?table=nobody")


@pytest.mark.e2e
def test_postgres_reference_has_no_credentials(postgres: str) -> None:
    host = postgres.split("@", 1)[1].split("?", 1)[0]
    uri = f"postgresql://postgres:s3cret-pw@{host}?table=public.veil_no_such_table&sslmode=prefer"
    with pytest.raises(TargetError) as caught:
        open_target(uri)
    assert "s3cret-pw" not in str(caught.value) and "postgres@" not in str(caught.value)
    assert f"postgresql://{host}?table=public.veil_no_such_table" in str(caught.value)
