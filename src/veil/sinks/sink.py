"""The sink: one output location, a writer per version, and readers of the current version.

Formats are plugins: a module with ``FORMAT``, ``check_options``, ``open_writer``,
``encryption_entry``, ``read_table``, ``iter_batches`` and ``register`` (see
:mod:`veil.sinks.parquet`, :mod:`veil.sinks.duckdb_sink`). Built-ins are registered by name
like third-party ones; third parties can also publish an entry point in the ``veil.sinks``
group. A format module is imported only when it is used.
"""

from __future__ import annotations

import base64
import contextlib
import difflib
import hashlib
import importlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs

from veil.errors import ConfigError, CorruptVersionError, SinkError, VeilError
from veil.keys import Keyring
from veil.sinks.fs import Location, S3Options, resolve_location
from veil.sinks.layout import (
    ATTACHMENTS,
    DATASET_RE,
    DEFAULT_KEEP,
    CommitInfo,
    FileEntry,
    FormatWriter,
    Layout,
    Pending,
    check_dataset_name,
    check_file_name,
    check_run_id,
    encode_schema,
    new_version_id,
)

LAYOUT_VERSION = 1
_NOT_COMMITTED = "Nothing was committed: the previous version stays current"
_FORMATS: dict[str, Callable[[], Any]] = {
    "parquet": lambda: importlib.import_module("veil.sinks.parquet"),
    "duckdb": lambda: importlib.import_module("veil.sinks.duckdb_sink"),
}


def register_format(name: str, loader: Callable[[], Any]) -> None:
    """Register a format: ``loader()`` returns the module (or object) implementing it."""
    _FORMATS[name] = loader


def _entry_point(name: str) -> Callable[[], Any] | None:
    from importlib.metadata import entry_points

    for ep in entry_points(group="veil.sinks"):
        if ep.name == name:
            return ep.load
    return None


def get_format(name: str) -> Any:
    """The module implementing format ``name``."""
    loader = _FORMATS.get(name) or _entry_point(name)
    if loader is None:
        close = difflib.get_close_matches(name, list(_FORMATS), n=1)
        hint = f" — did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown output format {name!r}{hint} (known: {', '.join(_FORMATS)})")
    return loader()


# writing -----------------------------------------------------------------------------------


def _schema_fields(schema: pa.Schema) -> list[dict[str, Any]]:
    return [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in schema]


def _conform(data: pa.RecordBatch | pa.Table, schema: pa.Schema) -> pa.RecordBatch | pa.Table:
    """``data`` in the writer's schema; :class:`SinkError` naming columns (never values)."""
    if data.schema.equals(schema, check_metadata=False):
        return data
    if data.schema.names != schema.names:
        missing = [n for n in schema.names if n not in data.schema.names]
        extra = [n for n in data.schema.names if n not in schema.names]
        raise SinkError(
            f"batch columns differ from the writer's schema: missing {missing}, unexpected "
            f"{extra}" + ("" if missing or extra else " (same names, different order)")
        )
    try:
        return data.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, ValueError):
        diff = [
            f"{f.name}: {f.type} (expected {e.type})"
            for f, e in zip(data.schema, schema, strict=True)
            if not f.type.equals(e.type)
        ]
        raise SinkError(f"batch types differ from the writer's schema: {diff}") from None


def _check_no_key_material(body: bytes, keyring: Keyring | None) -> None:
    for key in keyring.keys.values() if keyring is not None else ():
        forms = (key.hex(), base64.b64encode(key).decode(), base64.urlsafe_b64encode(key).decode())
        if any(form.rstrip("=").encode() in body for form in forms):
            raise SinkError("the manifest contains key material; refusing to write it")


