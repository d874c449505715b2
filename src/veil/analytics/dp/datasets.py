"""A dataset's committed version, opened for DP queries: :func:`open_private_table`.

``veil query`` opens one for a single question; the server (:mod:`veil.server.tables`) keeps
it across requests, so the table's caches (its subject profile and subject order) serve many.
"""

from __future__ import annotations

from veil.analytics.dp.ledger import Ledger
from veil.analytics.dp.queries import PrivateTable, QueryError
from veil.errors import ConfigError, SinkError
from veil.sinks import Sink

SUBJECT_COLUMN = "subject_id"
"""The column that names the subject in veil's built-in users and events policies."""


def _current_version(sink: Sink, dataset: str) -> str:
    """The id the dataset's pointer names (no key needed: pointers and manifests are plain)."""
    manifest = sink.current(dataset)
    if manifest is None:
        raise ConfigError(f"no committed dataset {dataset!r} in {sink.url}")
    return str(manifest["version_id"])


def open_private_table(
    sink: Sink,
    dataset: str,
    *,
    ledger: Ledger,
    analyst: str,
    subject_column: str = SUBJECT_COLUMN,
    confidence: float = 0.95,
) -> tuple[PrivateTable, str]:
    """The current version of ``dataset`` in ``sink`` as a :class:`PrivateTable` that charges
    ``analyst`` on ``ledger``, and that version's id: ``veil query`` asks it once, the server
    keeps it across requests (:mod:`veil.server.tables`).

    The table reads through a DuckDB connection of its own (``table.con``), which the caller
    closes. The pointer is read before and after connecting: a run or rollback committing in
    between would leave the id naming another version than the one read, so that is refused
    (ask again) rather than mislabelled.
    """
    version = _current_version(sink, dataset)
    con = sink.connect([dataset])
    try:
        if _current_version(sink, dataset) != version:
            raise SinkError(
                f"dataset {dataset!r} got a new current version while it was being opened; "
                "ask again"
            )
        with sink.checked(dataset, also=(QueryError,)):  # a damaged file: say which
            table = PrivateTable(
                con, dataset, subject=subject_column, ledger=ledger, analyst=analyst,
                dataset=dataset, confidence=confidence,
            )  # fmt: skip
    except BaseException:
        con.close()
        raise
    return table, version
