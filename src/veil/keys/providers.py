"""Key references and pluggable KMS clients: where a master key comes from.

A policy, a setting or ``VEIL_MASTER_KEY`` may name a key instead of holding it:

``env:NAME``
    the key (hex or base64) in the environment variable ``NAME``;
``file:PATH``
    the current key of a key file (any format :func:`veil.keys.keyring.read_key_file` reads);
``kms:<plugin>:<ref>``
    a key that a KMS unwraps: ``plugin`` names a resolver, ``ref`` is passed to it. The
    built-in ``local`` plugin reads a *wrapped key file* (``ref`` is its path), a JSON document
    ``{"kms": "local", "kek": PATH, "kid": ..., "wrapped": "<base64>"}`` written by
    :func:`write_wrapped_key`, and unwraps it with :class:`LocalKms` under the key-encryption
    key in ``kek`` (a path relative to the wrapped file's folder, or absolute). Other plugins
    (a cloud KMS, Vault transit, an HSM) register under the entry-point group ``veil.kms``: the
    entry point is a callable ``resolve(ref: str) -> bytes`` returning the 32-byte master key.

:class:`KmsClient` is the interface a KMS client implements (``wrap``/``unwrap`` with an
encryption context bound as authenticated data, and a ``key_id``); :class:`LocalKms` is the
local implementation, AES-256-GCM under a key read from a file, used in tests and on a laptop.
Neither the key nor a plaintext is ever put in a message or a ``repr``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from veil.errors import KeyError_
from veil.keys.keyring import KEY_BYTES, _decode_key, _read_key_file, key_id

KMS_GROUP = "veil.kms"
_WRAP_VERSION = b"\x01"
_NONCE = 12
_MASTER_CONTEXT = "veil-master-key"

Resolver = Callable[[str], bytes]


@runtime_checkable
class KmsClient(Protocol):
    """A key-management service that wraps (encrypts) and unwraps small secrets.

    ``context`` is an encryption context: the same mapping must be given to unwrap what was
    wrapped with it (it is authenticated, not secret). ``key_id`` names the KMS key used.
    """

    @property
    def key_id(self) -> str: ...

    def wrap(self, plaintext: bytes, context: dict[str, Any]) -> bytes: ...

    def unwrap(self, ciphertext: bytes, context: dict[str, Any]) -> bytes: ...


def _aad(context: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":")).encode()


class LocalKms:
    """A :class:`KmsClient` that wraps with AES-256-GCM under a local key-encryption key.

    The AES key is an HKDF subkey of the given key (purpose ``kms-local``), so the key file may
    be any veil key file without its key being used for two things. A wrapped blob is
    ``0x01 ‖ nonce (12) ‖ ciphertext ‖ tag``; the context is the AAD (canonical JSON).
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise KeyError_(f"a LocalKms key must be {KEY_BYTES} bytes, got {len(key)}")
        self._kid = "local:" + key_id(key)
        info = b"veil/v1/kms-local/"
        self._aead = AESGCM(
            HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(key)
        )

    @classmethod
    def from_file(cls, path: Path) -> LocalKms:
        """The key-encryption key is the current key of the key file at ``path``."""
        return cls(_read_key_file(path))

    @property
    def key_id(self) -> str:
        return self._kid

    def wrap(self, plaintext: bytes, context: dict[str, Any]) -> bytes:
        nonce = os.urandom(_NONCE)
        return _WRAP_VERSION + nonce + self._aead.encrypt(nonce, plaintext, _aad(context))

    def unwrap(self, ciphertext: bytes, context: dict[str, Any]) -> bytes:
        if len(ciphertext) < 1 + _NONCE + 16 or ciphertext[:1] != _WRAP_VERSION:
            raise KeyError_(f"{self._kid}: not a wrapped key (unknown format)")
        nonce, body = ciphertext[1 : 1 + _NONCE], ciphertext[1 + _NONCE :]
        try:
            return self._aead.decrypt(nonce, body, _aad(context))
        except InvalidTag:
            raise KeyError_(
                f"{self._kid} could not unwrap the key: wrong key-encryption key, wrong context, "
                "or a corrupted blob"
            ) from None

    def __repr__(self) -> str:
        return f"LocalKms(key_id={self._kid!r})"