class Writer:
    """Writes one version of a dataset; use as a context manager (aborts unless committed)."""

    def __init__(self, sink: Sink, dataset: str, schema: pa.Schema, run_id: str) -> None:
        self._sink, self._schema = sink, schema
        self._fmt = get_format(sink.format)
        self._pending: Pending = sink.layout.begin(dataset, run_id)
        self._rows = 0
        self._state = "open"
        try:
            self._files: FormatWriter = self._fmt.open_writer(
                sink.location,
                self._pending.data_dir,
                dataset,
                schema,
                sink.keyring,
                encrypt=sink.encrypt,
                **sink.options,
            )
        except BaseException:
            sink.layout.abort(self._pending)
            raise

    @property
    def version_id(self) -> str:
        return self._pending.version_id

    @property
    def rows(self) -> int:
        return self._rows

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._state == "open":
            if exc is None:
                self.abort()
            else:
                self._abort_quietly()

    def _check_open(self) -> None:
        if self._state != "open":
            raise SinkError(f"this writer is {self._state}; open a new one with sink.writer()")

    def write(self, data: pa.RecordBatch | pa.Table) -> None:
        """Append a batch (or a table) in the writer's schema."""
        self._check_open()
        data = _conform(data, self._schema)
        batches = data.to_batches() if isinstance(data, pa.Table) else [data]
        try:
            for batch in batches:
                self._files.write(batch)
                self._rows += batch.num_rows
        except OSError as exc:
            error = self._sink.location.error("write", self._pending.data_dir, exc)
            raise SinkError(f"{error}. {_NOT_COMMITTED}") from None

    def write_file(self, name: str, data: bytes) -> None:
        """Add a file (a report…) to this version's ``attachments/``; not listed in the manifest."""
        self._check_open()
        path = f"{self._pending.data_dir}/{ATTACHMENTS}/{check_file_name(name)}"
        self._sink.location.write_bytes(path, data)

    def commit(self, manifest: dict[str, Any] | None = None) -> CommitInfo:
        """Finish the files, write the manifest, move the pointer; abort on any failure."""
        self._check_open()
        try:
            entries = self._files.close()
            doc = self._manifest(dict(manifest or {}), entries)
            self._sink.layout.publish(self._pending, doc)
        except OSError as exc:
            self._abort_quietly()
            error = self._sink.location.error("commit", self._pending.data_dir, exc)
            raise SinkError(f"{error}. {_NOT_COMMITTED}") from None
        except SinkError as exc:
            self._abort_quietly()
            if _NOT_COMMITTED in str(exc) or self._committed():
                raise
            raise SinkError(f"{exc}. {_NOT_COMMITTED}") from None
        except BaseException:
            self._abort_quietly()
            raise
        self._state = "committed"
        self._prune()
        return CommitInfo(
            version_id=self._pending.version_id,
            location=self._sink.location.display(self._pending.final_dir),
            files=tuple(e.path for e in entries),
            rows=self._rows,
            bytes=sum(e.bytes for e in entries),
        )

    def _committed(self) -> bool:
        """Whether the pointer names this writer's version (a failure after the commit)."""
        with contextlib.suppress(Exception):
            return self._sink.layout.current_version(self._pending.dataset) == self.version_id
        return False

    def _prune(self) -> None:
        with contextlib.suppress(OSError, SinkError):  # the commit stands; the next one prunes
            self._sink.layout.prune(self._pending.dataset)

    def abort(self) -> None:
        """Drop everything this writer wrote; the previous version stays current."""
        if self._state != "open":
            return
        self._state = "aborted"
        self._files.discard()
        layout, pending = self._sink.layout, self._pending
        layout.abort(pending)
        if layout.current_version(pending.dataset) != pending.version_id:
            layout.location.delete_tree(pending.final_dir)

    def _abort_quietly(self) -> None:
        """Abort while another exception is on its way: that one matters more. Whatever is
        left behind is invisible (no pointer names it) and the next writer removes it."""
        with contextlib.suppress(Exception):
            self.abort()

    def _manifest(self, caller: dict[str, Any], entries: list[FileEntry]) -> dict[str, Any]:
        sink, pending = self._sink, self._pending
        encryption = self._fmt.encryption_entry(sink.keyring, sink.encrypt)
        added: dict[str, Any] = {
            "dataset": pending.dataset,
            "version_id": pending.version_id,
            "run_id": pending.run_id,
            "format": sink.format,
            "rows": self._rows,
            "bytes": sum(e.bytes for e in entries),
            "files": [e.as_dict() for e in entries],
            "encrypted": encryption is not None,
            "encryption_key_id": encryption["key_id"] if encryption else None,
            "encryption": encryption,
            "schema": _schema_fields(self._schema),
            "arrow_schema": encode_schema(self._schema),
            "created_at": datetime.now(UTC).isoformat(),
            "layout_version": LAYOUT_VERSION,
        }
        clashes = sorted(k for k in added if k in caller and caller[k] != added[k])
        if clashes:
            raise SinkError(f"manifest keys {clashes} are set by the sink and disagree with it")
        doc = {**caller, **added}
        try:
            body = json.dumps(doc).encode()
        except (TypeError, ValueError) as exc:
            raise SinkError(f"the manifest must be JSON-serialisable: {exc}") from None
        _check_no_key_material(body, sink.keyring)
        return doc


# the sink ----------------------------------------------------------------------------------


def _intact(location: Location, path: str, entry: dict[str, Any]) -> bool:
    """Whether a data file has the size and sha256 the manifest recorded."""
    info = location.info(path)
    if info.type == pafs.FileType.NotFound or info.size != entry.get("bytes"):
        return False
    digest = hashlib.sha256()
    try:
        with location.fs.open_input_stream(path) as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == entry.get("sha256")


