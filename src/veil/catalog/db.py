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

**Migrations.** The schema is made by Alembic revisions in ``veil/catalog/migrations/``
(shipped with the package; no ``alembic.ini``): ``0001_budgets`` (the privacy-budget ledger),
``0002_audit`` (the hash-chained audit log), ``0003_jobs`` (datasets, versions, jobs, locks),
``0004_retention`` (deleted and derived versions), ``0005_users`` (the server's users and
sessions), ``0006_lock_heartbeat`` (the heartbeat of dataset locks). :func:`upgrade` brings a
catalog to the newest revision; everything that opens the catalog calls it. It first reads the
revision without a lock (at head: nothing to do, the common case); otherwise it migrates inside
one write transaction: SQLite's ``BEGIN IMMEDIATE`` (the database's write lock, held until the
commit), PostgreSQL's transaction-scoped advisory lock, so processes opening a fresh catalog at
once do not race (the second waits, then finds the catalog at head). DDL is transactional on
both, so a failed migration leaves the catalog as it was. A catalog made before migrations
(the ledger's tables by :func:`create_tables`, no ``alembic_version``) is recognised and
stamped ``0001_budgets`` first.

A new revision: write ``versions/NNNN_name.py`` by hand or with
``alembic.command.revision(alembic_config(), message=..., rev_id="NNNN_name")``; declare its
tables on :data:`metadata` in a module listed in :data:`MODEL_MODULES`. The test
``tests/catalog/test_migrations.py`` checks that the revisions build exactly ``metadata``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    MetaData,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import URL, make_url

from veil.errors import CatalogUnavailableError, ConfigError

if TYPE_CHECKING:
    from alembic.config import Config

ENV_DATABASE_URL = "VEIL_DATABASE_URL"
CATALOG_FILE = "catalog.db"
BUSY_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 10  # PostgreSQL: give up on an unreachable server after this
_WRITE_OPTION = "veil_write"  # a Connection execution option: BEGIN IMMEDIATE on SQLite
_DDL_LOCK_KEY = 0x7665696C  # "veil": the advisory lock PostgreSQL's schema changes hold
MIGRATIONS = Path(__file__).parent / "migrations"
LEGACY_REVISION = "0001_budgets"  # what create_tables made before migrations
_LEGACY_TABLES = ("budgets", "charges", "budget_events")

metadata = MetaData()
"""Every catalog table is declared on this one ``MetaData``; the migrations build it."""


def timestamp_column(name: str, nullable: bool = False) -> Column[Any]:
    """A catalog timestamp: timezone-aware, stored in UTC."""
    return Column(name, DateTime(timezone=True), nullable=nullable)


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC, one without a time zone taken as UTC: SQLite returns the catalog's
    timestamps so (what was written was UTC), PostgreSQL in the session's time zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

MODEL_MODULES = (
    "veil.analytics.dp.ledger",
    "veil.audit.chain",
    "veil.catalog.models",
    "veil.server.auth",
)
"""The modules that declare catalog tables on :data:`metadata` (see :func:`load_models`)."""


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


def describe_url(url: URL) -> str:
    """Where a database is, for messages: driver, host, port and database; no user name,
    password or query options."""
    bare = URL.create(url.drivername, host=url.host, port=url.port, database=url.database)
    return bare.render_as_string(hide_password=True)


def _why(exc: BaseException, url: URL) -> str:
    """The driver's reason, one line, without the URL's user name or password."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    reason = lines[0].rsplit("failed: ", 1)[-1] if lines else type(exc).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    if url.username:
        reason = reason.replace(f'"{url.username}"', '"***"')
    return reason[:200]


def _unreachable_is_an_error(engine: Engine, url: URL) -> None:
    """A connection that cannot be made (or is lost) raises :class:`CatalogUnavailableError`,
    one line naming the database without credentials, instead of the driver's error."""

    @event.listens_for(engine, "handle_error")
    def _handle(context: Any) -> None:
        if getattr(context, "is_pre_ping", False):
            return  # the pool reconnects after a failed ping; that connect is checked
        if context.connection is not None and not context.is_disconnect:
            return  # an error of a statement on a working connection: the caller's business
        if not isinstance(context.original_exception, Exception):
            return
        lost = "lost the connection to" if context.connection is not None else "cannot reach"
        raise CatalogUnavailableError(
            f"{lost} the catalog database {describe_url(url)}: "
            f"{_why(context.original_exception, url)}. Check that the database server runs and "
            f"that {ENV_DATABASE_URL} (or --workspace) points at it"
        )


def make_engine(url: str, *, pragmas: Sequence[str] = ()) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and our own ``BEGIN``.

    ``pragmas`` are extra SQLite pragmas run on every new connection (``"secure_delete=ON"``).
    """
    parsed = _normalise(url)
    if parsed.get_backend_name() != "sqlite":
        args = {} if "connect_timeout" in parsed.query else {"connect_timeout": CONNECT_TIMEOUT_S}
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=args)
        _unreachable_is_an_error(engine, parsed)
        return engine
    _sqlite_file(parsed)
    engine = create_engine(
        parsed, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
    )
    _unreachable_is_an_error(engine, parsed)
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


def _schema_lock(conn: Connection) -> None:
    """PostgreSQL: the advisory lock schema changes take (SQLite: ``BEGIN IMMEDIATE`` did)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DDL_LOCK_KEY})


