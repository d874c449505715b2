"""``veil scan``: classify the columns of any source the pipeline reads, draft a policy.

The source is read through the same ``Source`` objects as ``veil run`` (so a file is
flattened and typed the same way); :func:`veil.detect.scan_table` looks at a deterministic
sample. The table shows counts and hints only. ``--show-samples`` adds up to three distinct
values per column, masked, to the terminal output (never to a file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.table import Table

from veil.cli.main import Shape, SourceName, _make_source, app, err, guarded, out
from veil.errors import ConfigError

_NAMED = {s.value for s in SourceName} - {"file"}


def _mask_samples(column: pa.Array, entity: str, limit: int = 3) -> str:
    """Up to ``limit`` distinct values of a column, masked by the mask operator."""
    from veil.operators.basic import mask_preview

    values = pc_unique_strings(column, limit)
    if len(values) == 0:
        return ""
    return ", ".join(str(v) for v in mask_preview(values, entity).to_pylist())


def pc_unique_strings(column: pa.Array, limit: int) -> pa.Array:
    import pyarrow.compute as pc

    if pa.types.is_nested(column.type) or pa.types.is_binary(column.type):
        return pa.array([], pa.string())
    try:
        text = column.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([], pa.string())
    return pc.unique(text.drop_null()).slice(0, limit)


@app.command("scan")
@guarded
def scan(
    source: Annotated[
        str,
        typer.Argument(help="synthetic, randomuser, fakerapi, or a file (JSON, NDJSON, CSV, Parquet)."),
    ] = "synthetic",
    persons: Annotated[int, typer.Option(help="Users to generate or fetch (not files).")] = 10_000,
    shape: Annotated[Shape, typer.Option(help="synthetic only: the API shape.")] = Shape.randomuser,
    seed: Annotated[str | None, typer.Option(help="Source seed.")] = None,
    gender: Annotated[str | None, typer.Option(help="male or female.")] = None,
    nat: Annotated[str | None, typer.Option(help="Nationalities, comma-separated.")] = None,
    locale: Annotated[str | None, typer.Option(help="Faker locale.")] = None,
    base_url: Annotated[str | None, typer.Option(help="API base URL.")] = None,
    sample_rows: Annotated[int, typer.Option(help="Rows sampled per scan.")] = 10_000,
    write_policy: Annotated[
        Path | None, typer.Option(help="Write a fail-closed draft policy here.")
    ] = None,
    show_samples: Annotated[
        bool, typer.Option("--show-samples", help="Show up to 3 masked values per column.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Find the personal data: classify every column and suggest an operator for it."""
    from veil.detect import draft_policy, scan_table

    if sample_rows < 1:
        raise ConfigError("--sample-rows must be ≥ 1")
    name = source
    if source in _NAMED:
        src = _make_source(
            SourceName(source), shape=shape, persons=persons, seed=seed, gender=gender,
            nat=nat, locale=locale, input_path=None, base_url=base_url,
        )
    else:
        path = Path(source)
        if not path.exists():
            raise ConfigError(
                f"{source!r} is neither a source name ({', '.join(sorted(_NAMED))}) nor a file"
            )
        name = path.stem
        src = _make_source(
            SourceName.file, shape=shape, persons=persons, seed=seed, gender=gender,
            nat=nat, locale=locale, input_path=path, base_url=base_url,
        )
    table = pa.Table.from_batches(list(src.batches()), schema=src.schema)
    report = scan_table(table, sample_rows=sample_rows)
    if write_policy is not None:
        text = draft_policy(report, f"draft-{name}")
        write_policy.parent.mkdir(parents=True, exist_ok=True)
        write_policy.write_text(text, encoding="utf-8")
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        out.print(_table(report.rows(), table, show_samples))
    if write_policy is not None:
        review = sum(1 for row in report.rows() if row["review"])
        err.print(
            f"draft policy written to {write_policy} ({review} column(s) flagged for review); "
            f"check it, then: veil run --policy {write_policy}",
            highlight=False,
        )


def _table(rows: list[dict[str, Any]], table: pa.Table, show_samples: bool) -> Table:
    view = Table(title="veil scan", title_justify="left")
    for name in ("column", "type", "confidence", "evidence", "category", "operator"):
        view.add_column(name, overflow="fold")
    if show_samples:
        view.add_column("samples (masked)", overflow="fold")
    for row in rows:
        cells = [
            row["column"] + (" ⚠" if row["review"] else ""),
            row["type"],
            f"{row['confidence']:.2f}",
            row["evidence"],
            f"{row['category']} ({row['sensitivity']})",
            row["operator"],
        ]
        if show_samples:
            column = table.column(row["column"]).combine_chunks()
            cells.append(_mask_samples(column, row["type"]))
        view.add_row(*cells)
    return view
