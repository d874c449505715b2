"""The keyed pseudo-random function behind pseudonyms and date shifts: AES-256(SHA-256(v)).

``prf_lanes(values, key)`` gives each value four independent 64-bit words::

    d     = SHA-256(UTF-8 value)                 # vectorised in DuckDB, on all cores
    out   = AES-256-ECB(key, d)                  # the two 16-byte blocks of d, one call
    lanes = out as four big-endian uint64 words

SHA-256 is collision resistant and AES under a secret key is a pseudo-random permutation, so
the composition is a PRF on strings (hash-then-PRP): without the key the words of a value
are unpredictable, with the key they are reproducible. It costs one SHA-256 per value (one
compression for a short value) and one AES call per batch, half the compressions of an
HMAC-SHA256 even with its pad blocks precomputed. (The ``hash`` operator keeps HMAC-SHA256,
the standard construction people verify against.)

A null value is treated as the empty string; callers mask nulls back themselves.
"""

from __future__ import annotations

import threading

import duckdb
import numpy as np
import pyarrow as pa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
    return con


def sha256_digests(values: pa.Array) -> np.ndarray:
    """SHA-256 of each UTF-8 value (null: of ""), as an ``(n, 32)`` uint8 array."""
    con = _connection()
    con.register("veil_prf_input", pa.table({"m": values.cast(pa.string()).fill_null("")}))
    try:
        rel = con.sql("SELECT unhex(sha256(m)) AS h FROM veil_prf_input")
        digest = rel.to_arrow_table().column("h").combine_chunks()
    finally:
        con.unregister("veil_prf_input")
    if digest.offset:
        digest = pa.concat_arrays([digest])
    n = len(digest)
    offsets = np.frombuffer(digest.buffers()[1], dtype=np.int32)[: n + 1]
    data = digest.buffers()[2]
    raw = np.frombuffer(data, np.uint8) if data is not None else np.empty(0, np.uint8)
    return np.ascontiguousarray(raw[offsets[0] : offsets[-1]]).reshape(n, 32)


def prf_lanes(values: pa.Array, key: bytes, lanes: int = 4) -> np.ndarray:
    """AES-256(key, SHA-256(value)) of each value as ``lanes`` (≤ 4) big-endian uint64
    words: an array of shape ``(len(values), lanes)``. ``key`` is 32 bytes."""
    if not 1 <= lanes <= 4:
        raise ValueError("lanes must be 1 to 4")
    digests = sha256_digests(values)
    blocks = digests[:, : 16 * (1 + (lanes > 2))]
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    out = enc.update(np.ascontiguousarray(blocks).tobytes()) + enc.finalize()
    words = np.frombuffer(out, dtype=">u8").astype(np.uint64)
    return words.reshape(len(digests), -1)[:, :lanes]
