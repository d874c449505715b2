"""veil's k-anonymity enforcement next to ARX's own published results on ``adult``.

ARX's test suite (``arx-deidentifier/arx``, ``src/test/org/deidentifier/arx/test/
TestAnonymizationKAnonymity.java``) states, for its ``adult.csv`` with all nine attributes as
quasi-identifiers, its shipped hierarchies, and the non-uniform entropy metric, the optimal
transformation (a level per attribute, in the file's column order) and its information loss,
for k = 5 and k = 100 with a suppression limit of 0 % and 4 %. Those four cases are in
:data:`ARX_CASES`; the data and hierarchies are in ``tests/risk/data`` (copied from ARX).

For each case this runs :func:`veil.risk.enforce` (Flash-style search, entropy objective) and
prints ARX's levels and loss next to veil's. The loss is recomputed here from the generalised
columns alone (an independent check of ``veil.risk.loss``) in two conventions:

- ``arx``: every record at the chosen level, suppressed or not: the convention of the ARX
  version that published these numbers (its non-uniform entropy does not charge suppression);
- ``veil``: suppressed records charged as fully generalised (``*``), which is what veil's
  objective and reports use, so suppressing is never free.

With 0 % suppression the two agree. ``tests/risk/test_arx_adult.py`` asserts the same figures.
Usage: ``python benchmarks/compare_arx.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from veil.operators.hierarchy import Hierarchy
from veil.risk import enforce

DATA = Path(__file__).resolve().parents[1] / "tests" / "risk" / "data"
COLUMNS = [
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "occupation",
    "salary-class",
]


@dataclass(frozen=True)
class ArxCase:
    k: int
    max_suppression: float
    levels: tuple[int, ...]
    loss: float  # ARX's non-uniform entropy of that transformation


ARX_CASES = (
    ArxCase(5, 0.04, (1, 0, 1, 1, 3, 2, 2, 0, 1), 255559.85455731067),
    ArxCase(100, 0.04, (1, 1, 1, 1, 3, 2, 2, 1, 1), 379417.3460570988),
    ArxCase(5, 0.0, (1, 2, 1, 1, 3, 2, 2, 1, 1), 407289.5388925293),
    ArxCase(100, 0.0, (0, 4, 1, 1, 3, 2, 2, 1, 1), 453196.8932458743),
)


@dataclass(frozen=True)
class Outcome:
    case: ArxCase
    levels: tuple[int, ...]
    suppressed: int
    loss_arx: float
    loss_veil: float
    nodes_evaluated: int
    lattice_size: int
    seconds: float


def load() -> tuple[pa.Table, dict[str, Hierarchy]]:
    """ARX's adult table (all columns as text) and its nine hierarchies."""
    table = pacsv.read_csv(
        DATA / "adult.csv",
        parse_options=pacsv.ParseOptions(delimiter=";"),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(COLUMNS, pa.string())),
    )
    hierarchies = {c: Hierarchy.from_csv(DATA / f"adult_hierarchy_{c}.csv") for c in COLUMNS}
    return table, hierarchies


def _codes(values: pa.Array) -> np.ndarray:
    return pc.dictionary_encode(values).indices.to_numpy(zero_copy_only=False)


def nonuniform_entropy(
    table: pa.Table,
    hierarchies: dict[str, Hierarchy],
    levels: tuple[int, ...],
    kept: np.ndarray | None,
) -> float:
    """Sum over QIs and records of ``-log2 P(original | generalised)``, the shares taken over
    all input records; records not ``kept`` count at the top level (``-log2 P(original)``)."""
    total = 0.0
    for (name, hierarchy), level in zip(hierarchies.items(), levels, strict=True):
        original = table.column(name).combine_chunks()
        o = _codes(original)
        g = _codes(hierarchy.generalize(original, level))
        n_o = np.bincount(o)[o].astype(float)
        n_g = np.bincount(g)[g].astype(float)
        bits = np.log2(n_g) - np.log2(n_o)
        if kept is None:
            total += float(bits.sum())
        else:
            top = np.log2(float(len(o))) - np.log2(n_o)
            total += float(bits[kept].sum()) + float(top[~kept].sum())
    return total


def run_case(table: pa.Table, hierarchies: dict[str, Hierarchy], case: ArxCase) -> Outcome:
    start = time.perf_counter()
    result = enforce(
        table, hierarchies, case.k, max_suppression=case.max_suppression, objective="entropy"
    )
    seconds = time.perf_counter() - start
    published = result.apply(table.append_column("_row", pa.array(range(table.num_rows))))
    kept = np.zeros(table.num_rows, dtype=bool)
    kept[published.column("_row").to_numpy()] = True
    return Outcome(
        case=case,
        levels=result.levels,
        suppressed=result.suppressed,
        loss_arx=nonuniform_entropy(table, hierarchies, result.levels, None),
        loss_veil=nonuniform_entropy(table, hierarchies, result.levels, kept),
        nodes_evaluated=result.nodes_evaluated,
        lattice_size=result.lattice_size,
        seconds=seconds,
    )


def main() -> None:
    table, hierarchies = load()
    print(f"adult: {table.num_rows:,} records, 9 quasi-identifiers, ARX's hierarchies")
    header = (
        f"{'k':>4} {'supp':>5}  {'ARX levels':<27} {'veil levels':<27} {'same':<5}"
        f"{'ARX loss':>14} {'veil (ARX conv.)':>17} {'veil (veil conv.)':>18}"
        f" {'suppressed':>10} {'nodes':>11} {'s':>6}"
    )
    print(header)
    for case in ARX_CASES:
        out = run_case(table, hierarchies, case)
        print(
            f"{case.k:>4} {case.max_suppression:>5.0%}  {case.levels!s:<27} "
            f"{out.levels!s:<27} {'yes' if out.levels == case.levels else 'NO':<5}"
            f"{case.loss:>14,.2f} {out.loss_arx:>17,.2f} {out.loss_veil:>18,.2f}"
            f" {out.suppressed:>10,} {out.nodes_evaluated:>5}/{out.lattice_size:<5}"
            f" {out.seconds:>6.2f}"
        )


if __name__ == "__main__":
    main()
