"""Dataset layout under an output location, and the atomic commit protocol.

An output location holds datasets; each is a folder of immutable versions and a pointer::

    <base>/<dataset>/
        _current.json              {"version_id": ..., "previous": ..., "committed_at": ...}
        _legal_hold.json           only while the dataset is under legal hold: nothing prunes it
        versions/<version_id>/     data files + manifest.json (+ attachments/ for reports)
        .staging/<run_id>/         local only: a version being written
        .staging/<run_id>.json     owner marker of a pending write (host, pid, start, target)

Writing a version (:meth:`Layout.begin` → files → :meth:`Layout.publish`):

1. Stale pending writes of the dataset are removed: their owner process is gone (same host)
   or they are older than ``stale_after``. Pending writes of live processes are left alone.
2. The owner marker is written, then the data files: locally into ``.staging/<run_id>/``, on
   S3 straight into ``versions/<version_id>/`` (invisible: nothing points at it yet).
3. ``manifest.json`` is written into the version, the local staging folder is renamed into
   ``versions/`` (one atomic rename), the marker is removed, and ``_current.json`` is replaced
   last (temp file + ``os.replace`` locally, a single PUT on S3). Readers only ever follow the
   pointer, so they see the previous version or the new one, never a half-written one.
4. Committed versions beyond the newest ``keep`` (and the current one) are pruned, unless the
   dataset carries a legal-hold marker (``_legal_hold.json``, written by ``veil hold set``).

On abort the pending files and the marker are deleted; the previous version and the pointer
are untouched. Concurrent writers of one dataset each commit their own version; the pointer
names whichever committed last. Version ids sort by creation time:
``YYYYmmddTHHMMSSffffffZ-<random>``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.fs as pafs

from veil.errors import ConfigError, SinkError
from veil.sinks.fs import Location

POINTER = "_current.json"
HOLD = "_legal_hold.json"
MANIFEST = "manifest.json"
VERSIONS = "versions"
STAGING = ".staging"
ATTACHMENTS = "attachments"
DEFAULT_KEEP = 5
DEFAULT_STALE_AFTER = timedelta(hours=24)

DATASET_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
_RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_FILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def check_dataset_name(name: str) -> str:
    if not DATASET_RE.match(name):
        raise ConfigError(
            f"dataset name {name!r} is invalid: use letters, digits, '_' and '-', "
            "starting with a letter or '_' (it becomes a folder and a SQL table name)"
        )
    return name


def check_run_id(run_id: str) -> str:
    if not _RUN_ID_RE.match(run_id):
        raise ConfigError(
            f"run id {run_id!r} is invalid: use letters, digits, '_', '.' and '-' (max 128)"
        )
    return run_id


def check_file_name(name: str) -> str:
    if not _FILE_RE.match(name) or name == MANIFEST:
        raise ConfigError(
            f"file name {name!r} is invalid: a plain name of letters, digits, '_', '.', '-'"
        )
    return name


def quote_ident(name: str) -> str:
    """A SQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


def sql_str(text: str) -> str:
    """A SQL string literal, single-quoted."""
    return "'" + text.replace("'", "''") + "'"


def encode_schema(schema: pa.Schema) -> str:
    """The Arrow schema as base64 IPC bytes, for the manifest (exact types, tz included)."""
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


def decode_schema(manifest: Mapping[str, Any]) -> pa.Schema | None:
    """The Arrow schema a manifest recorded, or ``None`` if it has none."""
    text = manifest.get("arrow_schema")
    if not text:
        return None
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


def new_version_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(4)}"


def _now() -> datetime:
    return datetime.now(UTC)


def _is_dir(info: pafs.FileInfo) -> bool:
    return bool(info.type == pafs.FileType.Directory)


#: markers of the pending writes this process has open (so a same-pid marker can be judged)
_OPEN_MARKERS: set[str] = set()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Pending:
    """A version being written: where its files go and where it will live once committed."""

    dataset: str
    run_id: str
    version_id: str
    data_dir: str  # where the writer puts files now
    final_dir: str  # versions/<version_id>
    marker: str  # .staging/<run_id>.json


@dataclass(frozen=True)
class FileEntry:
    """One data file of a version: its name in the version folder, size, digest and rows."""

    path: str
    bytes: int
    sha256: str
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "bytes": self.bytes, "sha256": self.sha256, "rows": self.rows}


class FormatWriter(Protocol):
    """What a format (Parquet, DuckDB, …) provides to write the files of one version."""

    format: str

    def write(self, batch: pa.RecordBatch) -> None: ...

    def close(self) -> list[FileEntry]:
        """Finish every file (flushed and durable) and describe them."""
        ...

    def discard(self) -> None:
        """Release handles and temporary files after a failure; never raises."""
        ...


