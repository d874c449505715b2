"""Keyed references: what the audit log records instead of an identifier.

A reference is ``hmac:`` and the first 16 hex digits of HMAC-SHA256(subkey, identifier),
where the subkey is HKDF-SHA256 of the audit key with an ``info`` naming its purpose
(:data:`SUBJECT_INFO` for subject ids, :data:`LOGIN_NAME_INFO` for login names). So:

- one identifier gets one reference under one audit key: an auditor links the export and the
  later erasure of a subject, or the failed logins under one name;
- a reader of the catalog, who lacks the audit key, cannot test guesses (sequential ids,
  e-mail addresses) against a reference, as anyone can against a plain hash;
- references of different purposes differ for the same text (a login name that is also a
  subject id does not link the two).

Entries written before subject references were keyed carry ``sha256:`` and a plain SHA-256
prefix (:func:`legacy_subject_ref`). They stay as written: the chain hashes every entry, so
rewriting them would break it; an auditor searching for a subject looks for both forms.
"""

from __future__ import annotations

import hashlib
import hmac

SUBJECT_INFO = b"veil/audit/subject-reference"
"""The HKDF ``info`` of the subkey of subject references."""
LOGIN_NAME_INFO = b"veil/server/login-name-reference"
"""The HKDF ``info`` of the subkey of login-name references (the server's failed logins)."""
REF_HEX = 16


def _bytes(text: str) -> bytes:
    """Text as bytes; lone surrogates (valid in JSON, possible in an argument) are kept."""
    return text.encode("utf-8", "surrogatepass")


def ref_key(audit_key: bytes, info: bytes) -> bytes:
    """The subkey of one kind of reference: HKDF-SHA256 of the audit key under ``info``, so
    neither the audit key nor another kind's references can be had from it."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(audit_key)


def keyed_ref(text: str, key: bytes) -> str:
    """``hmac:`` and a 16-hex-digit HMAC-SHA256 prefix of ``text`` under a :func:`ref_key`."""
    return "hmac:" + hmac.new(key, _bytes(text), hashlib.sha256).hexdigest()[:REF_HEX]


def _plain_ref(text: str) -> str:
    return "sha256:" + hashlib.sha256(_bytes(text)).hexdigest()[:REF_HEX]


def subject_key(audit_key: bytes) -> bytes:
    """The subkey of subject references (see :meth:`veil.audit.CatalogAuditLog.subject_ref`)."""
    return ref_key(audit_key, SUBJECT_INFO)


def legacy_subject_ref(subject: str) -> str:
    """The unkeyed reference older entries carry. Never written any more: only to find those
    entries (an access request counts every entry naming the subject)."""
    return _plain_ref(subject)


def name_key(audit_key: bytes) -> bytes:
    """The key of :func:`name_ref`, derived from the audit key (a purpose of its own): a
    reader of the catalog, who lacks the audit key, cannot test guesses against it."""
    return ref_key(audit_key, LOGIN_NAME_INFO)


def name_ref(name: str, key: bytes | None) -> str:
    """A reference to a submitted login name for the audit log, never the name: keyed under
    ``key`` (:func:`name_key`), or a plain SHA-256 prefix when the server runs without an
    audit key (weaker: a short name, or a password typed into the name field, can be found
    by guessing)."""
    return _plain_ref(name) if key is None else keyed_ref(name, key)
