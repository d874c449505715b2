"""The compiled keyed BLAKE2b kernel against RFC 7693, the reference KAT and hashlib."""

from __future__ import annotations

import base64
import hashlib

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.keys import Keyring
from veil.operators._blake2b_kernel import _IV, _SIGMA, _compress, blake2b_text
from veil.sources.synthetic import SyntheticSource

from .test_operators import apply

KAT_KEY = bytes(range(64))
# the reference implementation's blake2b-kat.txt (key 00..3f, input 00..n-1, 64-byte digest),
# the rows whose input is ASCII, so a valid string
KAT = [
    (
        0,
        "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786"
        "b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568",
    ),
    (
        1,
        "961f6dd1e4dd30f63901690c512e78e4b45e4742ed197c3c5e45c549fd25f2e4"
        "187b0bc9fe30492b16b0d0bc4ef9b0f34c7003fac09a5ef1532e69430234cebd",
    ),
    (
        10,
        "4fe181f54ad63a2983feaaf77d1e7235c2beb17fa328b6d9505bda327df19fc3"
        "7f02c4b6f0368ce23147313a8e5738b5fa2a95b29de1c7f8264eb77b69f585cd",
    ),
    (
        31,
        "eba51acffb4cea31db4b8d87e9bf7dd48fe97b0253ae67aa580f9ac4a9d941f2"
        "bea518ee286818cc9f633f2a3b9fb68e594b48cdd6d515bf1d52ba6c85a203a7",
    ),
    (
        66,
        "c516541701863f91005f314108ceece3c643e04fc8c42fd2ff556220e616aaa6"
        "a48aeb97a84bad74782e8dff96a1a2fa949339d722edcaa32b57067041df88cc",
    ),
    (
        97,
        "31fc79738b8772b3f55cd8178813b3b52d0db5a419d30ba9495c4b9da0219fac"
        "6df8e7c23a811551a62b827f256ecdb8124ac8a6792ccfecc3b3012722e94463",
    ),
    (
        127,
        "76d2d819c92bce55fa8e092ab1bf9b9eab237a25267986cacf2b8ee14d214d73"
        "0dc9a5aa2d7b596e86a1fd8fa0804c77402d2fcd45083688b218b1cdfa0dcbcb",
    ),
]
# around the block boundaries (bytes): one block holds 128, the key block comes first
LENGTHS = [0, 1, 127, 128, 129, 255, 256, 257, 384, 1000]


def _want(key: bytes, value: str | None, size: int, encoding: str) -> str | None:
    if value is None:
        return None
    digest = hashlib.blake2b(value.encode(), key=key, digest_size=size).digest()
    if encoding == "hex":
        return digest.hex()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _full(size: int, encoding: str) -> int:
    return 2 * size if encoding == "hex" else (4 * size + 2) // 3


def _of_bytes(text: str, n: int) -> str:
    """``text`` cut at a character boundary and padded with ASCII to exactly ``n`` bytes."""
    out, used = [], 0
    for ch in text:
        width = len(ch.encode())
        if used + width > n:
            break
        out.append(ch)
        used += width
    return "".join(out) + "x" * (n - used)


def test_rfc_7693_appendix_a_compression() -> None:
    # BLAKE2b-512("abc"), unkeyed: one final block of 3 bytes after the parameter block
    h = _IV.copy()
    h[0] ^= np.uint64(0x01010040)
    block = np.frombuffer(b"abc", dtype=np.uint8)
    _compress(h, block, 0, 3, np.uint64(3), True, np.empty(16, np.uint64), _SIGMA, _IV)
    assert h.astype("<u8").tobytes().hex() == (
        "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
        "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
    )


@pytest.mark.parametrize(("n", "digest"), KAT)
def test_reference_keyed_vectors(n: int, digest: str) -> None:
    value = bytes(range(n)).decode("ascii")
    assert blake2b_text(pa.array([value]), KAT_KEY, 64, "hex", 128).to_pylist() == [digest]