@dataclass(frozen=True)
class CommitInfo:
    """What a commit produced."""

    version_id: str
    location: str
    files: tuple[str, ...]
    rows: int
    bytes: int


@dataclass
class Layout:
    """Paths, pointer, manifests, staging and pruning for the datasets of one location."""

    location: Location
    keep: int = DEFAULT_KEEP
    stale_after: timedelta = DEFAULT_STALE_AFTER
    host: str = field(default_factory=socket.gethostname)

    # paths ---------------------------------------------------------------------------------
    def dataset_dir(self, dataset: str) -> str:
        return self.location.path(check_dataset_name(dataset))

    def version_dir(self, dataset: str, version_id: str) -> str:
        return self.location.path(dataset, VERSIONS, version_id)

    def pointer_path(self, dataset: str) -> str:
        return self.location.path(dataset, POINTER)

    def hold_path(self, dataset: str) -> str:
        return self.location.path(check_dataset_name(dataset), HOLD)

    def staging_dir(self, dataset: str) -> str:
        return self.location.path(dataset, STAGING)

    # reading -------------------------------------------------------------------------------
    def _read_json(self, path: str) -> dict[str, Any] | None:
        data = self.location.read_bytes(path)
        if data is None:
            return None
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise SinkError(f"{self.location.display(path)} is not valid JSON (corrupt?)") from None
        if not isinstance(doc, dict):
            raise SinkError(f"{self.location.display(path)} does not hold a JSON object")
        return doc

    def current_version(self, dataset: str) -> str | None:
        """The version id the pointer names, or ``None`` if nothing was committed."""
        doc = self._read_json(self.pointer_path(check_dataset_name(dataset)))
        return None if doc is None else str(doc["version_id"])

    def manifest(self, dataset: str, version_id: str | None = None) -> dict[str, Any] | None:
        """The manifest of a version (default: the current one), or ``None``."""
        version_id = version_id or self.current_version(dataset)
        if version_id is None:
            return None
        check_run_id(version_id)
        doc = self._read_json(self.location.path(dataset, VERSIONS, version_id, MANIFEST))
        if doc is None:
            raise SinkError(
                f"dataset {dataset!r}: version {version_id} has no manifest "
                "(pruned or never committed)"
            )
        return doc

    def versions(self, dataset: str) -> list[str]:
        """Committed version ids (those with a manifest), oldest first."""
        root = self.location.path(check_dataset_name(dataset), VERSIONS)
        ids = sorted(i.base_name for i in self.location.list(root) if _is_dir(i))
        return [v for v in ids if self.location.exists(f"{root}/{v}/{MANIFEST}")]

    # writing -------------------------------------------------------------------------------
    def begin(self, dataset: str, run_id: str) -> Pending:
        """Start a pending version: clean stale ones, write the owner marker, make the folder."""
        check_dataset_name(dataset)
        check_run_id(run_id)
        self.clean_stale(dataset)
        version_id = new_version_id()
        final_dir = self.version_dir(dataset, version_id)
        staging = self.staging_dir(dataset)
        data_dir = f"{staging}/{run_id}" if self.location.is_local else final_dir
        marker = f"{staging}/{run_id}.json"
        if self.location.exists(marker) or self.location.exists(data_dir):
            raise SinkError(f"dataset {dataset!r}: run {run_id} is already writing; use a new id")
        owner = {
            "run_id": run_id,
            "version_id": version_id,
            "host": self.host,
            "pid": os.getpid(),
            "started_at": _now().isoformat(),
            "target": data_dir[len(self.location.base) + 1 :],
        }
        _OPEN_MARKERS.add(marker)
        self.location.write_bytes(marker, json.dumps(owner).encode())
        self.location.make_dirs(data_dir)
        return Pending(dataset, run_id, version_id, data_dir, final_dir, marker)

    def publish(self, pending: Pending, manifest: dict[str, Any]) -> None:
        """Write the manifest, move the version in place, then move the pointer (last)."""
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        self.location.write_bytes(f"{pending.data_dir}/{MANIFEST}", body)
        if self.location.is_local:
            self.location.rename_dir(pending.data_dir, pending.final_dir)
        self.location.delete_file(pending.marker)
        _OPEN_MARKERS.discard(pending.marker)
        self.location.remove_dir_if_empty(self.staging_dir(pending.dataset))
        self.set_current(pending.dataset, pending.version_id)

    def abort(self, pending: Pending) -> None:
        """Delete what a pending version wrote; the pointer and older versions stay as they are."""
        _OPEN_MARKERS.discard(pending.marker)  # even if deleting fails: the next writer retries
        self.location.delete_tree(pending.data_dir)
        if not self.location.is_local:
            self.location.delete_tree(pending.final_dir)
        self.location.delete_file(pending.marker)
        self.location.remove_dir_if_empty(self.staging_dir(pending.dataset))

    def set_current(self, dataset: str, version_id: str) -> None:
        """Point the dataset at a committed version (a commit, or a rollback)."""
        self.manifest(dataset, version_id)  # raises SinkError if it was never committed
        pointer = {
            "version_id": version_id,
            "previous": self.current_version(dataset),
            "committed_at": _now().isoformat(),
        }
        self.location.write_bytes(self.pointer_path(dataset), json.dumps(pointer).encode())

    # legal hold ----------------------------------------------------------------------------
    def held(self, dataset: str) -> bool:
        """Whether the dataset carries a legal-hold marker (then nothing prunes it)."""
        return self.location.exists(self.hold_path(dataset))

    def set_hold(self, dataset: str, marker: Mapping[str, Any] | None) -> None:
        """Write the legal-hold marker (who and since when; the reason stays in the catalog),
        or remove it (``None``)."""
        if marker is None:
            self.location.delete_file(self.hold_path(dataset))
        else:
            self.location.write_bytes(self.hold_path(dataset), json.dumps(dict(marker)).encode())

    # housekeeping --------------------------------------------------------------------------
    def delete_version(self, dataset: str, version_id: str) -> None:
        """Delete a committed version that is not the current one: its manifest first (from
        then on it is no longer a committed version), then its files."""
        check_run_id(version_id)
        if version_id == self.current_version(dataset):
            raise SinkError(
                f"dataset {dataset!r}: version {version_id} is the current version; it is "
                "never deleted (make another version current first)"
            )
        root = self.version_dir(dataset, version_id)
        self.location.delete_file(f"{root}/{MANIFEST}")
        self.location.delete_tree(root)

    def prune(self, dataset: str) -> list[str]:
        """Delete committed versions beyond the newest ``keep`` (never the current one, never
        under a legal hold)."""
        if self.keep < 1 or self.held(dataset):
            return []
        current = self.current_version(dataset)
        committed = self.versions(dataset)
        doomed = [v for v in committed[: -self.keep] if v != current]
        for version_id in doomed:
            self.location.delete_tree(self.version_dir(dataset, version_id))
        return doomed

    def clean_stale(self, dataset: str) -> list[str]:
        """Remove pending writes whose owner is gone; return the removed targets."""
        root = self.location.path(dataset, VERSIONS)
        version_dirs = [i.base_name for i in self.location.list(root) if _is_dir(i)]
        staging = self.staging_dir(dataset)
        entries = self.location.list(staging)
        live: set[str] = set()
        removed: list[str] = []
        for info in entries:
            if not _is_dir(info) and info.base_name.endswith(".json"):
                target = self._clean_marker(info.path, live)
                if target is not None:
                    removed.append(target)
        for info in entries:  # staging folders without a marker: their writer died
            marker = f"{info.path}.json"
            if _is_dir(info) and not self.location.exists(marker):
                self.location.delete_tree(info.path)
                removed.append(info.path)
        for version_id in version_dirs:  # S3: a version without manifest nor live owner
            path = f"{root}/{version_id}"
            if version_id not in live and not self.location.exists(f"{path}/{MANIFEST}"):
                self.location.delete_tree(path)
                removed.append(path)
        self.location.remove_dir_if_empty(staging)
        return removed

    def _clean_marker(self, marker: str, live: set[str]) -> str | None:
        try:
            owner = self._read_json(marker)
        except SinkError:
            owner = {}
        if owner is None:  # committed or aborted meanwhile
            return None
        if not self._is_stale(marker, owner):
            live.add(str(owner.get("version_id")))
            return None
        target = str(owner.get("target") or "")
        if target:
            self.location.delete_tree(self.location.path(target))
        self.location.delete_file(marker)
        return target or marker

    def _is_stale(self, marker: str, owner: dict[str, Any]) -> bool:
        try:
            started = datetime.fromisoformat(str(owner["started_at"]))
            pid = int(owner["pid"])
        except (KeyError, ValueError, TypeError):
            return True
        if owner.get("host") == self.host:
            if pid == os.getpid():
                return marker not in _OPEN_MARKERS
            if not _pid_alive(pid):
                return True
        return _now() - started > self.stale_after
