"""Tables to anonymize in place: the same synthetic users (randomuser shape, flattened) as a
DuckDB table, a Parquet dataset of three files, a Delta Lake table and (``e2e``) a PostgreSQL
table in a fresh schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from veil.sources.synthetic import SyntheticSource

USERS = 300
BATCH = 100  # rows per batch in the runs: three batches

#: raw values that must not survive: direct identifiers the policy hashes, masks or drops
RAW_COLUMNS = ("email", "name_first", "name_last", "login_username", "phone", "cell", "id_value")

KINDS = ["duckdb", "parquet", "delta", pytest.param("postgresql", marks=pytest.mark.e2e)]


@dataclass(frozen=True)
class Made:
    kind: str
    uri: str
    path: Path | None = None


def raw_values(users: pa.Table) -> set[str]:
    """The table's direct identifiers (:data:`RAW_COLUMNS`)."""
    raw: set[str] = set()
    for name in RAW_COLUMNS:
        raw.update(v for v in users.column(name).to_pylist() if v)
    return raw


def fail_transform(monkeypatch: pytest.MonkeyPatch, exc: BaseException, on_batch: int = 2) -> None:
    """Make the compiled policy's transform raise ``exc`` on its ``on_batch``-th batch."""
    from veil.engines.local import CompiledPolicy

    real = CompiledPolicy.transform
    seen: list[int] = []

    def flaky(self: CompiledPolicy, batch: pa.RecordBatch) -> pa.RecordBatch:
        if batch.num_rows:  # compiling probes the transform with no rows
            seen.append(batch.num_rows)
            if len(seen) == on_batch:
                raise exc
        return real(self, batch)

    monkeypatch.setattr(CompiledPolicy, "transform", flaky)


@pytest.fixture(scope="session")
def users() -> pa.Table:
    source = SyntheticSource(persons=USERS, seed=7)
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


def make_duckdb(folder: Path, table: pa.Table) -> Made:
    path = folder / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.register("incoming", table)
    con.execute("CREATE TABLE users AS SELECT * FROM incoming")
    con.close()
    return Made("duckdb", f"duckdb://{path}?table=users", path)


def make_parquet(folder: Path, table: pa.Table) -> Made:
    path = folder / "users"
    path.mkdir()
    for i, start in enumerate(range(0, table.num_rows, BATCH)):
        pq.write_table(table.slice(start, BATCH), path / f"part-{i}.parquet")
    return Made("parquet", f"parquet://{path}", path)


def make_delta(folder: Path, table: pa.Table) -> Made:
    from deltalake import write_deltalake

    path = folder / "users_delta"
    write_deltalake(str(path), table)
    return Made("delta", f"delta://{path}", path)


def make_postgres(url: str, table: pa.Table) -> Made:
    from veil.inplace import open_target

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE users (placeholder integer)")
    engine.dispose()
    uri = f"{url}&table=users"
    with open_target(uri) as target:  # the users land through the target's own swap
        target.replace(table.to_batches(max_chunksize=BATCH), table.schema)
    return Made("postgresql", uri)


@pytest.fixture
def make(request: pytest.FixtureRequest, tmp_path: Path, users: pa.Table) -> Callable[[str], Made]:
    def build(kind: str) -> Made:
        if kind == "duckdb":
            return make_duckdb(tmp_path, users)
        if kind == "parquet":
            return make_parquet(tmp_path, users)
        if kind == "delta":
            return make_delta(tmp_path, users)
        return make_postgres(str(request.getfixturevalue("pg_url")), users)

    return build


@pytest.fixture(params=KINDS)
def made(request: pytest.FixtureRequest, make: Callable[[str], Made]) -> Made:
    return make(request.param)
