"""Differentially private queries: veil's ``PrivateTable`` vs. the same aggregation without
privacy (the floor) and vs. OpenDP's Polars context and PipelineDP's local backend.

Data (seeded numpy, not timed):

- ``--users`` users (1,000,000), one row each: ``subject_id`` (16 hex characters), ``country``
  (50 values, Zipf-skewed), ``city`` (2,000 values, Zipf-skewed), ``age`` (18–90),
  ``days_since_registration`` (0–3,649);
- ``--events`` events (10,000,000) of the same users, a heavy-tailed number per user (each
  user's rate is log-normal, σ = 1.25: mean 10 per user, median about 5, a few users with
  over 1,000): ``subject_id``, the user's ``country`` and ``city`` (joined in when generating),
  ``event_type`` (6 values), ``amount_cents`` (log-normal, median 25.00).

Queries, each at ε = 1 (Laplace noise; top-k: the Laplace threshold mechanism at δ = 1e-6),
with the subject as the privacy unit:

====================================  ==============================================  ============
query                                 veil call (what is timed)                        bounds
====================================  ==============================================  ============
users: per-country count+sum+mean     ``mean("days_since_registration", 0..3650,      1 group,
                                      by="country", domain=50 countries)``: one        1 row
                                      bounding, noisy sum and noisy count (ε/2 each),
                                      mean = their ratio
users: age histogram                  ``histogram("age", domain=18..90)``              1, 1
users: top-10 cities                  ``top_k("city", 10, delta=1e-6)``                1, 1
events: per-country count+sum+mean    ``mean("amount_cents", 0..20000, by="country")``  1, 10 rows
events: count per event_type          ``histogram("event_type", 6 types)``             3 groups, 5
events: top-10 cities                 ``top_k("city", 10, delta=1e-6)``                1, 10
====================================  ==============================================  ============

Each veil call includes everything a query does: validation, OpenDP calibration, contribution
bounding and aggregation, the ledger charge (SQLite in a temporary folder) and the noise.
Times are the median of ``--repeat`` runs after a first call, which is reported apart (it
calibrates and fetches the columns the query uses). The events table's subject order (its
rows sorted by subject, :mod:`veil.analytics.dp.bounding`) is built once per table before the
queries, and its time is printed.

- **floor**: the same aggregation without privacy, with the same per-user limits: exactly the
  bounded aggregate veil noises (veil's own bounding, run alone: the compiled pass over the
  subject order for events; no calibration, no ledger, no noise, no validation). For users
  (one row each) it is a plain ``GROUP BY``. Target: veil ≤ 2 × floor + 10 ms: what privacy
  adds to a query.
- **plain**: the GROUP BY **without** per-user limits (``SELECT country, count(*), sum(x),
  avg(x) … GROUP BY country``; top-k: ``… ORDER BY count DESC LIMIT 10``) in DuckDB, for
  reference: on events, bounding each user's contribution is work any DP system does (the
  peers below too); over the subject order it costs less than this plain GROUP BY.
- **peers** (``benchmarks/peers_dp.py`` in ``.venv-peers``, ``make bench-peers``, or the
  interpreter in ``VEIL_PEER_PYTHON``): OpenDP 0.16's Polars context and PipelineDP 0.3.1's
  local backend, the same queries with the same ε, δ, bounds and public key sets, reading the
  data from Parquet files written to a temporary folder (loading not timed). A peer run that
  would take too long runs on a subsample of the users (``--pipelinedp-max-rows``,
  ``--opendp-max-rows``: events of the first users, all their events) and is **extrapolated
  linearly** to the full table; the table marks those figures with ``~``. Target: veil ≥ 50×
  faster than each peer.

Run: ``python benchmarks/bench_dp.py [--users N] [--events N] [--repeat R] [--skip-peers]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from veil.analytics.dp.bounding import SubjectOrder
from veil.analytics.dp.ledger import Ledger
from veil.analytics.dp.mechanisms import IntegerNoise, ThresholdRelease
from veil.analytics.dp.queries import Bounds, PrivateTable

ROOT = Path(__file__).parents[1]
PEERS = ROOT / "benchmarks" / "peers_dp.py"
EPSILON = 1.0
DELTA = 1e-6
# fmt: off
COUNTRIES = [
    "US", "IN", "BR", "DE", "GB", "FR", "JP", "MX", "IT", "ES", "CA", "KR", "AU", "NL", "TR",
    "PL", "SE", "BE", "CH", "AR", "ID", "NG", "PH", "VN", "EG", "ZA", "CO", "TH", "MY", "CL",
    "PE", "PK", "BD", "UA", "RO", "CZ", "PT", "GR", "HU", "AT", "DK", "FI", "NO", "IE", "NZ",
    "IL", "SG", "AE", "SA", "KE",
]
# fmt: on
EVENT_TYPES = ["view", "click", "search", "add_to_cart", "purchase", "login"]
EVENT_SHARES = [0.50, 0.20, 0.12, 0.08, 0.05, 0.05]
N_CITIES = 2_000


# -- data ----------------------------------------------------------------------------------


def _hex_ids(rng: np.random.Generator, n: int) -> pa.Array:
    raw = rng.integers(0, 2**63, size=n, dtype=np.int64).view(np.uint8).reshape(n, 8)
    lut = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    out = np.empty((n, 16), dtype=np.uint8)
    out[:, 0::2] = lut[raw >> 4]
    out[:, 1::2] = lut[raw & 15]
    return pa.array(out.view("S16").ravel()).cast(pa.string())


def _zipf(rng: np.random.Generator, n: int, k: int, s: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, k + 1) ** s
    return rng.choice(k, size=n, p=weights / weights.sum())


def make_data(n_users: int, n_events: int, seed: int = 7) -> tuple[pa.Table, pa.Table, np.ndarray]:
    """The users, their events, and each event's user index (for subsampling by user)."""
    rng = np.random.default_rng(seed)
    countries = pa.array(COUNTRIES)
    cities = pa.array([f"city_{i:04d}" for i in range(N_CITIES)])
    country = countries.take(pa.array(_zipf(rng, n_users, len(COUNTRIES), 1.1)))
    city = cities.take(pa.array(_zipf(rng, n_users, N_CITIES, 1.0)))
    users = pa.table(
        {
            "subject_id": _hex_ids(rng, n_users),
            "country": country,
            "city": city,
            "age": np.clip(np.rint(rng.normal(41, 15, n_users)), 18, 90).astype(np.int64),
            "days_since_registration": np.minimum(rng.exponential(900, n_users), 3649).astype(
                np.int64
            ),
        }
    )
    rate = rng.lognormal(0.0, 1.25, n_users)
    owner = np.sort(rng.choice(n_users, size=n_events, p=rate / rate.sum()))
    rng.shuffle(owner)  # events of a user are spread over the table, as in time order
    take = pa.array(owner)
    events = pa.table(
        {
            "subject_id": users.column("subject_id").take(take),
            "country": users.column("country").take(take),
            "city": users.column("city").take(take),
            "event_type": pa.array(EVENT_TYPES).take(
                pa.array(rng.choice(len(EVENT_TYPES), n_events, p=EVENT_SHARES))
            ),
            "amount_cents": np.rint(rng.lognormal(np.log(2500), 1.0, n_events)).astype(np.int64),
        }
    )
    return users, events, owner


