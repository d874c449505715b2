"""DuckDB: one database file per version holding one table named after the dataset.

Batches are appended as they arrive (``con.register`` of the Arrow batch, then
``INSERT INTO <dataset> SELECT * FROM`` it), so memory stays bounded. Locally the file is built
inside the version's staging folder and moves into ``versions/`` with it on commit; on S3 it is
built in a local temporary folder, checkpointed, and uploaded into the version folder.

**DuckDB output is not encrypted.** DuckDB 2.0 can encrypt a database
(``ATTACH ... (ENCRYPTION_KEY ...)``), but writing securely needs the ``httpfs`` extension
(its OpenSSL); with only the built-in crypto module DuckDB refuses to write an encrypted file
unless ``force_mbedtls_unsafe`` is set, which DuckDB itself describes as not securely
encrypted. So ``encrypt=True`` is refused with a :class:`~veil.errors.ConfigError` pointing to
Parquet, whose modular encryption veil supports fully.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from veil.errors import ConfigError, SinkError
from veil.keys import Keyring
from veil.sinks.fs import Location, fsync_file
from veil.sinks.layout import FileEntry, decode_schema, quote_ident, sql_str

FORMAT = "duckdb"
FILE_NAME = "data.duckdb"
_BATCH_VIEW = "_veil_batch"
_CHUNK = 8 * 1024 * 1024


def check_options(*, encrypt: bool) -> None:
    """Refuse encryption: see the module docstring for why."""
    if encrypt:
        raise ConfigError(
            "DuckDB output cannot be encrypted by veil (DuckDB's database encryption needs the "
            "httpfs extension to write securely); use format 'parquet' for encrypted output, "
            "or encrypt=False / --no-encrypt for a plain DuckDB file"
        )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class DuckDBFileWriter:
    """Append batches to ``<dataset>`` in a DuckDB file that ends up in the version folder."""

    format = FORMAT

    def __init__(self, location: Location, data_dir: str, dataset: str, schema: pa.Schema):
        import duckdb

        self._location, self._dir, self._table = location, data_dir, quote_ident(dataset)
        self._tmp = None if location.is_local else Path(tempfile.mkdtemp(prefix="veil-duckdb-"))
        base = Path(data_dir) if self._tmp is None else self._tmp
        self._path = base / FILE_NAME
        self._rows = 0
        self._con: Any = duckdb.connect(str(self._path))
        try:
            self._con.register(_BATCH_VIEW, schema.empty_table())
            self._con.execute(f"CREATE TABLE {self._table} AS SELECT * FROM {_BATCH_VIEW}")
            self._con.unregister(_BATCH_VIEW)
        except Exception:
            self.discard()
            raise

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        self._con.register(_BATCH_VIEW, batch)
        try:
            self._con.execute(f"INSERT INTO {self._table} SELECT * FROM {_BATCH_VIEW}")
        finally:
            self._con.unregister(_BATCH_VIEW)
        self._rows += batch.num_rows

    def close(self) -> list[FileEntry]:
        self._con.execute("CHECKPOINT")
        self._con.close()
        self._con = None
        if self._path.with_name(FILE_NAME + ".wal").exists():
            raise SinkError(f"DuckDB left a write-ahead log next to {self._path}")
        fsync_file(str(self._path))
        size, digest = self._path.stat().st_size, _sha256_file(self._path)
        entry = FileEntry(FILE_NAME, size, digest, self._rows)
        if self._tmp is not None:
            self._upload()
            self._cleanup()
        return [entry]

    def _upload(self) -> None:
        target = f"{self._dir}/{FILE_NAME}"
        try:
            with self._path.open("rb") as src, self._location.fs.open_output_stream(target) as dst:
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)
        except OSError as exc:
            raise self._location.error("upload", target, exc) from None

    def _cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def discard(self) -> None:
        if self._con is not None:
            with contextlib.suppress(Exception):
                self._con.close()
            self._con = None
        self._cleanup()


def open_writer(
    location: Location,
    data_dir: str,
    dataset_name: str,
    schema: pa.Schema,
    keyring: Keyring,
    *,
    encrypt: bool,
    **options: Any,
) -> DuckDBFileWriter:
    """The format factory: a writer for one version."""
    check_options(encrypt=encrypt)
    if options:
        raise ConfigError(f"unknown DuckDB sink option(s): {', '.join(sorted(options))}")
    return DuckDBFileWriter(location, data_dir, dataset_name, schema)


def encryption_entry(keyring: Keyring, encrypt: bool) -> dict[str, Any] | None:
    return None


# reading -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _local_copy(location: Location, version_dir: str) -> Iterator[Path]:
    """The version's database file as a local path (downloaded to a temp folder from S3)."""
    source = f"{version_dir}/{FILE_NAME}"
    if location.is_local:
        yield Path(source)
        return
    tmp = Path(tempfile.mkdtemp(prefix="veil-duckdb-"))
    try:
        local = tmp / FILE_NAME
        try:
            with location.fs.open_input_stream(source) as src, local.open("wb") as dst:
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)
        except OSError as exc:
            raise location.error("download", source, exc) from None
        yield local
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _attach(con: Any, path: Path, alias: str) -> None:
    con.execute(f"ATTACH {sql_str(str(path))} AS {quote_ident(alias)} (READ_ONLY)")


