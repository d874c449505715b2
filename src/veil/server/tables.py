"""The private tables the query routes ask, kept across requests: :class:`PrivateTables`.

A :class:`~veil.analytics.dp.queries.PrivateTable` learns about its data as it answers (the
subject profile; the subject order its second bounded query builds, which makes later queries
on events about ten times faster), so the server keeps one per dataset, for the dataset's
current version, in a small LRU (:data:`TABLES` datasets). Each request reads the dataset's
pointer: a new current version (a run committed, a rollback) replaces the table.

A DuckDB connection is not safe for concurrent use, and the routes run in FastAPI's thread
pool, so each table has a lock held for a whole query. The table's ``analyst`` and
``confidence`` are set under that lock for each query: what the table keeps depends on the
data alone. A table that leaves the cache is closed when the last query using it ends.

Datasets are found in the catalog (``veil dataset``, ``veil job``) and read with the
workspace's master key, loaded when a table is opened (so a rotated key is picked up).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from veil.analytics.dp.ledger import Ledger
from veil.catalog.catalog import Catalog, Dataset
from veil.errors import ConfigError

if TYPE_CHECKING:
    from veil.analytics.dp.queries import PrivateTable
    from veil.sinks import Sink

TABLES = 4
"""How many datasets' tables the server keeps open."""


class DatasetNotFoundError(ConfigError):
    """No dataset ``dataset`` in the catalog, or none of its versions is committed."""

    def __init__(self, dataset: str, message: str) -> None:
        self.dataset = dataset
        super().__init__(message)


@dataclass(eq=False)
class _Entry:
    """One open table: the version it reads, and who is using it (under the cache's lock)."""

    table: PrivateTable
    version_id: str
    sink: Sink
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0
    retired: bool = False

    def close(self) -> None:
        self.table.con.close()


class PrivateTables:
    """The tables of the catalog's datasets, charging ``ledger``; see the module docstring."""

    def __init__(
        self,
        catalog: Catalog,
        ledger: Ledger,
        workspace: Path,
        environ: Mapping[str, str] | None = None,
        size: int = TABLES,
    ) -> None:
        self._catalog = catalog
        self._ledger = ledger
        self._workspace = workspace
        self._environ = None if environ is None else dict(environ)
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    @contextmanager
    def use(
        self, dataset: str, analyst: str, confidence: float
    ) -> Iterator[tuple[PrivateTable, str]]:
        """The current version of ``dataset`` as ``analyst``'s table, and the version's id;
        no other request uses the table until the block ends.

        A failure that is not veil's (a file unreadable) is checked against the version's
        manifest, as ``veil query`` does, but a :class:`QueryError` is not: a bad request
        would otherwise cost a hash of the whole version."""
        found = self._dataset(dataset)
        entry = self._checkout(found, self._current(found), analyst)
        try:
            with entry.lock, entry.sink.checked(dataset):
                entry.table.analyst, entry.table.confidence = analyst, confidence
                yield entry.table, entry.version_id
        finally:
            self._release(entry)

    def close(self) -> None:
        """Close every table (those in use when their query ends)."""
        with self._lock:
            while self._entries:
                self._retire(self._entries.popitem()[1])

    # -- finding and opening -------------------------------------------------------------

    def _dataset(self, name: str) -> Dataset:
        try:
            return self._catalog.dataset(name)
        except ConfigError:  # the catalog's one refusal here: no such dataset
            raise DatasetNotFoundError(
                name, f"no dataset {name!r} in the catalog (GET /datasets lists them)"
            ) from None

    def _sink(self, dataset: Dataset, with_key: bool) -> Sink:
        """The dataset's output; the key is needed to read data, not pointers."""
        from veil.jobs.retention import dataset_sink
        from veil.keys.keyring import load_keyring

        keyring = (
            load_keyring(self._workspace, None, self._environ, generate=False) if with_key else None
        )
        return dataset_sink(self._catalog, dataset, keyring=keyring)

    def _current(self, dataset: Dataset) -> str:
        manifest = self._sink(dataset, with_key=False).current(dataset.name)
        if manifest is None:
            raise DatasetNotFoundError(
                dataset.name, f"dataset {dataset.name!r} has no committed version"
            )
        return str(manifest["version_id"])

    def _open(self, dataset: Dataset, analyst: str) -> _Entry:
        from veil.analytics.dp.datasets import open_private_table

        sink = self._sink(dataset, with_key=True)
        table, version = open_private_table(
            sink, dataset.name, ledger=self._ledger, analyst=analyst
        )
        return _Entry(table, version, sink)

    # -- the cache (its dict and every entry's users and retired under self._lock) --------

    def _checkout(self, dataset: Dataset, version: str, analyst: str) -> _Entry:
        """The cached table of ``version``, else a new one (opened without holding the
        lock, so other datasets' queries go on meanwhile); counted as in use."""
        with self._lock:
            entry = self._take(dataset.name, version)
        if entry is not None:
            return entry
        opened = self._open(dataset, analyst)
        with self._lock:
            entry = self._take(dataset.name, opened.version_id) or self._add(dataset.name, opened)
        if entry is not opened:  # another request opened the same version first
            opened.close()
        return entry

    def _take(self, name: str, version: str) -> _Entry | None:
        entry = self._entries.get(name)
        if entry is None or entry.version_id != version:
            return None
        self._entries.move_to_end(name)
        entry.users += 1
        return entry

    def _add(self, name: str, entry: _Entry) -> _Entry:
        """Keep ``entry`` as ``name``'s table, retiring the one it replaces and the least
        recently used beyond :data:`TABLES`."""
        replaced = self._entries.pop(name, None)
        if replaced is not None:
            self._retire(replaced)
        self._entries[name] = entry
        entry.users += 1
        while len(self._entries) > self._size:
            self._retire(self._entries.popitem(last=False)[1])
        return entry

    def _retire(self, entry: _Entry) -> None:
        entry.retired = True
        if entry.users == 0:
            entry.close()

    def _release(self, entry: _Entry) -> None:
        with self._lock:
            entry.users -= 1
            if entry.retired and entry.users == 0:
                entry.close()