# -- queries -------------------------------------------------------------------------------


def queries() -> list[dict[str, Any]]:
    ages = list(range(18, 91))
    listed: list[dict[str, Any]] = [
        {
            "name": "users: per-country count+sum+mean",
            "table": "users",
            "kind": "mean",
            "by": "country",
            "domain": COUNTRIES,
            "column": "days_since_registration",
            "lower": 0,
            "upper": 3650,
            "max_groups": 1,
            "max_rows": 1,
            "floor": "SELECT country, count(*), sum(days_since_registration), "
            "avg(days_since_registration) FROM t GROUP BY country",
        },
        {
            "name": "users: age histogram",
            "table": "users",
            "kind": "histogram",
            "by": "age",
            "domain": ages,
            "max_groups": 1,
            "max_rows": 1,
            "floor": "SELECT age, count(*) FROM t GROUP BY age",
        },
        {
            "name": "users: top-10 cities",
            "table": "users",
            "kind": "top_k",
            "by": "city",
            "k": 10,
            "max_groups": 1,
            "max_rows": 1,
            "delta": DELTA,
            "floor": "SELECT city, count(*) AS n FROM t GROUP BY city ORDER BY n DESC LIMIT 10",
        },
        {
            "name": "events: per-country count+sum+mean",
            "table": "events",
            "kind": "mean",
            "by": "country",
            "domain": COUNTRIES,
            "column": "amount_cents",
            "lower": 0,
            "upper": 20000,
            "max_groups": 1,
            "max_rows": 10,
            "floor": "SELECT country, count(*), sum(amount_cents), avg(amount_cents) FROM t "
            "GROUP BY country",
        },
        {
            "name": "events: count per event_type",
            "table": "events",
            "kind": "histogram",
            "by": "event_type",
            "domain": EVENT_TYPES,
            "max_groups": 3,
            "max_rows": 5,
            "floor": "SELECT event_type, count(*) FROM t GROUP BY event_type",
        },
        {
            "name": "events: top-10 cities",
            "table": "events",
            "kind": "top_k",
            "by": "city",
            "k": 10,
            "max_groups": 1,
            "max_rows": 10,
            "delta": DELTA,
            "floor": "SELECT city, count(*) AS n FROM t GROUP BY city ORDER BY n DESC LIMIT 10",
        },
    ]
    return [{**q, "epsilon": EPSILON} for q in listed]


