"""pseudonym on 1,000,000 values: throughput against a per-row Python baseline, and the
collision rates.

For each kind, the operator is called once on a column of N values (default 1,000,000) in
one thread, and timed:

- ``distinct``: N distinct inputs (``Person 123456``, ``user123456@example.com``, phones
  ``+1 (555) 012-3456``): the worst case, one HMAC per row;
- ``realistic`` (first and last names only): N names drawn from 5,000 distinct ones, as a real
  name column repeats: one HMAC per distinct value.

The baseline is what a hand-written script does: per value, ``hmac.new(key, value)`` from a
keyed state, an index into a Python list, the surrogate assembled with f-strings; timed on
100,000 values and scaled, including the conversion from and to Arrow.

The collision rate of a kind is the share of the N distinct inputs whose surrogate is also the
surrogate of some other input (for e-mails: the same domain for all, so the local part alone
must differ). Usage: ``python benchmarks/bench_pseudonym.py [--values N] [--only KIND]``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veil.keys import Keyring
from veil.operators import pseudonym_data as data
from veil.operators.base import OpContext, get

KEYRING = Keyring.from_key(bytes(range(32)))
BASELINE_VALUES = 100_000


def distinct_inputs(kind: str, n: int) -> pa.Array:
    if kind == "email":
        return pa.array([f"user{i}@example.com" for i in range(n)], pa.string())
    if kind == "phone":
        return pa.array([f"+1 (555) {i // 10000:03d}-{i % 10000:04d}" for i in range(n)])
    return pa.array([f"Person {i}" for i in range(n)], pa.string())


def realistic_inputs(kind: str, n: int) -> pa.Array:
    pool = data.names("en_US").first[2] if kind == "first_name" else data.names("en_US").last
    words = pa.array([pool[(i * 7919) % len(pool)] + ("" if i < len(pool) else f"{i}")
                      for i in range(5000)], pa.string())  # fmt: skip
    picks = np.random.default_rng(7).integers(0, 5000, n)  # seeded test data, not keys
    return words.take(pa.array(picks))


def veil(kind: str, values: pa.Array) -> tuple[pa.Array, float]:
    op = get("pseudonym")
    fn = op.factory(op.params.model_validate({"op": "pseudonym", "kind": kind}))
    batch = pa.RecordBatch.from_arrays([values], names=["c"])
    ctx = OpContext(batch, KEYRING, datetime.now(UTC), "c", "c")
    fn(values.slice(0, 100_000), ctx)  # warm-up: word lists (built once), DuckDB, allocator
    start = time.perf_counter()
    out = fn(values, ctx)
    return out, time.perf_counter() - start


def python_baseline(kind: str) -> Callable[[list[str | None]], list[str | None]]:
    """A per-row surrogate of the same kind: HMAC per value, list indexing, f-strings."""
    names = data.names("en_US")
    first, last = list(names.first[2]), list(names.last)
    fslug, lslug = list(names.first_slug[2]), list(names.last_slug)
    state = hmac.new(KEYRING.derive("pseudonym", "c"), digestmod=hashlib.sha256)

    def digest(value: str) -> bytes:
        h = state.copy()
        h.update(value.encode())
        return h.digest()

    def one(value: str) -> str:
        d = digest(value.strip().lower() if kind in ("email", "username") else value)
        a, b, c = (int.from_bytes(d[i : i + 8], "big") for i in (0, 8, 16))
        if kind == "first_name":
            return first[a % len(first)]
        if kind == "last_name":
            return last[a % len(last)]
        if kind == "full_name":
            return f"{first[a % len(first)]} {last[b % len(last)]}"
        if kind == "email":
            domain = value.rsplit("@", 1)[-1]
            return f"{fslug[a % len(fslug)]}.{lslug[b % len(lslug)]}{c % 100:02d}@{domain}"
        if kind == "username":
            return f"{fslug[a % len(fslug)]}.{lslug[b % len(lslug)]}{c % 100:02d}"
        if kind == "phone":
            digits = iter(f"{a % 10**15:015d}{b % 10**15:015d}")
            return "".join(next(digits) if ch.isdigit() else ch for ch in value)
        return f"{a % 999 + 1} {last[b % len(last)]} Street"

    return lambda values: [None if v is None else one(v) for v in values]


def baseline_rate(kind: str, values: pa.Array) -> float:
    fn = python_baseline(kind)
    sample = values.slice(0, min(BASELINE_VALUES, len(values)))
    start = time.perf_counter()
    pa.array(fn(sample.to_pylist()), pa.string())
    return len(sample) / (time.perf_counter() - start)


def collision_rate(out: pa.Array) -> float:
    """The share of values whose surrogate is shared with at least one other value."""
    counts = pc.value_counts(out).field("counts").to_numpy()
    return float(counts[counts > 1].sum()) / len(out)


KINDS = ["first_name", "last_name", "full_name", "email", "username", "phone", "street_address"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--only", choices=KINDS)
    args = parser.parse_args()
    n = args.values
    print(f"pseudonym, {n:,} values, one call, one thread (DuckDB: its own threads)")
    print(f"{'kind':<16}{'inputs':<11}{'veil/s':>13}{'python/s':>12}{'ratio':>8}{'collide':>10}")
    for kind in [args.only] if args.only else KINDS:
        cases = [("distinct", distinct_inputs(kind, n))]
        if kind in ("first_name", "last_name"):
            cases.append(("realistic", realistic_inputs(kind, n)))
        for label, values in cases:
            out, seconds = veil(kind, values)
            rate = n / seconds
            base = baseline_rate(kind, values)
            collide = f"{collision_rate(out):.2%}" if label == "distinct" else "-"
            print(f"{kind:<16}{label:<11}{rate:>13,.0f}{base:>12,.0f}{rate / base:>7.1f}x"
                  f"{collide:>10}")  # fmt: skip


if __name__ == "__main__":
    main()