def create_tables(engine: Engine, tables: Iterable[Table]) -> None:
    """Create those of ``tables`` that do not exist yet, without migrations.

    How catalogs were made before :func:`upgrade`; kept for tests that build such a catalog.
    """
    with write_transaction(engine) as conn:
        _schema_lock(conn)
        metadata.create_all(conn, tables=list(tables))


# -- migrations ---------------------------------------------------------------------------


def load_models() -> MetaData:
    """:data:`metadata` with every catalog table declared (imports :data:`MODEL_MODULES`)."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return metadata


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the shipped migrations (no ``alembic.ini``).

    With ``connection``, ``env.py`` migrates through it (inside the caller's transaction);
    without, through ``sqlalchemy.url`` if set, else ``VEIL_DATABASE_URL``.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def _revisions() -> tuple[str, frozenset[str]]:
    """The head revision and every known revision of the shipped migrations."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    heads = script.get_heads()
    if len(heads) != 1:  # a packaging mistake, not a user's
        raise RuntimeError(f"the catalog migrations have {len(heads)} heads: {sorted(heads)}")
    return heads[0], frozenset(rev.revision for rev in script.walk_revisions())


def head_revision() -> str:
    """The newest revision of the shipped migrations."""
    return _revisions()[0]


def _current(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def current_revision(engine: Engine) -> str | None:
    """The catalog's revision (``None``: not migrated yet)."""
    with engine.connect() as conn:
        return _current(conn)


def _check_known(revision: str | None, engine: Engine) -> None:
    if revision is not None and revision not in _revisions()[1]:
        where = engine.url.render_as_string(hide_password=True)
        raise ConfigError(
            f"the catalog at {where} is at revision {revision!r}, which this veil does not "
            f"know (its newest is {head_revision()!r}): a newer veil migrated it; upgrade veil"
        )


def upgrade(engine: Engine) -> str:
    """Migrate the catalog to the newest revision (a no-op at head); returns the revision.

    Safe to call from any number of processes at once (see the module docstring). A catalog
    made by :func:`create_tables` before migrations is stamped ``0001_budgets`` first.
    """
    head = head_revision()
    current = current_revision(engine)
    _check_known(current, engine)
    if current == head:
        return head
    from alembic import command

    with write_transaction(engine) as conn:
        _schema_lock(conn)
        current = _current(conn)  # another process may have migrated meanwhile
        _check_known(current, engine)
        if current == head:
            return head
        config = alembic_config(conn)
        if current is None:
            names = set(inspect(conn).get_table_names())
            found = [t for t in _LEGACY_TABLES if t in names]
            if found and len(found) < len(_LEGACY_TABLES):
                missing = sorted(set(_LEGACY_TABLES) - set(found))
                raise ConfigError(
                    "the catalog has some of the budget ledger's tables but not "
                    f"{', '.join(missing)}, and no migration history: it was not made by veil "
                    "(or was damaged); restore it from a backup"
                )
            if found:
                command.stamp(config, LEGACY_REVISION)
        command.upgrade(config, "head")
    return head


class CatalogClient:
    """The open/close of anything that keeps its state in the catalog: an engine migrated to
    the newest revision on open (disposed again if that fails), the URL with its password
    hidden, and a context manager that closes."""

    def __init__(self, url: str) -> None:
        self._engine = make_engine(url)
        try:
            upgrade(self._engine)  # the catalog's migrations (a no-op at head)
        except BaseException:
            self._engine.dispose()
            raise

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r})"
