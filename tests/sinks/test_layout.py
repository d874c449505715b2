"""Layout and atomic commit: versions, pointer, abort, stale staging, pruning, manifests."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

import veil.sinks
from veil.errors import ConfigError, SinkError
from veil.keys import Keyring
from veil.sinks import CommitInfo, Location, open_sink
from veil.sinks.crypto import FOOTER_KEY, KEK_PURPOSE

from .conftest import SCHEMA, make_table, tree, write_version


def test_exported_names() -> None:
    assert sorted(veil.sinks.__all__) == [
        "CommitInfo",
        "FileEntry",
        "KeyringKms",
        "Layout",
        "Location",
        "S3Error",
        "S3Options",
        "Sink",
        "Writer",
        "WrongKeyError",
        "connect",
        "get_format",
        "iter_batches",
        "open_sink",
        "read_dataset",
        "register_format",
        "resolve_location",
    ]


@pytest.fixture
def sink(tmp_path: Path, keyring: Keyring):
    return open_sink(str(tmp_path / "out"), format="parquet", encrypt=True, keyring=keyring)


def _dataset_dir(sink) -> Path:
    return Path(sink.location.base) / "users"


def test_commit_layout_and_pointer(sink, table: pa.Table) -> None:
    info = write_version(sink, table, run_id="run-1")
    assert (
        isinstance(info, CommitInfo) and info.rows == 300 and info.files == ("part-00000.parquet",)
    )
    root = _dataset_dir(sink)
    assert tree(root) == [
        "_current.json",
        "versions",
        f"versions/{info.version_id}",
        f"versions/{info.version_id}/manifest.json",
        f"versions/{info.version_id}/part-00000.parquet",
    ]
    pointer = json.loads((root / "_current.json").read_text())
    assert pointer["version_id"] == info.version_id and pointer["previous"] is None
    assert info.location == str(root / "versions" / info.version_id)
    assert info.bytes == (root / "versions" / info.version_id / "part-00000.parquet").stat().st_size


def test_rerun_replaces_instead_of_duplicating(sink) -> None:
    first = write_version(sink, make_table(100))
    second = write_version(sink, make_table(120, start=1000))
    assert sink.read("users").num_rows == 120
    assert sink.versions("users") == sorted([first.version_id, second.version_id])
    assert sink.current("users")["version_id"] == second.version_id


def test_prune_keeps_last_n(tmp_path: Path, keyring: Keyring) -> None:
    sink = open_sink(str(tmp_path), format="parquet", encrypt=False, keyring=keyring, keep=2)
    infos = [write_version(sink, make_table(10, start=i * 10)) for i in range(4)]
    assert sink.versions("users") == [i.version_id for i in infos[-2:]]
    assert sink.read("users")["id"].to_pylist() == list(range(30, 40))


def test_rollback_and_current_is_never_pruned(tmp_path: Path, keyring: Keyring) -> None:
    sink = open_sink(str(tmp_path), format="parquet", encrypt=False, keyring=keyring, keep=2)
    a, b = (write_version(sink, make_table(5, start=s)) for s in (0, 100))
    assert sink.rollback("users") == a.version_id
    assert sink.read("users")["id"].to_pylist() == list(range(5))
    sink.layout.prune("users")
    assert a.version_id in sink.versions("users")
    sink.rollback("users", b.version_id)
    assert sink.read("users")["id"][0].as_py() == 100
    with pytest.raises(SinkError):
        sink.rollback("users", "20000101T000000000000Z-deadbeef")


@pytest.mark.parametrize("exc_type", [RuntimeError, KeyboardInterrupt])
def test_exception_mid_write_keeps_previous_version(sink, table, exc_type) -> None:
    write_version(sink, table)
    before = tree(_dataset_dir(sink))
    with pytest.raises(exc_type), sink.writer(dataset="users", schema=SCHEMA, run_id="r2") as w:
        w.write(make_table(50, start=5000))
        raise exc_type("boom")
    assert tree(_dataset_dir(sink)) == before
    assert sink.read("users").num_rows == 300


def test_cleanup_failure_does_not_hide_the_original_error(sink, table, monkeypatch) -> None:
    write_version(sink, table)

    def broken_delete(self, path: str) -> None:
        raise SinkError("storage went away during cleanup")

    monkeypatch.setattr(Location, "delete_tree", broken_delete)
    with (
        pytest.raises(RuntimeError, match="the real problem"),
        sink.writer(dataset="users", schema=SCHEMA) as w,
    ):
        w.write(make_table(5))
        raise RuntimeError("the real problem")
    monkeypatch.undo()
    assert sink.read("users").num_rows == 300  # the leftover staging is invisible…
    write_version(sink, make_table(4))  # …and the next writer removes it
    assert not (_dataset_dir(sink) / ".staging").exists()


def test_failure_on_first_write_leaves_nothing(sink) -> None:
    with pytest.raises(RuntimeError), sink.writer(dataset="users", schema=SCHEMA) as w:
        w.write(make_table(10))
        raise RuntimeError("boom")
    assert tree(_dataset_dir(sink)) == []
    assert sink.current("users") is None
    with pytest.raises(SinkError):
        sink.read("users")


def test_leaving_without_commit_aborts(sink, table) -> None:
    write_version(sink, table)
    with sink.writer(dataset="users", schema=SCHEMA) as w:
        w.write(make_table(5))
    assert not (_dataset_dir(sink) / ".staging").exists()
    assert sink.read("users").num_rows == 300
    with pytest.raises(SinkError):
        w.write(make_table(5))


def test_failed_commit_aborts(sink, table) -> None:
    write_version(sink, table)
    before = tree(_dataset_dir(sink))
    with sink.writer(dataset="users", schema=SCHEMA) as w:
        w.write(make_table(5))
        with pytest.raises(SinkError):
            w.commit({"rows": 999})  # disagrees with what was written
        with pytest.raises(SinkError):
            w.commit({})  # the writer is aborted now
    assert tree(_dataset_dir(sink)) == before


def test_manifest_must_be_json(sink) -> None:
    with sink.writer(dataset="users", schema=SCHEMA) as w, pytest.raises(SinkError):
        w.commit({"when": datetime.now(UTC)})
    assert sink.current("users") is None


def test_concurrent_writer_staging_is_not_cleaned(sink) -> None:
    slow = sink.writer(dataset="users", schema=SCHEMA, run_id="slow")
    slow.write(make_table(10))
    write_version(sink, make_table(20, start=100), run_id="fast")  # cleans stale: not "slow"
    slow.write(make_table(10, start=10))
    info = slow.commit({})
    assert sink.current("users")["version_id"] == info.version_id
    assert sink.read("users").num_rows == 20
    assert not (_dataset_dir(sink) / ".staging").exists()


def test_duplicate_run_id_is_refused(sink) -> None:
    with sink.writer(dataset="users", schema=SCHEMA, run_id="same"), pytest.raises(SinkError):
        sink.writer(dataset="users", schema=SCHEMA, run_id="same")


def _plant_pending(root: Path, run_id: str, **owner) -> Path:
    staging = root / ".staging"
    (staging / run_id).mkdir(parents=True)
    (staging / run_id / "part-00000.parquet").write_bytes(b"PAR1 half written")
    marker = {"run_id": run_id, "version_id": "x", "host": "somehost", "pid": 1, **owner}
    marker.setdefault("started_at", datetime.now(UTC).isoformat())
    marker["target"] = f"users/.staging/{run_id}"
    (staging / f"{run_id}.json").write_text(json.dumps(marker))
    return staging / run_id


def test_stale_pending_writes_are_cleaned(sink, table) -> None:
    write_version(sink, table)
    root = _dataset_dir(sink)
    old = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    dead = _plant_pending(root, "dead", host=sink.layout.host, pid=2**22 + 12345)
    aged = _plant_pending(root, "aged", started_at=old)
    orphan = root / ".staging" / "orphan"  # a folder without marker
    orphan.mkdir()
    alive = _plant_pending(root, "alive", host="another-host")  # recent, other host: kept
    assert sink.read("users").num_rows == 300  # readers ignore staging
    write_version(sink, make_table(7))
    assert not dead.exists() and not aged.exists() and not orphan.exists()
    assert alive.exists()
    assert sorted(p.name for p in (root / ".staging").iterdir()) == ["alive", "alive.json"]


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from veil.keys import Keyring
    from veil.sinks import open_sink
    sys.path.insert(0, sys.argv[2])
    from conftest import SCHEMA, make_table

    sink = open_sink(sys.argv[1], format="parquet", encrypt=True,
                     keyring=Keyring.from_key(bytes(range(32))), row_group_rows=100)
    with sink.writer(dataset="users", schema=SCHEMA, run_id="doomed") as w:
        for i in range(5):
            w.write(make_table(100, start=10_000 + 100 * i))
        print("staged", flush=True)
        time.sleep(60)
    """
)


