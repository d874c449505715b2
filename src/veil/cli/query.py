"""``veil query``: differentially private aggregates over a dataset a run wrote, charged to the
analyst's budget on that dataset (``veil budget`` sets it).

The dataset is read through its committed version (decrypted with the workspace key); the
query runs in DuckDB; noise and costs come from :mod:`veil.analytics.dp`. The analyst is
``--analyst``, else the acting user (``VEIL_ACTOR``, else the login name). Output: the
answer, its interval, the mechanism, the noise scale and what was charged; ``--json`` for
machines.
"""

from __future__ import annotations

import contextlib
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from veil.cli.main import (
    _reference_date,
    _s3_options,
    _workspace,
    app,
    err,
    guarded,
    out,
)
from veil.errors import ConfigError


class Kind(StrEnum):
    COUNT = "count"
    SUM = "sum"
    MEAN = "mean"
    HISTOGRAM = "histogram"
    QUANTILE = "quantile"
    TOP_K = "top-k"
    REPORT = "report"


def _domain(value: str | None) -> list[str] | None:
    if value is None:
        return None
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read the domain file {str(path)!r}: {exc.strerror}") from None
        keys = [line.strip() for line in lines if line.strip()]
    else:
        keys = [k.strip() for k in value.split(",") if k.strip()]
    if not keys:
        raise ConfigError("--domain lists no keys")
    return keys


def _candidates(value: str | None) -> list[int]:
    if value is None:
        raise ConfigError("a quantile needs --candidates LOW:HIGH[:STEP] or a comma list")
    try:
        if ":" in value:
            parts = [int(p) for p in value.split(":")]
            low, high = parts[0], parts[1]
            step = parts[2] if len(parts) > 2 else 1
            return list(range(low, high + 1, step))
        return [int(p) for p in value.split(",")]
    except (ValueError, IndexError):
        raise ConfigError(f"--candidates {value!r}: use LOW:HIGH[:STEP] or integers") from None


