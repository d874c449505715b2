"""The keyring: master keys with ids, and HKDF subkeys per purpose and column.

Where the master key comes from, in order:

1. ``VEIL_MASTER_KEY``: 32 bytes, hex (64 characters) or base64.
   ``VEIL_MASTER_KEY`` may also be a key *reference* (``env:NAME``, ``file:PATH``,
   ``kms:<plugin>:<ref>``, see :mod:`veil.keys.providers`): the key is then fetched (or
   unwrapped by a KMS) instead of being written in the environment.
2. A key file (``--key-file`` or ``VEIL_KEY_FILE``): JSON ``{"kid": ..., "key": "<base64>"}``,
   the bare key in hex/base64, or a keyring of several keys (after ``veil keys rotate``)::

       {"current": "k…", "keys": [{"kid": "k…", "key": "<base64>", "created": "<iso>"}, …]}
3. Otherwise the workspace key ``<workspace>/keys/master.json``, generated on first use with
   0600 permissions. The caller is told (``Keyring.origin == "generated"``) so it can warn:
   a generated key lives next to the data it protects, which is fine for a laptop and
   wrong for production.

Nothing here ever puts key bytes in a message or a ``repr``. Key ids are derived from the key
(an HMAC of a constant), so the same key always has the same id and outputs can name the key
that made them without revealing it.

**Rotation.** :func:`rotate_key_file` adds a new random key to a key file and makes it current;
the old keys stay in the file, so everything written under them (Parquet files, tokens,
encrypted fields, vault entries: each names its kid) stays readable. New outputs use the
current key. The file is rewritten atomically (a 0600 temporary file, then a rename) under an
advisory lock, so two concurrent rotations do not lose a key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    #: creation time (ISO 8601) of each key, when the key file records it
    created: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_key(cls, key: bytes, origin: str = "configured", path: Path | None = None) -> Keyring:
        if len(key) != KEY_BYTES:
            raise KeyError_(f"a master key must be {KEY_BYTES} bytes, got {len(key)}")
        kid = key_id(key)
        return cls(keys={kid: key}, current=kid, origin=origin, path=path)

    @classmethod
    def from_entries(
        cls,
        entries: list[KeyEntry],
        current: str,
        origin: str = "configured",
        path: Path | None = None,
    ) -> Keyring:
        """A keyring of several keys (a rotated key file), ``current`` among them."""
        keys = {e.kid: e.key for e in entries}
        if current not in keys:
            raise KeyError_(f"the current key {current!r} is not among the keys")
        created = {e.kid: e.created for e in entries}
        return cls(keys=keys, current=current, origin=origin, path=path, created=created)

    @property
    def kid(self) -> str:
        return self.current

    def describe(self) -> list[dict[str, object]]:
        """Each key's id, creation time and whether it is current: never key bytes."""
        return [
            {"kid": kid, "current": kid == self.current, "created": self.created.get(kid)}
            for kid in self.keys
        ]

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


@dataclass(frozen=True)
class KeyEntry:
    """One key of a key file: its id, the key (never shown) and when it was made."""

    kid: str
    key: bytes = field(repr=False)
    created: str | None = None


@dataclass(frozen=True)
class KeyFile:
    """The keys of a key file and the id of the current one."""

    current: str
    entries: tuple[KeyEntry, ...]

    def keyring(self, origin: str, path: Path | None) -> Keyring:
        return Keyring.from_entries(list(self.entries), self.current, origin=origin, path=path)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _entry(doc: object, where: str) -> KeyEntry:
    if not isinstance(doc, dict) or "key" not in doc:
        raise KeyError_(f"{where} must hold a JSON object with a 'key' field")
    key = _decode_key(str(doc["key"]), where)
    if "kid" in doc and doc["kid"] != key_id(key):
        raise KeyError_(f"{where}: its 'kid' does not match its key (file corrupted?)")
    created = doc.get("created")
    return KeyEntry(key_id(key), key, str(created) if created else None)


