"""Sink throughput: veil's encrypted Parquet sink vs. plain pyarrow and DuckDB Parquet writes.

One in-memory table of 1,000,000 rows × 15 columns (6 strings, 5 integers, 4 timestamps) is
generated once (not timed). Then, each repeated and the median taken:

- ``pq.write_table``: pyarrow writes the table as one zstd Parquet file (the floor);
- ``duckdb COPY``: DuckDB copies the registered Arrow table to a zstd Parquet file;
- veil sink, plain: ``open_sink(encrypt=False)``, 64k-row batches, commit (hash, manifest,
  atomic rename, pointer);
- veil sink, encrypted: the same with Parquet modular encryption (footer + all columns).

Reading back is timed too (``pq.read_table`` vs. ``sink.read`` decrypting). Prints seconds,
MB/s of Arrow data, output size and the ratio to the floor. Usage:
``python benchmarks/bench_sink.py [--rows N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from veil.keys import Keyring
from veil.sinks import open_sink

BATCH = 64 * 1024
KEYRING = Keyring.from_key(bytes(range(32)))


def make_table(rows: int) -> pa.Table:
    """A table shaped like anonymized users: pseudonyms, bands, cities, dates, counts."""
    rng = np.random.default_rng(7)
    cities = np.array([f"city-{i}" for i in range(500)])
    first = np.array([f"first-{i}" for i in range(2000)])
    t0 = np.datetime64("2020-01-01T00:00:00", "us")
    span = np.int64(5 * 365 * 24 * 3600 * 1_000_000)

    def stamps() -> pa.Array:
        offsets = rng.integers(0, span, rows).astype("timedelta64[us]")
        return pa.array(t0 + offsets).cast(pa.timestamp("us", tz="UTC"))

    ids = np.arange(rows)
    return pa.table(
        {
            "subject": pa.array(np.char.add("s-", rng.integers(0, 2**40, rows).astype(str))),
            "first_name": pa.array(first[rng.integers(0, len(first), rows)]),
            "email": pa.array(np.char.add(ids.astype(str), "@example.org")),
            "city": pa.array(cities[rng.integers(0, len(cities), rows)]),
            "country": pa.array(np.array(["DE", "FR", "NO", "ES", "IT"])[ids % 5]),
            "age_band": pa.array(np.array(["18-29", "30-44", "45-59", "60+"])[ids % 4]),
            "id": pa.array(ids),
            "logins": pa.array(rng.integers(0, 1000, rows)),
            "postcode": pa.array(rng.integers(10000, 99999, rows)),
            "score": pa.array(rng.integers(-500, 500, rows)),
            "year": pa.array(rng.integers(1940, 2008, rows)),
            "registered": stamps(),
            "last_login": stamps(),
            "dob": stamps(),
            "updated": stamps(),
        }
    )


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def size_of(path: Path) -> int:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def pyarrow_write(table: pa.Table, out: Path) -> None:
    pq.write_table(table, out, compression="zstd")


def duckdb_copy(table: pa.Table, out: Path) -> None:
    con = duckdb.connect()
    con.register("t", table)
    con.execute(f"COPY (SELECT * FROM t) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
    con.close()


def veil_write(table: pa.Table, out: Path, *, encrypt: bool) -> None:
    sink = open_sink(str(out), format="parquet", encrypt=encrypt, keyring=KEYRING)
    with sink.writer(dataset="users", schema=table.schema, run_id="bench") as w:
        for batch in table.to_batches(max_chunksize=BATCH):
            w.write(batch)
        w.commit({"run_id": "bench"})


def measure(fn: Callable[[Path], object], workdir: Path, repeat: int) -> tuple[float, int]:
    """Median seconds of ``fn(target)`` over ``repeat`` fresh targets, and the output size."""
    times, size = [], 0
    for i in range(repeat):
        target = workdir / f"out-{i}"
        t0 = time.perf_counter()
        fn(target)
        times.append(time.perf_counter() - t0)
        size = size_of(target)
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    table = make_table(args.rows)
    mb = table.nbytes / 1e6
    shape = f"{args.rows:,} rows × {table.num_columns} columns, {mb:,.0f} MB in Arrow"
    print(f"{shape}; median of {args.repeat}")
    with tempfile.TemporaryDirectory(prefix="veil-bench-") as tmp:
        work = Path(tmp)
        cases = {
            "pq.write_table zstd": lambda p: pyarrow_write(table, p),
            "duckdb COPY parquet zstd": lambda p: duckdb_copy(table, p),
            "veil sink, plain": lambda p: veil_write(table, p, encrypt=False),
            "veil sink, encrypted": lambda p: veil_write(table, p, encrypt=True),
        }
        results = {name: measure(fn, work, args.repeat) for name, fn in cases.items()}
        floor = results["pq.write_table zstd"][0]
        print(f"\n{'write':28} {'seconds':>8} {'MB/s':>8} {'size MB':>8} {'vs floor':>9}")
        for name, (secs, size) in results.items():
            print(f"{name:28} {secs:8.2f} {mb / secs:8.0f} {size / 1e6:8.1f} {secs / floor:8.2f}x")
        print_reads(table, work, args.repeat)


def print_reads(table: pa.Table, work: Path, repeat: int) -> None:
    plain = work / "plain.parquet"
    pyarrow_write(table, plain)
    veil_write(table, work / "enc", encrypt=True)
    sink = open_sink(str(work / "enc"), format="parquet", encrypt=True, keyring=KEYRING)
    floor = statistics.median(timed(lambda: pq.read_table(plain)) for _ in range(repeat))
    veil = statistics.median(timed(lambda: sink.read("users")) for _ in range(repeat))
    print(f"\n{'read':28} {'seconds':>8} {'vs floor':>9}")
    print(f"{'pq.read_table (plain)':28} {floor:8.2f} {1:8.2f}x")
    print(f"{'veil sink.read (decrypting)':28} {veil:8.2f} {veil / floor:8.2f}x")


if __name__ == "__main__":
    main()
