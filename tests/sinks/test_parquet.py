"""Parquet: round trips, streaming, row groups, modular encryption and wrong/missing keys."""

from __future__ import annotations

import itertools
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veil.errors import KeyError_
from veil.keys import Keyring
from veil.sinks import WrongKeyError, connect, iter_batches, open_sink, read_dataset
from veil.sinks.crypto import ParquetCrypto, unwrap, wrap
from veil.sinks.parquet import open_file

from .conftest import CANARY, SCHEMA, SECRET_COLUMN, all_bytes, make_table, write_version


def _sink(path: Path, keyring: Keyring, encrypt: bool = True, **options):
    return open_sink(str(path), format="parquet", encrypt=encrypt, keyring=keyring, **options)


def _files(path: Path) -> list[Path]:
    return sorted(path.rglob("*.parquet"))


@pytest.mark.parametrize("encrypt", [True, False])
def test_round_trip(tmp_path: Path, keyring: Keyring, table: pa.Table, encrypt: bool) -> None:
    sink = _sink(tmp_path, keyring, encrypt)
    write_version(sink, table, parts=7)
    assert sink.read("users").equals(table)
    assert read_dataset(str(tmp_path), "users", keyring).equals(table)
    streamed = pa.Table.from_batches(list(iter_batches(str(tmp_path), "users", keyring)))
    assert streamed.equals(table)


def test_row_groups_and_file_rolling(tmp_path: Path, keyring: Keyring) -> None:
    sink = _sink(tmp_path, keyring, row_group_rows=100, max_file_rows=250)
    table = make_table(1000)
    info = write_version(sink, table, parts=40)  # batches of 25 rows are buffered
    assert info.files == tuple(f"part-{i:05d}.parquet" for i in range(4))
    props = ParquetCrypto(keyring).decryption_properties()
    groups = [
        pq.ParquetFile(f, decryption_properties=props).metadata.num_row_groups
        for f in _files(tmp_path)
    ]
    assert groups == [3, 3, 3, 3]  # 100 + 100 + 50 rows per file
    assert sink.read("users").equals(table)
    assert [b.num_rows for b in sink.iter_batches("users", batch_size=100)][:3] == [100, 100, 50]


def test_empty_dataset(tmp_path: Path, keyring: Keyring) -> None:
    sink = _sink(tmp_path, keyring)
    with sink.writer(dataset="users", schema=SCHEMA) as w:
        info = w.commit({})
    assert info.rows == 0
    result = sink.read("users")
    assert result.num_rows == 0 and result.schema.equals(SCHEMA)


def test_canary_absent_from_encrypted_bytes(tmp_path: Path, keyring: Keyring, table) -> None:
    write_version(_sink(tmp_path / "enc", keyring, True), table)
    write_version(_sink(tmp_path / "plain", keyring, False), table)
    encrypted, plain = all_bytes(tmp_path / "enc"), all_bytes(tmp_path / "plain")
    # control: the canary and the column names are visible in a plain file
    assert CANARY.encode() in plain and SECRET_COLUMN.encode() in plain
    # encrypted: no value anywhere (files, manifest, pointer)…
    assert CANARY.encode() not in encrypted
    assert b"Berlin" not in encrypted and b"user-1" not in encrypted
    # …and no column name in the data files: the footer is encrypted too (the manifest lists
    # the schema on purpose)
    assert all(SECRET_COLUMN.encode() not in p.read_bytes() for p in _files(tmp_path / "enc"))
    assert _sink(tmp_path / "enc", keyring).read("users").column("name")[0].as_py() == CANARY


def test_wrong_key(tmp_path: Path, keyring: Keyring, other_keyring: Keyring, table) -> None:
    write_version(_sink(tmp_path, keyring), table)
    with pytest.raises(WrongKeyError) as info:
        read_dataset(str(tmp_path), "users", other_keyring)
    err = info.value
    assert isinstance(err, KeyError_)
    assert err.written_with == keyring.kid and err.available == (other_keyring.kid,)
    assert f"written with key {keyring.kid}; the keyring has {other_keyring.kid}" in str(err)
    with pytest.raises(KeyError_):
        list(iter_batches(str(tmp_path), "users", other_keyring))
    with pytest.raises(KeyError_):
        connect(str(tmp_path), other_keyring, ["users"])


def test_no_key(tmp_path: Path, keyring: Keyring, table) -> None:
    write_version(_sink(tmp_path, keyring), table)
    with pytest.raises(KeyError_):
        read_dataset(str(tmp_path), "users", None)
    with pytest.raises(OSError, match="decryption"):  # plain pyarrow cannot read it either
        pq.read_table(_files(tmp_path)[0])


def test_kms_names_the_key_inside_the_file(tmp_path: Path, keyring, other_keyring, table) -> None:
    """Without the manifest's help, the wrapped key material itself names the key id."""
    sink = _sink(tmp_path, keyring)
    write_version(sink, table)
    path = str(_files(tmp_path)[0])
    with pytest.raises(WrongKeyError) as info:
        open_file(sink.location, path, ParquetCrypto(other_keyring)).read()
    assert info.value.written_with == keyring.kid


def test_rotated_keyring_reads_old_data(tmp_path: Path, keyring, other_keyring, table) -> None:
    write_version(_sink(tmp_path, keyring), table)
    rotated = Keyring(keys={**keyring.keys, **other_keyring.keys}, current=other_keyring.kid)
    assert read_dataset(str(tmp_path), "users", rotated).equals(table)


def test_wrap_format_and_tamper(keyring: Keyring) -> None:
    wrapped = wrap(keyring, b"k" * 32, "veil-footer")
    prefix, kid, _ = wrapped.split(":")
    assert (prefix, kid) == ("veil1", keyring.kid)
    assert unwrap(keyring, wrapped, "veil-footer") == b"k" * 32
    with pytest.raises(KeyError_):
        unwrap(keyring, wrapped, "another-key-name")  # bound to the master key name
    with pytest.raises(KeyError_):
        unwrap(keyring, wrapped[:-6] + "AAAAAA", "veil-footer")
    with pytest.raises(KeyError_):
        unwrap(keyring, "not-veil", "veil-footer")


@pytest.mark.parametrize("encrypt", [True, False])
def test_sql_through_connect(tmp_path: Path, keyring: Keyring, table, encrypt: bool) -> None:
    sink = _sink(tmp_path, keyring, encrypt)
    write_version(sink, table)
    write_version(sink, make_table(30), dataset="events")
    con = connect(str(tmp_path), keyring, ["users", "events"])
    try:
        rows = con.sql(
            "SELECT u.city, count(*) FROM users u JOIN events e USING (id) "
            "GROUP BY u.city ORDER BY u.city"
        ).fetchall()
        assert rows == [("Berlin", 10), ("Oslo", 10), ("Paris", 10)]
        canary = con.sql("SELECT count(*) FROM users WHERE name = ?", params=[CANARY])
        assert canary.fetchall() == [(1,)]
    finally:
        con.close()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=6))
def test_any_batch_split_round_trips(tmp_path_factory, keyring: Keyring, cuts: list[int]) -> None:
    table = make_table(60)
    sink = _sink(tmp_path_factory.mktemp("split"), keyring, row_group_rows=16)
    bounds = sorted({0, 60, *cuts})
    with sink.writer(dataset="users", schema=SCHEMA) as w:
        for lo, hi in itertools.pairwise(bounds):
            part = table.slice(lo, hi - lo).combine_chunks()
            w.write(part.to_batches()[0] if hi > lo else part)
        w.commit({})
    assert sink.read("users").equals(table)
