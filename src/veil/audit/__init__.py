"""The audit log: who did what to which data, with references and counts, never values.

:class:`AuditLog` is the interface (one method, ``record``). :class:`CatalogAuditLog` stores
it as a hash chain (HMAC-SHA256 under the audit key, :mod:`veil.audit.key`) in the catalog's
``audit_log`` table, which :meth:`~CatalogAuditLog.verify` checks for modified, deleted,
reordered and forged entries; :func:`open_audit_log` opens a workspace's log. Entries name a
subject by :meth:`~CatalogAuditLog.subject_ref`, a reference keyed under the audit key
(:mod:`veil.audit.refs`).
"""

from veil.audit.chain import (
    AuditEntry,
    CatalogAuditLog,
    VerifyResult,
    open_audit_log,
    verify_entries,
)
from veil.audit.key import ENV_AUDIT_KEY, AuditKey, load_audit_key
from veil.audit.log import AuditLog, current_actor

__all__ = [
    "ENV_AUDIT_KEY",
    "AuditEntry",
    "AuditKey",
    "AuditLog",
    "CatalogAuditLog",
    "VerifyResult",
    "current_actor",
    "load_audit_key",
    "open_audit_log",
    "verify_entries",
]