@dataclass
class Sink:
    """An output location with a format for writing; reads any format it finds there."""

    location: Location
    format: str
    encrypt: bool
    keyring: Keyring | None
    keep: int = DEFAULT_KEEP
    options: dict[str, Any] = field(default_factory=dict)
    layout: Layout = field(init=False)

    def __post_init__(self) -> None:
        self.layout = Layout(self.location, keep=self.keep)

    @property
    def url(self) -> str:
        return self.location.url

    def writer(self, dataset: str, schema: pa.Schema, run_id: str | None = None) -> Writer:
        """A writer for a new version of ``dataset`` (``run_id`` names its staging folder)."""
        run_id = check_run_id(run_id or new_version_id())
        return Writer(self, check_dataset_name(dataset), schema, run_id)

    def datasets(self) -> list[str]:
        """Datasets with a committed version at this location."""
        found = []
        for info in self.location.list(self.location.base):
            name = info.base_name
            if DATASET_RE.match(name) and self.location.exists(self.layout.pointer_path(name)):
                found.append(name)
        return sorted(found)

    def current(self, dataset: str) -> dict[str, Any] | None:
        """The manifest of the current version, or ``None`` if nothing was committed."""
        return self.layout.manifest(dataset)

    def versions(self, dataset: str) -> list[str]:
        """Committed version ids, oldest first."""
        return self.layout.versions(dataset)

    def rollback(self, dataset: str, version_id: str | None = None) -> str:
        """Point ``dataset`` at ``version_id`` (default: the version before the current one)."""
        if version_id is None:
            current = self.layout.current_version(dataset)
            older = [v for v in self.versions(dataset) if current is None or v < current]
            if not older:
                raise SinkError(f"dataset {dataset!r} has no older version to roll back to")
            version_id = older[-1]
        self.layout.set_current(dataset, version_id)
        return version_id

    def delete_version(self, dataset: str, version_id: str) -> None:
        """Delete a committed version other than the current one (retention, erasure)."""
        self.layout.delete_version(dataset, version_id)

    def verify(self, dataset: str, version_id: str | None = None) -> list[str]:
        """The data files of a version (default: the current one) that are missing or differ
        from the size and sha256 its manifest recorded; empty if every file is intact."""
        manifest = self.layout.manifest(dataset, version_id)
        if manifest is None:
            return []
        vdir = self.layout.version_dir(dataset, str(manifest["version_id"]))
        return self._bad_files(vdir, manifest)

    def _bad_files(self, vdir: str, manifest: dict[str, Any]) -> list[str]:
        return [
            str(entry["path"])
            for entry in manifest.get("files", [])
            if not _intact(self.location, f"{vdir}/{entry['path']}", entry)
        ]

    def diagnose(self, datasets: Iterable[str]) -> CorruptVersionError | None:
        """After a failed read: a :class:`CorruptVersionError` naming the first dataset whose
        current version has damaged files, or ``None`` (the failure was something else)."""
        for name in datasets:
            try:
                bad = self.verify(name)
                version = self.layout.current_version(name)
            except Exception:  # cannot even check: let the original error speak
                continue
            if bad and version is not None:
                where = self.location.display(self.layout.version_dir(name, version))
                return CorruptVersionError(name, version, bad, where)
        return None

    @contextlib.contextmanager
    def checked(
        self, datasets: Iterable[str] | str, also: tuple[type[Exception], ...] = ()
    ) -> Iterator[None]:
        """Run a read of ``datasets`` (their current versions): if it fails (an error that is
        not a veil error, a :class:`SinkError`, or one of ``also``) and a file no longer
        matches its manifest, raise :class:`CorruptVersionError` naming the dataset and
        version instead of the reader's error."""
        names = [datasets] if isinstance(datasets, str) else list(datasets)
        try:
            yield
        except CorruptVersionError:
            raise
        except Exception as exc:
            if isinstance(exc, VeilError) and not isinstance(exc, (SinkError, *also)):
                raise  # a bad option, a refused budget…: not a read failure
            found = self.diagnose(names)
            if found is not None:
                raise found from None
            raise

    def _resolve(self, dataset: str, version_id: str | None) -> tuple[str, dict[str, Any], Any]:
        manifest = self.layout.manifest(dataset, version_id)
        if manifest is None:
            raise SinkError(f"dataset {dataset!r} has no committed version in {self.url}")
        vdir = self.layout.version_dir(dataset, str(manifest["version_id"]))
        return vdir, manifest, get_format(str(manifest["format"]))

    def read(
        self, dataset: str, version_id: str | None = None, columns: list[str] | None = None
    ) -> pa.Table:
        """The whole current version (or ``version_id``) as one Arrow table."""
        vdir, manifest, fmt = self._resolve(dataset, version_id)
        try:
            return fmt.read_table(self.location, vdir, manifest, self.keyring, columns=columns)
        except (OSError, SinkError) as exc:
            raise self._damaged(dataset, vdir, manifest) or exc from None

    def iter_batches(
        self,
        dataset: str,
        version_id: str | None = None,
        *,
        batch_size: int = 64 * 1024,
        columns: list[str] | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Stream the current version (or ``version_id``) as Arrow batches."""
        vdir, manifest, fmt = self._resolve(dataset, version_id)
        batches = fmt.iter_batches(
            self.location, vdir, manifest, self.keyring, batch_size=batch_size, columns=columns
        )
        return self._checked_batches(batches, dataset, vdir, manifest)

    def _checked_batches(
        self, batches: Iterator[pa.RecordBatch], dataset: str, vdir: str, manifest: dict[str, Any]
    ) -> Iterator[pa.RecordBatch]:
        try:
            yield from batches
        except (OSError, SinkError) as exc:
            raise self._damaged(dataset, vdir, manifest) or exc from None

    def _damaged(
        self, dataset: str, vdir: str, manifest: dict[str, Any]
    ) -> CorruptVersionError | None:
        """A :class:`CorruptVersionError` if a file of this version fails its check."""
        try:
            bad = self._bad_files(vdir, manifest)
        except Exception:  # cannot even check: let the original error speak
            return None
        if not bad:
            return None
        version = str(manifest["version_id"])
        return CorruptVersionError(dataset, version, bad, self.location.display(vdir))

    def connect(self, datasets: Iterable[str] | str | None = None) -> Any:
        """An in-memory DuckDB connection with each dataset's current version as a view."""
        import duckdb

        names = [datasets] if isinstance(datasets, str) else list(datasets or self.datasets())
        con = duckdb.connect()
        try:
            for name in names:
                vdir, manifest, fmt = self._resolve(name, None)
                fmt.register(con, name, self.location, vdir, manifest, self.keyring)
        except BaseException:
            con.close()
            raise
        return con

    def _target_dir(self, target: str) -> str:
        dataset, _, version_id = target.partition("@")
        version_id = version_id or self.layout.current_version(dataset) or ""
        if not version_id:
            raise SinkError(f"dataset {dataset!r} has no committed version in {self.url}")
        self.layout.manifest(dataset, version_id)  # raises if not committed
        return self.layout.version_dir(dataset, version_id)

    def write_file(self, target: str, name: str, data: bytes) -> str:
        """Write ``attachments/<name>`` of ``dataset`` (current version) or ``dataset@version``."""
        path = f"{self._target_dir(target)}/{ATTACHMENTS}/{check_file_name(name)}"
        self.location.write_bytes(path, data)
        return self.location.display(path)

    def read_file(self, target: str, name: str) -> bytes | None:
        """An attachment written by :meth:`write_file`, or ``None``."""
        path = f"{self._target_dir(target)}/{ATTACHMENTS}/{check_file_name(name)}"
        return self.location.read_bytes(path)


def open_sink(
    output: str | Location,
    *,
    format: str = "parquet",
    encrypt: bool = True,
    keyring: Keyring | None = None,
    s3: S3Options | None = None,
    keep: int = DEFAULT_KEEP,
    **options: Any,
) -> Sink:
    """Open an output location (folder or ``s3://bucket/prefix``) for writing and reading."""
    fmt = get_format(format)
    fmt.check_options(encrypt=encrypt)
    if encrypt and keyring is None:
        raise ConfigError("encrypted output needs a keyring")
    location = output if isinstance(output, Location) else resolve_location(output, s3)
    return Sink(location, format, encrypt, keyring, keep=keep, options=options)


def _reader(location: str | Location, keyring: Keyring | None, s3: S3Options | None) -> Sink:
    return open_sink(location, format="parquet", encrypt=False, keyring=keyring, s3=s3)


def read_dataset(
    location: str | Location,
    dataset: str,
    keyring: Keyring | None = None,
    *,
    s3: S3Options | None = None,
    version_id: str | None = None,
) -> pa.Table:
    """Read the current version of ``dataset`` at ``location`` (any format, decrypted)."""
    return _reader(location, keyring, s3).read(dataset, version_id)


def iter_batches(
    location: str | Location,
    dataset: str,
    keyring: Keyring | None = None,
    *,
    s3: S3Options | None = None,
    version_id: str | None = None,
    batch_size: int = 64 * 1024,
) -> Iterator[pa.RecordBatch]:
    """Stream the current version of ``dataset`` at ``location`` as Arrow batches."""
    return _reader(location, keyring, s3).iter_batches(dataset, version_id, batch_size=batch_size)


def connect(
    location: str | Location,
    keyring: Keyring | None = None,
    datasets: Iterable[str] | str | None = None,
    *,
    s3: S3Options | None = None,
) -> Any:
    """An in-memory DuckDB connection exposing the current version of each dataset as a view."""
    return _reader(location, keyring, s3).connect(datasets)
