"""What every source is: a producer of bounded, flat Arrow record batches.

A source never holds the whole dataset in memory. It reports progress through a callback,
counts the records it had to quarantine (with reasons, never values), and describes itself
as JSON-safe parameters (its fingerprint) so a run can be recorded and repeated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

#: called with the number of records just produced (or fetched)
ProgressCallback = Callable[[int], None]

DEFAULT_BATCH_ROWS = 50_000


def projection(schema: pa.Schema, columns: Collection[str] | None) -> list[str]:
    """The names of ``schema`` to produce for a ``columns`` request (all when ``None``)."""
    if columns is None:
        return list(schema.names)
    wanted = set(columns)
    return [name for name in schema.names if name in wanted]


@dataclass
class Quarantine:
    """Records set aside as malformed: how many, and why. Never their values."""

    count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, reason: str, n: int = 1) -> None:
        self.count += n
        self.reasons[reason] += n

    def merge(self, other: Quarantine) -> None:
        self.count += other.count
        self.reasons.update(other.reasons)

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "reasons": dict(self.reasons.most_common())}


@runtime_checkable
class Source(Protocol):
    """A source of user records in one of the known shapes (see ``veil.sources.shapes``)."""

    name: str
    shape: str
    schema: pa.Schema
    quarantine: Quarantine

    def fingerprint(self) -> dict[str, Any]:
        """JSON-safe parameters that identify what this source produces (no secrets, no PII)."""
        ...

    def expected_rows(self) -> int | None:
        """How many records the source expects to produce, if known (for progress bars)."""
        ...

    def batches(
        self,
        progress: ProgressCallback | None = None,
        columns: Collection[str] | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Yield flat record batches of at most a bounded size, in the source's schema.

        With ``columns``, batches hold only those columns (in schema order): a source that
        can skip reading the others (Parquet) does, and nothing else changes.
        """
        ...
