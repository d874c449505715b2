"""encrypt: randomised field encryption (AES-256-GCM), reversible with the key.

The output is ``enc_<kid>_<base64url(nonce ‖ ciphertext ‖ tag)>``: a fresh 96-bit nonce from
``os.urandom`` for every value, the AAD is the domain (default: the input column), so a
ciphertext moved to another column does not open. This is the one operator that is
**intentionally not deterministic**: equal values give different ciphertexts, which hides
equality (no joins, no counting of equal values, no frequency analysis), and a rerun of the same
input under the same key gives different outputs. Use ``tokenize`` when equal values must stay
equal.

The key is the row's subject key when the run has a vault (``per_subject``, default true with
a vault: ``HKDF-Expand(data_key, "veil/v1/subject/encrypt/" + domain)``, so erasing the subject
shreds its values), otherwise the HKDF subkey ``derive("encrypt", domain)`` of the master key
(rows whose subject is null use it too). :func:`decrypt` reverses it with the key (``veil
reveal``). Nulls stay null; other types are encrypted as their text.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, Literal

import pyarrow as pa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import Field

from veil.keys import Keyring
from veil.operators.base import Example, OpContext, OpFunc, OpParams
from veil.operators.tokenize import b64url, open_column, seal_column, subject_subkey, text_input

ENC_PREFIX = "enc"
GCM_KEY_BYTES = 32
NONCE_BYTES = 12


class EncryptParams(OpParams):
    """Randomised AES-256-GCM encryption ``enc_<kid>_…`` (a new nonce per value: equal values
    differ, reruns differ), keyed per subject (vault) or per domain; reversible with the key."""

    op: Literal["encrypt"] = "encrypt"
    domain: str | None = Field(
        default=None,
        description="key domain and AAD (default: the input column)",
    )
    per_subject: bool | None = Field(
        default=None,
        description="key each row by its subject's vault key, so erasing the subject shreds "
        "it (default: true when a vault is configured, as in `veil run`)",
    )

    #: randomised on purpose: the operator reference shows only the output's shape
    deterministic: ClassVar[bool] = False
    #: the output can be reversed with the key (``decrypt``, ``veil reveal``)
    reversible: ClassVar[bool] = True
    #: keyed per subject through the run's vault (``needs_vault``)
    uses_vault: ClassVar[bool] = True
    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {"op": "encrypt", "domain": "phone"},
            ["+49 30 1234 5678", "+49 30 1234 5678", None],
            "randomised: the two equal inputs give different ciphertexts, and so does every "
            "rerun (only the deterministic prefix is shown)",
        ),
    )


def encrypt(params: EncryptParams) -> OpFunc:
    def apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        text = text_input(values, ctx, "encrypt")
        domain = params.domain or ctx.input
        aad = domain.encode()
        prefix = f"{ENC_PREFIX}_{ctx.keyring.current}_"
        ciphers: dict[bytes, AESGCM] = {}

        def seal(key: bytes, plaintext: bytes) -> str:
            aead = ciphers.get(key)
            if aead is None:
                aead = ciphers[key] = AESGCM(key)
            nonce = os.urandom(NONCE_BYTES)
            return prefix + b64url(nonce + aead.encrypt(nonce, plaintext, aad))

        return seal_column(
            text,
            ctx,
            op="encrypt",
            per_subject=params.per_subject,
            domain_key=lambda: ctx.keyring.derive("encrypt", domain, length=GCM_KEY_BYTES),
            subject_key=lambda k: subject_subkey(k, "encrypt", domain, GCM_KEY_BYTES),
            seal=seal,
        )

    return apply


def decrypt(
    values: pa.Array | pa.ChunkedArray,
    keyring: Keyring,
    *,
    domain: str,
    subjects: pa.Array | pa.ChunkedArray | None = None,
    vault: Any = None,
    on_erased: Literal["error", "null"] = "error",
) -> pa.Array:
    """The values behind ``enc_…`` ciphertexts (strings; nulls stay null); the arguments and
    errors are those of :func:`veil.operators.tokenize.detokenize`."""
    aad = domain.encode()
    ciphers: dict[bytes, AESGCM] = {}
    domain_keys: dict[str, bytes] = {}

    def domain_key(kid: str) -> bytes:
        if kid not in domain_keys:
            domain_keys[kid] = keyring.derive("encrypt", domain, length=GCM_KEY_BYTES, kid=kid)
        return domain_keys[kid]

    def open_(key: bytes, payload: bytes) -> bytes:
        aead = ciphers.get(key)
        if aead is None:
            aead = ciphers[key] = AESGCM(key)
        if len(payload) < NONCE_BYTES + 16:
            raise InvalidTag
        return aead.decrypt(payload[:NONCE_BYTES], payload[NONCE_BYTES:], aad)

    return open_column(
        values,
        keyring,
        what=f"decrypt (domain {domain!r})",
        prefix=ENC_PREFIX,
        subjects=subjects,
        vault=vault,
        on_erased=on_erased,
        domain_key=domain_key,
        subject_key=lambda k: subject_subkey(k, "encrypt", domain, GCM_KEY_BYTES),
        open_=open_,
    )
