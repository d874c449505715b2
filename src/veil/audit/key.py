"""The audit key: the secret the audit log's HMAC chain is keyed with.

It is not the data master key (a reader of the data must not be able to forge the log, nor
the reverse), and it is found like the master key:

1. ``VEIL_AUDIT_KEY``: 32 bytes as hex (64 characters) or base64, or a key reference
   (``env:NAME``, ``file:PATH``, ``kms:<plugin>:<ref>``; see :mod:`veil.keys.providers`);
2. otherwise the workspace file ``<workspace>/audit.key`` (a veil key file, JSON
   ``{"kid", "key", "created"}``), generated on first use with mode 0600. The caller is told
   (``AuditKey.origin == "generated"``) so it can warn: a key kept next to the log it protects
   lets whoever can rewrite the log rewrite the chain too. In server mode (PostgreSQL, shared
   by several hosts) set ``VEIL_AUDIT_KEY`` on every writer.

Nothing here puts key bytes in a message or a ``repr``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from veil.errors import KeyError_
from veil.keys.keyring import (
    ENV_KEY,
    KEY_BYTES,
    REFERENCE_PREFIXES,
    _decode_key,
    key_id,
    read_key_file,
    write_key_file,
)

ENV_AUDIT_KEY = "VEIL_AUDIT_KEY"
AUDIT_KEY_FILE = "audit.key"


@dataclass(frozen=True)
class AuditKey:
    """The audit key (never shown), where it came from, and its file (if any)."""

    key: bytes = field(repr=False)
    origin: str  # "env", "file", "workspace", "generated"
    path: Path | None = None

    def __post_init__(self) -> None:
        if len(self.key) != KEY_BYTES:
            raise KeyError_(f"an audit key must be {KEY_BYTES} bytes, got {len(self.key)}")

    @property
    def kid(self) -> str:
        """The key's public id (an HMAC of a constant; reveals nothing of the key)."""
        return key_id(self.key)


def audit_key_path(workspace: Path) -> Path:
    """Where the workspace's generated audit key lives."""
    return workspace / AUDIT_KEY_FILE


def _current(path: Path) -> bytes:
    keys = read_key_file(path)
    return next(e.key for e in keys.entries if e.kid == keys.current)


def _from_env(value: str, env: Mapping[str, str]) -> AuditKey:
    value = value.strip()
    if value.startswith("file:"):
        path = Path(value[len("file:") :])
        return AuditKey(_current(path), "file", path)
    if value.startswith(REFERENCE_PREFIXES):
        from veil.keys.providers import resolve_key_reference

        return AuditKey(resolve_key_reference(value, environ=env), "env")
    return AuditKey(_decode_key(value, ENV_AUDIT_KEY), "env")


def _not_the_master_key(key: AuditKey, env: Mapping[str, str]) -> None:
    master = env.get(ENV_KEY, "").strip()
    if not master or master.startswith(REFERENCE_PREFIXES):
        return
    try:
        same = _decode_key(master, ENV_KEY) == key.key
    except KeyError_:
        return
    if same:
        raise KeyError_(
            f"{ENV_AUDIT_KEY} is the master key ({ENV_KEY}): the audit log needs a key of its "
            "own, or whoever can read the data can rewrite the log; generate one with "
            "`veil keys generate --output FILE` and set "
            f"{ENV_AUDIT_KEY}=file:FILE"
        )


def find_audit_key(workspace: Path, environ: Mapping[str, str] | None = None) -> AuditKey | None:
    """``VEIL_AUDIT_KEY``, else ``<workspace>/audit.key`` if it exists, else ``None``.

    Raises :class:`~veil.errors.KeyError_` for a malformed or unreadable key, and when
    ``VEIL_AUDIT_KEY`` is the master key itself.
    """
    env = os.environ if environ is None else environ
    if env.get(ENV_AUDIT_KEY, "").strip():
        key = _from_env(env[ENV_AUDIT_KEY], env)
        _not_the_master_key(key, env)
        return key
    path = audit_key_path(workspace)
    if path.exists():
        return AuditKey(_current(path), "workspace", path)
    return None


def generate_audit_key(workspace: Path) -> AuditKey:
    """Create ``<workspace>/audit.key`` (0600, never overwritten); if another process made
    it first, theirs is used."""
    path = audit_key_path(workspace)
    key = os.urandom(KEY_BYTES)
    try:
        write_key_file(path, key)
    except FileExistsError:
        return AuditKey(_current(path), "workspace", path)
    return AuditKey(key, "generated", path)


def load_audit_key(
    workspace: Path, environ: Mapping[str, str] | None = None, *, generate: bool = True
) -> AuditKey:
    """The audit key (:func:`find_audit_key`), generated into the workspace when none is
    configured (unless ``generate=False``, which raises :class:`~veil.errors.KeyError_`)."""
    key = find_audit_key(workspace, environ)
    if key is not None:
        return key
    if not generate:
        raise KeyError_(missing_key_message(workspace))
    return generate_audit_key(workspace)


def missing_key_message(workspace: Path) -> str:
    return (
        f"no audit key: set {ENV_AUDIT_KEY} (hex, base64, env:NAME, file:PATH or "
        f"kms:<plugin>:<ref>) or restore {audit_key_path(workspace)}; the audit chain can only "
        "be verified (and continued) with the key that wrote it"
    )
