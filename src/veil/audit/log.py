"""The audit log interface and its JSON-lines implementation.

Every entry is one JSON object on one line::

    {"time": "2026-11-22T10:00:00+00:00", "actor": "alice", "action": "reveal",
     "target": {"output": "veil-out", "dataset": "users", "column": "email_tok"},
     "details": {"reason": "ticket 123", "rows": 3, "revealed": 3}}

Callers pass references (paths, dataset and column names, key ids, ``subject_ref`` hashes) and
counts, never values from user records or key material. The file is append-only (opened with
``O_APPEND``, mode 0600, each entry written with one ``write`` and fsynced, under a lock in the
process), so concurrent writers do not interleave lines.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

ENV_ACTOR = "VEIL_ACTOR"
AUDIT_FILE = "audit.jsonl"


@runtime_checkable
class AuditLog(Protocol):
    """Where audit entries go."""

    def record(
        self, action: str, actor: str, target: dict[str, Any], details: dict[str, Any]
    ) -> None:
        """Record that ``actor`` did ``action`` to ``target`` (references only), with
        ``details`` (counts, hashes, the stated reason: never values)."""


def current_actor(environ: dict[str, str] | None = None) -> str:
    """Who is acting: ``VEIL_ACTOR``, else the login name."""
    env = os.environ if environ is None else environ
    if env.get(ENV_ACTOR):
        return env[ENV_ACTOR]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container)
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def subject_ref(subject: str) -> str:
    """A reference to a subject for the log: a SHA-256 prefix of its id, not the id."""
    return "sha256:" + hashlib.sha256(subject.encode()).hexdigest()[:16]


class JsonlAuditLog:
    """An append-only JSON-lines audit log at ``path`` (created 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(
        self, action: str, actor: str, target: dict[str, Any], details: dict[str, Any]
    ) -> None:
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "actor": actor,
            "action": action,
            "target": target,
            "details": details,
        }
        line = (json.dumps(entry, sort_keys=True, default=str) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        """Every entry, oldest first (for tests and `veil audit` later)."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def __repr__(self) -> str:
        return f"JsonlAuditLog({str(self.path)!r})"


def open_audit_log(workspace: Path) -> JsonlAuditLog:
    """The workspace's audit log, ``<workspace>/audit.jsonl``."""
    return JsonlAuditLog(workspace / AUDIT_FILE)
