"""Evaluate free-text detection (:mod:`veil.detect.text`) on ``benchmarks/corpus/text/``.

For each entity type: precision, recall and F1 of the detected spans against the labelled
ones, two ways:

* **exact** (the headline): a detected span counts only if its start, end and entity equal a
  labelled span's. This is what a redaction that must remove the whole value, and nothing
  else, needs.
* **overlap**: a detected span counts if it overlaps a labelled span of the same entity
  (each labelled span matched at most once). It forgives boundary slips ("+49 30 1234567"
  found as "30 1234567").

Targets: exact F1 ≥ 0.85 for the pattern entities EMAIL, PHONE, CREDIT_CARD, IBAN,
IP_ADDRESS and US_SSN. URL, DATE (birth dates) and PERSON are reported without a target;
PERSON is the low-confidence lexicon heuristic unless spaCy and a model are installed.

Run: ``python benchmarks/eval_text.py [--verbose]``; ``eval_detection.py`` imports
:func:`eval_text`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from veil.detect.text import ENTITIES, Span, find_spans

CORPUS = Path(__file__).parent / "corpus" / "text" / "snippets.jsonl"
TARGETED = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "IP_ADDRESS", "US_SSN")
TARGET_F1 = 0.85


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(
    rows: list[dict[str, Any]], found: list[list[Span]], verbose: bool = False
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Per entity: {"exact": (p, r, f1), "overlap": (p, r, f1)}; prints misses if verbose."""
    modes = ("exact", "overlap")
    counts = {mode: (Counter[str](), Counter[str](), Counter[str]()) for mode in modes}
    for row, spans in zip(rows, found, strict=True):
        truth = [(s["start"], s["end"], s["entity"]) for s in row["spans"]]
        got = [(s.start, s.end, s.entity) for s in spans]
        tp, fp, fn = counts["exact"]
        for g in got:
            (tp if g in truth else fp)[g[2]] += 1
        for t in truth:
            if t not in got:
                fn[t[2]] += 1
        tp, fp, fn = counts["overlap"]
        used: set[int] = set()
        for g in got:
            hit = next(
                (i for i, t in enumerate(truth)
                 if i not in used and t[2] == g[2] and t[0] < g[1] and g[0] < t[1]),
                None,
            )  # fmt: skip
            if hit is None:
                fp[g[2]] += 1
            else:
                used.add(hit)
                tp[g[2]] += 1
        for i, t in enumerate(truth):
            if i not in used:
                fn[t[2]] += 1
        if verbose and set(got) != set(truth):
            text = row["text"]
            missed = [(text[a:b], e) for a, b, e in truth if (a, b, e) not in got]
            extra = [(text[a:b], e) for a, b, e in got if (a, b, e) not in truth]
            print(f"  {row['id']}: missed {missed} extra {extra}")
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for entity in ENTITIES:
        out[entity] = {
            mode: _prf(tp[entity], fp[entity], fn[entity]) for mode, (tp, fp, fn) in counts.items()
        }
    return out


def eval_text(verbose: bool = False) -> dict[str, float]:
    """Print per-entity precision/recall/F1 (exact and overlap); return exact F1 per entity."""
    rows = load_corpus()
    found = find_spans([r["text"] for r in rows], entities=ENTITIES)
    result = score(rows, found, verbose)
    labelled = Counter(s["entity"] for r in rows for s in r["spans"])
    print(f"free text: {len(rows):,} snippets, {sum(labelled.values()):,} labelled spans")
    print(f"{'entity':13}{'spans':>7}  {'exact P':>8}{'R':>7}{'F1':>7}  {'overlap P':>10}{'R':>7}"
          f"{'F1':>7}  target (exact F1)")  # fmt: skip
    for entity in ENTITIES:
        (p, r, f), (op, orr, of) = result[entity]["exact"], result[entity]["overlap"]
        target = ""
        if entity in TARGETED:
            target = f"≥ {TARGET_F1}: " + ("met" if f >= TARGET_F1 else "NOT met")
        print(f"{entity:13}{labelled[entity]:7}  {p:8.3f}{r:7.3f}{f:7.3f}  {op:10.3f}{orr:7.3f}"
              f"{of:7.3f}  {target}")  # fmt: skip
    return {e: result[e]["exact"][2] for e in ENTITIES}


if __name__ == "__main__":
    f1 = eval_text(verbose="--verbose" in sys.argv)
    sys.exit(0 if all(f1[e] >= TARGET_F1 for e in TARGETED) else 1)
