"""S3 end to end against moto's real server on loopback: write, read, commit, abort, prune."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime

import boto3
import pyarrow as pa
import pytest

from veil.errors import KeyError_
from veil.keys import Keyring
from veil.sinks import S3Error, S3Options, connect, open_sink, read_dataset

from .conftest import CANARY, SCHEMA, make_table, write_version

pytestmark = pytest.mark.e2e

ACCESS, SECRET = "AKIAVEILTEST", "moto-secret-never-shown"


@pytest.fixture
def endpoint(s3_endpoint: str) -> str:
    return s3_endpoint


@pytest.fixture
def s3(endpoint: str) -> S3Options:
    return S3Options(
        endpoint_url=endpoint, region="us-east-1", access_key=ACCESS, secret_key=SECRET
    )


@pytest.fixture
def client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
    )


@pytest.fixture
def bucket(client) -> str:
    name = f"veil-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return name


def _keys(client, bucket: str, prefix: str = "") -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def _files(client, bucket: str) -> list[str]:
    """Object keys without the zero-byte "directory" markers some writers leave."""
    return [k for k in _keys(client, bucket) if not k.endswith("/")]


def _body(client, bucket: str, key: str) -> bytes:
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_encrypted_parquet_round_trip(s3, client, bucket, keyring: Keyring, table) -> None:
    url = f"s3://{bucket}/zone/anon"
    sink = open_sink(url, format="parquet", encrypt=True, keyring=keyring, s3=s3)
    assert sink.current("users") is None and sink.datasets() == []
    info = write_version(sink, table, run_id="run-1")
    assert sink.datasets() == ["users"]
    assert info.location == f"s3://{bucket}/zone/anon/users/versions/{info.version_id}"
    assert sink.read("users").equals(table)
    assert read_dataset(url, "users", keyring, s3=s3).equals(table)
    assert pa.Table.from_batches(list(sink.iter_batches("users"))).equals(table)
    files = _files(client, bucket)
    assert files == [
        "zone/anon/users/_current.json",
        f"zone/anon/users/versions/{info.version_id}/manifest.json",
        f"zone/anon/users/versions/{info.version_id}/part-00000.parquet",
    ]
    raw = b"".join(_body(client, bucket, k) for k in files)
    assert CANARY.encode() not in raw
    pointer = json.loads(_body(client, bucket, "zone/anon/users/_current.json"))
    assert pointer["version_id"] == info.version_id


def test_connect_over_s3(s3, bucket, keyring: Keyring, table) -> None:
    url = f"s3://{bucket}/out"
    write_version(open_sink(url, format="parquet", encrypt=True, keyring=keyring, s3=s3), table)
    write_version(
        open_sink(url, format="parquet", encrypt=False, keyring=keyring, s3=s3),
        make_table(60),
        dataset="events",
    )
    write_version(
        open_sink(url, format="duckdb", encrypt=False, keyring=keyring, s3=s3),
        make_table(30),
        dataset="sessions",
    )
    con = connect(url, keyring, ["users", "events", "sessions"], s3=s3)
    try:
        rows = con.sql(
            "SELECT count(*) FROM users JOIN events USING (id) JOIN sessions USING (id)"
        ).fetchall()
    finally:
        con.close()
    assert rows == [(30,)]


def test_wrong_key_over_s3(s3, bucket, keyring: Keyring, other_keyring: Keyring, table) -> None:
    url = f"s3://{bucket}/out"
    write_version(open_sink(url, format="parquet", encrypt=True, keyring=keyring, s3=s3), table)
    with pytest.raises(KeyError_):
        read_dataset(url, "users", other_keyring, s3=s3)
    with pytest.raises(KeyError_):
        read_dataset(url, "users", None, s3=s3)


def test_duckdb_round_trip(s3, client, bucket, keyring: Keyring, table) -> None:
    url = f"s3://{bucket}/db"
    sink = open_sink(url, format="duckdb", encrypt=False, keyring=keyring, s3=s3)
    info = write_version(sink, table)
    assert sink.read("users").equals(table)
    assert f"db/users/versions/{info.version_id}/data.duckdb" in _files(client, bucket)


def test_abort_keeps_previous_version(s3, client, bucket, keyring: Keyring, table) -> None:
    sink = open_sink(f"s3://{bucket}/o", format="parquet", encrypt=True, keyring=keyring, s3=s3)
    write_version(sink, table)
    before = _files(client, bucket)
    with pytest.raises(RuntimeError), sink.writer(dataset="users", schema=SCHEMA) as w:
        w.write(make_table(20, start=900))
        raise RuntimeError("boom")
    assert _files(client, bucket) == before
    assert sink.read("users").num_rows == 300


def test_rerun_and_prune(s3, client, bucket, keyring: Keyring) -> None:
    sink = open_sink(
        f"s3://{bucket}/o", format="parquet", encrypt=False, keyring=keyring, s3=s3, keep=2
    )
    infos = [write_version(sink, make_table(10, start=100 * i)) for i in range(3)]
    assert sink.read("users")["id"][0].as_py() == 200
    assert sink.versions("users") == [i.version_id for i in infos[1:]]
    assert not any(infos[0].version_id in k for k in _files(client, bucket))


def test_stale_pending_version_is_cleaned(s3, client, bucket, keyring: Keyring, table) -> None:
    """A writer killed mid-write on S3 leaves a manifest-less version and its marker."""
    sink = open_sink(f"s3://{bucket}/o", format="parquet", encrypt=True, keyring=keyring, s3=s3)
    write_version(sink, table)
    dead = "20000101T000000000000Z-0badf00d"
    client.put_object(Bucket=bucket, Key=f"o/users/versions/{dead}/part-00000.parquet", Body=b"x")
    marker = {
        "run_id": "killed",
        "version_id": dead,
        "host": sink.layout.host,
        "pid": 2**22 + 4242,
        "started_at": datetime.now(UTC).isoformat(),
        "target": f"o/users/versions/{dead}",
    }
    client.put_object(Bucket=bucket, Key="o/users/.staging/killed.json", Body=json.dumps(marker))
    assert sink.read("users").num_rows == 300
    write_version(sink, make_table(5))
    assert not any(dead in k or "killed" in k for k in _files(client, bucket))


def test_missing_bucket_is_a_clear_error(s3) -> None:
    with pytest.raises(S3Error) as info:
        open_sink("s3://no-such-bucket/x", format="parquet", encrypt=False, s3=s3)
    assert info.value.bucket == "no-such-bucket" and info.value.endpoint == s3.endpoint_url
    assert SECRET not in str(info.value)


def test_settings_from_environment(endpoint, bucket, keyring: Keyring, monkeypatch) -> None:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("VEIL_S3_ENDPOINT", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    sink = open_sink(f"s3://{bucket}/env", format="parquet", encrypt=True, keyring=keyring)
    write_version(sink, make_table(12))
    assert sink.read("users").num_rows == 12
    assert SECRET not in repr(sink)
