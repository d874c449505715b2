"""hash: keyed BLAKE2b, base64url encoding, and the refusal of unkeyed hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.errors import PolicyError
from veil.keys import Keyring
from veil.operators.base import OpContext, get
from veil.policy import policy_from_dict

from .test_operators import REF


def _hash(spec: dict, values: list, keyring: Keyring, column: str = "email") -> list:
    op = get("hash")
    params = op.params.model_validate({"op": "hash", **spec})
    arr = pa.array(values, pa.string())
    batch = pa.RecordBatch.from_arrays([arr], names=[column])
    return op.factory(params)(arr, OpContext(batch, keyring, REF, column, column)).to_pylist()


def test_blake2b_matches_hashlib(keyring: Keyring) -> None:
    key = keyring.derive("hash-blake2b", "email")
    got = _hash({"algorithm": "blake2b", "length": 86}, ["a@b.c", "", None], keyring)
    want = [hashlib.blake2b(v.encode(), key=key, digest_size=43).hexdigest() for v in ["a@b.c", ""]]
    assert got == [*want, None]


def test_base64url_is_the_hmac_digest(keyring: Keyring) -> None:
    key = keyring.derive("hash", "email")
    got = _hash({"encoding": "base64url", "length": 43}, ["a@b.c", None], keyring)
    digest = hmac.new(key, b"a@b.c", hashlib.sha256).digest()
    assert got == [base64.urlsafe_b64encode(digest).rstrip(b"=").decode(), None]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=20),
    st.sampled_from(["hmac-sha256", "blake2b"]),
    st.sampled_from(["hex", "base64url"]),
)
def test_laws(values: list, algorithm: str, encoding: str) -> None:
    spec = {"algorithm": algorithm, "encoding": encoding, "length": 20}
    one = Keyring.from_key(bytes(32))
    two = Keyring.from_key(bytes(range(32)))
    first = _hash(spec, values, one)
    assert first == _hash(spec, values, one)
    assert [v is None for v in first] == [v is None for v in values]
    assert all(v is None or len(v) == 20 for v in first)
    other = _hash(spec, values, two)
    assert all(a != b for a, b in zip(first, other, strict=True) if a is not None)


@pytest.mark.parametrize(
    "spec",
    [
        {"op": "hash", "algorithm": "sha256"},
        {"op": "hash", "algorithm": "MD5"},
        {"op": "hash", "salt": "s3cr3t"},
        {"op": "hash", "key": "abc"},
    ],
)
def test_unkeyed_hashes_are_refused_with_the_reason(spec: dict) -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_dict({"name": "p", "columns": {"email": spec}})
    message = str(info.value)
    assert "refused" in message and "candidate" in message and "hmac-sha256" in message


def test_length_beyond_the_digest_is_refused() -> None:
    with pytest.raises(PolicyError, match="exceeds the digest"):
        spec = {"op": "hash", "encoding": "base64url", "length": 50}
        policy_from_dict({"name": "p", "columns": {"email": spec}})
