"""hash: keyed HMAC-SHA256, vectorised in DuckDB.

HMAC(K, m) = SHA256((K ⊕ opad) ‖ SHA256((K ⊕ ipad) ‖ m)) is computed exactly with DuckDB's
``sha256`` over BLOBs, on all cores; the test suite checks it against Python's ``hmac`` on
random inputs. The key is an HKDF subkey of the master key for (``hash``, ``domain``), where
the domain defaults to the input column's name: two tables hash the same e-mail to the same
value when their policies use the same domain, so anonymized tables still join.

An unkeyed hash is not offered: hashes of e-mail addresses and phone numbers are reversed by
enumerating the candidates.
"""

from __future__ import annotations

import threading
from typing import Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from veil.operators.base import OpContext, OpFunc, OpParams

_BLOCK = 64
_local = threading.local()


class HashParams(OpParams):
    """Keyed HMAC-SHA256 of the value, as hex, truncated to ``length`` characters."""

    op: Literal["hash"] = "hash"
    length: int = Field(default=32, ge=16, le=64, description="hex characters kept (32 = 128 bits)")
    domain: str | None = Field(
        default=None,
        description="key domain; columns hashed under the same domain join (default: input name)",
    )
    normalize: Literal["none", "lower", "trim_lower"] = Field(
        default="none", description="normalise text before hashing (e-mails: trim_lower)"
    )


def _connection() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
    return con


def hmac_sha256_hex(values: pa.Array, key: bytes) -> pa.Array:
    """HMAC-SHA256 of each UTF-8 value under ``key`` (≤ 64 bytes), as 64 hex characters."""
    padded = key.ljust(_BLOCK, b"\0")
    ipad = bytes(b ^ 0x36 for b in padded)
    opad = bytes(b ^ 0x5C for b in padded)
    con = _connection()
    con.register("veil_hash_input", pa.table({"m": values.cast(pa.string())}))
    try:
        rel = con.sql(
            "SELECT sha256($opad::BLOB || unhex(sha256($ipad::BLOB || encode(m)))) AS h "
            "FROM veil_hash_input",
            params={"ipad": ipad, "opad": opad},
        )
        return rel.to_arrow_table().column("h").combine_chunks()
    finally:
        con.unregister("veil_hash_input")


def hash_(params: HashParams) -> OpFunc:
    def _hash(values: pa.Array, ctx: OpContext) -> pa.Array:
        values = values.cast(pa.string())
        if params.normalize != "none":
            if params.normalize == "trim_lower":
                values = pc.utf8_trim_whitespace(values)
            values = pc.utf8_lower(values)
        key = ctx.keyring.derive("hash", params.domain or ctx.input)
        digest = hmac_sha256_hex(values, key)
        return pc.utf8_slice_codeunits(digest, 0, params.length)

    return _hash
