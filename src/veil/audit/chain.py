"""The tamper-evident audit log: an HMAC chain in the catalog's ``audit_log`` table.

**An entry** is a row ``(seq, at, actor, action, target, details, prev_hash, hash)``: ``seq``
counts from 1 without gaps, ``at`` is the UTC time of the append, ``target`` and ``details``
are JSON objects (references and counts, never values from user records), and::

    hash = HMAC-SHA256(audit_key, prev_hash ‖ canonical_json({seq, at, actor, action,
                                                              target, details}))

in lowercase hex, where ``prev_hash`` is the previous entry's ``hash`` (the first entry's is
:data:`GENESIS`, 64 zeros) as its 64 ASCII characters, ``at`` is ISO 8601 with microseconds and
``+00:00``, and canonical JSON has sorted keys, no whitespace, and is UTF-8. The key
(:mod:`veil.audit.key`) is not the data master key.

**What verification finds** (:meth:`CatalogAuditLog.verify`): a modified entry (its hash no
longer matches its contents), a deleted one (a gap in ``seq``, or, if the later entries were
renumbered, a ``prev_hash`` that no longer links), reordered or swapped entries (broken
links), an inserted or forged one (its hash is not the HMAC under the key: a forger without
the key can only compute a plain hash). It names the first bad entry and why. What it cannot
find from the table alone: the *last* entries cut off (truncation leaves a valid, shorter
chain). Keep the head that ``veil audit verify`` prints (last seq and hash) somewhere else, or
export the log regularly, to detect that; on PostgreSQL a trigger refuses UPDATE, DELETE and
TRUNCATE on the table in the first place.

**Appends are serialised.** One append is one write transaction
(:func:`veil.catalog.db.write_transaction`) that reads the last entry and inserts the next:
SQLite's ``BEGIN IMMEDIATE`` holds the database's write lock before the read, PostgreSQL's
``LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE`` (which conflicts with itself and with
writes, not with plain reads) likewise, so concurrent writers (threads, processes, hosts)
queue and produce one chain; ``seq`` is the primary key, so a duplicate could not be written
anyway. Before appending, the last entry's HMAC is checked with the writer's key: a writer with
the wrong key (or a log whose last entry was tampered with) is refused instead of continuing
a chain nobody could verify.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)

from veil.audit.key import AuditKey, find_audit_key, generate_audit_key, missing_key_message
from veil.audit.log import current_actor
from veil.audit.refs import keyed_ref, subject_key
from veil.catalog.db import CatalogClient, as_utc, catalog_url, metadata, write_transaction
from veil.errors import ConfigError, KeyError_

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""
MAX_NAME = 200
LEGACY_FILE = "audit.jsonl"
_PAGE = 1000

_SEQ = BigInteger().with_variant(Integer(), "sqlite")

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(MAX_NAME), nullable=False),
    Column("action", String(MAX_NAME), nullable=False),
    Column("target", Text, nullable=False),  # canonical JSON
    Column("details", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_at", "at"),
)


# -- the hash -----------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, non-ASCII kept (hashed as UTF-8); other types as text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def iso(at: datetime) -> str:
    """``at`` as hashed: UTC, ISO 8601 with microseconds and ``+00:00``."""
    return as_utc(at).isoformat(timespec="microseconds")


def entry_hash(
    key: bytes,
    prev_hash: str,
    seq: int,
    at: datetime | str,
    actor: str,
    action: str,
    target: Any,
    details: Any,
) -> str:
    """The entry's HMAC-SHA256 (hex) per the module docstring."""
    body = canonical_json(
        {
            "seq": seq,
            "at": at if isinstance(at, str) else iso(at),
            "actor": actor,
            "action": action,
            "target": target,
            "details": details,
        }
    )
    return hmac.new(key, prev_hash.encode() + body.encode(), hashlib.sha256).hexdigest()


