"""The peer side of ``bench_dp.py``: OpenDP's Polars context and PipelineDP's local backend.

Runs in the peers' virtualenv (``.venv-peers``, ``make bench-peers``), never in veil's:
``python benchmarks/peers_dp.py SPEC.json``. ``bench_dp.py`` writes the spec and the data
(Parquet files in a temporary folder) and reads the JSON this prints on its last line.

The spec lists the tables (``{"name": {"path": …, "rows": N}}``, optionally a ``sample`` table
per peer: a subsample used when the full table would take too long, extrapolated by the caller)
and the queries, each with the same parameters veil gets:

- ``mean``: per-key noisy count and noisy sum of ``column`` clamped to ``[lower, upper]``
  (the mean is their ratio), over a public key set (``domain``);
- ``histogram``: per-key noisy count over a public key set;
- ``top_k``: noisy counts of keys nobody declared, kept above a threshold (approximate DP,
  ``delta``), then the ``k`` largest;

each under user-level privacy (``subject_id`` is the privacy unit), bounding a user to
``max_groups`` keys and ``max_rows`` rows per key, with Laplace noise at ``epsilon``.

Timed per query (loading the Parquet file and building the context are not):

- OpenDP: ``context.query(epsilon=…).truncate_per_group(…).truncate_num_groups(…)
  .group_by(key).agg(dp.len(), col.fill_null(0).dp.sum(…))`` (``.with_keys(…)`` for a
  public key set) + ``.release().collect()``; this includes OpenDP's calibration (binary
  search over the plan's privacy map) and the Polars execution.
- PipelineDP: a new ``NaiveBudgetAccountant`` and ``DPEngine(…, LocalBackend())``,
  ``aggregate(…)``, ``compute_budgets()`` and draining the lazy result, over a Python list of
  row tuples (building the list from the Parquet file is loading, not timed).
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

logging.disable(logging.WARNING)  # OpenDP warns that ε = 1e9 is large: the context's cap


def timed(fn: Callable[[], Any], repeat: int, slow: float) -> tuple[float, Any, int]:
    """Median seconds of ``repeat`` runs; a single run when the first takes ``slow`` s or more."""
    times, out = [], None
    for i in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
        if i == 0 and times[0] >= slow:
            break
    return statistics.median(times), out, len(times)


# -- OpenDP (Polars) ---------------------------------------------------------------------


def opendp_runner(path: str, queries: list[dict[str, Any]]) -> Callable[[dict[str, Any]], Any]:
    import opendp.prelude as dp
    import polars as pl

    dp.enable_features("contrib")
    lf = pl.read_parquet(path).lazy()
    rows = lf.select(pl.len()).collect().item()
    # public descriptors: a loose bound on any group's length (the table's length; OpenDP needs
    # one for sums), nothing else (keys are given per query with `with_keys`, or thresholded)
    keys = sorted({q["by"] for q in queries})
    context = dp.Context.compositor(
        data=lf,
        privacy_unit=dp.unit_of(contributions=1, identifier="subject_id"),
        privacy_loss=dp.loss_of(epsilon=1e9, delta=0.5),
        margins=[dp.polars.Margin(by=[k], max_length=rows) for k in keys],
    )

    def run(q: dict[str, Any]) -> Any:
        by = q["by"]
        query = context.query(epsilon=q["epsilon"], delta=q.get("delta") or 0.0)
        query = query.truncate_per_group(q["max_rows"], by=[pl.col(by)])
        # OpenDP 0.16 keeps the groups whose 1-based dense rank is `< k`, i.e. k − 1 of them
        # (k = 1 keeps nothing), and its keep="sample" fails on one grouping column (a struct
        # with two fields of the same name); so k + 1 with keep="first": the same k groups
        # kept as veil (OpenDP then accounts for k + 1, so more noise; the work is the same)
        query = query.truncate_num_groups(q["max_groups"] + 1, by=[pl.col(by)], keep="first")
        if q["kind"] == "mean":
            lo, hi = q["lower"], q["upper"]
            aggs = [dp.len(signed=True), pl.col(q["column"]).fill_null(0).dp.sum((lo, hi))]
            query = query.group_by(by).agg(aggs).with_keys(pl.LazyFrame({by: q["domain"]}))
        elif q["kind"] == "histogram":
            query = query.group_by(by).agg(dp.len(signed=True))
            query = query.with_keys(pl.LazyFrame({by: q["domain"]}))
        else:  # top_k: keys are private, OpenDP thresholds the noisy counts (δ)
            query = query.group_by(by).agg(dp.len(signed=True))
        df = query.release().collect()
        if q["kind"] == "mean":
            df = df.with_columns(mean=pl.col(q["column"]) / pl.col("len"))
        elif q["kind"] == "top_k":
            df = df.sort("len", descending=True).head(q["k"])
        return df.height

    return run


# -- PipelineDP (local backend) ----------------------------------------------------------


def pipelinedp_runner(path: str) -> Callable[[dict[str, Any]], Any]:
    import pipeline_dp
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    names = table.column_names
    rows = list(zip(*(table.column(n).to_pylist() for n in names), strict=True))
    index = {n: i for i, n in enumerate(names)}
    sid = index["subject_id"]

    def run(q: dict[str, Any]) -> Any:
        key = index[q["by"]]
        kind = q["kind"]
        if kind == "mean":
            val = index[q["column"]]
            metrics = [pipeline_dp.Metrics.COUNT, pipeline_dp.Metrics.SUM, pipeline_dp.Metrics.MEAN]
            extra = {"min_value": q["lower"], "max_value": q["upper"]}
            value = lambda r: r[val]  # noqa: E731
        else:
            metrics = [pipeline_dp.Metrics.COUNT]
            extra = {}
            value = lambda r: 0  # noqa: E731
        accountant = pipeline_dp.NaiveBudgetAccountant(
            total_epsilon=q["epsilon"], total_delta=q.get("delta") or 0.0
        )
        engine = pipeline_dp.DPEngine(accountant, pipeline_dp.LocalBackend())
        params = pipeline_dp.AggregateParams(
            noise_kind=pipeline_dp.NoiseKind.LAPLACE,
            metrics=metrics,
            max_partitions_contributed=q["max_groups"],
            max_contributions_per_partition=q["max_rows"],
            **extra,
        )
        extractors = pipeline_dp.DataExtractors(
            privacy_id_extractor=lambda r: r[sid],
            partition_extractor=lambda r: r[key],
            value_extractor=value,
        )
        public = q["domain"] if kind in ("mean", "histogram") else None
        result = engine.aggregate(rows, params, extractors, public_partitions=public)
        accountant.compute_budgets()
        out = list(result)
        if kind == "top_k":
            out = sorted(out, key=lambda kv: -kv[1].count)[: q["k"]]
        return len(out)

    return run


def main() -> None:
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    repeat = spec.get("repeat", 3)
    results: list[dict[str, Any]] = []
    peers = spec["peers"]
    for peer in peers:
        runners: dict[str, Any] = {}
        for q in spec["queries"]:
            table = spec["tables"][q["table"]]
            whole = {"path": table["path"], "rows": table["rows"]}
            source = table.get("sample", {}).get(peer) or whole
            if q["table"] not in runners:
                start = time.perf_counter()
                if peer == "opendp":
                    tq = [x for x in spec["queries"] if x["table"] == q["table"]]
                    runners[q["table"]] = opendp_runner(source["path"], tq)
                else:
                    runners[q["table"]] = pipelinedp_runner(source["path"])
                load = time.perf_counter() - start
                print(
                    f"  {peer}: loaded {q['table']} ({source['rows']:,} rows) in {load:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
            run = runners[q["table"]]
            try:
                seconds, out, runs = timed(lambda: run(q), repeat, slow=10.0)  # noqa: B023
                error = None
            except Exception as exc:  # a peer that cannot run a query is reported, not fatal
                seconds, out, runs, error = None, None, 0, f"{type(exc).__name__}: {exc}"
            print(
                f"  {peer}: {q['name']}: "
                + (f"{seconds:.3f} s ({runs} run(s), {out} keys)" if error is None else error),
                file=sys.stderr,
                flush=True,
            )
            results.append(
                {
                    "peer": peer,
                    "query": q["name"],
                    "seconds": seconds,
                    "runs": runs,
                    "rows": source["rows"],
                    "full_rows": table["rows"],
                    "error": error,
                }
            )
        runners.clear()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
