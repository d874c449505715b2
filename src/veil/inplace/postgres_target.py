"""A PostgreSQL table: ``postgresql://user@host:5432/db?table=schema.users`` (SQLAlchemy with
psycopg 3; other query parameters such as ``sslmode`` go to the driver; without a schema the
connection's ``current_schema()``).

- **Backup**: in one ``REPEATABLE READ`` transaction, the table's measure and ``CREATE TABLE
  <schema>.veil_backup_<table>_<time> AS SELECT * FROM <table>``; the backup's facts (rows,
  schema hash, checksum; no values) are its ``COMMENT``.
- **Replace**: one transaction creates ``veil_new_<table>_<time>``, ``COPY``s the new rows
  into it, takes ``ACCESS EXCLUSIVE`` on the table, checks it still matches the backup (no
  other writer since), drops it and renames the new table to its name. Readers see the old
  table or the new one; a failure rolls all of it back.
- **Restore**: the same swap from a copy of the backup table (the backup stays).
- **Erasure from a backup**: one transaction takes ``EXCLUSIVE`` on the backup table (so
  its ``ctid``s hold), reads the ``ctid`` of each row a :class:`~veil.inplace.base.RowMatch`
  selects, deletes those rows by ``ctid`` and rewrites the comment with the new measure. No
  value reaches the SQL text.

The checksum is computed by the server: the sum of a 64-bit MD5 prefix of each row's text
form, with the session's time zone UTC. Reads use a server-side cursor, so memory stays
bounded. Indexes, constraints, defaults, grants and comments of the table are not carried
over to the new table, and a view or foreign key that depends on the table makes the swap
fail (rolled back; the error names the SQLSTATE, 2BP01).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from veil.errors import VeilError
from veil.inplace.base import (
    STAGING_PREFIX,
    Backup,
    Measure,
    RowMatch,
    TableTarget,
    Verification,
    backup_name,
    checksum_text,
    error_summary,
    quote_ident,
    schema_hash,
    unique_name,
)
from veil.inplace.errors import TargetChangedError, TargetError

#: PostgreSQL type name → Arrow type; other types are read as their text form
_READ_TYPES: dict[str, pa.DataType] = {
    "bool": pa.bool_(),
    "int2": pa.int16(),
    "int4": pa.int32(),
    "int8": pa.int64(),
    "float4": pa.float32(),
    "float8": pa.float64(),
    "text": pa.string(),
    "varchar": pa.string(),
    "bpchar": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "time": pa.time64("us"),
    "bytea": pa.binary(),
}

_CTID = "_veil_ctid"
_MEASURE = (
    "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint"
    "::numeric), 0) FROM {relation} AS t"
)


@dataclass(frozen=True)
class _Column:
    name: str
    type: pa.DataType
    as_text: bool  # read as ``col::text``


def _pg_type(field: pa.Field) -> str:
    """The PostgreSQL column type for an Arrow field."""
    t = field.type
    if pa.types.is_dictionary(t):
        t = t.value_type
    simple = [
        (pa.types.is_boolean, "boolean"),
        (pa.types.is_int8, "smallint"),
        (pa.types.is_int16, "smallint"),
        (pa.types.is_uint8, "smallint"),
        (pa.types.is_int32, "integer"),
        (pa.types.is_uint16, "integer"),
        (pa.types.is_int64, "bigint"),
        (pa.types.is_uint32, "bigint"),
        (pa.types.is_uint64, "numeric(20, 0)"),
        (pa.types.is_float16, "real"),
        (pa.types.is_float32, "real"),
        (pa.types.is_float64, "double precision"),
        (pa.types.is_string, "text"),
        (pa.types.is_large_string, "text"),
        (pa.types.is_binary, "bytea"),
        (pa.types.is_large_binary, "bytea"),
        (pa.types.is_date, "date"),
        (pa.types.is_time, "time"),
        (pa.types.is_null, "text"),
    ]
    for test, name in simple:
        if test(t):
            return name
    if pa.types.is_timestamp(t):
        return "timestamp with time zone" if t.tz else "timestamp without time zone"
    if pa.types.is_decimal(t):
        return f"numeric({t.precision}, {t.scale})"
    raise TargetError(
        f"column {field.name!r} has type {t}, which veil does not write to PostgreSQL; "
        "change the policy's operator for it"
    )


def _python_column(array: pa.Array | pa.ChunkedArray) -> list[Any]:
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    return array.to_pylist()


class PostgresTarget(TableTarget):
    kind = "postgresql"

    def __init__(self, url: Any, table: str, schema: str | None = None) -> None:
        import sqlalchemy as sa

        self._url = url
        self.table = table
        # an unreachable host fails in seconds, not at the TCP timeout (the URL may say otherwise)
        given = "connect_timeout" in sa.engine.make_url(url).query
        timeout = {} if given else {"connect_timeout": 10}
        self._engine = sa.create_engine(url, pool_pre_ping=True, connect_args=timeout)
        sa.event.listen(self._engine, "connect", _utc_session)
        try:
            with self._engine.connect() as conn:
                self.db_schema = schema or str(
                    conn.exec_driver_sql("SELECT current_schema()").scalar_one()
                )
                exists = conn.execute(
                    sa.text("SELECT to_regclass(:name) IS NOT NULL"),
                    {"name": self._qual(table)},
                ).scalar_one()
        except TargetError:
            raise
        except Exception as exc:
            self._engine.dispose()
            raise TargetError(
                f"cannot connect to PostgreSQL at {display_url(url, table, schema)} "
                f"({error_summary(exc)})"
            ) from None
        self.ref = display_url(url, table, self.db_schema)
        if not exists:
            self._engine.dispose()
            raise TargetError(f"no table {self.db_schema}.{table} at {self.ref}")

    def _qual(self, name: str) -> str:
        return f"{quote_ident(self.db_schema)}.{quote_ident(name)}"

    def _fail(self, what: str, exc: Exception) -> TargetError:
        return TargetError(f"cannot {what} {self.ref} ({error_summary(exc)})")

    # -- reading -------------------------------------------------------------------------

    def _columns(self, conn: Any, name: str) -> list[_Column]:
        import sqlalchemy as sa

        rows = conn.execute(
            sa.text(
                "SELECT a.attname, t.typname, a.atttypmod FROM pg_attribute a "
                "JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = to_regclass(:name) AND a.attnum > 0 AND NOT a.attisdropped "
                "ORDER BY a.attnum"
            ),
            {"name": self._qual(name)},
        ).all()
        columns = []
        for attname, typname, typmod in rows:
            if typname == "numeric" and typmod >= 4:
                precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
                if precision <= 38:
                    columns.append(_Column(attname, pa.decimal128(precision, scale), False))
                    continue
            if typname in _READ_TYPES:
                columns.append(_Column(attname, _READ_TYPES[typname], False))
            else:
                columns.append(_Column(attname, pa.string(), True))
        return columns

    def _schema_of(self, conn: Any, name: str) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type) for c in self._columns(conn, name)])

    def schema(self) -> pa.Schema:
        with self._engine.connect() as conn:
            return self._schema_of(conn, self.table)

    def row_count(self) -> int:
        with self._engine.connect() as conn:
            return int(
                conn.exec_driver_sql(f"SELECT count(*) FROM {self._qual(self.table)}").scalar_one()
            )

    def read_batches(
        self, batch_rows: int = 50_000, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        with self._engine.connect() as conn:
            yield from self._stream(conn, self.table, batch_rows, columns)

    def _stream(
        self,
        conn: Any,
        name: str,
        batch_rows: int,
        columns: Sequence[str] | None,
        *,
        ctid: bool = False,
    ) -> Iterator[pa.RecordBatch]:
        """Table ``name``'s rows in batches, through a server-side cursor in ``conn``'s
        transaction; with ``ctid``, each row's ``ctid`` (as text) comes first."""
        wanted = set(columns) if columns else None
        cols = [c for c in self._columns(conn, name) if wanted is None or c.name in wanted]
        fields = [pa.field(c.name, c.type) for c in cols]
        selected = [quote_ident(c.name) + ("::text" if c.as_text else "") for c in cols]
        if ctid:
            fields.insert(0, pa.field(_CTID, pa.string()))
            selected.insert(0, "ctid::text")
        schema = pa.schema(fields)
        result = conn.execution_options(
            stream_results=True, max_row_buffer=batch_rows
        ).exec_driver_sql(f"SELECT {', '.join(selected)} FROM {self._qual(name)}")
        with contextlib.closing(result):  # the server-side cursor, also on an early stop
            for part in result.partitions(batch_rows):
                values: list[Sequence[Any]] = list(zip(*part, strict=True))
                yield pa.record_batch(
                    [pa.array(v, type=f.type) for v, f in zip(values, fields, strict=True)],
                    schema=schema,
                )

    def _measure(self, conn: Any, name: str) -> Measure:
        rows, total = conn.exec_driver_sql(_MEASURE.format(relation=self._qual(name))).one()
        return Measure(
            int(rows), schema_hash(self._schema_of(conn, name)), checksum_text(int(total))
        )

    def measure(self, backup: Backup | None = None) -> Measure:
        name = self.table if backup is None else backup.ref
        with self._engine.connect() as conn:
            if name not in self._tables(conn):
                raise TargetError(f"no table {self.db_schema}.{name} at {self.ref}")
            return self._measure(conn, name)

    # -- backups -------------------------------------------------------------------------

    def _tables(self, conn: Any) -> dict[str, str | None]:
        import sqlalchemy as sa

        rows = conn.execute(
            sa.text(
                "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p')"
            ),
            {"schema": self.db_schema},
        ).all()
        return {name: comment for name, comment in rows}

    def backup(self, facts: Mapping[str, Any] | None = None) -> Backup:
        try:
            with (
                self._engine.connect() as conn,
                conn.execution_options(isolation_level="REPEATABLE READ").begin(),
            ):
                name = backup_name(self.table, self._tables(conn))
                measure = self._measure(conn, self.table)
                backup, statements = self._backup_of(name, measure, facts)
                for statement in statements:
                    _ddl(conn, statement)
        except TargetError:
            raise
        except Exception as exc:
            raise self._fail("back up", exc) from None
        return backup

    def _commented_tables(self) -> dict[str, str | None]:
        with self._engine.connect() as conn:
            return self._tables(conn)

    def backup_schema(self, backup: Backup) -> pa.Schema:
        with self._engine.connect() as conn:
            return self._schema_of(conn, self._ours(backup))

    def read_backup(
        self, backup: Backup, batch_rows: int = 50_000, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        name = self._ours(backup)
        with self._engine.connect() as conn:
            yield from self._stream(conn, name, batch_rows, columns)

    def erase_from_backup(
        self, backup: Backup, match: RowMatch, erasure: Mapping[str, Any]
    ) -> Backup:
        name = self._ours(backup)
        qual = self._qual(name)
        try:
            with self._engine.begin() as conn:
                if name not in self._tables(conn):
                    raise TargetError(f"the backup table {self.db_schema}.{name} is gone")
                _ddl(conn, f"LOCK TABLE {qual} IN EXCLUSIVE MODE")
                ctids = [
                    ctid
                    for batch in self._stream(conn, name, 50_000, match.columns, ctid=True)
                    for ctid in batch.column(_CTID).filter(match.mask(batch)).to_pylist()
                ]
                if not ctids:
                    return backup
                _delete_rows(conn, qual, ctids)
                after = backup.after_erasure(self._measure(conn, name), erasure)
                _ddl(conn, self._comment_on(after))
        except Exception as exc:
            if isinstance(exc, VeilError) or not _is_database_error(exc):
                raise
            raise self._fail(f"erase rows from backup {name} of", exc) from None
        return after

    def _drop_table(self, name: str) -> None:
        with self._engine.begin() as conn:
            _ddl(conn, f"DROP TABLE IF EXISTS {self._qual(name)}")

    # -- swapping ------------------------------------------------------------------------

    def _swap(self, fill: Any, guard: Backup | None, what: str) -> int:
        try:
            with self._engine.begin() as conn:
                new = unique_name(STAGING_PREFIX, self.table, self._tables(conn))
                rows = int(fill(conn, new))
                exists = self.table in self._tables(conn)
                if exists:
                    _ddl(conn, f"LOCK TABLE {self._qual(self.table)} IN ACCESS EXCLUSIVE MODE")
                if (
                    guard is not None
                    and exists
                    and self._measure(conn, self.table) != guard.measure
                ):
                    raise TargetChangedError(self.ref, guard.ref)
                _ddl(conn, f"DROP TABLE IF EXISTS {self._qual(self.table)}")
                _ddl(conn, f"ALTER TABLE {self._qual(new)} RENAME TO {quote_ident(self.table)}")
        except TargetError:
            raise
        except Exception as exc:
            from veil.errors import VeilError

            if isinstance(exc, VeilError) or not _is_database_error(exc):
                raise
            raise self._fail(what, exc) from None
        return rows

    def replace(
        self,
        batches: Iterable[pa.RecordBatch],
        schema: pa.Schema,
        *,
        guard: Backup | None = None,
    ) -> int:
        columns = ", ".join(f"{quote_ident(f.name)} {_pg_type(f)}" for f in schema)
        names = ", ".join(quote_ident(f.name) for f in schema)

        def fill(conn: Any, new: str) -> int:
            _ddl(conn, f"CREATE TABLE {self._qual(new)} ({columns})")
            rows = 0
            raw = conn.connection.driver_connection
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {self._qual(new)} ({names}) FROM STDIN") as copy,
            ):
                for batch in batches:
                    if batch.num_rows == 0:
                        continue
                    values = [_python_column(col) for col in batch.columns]
                    for row in zip(*values, strict=True):
                        copy.write_row(row)
                    rows += batch.num_rows
            return rows

        return self._swap(fill, guard, "replace the content of")

    def restore(self, backup: Backup) -> Verification:
        with self._engine.connect() as conn:
            if backup.ref not in self._tables(conn):
                raise TargetError(f"the backup table {self.db_schema}.{backup.ref} is gone")

        def fill(conn: Any, new: str) -> int:
            _ddl(conn, f"CREATE TABLE {self._qual(new)} AS SELECT * FROM {self._qual(backup.ref)}")
            return backup.rows

        self._swap(fill, None, "restore")
        return self.verify_current(backup)

    def close(self) -> None:
        self._engine.dispose()


