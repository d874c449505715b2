"""Parquet: a streaming writer (optionally with modular encryption) and the matching readers.

Writing uses one :class:`pyarrow.parquet.ParquetWriter` per file, zstd-compressed. Incoming
batches are buffered up to one row group (``row_group_rows`` rows, default 1Mi, or
``row_group_bytes`` of Arrow data, default 128 MiB, whichever comes first) and flushed, so
memory stays bounded whatever the dataset size. Large row groups matter: with 128k-row groups
the same data came out 25% larger and twice as slow to write (``benchmarks/bench_sink.py``),
because high-cardinality strings restart their dictionaries in every group. A new file
``part-NNNNN.parquet`` starts every ``max_file_rows`` rows. Bytes are hashed as they are
written (sha256 for the manifest) without reading the file back; local files are fsynced
before the commit renames them into place.

With a :class:`~veil.sinks.crypto.ParquetCrypto` every file is encrypted (footer and all
columns, see :mod:`veil.sinks.crypto`). Readers check the manifest's key id first, so a
wrong or missing key fails with :class:`~veil.errors.KeyError_` before any byte is decoded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from veil.errors import KeyError_, SinkError
from veil.keys import Keyring
from veil.sinks.crypto import ParquetCrypto, crypto_for
from veil.sinks.fs import Location, fsync_file
from veil.sinks.layout import FileEntry, quote_ident, sql_str

FORMAT = "parquet"
COMPRESSION = "zstd"
ROW_GROUP_ROWS = 1024 * 1024  # pyarrow's own default maximum
ROW_GROUP_BYTES = 128 * 1024 * 1024  # …but never buffer more than this much Arrow data
MAX_FILE_ROWS = 8 * 1024 * 1024
_NO_DECRYPTION = "no decryption found"


class _HashingStream:
    """A write-only file object that hashes and counts what passes through to ``inner``."""

    def __init__(self, inner: pa.NativeFile) -> None:
        self._inner = inner
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.sha256.update(view)
        self._inner.write(view)
        self.size += view.nbytes
        return view.nbytes

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self._inner.flush()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._inner.close()


class ParquetFileWriter:
    """Write batches as zstd Parquet files in ``data_dir``; encrypted if ``crypto`` is given."""

    format = FORMAT

    def __init__(
        self,
        location: Location,
        data_dir: str,
        schema: pa.Schema,
        crypto: ParquetCrypto | None = None,
        *,
        row_group_rows: int = ROW_GROUP_ROWS,
        row_group_bytes: int = ROW_GROUP_BYTES,
        max_file_rows: int = MAX_FILE_ROWS,
    ) -> None:
        self._location = location
        self._dir = data_dir
        self._schema = schema
        self._crypto = crypto
        self._group_rows = row_group_rows
        self._group_bytes = row_group_bytes
        self._max_file_rows = max_file_rows
        self._buffer: list[pa.RecordBatch] = []
        self._buffered_rows = self._buffered_bytes = 0
        self._entries: list[FileEntry] = []
        self._writer: pq.ParquetWriter | None = None
        self._stream: _HashingStream | None = None
        self._file_rows = 0
        self._open_file()

    def _open_file(self) -> None:
        name = f"part-{len(self._entries):05d}.parquet"
        self._stream = _HashingStream(self._location.fs.open_output_stream(f"{self._dir}/{name}"))
        self._writer = pq.ParquetWriter(
            self._stream,
            self._schema,
            compression=COMPRESSION,
            encryption_properties=self._crypto.encryption_properties() if self._crypto else None,
        )
        self._name, self._file_rows = name, 0

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        self._buffer.append(batch)
        self._buffered_rows += batch.num_rows
        self._buffered_bytes += batch.nbytes
        if self._buffered_rows >= self._group_rows or self._buffered_bytes >= self._group_bytes:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        table = pa.Table.from_batches(self._buffer, self._schema)
        self._buffer, self._buffered_rows, self._buffered_bytes = [], 0, 0
        offset = 0
        while offset < table.num_rows:
            if self._file_rows >= self._max_file_rows:
                self._finish_file()
                self._open_file()
            room = min(self._max_file_rows - self._file_rows, table.num_rows - offset)
            assert self._writer is not None
            self._writer.write_table(table.slice(offset, room), row_group_size=self._group_rows)
            self._file_rows += room
            offset += room

    def _finish_file(self) -> None:
        assert self._writer is not None and self._stream is not None
        self._writer.close()
        self._stream.close()
        path = f"{self._dir}/{self._name}"
        if self._location.is_local:
            fsync_file(path)
        digest, size = self._stream.sha256.hexdigest(), self._stream.size
        self._entries.append(FileEntry(self._name, size, digest, self._file_rows))
        self._writer = self._stream = None

    def close(self) -> list[FileEntry]:
        try:
            self._flush()
            self._finish_file()
        except OSError as exc:
            raise self._location.error("write", self._dir, exc) from None
        return list(self._entries)

    def discard(self) -> None:
        self._buffer = []
        for closable in (self._writer, self._stream):
            try:
                if closable is not None:
                    closable.close()
            except Exception:
                pass
        self._writer = self._stream = None


# reading -----------------------------------------------------------------------------------


def _files(location: Location, version_dir: str, manifest: Mapping[str, Any]) -> list[str]:
    return [f"{version_dir}/{entry['path']}" for entry in manifest.get("files", [])]


def _read_error(
    location: Location, path: str, exc: OSError, manifest: Mapping[str, Any]
) -> Exception:
    if _NO_DECRYPTION in str(exc):
        return KeyError_(
            f"{location.display(path)} is encrypted (key {manifest.get('encryption_key_id')}) "
            "and no key was given"
        )
    return location.error("read", path, exc)


def open_file(location: Location, path: str, crypto: ParquetCrypto | None) -> pq.ParquetFile:
    """Open one Parquet file of a version (decrypting with ``crypto`` if given)."""
    props = crypto.decryption_properties() if crypto is not None else None
    return pq.ParquetFile(location.fs.open_input_file(path), decryption_properties=props)


def iter_batches(
    location: Location,
    version_dir: str,
    manifest: Mapping[str, Any],
    keyring: Keyring | None,
    *,
    batch_size: int = 64 * 1024,
    columns: list[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Stream the batches of a version, file by file (bounded memory)."""
    crypto = crypto_for(manifest, keyring)  # fails now, not at the first batch
    return _stream(location, version_dir, manifest, crypto, batch_size, columns)


