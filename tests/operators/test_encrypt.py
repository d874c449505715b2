"""encrypt: randomised AES-GCM field encryption, reversible with the key, shreddable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.keys import Keyring
from veil.keys.vault import SubjectErasedError, Vault
from veil.operators import registry
from veil.operators.base import OpContext
from veil.operators.encrypt import EncryptParams, decrypt, encrypt
from veil.operators.tokenize import TokenError

ONE = Keyring.from_key(bytes(range(32)))
TWO = Keyring.from_key(bytes(range(1, 33)))
REF = datetime(2026, 1, 1, tzinfo=UTC)


def _enc(values: list, ring: Keyring = ONE, **kw) -> pa.Array:
    arr = pa.array(values, pa.string())
    batch = pa.RecordBatch.from_pydict({"phone": arr})
    return encrypt(EncryptParams())(arr, OpContext(batch, ring, REF, "phone", "phone", **kw))


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    v = Vault.open(tmp_path / "vault.sqlite", ONE)
    yield v
    v.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=20))
def test_round_trip_nulls_and_length(values: list) -> None:
    out = _enc(values)
    assert len(out) == len(values)
    assert [v is None for v in out.to_pylist()] == [v is None for v in values]
    assert decrypt(out, ONE, domain="phone").to_pylist() == values


def test_randomised_on_purpose() -> None:
    values = ["+49 30 1234", "+49 30 1234"]
    a, b = _enc(values), _enc(values)
    assert a[0] != a[1] and a != b  # equal values differ, reruns differ
    assert all(v.startswith(f"enc_{ONE.kid}_") for v in a.to_pylist())
    assert decrypt(a, ONE, domain="phone") == decrypt(b, ONE, domain="phone")
    assert registry()["encrypt"].params.deterministic is False


def test_wrong_key_or_domain_fails() -> None:
    out = _enc(["+49 30 1234"])
    with pytest.raises(TokenError):
        decrypt(out, ONE, domain="email")
    with pytest.raises(TokenError):
        decrypt(pa.array([f"enc_{ONE.kid}_AAAA"]), ONE, domain="phone")
    other = _enc(["+49 30 1234"], TWO)
    with pytest.raises(Exception) as info:
        decrypt(other, ONE, domain="phone")
    assert "1234" not in str(info.value)


def test_per_subject_and_shredding(vault: Vault) -> None:
    values = ["+1 555 0100", "+1 555 0199", None]
    subjects = pa.array(["s1", "s2", "s3"])
    out = _enc(values, subject=subjects, vault=vault)
    assert decrypt(out, ONE, domain="phone", subjects=subjects, vault=vault).to_pylist() == values
    with pytest.raises(TokenError):  # per-subject ciphertexts need the subject's key
        decrypt(out.slice(0, 1), ONE, domain="phone")
    vault.erase("s1")
    with pytest.raises(SubjectErasedError):
        decrypt(out, ONE, domain="phone", subjects=subjects, vault=vault)
    back = decrypt(out, ONE, domain="phone", subjects=subjects, vault=vault, on_erased="null")
    assert back.to_pylist() == [None, "+1 555 0199", None]
