"""The audit log interface, and who is acting.

An entry says that an actor did an action to a target, with details::

    record("reveal", "alice",
           {"output": "veil-out", "dataset": "users", "column": "email_tok"},
           {"reason": "ticket 123", "rows": 3, "revealed": 3})

Callers pass references (paths, dataset and column names, key ids, a subject's keyed reference
from :meth:`~veil.audit.CatalogAuditLog.subject_ref`) and counts, never values from user
records or key material. The storage is the catalog's hash-chained ``audit_log`` table
(:mod:`veil.audit.chain`).
"""

from __future__ import annotations

import getpass
import os
from typing import Any, Protocol, runtime_checkable

ENV_ACTOR = "VEIL_ACTOR"


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
