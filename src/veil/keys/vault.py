"""The vault: one random data key per subject, for per-subject tokens and crypto-shredding.

Each subject (indexed by the subject id *value* the policy produces: a keyed hash, never raw
PII) gets a random 256-bit data key the first time a run meets it. The key is stored wrapped:
AES-256-GCM under ``HKDF(master[kid], "vault")`` with a random nonce, the AAD binding it to the
subject id and the kid, so a wrapped key cannot be moved to another subject unnoticed. Rows
name the kid that wraps them, so a key rotation leaves them readable (old kids stay in the
keyring); new subjects are wrapped under the current key.

**Storage.** SQLAlchemy Core over a database URL: by default SQLite at
``<workspace>/vault.sqlite`` (mode 0600, ``PRAGMA secure_delete=ON`` so a deleted key's bytes
are overwritten in the file), or any URL (``VEIL_VAULT_URL``; PostgreSQL in server mode). Two
tables: ``vault_subject_keys`` (subject, kid, wrapped key, created) and ``vault_erasures``
(subject, erased_at: a tombstone, no key material).

**Vectorised and thread-safe.** :meth:`Vault.keys_for` takes the subject column of a whole
batch: one ``SELECT … IN`` for its distinct subjects, one bulk ``INSERT … ON CONFLICT DO
NOTHING`` for the new ones, then a re-select, so two threads (or processes) that create the
same subject at once both end up with the one key that won.

**Erasure (crypto-shredding).** :meth:`Vault.erase` deletes the subject's wrapped key and
records a tombstone with the time. Everything encrypted or tokenized under that key is then
unreadable for anyone, with or without the master key. The vault never silently makes a new
key for an erased subject: :meth:`keys_for` raises :class:`SubjectErasedError` (reveal says
"erased"). A *new* run may give an erased subject a new key only when the vault was opened with
``allow_recreate=True``: that run's outputs are new data about the subject, the old outputs
stay unreadable (their key is gone, and a new key does not decrypt them), and the tombstone
stays on record. The default refuses, because a source that still holds an erased subject is
usually a source that was not cleaned.

Limits of shredding: copies of the vault (backups, replicas, filesystem snapshots, freed disk
blocks of the old rollback journal) keep the wrapped key until they are rotated out; the
wrapped key still needs the master key to open.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from veil.errors import KeyError_
from veil.keys.keyring import Keyring

DATA_KEY_BYTES = 32
VAULT_PURPOSE = "vault"
ENV_VAULT_URL = "VEIL_VAULT_URL"
_NONCE = 12
_CHUNK = 50_000  # subjects per SELECT … IN

metadata = MetaData()
subject_keys = Table(
    "vault_subject_keys",
    metadata,
    Column("subject", String(512), primary_key=True),
    Column("kid", String(64), nullable=False),
    Column("wrapped", LargeBinary, nullable=False),
    Column("created", String(40), nullable=False),
)
erasures = Table(
    "vault_erasures",
    metadata,
    Column("subject", String(512), primary_key=True),
    Column("erased_at", String(40), nullable=False),
)


class SubjectErasedError(KeyError_):
    """A subject's key was erased (crypto-shredded): its data cannot be revealed or re-keyed.

    ``subjects`` holds the erased subject ids; the message gives only their number.
    """

    def __init__(self, subjects: Sequence[str], action: str = "use") -> None:
        self.subjects = tuple(subjects)
        super().__init__(
            f"{len(self.subjects)} subject(s) were erased (crypto-shredded): their key is "
            f"gone, so their data cannot be {action}d by anyone, with or without the master key"
            + (
                ""
                if action == "reveal"
                else "; remove them from the source, or open the vault with allow_recreate to "
                "give them a new key for new data"
            )
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _aad(subject: str, kid: str) -> bytes:
    return b"veil/vault/v1\x00" + subject.encode() + b"\x00" + kid.encode()


def vault_url(workspace: Path, environ: dict[str, str] | None = None) -> str:
    """The vault's database URL: ``VEIL_VAULT_URL`` or SQLite at ``<workspace>/vault.sqlite``."""
    env = os.environ if environ is None else environ
    return env.get(ENV_VAULT_URL) or str(workspace / "vault.sqlite")


def needs_vault(policy: Any) -> bool:
    """Whether ``policy`` uses a per-subject operator (``tokenize``, ``encrypt``: params with
    ``uses_vault``): one with ``per_subject: true``, or with the default when the policy names
    a ``subject_id`` (without one, those operators key by domain)."""
    return bool(vault_columns(policy))


