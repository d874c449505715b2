"""What every in-place target can do, and what they share.

A :class:`Target` is an existing table (DuckDB, PostgreSQL, a Parquet dataset, a Delta Lake
table). veil reads it in Arrow batches, backs it up, verifies the backup, replaces its
content atomically with the anonymized rows, and can put a backup back.

A table's content is summarised by a :class:`Measure`: its row count, a hash of its schema
(column names and Arrow types) and an order-independent content checksum (the sum, modulo
2^128, of a 64-bit MD5 prefix of each row's canonical JSON text; PostgreSQL uses the row's
text form). Equal measures mean the same rows, in any order. A measure holds hashes and
counts only, so it may be stored and logged; it never holds a value.

A backup holds the raw rows, so a subject's erasure must reach it
(:mod:`veil.jobs.subject_backups`): :meth:`Target.erase_from_backup` deletes the rows a
:class:`RowMatch` selects and records the backup's new measure with the erasure (a subject
reference and a count), so the backup still verifies and restores. A Delta backup is a
version of the table, which cannot change: :meth:`Target.vacuum` removes older versions whole.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa
import pyarrow.compute as pc

from veil.errors import VeilError

#: name prefixes of what veil creates next to a table (backups, staged new content)
BACKUP_PREFIX = "veil_backup_"
STAGING_PREFIX = "veil_new_"


def schema_hash(schema: pa.Schema) -> str:
    """sha256 of the column names and Arrow types (metadata ignored), 16 hex digits."""
    text = json.dumps([[f.name, str(f.type)] for f in schema])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def stamp(now: datetime | None = None) -> str:
    """A UTC time for names: ``20261122_100000``."""
    return (now or datetime.now(UTC)).strftime("%Y%m%d_%H%M%S")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def backup_name(table: str, taken: Iterable[str], *, limit: int = 63) -> str:
    """``veil_backup_<table>_<time>``, unique among ``taken``, at most ``limit`` characters
    (a long table name is shortened and given a hash, so two long names stay apart)."""
    return unique_name(BACKUP_PREFIX, table, taken, limit=limit)


def unique_name(prefix: str, table: str, taken: Iterable[str], *, limit: int = 63) -> str:
    ts = stamp()
    base = table
    room = limit - len(prefix) - len(ts) - 4  # "_" + a possible "_NN" suffix
    if len(base) > room:
        digest = hashlib.sha256(table.encode()).hexdigest()[:6]
        base = f"{table[: max(1, room - 7)]}_{digest}"
    name = f"{prefix}{base}_{ts}"
    names = {t.lower() for t in taken}
    n = 1
    candidate = name
    while candidate.lower() in names:
        n += 1
        candidate = f"{name}_{n}"
    return candidate


def error_summary(exc: BaseException) -> str:
    """What failed, without the exception's text (which may quote a value): a veil error's
    message (veil's are value-free), else the type, with a database's SQLSTATE if it has one."""
    if isinstance(exc, VeilError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    name = type(orig).__name__
    return f"{name}, SQLSTATE {code}" if code else name


def debug_cause(exc: BaseException) -> BaseException | None:
    """The exception to chain to a veil error: veil's own, or any with ``VEIL_DEBUG=1``
    (a traceback may quote values from the table)."""
    if isinstance(exc, VeilError) or os.environ.get("VEIL_DEBUG") == "1":
        return exc
    return None


@dataclass(frozen=True)
class Measure:
    """Rows, schema hash and content checksum of a table or a backup (no values)."""

    rows: int
    schema_hash: str
    checksum: str

    def differences(self, other: Measure, what: str = "the backup") -> list[str]:
        """What differs from ``other`` (the expected measure), in words."""
        problems = []
        if self.rows != other.rows:
            problems.append(f"{what} has {self.rows:,} rows, expected {other.rows:,}")
        if self.schema_hash != other.schema_hash:
            problems.append(f"{what}'s columns or types differ")
        if self.checksum != other.checksum:
            problems.append(f"{what}'s content checksum differs")
        return problems


@dataclass(frozen=True)
class Backup:
    """A backup of a target: ``ref`` is what ``veil inplace restore --backup`` takes; the
    measure is the original table's when the backup was taken."""

    target: str
    kind: str
    ref: str
    created: str
    rows: int
    schema_hash: str
    checksum: str
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def taken(cls, target: Any, ref: str, measure: Measure, details: dict[str, Any]) -> Backup:
        """A backup of ``target`` taken now, whose original had ``measure``."""
        return cls(
            target.ref,
            target.kind,
            ref,
            now_iso(),
            measure.rows,
            measure.schema_hash,
            measure.checksum,
            details,
        )

    @property
    def measure(self) -> Measure:
        return Measure(self.rows, self.schema_hash, self.checksum)

    def after_erasure(self, measure: Measure, erasure: Mapping[str, Any], **details: Any) -> Backup:
        """This backup once rows were erased from it: its new measure (what verification and
        a restore check against), ``erasure`` (a subject reference and when) with the rows
        removed appended to ``details["erasures"]``, and other ``details`` replaced."""
        done = {**erasure, "rows_removed": self.rows - measure.rows}
        erasures = [*self.details.get("erasures", []), done]
        return replace(
            self,
            rows=measure.rows,
            checksum=measure.checksum,
            details={**self.details, **details, "erasures": erasures},
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Backup:
        return cls(
            target=str(data["target"]),
            kind=str(data["kind"]),
            ref=str(data["ref"]),
            created=str(data["created"]),
            rows=int(data["rows"]),
            schema_hash=str(data["schema_hash"]),
            checksum=str(data["checksum"]),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True)
class Verification:
    """A backup (or a restored table) checked against the measure it should have."""

    ok: bool
    measured: Measure | None
    problems: tuple[str, ...] = ()


def compare(measured: Measure, expected: Measure, what: str) -> Verification:
    problems = measured.differences(expected, what)
    return Verification(not problems, measured, tuple(problems))


@dataclass(frozen=True)
class RowMatch:
    """Rows to select: ``mask`` of a batch holding (at least) ``columns`` is true for them
    (a boolean array without nulls). The test runs in Python, so a keyed hash can decide it
    and no value reaches a SQL statement or a log."""

    columns: tuple[str, ...]
    mask: Callable[[pa.RecordBatch], pa.Array]

    def count(self, batches: Iterable[pa.RecordBatch]) -> int:
        """How many rows of ``batches`` it selects."""
        return sum(int(pc.sum(self.mask(b)).as_py() or 0) for b in batches if b.num_rows)


@runtime_checkable
class Target(Protocol):
    """An existing table that veil anonymizes where it lives."""

    #: ``duckdb``, ``postgresql``, ``parquet`` or ``delta``
    kind: str
    #: the target's URI without credentials (for messages, results and the audit log)
    ref: str

    def schema(self) -> pa.Schema:
        """The table's Arrow schema."""
        ...

    def row_count(self) -> int: ...

    def read_batches(
        self, batch_rows: int = 50_000, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The table's rows (``columns`` only, if given) in Arrow batches of at most
        ``batch_rows`` rows."""
        ...

    def measure(self, backup: Backup | None = None) -> Measure:
        """The table's measure, or (with ``backup``) the backup copy's."""
        ...

    def backup(self, facts: Mapping[str, Any] | None = None) -> Backup:
        """Copy the table (or note its version) and record its measure, with ``facts`` in
        its details (what else it should know, such as the run's subject column; no
        values)."""
        ...

    def backup_schema(self, backup: Backup) -> pa.Schema:
        """The Arrow schema of the backup's rows."""
        ...

    def read_backup(
        self, backup: Backup, batch_rows: int = 50_000, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The rows the backup still holds (``columns`` only), read as :meth:`read_batches`
        reads the table."""
        ...

    def erase_from_backup(
        self, backup: Backup, match: RowMatch, erasure: Mapping[str, Any]
    ) -> Backup | None:
        """Delete the rows ``match`` selects from the backup atomically, recording its new
        measure and ``erasure`` (:meth:`Backup.after_erasure`): the backup as it now is.
        ``None`` when the backup cannot change (a Delta version: see :meth:`vacuum`)."""
        ...

    def vacuum(self) -> int:
        """Delete the files of the table's older versions, so no backup that is one of them
        can be read again; how many files. 0 where backups are copies, not versions."""
        ...

    def verify(self, backup: Backup) -> Verification:
        """The backup is restorable: its copy has the rows, schema and checksum recorded."""
        ...

    def replace(
        self,
        batches: Iterable[pa.RecordBatch],
        schema: pa.Schema,
        *,
        guard: Backup | None = None,
    ) -> int:
        """Replace the table's content with ``batches`` atomically (readers see the old table
        or the new one); returns the rows written. With ``guard``, refuse
        (:class:`~veil.inplace.errors.TargetChangedError`) if the table no longer matches
        that backup (another writer changed it)."""
        ...

    def restore(self, backup: Backup) -> Verification:
        """Put the backup back atomically and verify the table against it."""
        ...

    def drop_backup(self, backup: Backup) -> bool:
        """Delete the backup; False when there is nothing to delete (Delta versions)."""
        ...

    def backups(self) -> list[Backup]:
        """veil's backups of this table, oldest first."""
        ...

    def find_backup(self, ref: str) -> Backup:
        """The backup named ``ref`` (as :meth:`backups` lists them)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...


class TargetBase:
    """Shared behaviour: verification by measure, lookup of a backup, context manager."""

    kind = ""
    ref = ""

    def measure(self, backup: Backup | None = None) -> Measure:  # pragma: no cover
        raise NotImplementedError

    def backups(self) -> list[Backup]:  # pragma: no cover
        raise NotImplementedError

    def verify(self, backup: Backup) -> Verification:
        return compare(self.measure(backup), backup.measure, "the backup")

    def verify_current(self, backup: Backup) -> Verification:
        """The table itself against a backup's measure (after a restore)."""
        return compare(self.measure(), backup.measure, "the restored table")

    def vacuum(self) -> int:
        return 0

    def find_backup(self, ref: str) -> Backup:
        from veil.inplace.errors import TargetError

        wanted = self.normalize_ref(ref)
        found = [b for b in self.backups() if b.ref == wanted]
        if not found:
            known = ", ".join(b.ref for b in self.backups()[-5:]) or "none"
            raise TargetError(
                f"no backup {ref!r} of {self.ref} (veil's backups: {known}; "
                f"`veil inplace backups {self.ref}` lists them)"
            )
        return found[-1]

    def normalize_ref(self, ref: str) -> str:
        """A backup reference as the user typed it, in the form :meth:`backups` lists."""
        return ref.strip()

    def close(self) -> None:
        pass

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TableTarget(TargetBase):
    """A table in a database (DuckDB, PostgreSQL): its backups are tables of the same schema
    named ``veil_backup_…``, whose comment holds the backup's facts."""

    table = ""
    db_schema = ""

    def _of(self) -> str:
        """The table's identity in its backups (the file or server may be reached otherwise)."""
        return f"{self.db_schema}.{self.table}"

    def _commented_tables(self) -> dict[str, str | None]:  # pragma: no cover
        """The schema's tables and their comments."""
        raise NotImplementedError

    def _drop_table(self, name: str) -> None:  # pragma: no cover
        raise NotImplementedError

    def _backup_of(
        self, name: str, measure: Measure, facts: Mapping[str, Any] | None
    ) -> tuple[Backup, list[str]]:
        """The backup ``name`` of the table, and the statements that make it (a copy, then
        its comment), to run in one transaction."""
        details = {**(facts or {}), "table": f"{self.db_schema}.{name}", "of": self._of()}
        backup = Backup.taken(self, name, measure, details)
        qual = f"{quote_ident(self.db_schema)}.{quote_ident(name)}"
        table = f"{quote_ident(self.db_schema)}.{quote_ident(self.table)}"
        return backup, [
            f"CREATE TABLE {qual} AS SELECT * FROM {table}",
            self._comment_on(backup),
        ]

    def _comment_on(self, backup: Backup) -> str:
        """The statement that makes ``backup``'s facts its table's comment."""
        qual = f"{quote_ident(self.db_schema)}.{quote_ident(backup.ref)}"
        return f"COMMENT ON TABLE {qual} IS {sql_str(backup_comment(backup))}"

    def backups(self) -> list[Backup]:
        found = []
        for name, comment in self._commented_tables().items():
            if not name.startswith(BACKUP_PREFIX):
                continue
            b = backup_from_comment(comment)
            if b is not None and b.ref == name and b.details.get("of") == self._of():
                found.append(b)
        return sorted(found, key=lambda b: (b.created, b.ref))

    def _ours(self, backup: Backup) -> str:
        """The backup's table name, once it is known to be one of veil's backups (never the
        table itself: dropping or erasing from it would change the user's data)."""
        from veil.inplace.errors import TargetError

        if backup.ref == self.table or not backup.ref.startswith(BACKUP_PREFIX):
            raise TargetError(f"{backup.ref!r} is not one of veil's backups of {self.ref}")
        return backup.ref

    def drop_backup(self, backup: Backup) -> bool:
        self._drop_table(self._ours(backup))
        return True


def backup_comment(backup: Backup) -> str:
    """The JSON a database backup table carries as its comment (no values)."""
    return json.dumps({"veil_backup": 1, **backup.to_dict()}, sort_keys=True)


def backup_from_comment(comment: str | None) -> Backup | None:
    if not comment:
        return None
    try:
        data = json.loads(comment)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("veil_backup") != 1:
        return None
    try:
        return Backup.from_dict(data)
    except (KeyError, TypeError, ValueError):
        return None


def quote_ident(name: str) -> str:
    """A SQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


def sql_str(text: str) -> str:
    """A SQL string literal, single-quoted."""
    return "'" + text.replace("'", "''") + "'"


#: a row's checksum term in DuckDB: a 64-bit MD5 prefix of its canonical JSON (names and
#: values, JSON-escaped; times in UTC), summed over the rows as a 128-bit integer
_DUCKDB_MEASURE = (
    "SELECT count(*), coalesce(sum(md5_number_upper(to_json(t)::VARCHAR)::HUGEINT), 0) "
    "FROM {relation} AS t"
)


def duckdb_measure(con: Any, relation: str, schema: pa.Schema) -> Measure:
    """The measure of ``relation`` (a table name or table function, already quoted) on a
    DuckDB connection whose ``TimeZone`` is UTC."""
    [(rows, total)] = con.execute(_DUCKDB_MEASURE.format(relation=relation)).fetchall()
    return Measure(int(rows), schema_hash(schema), checksum_text(int(total)))


def checksum_text(total: int) -> str:
    """The checksum as stored: ``md5sum:`` and 32 hex digits (the sum modulo 2^128)."""
    return f"md5sum:{total % (1 << 128):032x}"


def utc_duckdb(database: str = ":memory:", **kwargs: Any) -> Any:
    """A DuckDB connection with ``TimeZone`` UTC (times print and hash the same anywhere)."""
    import duckdb

    con = duckdb.connect(database, **kwargs)
    con.execute("SET TimeZone = 'UTC'")
    return con
