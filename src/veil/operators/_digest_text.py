"""What the batch hash kernels (HMAC-SHA256, keyed BLAKE2b) share around their compression
functions: reading an Arrow string array's buffers, writing a digest as hex or unpadded
base64url text, and building the fixed-width result array.

A kernel hashes every value into one flat ``uint8`` buffer of ``width`` characters a value;
:func:`fixed_width_strings` turns that buffer into a string array with the input's nulls.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
B64URL = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8
)


def alphabet_of(encoding: str) -> np.ndarray:
    """The characters of ``encoding`` (``hex`` or ``base64url``)."""
    return HEX if encoding == "hex" else B64URL


def full_width(encoding: str, digest_size: int) -> int:
    """Characters of a whole ``digest_size``-byte digest (base64url unpadded)."""
    return 2 * digest_size if encoding == "hex" else (4 * digest_size + 2) // 3


class Strings(NamedTuple):
    """A string array's values as the kernels read them."""

    array: pa.Array  # the values as one chunk of ``pa.string()``
    data: np.ndarray  # every value's UTF-8 bytes, back to back
    offsets: np.ndarray  # int64: value i is data[offsets[i]:offsets[i + 1]]


def string_buffers(values: pa.Array | pa.ChunkedArray) -> Strings:
    """``values`` as text, with their bytes and offsets (no copy of the bytes)."""
    strings = values.cast(pa.string())
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    count = len(strings)
    _validity, offsets_buf, data_buf = strings.buffers()
    first = strings.offset
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[first : first + count + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.empty(0, np.uint8)
    )
    return Strings(strings, data, offsets.astype(np.int64))


def fixed_width_strings(flat: np.ndarray, strings: pa.Array, width: int) -> pa.Array:
    """The kernel's flat buffer (``width`` characters a value) as a string array, null where
    ``strings`` is."""
    count = len(strings)
    out_offsets = np.arange(0, (count + 1) * width, width, dtype=np.int32)
    valid = pc.is_valid(strings).buffers()[1] if strings.null_count else None
    return pa.Array.from_buffers(
        pa.string(),
        count,
        [valid, pa.py_buffer(out_offsets), pa.py_buffer(flat)],
        null_count=strings.null_count,
    )


@njit(cache=True, inline="always")
def encode_digest(
    digest: np.ndarray, alphabet: np.ndarray, base64: bool, width: int, text: np.ndarray
) -> None:
    """Write the first ``width`` characters of ``digest`` as text into ``text``: two hex
    characters a byte, or four base64url characters per three bytes (``digest`` must hold
    zeros past the digest up to a whole group of three)."""
    if base64:
        for g in range((width + 3) // 4):
            v = (
                (np.int64(digest[3 * g]) << 16)
                | (np.int64(digest[3 * g + 1]) << 8)
                | np.int64(digest[3 * g + 2])
            )
            text[4 * g] = alphabet[(v >> 18) & 63]
            text[4 * g + 1] = alphabet[(v >> 12) & 63]
            text[4 * g + 2] = alphabet[(v >> 6) & 63]
            text[4 * g + 3] = alphabet[v & 63]
    else:
        for j in range((width + 1) // 2):
            text[2 * j] = alphabet[digest[j] >> 4]
            text[2 * j + 1] = alphabet[digest[j] & 15]