@pytest.mark.parametrize("key_size", [1, 16, 32, 63, 64])
@pytest.mark.parametrize("size", [1, 20, 43, 64])
def test_every_length_class_and_nulls_match_hashlib(key_size: int, size: int) -> None:
    key = hashlib.sha512(b"k").digest()[:key_size]
    values: list[str | None] = ["x" * n for n in LENGTHS]
    # multi-byte characters that straddle the block boundaries
    values += [None, "ünïcødé €", "é" * 64, "€" * 43, "漢字🙂" * 26, "🙂" * 64, None, ""]
    for encoding in ("hex", "base64url"):
        full = _full(size, encoding)
        got = blake2b_text(pa.array(values), key, size, encoding, full).to_pylist()
        assert got == [_want(key, v, size, encoding) for v in values]


def test_sliced_and_chunked_input_and_width() -> None:
    key = b"\x01" * 32
    values = [f"user{i}@example.com" for i in range(100)] + [None]
    hexes = [_want(key, v, 43, "hex") for v in values]
    got = blake2b_text(pa.array(values).slice(7, 60), key, 43, "hex", 21).to_pylist()
    assert got == [h and h[:21] for h in hexes[7:67]]  # an odd width: half a byte
    b64s = [_want(key, v, 43, "base64url") for v in values]
    chunked = pa.chunked_array([pa.array(values[:50]), pa.array(values[50:])])
    got = blake2b_text(chunked, key, 43, "base64url", 22).to_pylist()
    assert got == [b and b[:22] for b in b64s]
    assert blake2b_text(pa.array([], pa.string()), key, 43, "hex", 86).to_pylist() == []


@pytest.mark.parametrize(
    ("key", "size", "encoding", "width", "word"),
    [
        (b"", 43, "hex", 86, "key"),
        (b"k" * 65, 43, "hex", 86, "key"),
        (b"k", 0, "hex", 1, "digest_size"),
        (b"k", 65, "hex", 1, "digest_size"),
        (b"k", 43, "hex", 87, "width"),
        (b"k", 43, "base64url", 59, "width"),
        (b"k", 43, "hex", 0, "width"),
    ],
)
def test_arguments_outside_blake2b_are_refused(
    key: bytes, size: int, encoding: str, width: int, word: str
) -> None:
    with pytest.raises(ValueError, match=word):
        blake2b_text(pa.array(["a"]), key, size, encoding, width)


_VALUE = st.builds(_of_bytes, st.text(max_size=300), st.sampled_from(LENGTHS)) | st.text()


@settings(max_examples=80, deadline=None)
@given(
    key=st.binary(min_size=1, max_size=64),
    values=st.lists(st.one_of(st.none(), _VALUE), max_size=30),
    size=st.integers(min_value=1, max_value=64),
    encoding=st.sampled_from(["hex", "base64url"]),
)
def test_matches_hashlib_on_random_input(
    key: bytes, values: list[str | None], size: int, encoding: str
) -> None:
    full = _full(size, encoding)
    got = blake2b_text(pa.array(values, pa.string()), key, size, encoding, full).to_pylist()
    assert got == [_want(key, v, size, encoding) for v in values]


def _per_value(values: pa.Array, key: bytes, encoding: str, length: int) -> list[str | None]:
    """The hash operator's BLAKE2b before the kernel: hashlib, one keyed state copy a value."""
    keyed = hashlib.blake2b(key=key[:64], digest_size=43)
    out: list[str | None] = []
    for value in values.to_pylist():
        if value is None:
            out.append(None)
            continue
        state = keyed.copy()
        state.update(value.encode())
        if encoding == "hex":
            text = state.hexdigest()
        else:
            text = base64.urlsafe_b64encode(state.digest()).rstrip(b"=").decode()
        out.append(text[:length])
    return out


@pytest.mark.parametrize(
    ("column", "encoding", "length"),
    [("email", "hex", 32), ("email", "base64url", 22), ("name_last", "hex", 86),
     ("phone", "base64url", 58)],
)  # fmt: skip
def test_operator_output_is_unchanged(
    keyring: Keyring, column: str, encoding: str, length: int
) -> None:
    source = SyntheticSource(persons=2_000, seed=3)
    values = pa.Table.from_batches(list(source.batches())).column(column).combine_chunks()
    values = pa.concat_arrays([values, pa.array([None, "", "Ünïcødé"], values.type)])
    spec = {"op": "hash", "algorithm": "blake2b", "encoding": encoding, "length": length}
    got = apply(spec, values, keyring, column=column).to_pylist()
    key = keyring.derive("hash-blake2b", column)
    assert got == _per_value(values, key, encoding, length)
