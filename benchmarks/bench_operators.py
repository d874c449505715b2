"""Operators on 1,000,000 values: veil vs. a per-row Python baseline vs. Presidio, in one run.

Inputs are real-looking columns of 1,000,000 synthetic randomuser users (e-mails, phones,
birth dates, postcodes, coordinates, UUIDs). For each operator configuration:

- veil: the registered operator applied to the column in batches of 50,000 rows on the
  engine's transform threads (one per core, at most four), as ``veil run`` calls it;
- python: a straightforward per-row Python implementation of the same function (what a
  hand-written anonymization script does), including the conversion from and to Arrow that
  such a script needs, timed on 100,000 values and scaled;
- presidio: Presidio anonymizer's equivalent operator (``Hash``, ``Mask``, ``Replace``,
  ``Redact``, ``Encrypt``), called per value as its engine does, timed on 100,000 values in
  a separate interpreter that has ``presidio-anonymizer`` installed (``make bench-peers``
  builds ``.venv-peers``; ``VEIL_PEER_PYTHON`` points elsewhere). Skipped when missing.

Prints values/s for each and the ratios. Usage: ``python benchmarks/bench_operators.py
[--values N] [--only NAME]``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from veil.jobs.prefetch import default_workers, ordered_map
from veil.keys import Keyring
from veil.operators.base import OpContext, registry
from veil.sources.synthetic import SyntheticSource

REF = datetime(2026, 11, 22, tzinfo=UTC)
KEY = Keyring.from_key(bytes(range(32)))
SAMPLE = 100_000
BATCH_ROWS = 50_000
ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"hash": 2e6, "mask": 2e6, "generalize": 2e6, "pseudonym": 1e6, "fpe": 1e5}


@dataclass
class Case:
    label: str
    spec: dict[str, Any]
    column: str
    python: Callable[[Any], Any] | None = None
    presidio: str | None = None  # operator name and params, run in the peer interpreter
    presidio_params: dict[str, Any] | None = None


def _hmac_hex(key: bytes) -> Callable[[Any], Any]:
    return lambda v: None if v is None else hmac.new(key, v.encode(), hashlib.sha256).hexdigest()


def _mask_phone(v: str | None) -> str | None:
    if v is None:
        return None
    digits = [i for i, c in enumerate(v) if c.isdigit()]
    keep = set(digits[-2:]) if len(digits) >= 2 else set()
    out = []
    for i, c in enumerate(v):
        if c.isdigit():
            out.append(c if i in keep else "*")
        else:
            out.append(c if c in "+-()./ " else "*")
    return "".join(out)


def _mask_plain(v: str | None) -> str | None:
    if v is None:
        return None
    return v[:2] + "*" * (len(v) - 4) + v[-2:] if len(v) > 4 else "*" * len(v)


_EMAIL = re.compile(r"^[^@\s]+@([^@\s]+\.[^@\s]+)$")


def _email_domain(v: str | None) -> str | None:
    m = _EMAIL.match(v.strip()) if v is not None else None
    return m.group(1).lower() if m else None


def _age_band(v: datetime | None) -> str | None:
    if v is None:
        return None
    age = REF.year - v.year - ((REF.month, REF.day) < (v.month, v.day))
    edges = [18, 31, 41, 51, 61, 71, 81, 91]
    if age < 18:
        return "<18"
    for lo, hi in itertools.pairwise(edges):
        if lo <= age < hi:
            return f"{lo}-{hi - 1}"
    return "91+"


def cases() -> list[Case]:
    hash_key = KEY.derive("hash", "email")
    blake_key = KEY.derive("hash-blake2b", "email")
    found = [
        Case(
            "hash hmac-sha256",
            {"op": "hash", "from": "email"},
            "email",
            _hmac_hex(hash_key),
            "hash",
            {"hash_type": "sha256"},
        ),
        Case(
            "hash blake2b",
            {"op": "hash", "from": "email", "algorithm": "blake2b"},
            "email",
            lambda v: None
            if v is None
            else hashlib.blake2b(v.encode(), key=blake_key, digest_size=43).hexdigest()[:32],
        ),
        Case(
            "mask plain",
            {"op": "mask", "keep_first": 2, "keep_last": 2},
            "login_uuid",
            _mask_plain,
            "mask",
            {"masking_char": "*", "chars_to_mask": 32, "from_end": True},
        ),
        Case(
            "mask phone",
            {"op": "mask", "kind": "phone", "keep_last": 2},
            "phone",
            _mask_phone,
        ),
        Case("mask email", {"op": "mask", "kind": "email"}, "email"),
        Case(
            "redact label",
            {"op": "redact", "value": "<EMAIL>"},
            "email",
            lambda v: None if v is None else "<EMAIL>",
            "replace",
            {"new_value": "<EMAIL>"},
        ),
        Case("email_domain", {"op": "email_domain"}, "email", _email_domain),
        Case(
            "generalize age_band",
            {"op": "generalize", "method": "age_band", "edges": [18, 31, 41, 51, 61, 71, 81, 91]},
            "dob_date",
            _age_band,
        ),
        Case(
            "generalize date_trunc month",
            {"op": "generalize", "method": "date_trunc", "unit": "month"},
            "registered_date",
            lambda v: None if v is None else v.date().replace(day=1),
        ),
        Case(
            "generalize prefix",
            {"op": "generalize", "method": "prefix", "keep": 2},
            "location_postcode",
            lambda v: None if v is None else v[:2] + "*" * max(0, len(v) - 2),
        ),
        Case(
            "geo_fuzz",
            {
                "op": "geo_fuzz",
                "latitude": "location_coordinates_latitude",
                "longitude": "location_coordinates_longitude",
                "part": "latitude",
            },
            "location_coordinates_latitude",
        ),
    ]
    optional = [
        Case("pseudonym first_name", {"op": "pseudonym", "kind": "first_name"}, "name_first"),
        Case("pseudonym last_name", {"op": "pseudonym", "kind": "last_name"}, "name_last"),
        Case("pseudonym email", {"op": "pseudonym", "kind": "email"}, "email"),
        Case("fpe ff1 phone", {"op": "fpe", "from": "phone"}, "phone"),
        Case("fpe ff3-1 phone", {"op": "fpe", "from": "phone", "algorithm": "ff3-1"}, "phone"),
        Case("tokenize", {"op": "tokenize", "from": "email"}, "email"),
        Case(
            "encrypt",
            {"op": "encrypt", "from": "email"},
            "email",
            None,
            "encrypt",
            {"key": "WmZq4t7w!z%C&F)J"},
        ),
        Case("date_shift", {"op": "date_shift", "from": "dob_date"}, "dob_date"),
        Case(
            "noise laplace",
            {"op": "noise", "from": "location_coordinates_latitude", "scale": 0.01},
            "location_coordinates_latitude",
        ),
    ]
    ops = registry()
    return found + [c for c in optional if c.spec["op"] in ops]


def run_veil(case: Case, batch: pa.RecordBatch) -> float:
    spec = registry()[case.spec["op"]]
    params = spec.params.model_validate(case.spec)
    func = spec.factory(params)

    def _ctx(part: pa.RecordBatch) -> OpContext:
        subject = part.column("login_uuid")
        return OpContext(part, KEY, REF, case.label, case.column, subject=subject)

    func(batch.column(case.column).slice(0, 1000), _ctx(batch.slice(0, 1000)))  # warm-up
    parts = [batch.slice(s, BATCH_ROWS) for s in range(0, batch.num_rows, BATCH_ROWS)]

    def apply(part: pa.RecordBatch) -> int:
        return len(func(part.column(case.column), _ctx(part)))

    t0 = time.perf_counter()
    rows = sum(ordered_map(apply, parts, workers=default_workers()))
    elapsed = time.perf_counter() - t0
    assert rows == batch.num_rows
    return elapsed


def run_python(case: Case, values: pa.Array) -> float:
    assert case.python is not None
    fn = case.python
    t0 = time.perf_counter()
    out = [fn(v) for v in values.to_pylist()]
    pa.array(out)
    return time.perf_counter() - t0


_PEER = """
import json, sys, time
from presidio_anonymizer.operators import Hash, Mask, Replace, Redact, Encrypt
ops = {"hash": Hash, "mask": Mask, "replace": Replace, "redact": Redact, "encrypt": Encrypt}
jobs = json.loads(sys.stdin.read())
out = {}
for job in jobs:
    op = ops[job["op"]]()
    params = job["params"]
    values = job["values"]
    t0 = time.perf_counter()
    for v in values:
        op.operate(v, dict(params))
    out[job["label"]] = time.perf_counter() - t0