def _stream(
    location: Location,
    version_dir: str,
    manifest: Mapping[str, Any],
    crypto: ParquetCrypto | None,
    batch_size: int,
    columns: list[str] | None,
) -> Iterator[pa.RecordBatch]:
    for path in _files(location, version_dir, manifest):
        try:
            pf = open_file(location, path, crypto)
        except OSError as exc:
            raise _read_error(location, path, exc, manifest) from None
        with pf:
            yield from pf.iter_batches(batch_size=batch_size, columns=columns)


def read_table(
    location: Location,
    version_dir: str,
    manifest: Mapping[str, Any],
    keyring: Keyring | None,
    *,
    columns: list[str] | None = None,
) -> pa.Table:
    """Read a whole version into one Arrow table."""
    crypto = crypto_for(manifest, keyring)
    tables = []
    for path in _files(location, version_dir, manifest):
        try:
            with open_file(location, path, crypto) as pf:
                tables.append(pf.read(columns=columns))
        except OSError as exc:
            raise _read_error(location, path, exc, manifest) from None
    if not tables:
        raise SinkError(f"{location.display(version_dir)} lists no data files")
    return pa.concat_tables(tables)


def dataset(
    location: Location, version_dir: str, manifest: Mapping[str, Any], keyring: Keyring | None
) -> Any:
    """A lazy ``pyarrow.dataset`` over a version (decrypting on the fly if encrypted)."""
    import pyarrow.dataset as ds

    crypto = crypto_for(manifest, keyring)
    options = {}
    if crypto is not None:
        options["decryption_config"] = crypto.decryption_config()
    fmt = ds.ParquetFileFormat(
        default_fragment_scan_options=ds.ParquetFragmentScanOptions(**options)
    )
    paths = _files(location, version_dir, manifest)
    try:
        return ds.dataset(paths, filesystem=location.fs, format=fmt)
    except OSError as exc:
        raise _read_error(location, version_dir, exc, manifest) from None


def register(
    con: Any,
    name: str,
    location: Location,
    version_dir: str,
    manifest: Mapping[str, Any],
    keyring: Keyring | None,
) -> None:
    """Expose a version in DuckDB as view ``name``: native scan if local and plain."""
    if location.is_local and not manifest.get("encrypted"):
        files = ", ".join(sql_str(p) for p in _files(location, version_dir, manifest))
        con.execute(
            f"CREATE OR REPLACE VIEW {quote_ident(name)} AS SELECT * FROM read_parquet([{files}])"
        )
        return
    con.register(name, dataset(location, version_dir, manifest, keyring))


def open_writer(
    location: Location,
    data_dir: str,
    dataset_name: str,
    schema: pa.Schema,
    keyring: Keyring,
    *,
    encrypt: bool,
    **options: Any,
) -> ParquetFileWriter:
    """The format factory: a writer for one version (``dataset_name`` is unused for Parquet)."""
    crypto = ParquetCrypto(keyring) if encrypt else None
    return ParquetFileWriter(location, data_dir, schema, crypto, **options)


def encryption_entry(keyring: Keyring, encrypt: bool) -> dict[str, Any] | None:
    return ParquetCrypto(keyring).manifest_entry() if encrypt else None


def check_options(*, encrypt: bool) -> None:
    """Parquet supports every option (encryption included)."""
