"""A Parquet dataset: a folder of ``*.parquet`` files (``parquet:///path/to/dir`` or the plain
path), or one file.

- **Backup**: the folder (or file) copied to the hidden sibling folder
  ``_veil_backup_<name>_<time>`` (names starting with ``_`` are skipped by Arrow, Spark and
  DuckDB readers of the parent folder), each file's SHA-256 taken while it is read and again
  from the copy, with ``_veil_backup.json`` (the files' sizes and hashes, rows, schema hash,
  checksum; no values). The copy is built as ``.<name>.partial`` and renamed when complete.
- **Replace**: the new rows are written as ``part-NNNNN.parquet`` (zstd) into the sibling
  staging folder ``_veil_staging_<name>_<time>`` and flushed to disk; only then are the
  folders swapped: atomically with ``renameat2(RENAME_EXCHANGE)`` on Linux, else by two
  renames (the old folder moved aside, the new one moved in). The old files are deleted after
  the swap. A single file is replaced by ``os.replace`` of a staged file.
- **Restore**: the backup's files copied into a staging folder and swapped in the same way;
  the backup stays.
- **Erasure from a backup**: the backup folder is rebuilt beside it (``.<name>.erasing``):
  files without a row a :class:`~veil.inplace.base.RowMatch` selects are hard-linked (or
  copied), the others rewritten without those rows, the manifest given the new files' hashes
  and measure; then the folders are swapped as above and the old one deleted.

Refused: a folder holding ``_delta_log`` (a Delta table: use ``delta://``) and Hive-style
partition folders (``key=value``: their column lives in the path, not in the files).
Files other than ``*.parquet`` in the folder are backed up and restored but not kept by a
replace.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from veil.inplace.base import (
    Backup,
    Measure,
    RowMatch,
    TargetBase,
    Verification,
    compare,
    duckdb_measure,
    error_summary,
    sql_str,
    stamp,
    utc_duckdb,
)
from veil.inplace.errors import TargetChangedError, TargetError
from veil.sinks.fs import fsync_file

MANIFEST = "_veil_backup.json"
BACKUP_PREFIX = "_veil_backup_"
STAGING_PREFIX = "_veil_staging_"
FILE_ROWS = 1_000_000
_CHUNK = 8 * 1024 * 1024


def _hidden(rel: Path) -> bool:
    return any(part.startswith(("_", ".")) for part in rel.parts)


def _fsync(path: Path) -> None:
    fsync_file(str(path))


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _copy(src: Path, dst: Path) -> str:
    """Copy one file (flushed to disk); the SHA-256 of what was read."""
    digest = hashlib.sha256()
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(_CHUNK):
            digest.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return digest.hexdigest()


def _link(src: Path, dst: Path, digest: str) -> str:
    """``src`` at ``dst`` too, hard-linked (a copy where the file system cannot); its
    SHA-256, ``digest`` as recorded when the bytes are the same file."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        return _copy(src, dst)
    return digest


def _file_batches(path: Path, columns: Sequence[str] | None = None) -> Iterator[pa.RecordBatch]:
    with pq.ParquetFile(path) as source:
        yield from source.iter_batches(columns=list(columns) if columns else None)


