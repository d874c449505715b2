"""The keyring: master keys with ids, and HKDF subkeys per purpose and column.

Where the master key comes from, in order:

1. ``VEIL_MASTER_KEY``: 32 bytes, hex (64 characters) or base64.
2. A key file (``--key-file`` or ``VEIL_KEY_FILE``): JSON ``{"kid": ..., "key": "<base64>"}``
   or the bare key in hex/base64.
3. Otherwise the workspace key ``<workspace>/keys/master.json``, generated on first use with
   0600 permissions. The caller is told (``Keyring.origin == "generated"``) so it can warn:
   a generated key lives next to the data it protects, which is fine for a laptop and
   wrong for production.

Nothing here ever puts key bytes in a message or a ``repr``. Key ids are derived from the key
(an HMAC of a constant), so the same key always has the same id and outputs can name the key
that made them without revealing it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from veil.errors import KeyError_

KEY_BYTES = 32
ENV_KEY = "VEIL_MASTER_KEY"
ENV_KEY_FILE = "VEIL_KEY_FILE"


def key_id(key: bytes) -> str:
    """The public id of a key: ``k`` and 12 hex digits of an HMAC of a constant."""
    return "k" + hmac.new(key, b"veil key id v1", hashlib.sha256).hexdigest()[:12]


def _decode_key(text: str, where: str) -> bytes:
    text = text.strip()
    raw: bytes | None = None
    if len(text) == 2 * KEY_BYTES:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = None
    if raw is None:
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=False)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != KEY_BYTES:
        raise KeyError_(
            f"{where} is not a valid key: expected {KEY_BYTES} bytes as hex (64 characters) or "
            "base64; generate one with `veil keys generate` or "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`"
        )
    return raw


@dataclass(frozen=True)
class Keyring:
    """Master keys by id, one of them current. Derives subkeys with HKDF-SHA256."""

    keys: dict[str, bytes] = field(repr=False)
    current: str
    origin: str = "configured"  # "env", "file", "generated", "workspace", "configured"
    path: Path | None = None

    @classmethod
    def from_key(cls, key: bytes, origin: str = "configured", path: Path | None = None) -> Keyring:
        if len(key) != KEY_BYTES:
            raise KeyError_(f"a master key must be {KEY_BYTES} bytes, got {len(key)}")
        kid = key_id(key)
        return cls(keys={kid: key}, current=kid, origin=origin, path=path)

    @property
    def kid(self) -> str:
        return self.current

    def master(self, kid: str | None = None) -> bytes:
        kid = kid or self.current
        try:
            return self.keys[kid]
        except KeyError:
            raise KeyError_(
                f"key {kid!r} is not in the keyring (have: {', '.join(sorted(self.keys))}); "
                "set VEIL_MASTER_KEY or --key-file to the key that wrote this data"
            ) from None

    def derive(
        self, purpose: str, context: str = "", *, length: int = KEY_BYTES, kid: str | None = None
    ) -> bytes:
        """A subkey for one purpose (``hash``, ``geo``, ``parquet``…) and context (a column)."""
        info = f"veil/v1/{purpose}/{context}".encode()
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(
            self.master(kid)
        )

    def __repr__(self) -> str:
        return (
            f"Keyring(current={self.current!r}, kids={sorted(self.keys)!r}, origin={self.origin!r})"
        )


def _read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text()
    except OSError as exc:
        raise KeyError_(f"cannot read key file {path}: {exc.strerror}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return _decode_key(text, f"key file {path}")
    if not isinstance(doc, dict) or "key" not in doc:
        raise KeyError_(f"key file {path} must hold a JSON object with a 'key' field")
    key = _decode_key(str(doc["key"]), f"key file {path}")
    if "kid" in doc and doc["kid"] != key_id(key):
        raise KeyError_(f"key file {path}: its 'kid' does not match its key (file corrupted?)")
    return key


def write_key_file(path: Path, key: bytes) -> None:
    """Write a key as JSON with 0600 permissions, created exclusively (never overwrites)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"kid": key_id(key), "key": base64.b64encode(key).decode()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh)
        fh.write("\n")


def load_keyring(
    workspace: Path, key_file: Path | None = None, environ: dict[str, str] | None = None
) -> Keyring:
    """Load the master key from the environment, a key file, or the workspace (generating it)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_KEY):
        return Keyring.from_key(_decode_key(env[ENV_KEY], ENV_KEY), origin="env")
    key_file = key_file or (Path(env[ENV_KEY_FILE]) if env.get(ENV_KEY_FILE) else None)
    if key_file is not None:
        return Keyring.from_key(_read_key_file(key_file), origin="file", path=key_file)
    path = workspace / "keys" / "master.json"
    if path.exists():
        return Keyring.from_key(_read_key_file(path), origin="workspace", path=path)
    key = os.urandom(KEY_BYTES)
    try:
        write_key_file(path, key)
    except FileExistsError:  # another process generated it first: use theirs
        return Keyring.from_key(_read_key_file(path), origin="workspace", path=path)
    return Keyring.from_key(key, origin="generated", path=path)
