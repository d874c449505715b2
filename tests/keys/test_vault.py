"""The subject-key vault: get-or-create, concurrency, erasure (crypto-shredding), rotation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from veil.errors import KeyError_
from veil.keys import Keyring
from veil.keys.vault import SubjectErasedError, Vault, needs_vault, subject_keys
from veil.policy.loader import policy_from_dict

RING = Keyring.from_key(bytes(range(32)))


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = Vault.open(tmp_path / "vault.sqlite", RING)
    yield v
    v.close()


def test_get_or_create(tmp_path: Path, vault: Vault) -> None:
    keys = vault.keys_for(pa.array(["s1", None, "s2", "s1"]))
    assert keys[1] is None and keys[0] == keys[3] != keys[2]
    assert all(len(k) == 32 for k in (keys[0], keys[2]))
    assert vault.count() == 2
    again = Vault.open(tmp_path / "vault.sqlite", RING)
    assert again.keys_for(pa.array(["s2", "s1"])) == [keys[2], keys[0]]
    assert again.keys_for(pa.array(["s3"]), create=False) == [None]
    assert again.count() == 2
    assert (tmp_path / "vault.sqlite").stat().st_mode & 0o077 == 0


def test_keys_are_stored_wrapped(tmp_path: Path, vault: Vault) -> None:
    key = vault.keys_for(pa.array(["s1"]))[0]
    assert key is not None and key not in (tmp_path / "vault.sqlite").read_bytes()
    other = Vault.open(tmp_path / "vault.sqlite", Keyring.from_key(bytes(range(1, 33))))
    with pytest.raises(KeyError_):  # the wrong master key: no key comes out
        other.keys_for(pa.array(["s1"]))


def test_concurrent_creation_gives_one_key_per_subject(vault: Vault) -> None:
    subjects = pa.array([f"subject-{i % 300}" for i in range(2000)])
    results: list[list[bytes | None]] = []
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait()
        results.append(vault.keys_for(pa.array(subjects.to_pylist())))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r == results[0] for r in results)
    assert vault.count() == 300
    assert len(set(results[0])) == 300


def test_erase_shreds_and_refuses_to_recreate(tmp_path: Path, vault: Vault) -> None:
    vault.keys_for(pa.array(["s1", "s2"]))
    with vault._engine.connect() as conn:  # the stored wrapped key, to look for it afterwards
        wrapped = conn.execute(
            subject_keys.select().where(subject_keys.c.subject == "s1")
        ).one().wrapped
    assert vault.erase("s1") is True
    assert vault.is_erased("s1") and not vault.is_erased("s2")
    assert vault.count() == 1 and vault.erased_at("s1")
    assert bytes(wrapped) not in (tmp_path / "vault.sqlite").read_bytes()  # secure_delete
    with pytest.raises(SubjectErasedError) as info:
        vault.keys_for(pa.array(["s2", "s1"]))
    assert info.value.subjects == ("s1",) and "s1" not in str(info.value)
    keys = vault.keys_for(pa.array(["s1", "s2"]), on_erased="null")
    assert keys[0] is None and keys[1] is not None
    assert vault.count() == 1  # nothing was silently created
    assert vault.erase("never-seen") is False and vault.is_erased("never-seen")


def test_allow_recreate_gives_a_new_key(tmp_path: Path) -> None:
    v = Vault.open(tmp_path / "v.sqlite", RING)
    old = v.keys_for(pa.array(["s1"]))[0]
    v.erase("s1")
    renewed = Vault.open(tmp_path / "v.sqlite", RING, allow_recreate=True)
    new = renewed.keys_for(pa.array(["s1"]))[0]
    assert new is not None and new != old and renewed.is_erased("s1")


def test_rotation_keeps_vault_entries_readable(tmp_path: Path) -> None:
    old = RING
    v = Vault.open(tmp_path / "v.sqlite", old)
    key = v.keys_for(pa.array(["s1"]))[0]
    new_key = bytes(range(50, 82))
    rotated = Keyring.from_entries(
        [*_entries(old), *_entries(Keyring.from_key(new_key))], Keyring.from_key(new_key).kid
    )
    v2 = Vault.open(tmp_path / "v.sqlite", rotated)
    assert v2.keys_for(pa.array(["s1"]))[0] == key
    v2.keys_for(pa.array(["s2"]))
    assert v2.kids(["s1", "s2"]) == {"s1": old.kid, "s2": rotated.kid}
    with pytest.raises(KeyError_):  # without the old key, old entries cannot be unwrapped
        Vault.open(tmp_path / "v.sqlite", Keyring.from_key(new_key)).keys_for(pa.array(["s1"]))


def _entries(ring: Keyring) -> list:
    from veil.keys.keyring import KeyEntry

    return [KeyEntry(kid, key) for kid, key in ring.keys.items()]


def test_needs_vault() -> None:
    def policy(columns: dict, subject: str | None = "subject_id") -> object:
        doc = {"version": 1, "name": "p", "columns": columns}
        if subject:
            doc["subject_id"] = subject
            doc["columns"] = {"subject_id": {"op": "hash", "from": "uid"}, **columns}
        return policy_from_dict(doc)

    assert needs_vault(policy({"e": {"op": "tokenize", "from": "email"}}))
    assert needs_vault(policy({"e": {"op": "encrypt", "from": "email"}}))
    assert not needs_vault(policy({"e": {"op": "tokenize", "per_subject": False}}))
    assert not needs_vault(policy({"e": {"op": "tokenize"}}, subject=None))
    assert not needs_vault(policy({"e": {"op": "hash", "from": "email"}}))