def read_key_file(path: Path) -> KeyFile:
    """Read a key file: a bare key, ``{"kid", "key"}``, or ``{"current", "keys": [...]}``."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise KeyError_(f"cannot read key file {path}: {exc.strerror}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        key = _decode_key(text, f"key file {path}")
        return KeyFile(key_id(key), (KeyEntry(key_id(key), key),))
    if isinstance(doc, dict) and "keys" in doc:
        if not isinstance(doc["keys"], list) or not doc["keys"]:
            raise KeyError_(f"key file {path}: 'keys' must be a non-empty list")
        entries = [_entry(e, f"key file {path}, key {i}") for i, e in enumerate(doc["keys"])]
        current = str(doc.get("current") or entries[-1].kid)
        if current not in {e.kid for e in entries}:
            raise KeyError_(f"key file {path}: 'current' names no key of the file")
        return KeyFile(current, tuple(entries))
    entry = _entry(doc, f"key file {path}")
    return KeyFile(entry.kid, (entry,))


def _read_key_file(path: Path) -> bytes:
    """The current key of a key file (any format)."""
    keys = read_key_file(path)
    return next(e.key for e in keys.entries if e.kid == keys.current)


def write_key_file(path: Path, key: bytes) -> None:
    """Write a key as JSON with 0600 permissions, created exclusively (never overwrites)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"kid": key_id(key), "key": base64.b64encode(key).decode(), "created": _now()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh)
        fh.write("\n")


def _write_atomic(path: Path, keys: KeyFile) -> None:
    doc = {
        "current": keys.current,
        "keys": [
            {"kid": e.kid, "key": base64.b64encode(e.key).decode(), "created": e.created}
            for e in keys.entries
        ],
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An advisory lock on ``path`` (a sidecar ``.lock`` file: the key file is replaced)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def rotate_key_file(path: Path) -> tuple[KeyEntry, str]:
    """Add a new random key to the key file at ``path`` and make it current.

    The old keys stay (data written under them stays readable). Returns the new key's entry
    and the previous current kid. The file is rewritten atomically with mode 0600.
    """
    if not path.exists():
        raise KeyError_(
            f"no key file at {path} to rotate; create one with `veil keys generate --output "
            f"{path}` (or run `veil run` once to generate the workspace key)"
        )
    with _locked(path):
        keys = read_key_file(path)
        key = os.urandom(KEY_BYTES)
        entry = KeyEntry(key_id(key), key, _now())
        entries = (*(e for e in keys.entries if e.kid != entry.kid), entry)
        _write_atomic(path, KeyFile(entry.kid, entries))
    return entry, keys.current


REFERENCE_PREFIXES = ("env:", "file:", "kms:")


def load_keyring(
    workspace: Path,
    key_file: Path | None = None,
    environ: dict[str, str] | None = None,
    *,
    generate: bool = True,
) -> Keyring:
    """Load the master key(s) from the environment, a key file, or the workspace (generating
    the workspace key unless ``generate=False``, which raises KeyError_ instead)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_KEY):
        value = env[ENV_KEY].strip()
        if value.startswith("file:"):
            ref_path = Path(value[len("file:") :])
            return read_key_file(ref_path).keyring("file", ref_path)
        if value.startswith(REFERENCE_PREFIXES):
            from veil.keys.providers import resolve_key_reference

            return Keyring.from_key(resolve_key_reference(value, environ=env), origin="env")
        return Keyring.from_key(_decode_key(value, ENV_KEY), origin="env")
    key_file = key_file or (Path(env[ENV_KEY_FILE]) if env.get(ENV_KEY_FILE) else None)
    if key_file is not None:
        return read_key_file(key_file).keyring("file", key_file)
    path = workspace_key_path(workspace)
    if path.exists():
        return read_key_file(path).keyring("workspace", path)
    if not generate:
        raise KeyError_(
            f"no key configured: set VEIL_MASTER_KEY or --key-file (no workspace key at {path})"
        )
    key = os.urandom(KEY_BYTES)
    try:
        write_key_file(path, key)
    except FileExistsError:  # another process generated it first: use theirs
        return read_key_file(path).keyring("workspace", path)
    return read_key_file(path).keyring("generated", path)


def workspace_key_path(workspace: Path) -> Path:
    """Where the workspace's generated key file lives."""
    return workspace / "keys" / "master.json"
