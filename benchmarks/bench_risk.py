"""Risk measures: veil's ``risk_report`` vs. a plain DuckDB GROUP BY (the floor) and pycanon.

Data (not timed): ``--rows`` synthetic users (randomuser shape, ``SyntheticSource``) reduced
to 5 quasi-identifiers with pyarrow: 10-year age band (from ``dob_age``), gender, nat, city,
postcode prefix (first 2 characters); the sensitive attribute is the registration year.

Timed, median of ``--repeat``:

- floor: ``SELECT count(*) FROM t GROUP BY <5 QIs>`` in DuckDB over the Arrow table (class
  sizes only), and for reference the same grouped by the sensitive attribute too (the least
  SQL needs for l);
- veil: ``risk_report`` without a sensitive attribute (k, class sizes, uniqueness, risks) and
  with it (adds l distinct/entropy/recursive and t);
- pycanon: ``k_anonymity`` + ``l_diversity`` on a ``--pycanon-rows`` subsample (pandas), one
  run, *extrapolated linearly* to the full row count (pycanon loops over classes, so the real
  figure at full size is at least that);
- t-closeness on ARX's adult data (tests/risk/data/adult.csv; QIs sex, race, marital-status,
  workclass; sensitive education) vs. pycanon's ``t_closeness`` on the same data.

Prints seconds and ratios; the target is veil within 2× of the floor. Usage:
``python benchmarks/bench_risk.py [--rows N] [--repeat R] [--pycanon-rows M]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from veil.risk import risk_report
from veil.sources.synthetic import SyntheticSource

QIS = ["age_band", "gender", "nat", "city", "postcode_prefix"]
ADULT = Path(__file__).resolve().parents[1] / "tests" / "risk" / "data" / "adult.csv"


def users(rows: int) -> pa.Table:
    source = SyntheticSource(persons=rows, seed=7)
    table = pa.Table.from_batches(list(source.batches()))
    band = pc.multiply(pc.divide(table.column("dob_age"), 10), 10)
    return pa.table(
        {
            "age_band": band,
            "gender": table.column("gender"),
            "nat": table.column("nat"),
            "city": table.column("location_city"),
            "postcode_prefix": pc.utf8_slice_codeunits(table.column("location_postcode"), 0, 2),
            "reg_year": pc.year(table.column("registered_date")),
        }
    )


def timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pycanon-rows", type=int, default=50_000)
    args = parser.parse_args()

    t = users(args.rows)
    con = duckdb.connect()
    con.register("t", t)
    sql = f"SELECT count(*) FROM t GROUP BY {', '.join(QIS)}"
    sql_s = f"SELECT count(*) FROM t GROUP BY {', '.join(QIS)}, reg_year"
    floor = timed(lambda: con.sql(sql).to_arrow_table(), args.repeat)
    floor_s = timed(lambda: con.sql(sql_s).to_arrow_table(), args.repeat)
    veil_k = timed(lambda: risk_report(t, QIS), args.repeat)
    veil = timed(lambda: risk_report(t, QIS, ["reg_year"]), args.repeat)
    report = risk_report(t, QIS, ["reg_year"])
    print(
        f"{args.rows:,} rows, 5 QIs: {report.classes:,} classes, k={report.k}, "
        f"uniqueness={report.uniqueness:.3f}, l={report.sensitive[0].l_distinct}"
    )
    print(f"  duckdb GROUP BY QIs (floor)      {floor:8.3f} s")
    print(f"  duckdb GROUP BY QIs + sensitive  {floor_s:8.3f} s   {floor_s / floor:5.2f}× floor")
    print(f"  veil, no sensitive (k, uniq.)    {veil_k:8.3f} s   {veil_k / floor:5.2f}× floor")
    print(f"  veil, k + l + t + uniqueness     {veil:8.3f} s   {veil / floor:5.2f}× floor")

    try:
        from pycanon import anonymity as an
    except ImportError:
        print("  pycanon not installed: skipped")
        return
    sub = t.slice(0, args.pycanon_rows).to_pandas()
    start = time.perf_counter()
    an.k_anonymity(sub, QIS)
    an.l_diversity(sub, QIS, ["reg_year"])
    spent = time.perf_counter() - start
    scaled = spent * args.rows / args.pycanon_rows
    print(
        f"  pycanon k+l on {args.pycanon_rows:,} rows {spent:8.3f} s, extrapolated to "
        f"{args.rows:,}: {scaled:8.1f} s   veil is {scaled / veil:,.0f}× faster"
    )

    adult = pacsv.read_csv(ADULT, parse_options=pacsv.ParseOptions(delimiter=";"))
    aqi = ["sex", "race", "marital-status", "workclass"]
    tv = timed(lambda: risk_report(adult, aqi, ["education"]), args.repeat)
    frame = adult.to_pandas()
    start = time.perf_counter()
    t_pycanon = an.t_closeness(frame, aqi, ["education"])
    tp = time.perf_counter() - start
    t_veil = risk_report(adult, aqi, ["education"]).sensitive[0].t
    print(
        f"  adult t-closeness: veil {tv:.4f} s (full report), pycanon {tp:.3f} s, "
        f"{tp / tv:,.0f}× ; t veil={t_veil:.6f} pycanon={t_pycanon:.6f}"
    )


if __name__ == "__main__":
    main()
