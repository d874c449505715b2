"""hash: keyed HMAC-SHA256 (a compiled batch kernel) or keyed BLAKE2b.

HMAC(K, m) = SHA256((K ⊕ opad) ‖ SHA256((K ⊕ ipad) ‖ m)) is computed for a whole batch by
``_hmac_kernel`` (Numba, without the GIL, with the pad blocks hashed once per key); the test
suite checks it byte for byte against Python's ``hmac`` on RFC 4231's vectors and on random
inputs. BLAKE2b has a key input of its own (RFC 7693's keyed mode, a 43-byte digest),
computed for a whole batch by ``_blake2b_kernel`` the same way (the key block compressed once
per key) and checked byte for byte against ``hashlib.blake2b(key=…)``. The key is an HKDF
subkey of the master key for (``hash``, ``domain``), where the domain defaults to the input
column's name: two tables hash the same e-mail to the same value when their policies use the
same domain, so anonymized tables still join. The digest is written as hex or unpadded
base64url, truncated to ``length`` characters.

An unkeyed hash is refused with the reason: hashes of e-mail addresses and phone numbers are
reversed by enumerating the candidates (every phone number of a country is a few billion
SHA-256 calls), and a salt written in a policy is no secret.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from veil.operators.base import Example, OpContext, OpFunc, OpParams

UNKEYED = ("sha256", "sha1", "md5", "sha512", "blake2b-unkeyed", "none")
_UNKEYED_REASON = (
    "is refused: an unkeyed hash of an e-mail or phone number is reversed by hashing every "
    "candidate (all phone numbers of a country are a few billion hashes), and a salt written "
    "in a policy is no secret. Use algorithm hmac-sha256 (the default) or blake2b: both are "
    "keyed with a subkey of the master key"
)


class HashParams(OpParams):
    """Keyed HMAC-SHA256 or BLAKE2b of the value, as hex or base64url, truncated to
    ``length`` characters."""

    op: Literal["hash"] = "hash"
    algorithm: Literal["hmac-sha256", "blake2b"] = Field(
        default="hmac-sha256", description="keyed hash function (an unkeyed one is refused)"
    )
    encoding: Literal["hex", "base64url"] = Field(
        default="hex", description="text form of the digest"
    )
    length: int = Field(
        default=32, ge=16, le=86, description="characters kept (32 hex = 128 bits; max: digest)"
    )
    domain: str | None = Field(
        default=None,
        description="key domain; columns hashed under the same domain join (default: input name)",
    )
    normalize: Literal["none", "lower", "trim_lower"] = Field(
        default="none", description="normalise text before hashing (e-mails: trim_lower)"
    )

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {"op": "hash", "normalize": "trim_lower", "domain": "email"},
            ["alice@example.com", " Alice@Example.com", "bob@example.org", None],
            "normalised first: both spellings of Alice's address give the same hash",
        ),
        Example(
            {"op": "hash", "algorithm": "blake2b", "encoding": "base64url", "length": 22},
            ["4b1d3c9e-7f3a-4c2b-9a51-3f8e2d6c1b0a"],
            "keyed BLAKE2b, 22 base64url characters (132 bits)",
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _refuse_unkeyed(cls, data: Any) -> Any:
        if isinstance(data, dict):
            algorithm = str(data.get("algorithm", "")).lower()
            if algorithm in UNKEYED:
                raise ValueError(f"an unkeyed hash ({algorithm}) {_UNKEYED_REASON}")
            for word in ("salt", "key", "pepper"):
                if word in data:
                    raise ValueError(
                        f"'{word}' in a policy {_UNKEYED_REASON}; keys come from the keyring"
                    )
        return data

    @model_validator(mode="after")
    def _fits(self) -> HashParams:
        most = _MAX_CHARS[(self.algorithm, self.encoding)]
        if self.length > most:
            raise ValueError(f"length {self.length} exceeds the digest ({most} characters)")
        return self


_MAX_CHARS = {
    ("hmac-sha256", "hex"): 64,
    ("hmac-sha256", "base64url"): 43,
    ("blake2b", "hex"): 86,  # 43 bytes are enough for any length kept
    ("blake2b", "base64url"): 58,
}
_BLAKE_BYTES = 43


def hmac_sha256_hex(values: pa.Array, key: bytes) -> pa.Array:
    """HMAC-SHA256 of each UTF-8 value under ``key``, as 64 hex characters."""
    from veil.operators._hmac_kernel import hmac_sha256_text  # Numba loads on first use

    return hmac_sha256_text(values, key, "hex", 64)


def hash_(params: HashParams) -> OpFunc:
    def _hash(values: pa.Array, ctx: OpContext) -> pa.Array:
        values = values.cast(pa.string())
        if params.normalize != "none":
            if params.normalize == "trim_lower":
                values = pc.utf8_trim_whitespace(values)
            values = pc.utf8_lower(values)
        purpose = "hash" if params.algorithm == "hmac-sha256" else "hash-blake2b"
        key = ctx.keyring.derive(purpose, params.domain or ctx.input)
        if params.algorithm == "hmac-sha256":
            from veil.operators._hmac_kernel import hmac_sha256_text

            return hmac_sha256_text(values, key, params.encoding, params.length)
        from veil.operators._blake2b_kernel import blake2b_text

        return blake2b_text(values, key[:64], _BLAKE_BYTES, params.encoding, params.length)

    return _hash
