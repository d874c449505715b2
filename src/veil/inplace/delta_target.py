"""A Delta Lake table: ``delta:///path/to/table`` (the ``deltalake`` package, delta-rs).

Delta keeps every version, so the table's history is the snapshot:

- **Backup**: the current version number (``version:N``), with the table's measure at N.
- **Verify**: version N loads (its files are still there) and its measure is the recorded one.
- **Replace**: ``write_deltalake(mode="overwrite", schema_mode="overwrite")`` commits a new
  version atomically (a failed write commits nothing). The commit carries veil's facts as
  custom metadata (``veil.inplace: run`` and the backup's version, rows and checksum; no
  values), which is how ``backups`` finds them in the history. The write is refused when the
  table moved past N since the backup (another writer).
- **Restore**: ``DeltaTable.restore(N)``, a new version with version N's content.

A backup cannot be dropped here: old versions go only with ``VACUUM`` (and the log's
retention), which is the table owner's decision, and after which they cannot be restored.

Nor can rows be erased from a backup: a version never changes. :meth:`DeltaTarget.vacuum`
(``veil subject erase --vacuum``) runs ``VACUUM`` with retention 0 (``full``: every file the
current version does not use, tombstoned or not), after which no older version can be read
or restored. It never deletes a file the current version uses; it does delete files a reader
of an older version, or a writer that has not committed yet, is using, so run it while no one
else writes the table. Files the current version still uses stay, and so do their rows (a
table restored from a backup uses the backup's files).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from veil.inplace.base import (
    Backup,
    Measure,
    RowMatch,
    TargetBase,
    Verification,
    compare,
    duckdb_measure,
    error_summary,
)
from veil.inplace.errors import TargetChangedError, TargetError
from veil.jobs.prefetch import prefetch

_VIEW = "_veil_delta"


class DeltaTarget(TargetBase):
    kind = "delta"

    def __init__(self, path: Path) -> None:
        from deltalake import DeltaTable

        self.path = path.expanduser().resolve()
        self.ref = f"delta://{self.path}"
        if not DeltaTable.is_deltatable(str(self.path)):
            raise TargetError(f"no Delta Lake table at {self.path} (no _delta_log)")

    def _table(self, version: int | None = None) -> Any:
        from deltalake import DeltaTable

        try:
            return DeltaTable(str(self.path), version=version)
        except Exception as exc:
            what = f"version {version} of " if version is not None else ""
            raise TargetError(f"cannot load {what}{self.ref} ({error_summary(exc)})") from None

    def _dataset(self, version: int | None = None) -> Any:
        return self._table(version).to_pyarrow_dataset()

    def version(self) -> int:
        return int(self._table().version())

    # -- reading -------------------------------------------------------------------------

    def schema(self) -> pa.Schema:
        schema: pa.Schema = self._dataset().schema
        return schema

    def row_count(self) -> int:
        return int(self._dataset().count_rows())

    def read_batches(
        self, batch_rows: int = 50_000, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        return _batches(self._dataset(), batch_rows, columns)

    def _measure_version(self, version: int | None) -> Measure:
        from veil.inplace.base import utc_duckdb

        dataset = self._dataset(version)
        con = utc_duckdb()
        try:
            con.register(_VIEW, dataset)
            return duckdb_measure(con, _VIEW, dataset.schema)
        except TargetError:
            raise
        except Exception as exc:
            raise TargetError(f"cannot read {self.ref} ({error_summary(exc)})") from None
        finally:
            con.close()

    def measure(self, backup: Backup | None = None) -> Measure:
        return self._measure_version(None if backup is None else _version_of(backup.ref))

    # -- backups -------------------------------------------------------------------------

    def backup(self, facts: Mapping[str, Any] | None = None) -> Backup:
        version = self.version()
        m = self._measure_version(version)
        return Backup.taken(self, f"version:{version}", m, {**(facts or {}), "version": version})

    def backup_schema(self, backup: Backup) -> pa.Schema:
        schema: pa.Schema = self._dataset(_version_of(backup.ref)).schema
        return schema

    def read_backup(
        self, backup: Backup, batch_rows: int = 50_000, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The rows of the backup's version that its files still hold: all of them before a
        VACUUM, none after one unless the current version still uses some of its files."""
        table = self._table(_version_of(backup.ref))
        files = list(table.file_uris())
        present = [f for f in files if Path(f).is_file()]
        if len(present) == len(files):
            return _batches(table.to_pyarrow_dataset(), batch_rows, columns)
        if not present:
            return iter(())
        return _batches(ds.dataset(present, format="parquet"), batch_rows, columns)

    def erase_from_backup(
        self, backup: Backup, match: RowMatch, erasure: Mapping[str, Any]
    ) -> None:
        """Nothing: the backup is a version, and a version never changes (a Delta delete
        writes a new version and leaves this one as it is); :meth:`vacuum` removes it."""
        return None

    def vacuum(self) -> int:
        from deltalake import CommitProperties

        deleted = self._table().vacuum(
            retention_hours=0,
            dry_run=False,
            enforce_retention_duration=False,
            full=True,
            commit_properties=CommitProperties(custom_metadata={"veil.inplace": "vacuum"}),
        )
        return len(deleted)

    def verify(self, backup: Backup) -> Verification:
        try:
            measured = self.measure(backup)
        except TargetError as exc:
            return Verification(False, None, (str(exc),))
        return compare(measured, backup.measure, "the backup version")

    def backups(self) -> list[Backup]:
        found = []
        for entry in self._table().history():
            if entry.get("veil.inplace") != "run" or "veil.backup" not in entry:
                continue
            try:
                found.append(Backup.from_dict(json.loads(entry["veil.backup"])))
            except (ValueError, KeyError, TypeError):
                continue
        return sorted(found, key=lambda b: _version_of(b.ref))

    def find_backup(self, ref: str) -> Backup:
        """Any version of the table, listed by ``backups`` or not (Delta keeps them all)."""
        wanted = self.normalize_ref(ref)
        for b in self.backups():
            if b.ref == wanted:
                return b
        version = _version_of(wanted)
        m = self._measure_version(version)
        return Backup.taken(self, wanted, m, {"version": version})

    def normalize_ref(self, ref: str) -> str:
        return f"version:{_version_of(ref.strip())}"

    def drop_backup(self, backup: Backup) -> bool:
        return False

    # -- swapping ------------------------------------------------------------------------

    def replace(
        self,
        batches: Iterable[pa.RecordBatch],
        schema: pa.Schema,
        *,
        guard: Backup | None = None,
    ) -> int:
        from deltalake import CommitProperties, write_deltalake

        table = self._table()
        if guard is not None and int(table.version()) != _version_of(guard.ref):
            raise TargetChangedError(
                self.ref, guard.ref, f"the table is at version {table.version()}"
            )
        counted = [0]
        failure: list[BaseException] = []

        def count() -> Iterator[pa.RecordBatch]:
            # delta-rs pulls from its own runtime's threads, where nothing may load a Delta
            # table (or block on one): the batches are made on a Python thread instead
            try:
                for batch in prefetch(batches):
                    counted[0] += batch.num_rows
                    yield batch
            except BaseException as exc:  # delta-rs wraps it with its text: keep the original
                failure.append(exc)
                raise

        reader = pa.RecordBatchReader.from_batches(schema, count())
        metadata = {"veil.inplace": "run"}
        if guard is not None:
            metadata["veil.backup"] = json.dumps(guard.to_dict(), sort_keys=True)
        try:
            write_deltalake(
                table,
                reader,
                mode="overwrite",
                schema_mode="overwrite",
                commit_properties=CommitProperties(custom_metadata=metadata),
            )
        except BaseException as exc:
            if failure:
                raise failure[0] from None
            if isinstance(exc, Exception):
                raise TargetError(
                    f"cannot write a new version of {self.ref} ({error_summary(exc)})"
                ) from None
            raise
        return counted[0]

    def restore(self, backup: Backup) -> Verification:
        from deltalake import CommitProperties

        version = _version_of(backup.ref)
        table = self._table()
        if int(table.version()) == version:  # nothing to undo
            return self.verify_current(backup)
        table.restore(
            version,
            commit_properties=CommitProperties(
                custom_metadata={"veil.inplace": "restore", "veil.restored": str(version)}
            ),
        )
        return self.verify_current(backup)

    def history(self) -> list[dict[str, Any]]:
        """The table's commits, newest first (delta-rs's ``history``)."""
        return list(self._table().history())


def _batches(
    dataset: Any, batch_rows: int, columns: Sequence[str] | None
) -> Iterator[pa.RecordBatch]:
    # loaded now, not on the first pull: delta-rs may pull from its own runtime's thread
    batches = dataset.to_batches(columns=list(columns) if columns else None, batch_size=batch_rows)
    return (batch for batch in batches if batch.num_rows)


def _version_of(ref: str) -> int:
    text = ref.removeprefix("version:").removeprefix("v")
    if not text.isdigit():
        raise TargetError(
            f"{ref!r} is not a Delta backup reference: give a version, such as version:3"
        )
    return int(text)
