"""``veil risk``: measure the re-identification risk of any table, and attack it.

DATASET is a file (Parquet, CSV/TSV with the delimiter sniffed or given, NDJSON) or the
name of a dataset a run wrote to ``--output`` (read and decrypted with the workspace key).
The measures are :func:`veil.risk.risk_report`'s; ``--attack`` runs
:func:`veil.risk.linkage_attack` with ``--population`` as the adversary's raw table. Only
counts, shares and column names are printed, never a value.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.table import Table

from veil.cli.main import _s3_options, _workspace, app, err, guarded, out
from veil.errors import ConfigError

_CSV = {".csv", ".tsv", ".txt"}
_JSON = {".ndjson", ".jsonl", ".json"}


def _names(values: list[str]) -> list[str]:
    """``--qi a,b --qi c`` → ``[a, b, c]``."""
    return [n.strip() for value in values for n in value.split(",") if n.strip()]


def _pairs(values: list[str], option: str) -> dict[str, str]:
    """``published=population`` pairs (a bare name maps to itself)."""
    out: dict[str, str] = {}
    for item in _names(values):
        left, _, right = item.partition("=")
        if not left or (_ and not right):
            raise ConfigError(f"{option} {item!r}: expected NAME or NAME=POPULATION_NAME")
        out[left] = right or left
    return out


def read_table(path: Path, delimiter: str | None) -> pa.Table:
    """A Parquet, CSV/TSV or NDJSON file as an Arrow table (errors name the file only)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path)
        if suffix in _CSV:
            import pyarrow.csv as pacsv

            if delimiter is None:
                with path.open(encoding="utf-8", newline="") as handle:
                    head = handle.readline()
                try:
                    delimiter = csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
                except csv.Error:
                    delimiter = ","
            return pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=delimiter))
        if suffix in _JSON:
            import pyarrow.json as pajson

            return pajson.read_json(path)
    except (OSError, pa.ArrowInvalid, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"cannot read {str(path)!r}: {reason}") from None
    raise ConfigError(
        f"{str(path)!r}: unknown file type {suffix or '(none)'}; "
        "use .parquet, .csv, .tsv or .ndjson"
    )


def _load(
    name: str,
    *,
    output: str,
    delimiter: str | None,
    workspace: Path | None,
    key_file: Path | None,
    s3_endpoint: str | None,
) -> tuple[pa.Table, str]:
    path = Path(name)
    if path.exists():
        return read_table(path, delimiter), str(path)
    from veil.keys.keyring import load_keyring
    from veil.sinks import open_sink

    if "/" in name or path.suffix:
        raise ConfigError(f"{name!r}: no such file")
    keyring = load_keyring(_workspace(workspace), key_file, generate=False)
    sink = open_sink(
        output, format="parquet", encrypt=False, keyring=keyring, s3=_s3_options(s3_endpoint)
    )
    if sink.current(name) is None:
        raise ConfigError(f"{name!r} is neither a file nor a dataset committed in {output}")
    return sink.read(name, None), f"{output}/{name}"


