"""The audit log: who did what to which data, with references and counts, never values.

:class:`AuditLog` is the interface (one method, ``record``); :class:`JsonlAuditLog` writes it
as JSON lines at ``<workspace>/audit.jsonl``. A hash-chained catalog table will replace the
storage later behind the same interface.
"""

from veil.audit.log import AuditLog, JsonlAuditLog, current_actor, open_audit_log, subject_ref

__all__ = ["AuditLog", "JsonlAuditLog", "current_actor", "open_audit_log", "subject_ref"]
