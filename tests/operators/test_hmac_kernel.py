"""The compiled HMAC-SHA256 kernel against RFC 4231 and Python's hmac (OpenSSL)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.operators._hmac_kernel import hmac_sha256_text

# RFC 4231 §4, the test cases whose data is text (2, 6 and 7 also cover short and long keys)
RFC_4231 = [
    (b"\x0b" * 20, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (
        b"Jefe",
        "what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ),
    (
        b"\xaa" * 131,
        "Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
    (
        b"\xaa" * 131,
        "This is a test using a larger than block-size key and a larger than block-size data."
        " The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ),
]


def _want(key: bytes, value: str | None, encoding: str) -> str | None:
    if value is None:
        return None
    digest = hmac.new(key, value.encode(), hashlib.sha256).digest()
    if encoding == "hex":
        return digest.hex()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.parametrize(("key", "data", "digest"), RFC_4231)
def test_rfc_4231_vectors(key: bytes, data: str, digest: str) -> None:
    assert hmac_sha256_text(pa.array([data]), key, "hex", 64).to_pylist() == [digest]


def test_every_length_class_and_nulls_match_openssl() -> None:
    key = hashlib.sha256(b"k").digest()
    # around the padding boundaries: 55 bytes fit one block with the length, 56..63 need two
    values = ["x" * n for n in [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000]]
    values += [None, "ünïcødé €", "漢字🙂" * 9, ""]
    for encoding in ("hex", "base64url"):
        full = 64 if encoding == "hex" else 43
        got = hmac_sha256_text(pa.array(values), key, encoding, full).to_pylist()
        assert got == [_want(key, v, encoding) for v in values]


def test_sliced_and_chunked_input_and_width() -> None:
    key = b"\x01" * 32
    values = [f"user{i}@example.com" for i in range(100)] + [None]
    arr = pa.array(values).slice(7, 60)
    got = hmac_sha256_text(arr, key, "hex", 20).to_pylist()
    assert got == [_want(key, v, "hex")[:20] for v in values[7:67]]  # type: ignore[index]
    chunked = pa.chunked_array([pa.array(values[:50]), pa.array(values[50:])])
    got = hmac_sha256_text(chunked, key, "base64url", 43).to_pylist()
    assert got == [_want(key, v, "base64url") for v in values]
    assert hmac_sha256_text(pa.array([], pa.string()), key, "hex", 64).to_pylist() == []


def test_width_outside_the_digest_is_refused() -> None:
    with pytest.raises(ValueError, match="width"):
        hmac_sha256_text(pa.array(["a"]), b"k", "base64url", 44)


@settings(max_examples=60, deadline=None)
@given(
    key=st.binary(min_size=1, max_size=200),
    values=st.lists(st.one_of(st.none(), st.text(max_size=300)), max_size=40),
    encoding=st.sampled_from(["hex", "base64url"]),
)
def test_matches_openssl_on_random_input(
    key: bytes, values: list[str | None], encoding: str
) -> None:
    full = 64 if encoding == "hex" else 43
    got = hmac_sha256_text(pa.array(values, pa.string()), key, encoding, full).to_pylist()
    assert got == [_want(key, v, encoding) for v in values]
