"""Local engine vs Spark engine (``local[2]``) on the same synthetic users, in one run.

1,000,000 synthetic randomuser-shape users are written once to a Parquet file (not timed).
Then, each repeated and the median taken:

- transform only: the built-in randomuser policy over the file's batches, by the local
  engine (``compile_policy`` + ``transform`` on this machine's transform threads) and by
  ``veil.engines.spark.anonymize`` on ``spark.read.parquet`` (rows streamed back to the
  driver as Arrow, as ``veil run`` does);
- whole run: ``run_pipeline`` (file source → policy → encrypted Parquet, no report) with
  ``engine="local"`` and ``engine="spark"`` (which stages the source as Parquet first).

The Spark session is started before timing (its start-up is printed apart). Prints
records/s and the ratio spark/local. On a small machine Spark is expected to be slower:
it pays JVM↔Python Arrow transfers for the same vectorised transform. Usage:
``python benchmarks/bench_spark.py [--persons N] [--repeat R] [--master local[2]]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from veil.engines import compile_policy
from veil.engines import spark as engine
from veil.jobs import RunConfig, run_pipeline
from veil.jobs.prefetch import default_workers, ordered_map
from veil.keys import Keyring
from veil.policy import builtin_policy
from veil.sources.file import FileSource
from veil.sources.synthetic import SyntheticSource

REF = datetime(2026, 11, 22, tzinfo=UTC)
KEYRING = Keyring.from_key(bytes(range(32)))
POLICY = builtin_policy("randomuser")


def make_input(path: Path, persons: int) -> None:
    source = SyntheticSource(shape="randomuser", persons=persons, seed=42)
    with pq.ParquetWriter(path, source.schema) as writer:
        for batch in source.batches():
            writer.write_batch(batch)


def local_transform(path: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    file = pq.ParquetFile(path)
    compiled = compile_policy(POLICY, file.schema_arrow, KEYRING, REF)
    batches = file.iter_batches(batch_size=50_000)
    rows = sum(b.num_rows for b in ordered_map(compiled.transform, batches, default_workers()))
    return time.perf_counter() - t0, rows


def spark_transform(session: object, path: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    df = session.read.parquet(str(path))  # type: ignore[attr-defined]
    out = engine.anonymize(df, POLICY, KEYRING, REF)
    rows = sum(b.num_rows for b in engine.arrow_batches(out))
    return time.perf_counter() - t0, rows


def whole_run(path: Path, out: Path, engine_name: str) -> tuple[float, int]:
    config = RunConfig(
        source=FileSource(path),
        policy=POLICY,
        keyring=KEYRING,
        output=str(out),
        reference_date=REF,
        report=None,
        compare_raw=False,
        engine=engine_name,
    )
    t0 = time.perf_counter()
    result = run_pipeline(config)
    return time.perf_counter() - t0, result.rows


def median_time(fn: object, repeat: int) -> tuple[float, int]:
    runs = [fn() for _ in range(repeat)]  # type: ignore[operator]
    return statistics.median(t for t, _ in runs), runs[0][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    print(f"{args.persons:,} users, {default_workers()} local transform threads")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "users.parquet"
        make_input(path, args.persons)
        t0 = time.perf_counter()
        session = engine.spark_session(args.master)
        session.sparkContext.setLogLevel("ERROR")
        print(f"spark session start ({args.master}): {time.perf_counter() - t0:.1f} s")
        # warm-up, both sides: Spark's Python workers, numba kernels (one batch's worth each)
        small = Path(tmp) / "warm.parquet"
        make_input(small, 10_000)
        local_transform(small)
        spark_transform(session, small)
        cases = {
            "transform only": (
                lambda: local_transform(path),
                lambda: spark_transform(session, path),
            ),
            "whole run": (
                lambda: whole_run(path, Path(tmp) / "out-local", "local"),
                lambda: whole_run(path, Path(tmp) / "out-spark", "spark"),
            ),
        }
        for name, (local, spark) in cases.items():
            lt, lrows = median_time(local, args.repeat)
            st, srows = median_time(spark, args.repeat)
            assert lrows == srows == args.persons, (lrows, srows)
            print(
                f"{name:15s} local {lt:6.1f} s ({lrows / lt:>9,.0f} rec/s)   "
                f"spark {st:6.1f} s ({srows / st:>9,.0f} rec/s)   spark/local time {st / lt:.2f}×"
            )
        session.stop()


if __name__ == "__main__":
    main()
