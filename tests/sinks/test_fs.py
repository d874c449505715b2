"""Resolving output locations; S3 options, masking, and failing fast on a bad endpoint."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.fs as pafs
import pytest

from veil.errors import ConfigError, SinkError
from veil.sinks import S3Error, S3Options, resolve_location

SECRET = "s3cr3t-SHOULD-NEVER-SHOW"


def test_local_folder_is_created(tmp_path: Path) -> None:
    loc = resolve_location(str(tmp_path / "a" / "b"))
    assert isinstance(loc.fs, pafs.LocalFileSystem) and loc.is_local
    assert (tmp_path / "a" / "b").is_dir()
    assert loc.path("users", "_current.json") == str(tmp_path / "a" / "b" / "users/_current.json")


def test_file_url(tmp_path: Path) -> None:
    assert resolve_location(f"file://{tmp_path}/out").base == str(tmp_path / "out")


@pytest.mark.parametrize("output", ["gs://bucket/x", "hdfs://nn/x"])
def test_unsupported_scheme(output: str) -> None:
    with pytest.raises(ConfigError):
        resolve_location(output)


def test_s3_url_without_bucket() -> None:
    with pytest.raises(ConfigError):
        resolve_location("s3:///prefix", S3Options(endpoint_url="http://127.0.0.1:1"))


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    loc = resolve_location(str(tmp_path))
    loc.write_bytes(loc.path("d", "f.json"), b"one")
    loc.write_bytes(loc.path("d", "f.json"), b"two")
    assert loc.read_bytes(loc.path("d", "f.json")) == b"two"
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["f.json"]
    assert loc.read_bytes(loc.path("d", "missing.json")) is None


def test_repr_masks_secrets() -> None:
    opts = S3Options(
        endpoint_url="http://minio:9000",
        access_key="AKIAEXAMPLEKEY",
        secret_key=SECRET,
        session_token="tok-SECRET",
    )
    text = repr(opts) + str(opts)
    assert SECRET not in text and "tok-SECRET" not in text and "AKIAEXAMPLEKEY" not in text
    assert "http://minio:9000" in text and "AKIA…" in text


@pytest.mark.parametrize(
    ("explicit", "env", "expected"),
    [
        (
            None,
            {"VEIL_S3_ENDPOINT": "http://veil:1", "AWS_ENDPOINT_URL": "http://aws:2"},
            "http://veil:1",
        ),
        (None, {"AWS_ENDPOINT_URL": "http://aws:2"}, "http://aws:2"),
        ("http://explicit:3", {"VEIL_S3_ENDPOINT": "http://veil:1"}, "http://explicit:3"),
        (None, {}, None),
    ],
)
def test_endpoint_precedence(explicit: str | None, env: dict, expected: str | None) -> None:
    assert S3Options(endpoint_url=explicit).with_env(env).endpoint_url == expected


def test_credentials_from_env() -> None:
    env = {
        "AWS_ACCESS_KEY_ID": "AKIAENV",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    opts = S3Options(access_key=None).with_env(env)
    assert (opts.access_key, opts.secret_key, opts.region) == ("AKIAENV", SECRET, "eu-west-1")
    assert S3Options(access_key="mine", secret_key="x").with_env(env).access_key == "mine"


@pytest.mark.parametrize(
    "opts",
    [
        S3Options(endpoint_url="ftp://host:21", access_key="a", secret_key="b"),
        S3Options(endpoint_url="http://127.0.0.1:1", access_key="only-the-key"),
    ],
)
def test_bad_s3_options_are_config_errors(opts: S3Options) -> None:
    with pytest.raises(ConfigError):
        resolve_location("s3://bucket/x", opts, environ={})


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never answers (a hung endpoint)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(srv.getsockname()[1])
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    srv.close()


def _assert_fails_fast(endpoint: str, **kw: float) -> S3Error:
    opts = S3Options(endpoint_url=endpoint, access_key="AKIATEST", secret_key=SECRET, **kw)
    t0 = time.monotonic()
    with pytest.raises(S3Error) as info:
        resolve_location("s3://my-bucket/prefix", opts, environ={})
    assert time.monotonic() - t0 < 8
    err = info.value
    assert isinstance(err, SinkError)
    assert (err.endpoint, err.bucket) == (endpoint, "my-bucket")
    assert endpoint in str(err) and "my-bucket" in str(err) and SECRET not in str(err)
    return err


def test_unreachable_endpoint_fails_fast() -> None:
    _assert_fails_fast(f"http://127.0.0.1:{_closed_port()}")


def test_hung_endpoint_fails_fast(silent_server: int) -> None:
    _assert_fails_fast(f"http://127.0.0.1:{silent_server}", request_timeout=1.0)