# -- entries and verification -------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the chain. ``target`` and ``details`` are the decoded JSON objects."""

    seq: int
    at: datetime
    actor: str
    action: str
    target: Any
    details: Any
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as exported (``at`` as hashed)."""
        return {
            "seq": self.seq,
            "at": iso(self.at),
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> AuditEntry:
        """An exported entry read back (raises ``ValueError``/``KeyError`` when malformed)."""
        return cls(
            seq=int(doc["seq"]),
            at=datetime.fromisoformat(str(doc["at"])),
            actor=str(doc["actor"]),
            action=str(doc["action"]),
            target=doc["target"],
            details=doc["details"],
            prev_hash=str(doc["prev_hash"]),
            hash=str(doc["hash"]),
        )


class _Unreadable:
    """A stored JSON column that no longer parses (the entry was modified)."""

    def __init__(self, column: str) -> None:
        self.column = column

    def __repr__(self) -> str:
        return f"<{self.column}: not JSON>"


def _loads(value: str, column: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return _Unreadable(column)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        seq=int(row.seq),
        at=as_utc(row.at),
        actor=row.actor,
        action=row.action,
        target=_loads(row.target, "target"),
        details=_loads(row.details, "details"),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of a verification.

    ``entries`` is how many entries were checked; when the chain is broken, ``first_bad_seq``
    names the first bad entry (for a deleted entry: the missing seq) and ``reason`` says why.
    ``last_seq``/``last_hash`` are the head of the chain: note them elsewhere to detect a
    later truncation.
    """

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str | None = None
    last_seq: int | None = None
    last_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
        }


def _hash_matches(key: bytes, entry: AuditEntry) -> bool:
    if isinstance(entry.target, _Unreadable) or isinstance(entry.details, _Unreadable):
        return False
    expected = entry_hash(
        key,
        entry.prev_hash,
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.target,
        entry.details,
    )
    return hmac.compare_digest(expected, entry.hash)


def verify_entries(
    entries: Iterable[AuditEntry], key: bytes, *, complete: bool = True
) -> VerifyResult:
    """Verify a chain given oldest first (the table's, or an export read back with
    :meth:`AuditEntry.from_dict`). ``complete=False`` accepts a chain that starts after the
    genesis (an export ``--since``): its first entry's seq and prev_hash are taken as given.
    """
    count = 0
    expected_seq, expected_prev = 1, GENESIS
    last: AuditEntry | None = None
    it = iter(entries)
    for entry in it:
        if count == 0 and not complete:
            expected_seq, expected_prev = entry.seq, entry.prev_hash
        count += 1
        bad = _problem(entry, key, expected_seq, expected_prev)
        if bad is not None:
            seq, reason = bad
            if seq == entry.seq and count == 1 and "hash does not match" in reason:
                reason = _wrong_key_or(reason, key, it)
            return VerifyResult(False, count, seq, reason)
        expected_seq, expected_prev, last = entry.seq + 1, entry.hash, entry
    return VerifyResult(
        True,
        count,
        last_seq=last.seq if last else None,
        last_hash=last.hash if last else None,
    )


def _problem(
    entry: AuditEntry, key: bytes, expected_seq: int, expected_prev: str
) -> tuple[int, str] | None:
    seq = entry.seq
    if seq > expected_seq:
        gap = (
            f"entry {expected_seq} is missing"
            if seq == expected_seq + 1
            else f"entries {expected_seq}–{seq - 1} are missing"
        )
        return expected_seq, f"{gap}: seq jumps from {expected_seq - 1} to {seq} (deleted?)"
    if seq < expected_seq:
        return seq, f"entry {seq} is out of order: it comes after entry {expected_seq - 1}"
    if entry.prev_hash != expected_prev:
        before = "the genesis value" if seq == 1 else f"the hash of entry {seq - 1}"
        return seq, (
            f"entry {seq}: its prev_hash is not {before} (the chain is broken here: an entry "
            "was deleted, inserted, swapped or reordered)"
        )
    for column in ("target", "details"):
        if isinstance(getattr(entry, column), _Unreadable):
            return seq, f"entry {seq}: its {column} is not JSON (modified)"
    if not _hash_matches(key, entry):
        return seq, (
            f"entry {seq}: its hash does not match its contents (modified, or forged without "
            "the audit key)"
        )
    return None