def veil_call(pt: PrivateTable, q: dict[str, Any]) -> Callable[[], Any]:
    bounds = Bounds(max_groups=q["max_groups"], max_rows=q["max_rows"])
    if q["kind"] == "mean":
        return lambda: pt.mean(
            q["column"], lower=q["lower"], upper=q["upper"], by=q["by"], domain=q["domain"],
            bounds=bounds, epsilon=q["epsilon"],
        )  # fmt: skip
    if q["kind"] == "histogram":
        return lambda: pt.histogram(q["by"], q["domain"], bounds=bounds, epsilon=q["epsilon"])
    return lambda: pt.top_k(q["by"], q["k"], bounds=bounds, epsilon=q["epsilon"], delta=q["delta"])


def bounded_floor(pt: PrivateTable, q: dict[str, Any]) -> Callable[[], Any]:
    """The bounded aggregate veil noises, computed alone (no calibration, ledger or noise)."""
    bounds = Bounds(max_groups=q["max_groups"], max_rows=q["max_rows"])
    if q["kind"] == "mean":
        column = q["column"]
        value = (
            f"round(greatest(least(CAST({column} AS DOUBLE), {q['upper']}), {q['lower']}))"
            "::BIGINT"
        )
        return lambda: pt._aggregate(q["by"], value, None, bounds, q["domain"])
    if q["kind"] == "histogram":
        return lambda: pt._aggregate(q["by"], None, None, bounds, q["domain"])
    return lambda: pt._aggregate(q["by"], None, None, bounds, None)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The median of ``repeat`` runs after a first one (first-use costs: OpenDP's calibration
    of these parameters, SQLite's connection), and that first run's seconds."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), first


# -- where veil's time goes ----------------------------------------------------------------

PARTS = ("sql", "calibrate", "charge", "noise")


@contextmanager
def breakdown() -> Iterator[dict[str, float]]:
    """Seconds spent in DuckDB (bounding + aggregation), OpenDP calibration, the ledger
    charge and the noise, while the block runs (wrappers on the methods, restored after)."""
    spent = dict.fromkeys(PARTS, 0.0)
    patches: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, part: str, kind: str = "method") -> None:
        raw = owner.__dict__[name]
        fn = raw.__func__ if isinstance(raw, classmethod) else raw

        def timed_fn(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[part] += time.perf_counter() - start

        setattr(owner, name, classmethod(timed_fn) if isinstance(raw, classmethod) else timed_fn)
        patches.append((owner, name, raw))

    wrap(PrivateTable, "_sql", "sql")
    wrap(SubjectOrder, "aggregate", "sql")
    wrap(IntegerNoise, "calibrate", "calibrate")
    wrap(ThresholdRelease, "calibrate", "calibrate")
    wrap(Ledger, "charge", "charge")
    wrap(IntegerNoise, "release", "noise")
    wrap(ThresholdRelease, "release", "noise")
    try:
        yield spent
    finally:
        for owner, name, raw in patches:
            setattr(owner, name, raw)


# -- peers ---------------------------------------------------------------------------------


def peer_python() -> str | None:
    candidate = os.environ.get("VEIL_PEER_PYTHON") or str(ROOT / ".venv-peers" / "bin" / "python")
    if not Path(candidate).exists():
        return None
    probe = subprocess.run(
        [candidate, "-c", "import opendp.extras.polars, polars, pipeline_dp"],
        capture_output=True,
    )
    return candidate if probe.returncode == 0 else None


def run_peers(
    python: str,
    tables: dict[str, pa.Table],
    owners: dict[str, np.ndarray | None],
    max_rows: dict[str, int],
    repeat: int,
) -> dict[tuple[str, str], dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="veil-bench-dp-") as tmp:
        spec: dict[str, Any] = {"repeat": repeat, "peers": list(max_rows), "tables": {}}
        for name, table in tables.items():
            path = Path(tmp) / f"{name}.parquet"
            pq.write_table(table, path)
            entry: dict[str, Any] = {"path": str(path), "rows": table.num_rows, "sample": {}}
            for peer, limit in max_rows.items():
                if table.num_rows <= limit:
                    continue
                # the events of the first users (all of each user's events), about `limit` rows
                owner = owners[name]
                if owner is None:
                    sample = table.slice(0, limit)
                else:
                    users = int(owner.max()) + 1
                    keep = owner < max(1, users * limit // table.num_rows)
                    sample = table.filter(pa.array(keep))
                sample_path = Path(tmp) / f"{name}-{peer}.parquet"
                pq.write_table(sample, sample_path)
                entry["sample"][peer] = {"path": str(sample_path), "rows": sample.num_rows}
            spec["tables"][name] = entry
        spec["queries"] = [{k: v for k, v in q.items() if k != "floor"} for q in queries()]
        spec_path = Path(tmp) / "spec.json"
        spec_path.write_text(json.dumps(spec))
        done = subprocess.run(
            [python, str(PEERS), str(spec_path)], stdout=subprocess.PIPE, text=True, check=True
        )
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in json.loads(done.stdout.strip().splitlines()[-1]):
        if r["seconds"] is not None and r["rows"] != r["full_rows"]:
            r["measured"] = r["seconds"]
            r["seconds"] = r["seconds"] * r["full_rows"] / r["rows"]
        out[(r["peer"], r["query"])] = r
    return out


# -- main ----------------------------------------------------------------------------------


def _fmt_s(seconds: float | None, extrapolated: bool = False) -> str:
    if seconds is None:
        return "—"
    text = f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"
    return ("~" if extrapolated else "") + text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--peer-repeat", type=int, default=3)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--pipelinedp-max-rows", type=int, default=1_000_000)
    parser.add_argument("--opendp-max-rows", type=int, default=10_000_000)
    args = parser.parse_args()

    start = time.perf_counter()
    users, events, owner = make_data(args.users, args.events)
    print(
        f"data: {users.num_rows:,} users, {events.num_rows:,} events "
        f"(max {np.bincount(owner).max():,} events for one user) "
        f"in {time.perf_counter() - start:.1f} s (not timed)",
        flush=True,
    )
    tables = {"users": users, "events": events}

    work = tempfile.TemporaryDirectory(prefix="veil-bench-dp-ledger-")
    ledger = Ledger(f"sqlite:///{Path(work.name) / 'catalog.db'}")
    private: dict[str, PrivateTable] = {}
    floors: dict[str, duckdb.DuckDBPyConnection] = {}
    for name, table in tables.items():
        ledger.set_cap("bench", name, 1e12, 0.5, actor="bench", reason="benchmark")
        private[name] = PrivateTable.from_arrow(
            table,
            subject="subject_id",
            ledger=ledger,
            analyst="bench",
            dataset=name,
            subject_order="always",
        )
        floors[name] = duckdb.connect()
        floors[name].register("t", table)
        if private[name]._most_rows_per_subject() > 1:  # users (one row each) need no bounding
            start = time.perf_counter()
            order = private[name]._subject_order()
            print(
                f"subject order of {name}: {order.rows:,} rows of {order.subjects:,} subjects "
                f"sorted in {time.perf_counter() - start:.2f} s (once per table, not timed "
                "below; each column's first use is in 'first call')",
                flush=True,
            )

    rows: list[dict[str, Any]] = []
    for q in queries():
        con = floors[q["table"]]
        plain, _ = timed(lambda: con.sql(q["floor"]).fetchall(), args.repeat)  # noqa: B023
        call = veil_call(private[q["table"]], q)
        veil, first = timed(call, args.repeat)  # first: calibration, columns' first use
        floor, _ = timed(bounded_floor(private[q["table"]], q), args.repeat)
        with breakdown() as parts:
            start = time.perf_counter()
            call()
            total = time.perf_counter() - start
        rows.append(
            {"q": q, "plain": plain, "floor": floor, "veil": veil, "first": first,
             "parts": parts, "total": total}
        )  # fmt: skip
        print(
            f"  {q['name']}: plain {plain:.3f} s, floor {floor:.3f} s, veil {veil:.3f} s",
            flush=True,
        )

    peers: dict[tuple[str, str], dict[str, Any]] = {}
    if not args.skip_peers:
        python = peer_python()
        if python is None:
            print("peers: not installed (make bench-peers builds .venv-peers with OpenDP and "
                  "PipelineDP, or set VEIL_PEER_PYTHON); skipped")  # fmt: skip
        else:
            print("peers (OpenDP, PipelineDP) in", python, flush=True)
            limits = {"opendp": args.opendp_max_rows, "pipelinedp": args.pipelinedp_max_rows}
            peers = run_peers(
                python, tables, {"users": None, "events": owner}, limits, args.peer_repeat
            )

    print()
    header = (
        "| query | plain s | floor s | veil s | veil/floor | ≤ 2×floor+10 ms | OpenDP s "
        "| PipelineDP s | OpenDP/veil | PipelineDP/veil | ≥ 50× |"
    )
    print(header)
    print("| --- " * 11 + "|")
    for r in rows:
        q, floor, veil = r["q"], r["floor"], r["veil"]
        met = "met" if veil <= 2 * floor + 0.010 else "**NOT met**"
        cells, ratios, fast = [], [], []
        for peer in ("opendp", "pipelinedp"):
            p = peers.get((peer, q["name"]))
            seconds = p["seconds"] if p else None
            cells.append(_fmt_s(seconds, bool(p and "measured" in p)))
            if seconds is None:
                ratios.append("—")
            else:
                ratio = seconds / veil
                ratios.append(f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.1f}×")
                fast.append(ratio >= 50)
        target = "—" if not fast else ("met" if all(fast) else "**NOT met**")
        print(
            f"| {q['name']} | {r['plain']:.3f} | {floor:.3f} | {veil:.3f} | "
            f"{veil / floor:.1f}× | {met} | "
            f"{cells[0]} | {cells[1]} | {ratios[0]} | {ratios[1]} | {target} |"
        )
    extrapolated = [p for p in peers.values() if "measured" in p]
    for p in extrapolated:
        print(
            f"~ {p['peer']} {p['query']}: measured {p['measured']:.1f} s on {p['rows']:,} of "
            f"{p['full_rows']:,} rows (the events of the first users), extrapolated linearly"
        )
    for p in peers.values():
        if p["error"]:
            print(f"! {p['peer']} {p['query']}: {p['error']}")

    print(
        "\nwhere veil's time goes (one more run of each query, seconds; calibrations are cached "
        "per parameters, so the first call of a query, which calibrates, is shown apart):"
    )
    print("| query | first call | total | bounding + aggregate (DuckDB or kernel) "
          "| OpenDP calibration | ledger charge | noise | rest |")  # fmt: skip
    print("| --- " * 8 + "|")
    for r in rows:
        p, total = r["parts"], r["total"]
        rest = total - sum(p.values())
        print(
            f"| {r['q']['name']} | {r['first']:.3f} | {total:.3f} | {p['sql']:.3f} | "
            f"{p['calibrate']:.3f} | {p['charge']:.3f} | {p['noise']:.3f} | {rest:.3f} |"
        )
    ledger.close()
    work.cleanup()


if __name__ == "__main__":
    main()
