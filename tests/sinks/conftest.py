"""Shared helpers for the sink tests: small tables with a canary, tree snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

CANARY = "CANARY-7f3a9c-PLAINTEXT"
SECRET_COLUMN = "secret_column_name_4e1d"

SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("name", pa.string()),
        ("city", pa.string()),
        ("joined", pa.timestamp("us", tz="UTC")),
        ("score", pa.float64()),
        (SECRET_COLUMN, pa.string()),
    ]
)


def make_table(rows: int, start: int = 0, canary: bool = False) -> pa.Table:
    """``rows`` rows with ids ``start…``; row ``start`` carries the canary if asked."""
    ids = list(range(start, start + rows))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    names = [f"user-{i}" for i in ids]
    if canary and rows:
        names[0] = CANARY
    return pa.table(
        {
            "id": ids,
            "name": names,
            "city": [("Berlin", "Paris", "Oslo")[i % 3] for i in ids],
            "joined": [t0 + timedelta(hours=i) for i in ids],
            "score": [i / 7 for i in ids],
            SECRET_COLUMN: ["x"] * rows,
        },
        schema=SCHEMA,
    )


def write_version(
    sink, table: pa.Table, *, dataset="users", run_id=None, parts=3, schema=None, **meta
):
    """Commit ``table`` as a new version, written in ``parts`` batches."""
    with sink.writer(dataset=dataset, schema=schema or table.schema, run_id=run_id) as w:
        step = max(1, -(-table.num_rows // parts))
        for offset in range(0, table.num_rows, step):
            w.write(table.slice(offset, step))
        return w.commit({"source": {"name": "test"}, **meta})


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


@pytest.fixture
def table() -> pa.Table:
    return make_table(300, canary=True)