def _without(src: Path, dst: Path, match: RowMatch) -> str:
    """Parquet file ``src`` written to ``dst`` without the rows ``match`` selects (a batch at
    a time, same schema), flushed to disk; the SHA-256 of the new file."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with (
        pq.ParquetFile(src) as source,
        pq.ParquetWriter(str(dst), source.schema_arrow, compression="zstd") as writer,
    ):
        for batch in source.iter_batches():
            writer.write_batch(batch.filter(pc.invert(match.mask(batch))))
    _fsync(dst)
    return _sha256(dst)


def _write_manifest(folder: Path, backup: Backup) -> None:
    manifest = folder / MANIFEST
    manifest.write_text(json.dumps({"veil_backup": 1, **backup.to_dict()}, indent=1))
    _fsync(manifest)


_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False when the
    system or file system cannot (the caller then renames in two steps)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    res = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if res == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _replace_folder(new: Path, old: Path) -> None:
    """Put the complete folder ``new`` in ``old``'s place (atomically where the system can
    swap them, else by two renames), then delete the old content."""
    if exchange(new, old):
        shutil.rmtree(new, ignore_errors=True)  # now holds the old files
        return
    aside = new.with_name(new.name + "_old")
    os.rename(old, aside)
    try:
        os.rename(new, old)
    except BaseException:
        os.rename(aside, old)
        raise
    shutil.rmtree(aside, ignore_errors=True)


class ParquetTarget(TargetBase):
    kind = "parquet"

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser().resolve()
        self.ref = f"parquet://{self.path}"
        if not self.path.exists():
            raise TargetError(f"no Parquet file or folder at {self.path}")
        self.single = self.path.is_file()
        if not self.single and (self.path / "_delta_log").is_dir():
            raise TargetError(
                f"{self.path} is a Delta Lake table (it has _delta_log): use delta://{self.path}"
            )
        if not self.files():
            raise TargetError(f"no Parquet files in {self.path}")
        if not self.single:
            for f in self.files():
                if any("=" in part for part in f.relative_to(self.path).parent.parts):
                    raise TargetError(
                        f"{self.path} is partitioned Hive-style (a folder named key=value): "
                        "in-place anonymization of partitioned Parquet datasets is not supported"
                    )

    # -- files ---------------------------------------------------------------------------

    def files(self, root: Path | None = None) -> list[Path]:
        """The data files of the table (or of a backup folder), in a stable order."""
        root = root or self.path
        if root.is_file():
            return [root]
        if self.single:
            return [root / self.path.name] if (root / self.path.name).is_file() else []
        return sorted(
            p for p in root.rglob("*.parquet") if p.is_file() and not _hidden(p.relative_to(root))
        )

    def _dataset(self, root: Path | None = None) -> ds.Dataset:
        files = self.files(root)
        if not files:
            raise TargetError(f"no Parquet files in {root or self.path}")
        return ds.dataset([str(f) for f in files], format="parquet")

    # -- reading -------------------------------------------------------------------------

    def schema(self) -> pa.Schema:
        return self._dataset().schema

    def row_count(self) -> int:
        return int(self._dataset().count_rows())

    def read_batches(
        self, batch_rows: int = 50_000, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        return self._read(None, batch_rows, columns)

    def _read(
        self, root: Path | None, batch_rows: int, columns: Sequence[str] | None
    ) -> Iterator[pa.RecordBatch]:
        dataset = self._dataset(root)
        for batch in dataset.to_batches(
            columns=list(columns) if columns else None, batch_size=batch_rows
        ):
            if batch.num_rows:
                yield batch

    def _measure_root(self, root: Path | None) -> Measure:
        files = self.files(root)
        schema = self._dataset(root).schema
        con = utc_duckdb()
        try:
            listing = ", ".join(sql_str(str(f)) for f in files)
            return duckdb_measure(con, f"read_parquet([{listing}])", schema)
        finally:
            con.close()

    def measure(self, backup: Backup | None = None) -> Measure:
        return self._measure_root(None if backup is None else self._backup_dir(backup))

    # -- backups -------------------------------------------------------------------------

    def _backup_dir(self, backup: Backup) -> Path:
        return self.path.parent / backup.ref

    def _stats(self) -> dict[str, list[int]]:
        """Each data file's size and modification time (to notice another writer)."""
        base = self.path.parent if self.single else self.path
        return {
            str(f.relative_to(base)): [f.stat().st_size, f.stat().st_mtime_ns] for f in self.files()
        }

    def backup(self, facts: Mapping[str, Any] | None = None) -> Backup:
        name = f"{BACKUP_PREFIX}{self.path.name}_{stamp()}"
        n = 1
        while (self.path.parent / name).exists():
            n += 1
            name = f"{BACKUP_PREFIX}{self.path.name}_{stamp()}_{n}"
        final = self.path.parent / name
        partial = self.path.parent / f".{name}.partial"
        try:
            before = self.measure()
            stats = self._stats()
            files: dict[str, str] = {}
            if self.single:
                files[self.path.name] = _copy(self.path, partial / self.path.name)
            else:
                for src in sorted(p for p in self.path.rglob("*") if p.is_file()):
                    rel = src.relative_to(self.path)
                    files[str(rel)] = _copy(src, partial / rel)
            details = {**(facts or {}), "files": files, "stats": stats, "of": self.path.name}
            backup = Backup.taken(self, name, before, details)
            _write_manifest(partial, backup)
            os.rename(partial, final)
        except Exception as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise TargetError(f"cannot back up {self.ref} ({error_summary(exc)})") from None
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return backup

    def verify(self, backup: Backup) -> Verification:
        folder = self._backup_dir(backup)
        if not folder.is_dir():
            return Verification(False, None, (f"the backup folder {folder} is gone",))
        problems = []
        for rel, digest in backup.details.get("files", {}).items():
            copy = folder / rel
            if not copy.is_file():
                problems.append(f"the backup lacks {rel}")
            elif _sha256(copy) != digest:
                problems.append(f"the backup's copy of {rel} differs from the original read")
        if problems:
            return Verification(False, None, tuple(problems))
        return compare(self.measure(backup), backup.measure, "the backup")

    def backups(self) -> list[Backup]:
        found = []
        prefix = f"{BACKUP_PREFIX}{self.path.name}_"
        for folder in self.path.parent.glob(f"{prefix}*"):
            manifest = folder / MANIFEST
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                data = json.loads(manifest.read_text())
                b = Backup.from_dict(data)
                ours = b.ref == folder.name and b.details.get("of") == self.path.name
                if data.get("veil_backup") == 1 and ours:
                    found.append(b)
        return sorted(found, key=lambda b: (b.created, b.ref))

    def normalize_ref(self, ref: str) -> str:
        return Path(ref.strip().rstrip("/")).name

    def _ours(self, backup: Backup) -> Path:
        """The backup's folder, once it is known to be one of veil's backups."""
        folder = self._backup_dir(backup)
        if not backup.ref.startswith(BACKUP_PREFIX) or not (folder / MANIFEST).is_file():
            raise TargetError(f"{backup.ref!r} is not one of veil's backups of {self.ref}")
        return folder

    def drop_backup(self, backup: Backup) -> bool:
        shutil.rmtree(self._ours(backup))
        return True

    def backup_schema(self, backup: Backup) -> pa.Schema:
        return self._dataset(self._ours(backup)).schema

    def read_backup(
        self, backup: Backup, batch_rows: int = 50_000, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        return self._read(self._ours(backup), batch_rows, columns)

    def erase_from_backup(
        self, backup: Backup, match: RowMatch, erasure: Mapping[str, Any]
    ) -> Backup:
        folder = self._ours(backup)
        data = [str(f.relative_to(folder)) for f in self.files(folder)]
        hits = {rel for rel in data if match.count(_file_batches(folder / rel, match.columns))}
        if not hits:
            return backup
        work = folder.with_name(f".{folder.name}.erasing")
        shutil.rmtree(work, ignore_errors=True)  # left by an erasure that was cut off
        try:
            files = {
                rel: _without(folder / rel, work / rel, match)
                if rel in hits
                else _link(folder / rel, work / rel, digest)
                for rel, digest in backup.details.get("files", {}).items()
            }
            after = backup.after_erasure(self._measure_root(work), erasure, files=files)
            _write_manifest(work, after)
            _fsync(work)
            _replace_folder(work, folder)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return after

    # -- swapping ------------------------------------------------------------------------

    def _staging(self) -> Path:
        return self.path.parent / f"{STAGING_PREFIX}{self.path.name}_{stamp()}_{os.getpid()}"

    def _swap_in(self, staging: Path) -> None:
        """Put the complete staging folder (or, for a single file, the one file in it) in
        the table's place; the old files are deleted after."""
        if self.single:
            (staged,) = list(staging.iterdir())
            os.replace(staged, self.path)
            shutil.rmtree(staging, ignore_errors=True)
            return
        _replace_folder(staging, self.path)

    def replace(
        self,
        batches: Iterable[pa.RecordBatch],
        schema: pa.Schema,
        *,
        guard: Backup | None = None,
    ) -> int:
        staging = self._staging()
        staging.mkdir()
        rows = 0
        try:
            writer: Any = None
            part = 0
            in_file = 0
            written: list[Path] = []

            def open_next() -> Any:
                nonlocal part
                name = self.path.name if self.single else f"part-{part:05d}.parquet"
                part += 1
                written.append(staging / name)
                return pq.ParquetWriter(str(written[-1]), schema, compression="zstd")

            try:
                for batch in batches:
                    if batch.num_rows == 0:
                        continue
                    if writer is None or (not self.single and in_file >= FILE_ROWS):
                        if writer is not None:
                            writer.close()
                        writer, in_file = open_next(), 0
                    writer.write_batch(batch)
                    in_file += batch.num_rows
                    rows += batch.num_rows
                if writer is None:  # no rows: one empty file keeps the schema
                    writer = open_next()
            finally:
                if writer is not None:
                    writer.close()
            for f in written:
                _fsync(f)
            _fsync(staging)
            if guard is not None and self._stats() != guard.details.get("stats"):
                raise TargetChangedError(self.ref, guard.ref, "its files differ")
            self._swap_in(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return rows

    def restore(self, backup: Backup) -> Verification:
        folder = self._backup_dir(backup)
        if not folder.is_dir():
            raise TargetError(f"the backup folder {folder} is gone")
        staging = self._staging()
        try:
            for rel in backup.details.get("files", {}):
                _copy(folder / rel, staging / rel)
            staging.mkdir(exist_ok=True)
            _fsync(staging)
            if not self.single and not self.path.exists():
                os.rename(staging, self.path)
            else:
                self._swap_in(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return self.verify_current(backup)
