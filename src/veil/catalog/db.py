"""The catalog database: its URL, its engine, and write transactions that serialise.

**Where.** ``VEIL_DATABASE_URL`` (any SQLAlchemy URL; PostgreSQL in server mode, through
psycopg 3), else SQLite at ``<workspace>/catalog.db`` (folder 0700, file 0600).

**Write transactions.** Code that reads a row, decides, and writes (check-and-charge of a
privacy budget) runs in :func:`write_transaction`:

- *SQLite*: pysqlite's own transaction handling is turned off (``isolation_level = None``) and
  SQLAlchemy's ``begin`` event emits the ``BEGIN`` itself (the recipe in SQLAlchemy's SQLite
  dialect documentation, "Enabling Non-Legacy SQLite Transactional Modes"): ``BEGIN
  IMMEDIATE`` for a write transaction, which takes the database's write lock *before* the
  first read, so two writers (threads or processes) never read the same state and both write;
  the second waits (busy timeout, 30 s) until the first commits. Plain ``BEGIN`` (deferred)
  otherwise, so readers do not queue behind writers. The journal is WAL: readers never block
  the writer, nor the writer the readers.
- *PostgreSQL*: a normal transaction (READ COMMITTED); the code locks the rows it decides on
  with ``SELECT … FOR UPDATE`` (SQLAlchemy's ``with_for_update()``, which SQLite ignores, so
  one statement serves both).

No migrations yet: :func:`create_tables` creates missing tables (``CREATE TABLE IF NOT
EXISTS`` semantics) under the write lock (PostgreSQL: a transaction-scoped advisory lock), so
processes opening a fresh catalog at once do not race.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event, text
from sqlalchemy.engine import URL, make_url

ENV_DATABASE_URL = "VEIL_DATABASE_URL"
CATALOG_FILE = "catalog.db"
BUSY_TIMEOUT_S = 30
_WRITE_OPTION = "veil_write"  # a Connection execution option: BEGIN IMMEDIATE on SQLite
_DDL_LOCK_KEY = 0x7665696C  # "veil": the advisory lock PostgreSQL's create_tables holds

metadata = MetaData()
"""Every catalog table is declared on this one ``MetaData`` (migrations will start from it)."""


def catalog_url(workspace: Path, environ: Mapping[str, str] | None = None) -> str:
    """``VEIL_DATABASE_URL`` if set, else SQLite at ``<workspace>/catalog.db``.

    For the local default the workspace folder is created (mode 0700)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_DATABASE_URL):
        return env[ENV_DATABASE_URL]
    workspace.mkdir(mode=0o700, parents=True, exist_ok=True)
    return f"sqlite:///{workspace / CATALOG_FILE}"


def _normalise(url: str) -> URL:
    """PostgreSQL URLs without a driver (``postgresql://``, ``postgres://``) use psycopg 3."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_file(parsed: URL) -> None:
    """Create the database file 0600 (and its folder) before SQLite creates it 0644."""
    database = parsed.database
    if not database or database == ":memory:" or parsed.query.get("uri"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str, *, pragmas: Sequence[str] = ()) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and our own ``BEGIN``.

    ``pragmas`` are extra SQLite pragmas run on every new connection (``"secure_delete=ON"``).
    """
    parsed = _normalise(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    _sqlite_file(parsed)
    engine = create_engine(
        parsed, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
    )
    statements = [f"busy_timeout={BUSY_TIMEOUT_S * 1000}", *pragmas]

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN; _begin does
        cursor = dbapi_connection.cursor()
        try:
            for statement in statements:
                cursor.execute(f"PRAGMA {statement}")
            # WAL is a property of the file: set once, kept; if a concurrent first open holds
            # the lock, a later connection sets it (the rollback journal serialises as well)
            with contextlib.suppress(sqlite3.OperationalError):
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: commits on success, rolls back on an exception.

    On SQLite it begins with ``BEGIN IMMEDIATE`` (the write lock is held from the start, so
    read-decide-write is serialised across threads and processes); on PostgreSQL lock the rows
    you decide on with ``with_for_update()``.
    """
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE_OPTION: True})
        with conn.begin():
            yield conn


def create_tables(engine: Engine, tables: Iterable[Table]) -> None:
    """Create those of ``tables`` that do not exist yet (no migrations until a later issue)."""
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DDL_LOCK_KEY})
        metadata.create_all(conn, tables=list(tables))