def write_wrapped_key(
    path: Path,
    key: bytes,
    kms: KmsClient,
    *,
    plugin: str = "local",
    config: dict[str, Any] | None = None,
) -> str:
    """Write ``key`` wrapped by ``kms`` to a wrapped key file (0600, never overwritten).

    ``config`` is stored next to the blob for the plugin (``{"kek": PATH}`` for ``local``).
    Returns the key reference that reads it back: ``kms:<plugin>:<path>``.
    """
    kid = key_id(key)
    doc = {
        "kms": plugin,
        **(config or {}),
        "kms_key_id": kms.key_id,
        "kid": kid,
        "wrapped": base64.b64encode(
            kms.wrap(key, {"purpose": _MASTER_CONTEXT, "kid": kid})
        ).decode(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
    return f"kms:{plugin}:{path}"


def read_wrapped_key(path: Path, kms: KmsClient) -> bytes:
    """Unwrap the key of a wrapped key file with ``kms``; checks it against its kid."""
    doc = _wrapped_doc(path)
    try:
        blob = base64.b64decode(str(doc["wrapped"]), validate=True)
    except (KeyError, ValueError):
        raise KeyError_(f"wrapped key file {path} has no valid 'wrapped' field") from None
    kid = str(doc.get("kid", ""))
    key = kms.unwrap(blob, {"purpose": _MASTER_CONTEXT, "kid": kid})
    if len(key) != KEY_BYTES or key_id(key) != kid:
        raise KeyError_(f"wrapped key file {path}: the unwrapped key does not match its kid")
    return key


def _wrapped_doc(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
    except OSError as exc:
        raise KeyError_(f"cannot read wrapped key file {path}: {exc.strerror}") from None
    except json.JSONDecodeError:
        raise KeyError_(f"wrapped key file {path} is not JSON") from None
    if not isinstance(doc, dict):
        raise KeyError_(f"wrapped key file {path} must hold a JSON object")
    return doc


def _resolve_local(ref: str) -> bytes:
    path = Path(ref)
    doc = _wrapped_doc(path)
    kek = doc.get("kek")
    if not kek:
        raise KeyError_(f"wrapped key file {path} names no 'kek' (key-encryption key file)")
    kek_path = Path(str(kek))
    if not kek_path.is_absolute():
        kek_path = path.parent / kek_path
    return read_wrapped_key(path, LocalKms.from_file(kek_path))


_PLUGINS: dict[str, Resolver] = {"local": _resolve_local}


def register_kms_plugin(name: str, resolver: Resolver) -> None:
    """Register a ``kms:<name>:<ref>`` resolver in-process (entry points need no call)."""
    _PLUGINS[name] = resolver


def _plugin(name: str) -> Resolver:
    if name in _PLUGINS:
        return _PLUGINS[name]
    for ep in entry_points(group=KMS_GROUP):
        if ep.name == name:
            resolver = ep.load()
            _PLUGINS[name] = resolver
            return resolver
    known = sorted({*_PLUGINS, *(ep.name for ep in entry_points(group=KMS_GROUP))})
    raise KeyError_(
        f"unknown KMS plugin {name!r} (known: {', '.join(known)}); install the package that "
        f"provides it (entry-point group {KMS_GROUP!r})"
    )


def resolve_key_reference(ref: str, environ: Mapping[str, str] | None = None) -> bytes:
    """The 32-byte key that ``ref`` (``env:NAME``, ``file:PATH``, ``kms:<plugin>:<ref>``)
    names. Raises KeyError_ (never quoting a key) when it cannot be resolved."""
    env = os.environ if environ is None else environ
    scheme, sep, rest = ref.partition(":")
    if not sep or not rest:
        raise KeyError_(
            "not a key reference (not quoted: it may be a key): use env:NAME, file:PATH or "
            "kms:<plugin>:<ref>"
        )
    if scheme == "env":
        if not env.get(rest):
            raise KeyError_(f"key reference env:{rest}: the environment variable is not set")
        return _decode_key(env[rest], f"environment variable {rest}")
    if scheme == "file":
        return _read_key_file(Path(rest))
    if scheme == "kms":
        plugin, sep, inner = rest.partition(":")
        if not sep or not inner:
            raise KeyError_(f"key reference kms:{plugin}: expected kms:<plugin>:<ref>")
        key = _plugin(plugin)(inner)
        if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
            raise KeyError_(f"KMS plugin {plugin!r} did not return a {KEY_BYTES}-byte key")
        return bytes(key)
    raise KeyError_(
        "unknown key reference scheme (not quoted: it may be a key): use env:NAME, file:PATH "
        "or kms:<plugin>:<ref>"
    )
