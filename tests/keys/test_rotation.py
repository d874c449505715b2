"""Key rotation, key files with several keys, key references and the local KMS."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from veil.errors import KeyError_
from veil.keys import Keyring, load_keyring
from veil.keys.keyring import read_key_file, rotate_key_file, write_key_file
from veil.keys.providers import (
    KmsClient,
    LocalKms,
    register_kms_plugin,
    resolve_key_reference,
    write_wrapped_key,
)
from veil.operators.base import OpContext
from veil.operators.tokenize import TokenizeParams, detokenize, tokenize
from veil.sinks import open_sink

REF = datetime(2026, 1, 1, tzinfo=UTC)


def _key_file(tmp_path: Path) -> Path:
    path = tmp_path / "master.json"
    write_key_file(path, bytes(range(32)))
    return path


def test_rotate_adds_a_current_key_and_keeps_the_old(tmp_path: Path) -> None:
    path = _key_file(tmp_path)
    before = load_keyring(tmp_path, key_file=path, environ={})
    entry, previous = rotate_key_file(path)
    after = load_keyring(tmp_path, key_file=path, environ={})
    assert previous == before.kid and after.kid == entry.kid != before.kid
    assert set(after.keys) == {before.kid, entry.kid}
    assert after.master(before.kid) == before.master()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert doc["current"] == entry.kid and len(doc["keys"]) == 2
    assert all(e["created"] for e in doc["keys"])
    rotate_key_file(path)
    assert len(read_key_file(path).entries) == 3
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic rewrite left no temporary file


def test_describe_and_repr_never_show_key_bytes(tmp_path: Path) -> None:
    path = _key_file(tmp_path)
    rotate_key_file(path)
    ring = load_keyring(tmp_path, key_file=path, environ={})
    text = repr(ring) + json.dumps(ring.describe())
    for key in ring.keys.values():
        assert key.hex() not in text
    assert [r["current"] for r in ring.describe()].count(True) == 1


def test_rotate_without_a_key_file_is_a_key_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError_):
        rotate_key_file(tmp_path / "missing.json")


def test_old_outputs_stay_readable_after_rotation(tmp_path: Path) -> None:
    path = _key_file(tmp_path)
    old = load_keyring(tmp_path, key_file=path, environ={})
    table = pa.table({"country": ["DE", "FR"], "n": [1, 2]})
    sink = open_sink(str(tmp_path / "out"), encrypt=True, keyring=old)
    with sink.writer(dataset="users", schema=table.schema, run_id="r1") as writer:
        writer.write(table)
        writer.commit({"key_id": old.kid})
    rotate_key_file(path)
    new = load_keyring(tmp_path, key_file=path, environ={})
    assert new.kid != old.kid
    reader = open_sink(str(tmp_path / "out"), encrypt=False, keyring=new)
    assert reader.read("users").to_pydict() == table.to_pydict()
    assert reader.current("users")["encryption_key_id"] == old.kid


def test_tokens_of_the_old_kid_still_detokenize(tmp_path: Path) -> None:
    path = _key_file(tmp_path)
    old = load_keyring(tmp_path, key_file=path, environ={})
    values = pa.array(["alice@example.com", None, "bob@example.org"])
    batch = pa.RecordBatch.from_pydict({"email": values})
    op = tokenize(TokenizeParams(domain="email"))
    old_tokens = op(values, OpContext(batch, old, REF, "e", "email"))
    rotate_key_file(path)
    new = load_keyring(tmp_path, key_file=path, environ={})
    new_tokens = op(values, OpContext(batch, new, REF, "e", "email"))
    assert old_tokens[0].as_py().startswith(f"tok_{old.kid}_")
    assert new_tokens[0].as_py().startswith(f"tok_{new.kid}_")
    assert old_tokens != new_tokens
    for tokens in (old_tokens, new_tokens):
        assert detokenize(tokens, new, domain="email").to_pylist() == values.to_pylist()
    with pytest.raises(KeyError_):  # a keyring without the old key cannot read old tokens
        detokenize(old_tokens, Keyring.from_key(new.master()), domain="email")


def test_key_references(tmp_path: Path) -> None:
    key = bytes(range(32))
    path = _key_file(tmp_path)
    assert resolve_key_reference("env:MY_KEY", environ={"MY_KEY": key.hex()}) == key
    assert resolve_key_reference(f"file:{path}") == key
    with pytest.raises(KeyError_):
        resolve_key_reference("env:MISSING", environ={})
    with pytest.raises(KeyError_) as info:
        resolve_key_reference(key.hex())
    assert key.hex() not in str(info.value)
    with pytest.raises(KeyError_):
        resolve_key_reference("kms:nosuchplugin:x")


def test_local_kms_wraps_under_a_context(tmp_path: Path) -> None:
    kms = LocalKms.from_file(_key_file(tmp_path))
    assert isinstance(kms, KmsClient)
    blob = kms.wrap(b"secret data key", {"purpose": "test", "kid": "k1"})
    assert kms.unwrap(blob, {"kid": "k1", "purpose": "test"}) == b"secret data key"
    with pytest.raises(KeyError_):
        kms.unwrap(blob, {"purpose": "test", "kid": "k2"})
    with pytest.raises(KeyError_):
        LocalKms(bytes(32)).unwrap(blob, {"purpose": "test", "kid": "k1"})
    assert "secret" not in repr(kms)


def test_kms_reference_loads_the_master_key(tmp_path: Path) -> None:
    kek = tmp_path / "kek.json"
    write_key_file(kek, bytes(range(1, 33)))
    master = bytes(range(100, 132))
    ref = write_wrapped_key(
        tmp_path / "wrapped.json", master, LocalKms.from_file(kek), config={"kek": "kek.json"}
    )
    assert master.hex() not in (tmp_path / "wrapped.json").read_text()
    assert resolve_key_reference(ref) == master
    ring = load_keyring(tmp_path / "ws", environ={"VEIL_MASTER_KEY": ref})
    assert ring.master() == master and ring.origin == "env"
    register_kms_plugin("fixed", lambda _ref: master)
    assert resolve_key_reference("kms:fixed:anything") == master


def test_master_key_file_reference_loads_every_key(tmp_path: Path) -> None:
    path = _key_file(tmp_path)
    rotate_key_file(path)
    ring = load_keyring(tmp_path / "ws", environ={"VEIL_MASTER_KEY": f"file:{path}"})
    assert len(ring.keys) == 2


def test_list_never_generates(tmp_path: Path) -> None:
    with pytest.raises(KeyError_):
        load_keyring(tmp_path, environ={}, generate=False)
    assert not (tmp_path / "keys").exists()