def test_sigkill_mid_write_keeps_previous_and_next_writer_cleans(sink, table) -> None:
    write_version(sink, table)
    root = _dataset_dir(sink)
    before = tree(root)
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, sink.location.base, str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "staged"
        staged = root / ".staging" / "doomed"
        assert (staged / "part-00000.parquet").stat().st_size > 0
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()  # type: ignore[union-attr]
    assert proc.returncode == -signal.SIGKILL
    assert tree(root) != before  # the killed writer left its staging behind…
    assert sink.read("users").num_rows == 300  # …which readers never see
    info = write_version(sink, make_table(40))
    assert not (root / ".staging").exists()
    assert sink.current("users")["version_id"] == info.version_id
    assert sink.read("users").num_rows == 40


def test_manifest_contents(sink, table: pa.Table, keyring: Keyring) -> None:
    meta = {
        "run_id": "r-42",  # the caller may repeat what the sink sets, if it agrees
        "policy": {"name": "p", "hash": "abc"},
        "key_id": keyring.kid,
        "reference_date": "2026-11-22",
        "rows": 300,
    }
    with sink.writer(dataset="users", schema=SCHEMA, run_id="r-42") as w:
        w.write(table)
        info = w.commit({**meta, "source": {"name": "test"}})
    root = _dataset_dir(sink) / "versions" / info.version_id
    manifest = json.loads((root / "manifest.json").read_text())
    assert sink.current("users") == manifest
    for key, value in meta.items():
        assert manifest[key] == value
    assert manifest["source"] == {"name": "test"}
    assert manifest["dataset"] == "users" and manifest["version_id"] == info.version_id
    assert manifest["format"] == "parquet" and manifest["encrypted"] is True
    assert manifest["encryption_key_id"] == keyring.kid
    assert manifest["encryption"]["key_id"] == keyring.kid
    assert [(c["name"], c["type"]) for c in manifest["schema"]] == [
        (f.name, str(f.type)) for f in SCHEMA
    ]
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    [entry] = manifest["files"]
    data = (root / entry["path"]).read_bytes()
    assert entry["bytes"] == len(data) == manifest["bytes"]
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry["rows"] == 300


