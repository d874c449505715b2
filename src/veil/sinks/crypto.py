"""Parquet modular encryption with keys from the veil keyring.

Parquet modular encryption (``pyarrow.parquet.encryption``) encrypts each page and the footer
with random data keys; those are wrapped by master keys held by a KMS. Here the "KMS" is the
veil :class:`~veil.keys.Keyring`: the master key named ``key_name`` is
``keyring.derive("parquet-kek", key_name)`` and :class:`KeyringKms` wraps and unwraps with
AES-256-GCM. A wrapped key is the text ``veil1:<kid>:<base64(nonce ‖ ciphertext)>``: it names
the key id, so data read with another keyring fails with a :class:`WrongKeyError` saying which
key wrote it. The key material stays inside the file (``internal_key_material=True``), wrapped;
no key bytes are ever written in the clear, in the file or in the manifest.

Every file is encrypted uniformly: the footer and all columns with one footer key
(``plaintext_footer=False``), so nothing but the file's length is readable without the key.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pyarrow.parquet.encryption as pe
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from veil.errors import KeyError_
from veil.keys import Keyring

KEK_PURPOSE = "parquet-kek"
FOOTER_KEY = "veil-footer"
WRAP_PREFIX = "veil1"
ALGORITHM = "AES_GCM_V1"
CACHE_LIFETIME = timedelta(minutes=10)
_NONCE = 12


class WrongKeyError(KeyError_):
    """Data was written with a key the keyring does not hold."""

    def __init__(self, written_with: str, available: tuple[str, ...], what: str = "data") -> None:
        self.written_with = written_with
        self.available = available
        super().__init__(
            f"{what} was written with key {written_with}; the keyring has "
            f"{', '.join(available)}: set VEIL_MASTER_KEY or --key-file to the key that wrote it"
        )


def _aad(master_key_identifier: str, kid: str) -> bytes:
    return f"veil/{KEK_PURPOSE}/{master_key_identifier}/{kid}".encode()


def wrap(keyring: Keyring, key_bytes: bytes, master_key_identifier: str) -> str:
    """Wrap a data key under the keyring's current key; the result names the key id."""
    kid = keyring.kid
    kek = keyring.derive(KEK_PURPOSE, master_key_identifier, kid=kid)
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(kek).encrypt(nonce, bytes(key_bytes), _aad(master_key_identifier, kid))
    return f"{WRAP_PREFIX}:{kid}:{base64.b64encode(nonce + sealed).decode()}"


def _parse(wrapped: str) -> tuple[str, bytes]:
    try:
        prefix, kid, blob = wrapped.split(":", 2)
        raw = base64.b64decode(blob, validate=True)
    except (ValueError, binascii.Error):
        raise KeyError_("the file's key material was not written by veil (or is corrupt)") from None
    if prefix != WRAP_PREFIX or len(raw) <= _NONCE:
        raise KeyError_("the file's key material was not written by veil (or is corrupt)")
    return kid, raw


def unwrap(keyring: Keyring, wrapped: str, master_key_identifier: str) -> bytes:
    """Unwrap a data key; :class:`WrongKeyError` if the keyring lacks the key that wrapped it."""
    kid, raw = _parse(wrapped)
    if kid not in keyring.keys:
        raise WrongKeyError(kid, tuple(sorted(keyring.keys)), "this Parquet file")
    kek = keyring.derive(KEK_PURPOSE, master_key_identifier, kid=kid)
    try:
        return AESGCM(kek).decrypt(raw[:_NONCE], raw[_NONCE:], _aad(master_key_identifier, kid))
    except InvalidTag:
        raise KeyError_(
            f"key {kid} could not unwrap the Parquet key material: the file is corrupt or was "
            "tampered with"
        ) from None


class KeyringKms(pe.KmsClient):
    """A ``KmsClient`` whose master keys are derived from a veil keyring."""

    def __init__(self, keyring: Keyring) -> None:
        super().__init__()
        self._keyring = keyring

    def wrap_key(self, key_bytes: bytes, master_key_identifier: str) -> str:
        return wrap(self._keyring, key_bytes, master_key_identifier)

    def unwrap_key(self, wrapped_key: str, master_key_identifier: str) -> bytes:
        return unwrap(self._keyring, wrapped_key, master_key_identifier)

    def __repr__(self) -> str:
        return f"KeyringKms(kid={self._keyring.kid!r})"


class ParquetCrypto:
    """Encryption and decryption properties for one keyring (one ``CryptoFactory``, cached)."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._factory = pe.CryptoFactory(lambda _config: KeyringKms(keyring))
        self._kms = pe.KmsConnectionConfig(kms_instance_id="veil-keyring")

    @property
    def kid(self) -> str:
        return self.keyring.kid

    def encryption_properties(self) -> Any:
        config = pe.EncryptionConfiguration(
            footer_key=FOOTER_KEY,
            uniform_encryption=True,
            encryption_algorithm=ALGORITHM,
            plaintext_footer=False,
            double_wrapping=True,
            cache_lifetime=CACHE_LIFETIME,
            internal_key_material=True,
            data_key_length_bits=256,
        )
        return self._factory.file_encryption_properties(self._kms, config)

    def decryption_properties(self) -> Any:
        config = pe.DecryptionConfiguration(cache_lifetime=CACHE_LIFETIME)
        return self._factory.file_decryption_properties(self._kms, config)

    def decryption_config(self) -> Any:
        """The same, for ``pyarrow.dataset`` (scan options)."""
        import pyarrow.dataset as ds

        config = pe.DecryptionConfiguration(cache_lifetime=CACHE_LIFETIME)
        return ds.ParquetDecryptionConfig(self._factory, self._kms, config)

    def manifest_entry(self) -> dict[str, Any]:
        """What the manifest says about the encryption: names and ids, never key bytes."""
        return {
            "scheme": "parquet-modular-encryption",
            "algorithm": ALGORITHM,
            "footer_key": FOOTER_KEY,
            "plaintext_footer": False,
            "kek_purpose": KEK_PURPOSE,
            "key_id": self.kid,
        }

    def __repr__(self) -> str:
        return f"ParquetCrypto(kid={self.kid!r})"


def crypto_for(manifest: Mapping[str, Any], keyring: Keyring | None) -> ParquetCrypto | None:
    """The crypto to read a version with, checking the manifest's key id against the keyring."""
    if not manifest.get("encrypted"):
        return None
    kid = str(manifest.get("encryption_key_id") or "")
    what = f"dataset {manifest.get('dataset')!r} version {manifest.get('version_id')}"
    if keyring is None:
        raise KeyError_(f"{what} is encrypted (key {kid}); reading it needs the keyring")
    if kid and kid not in keyring.keys:
        raise WrongKeyError(kid, tuple(sorted(keyring.keys)), what)
    return ParquetCrypto(keyring)
