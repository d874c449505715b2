"""DuckDB sink: round trip, SQL, abort, re-run, no encryption (refused with a clear error)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from veil.errors import ConfigError
from veil.keys import Keyring
from veil.sinks import connect, open_sink, read_dataset

from .conftest import CANARY, SCHEMA, all_bytes, make_table, tree, write_version


@pytest.fixture
def sink(tmp_path: Path, keyring: Keyring):
    return open_sink(str(tmp_path), format="duckdb", encrypt=False, keyring=keyring)


def test_round_trip(sink, tmp_path: Path, keyring: Keyring, table: pa.Table) -> None:
    info = write_version(sink, table, parts=5)
    assert info.files == ("data.duckdb",) and info.rows == 300
    assert sink.read("users").equals(table)
    assert read_dataset(str(tmp_path), "users", keyring).equals(table)
    streamed = pa.Table.from_batches(list(sink.iter_batches("users", batch_size=64)))
    assert streamed.equals(table)
    manifest = sink.current("users")
    assert manifest["format"] == "duckdb" and manifest["encrypted"] is False
    assert manifest["encryption_key_id"] is None and manifest["files"][0]["rows"] == 300


def test_file_is_a_plain_duckdb_database(sink, table: pa.Table) -> None:
    info = write_version(sink, table)
    path = Path(info.location) / "data.duckdb"
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.sql("SELECT count(*) FROM users").fetchall() == [(300,)]
    finally:
        con.close()
    assert not path.with_name("data.duckdb.wal").exists()


def test_sql_through_connect(sink, tmp_path: Path, keyring: Keyring, table) -> None:
    write_version(sink, table)
    con = connect(str(tmp_path), keyring, "users")
    try:
        rows = con.sql("SELECT city, count(*) FROM users GROUP BY city ORDER BY city").fetchall()
    finally:
        con.close()
    assert rows == [("Berlin", 100), ("Oslo", 100), ("Paris", 100)]


def test_mixed_formats_in_one_location(sink, tmp_path: Path, keyring: Keyring, table) -> None:
    write_version(sink, make_table(30), dataset="events")
    parquet = open_sink(str(tmp_path), format="parquet", encrypt=True, keyring=keyring)
    write_version(parquet, table)
    con = parquet.connect(["users", "events"])  # reads each dataset in its own format
    try:
        joined = con.sql("SELECT count(*) FROM users JOIN events USING (id)").fetchall()
    finally:
        con.close()
    assert joined == [(30,)]


def test_rerun_replaces(sink) -> None:
    write_version(sink, make_table(50))
    write_version(sink, make_table(20, start=500))
    assert sink.read("users")["id"].to_pylist() == list(range(500, 520))
    assert len(sink.versions("users")) == 2


def test_abort_leaves_previous_and_no_files(sink, tmp_path: Path, table) -> None:
    write_version(sink, table)
    before = tree(tmp_path)
    temps = set(Path(tempfile.gettempdir()).glob("veil-duckdb-*"))
    with pytest.raises(RuntimeError), sink.writer(dataset="users", schema=SCHEMA) as w:
        w.write(make_table(10))
        raise RuntimeError("boom")
    assert tree(tmp_path) == before
    assert set(Path(tempfile.gettempdir()).glob("veil-duckdb-*")) == temps
    assert sink.read("users").num_rows == 300


def test_encryption_is_refused_with_a_pointer_to_parquet(tmp_path: Path, keyring) -> None:
    with pytest.raises(ConfigError, match="parquet"):
        open_sink(str(tmp_path), format="duckdb", encrypt=True, keyring=keyring)


def test_duckdb_output_is_not_encrypted(sink, tmp_path: Path, table) -> None:
    """Documented behaviour, pinned: the values are readable in the file."""
    write_version(sink, table)
    assert CANARY.encode() in all_bytes(tmp_path)