def _ddl(conn: Any, sql: str) -> None:
    """A statement without parameters, run by the driver as it is (``%`` and ``:`` are not
    placeholders), in ``conn``'s transaction."""
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(sql)


def _delete_rows(conn: Any, qual: str, ctids: list[str]) -> None:
    """Delete the rows of table ``qual`` whose ``ctid`` is listed, in ``conn``'s transaction;
    the list is the statement's one parameter (the name's ``%`` is escaped)."""
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(f"DELETE FROM {qual.replace('%', '%%')} WHERE ctid = ANY(%s::tid[])", [ctids])


def _is_database_error(exc: BaseException) -> bool:
    import sqlalchemy as sa

    return isinstance(exc, sa.exc.SQLAlchemyError) or type(exc).__module__.startswith("psycopg")


def _utc_session(dbapi_connection: Any, _record: Any) -> None:
    """Every session in UTC: times read, and rows' text forms hashed, the same anywhere."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.autocommit = autocommit


def display_url(url: Any, table: str, schema: str | None) -> str:
    """``postgresql://host:port/db?table=schema.table``: no user, password or other
    parameters (the reference veil prints, stores and audits)."""
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    qualified = f"{schema}.{table}" if schema else table
    return f"postgresql://{host}{port}/{url.database or ''}?table={qualified}"
