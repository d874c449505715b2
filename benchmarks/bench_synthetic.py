"""Synthetic source throughput: 1,000,000 randomuser-shape users vs. a trivial-table floor.

- synthetic: ``SyntheticSource(shape=..., persons=N).batches()`` drained (the reference data is
  compiled once before timing, as it is once per process);
- floor: pyarrow builds the same number of rows in batches of the same size and schema (same
  column count and types) from the cheapest possible values: ``arange`` integers, random
  floats and timestamps, integers cast to strings. No realism, no joins, no formatting.

``--shape events`` times the events of N users instead (about 10 per user: 1,000,000 users
give about 10,000,000 events, every column built), and ``--columns`` times only the columns
the built-in events policy reads (what ``veil run --shape events`` asks the source for).

Each is repeated and the median taken. Prints rows/s and the ratio to the floor. Usage:
``python benchmarks/bench_synthetic.py [--persons N] [--repeat R]
[--shape randomuser|fakerapi|events] [--columns policy]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veil.policy import builtin_policy
from veil.sources.base import DEFAULT_BATCH_ROWS
from veil.sources.shapes import SHAPES
from veil.sources.synthetic import SyntheticSource, model


def synthetic(shape: str, persons: int, columns: list[str] | None = None) -> float:
    source = SyntheticSource(shape=shape, persons=persons)
    t0 = time.perf_counter()
    rows = sum(b.num_rows for b in source.batches(columns=columns))
    elapsed = time.perf_counter() - t0
    assert rows == source.expected_rows()
    return elapsed


def _trivial_column(field: pa.Field, start: int, n: int, rng: np.random.Generator) -> pa.Array:
    ints = np.arange(start, start + n, dtype=np.int64)
    if pa.types.is_string(field.type):
        return pc.cast(pa.array(ints), pa.string())
    if pa.types.is_floating(field.type):
        return pa.array(rng.random(n))
    if pa.types.is_timestamp(field.type):
        return pa.array(rng.integers(0, 2**40, n), field.type)
    return pa.array(ints)


def floor(schema: pa.Schema, persons: int, batch_rows: int = DEFAULT_BATCH_ROWS) -> float:
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    rows = 0
    for start in range(0, persons, batch_rows):
        n = min(batch_rows, persons - start)
        arrays = [_trivial_column(f, start, n, rng) for f in schema]
        rows += pa.RecordBatch.from_arrays(arrays, schema=schema).num_rows
    elapsed = time.perf_counter() - t0
    assert rows == persons
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shape", choices=list(SHAPES), default="randomuser")
    ap.add_argument(
        "--columns", choices=["all", "policy"], default="all", help="policy: the built-in's inputs"
    )
    args = ap.parse_args()
    t0 = time.perf_counter()
    model()
    print(f"reference data compiled once in {time.perf_counter() - t0:.3f} s")
    schema = SHAPES[args.shape]
    columns = None
    if args.columns == "policy":
        outputs = builtin_policy(args.shape).outputs()  # what a run asks for (drop reads nothing)
        columns = sorted(
            {p.source or out for out, p in outputs.items()}.union(
                *(p.read_columns() for p in outputs.values())
            )
        )
        schema = pa.schema([f for f in schema if f.name in columns])
    rows = SyntheticSource(shape=args.shape, persons=args.persons).expected_rows()
    what = "events" if args.shape == "events" else "users"
    base = statistics.median(floor(schema, rows) for _ in range(args.repeat))
    ours = statistics.median(
        synthetic(args.shape, args.persons, columns) for _ in range(args.repeat)
    )
    made = f"events of {args.persons:,} users" if what == "events" else f"{args.shape} users"
    print(f"{rows:,} {made}, {len(schema)} columns, median of {args.repeat}")
    print(f"  floor (trivial pyarrow table) {base:7.3f} s  {rows / base:12,.0f} rows/s")
    print(f"  synthetic                     {ours:7.3f} s  {rows / ours:12,.0f} {what}/s")
    print(f"  ratio synthetic / floor       {ours / base:7.2f} x")


if __name__ == "__main__":
    main()