@contextlib.contextmanager
def _reader(location: Location, version_dir: str) -> Iterator[Any]:
    import duckdb

    with _local_copy(location, version_dir) as path:
        con = duckdb.connect()
        try:
            _attach(con, path, "src")
            yield con
        finally:
            con.close()


def _table_ref(manifest: Mapping[str, Any], alias: str) -> str:
    return f"{quote_ident(alias)}.{quote_ident(str(manifest['dataset']))}"


def read_table(
    location: Location,
    version_dir: str,
    manifest: Mapping[str, Any],
    keyring: Keyring | None,
    *,
    columns: list[str] | None = None,
) -> pa.Table:
    """Read a whole version into one Arrow table."""
    select = ", ".join(quote_ident(c) for c in columns) if columns else "*"
    with _reader(location, version_dir) as con:
        table = con.sql(f"SELECT {select} FROM {_table_ref(manifest, 'src')}").to_arrow_table()
    schema = _schema(manifest, columns)
    return table if schema is None else table.cast(schema)


def _schema(manifest: Mapping[str, Any], columns: list[str] | None) -> pa.Schema | None:
    """The written Arrow schema (DuckDB drops details such as a timestamp's time zone name)."""
    schema = decode_schema(manifest)
    if schema is None or not columns:
        return schema
    return pa.schema([schema.field(c) for c in columns])


def iter_batches(
    location: Location,
    version_dir: str,
    manifest: Mapping[str, Any],
    keyring: Keyring | None,
    *,
    batch_size: int = 64 * 1024,
    columns: list[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Stream the rows of a version as Arrow batches."""
    select = ", ".join(quote_ident(c) for c in columns) if columns else "*"
    with _reader(location, version_dir) as con:
        rel = con.sql(f"SELECT {select} FROM {_table_ref(manifest, 'src')}")
        schema = _schema(manifest, columns)
        for batch in rel.to_arrow_reader(batch_size):
            yield batch if schema is None else batch.cast(schema)


def register(
    con: Any,
    name: str,
    location: Location,
    version_dir: str,
    manifest: Mapping[str, Any],
    keyring: Keyring | None,
) -> None:
    """Expose a version as ``name``: a view on the attached file locally, a copy from S3."""
    alias = f"_veil_{name}"
    if location.is_local:
        _attach(con, Path(f"{version_dir}/{FILE_NAME}"), alias)
        source = _table_ref(manifest, alias)
        con.execute(f"CREATE OR REPLACE VIEW {quote_ident(name)} AS SELECT * FROM {source}")
        return
    with _local_copy(location, version_dir) as path:
        _attach(con, path, alias)
        try:
            con.execute(
                f"CREATE OR REPLACE TABLE {quote_ident(name)} AS "
                f"SELECT * FROM {_table_ref(manifest, alias)}"
            )
        finally:
            con.execute(f"DETACH {quote_ident(alias)}")
