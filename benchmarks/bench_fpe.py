"""fpe on 1,000,000 phone-like values: the vectorised operator vs. per-value paths, one core.

Values are phone numbers of 10 to 16 digits in common layouts (``+49 30 12345678``,
``(555) 010-0199``, ``06-12 34 56 78``…), made by a seeded numpy generator. For FF1 and FF3-1:

- veil: the registered ``fpe`` operator on all values, in batches of 50,000 rows on one
  thread (as one of the engine's transform threads runs it); then ``fpe_decrypt``, the same;
- scalar: the same operator written per value (extract the digits, run the module's scalar
  reference ``ff1_encrypt_ref`` / ``ff3_1_encrypt_ref``, put the digits back), timed on a
  sample of 20,000 values and extrapolated to the full count;
- ff3 package (FF3-1 only, when installed): ``FF3Cipher.encrypt`` per value on the same
  kind of sample, extrapolated the same way.

Prints values/s and the ratios. Usage: ``python benchmarks/bench_fpe.py [--values N]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from veil.keys import Keyring
from veil.operators.base import OpContext, get
from veil.operators.fpe import FpeParams, _keys, ff1_encrypt_ref, ff3_1_encrypt_ref, fpe_decrypt

KEY = Keyring.from_key(bytes(range(32)))
REF = datetime(2026, 11, 22, tzinfo=UTC)
SAMPLE = 20_000
BATCH_ROWS = 50_000
TARGET = 100_000.0
LAYOUTS = ["+{cc} {a} {b}", "({a}) {b}-{c}", "0{a}-{b} {c}", "+{cc}{a}{b}{c}", "{a}.{b}.{c}"]


def phones(count: int, seed: int = 7) -> pa.Array:
    """Phone-like strings of 10 to 16 digits in a few layouts, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    digits = rng.integers(0, 10, size=(count, 16)).astype(np.uint8) + ord("0")
    lengths = rng.integers(10, 17, size=count)
    layouts = rng.integers(0, len(LAYOUTS), size=count)
    text = digits.tobytes().decode()
    values = []
    for i in range(count):
        d = text[16 * i : 16 * i + int(lengths[i])]
        cc, rest = d[:2], d[2:]
        third = len(rest) // 3
        parts = {"cc": cc, "a": rest[:third], "b": rest[third : 2 * third], "c": rest[2 * third :]}
        layout = LAYOUTS[int(layouts[i])]
        if "{cc}" not in layout:
            parts["a"] = cc + parts["a"]
        values.append(layout.format(**parts))
    return pa.array(values, pa.string())


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def run_operator(values: pa.Array, spec: dict) -> tuple[float, pa.Array]:
    op = get("fpe")
    params = op.params.model_validate(spec)
    fn = op.factory(params)
    batch = pa.RecordBatch.from_arrays([values.slice(0, 1)], names=["phone"])
    ctx = OpContext(batch, KEY, REF, "phone", "phone")
    start = time.perf_counter()
    parts = [fn(values.slice(i, BATCH_ROWS), ctx) for i in range(0, len(values), BATCH_ROWS)]
    seconds = time.perf_counter() - start
    return _rate(len(values), seconds), pa.concat_arrays(parts)


def run_scalar(values: list[str], encrypt: Callable[[str], str]) -> float:
    start = time.perf_counter()
    for value in values:
        encrypt(value)
    return _rate(len(values), time.perf_counter() - start)


def per_value(params: FpeParams) -> Callable[[str], str]:
    """The operator written the obvious way: one value at a time, the scalar reference."""
    keys = _keys(params, KEY, "phone", None)
    ref = ff1_encrypt_ref if params.algorithm == "ff1" else ff3_1_encrypt_ref

    def encrypt(value: str) -> str:
        digits = [int(c) for c in value if c.isdigit()]
        it = iter(ref(keys.key, keys.tweak, 10, digits))
        return "".join(str(next(it)) if c.isdigit() else c for c in value)

    return encrypt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    args = parser.parse_args()
    values = phones(args.values)
    sample = values.slice(0, min(SAMPLE, args.values)).to_pylist()
    print(f"fpe on {len(values):,} phone-like values (10-16 digits), one thread")
    print(f"per-value paths timed on {len(sample):,} values and extrapolated to {len(values):,}")
    for algorithm in ("ff1", "ff3-1"):
        spec = {"op": "fpe", "from": "phone", "algorithm": algorithm}
        params = FpeParams.model_validate(spec)
        fast, encrypted = run_operator(values, spec)
        start = time.perf_counter()
        back = [
            fpe_decrypt(encrypted.slice(i, BATCH_ROWS), params, KEY, "phone")
            for i in range(0, len(values), BATCH_ROWS)
        ]
        decrypt = _rate(len(values), time.perf_counter() - start)
        assert pa.concat_arrays(back).equals(values), "round trip failed"
        slow = run_scalar(sample, per_value(params))
        verdict = "ok" if fast >= TARGET else f"BELOW the {TARGET:,.0f} values/s target"
        print(f"\n{algorithm}")
        print(f"  veil vectorised encrypt  {fast:>12,.0f} values/s  ({verdict})")
        print(f"  veil vectorised decrypt  {decrypt:>12,.0f} values/s")
        print(
            f"  scalar per value         {slow:>12,.0f} values/s  (extrapolated: "
            f"{len(values) / slow:,.1f} s for {len(values):,})  veil is {fast / slow:,.1f}x"
        )
        if algorithm == "ff3-1":
            try:
                from ff3 import FF3Cipher
            except ImportError:
                print("  ff3 package              not installed (pip install ff3): skipped")
                continue
            keys = _keys(params, KEY, "phone", None)
            cipher = FF3Cipher(keys.key.hex(), keys.tweak.hex(), 10)

            def with_ff3(value: str, cipher: FF3Cipher = cipher) -> str:
                it = iter(cipher.encrypt("".join(c for c in value if c.isdigit())))
                return "".join(next(it) if c.isdigit() else c for c in value)

            assert with_ff3(sample[0]) == encrypted[0].as_py(), "ff3 package disagrees"
            pkg = run_scalar(sample, with_ff3)
            print(
                f"  ff3 package per value    {pkg:>12,.0f} values/s  (extrapolated: "
                f"{len(values) / pkg:,.1f} s for {len(values):,})  veil is {fast / pkg:,.1f}x"
            )


if __name__ == "__main__":
    main()
