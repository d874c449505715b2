"""The keyring: sources of the master key, generation with 0600, ids, subkeys, no leaks."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from veil.errors import KeyError_
from veil.keys import Keyring, load_keyring
from veil.keys.keyring import key_id, write_key_file


def test_generated_once_with_0600(tmp_path: Path) -> None:
    first = load_keyring(tmp_path, environ={})
    assert first.origin == "generated" and first.path is not None
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    second = load_keyring(tmp_path, environ={})
    assert second.origin == "workspace" and second.kid == first.kid


@pytest.mark.parametrize(
    "encode",
    [
        bytes.hex,
        lambda b: base64.b64encode(b).decode(),
        lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="),
    ],
)
def test_env_key_overrides(tmp_path: Path, encode) -> None:
    key = bytes(range(32))
    ring = load_keyring(tmp_path, environ={"VEIL_MASTER_KEY": encode(key)})
    assert ring.origin == "env" and ring.kid == key_id(key)
    assert not (tmp_path / "keys").exists()


def test_key_file(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    write_key_file(path, bytes(32))
    ring = load_keyring(tmp_path / "ws", key_file=path, environ={})
    assert ring.origin == "file" and ring.kid == key_id(bytes(32))
    with pytest.raises(FileExistsError):
        write_key_file(path, bytes(32))


@pytest.mark.parametrize("value", ["", "abc", "00" * 31, "zz" * 32, "!" * 44])
def test_bad_keys_are_refused_without_echo(tmp_path: Path, value: str) -> None:
    with pytest.raises(KeyError_) as info:
        load_keyring(tmp_path, environ={"VEIL_MASTER_KEY": value or " "})
    if value:
        assert value not in str(info.value)


def test_subkeys_differ_by_purpose_and_context() -> None:
    ring = Keyring.from_key(bytes(32))
    keys = {ring.derive("hash", "email"), ring.derive("hash", "phone"), ring.derive("geo", "email")}
    assert len(keys) == 3 and all(len(k) == 32 for k in keys)
    assert ring.derive("hash", "email") == Keyring.from_key(bytes(32)).derive("hash", "email")


def test_repr_hides_key_bytes() -> None:
    key = bytes(range(32))
    ring = Keyring.from_key(key)
    text = repr(ring)
    assert key.hex() not in text and str(list(key)) not in text and ring.kid in text


def test_unknown_kid_is_a_key_error() -> None:
    with pytest.raises(KeyError_):
        Keyring.from_key(bytes(32)).master("k000000000000")