def _wrong_key_or(reason: str, key: bytes, rest: Iterator[AuditEntry]) -> str:
    """The very first entry fails its HMAC: if no later entry matches either, the key is
    the likelier culprit; say so."""
    for entry in rest:
        if _hash_matches(key, entry):
            return reason
    return (
        f"{reason}; no entry's HMAC matches this key: is the audit key the one that wrote the "
        "log (VEIL_AUDIT_KEY, or the workspace's audit.key)?"
    )


# -- the log ------------------------------------------------------------------------------


def _lock(conn: Connection) -> None:
    """PostgreSQL: serialise appenders (SQLite's BEGIN IMMEDIATE already did)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"the audit {what} must be a non-empty text")
    return value[:MAX_NAME]


def _json_object(value: Any, what: str) -> tuple[str, Any]:
    """The canonical text of a target or details mapping, and the value it reads back as
    (what is hashed: the stored text, decoded)."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"the audit {what} must be a mapping, not {type(value).__name__}")
    stored = canonical_json(dict(value))
    return stored, json.loads(stored)


class CatalogAuditLog(CatalogClient):
    """The audit log in the catalog database at ``url``, chained under ``key``.

    Implements :class:`~veil.audit.AuditLog`. Without a key the log can be read
    (:meth:`entries`) but not written or verified. Thread-safe; any number of logs (threads,
    processes, hosts) may share a database.
    """

    def __init__(self, url: str, key: bytes | AuditKey | None = None) -> None:
        super().__init__(url)
        self._key: AuditKey | None = None
        self._missing = missing_key_message(Path("<workspace>"))
        self.imported = 0
        """Entries imported from a legacy ``audit.jsonl`` when the log was opened."""
        if key is not None:
            self._use_key(key)

    def _use_key(self, key: bytes | AuditKey) -> None:
        self._key = key if isinstance(key, AuditKey) else AuditKey(bytes(key), "configured")

    @property
    def key(self) -> AuditKey | None:
        """The audit key (its ``kid`` and ``origin``; the bytes are never shown)."""
        return self._key

    def __repr__(self) -> str:
        kid = self._key.kid if self._key else None
        return f"CatalogAuditLog(url={self.url!r}, key={kid!r})"

    def _need_key(self) -> bytes:
        if self._key is None:
            raise KeyError_(self._missing)
        return self._key.key

    def subject_ref(self, subject: str) -> str:
        """The subject's reference for entries (and manifests): a keyed HMAC prefix under a
        subkey of the audit key (:mod:`veil.audit.refs`). The same subject always gets the
        same reference under this key, so its export and erasure link up; a reader of the
        catalog, without the key, cannot test guesses against it. Needs the key, as writing
        does."""
        return keyed_ref(subject, subject_key(self._need_key()))

    # -- writing ----------------------------------------------------------------------------

    def record(
        self, action: str, actor: str, target: dict[str, Any], details: dict[str, Any]
    ) -> None:
        """Append one entry (see :class:`~veil.audit.AuditLog`). ``actor`` is cut to 200
        characters; values that are not JSON types are recorded as their text."""
        item = (None, _name(actor, "actor"), _name(action, "action"), target, details)
        self._append([item])

    def _append(
        self,
        items: list[tuple[datetime | None, str, str, Any, Any]],
        *,
        unless_imported: str | None = None,
    ) -> int:
        """Append ``(at or None for now, actor, action, target, details)`` items in one write
        transaction; returns how many were written. ``unless_imported``: a legacy file's
        digest: write nothing if an ``audit.import`` entry already names it."""
        key = self._need_key()
        prepared = [
            (at, actor, action, *_json_object(target, "target"), *_json_object(details, "details"))
            for at, actor, action, target, details in items
        ]
        with write_transaction(self._engine) as conn:
            _lock(conn)
            if unless_imported is not None and self._was_imported(conn, unless_imported):
                return 0
            last = conn.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).first()
            if last is None:
                seq, prev = 0, GENESIS
            else:
                previous = _entry(last)
                if not _hash_matches(key, previous):
                    raise KeyError_(
                        f"the last audit entry (seq {previous.seq}) does not match this audit "
                        "key: the key is not the one that wrote the log, or the entry was "
                        "tampered with. Nothing was recorded; run `veil audit verify`"
                    )
                seq, prev = previous.seq, previous.hash
            rows = []
            for at, actor, action, target_text, target, details_text, details in prepared:
                seq += 1
                when = as_utc(at) if at is not None else datetime.now(UTC)
                digest = entry_hash(key, prev, seq, when, actor, action, target, details)
                rows.append(
                    {
                        "seq": seq,
                        "at": when,
                        "actor": actor,
                        "action": action,
                        "target": target_text,
                        "details": details_text,
                        "prev_hash": prev,
                        "hash": digest,
                    }
                )
                prev = digest
            conn.execute(insert(audit_log), rows)
        return len(rows)

    @staticmethod
    def _was_imported(conn: Connection, digest: str) -> bool:
        query = select(audit_log.c.details).where(audit_log.c.action == "audit.import")
        for (details,) in conn.execute(query):
            doc = _loads(details, "details")
            if isinstance(doc, dict) and doc.get("sha256") == digest:
                return True
        return False

    def import_jsonl(self, path: Path, actor: str) -> int:
        """Import the entries of a legacy JSON-lines log (``{"time", "actor", "action",
        "target", "details"}`` per line) into the chain, once: the import is audited as
        ``audit.import`` with the file's SHA-256, and a file already imported is skipped.
        Lines that are not such an object are counted and left in the file. Returns how many
        entries were imported."""
        data = path.read_bytes()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        items: list[tuple[datetime | None, str, str, Any, Any]] = []
        skipped = 0
        for line in data.decode("utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            item = _legacy(line)
            if item is None:
                skipped += 1
            else:
                items.append(item)
        details = {"entries": len(items), "skipped": skipped, "sha256": digest}
        items.append((None, _name(actor, "actor"), "audit.import", {"file": str(path)}, details))
        written = self._append(items, unless_imported=digest)
        return max(written - 1, 0)

    # -- reading ----------------------------------------------------------------------------

    def count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())

    def _iter(
        self, conn: Connection, since: datetime | None = None, action: str | None = None
    ) -> Iterator[AuditEntry]:
        """Entries oldest first, read a page at a time."""
        after = 0
        while True:
            query = select(audit_log).where(audit_log.c.seq > after)
            if since is not None:
                query = query.where(audit_log.c.at >= as_utc(since))
            if action is not None:
                query = query.where(audit_log.c.action == action)
            rows = conn.execute(query.order_by(audit_log.c.seq).limit(_PAGE)).all()
            for row in rows:
                yield _entry(row)
            if len(rows) < _PAGE:
                return
            after = int(rows[-1].seq)

    def entries(
        self,
        *,
        since: datetime | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """The entries, oldest first; ``since`` (at or after), ``action`` filter them and
        ``limit`` keeps the newest ``limit`` of those."""
        with self._engine.connect() as conn:
            if limit is None:
                return list(self._iter(conn, since, action))
            query = select(audit_log)
            if since is not None:
                query = query.where(audit_log.c.at >= as_utc(since))
            if action is not None:
                query = query.where(audit_log.c.action == action)
            rows = conn.execute(query.order_by(audit_log.c.seq.desc()).limit(limit)).all()
        return [_entry(row) for row in reversed(rows)]

    def verify(self) -> VerifyResult:
        """Check the whole chain (see the module docstring); needs the audit key."""
        key = self._need_key()
        with self._engine.connect() as conn, conn.begin():  # one snapshot (SQLite)
            return verify_entries(self._iter(conn), key)

    def export(
        self,
        destination: Path | str | IO[str],
        *,
        since: datetime | None = None,
        actor: str | None = None,
    ) -> int:
        """Write the entries (with their hashes) as JSON lines to a file (created 0600),
        ``"-"`` for standard output, or an open text stream; returns how many. The export is
        itself audited (``audit.export`` with the count)."""
        self._need_key()  # the export is recorded: fail before writing, not after
        if isinstance(destination, str | Path) and str(destination) != "-":
            path = Path(destination)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                count = self._write(fh, since)
            where = str(path)
        else:
            stream = sys.stdout if isinstance(destination, str | Path) else destination
            count = self._write(stream, since)
            where = "stdout" if stream is sys.stdout else "stream"
        self.record(
            "audit.export",
            actor or current_actor(),
            {"log": "audit_log", "to": where},
            {"entries": count, "since": iso(since) if since is not None else None},
        )
        return count

    def _write(self, stream: IO[str], since: datetime | None) -> int:
        count = 0
        with self._engine.connect() as conn, conn.begin():
            for entry in self._iter(conn, since):
                stream.write(canonical_json(entry.to_dict()) + "\n")
                count += 1
        stream.flush()
        return count


def _legacy(line: str) -> tuple[datetime | None, str, str, Any, Any] | None:
    """One line of a legacy ``audit.jsonl`` as an item to append, or ``None``."""
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    actor, action = doc.get("actor"), doc.get("action")
    target, details = doc.get("target", {}), doc.get("details", {})
    if not isinstance(actor, str) or not actor.strip() or not isinstance(action, str):
        return None
    if not action.strip() or not isinstance(target, dict) or not isinstance(details, dict):
        return None
    at: datetime | None = None
    with contextlib.suppress(TypeError, ValueError):
        at = as_utc(datetime.fromisoformat(str(doc.get("time"))))
    return at, actor[:MAX_NAME], action[:MAX_NAME], target, details


def _import_legacy(log: CatalogAuditLog, legacy: Path, actor: str) -> None:
    """Import a legacy log once, then rename it (a concurrent opener may have done both)."""
    try:
        log.imported = log.import_jsonl(legacy, actor)
        digest = hashlib.sha256(legacy.read_bytes()).hexdigest()[:12]
        legacy.rename(legacy.with_name(f"{LEGACY_FILE}.imported-{digest}"))
    except FileNotFoundError:  # renamed by another process after it imported the file
        return


def open_audit_log(
    workspace: Path,
    environ: Mapping[str, str] | None = None,
    *,
    generate_key: bool = True,
) -> CatalogAuditLog:
    """The workspace's audit log: the catalog (``VEIL_DATABASE_URL``, else
    ``<workspace>/catalog.db``) chained under the audit key (:mod:`veil.audit.key`).

    With no key configured, one is generated into ``<workspace>/audit.key`` (the returned
    log's ``key.origin`` is then ``"generated"``: warn), unless the log already has entries
    (a new key would break the chain: :class:`~veil.errors.KeyError_`) or ``generate_key`` is
    false (the log is returned without a key: readable, not writable or verifiable).

    A legacy ``<workspace>/audit.jsonl`` is imported into the chain once and renamed
    ``audit.jsonl.imported-<digest>``; ``log.imported`` says how many entries it held.
    """
    env = os.environ if environ is None else environ
    log = CatalogAuditLog(catalog_url(workspace, env))
    try:
        log._missing = missing_key_message(workspace)
        key = find_audit_key(workspace, env)
        if key is None and generate_key:
            entries = log.count()
            if entries:
                raise KeyError_(
                    f"{missing_key_message(workspace)}. The audit log at {log.url} has "
                    f"{entries} entries: a new key would break its chain, so none is generated"
                )
            key = generate_audit_key(workspace)
        if key is not None:
            log._use_key(key)
            _import_legacy(log, workspace / LEGACY_FILE, current_actor(dict(env)))
    except BaseException:
        log.close()
        raise
    return log
