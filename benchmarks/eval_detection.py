"""Evaluate detection on the labelled corpus: column classification, then free text.

``eval_columns()`` scans every table of ``benchmarks/corpus/tables/`` with
``veil.detect.scan_table`` and compares each column's entity type with ``labels.json``:
precision, recall and F1 per entity type, and overall (micro-averaged over the personal
types: a column labelled ``none`` that is reported personal is a false positive of the
reported type; a personal column reported as another type is a false negative of its label
and a false positive of the reported type). Target: overall F1 ≥ 0.95. The scan speed of
a 1,000,000-row table is in ``benchmarks/bench_scan.py``.

``eval_text()`` evaluates free-text detection (``veil.detect.text``, corpus in
``benchmarks/corpus/text/``).

Run: ``python benchmarks/eval_detection.py [--verbose]`` (``--verbose`` lists the misses).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from veil.detect import scan_table

CORPUS = Path(__file__).parent / "corpus"
TABLES = CORPUS / "tables"
NOW = datetime(2026, 1, 1, tzinfo=UTC)  # the corpus's birth dates are relative to this
TARGET_F1 = 0.95


def load_table(path: Path) -> pa.Table:
    """A corpus table as a user's file would arrive: CSV types inferred by Arrow."""
    if path.suffix == ".parquet":
        return pq.read_table(path)
    return pacsv.read_csv(path)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def eval_columns(verbose: bool = False) -> float:
    """Print per-type and overall precision/recall/F1; return the overall F1."""
    labels: dict[str, dict[str, str]] = json.loads((TABLES / "labels.json").read_text())
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    misses = []
    columns = 0
    for file, truth in sorted(labels.items()):
        report = scan_table(load_table(TABLES / file), now=NOW)
        for col in report.columns:
            want = truth[col.column]
            got = col.entity
            columns += 1
            if got == want:
                if want != "none":
                    tp[want] += 1
                continue
            misses.append((file, col.column, want, got, col.confidence))
            if want != "none":
                fn[want] += 1
            if got != "none":
                fp[got] += 1
    types = sorted(set(tp) | set(fp) | set(fn))
    print(f"column classification: {len(labels)} tables, {columns} columns")
    print(f"{'entity type':<16}{'support':>8}{'precision':>11}{'recall':>8}{'F1':>7}")
    for t in types:
        p, r, f = _prf(tp[t], fp[t], fn[t])
        print(f"{t:<16}{tp[t] + fn[t]:>8}{p:>11.3f}{r:>8.3f}{f:>7.3f}")
    p, r, f = _prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    macro = sum(_prf(tp[t], fp[t], fn[t])[2] for t in types) / max(1, len(types))
    print(
        f"{'overall (micro)':<16}{sum(tp.values()) + sum(fn.values()):>8}{p:>11.3f}{r:>8.3f}"
        f"{f:>7.3f}   target ≥ {TARGET_F1}: {'met' if f >= TARGET_F1 else 'NOT met'}"
    )
    print(f"{'macro F1':<16}{'':>8}{'':>11}{'':>8}{macro:>7.3f}")
    if verbose:
        for file, col, want, got, conf in misses:
            print(f"  miss {file}:{col}: label {want}, got {got} ({conf:.2f})")
    return f


# --- free text: written by the text-detection work (veil.detect.text) ----------------------


def eval_text(verbose: bool = False) -> None:
    """Free-text PII detection on ``benchmarks/corpus/text/`` (see ``eval_text.py``)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from eval_text import eval_text as run_text_eval

    run_text_eval()


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    eval_columns(verbose)
    print()
    eval_text(verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
