"""Scan speed: ``veil.detect.scan_table`` on a 1,000,000-row table, next to a floor.

The table: 1,000,000 synthetic users in the randomuser shape (34 columns), written once to
a temporary Parquet file. Measured, best of three:

- **floor**: ``pyarrow.parquet.read_table`` of the file and a non-null count of every
  column (reading the data at all);
- **scan, in memory**: ``scan_table`` on the table already in memory;
- **scan, from the file**: read the file, then ``scan_table`` (what ``veil scan`` does).

``scan_table`` looks at a deterministic sample of 10,000 rows (``sample_rows``): its cost is
one pass of sampling keys over the rows (a few milliseconds per million) plus validators
on the sample, so it hardly grows with the table. Target: < 2 s for the in-memory scan.

Run: ``python benchmarks/bench_scan.py [rows]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from veil.detect import scan_table
from veil.sources.synthetic import SyntheticSource

TARGET_S = 2.0


def best_of(fn: Callable[[], Any], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(rows: int = 1_000_000) -> int:
    table = pa.Table.from_batches(list(SyntheticSource(persons=rows, seed=1).batches()))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "users.parquet"
        pq.write_table(table, path)

        def floor() -> None:
            read = pq.read_table(path)
            sum(read.num_rows - c.null_count for c in read.columns)

        scan_table(table)  # warm: dictionaries, compiled regular expressions
        t_floor = best_of(floor)
        t_mem = best_of(lambda: scan_table(table))
        t_file = best_of(lambda: scan_table(pq.read_table(path)))
    print(f"scan of {rows:,} rows x {table.num_columns} columns (sample of 10,000 rows)")
    print(f"  floor: read + count       {t_floor:6.2f} s  {rows / t_floor:>12,.0f} rows/s")
    print(
        f"  scan, table in memory     {t_mem:6.2f} s  {rows / t_mem:>12,.0f} rows/s"
        f"  target < {TARGET_S} s: {'met' if t_mem < TARGET_S else 'NOT met'}"
    )
    print(
        f"  scan, from the file       {t_file:6.2f} s  {rows / t_file:>12,.0f} rows/s"
        f"  {t_file / t_floor:.2f}x the floor"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