def vault_columns(policy: Any) -> list[str]:
    """The output columns of ``policy`` keyed per subject through the vault (see
    :func:`needs_vault`), so an engine without a vault can name what it refuses."""
    names = []
    for name, params in policy.columns.items():
        if not getattr(type(params), "uses_vault", False):
            continue
        per_subject = getattr(params, "per_subject", None)
        if per_subject or (per_subject is None and getattr(policy, "subject_id", None)):
            names.append(name)
    return names


def _as_strings(subjects: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(subjects, pa.ChunkedArray):
        subjects = subjects.combine_chunks()
    if not (pa.types.is_string(subjects.type) or pa.types.is_large_string(subjects.type)):
        subjects = pc.cast(subjects, pa.string())
    return subjects


class Vault:
    """Per-subject data keys, wrapped by the master key, in a SQL database. Thread-safe."""

    def __init__(
        self, engine: Engine, keyring: Keyring | None, *, allow_recreate: bool = False
    ) -> None:
        self._engine = engine
        self._keyring = keyring
        self.allow_recreate = allow_recreate
        self._aeads: dict[str, AESGCM] = {}
        self._lock = threading.Lock()
        # the last answer of keys_for in each thread: the operators of one batch (tokenize,
        # encrypt on several columns) ask for the same subject array one after the other
        self._last = threading.local()

    @classmethod
    def open(
        cls,
        url_or_path: str | Path,
        keyring: Keyring | None = None,
        *,
        allow_recreate: bool = False,
    ) -> Vault:
        """Open (creating the tables if needed) the vault at a database URL or SQLite path.

        ``keyring`` is needed to wrap and unwrap keys; :meth:`erase`, :meth:`is_erased` and
        :meth:`count` work without it.
        """
        text = str(url_or_path)
        if "://" not in text:
            path = Path(text)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            text = f"sqlite:///{path}"
        url = make_url(text)
        sqlite = url.get_backend_name() == "sqlite"
        args = {"timeout": 30, "check_same_thread": False} if sqlite else {}
        engine = create_engine(url, connect_args=args)
        if sqlite:

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA secure_delete=ON")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()

        try:
            metadata.create_all(engine)
        except OperationalError:  # another process created them at the same moment
            metadata.create_all(engine)
        return cls(engine, keyring, allow_recreate=allow_recreate)

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Vault(url={self.url!r}, allow_recreate={self.allow_recreate})"

    # -- wrapping -------------------------------------------------------------------------

    def _aead(self, kid: str) -> AESGCM:
        if self._keyring is None:
            raise KeyError_("the vault was opened without a keyring: subject keys need the key")
        aead = self._aeads.get(kid)
        if aead is None:
            aead = AESGCM(self._keyring.derive(VAULT_PURPOSE, "subject-keys", kid=kid))
            with self._lock:
                self._aeads[kid] = aead
        return aead

    def _wrap(self, subject: str, key: bytes, kid: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead(kid).encrypt(nonce, key, _aad(subject, kid))

    def _unwrap(self, subject: str, kid: str, wrapped: bytes) -> bytes:
        try:
            return self._aead(kid).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _aad(subject, kid))
        except InvalidTag:
            raise KeyError_(
                f"a vault entry (key {kid}) could not be unwrapped: the keyring holds a "
                "different key with that id, or the vault was tampered with"
            ) from None

    # -- queries --------------------------------------------------------------------------

    def _in(self, column: Any, chunk: list[str]) -> Any:
        """``column IN chunk``: on SQLite one JSON parameter (``json_each``), which is far
        cheaper to bind than thousands of parameters; elsewhere an expanding IN."""
        if self._engine.dialect.name == "sqlite":
            values = func.json_each(json.dumps(chunk)).table_valued("value")
            return column.in_(select(values.c.value))
        return column.in_(chunk)

    def _fetch(self, subjects: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        found: dict[str, tuple[str, bytes]] = {}
        if not subjects:
            return found
        cols = (subject_keys.c.subject, subject_keys.c.kid, subject_keys.c.wrapped)
        with self._engine.connect() as conn:
            for i in range(0, len(subjects), _CHUNK):
                chunk = list(subjects[i : i + _CHUNK])
                rows = conn.execute(select(*cols).where(self._in(subject_keys.c.subject, chunk)))
                for subject, kid, wrapped in rows:
                    found[subject] = (kid, bytes(wrapped))
        return found

    def _erased(self, subjects: Sequence[str]) -> set[str]:
        out: set[str] = set()
        if not subjects:
            return out
        with self._engine.connect() as conn:
            if conn.execute(select(erasures.c.subject).limit(1)).first() is None:
                return out  # no erasure on record (the usual case): nothing to look up
            for i in range(0, len(subjects), _CHUNK):
                chunk = list(subjects[i : i + _CHUNK])
                rows = conn.execute(
                    select(erasures.c.subject).where(self._in(erasures.c.subject, chunk))
                )
                out.update(r[0] for r in rows)
        return out

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        """Insert new keys; rows whose subject another writer created first are ignored."""
        dialect = self._engine.dialect.name
        if dialect == "sqlite":  # the driver's executemany: a bulk insert without overhead
            sql = (
                f"INSERT OR IGNORE INTO {subject_keys.name} (subject, kid, wrapped, created) "
                "VALUES (?, ?, ?, ?)"
            )
            params = [(r["subject"], r["kid"], r["wrapped"], r["created"]) for r in rows]
            with self._engine.begin() as conn:
                conn.exec_driver_sql(sql, params)
            return
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt = pg_insert(subject_keys).on_conflict_do_nothing(index_elements=["subject"])
            with self._engine.begin() as conn:
                conn.execute(stmt, rows)
            return
        for row in rows:  # other databases: one at a time, a duplicate is someone else's key
            try:
                with self._engine.begin() as conn:
                    conn.execute(insert(subject_keys), [row])
            except IntegrityError:
                continue

    def keys_for(
        self,
        subjects: pa.Array | pa.ChunkedArray,
        *,
        create: bool = True,
        on_erased: Literal["error", "null"] = "error",
    ) -> list[bytes | None]:
        """The 32-byte data key of each row's subject (``None`` for a null subject).

        Subjects without a key get one (``create=True``, get-or-create) or ``None``
        (``create=False``, what reveal uses). An erased subject raises
        :class:`SubjectErasedError` (or gives ``None`` with ``on_erased="null"``), unless
        ``create`` and the vault allows recreation, which gives it a new key.
        """
        last = getattr(self._last, "value", None)
        if last is not None and last[0] is subjects and last[1] == (create, on_erased):
            return list(last[2])
        given = subjects
        subjects = _as_strings(subjects)
        distinct: list[str] = pc.unique(subjects.drop_null()).to_pylist()
        found = self._fetch(distinct)
        missing = [s for s in distinct if s not in found]
        erased = self._erased(missing) if missing else set()
        if erased and not (create and self.allow_recreate) and on_erased == "error":
            raise SubjectErasedError(sorted(erased), "use" if create else "reveal")
        if create and missing:
            if self._keyring is None:
                raise KeyError_("the vault was opened without a keyring: cannot create keys")
            kid = self._keyring.current
            created = _now()
            new = [s for s in missing if s not in erased or self.allow_recreate]
            rows = [
                {
                    "subject": s,
                    "kid": kid,
                    "wrapped": self._wrap(s, os.urandom(DATA_KEY_BYTES), kid),
                    "created": created,
                }
                for s in new
            ]
            if rows:
                self._insert(rows)
                found.update(self._fetch(new))  # the winners, ours or another writer's
        keys = {s: self._unwrap(s, kid, wrapped) for s, (kid, wrapped) in found.items()}
        result = [None if s is None else keys.get(s) for s in subjects.to_pylist()]
        self._last.value = (given, (create, on_erased), result)
        return list(result)

    def erased_among(self, subjects: Sequence[str]) -> set[str]:
        """The subjects of ``subjects`` that have an erasure on record."""
        return self._erased(list(subjects))

    def kids(self, subjects: Iterable[str]) -> dict[str, str]:
        """The kid wrapping each subject's key (subjects without a key are left out)."""
        return {s: kid for s, (kid, _) in self._fetch(list(subjects)).items()}

    def erase(self, subject: str) -> bool:
        """Crypto-shred ``subject``: delete its wrapped key, record a tombstone (time only).

        Returns whether a key existed. The tombstone is recorded either way, so no later run
        silently creates a key for the subject.
        """
        self._last = threading.local()  # forget cached answers in every thread
        with self._engine.begin() as conn:
            result = conn.execute(delete(subject_keys).where(subject_keys.c.subject == subject))
            existed = bool(result.rowcount)
            conn.execute(delete(erasures).where(erasures.c.subject == subject))
            conn.execute(insert(erasures), [{"subject": subject, "erased_at": _now()}])
        return existed

    def is_erased(self, subject: str) -> bool:
        """Whether ``subject`` has an erasure on record (even if a later run recreated it)."""
        return bool(self._erased([subject]))

    def erased_at(self, subject: str) -> str | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(erasures.c.erased_at).where(erasures.c.subject == subject)
            ).first()
        return None if row is None else str(row[0])

    def count(self) -> int:
        """The number of subjects that have a key."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(subject_keys)).scalar_one())

    def erased_count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(erasures)).scalar_one())


def open_workspace_vault(
    workspace: Path, keyring: Keyring | None, *, allow_recreate: bool = False
) -> Vault:
    """The vault of a workspace (``VEIL_VAULT_URL`` or ``<workspace>/vault.sqlite``)."""
    return Vault.open(vault_url(workspace), keyring, allow_recreate=allow_recreate)
