"""Sinks: store anonymized batches as atomically committed, optionally encrypted versions.

The writer API used by the pipeline::

    sink = open_sink("veil-out" | "s3://bucket/prefix", format="parquet" | "duckdb",
                     encrypt=True, keyring=keyring, s3=S3Options(endpoint_url=...))
    with sink.writer(dataset="users", schema=schema, run_id=run_id) as w:  # aborts on error
        for batch in batches:
            w.write(batch)                       # a RecordBatch or Table in ``schema``
        info = w.commit({"run_id": run_id, "policy": ..., "key_id": keyring.kid, ...})
    # info: CommitInfo(version_id, location, files, rows, bytes)

    sink.current("users")        # manifest of the current version, or None
    sink.read("users")           # pa.Table (decrypted with the sink's keyring)
    sink.iter_batches("users")   # streaming read
    con = sink.connect(["users"])  # in-memory DuckDB with a view "users"
    sink.write_file("users", "report.json", data)  # attachment of the current version
    sink.rollback("users")       # point back at the previous version
    sink.verify("users")         # data files that no longer match the manifest's sha256
    sink.delete_version("users", version_id)   # retention, erasure; never the current one

Leaving the ``with`` block without ``commit`` (an exception, ``KeyboardInterrupt``, or just
returning) aborts: staged files are deleted and the previous version stays current. A read
that fails because a file no longer matches its manifest (``Sink.read``, ``iter_batches``, or
any read inside ``with sink.checked("users"):``) raises
:class:`~veil.errors.CorruptVersionError` naming the dataset and the version. The
module-level :func:`read_dataset`, :func:`iter_batches` and :func:`connect` read a location
without choosing a write format.

On disk (see :mod:`veil.sinks.layout`)::

    <base>/<dataset>/_current.json                   the pointer, written last
    <base>/<dataset>/versions/<version_id>/          data files + manifest.json
    <base>/<dataset>/.staging/<run_id>[.json]        pending writes (local), gone after commit

The manifest holds what the caller passed plus what the sink adds: ``dataset``,
``version_id``, ``run_id``, ``format``, ``rows``, ``bytes``, ``files`` (path, bytes, sha256,
rows), ``encrypted``, ``encryption_key_id``, ``encryption`` (scheme, algorithm, key names —
never key bytes), ``schema`` (name, type, nullable), ``arrow_schema`` (the exact Arrow schema,
base64 IPC), ``created_at``, ``layout_version``.

Parquet is encrypted with Parquet modular encryption under keys derived from the keyring
(:mod:`veil.sinks.crypto`). DuckDB files are not encrypted (:mod:`veil.sinks.duckdb_sink`
says why); asking for it raises :class:`~veil.errors.ConfigError`.
"""

from veil.sinks.crypto import KeyringKms, WrongKeyError
from veil.sinks.fs import Location, S3Error, S3Options, resolve_location
from veil.sinks.layout import CommitInfo, FileEntry, Layout
from veil.sinks.sink import (
    Sink,
    Writer,
    connect,
    get_format,
    iter_batches,
    open_sink,
    read_dataset,
    register_format,
)

__all__ = [
    "CommitInfo",
    "FileEntry",
    "KeyringKms",
    "Layout",
    "Location",
    "S3Error",
    "S3Options",
    "Sink",
    "Writer",
    "WrongKeyError",
    "connect",
    "get_format",
    "iter_batches",
    "open_sink",
    "read_dataset",
    "register_format",
    "resolve_location",
]
