"""Keyed references: a subject's reference is the documented HMAC under an HKDF subkey of the
audit key: stable under one key, different under another, not the plain SHA-256 prefix that
anyone could compute from a guess, and not the login-name reference of the same text."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from veil.audit import CatalogAuditLog
from veil.audit.refs import legacy_subject_ref, name_key, name_ref
from veil.errors import KeyError_

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
SUBJECT = "user-00042@example.com"


def _open(tmp_path: Path, name: str, key: bytes | None) -> CatalogAuditLog:
    return CatalogAuditLog(f"sqlite:///{tmp_path / name}", key)


@pytest.fixture
def log(tmp_path: Path) -> Iterator[CatalogAuditLog]:
    with _open(tmp_path, "catalog.db", KEY) as audit:
        yield audit


def _oracle(audit_key: bytes, subject: str) -> str:
    """The documented formula, apart from the library's code."""
    info = b"veil/audit/subject-reference"
    subkey = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(audit_key)
    return "hmac:" + hmac.new(subkey, subject.encode(), hashlib.sha256).hexdigest()[:16]


def test_the_reference_is_the_documented_keyed_hmac(log: CatalogAuditLog) -> None:
    ref = log.subject_ref(SUBJECT)
    assert ref == _oracle(KEY, SUBJECT)
    assert ref != "sha256:" + hashlib.sha256(SUBJECT.encode()).hexdigest()[:16]
    assert ref != legacy_subject_ref(SUBJECT)
    assert SUBJECT not in ref


def test_one_key_gives_one_reference_and_another_key_another(
    log: CatalogAuditLog, tmp_path: Path
) -> None:
    with (
        _open(tmp_path, "same-key.db", KEY) as same,
        _open(tmp_path, "other-key.db", OTHER_KEY) as other,
    ):
        assert log.subject_ref(SUBJECT) == log.subject_ref(SUBJECT) == same.subject_ref(SUBJECT)
        assert other.subject_ref(SUBJECT) != log.subject_ref(SUBJECT)
    assert log.subject_ref("user-00043@example.com") != log.subject_ref(SUBJECT)


def test_subject_and_login_name_references_do_not_link(log: CatalogAuditLog) -> None:
    assert log.subject_ref(SUBJECT) != name_ref(SUBJECT, name_key(KEY))


def test_a_log_without_its_key_gives_no_reference(tmp_path: Path) -> None:
    with _open(tmp_path, "catalog.db", None) as keyless, pytest.raises(KeyError_):
        keyless.subject_ref(SUBJECT)


def test_the_legacy_reference_is_the_plain_prefix_old_entries_carry() -> None:
    assert legacy_subject_ref(SUBJECT) == (
        "sha256:" + hashlib.sha256(SUBJECT.encode()).hexdigest()[:16]
    )
