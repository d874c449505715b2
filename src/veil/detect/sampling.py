"""Deterministic row sampling for scans.

Every row gets a pseudo-random key, a SplitMix64 hash of (``seed``, its position in the
input), and the ``sample_rows`` rows with the smallest keys are kept, in input order: a
uniform sample without replacement. It is the same for the same input and seed however the
input is split into batches, and it is computed over the batches as they stream by
(bottom-k, holding at most about twice the sample), so a reader of any size is sampled in
bounded memory. Inputs with at most ``sample_rows`` rows are returned whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _row_keys(start: int, n: int, seed: int) -> np.ndarray:
    """SplitMix64 of (seed, row position): the sampling key of each row."""
    with np.errstate(over="ignore"):
        z = np.arange(start, start + n, dtype=np.uint64)
        z = z + np.uint64((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF) + np.uint64(1)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (z ^ (z >> np.uint64(31))) & _MASK64


def _batches(data: Any) -> tuple[pa.Schema, Iterable[pa.RecordBatch]]:
    if isinstance(data, pa.Table):
        return data.schema, data.to_batches()
    if isinstance(data, pa.RecordBatch):
        return data.schema, [data]
    if isinstance(data, pa.RecordBatchReader):
        return data.schema, data
    batches = list(data)
    if not batches:
        return pa.schema([]), []
    return batches[0].schema, batches


def sample_table(data: Any, sample_rows: int = 10_000, seed: int = 0) -> tuple[pa.Table, int]:
    """A deterministic uniform sample of at most ``sample_rows`` rows, and the total rows."""
    schema, batches = _batches(data)
    parts: list[pa.Table] = []
    keys: list[np.ndarray] = []
    order: list[np.ndarray] = []
    threshold = np.uint64(0xFFFFFFFFFFFFFFFF)
    total = 0
    held = 0
    for batch in batches:
        n = batch.num_rows
        k = _row_keys(total, n, seed)
        sel = np.flatnonzero(k <= threshold)
        if len(sel):
            parts.append(pa.Table.from_batches([batch]).take(pa.array(sel)))
            keys.append(k[sel])
            order.append(np.arange(total, total + n, dtype=np.int64)[sel])
            held += len(sel)
        total += n
        if held > 2 * sample_rows + 1024:
            parts, keys, order, threshold = _compact(parts, keys, order, sample_rows)
            held = sum(len(x) for x in keys)
    if not parts:
        return pa.Table.from_batches([], schema=schema), total
    parts, keys, order, _ = _compact(parts, keys, order, sample_rows)
    return parts[0], total


def _compact(
    parts: list[pa.Table], keys: list[np.ndarray], order: list[np.ndarray], k: int
) -> tuple[list[pa.Table], list[np.ndarray], list[np.ndarray], np.uint64]:
    table = pa.concat_tables(parts)
    all_keys = np.concatenate(keys)
    all_order = np.concatenate(order)
    if len(all_keys) > k:
        keep = np.argpartition(all_keys, k - 1)[:k] if k > 0 else np.array([], dtype=np.int64)
    else:
        keep = np.arange(len(all_keys))
    keep = keep[np.argsort(all_order[keep], kind="stable")]
    threshold = (
        all_keys[keep].max() if len(keep) and len(all_keys) > k else np.uint64(0xFFFFFFFFFFFFFFFF)
    )
    return [table.take(pa.array(keep))], [all_keys[keep]], [all_order[keep]], np.uint64(threshold)