print(json.dumps(out))
"""


def peer_python() -> str | None:
    candidate = os.environ.get("VEIL_PEER_PYTHON") or str(ROOT / ".venv-peers" / "bin" / "python")
    return candidate if Path(candidate).exists() else None


def run_presidio(jobs: list[dict[str, Any]]) -> dict[str, float]:
    peer = peer_python()
    if peer is None or not jobs:
        return {}
    done = subprocess.run(
        [peer, "-c", _PEER], input=json.dumps(jobs), capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--values", type=int, default=1_000_000)
    ap.add_argument("--only", default=None, help="run the cases whose label contains this")
    args = ap.parse_args()
    t0 = time.perf_counter()
    source = SyntheticSource(shape="randomuser", persons=args.values, seed=7)
    batch = pa.Table.from_batches(list(source.batches())).combine_chunks().to_batches()[0]
    print(
        f"input: {args.values:,} synthetic users ({time.perf_counter() - t0:.1f} s to generate); "
        f"veil on {default_workers()} threads, per-row Python and Presidio on one"
    )
    chosen = [c for c in cases() if args.only is None or args.only in c.label]
    sample = min(SAMPLE, args.values)
    jobs = [
        {
            "label": c.label,
            "op": c.presidio,
            "params": c.presidio_params or {},
            "values": [v for v in batch.column(c.column).slice(0, sample).to_pylist() if v],
        }
        for c in chosen
        if c.presidio is not None
    ]
    peer = run_presidio(jobs)
    if peer_python() is None:
        print("presidio: not installed here (make bench-peers builds .venv-peers); column skipped")
    head = f"{'operator':30}{'veil/s':>14}{'python/s':>14}{'× python':>10}{'presidio/s':>14}"
    print(head + f"{'× presidio':>12}  target")
    for case in chosen:
        veil_rate = args.values / run_veil(case, batch)
        py_rate = py_ratio = None
        if case.python is not None:
            values = batch.column(case.column).slice(0, sample)
            py_rate = sample / run_python(case, values)
            py_ratio = veil_rate / py_rate
        pr_rate = pr_ratio = None
        if case.label in peer:
            pr_rate = len(next(j for j in jobs if j["label"] == case.label)["values"]) / peer[
                case.label
            ]
            pr_ratio = veil_rate / pr_rate
        target = TARGETS.get(case.spec["op"])
        verdict = "" if target is None else ("met" if veil_rate >= target else "NOT met")
        verdict += f" (≥ {target:,.0f}/s)" if target else ""

        def fmt(x: float | None, spec: str) -> str:
            return format(x, spec) if x is not None else "—"

        print(
            f"{case.label:30}{veil_rate:14,.0f}{fmt(py_rate, '14,.0f'):>14}"
            f"{fmt(py_ratio, '9.1f'):>9}×{fmt(pr_rate, '14,.0f'):>14}"
            f"{fmt(pr_ratio, '11.1f'):>11}×  {verdict}"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
