"""Pipeline throughput: veil vs. a plain DuckDB Parquet→Parquet copy, in one run.

1,000,000 synthetic randomuser-shape users are written once to a zstd Parquet file (not
timed). Then, each repeated and the median taken:

- floor: DuckDB copies that file to a new zstd Parquet file (no transformation, no encryption);
- veil:  ``FileSource`` → the built-in randomuser policy → encrypted Parquet (no report);
- veil + report: the same plus the raw-side cube and the report on the read-back output.

Prints records/s and the ratio to the floor. Usage: ``python benchmarks/bench_pipeline.py
[--persons N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from veil.jobs import RunConfig, run_pipeline
from veil.keys import Keyring
from veil.policy import builtin_policy
from veil.sources.file import FileSource
from veil.sources.synthetic import SyntheticSource

REF = datetime(2026, 11, 22, tzinfo=UTC)


def make_input(path: Path, persons: int) -> None:
    source = SyntheticSource(shape="randomuser", persons=persons, seed=42)
    with pq.ParquetWriter(path, source.schema, compression="zstd") as writer:
        for batch in source.batches():
            writer.write_batch(batch)


def duckdb_copy(src: Path, dst: Path) -> float:
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{src}')) TO '{dst}' (FORMAT parquet, COMPRESSION zstd)"
    )
    con.close()
    return time.perf_counter() - t0


def veil_run(src: Path, out: Path, *, report: bool) -> float:
    config = RunConfig(
        source=FileSource(src),
        policy=builtin_policy("randomuser"),
        keyring=Keyring.from_key(bytes(range(32))),
        output=str(out),
        encrypt=True,
        reference_date=REF,
        report=(out / "report") if report else None,
        compare_raw=report,
    )
    t0 = time.perf_counter()
    result = run_pipeline(config)
    elapsed = time.perf_counter() - t0
    assert result.rows == pq.ParquetFile(src).metadata.num_rows
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / "users.parquet"
        t0 = time.perf_counter()
        make_input(src, args.persons)
        print(
            f"input: {args.persons:,} users, {src.stat().st_size / 1e6:.1f} MB "
            f"(generated in {time.perf_counter() - t0:.2f} s)"
        )
        floor, plain, full = [], [], []
        for i in range(args.repeat):
            floor.append(duckdb_copy(src, tmpdir / f"copy{i}.parquet"))
            plain.append(veil_run(src, tmpdir / f"veil{i}", report=False))
            full.append(veil_run(src, tmpdir / f"veilr{i}", report=True))
        rows = args.persons
        f, p, r = (statistics.median(x) for x in (floor, plain, full))
        print(f"{'':34}{'seconds':>9}{'records/s':>13}{'vs floor':>10}")
        print(f"{'duckdb parquet→parquet copy':34}{f:9.2f}{rows / f:13,.0f}{1:10.2f}")
        print(f"{'veil policy + encrypted parquet':34}{p:9.2f}{rows / p:13,.0f}{p / f:10.2f}")
        print(f"{'veil ... + raw cube + report':34}{r:9.2f}{rows / r:13,.0f}{r / f:10.2f}")
        print(
            f"target: ≥ 300,000 records/s and ≤ 3× the copy → "
            f"{'met' if rows / p >= 300_000 and p / f <= 3 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