@app.command("risk")
@guarded
def risk(
    dataset: Annotated[str, typer.Argument(help="A file (Parquet, CSV, NDJSON) or a dataset name in --output.")],
    qi: Annotated[list[str], typer.Option("--qi", help="Quasi-identifiers (comma-separated or repeated; NAME=POPULATION_NAME when the population calls it otherwise).")],
    sensitive: Annotated[list[str] | None, typer.Option("--sensitive", help="Sensitive attributes (l-diversity, t-closeness).")] = None,
    population: Annotated[str | None, typer.Option(help="The population: a file of raw records (journalist risk; the adversary's table for --attack) or its size N.")] = None,
    attack: Annotated[bool, typer.Option("--attack", help="Simulate a linkage attack with --population as the adversary's raw quasi-identifiers.")] = False,
    truth: Annotated[str | None, typer.Option(help="--attack: a column naming the person in both tables (NAME or NAME=POPULATION_NAME); the claims are then drawn and checked.")] = None,
    hierarchy: Annotated[list[str] | None, typer.Option("--hierarchy", help="--attack: COLUMN=FILE|builtin:NAME, how a column was generalised (the adversary knows it).")] = None,
    seed: Annotated[int, typer.Option(help="--attack: seed of the simulated claims.")] = 0,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (default: sniffed).")] = None,
    output: Annotated[str, typer.Option(help="Where runs wrote (folder or s3://), for a dataset name.")] = "veil-out",
    workspace: Annotated[Path | None, typer.Option(help="Workspace folder holding the key.")] = None,
    key_file: Annotated[Path | None, typer.Option(help="Master key file.")] = None,
    s3_endpoint: Annotated[str | None, typer.Option(help="S3 endpoint URL.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Measure re-identification risk (k, l, t, uniqueness, prosecutor/journalist/marketer) and optionally attack the data."""
    from veil.operators.hierarchy import Hierarchy, HierarchyError
    from veil.risk import linkage_attack, risk_report

    pairs = _pairs(qi, "--qi")
    if not pairs:
        raise ConfigError("--qi needs at least one column")
    sens = _names(sensitive or [])
    if attack and population is None:
        raise ConfigError("--attack needs --population FILE: the adversary's raw records")
    if not attack and (truth or hierarchy):
        raise ConfigError("--truth and --hierarchy only apply with --attack")
    opts: dict[str, Any] = {
        "output": output, "delimiter": delimiter, "workspace": workspace,
        "key_file": key_file, "s3_endpoint": s3_endpoint,
    }
    table, label = _load(dataset, **opts)
    pop: pa.Table | int | None = None
    if population is not None:
        if population.isdigit():
            if attack:
                raise ConfigError("--attack needs the population's records, not its size")
            pop = int(population)
        else:
            pop, _ = _load(population, **opts)
    pop_for_report: pa.Table | int | None = pop
    if isinstance(pop, pa.Table):
        missing = [p for p in pairs.values() if p not in pop.column_names]
        if missing:
            raise ConfigError(f"the population has no column {missing[0]!r}")
        renamed = {p: q for q, p in pairs.items()}
        pop_for_report = pop.select(list(renamed)).rename_columns(list(renamed.values()))
    try:
        report = risk_report(table, list(pairs), sens, pop_for_report)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    result: dict[str, Any] = {"dataset": label, "risk": report.to_dict()}
    if attack:
        assert isinstance(pop, pa.Table)
        known: dict[str, Hierarchy] = {}
        for column, spec in _pairs(hierarchy or [], "--hierarchy").items():
            if spec == column:
                raise ConfigError(f"--hierarchy {column!r}: expected COLUMN=FILE|builtin:NAME")
            try:
                known[column] = Hierarchy.load(spec)
            except HierarchyError as exc:
                raise ConfigError(str(exc)) from None
        truth_pair = next(iter(_pairs([truth], "--truth").items())) if truth else None
        outcome = linkage_attack(
            table, pop, pairs, truth=truth_pair, hierarchies=known, seed=seed
        )
        result["attack"] = outcome.to_dict()
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    out.print(_report_view(label, report))
    if report.sensitive:
        out.print(_sensitive_view(report))
    if attack:
        out.print(_attack_view(result["attack"]))
        if result["attack"]["expected_rate"] > result["attack"]["bound"] + 1e-12:
            err.print(
                "[yellow]warning:[/] the attack does better than 1/k: the population lacks "
                "compatible records, or the release is not a truthful generalisation",
                highlight=False,
            )


def _pct(value: float) -> str:
    return f"{value:.2%}"


def _report_view(label: str, report: Any) -> Table:
    view = Table(title=f"veil risk: {label}", title_justify="left", show_header=False)
    view.add_column("measure")
    view.add_column("value", overflow="fold")
    view.add_row("records", f"{report.records:,}")
    view.add_row("quasi-identifiers", ", ".join(report.quasi_identifiers))
    view.add_row("equivalence classes", f"{report.classes:,}")
    view.add_row("k-anonymity", str(report.k))
    view.add_row("unique records", f"{report.unique_records:,} ({_pct(report.uniqueness)})")
    view.add_row(
        "prosecutor risk", f"max {_pct(report.prosecutor.max)}, average {_pct(report.prosecutor.average)}"
    )
    view.add_row(
        "journalist risk",
        f"max {_pct(report.journalist.max)}, average {_pct(report.journalist.average)}"
        f" ({report.journalist.basis})",
    )
    view.add_row("marketer risk", _pct(report.marketer))
    sizes = ", ".join(f"{b.size}: {b.records:,}" for b in report.class_sizes if b.records)
    view.add_row("records by class size", sizes)
    return view


def _sensitive_view(report: Any) -> Table:
    view = Table(title="sensitive attributes", title_justify="left")
    for name in ("attribute", "kind", "values", "l distinct", "l entropy", "recursive c", "t"):
        view.add_column(name)
    for s in report.sensitive:
        c = "∞" if s.recursive_c == float("inf") else f"{s.recursive_c:.2f}"
        view.add_row(
            s.attribute, s.kind, f"{s.values:,}", str(s.l_distinct), f"{s.l_entropy:.2f}",
            f"{c} (l={s.recursive_l})", f"{s.t:.4f}",
        )
    return view


def _attack_view(attack: dict[str, Any]) -> Table:
    view = Table(title="linkage attack", title_justify="left", show_header=False)
    view.add_column("measure")
    view.add_column("value", overflow="fold")
    view.add_row("population records held", f"{attack['population']:,}")
    view.add_row("published records linked", f"{attack['linked']:,} of {attack['published']:,}")
    view.add_row("matched to exactly one person", f"{attack['unique_matches']:,}")
    view.add_row("expected re-identification rate", _pct(attack["expected_rate"]))
    view.add_row("highest risk of a record", _pct(attack["max_risk"]))
    view.add_row("bound 1/k", f"{_pct(attack['bound'])} (k = {attack['k']})")
    if attack["simulated_rate"] is not None:
        view.add_row(
            "simulated claims right",
            f"{_pct(attack['simulated_rate'])} "
            f"({attack['truth_compatible']:,} records compatible with their person)",
        )
    return view