@app.command("query")
@guarded
def query(
    kind: Annotated[Kind, typer.Argument(help="count, sum, mean, histogram, quantile, top-k, or report (the run report's questions).")],
    column: Annotated[str | None, typer.Argument(help="The column to sum, average, bin or rank (histogram, top-k: the key column).")] = None,
    epsilon: Annotated[float | None, typer.Option(help="Privacy loss to spend (pure ε; with --delta for Gaussian noise and thresholds).")] = None,
    delta: Annotated[float | None, typer.Option(help="δ for the threshold mechanism (top-k, count --by without --domain) or Gaussian noise.")] = None,
    rho: Annotated[float | None, typer.Option(help="zCDP ρ for --noise gaussian (instead of --epsilon/--delta).")] = None,
    noise: Annotated[str, typer.Option(help="laplace (pure ε) or gaussian (zCDP).")] = "laplace",
    by: Annotated[str | None, typer.Option(help="Group by this column.")] = None,
    domain: Annotated[str | None, typer.Option(help="The groups' public keys: a,b,c or @FILE (one per line).")] = None,
    where: Annotated[str | None, typer.Option(help="A row filter (SQL over the dataset's columns).")] = None,
    lower: Annotated[int | None, typer.Option(help="sum/mean: clamp values to at least this (declared, never read from the data).")] = None,
    upper: Annotated[int | None, typer.Option(help="sum/mean: clamp values to at most this.")] = None,
    max_groups: Annotated[int, typer.Option(help="Groups one subject may add to.")] = 1,
    max_rows: Annotated[int, typer.Option(help="Rows one subject may add per group.")] = 1,
    q: Annotated[float, typer.Option(help="quantile: which one (0.5 = median).")] = 0.5,
    candidates: Annotated[str | None, typer.Option(help="quantile: LOW:HIGH[:STEP] or a comma list of integers.")] = None,
    k: Annotated[int, typer.Option(help="top-k: how many keys.")] = 3,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    analyst: Annotated[str | None, typer.Option(help="Whose budget pays (default: the acting user).")] = None,
    dataset: Annotated[str, typer.Option(help="Dataset name inside the output.")] = "users",
    subject_column: Annotated[str, typer.Option(help="The column naming the subject of each row.")] = "subject_id",
    reference_date: Annotated[str | None, typer.Option(help="report: the date durations are measured at (YYYY-MM-DD).")] = None,
    output: Annotated[str, typer.Option(help="The output a run wrote (folder or s3://).")] = "veil-out",
    workspace: Annotated[Path | None, typer.Option(help="Workspace holding the key and the catalog.")] = None,
    key_file: Annotated[Path | None, typer.Option(help="Master key file.")] = None,
    s3_endpoint: Annotated[str | None, typer.Option(help="S3 endpoint URL.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Answer an aggregate with differential privacy, charged to the analyst's budget."""
    from veil.analytics.dp.datasets import open_private_table
    from veil.analytics.dp.ledger import Ledger
    from veil.analytics.dp.queries import Bounds, QueryError
    from veil.analytics.dp.report import dp_report
    from veil.audit import current_actor
    from veil.catalog.db import catalog_url
    from veil.cli.audit import workspace_audit_log
    from veil.keys.keyring import load_keyring
    from veil.sinks import open_sink

    if noise not in ("laplace", "gaussian"):
        raise ConfigError("--noise must be laplace or gaussian")
    if not 0 < confidence < 1:
        raise ConfigError("--confidence must be between 0 and 1")
    ws = _workspace(workspace)
    who = analyst or current_actor()
    keyring = load_keyring(ws, key_file, generate=False)
    sink = open_sink(
        output, format="parquet", encrypt=False, keyring=keyring, s3=_s3_options(s3_endpoint)
    )
    with Ledger(catalog_url(ws), audit=workspace_audit_log(ws)) as ledger:
        table, _ = open_private_table(
            sink, dataset, ledger=ledger, analyst=who, subject_column=subject_column,
            confidence=confidence,
        )  # fmt: skip
        damaged = sink.checked(dataset, also=(QueryError,))  # a damaged file: say which
        with contextlib.closing(table.con), damaged:
            bounds = Bounds(max_groups=max_groups, max_rows=max_rows)
            privacy: dict[str, Any] = {"epsilon": epsilon, "delta": delta, "rho": rho}
            if kind is Kind.REPORT:
                if epsilon is None or delta is None:
                    raise ConfigError("report needs --epsilon and --delta (split over its questions)")
                entries = dp_report(
                    table, epsilon=epsilon, delta=delta,
                    reference_date=_reference_date(reference_date),
                )  # fmt: skip
                _emit({"report": entries}, as_json, entries)
                return
            if kind in (Kind.SUM, Kind.MEAN, Kind.HISTOGRAM, Kind.QUANTILE, Kind.TOP_K) and not column:
                raise ConfigError(f"{kind.value} needs a COLUMN")
            if kind is Kind.COUNT:
                answer = table.count(by=by, domain=_domain(domain), where=where, bounds=bounds,
                                     noise=noise, **privacy)  # type: ignore[arg-type]  # fmt: skip
            elif kind is Kind.HISTOGRAM:
                keys = _domain(domain)
                if keys is None:
                    raise ConfigError("histogram needs --domain (its bins are public keys)")
                answer = table.histogram(str(column), keys, where=where, bounds=bounds,
                                         noise=noise, **privacy)  # fmt: skip
            elif kind in (Kind.SUM, Kind.MEAN):
                if lower is None or upper is None:
                    raise ConfigError(f"{kind.value} needs --lower and --upper (declared bounds)")
                run = table.sum if kind is Kind.SUM else table.mean
                answer = run(str(column), lower=lower, upper=upper, by=by, domain=_domain(domain),
                             where=where, bounds=bounds, noise=noise, **privacy)  # type: ignore[arg-type]  # fmt: skip
            elif kind is Kind.QUANTILE:
                if epsilon is None:
                    raise ConfigError("quantile needs --epsilon")
                answer = table.quantile(str(column), q, candidates=_candidates(candidates),
                                        where=where, bounds=bounds, epsilon=epsilon)  # fmt: skip
            else:
                if epsilon is None or delta is None:
                    raise ConfigError("top-k needs --epsilon and --delta (threshold mechanism)")
                answer = table.top_k(str(column), k, where=where, bounds=bounds,
                                     epsilon=epsilon, delta=delta)  # fmt: skip
            data = answer.to_dict()
            budget = ledger.budget(who, dataset)
            data["budget"] = {
                "analyst": who,
                "epsilon_remaining": budget.epsilon_remaining,
                "delta_remaining": budget.delta_remaining,
            }
            _emit(data, as_json, [data])


def _emit(data: dict[str, Any], as_json: bool, entries: list[dict[str, Any]]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        return
    view = Table(title="veil query (differentially private)", title_justify="left")
    for name in ("question", "answer", "interval", "mechanism", "scale", "charged"):
        view.add_column(name, overflow="fold")
    for entry in entries:
        view.add_row(
            entry.get("title") or entry["query"],
            _fmt(entry["value"]),
            _fmt(entry["interval"]),
            entry["mechanism"],
            _fmt(entry["scale"]),
            _cost(entry["cost"]),
        )
    out.print(view)
    if "budget" in data:
        b = data["budget"]
        err.print(
            f"{b['analyst']}: ε {b['epsilon_remaining']:.4g} and δ {b['delta_remaining']:.3g} "
            "left on this dataset",
            highlight=False,
        )


def _fmt(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) or "(nothing released)"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def _cost(cost: dict[str, float]) -> str:
    parts = [f"{name} {cost[name]:.4g}" for name in ("epsilon", "delta", "rho") if cost.get(name)]
    return ", ".join(parts) or "0"
