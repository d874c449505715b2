"""A table in a DuckDB database file: ``duckdb:///path/to/file.duckdb?table=users``
(``table=schema.users`` for another schema than ``main``).

- **Backup**: ``CREATE TABLE veil_backup_<table>_<time> AS SELECT * FROM <table>`` in the same
  schema of the same file, in one transaction that also measures the table; the backup's
  facts (rows, schema hash, checksum; no values) are its table comment, so ``backups`` finds
  them again.
- **Replace**: one transaction creates ``veil_new_<table>_<time>``, appends the new batches,
  checks the table still matches the backup, drops the table and renames the new one to its
  name. A failure before ``COMMIT`` rolls all of it back.
- **Restore**: the same swap, from a copy of the backup table (the backup stays).
- **Erasure from a backup**: in one transaction, the backup's ``rowid``s of the rows a
  :class:`~veil.inplace.base.RowMatch` selects are gathered, those rows deleted and the
  comment rewritten with the new measure (no value reaches the SQL text).

The file stays open (and so locked against other processes) from opening the target to
closing it. Indexes and constraints of the table are not carried over to the new table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

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
    duckdb_measure,
    error_summary,
    quote_ident,
    unique_name,
    utc_duckdb,
)
from veil.inplace.errors import TargetChangedError, TargetError

_BATCH_VIEW = "_veil_inplace_batch"
_ROWIDS_VIEW = "_veil_inplace_rowids"
_ROWID = "_veil_rowid"
T = TypeVar("T")


class DuckDBTarget(TableTarget):
    kind = "duckdb"

    def __init__(self, path: Path, table: str, schema: str = "main") -> None:
        self.path = path.expanduser().resolve()
        self.table = table
        self.db_schema = schema
        self.ref = f"duckdb://{self.path}?table={schema}.{table}"
        if not self.path.is_file():
            raise TargetError(f"no DuckDB database file at {self.path}")
        try:
            self._con: Any = utc_duckdb(str(self.path))
        except Exception as exc:
            raise TargetError(
                f"cannot open the DuckDB file {self.path} ({error_summary(exc)}); another "
                "process may hold it open"
            ) from None
        if table not in self._tables():
            self.close()
            raise TargetError(f"no table {schema}.{table} in {self.path}")

    # -- names -------------------------------------------------------------------------

    def _qual(self, name: str) -> str:
        return f"{quote_ident(self.db_schema)}.{quote_ident(name)}"

    def _tables(self) -> dict[str, str | None]:
        rows = self._con.execute(
            "SELECT table_name, comment FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name = ?",
            [self.db_schema],
        ).fetchall()
        return {name: comment for name, comment in rows}

    # -- reading -------------------------------------------------------------------------

    def schema(self) -> pa.Schema:
        return self._schema_of(self.table)

    def _schema_of(self, name: str) -> pa.Schema:
        return self._con.sql(f"SELECT * FROM {self._qual(name)} LIMIT 0").to_arrow_table().schema

    def row_count(self) -> int:
        return int(
            self._con.execute(f"SELECT count(*) FROM {self._qual(self.table)}").fetchall()[0][0]
        )

    def read_batches(
        self, batch_rows: int = 50_000, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        return self._read(self.table, batch_rows, columns)

    def _read(
        self, name: str, batch_rows: int, columns: Sequence[str] | None
    ) -> Iterator[pa.RecordBatch]:
        cols = ", ".join(quote_ident(c) for c in columns) if columns else "*"
        cursor = self._con.cursor()  # its own connection: the swap's transaction is another
        try:
            cursor.execute("SET TimeZone = 'UTC'")
            query = cursor.sql(f"SELECT {cols} FROM {self._qual(name)}")
            yield from query.to_arrow_reader(batch_rows)
        finally:
            cursor.close()

    def measure(self, backup: Backup | None = None) -> Measure:
        name = self.table if backup is None else backup.ref
        if name not in self._tables():
            raise TargetError(f"no table {self.db_schema}.{name} in {self.path}")
        return duckdb_measure(self._con, self._qual(name), self._schema_of(name))

    # -- backups -------------------------------------------------------------------------

    def _transaction(self, what: str, work: Callable[[], T]) -> T:
        """``work()`` in one transaction: committed when it returns, rolled back when it
        raises (a database's error becomes a :class:`TargetError` without its text)."""
        self._con.execute("BEGIN TRANSACTION")
        try:
            result = work()
            self._con.execute("COMMIT")
        except BaseException as exc:
            self._con.execute("ROLLBACK")
            if isinstance(exc, Exception) and not isinstance(exc, VeilError):
                raise TargetError(f"cannot {what} ({error_summary(exc)})") from None
            raise
        return result

    def backup(self, facts: Mapping[str, Any] | None = None) -> Backup:
        name = backup_name(self.table, self._tables())

        def work() -> Backup:
            backup, statements = self._backup_of(name, self.measure(), facts)
            for statement in statements:
                self._con.execute(statement)
            return backup

        return self._transaction(f"back up {self.ref}", work)

    def backup_schema(self, backup: Backup) -> pa.Schema:
        return self._schema_of(self._ours(backup))

    def read_backup(
        self, backup: Backup, batch_rows: int = 50_000, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        return self._read(self._ours(backup), batch_rows, columns)

    def erase_from_backup(
        self, backup: Backup, match: RowMatch, erasure: Mapping[str, Any]
    ) -> Backup:
        name = self._ours(backup)
        if name not in self._tables():
            raise TargetError(f"the backup table {self.db_schema}.{name} is gone")

        def work() -> Backup:
            rowids = self._selected_rowids(name, match)
            if not rowids:
                return backup
            self._con.register(_ROWIDS_VIEW, pa.table({"id": pa.array(rowids, pa.int64())}))
            try:
                self._con.execute(
                    f"DELETE FROM {self._qual(name)} WHERE rowid IN (SELECT id FROM {_ROWIDS_VIEW})"
                )
            finally:
                self._con.unregister(_ROWIDS_VIEW)
            after = backup.after_erasure(self.measure(backup), erasure)
            self._con.execute(self._comment_on(after))
            return after

        return self._transaction(f"erase rows from backup {name} of {self.ref}", work)

    def _selected_rowids(self, name: str, match: RowMatch) -> list[int]:
        """The ``rowid`` of each row of table ``name`` that ``match`` selects, read in this
        connection's transaction (rowids hold until it ends)."""
        cols = ", ".join(quote_ident(c) for c in match.columns)
        query = self._con.sql(f"SELECT rowid AS {_ROWID}, {cols} FROM {self._qual(name)}")
        rowids: list[int] = []
        for batch in query.to_arrow_reader(50_000):
            rowids += batch.column(_ROWID).filter(match.mask(batch)).to_pylist()
        return rowids

    def _commented_tables(self) -> dict[str, str | None]:
        return self._tables()

    def _drop_table(self, name: str) -> None:
        self._con.execute(f"DROP TABLE IF EXISTS {self._qual(name)}")

    # -- swapping ------------------------------------------------------------------------

    def _swap(self, fill: Any, guard: Backup | None) -> int:
        """In one transaction: a new table filled by ``fill(name) -> rows``, then the
        table dropped and the new one renamed to its name."""
        new = unique_name(STAGING_PREFIX, self.table, self._tables())
        self._con.execute("BEGIN TRANSACTION")
        try:
            rows = int(fill(new))
            if guard is not None and self.table in self._tables():
                now = self.measure()
                if now != guard.measure:
                    raise TargetChangedError(self.ref, guard.ref)
            self._con.execute(f"DROP TABLE IF EXISTS {self._qual(self.table)}")
            self._con.execute(f"ALTER TABLE {self._qual(new)} RENAME TO {quote_ident(self.table)}")
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        return rows

    def replace(
        self,
        batches: Iterable[pa.RecordBatch],
        schema: pa.Schema,
        *,
        guard: Backup | None = None,
    ) -> int:
        def fill(new: str) -> int:
            rows = 0
            self._con.register(_BATCH_VIEW, schema.empty_table())
            try:
                self._con.execute(f"CREATE TABLE {self._qual(new)} AS SELECT * FROM {_BATCH_VIEW}")
            finally:
                self._con.unregister(_BATCH_VIEW)
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                self._con.register(_BATCH_VIEW, batch)
                try:
                    self._con.execute(f"INSERT INTO {self._qual(new)} SELECT * FROM {_BATCH_VIEW}")
                finally:
                    self._con.unregister(_BATCH_VIEW)
                rows += batch.num_rows
            return rows

        return self._swap(fill, guard)

    def restore(self, backup: Backup) -> Verification:
        if backup.ref not in self._tables():
            raise TargetError(f"the backup table {self.db_schema}.{backup.ref} is gone")

        def fill(new: str) -> int:
            self._con.execute(
                f"CREATE TABLE {self._qual(new)} AS SELECT * FROM {self._qual(backup.ref)}"
            )
            return backup.rows

        self._swap(fill, None)
        return self.verify_current(backup)

    def close(self) -> None:
        con, self._con = getattr(self, "_con", None), None
        if con is not None:
            con.close()