def test_no_key_material_in_manifest_or_pointer(sink, table, keyring: Keyring) -> None:
    info = write_version(sink, table)
    root = _dataset_dir(sink)
    text = (root / "versions" / info.version_id / "manifest.json").read_bytes()
    text += (root / "_current.json").read_bytes()
    master = keyring.master()
    keys = [master, keyring.derive(KEK_PURPOSE, FOOTER_KEY)]
    for key in keys:
        for form in (
            key.hex(),
            base64.b64encode(key).decode(),
            base64.urlsafe_b64encode(key).decode(),
        ):
            assert form.encode() not in text and form.rstrip("=").encode() not in text
        assert key not in text


def test_key_material_in_caller_manifest_is_refused(sink, keyring: Keyring) -> None:
    with sink.writer(dataset="users", schema=SCHEMA) as w, pytest.raises(SinkError):
        w.commit({"oops": keyring.master().hex()})
    assert sink.current("users") is None


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"dataset": "../etc"}, ConfigError),
        ({"dataset": "has space"}, ConfigError),
        ({"dataset": "users", "run_id": "../x"}, ConfigError),
    ],
)
def test_names_are_validated(sink, kwargs: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        sink.writer(schema=SCHEMA, **kwargs)


def test_batch_schema_mismatch_names_columns_not_values(sink) -> None:
    bad = pa.table({"id": [1], "name": ["Very Private Value"]})
    with sink.writer(dataset="users", schema=SCHEMA) as w, pytest.raises(SinkError) as info:
        w.write(bad)
    assert "city" in str(info.value) and "Very Private Value" not in str(info.value)
    castable = make_table(3).cast(SCHEMA.set(0, pa.field("id", pa.int32())))
    write_version(sink, castable, schema=SCHEMA)  # same names, safely castable types: accepted
    assert sink.read("users").schema.field("id").type == pa.int64()


def test_attachments(sink, table) -> None:
    info = write_version(sink, table)
    url = sink.write_file("users", "report.json", b'{"ok": true}')
    assert url.endswith(f"{info.version_id}/attachments/report.json")
    assert sink.read_file(f"users@{info.version_id}", "report.json") == b'{"ok": true}'
    with pytest.raises(ConfigError):
        sink.write_file("users", "../escape.json", b"x")
    with pytest.raises(SinkError):
        sink.write_file("nothing", "report.json", b"x")
    with sink.writer(dataset="users", schema=SCHEMA) as w:
        w.write_file("summary.html", b"<p>hi</p>")
        second = w.commit({})
    assert sink.read_file("users", "summary.html") == b"<p>hi</p>"
    assert "attachments" not in {f for f in second.files}
    assert sink.read("users").num_rows == 0


def test_unknown_format_suggests() -> None:
    with pytest.raises(ConfigError, match="parquet"):
        open_sink("unused", format="parqet", encrypt=False)


def test_encrypt_needs_a_keyring(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        open_sink(str(tmp_path), format="parquet", encrypt=True, keyring=None)


def test_datasets_lists_committed_only(sink, table) -> None:
    write_version(sink, table)
    write_version(sink, make_table(3), dataset="events")
    (Path(sink.location.base) / "report").mkdir()
    with sink.writer(dataset="pending", schema=SCHEMA):
        assert sink.datasets() == ["events", "users"]
