"""Free-text detection speed: veil's ``find_spans`` next to Presidio's pattern recognizers.

The snippets of ``benchmarks/corpus/text/`` (100–300 characters: tickets, CRM notes, chats in
seven languages) are repeated to at least ``--snippets`` (20,000) and given to

* veil: ``veil.detect.text.find_spans`` on one Arrow array, default entities (the pattern
  entities), one core (the RE2 prefilters are single-threaded compute kernels, the rest is
  Python);
* Presidio (``presidio-analyzer``), in a separate interpreter: each of EmailRecognizer,
  PhoneRecognizer, CreditCardRecognizer, IbanRecognizer, IpRecognizer, UsSsnRecognizer and
  UrlRecognizer called as ``analyze(text, entities, nlp_artifacts=None)`` on every snippet, so
  no spaCy model is loaded or run (what the AnalyzerEngine would add is not measured).

The peer interpreter is ``.venv-peers/bin/python`` (``make bench-peers``) or
``VEIL_PEER_PYTHON``; without it the Presidio column is skipped. Target: ≥ 5,000 snippets/s.
Run: ``python benchmarks/bench_text.py [--snippets N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa

from veil.detect.text import find_spans

ROOT = Path(__file__).parents[1]
CORPUS = ROOT / "benchmarks" / "corpus" / "text" / "snippets.jsonl"
TARGET = 5_000

_PEER = """
import json, logging, sys, time
logging.disable(logging.CRITICAL)
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer, EmailRecognizer, IbanRecognizer, IpRecognizer, PhoneRecognizer,
    UrlRecognizer, UsSsnRecognizer,
)
texts = json.loads(sys.stdin.read())
recognizers = [cls() for cls in (EmailRecognizer, PhoneRecognizer, CreditCardRecognizer,
               IbanRecognizer, IpRecognizer, UsSsnRecognizer, UrlRecognizer)]
pairs = [(r, r.supported_entities) for r in recognizers]
for text in texts[:50]:  # warm up (tldextract's suffix list, compiled patterns)
    for r, ents in pairs:
        r.analyze(text, ents, None)
found = 0
t0 = time.perf_counter()
for text in texts:
    for r, ents in pairs:
        found += len(r.analyze(text, ents, None))
print(json.dumps({"seconds": time.perf_counter() - t0, "spans": found}))
"""


def peer_python() -> str | None:
    candidate = os.environ.get("VEIL_PEER_PYTHON") or str(ROOT / ".venv-peers" / "bin" / "python")
    return candidate if Path(candidate).exists() else None


def run_presidio(texts: list[str]) -> dict[str, float] | None:
    peer = peer_python()
    if peer is None:
        return None
    done = subprocess.run(
        [peer, "-c", _PEER], input=json.dumps(texts), capture_output=True, text=True
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        print(f"presidio: the peer interpreter failed ({last[:200]}); column skipped")
        return None
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snippets", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3, help="veil timing: best of N runs")
    args = ap.parse_args()
    base = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]
    copies = -(-args.snippets // len(base))
    texts = (base * copies)[: max(args.snippets, len(base))]
    mean_len = sum(map(len, texts)) / len(texts)
    print(f"input: {len(texts):,} snippets ({len(base):,} distinct, mean {mean_len:.0f} chars)")

    array = pa.array(texts, pa.string())
    find_spans(array[:200])  # warm up: compiled patterns, lexicons
    best = float("inf")
    spans = 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        found = find_spans(array)
        best = min(best, time.perf_counter() - t0)
        spans = sum(map(len, found))
    veil_rate = len(texts) / best
    verdict = "met" if veil_rate >= TARGET else "NOT met"
    print(f"veil      {veil_rate:12,.0f} snippets/s  ({spans:,} spans; "
          f"target ≥ {TARGET:,}: {verdict})")  # fmt: skip

    peer = run_presidio(texts)
    if peer is None:
        if peer_python() is None:
            print("presidio: not installed here (make bench-peers builds .venv-peers, or set "
                  "VEIL_PEER_PYTHON); skipped")  # fmt: skip
        return
    pr_rate = len(texts) / peer["seconds"]
    print(f"presidio  {pr_rate:12,.0f} snippets/s  ({int(peer['spans']):,} raw results, "
          f"7 pattern recognizers, no NLP)")  # fmt: skip
    print(f"ratio     {veil_rate / pr_rate:12.1f} × presidio")


if __name__ == "__main__":
    sys.exit(main())
