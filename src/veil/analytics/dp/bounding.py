"""Contribution bounding in one pass over rows grouped by subject (a compiled kernel).

Bounding in SQL groups the whole table by (subject, group) for every query: on 10 M events that
costs 5–10× the plain ``GROUP BY`` it feeds. A :class:`SubjectOrder` pays for the grouping once
per table instead: it sorts the rows by a 64-bit hash of the subject id (a permutation, kept in
memory) and keeps, per column a query touches, the column in that order as integers (group
keys as dictionary codes, values as ``int64``). A query is then one pass of :func:`_bound` over
each subject's run of rows, in parallel over runs, without the GIL.

What is kept of a subject is the same rule as the SQL path, and depends on that subject's rows
only (a stable transformation, which the sensitivities assume):

- the subject's groups are ranked by a salted mix of (hash of the subject id, hash of the
  group's key text); at most ``max_groups`` groups with the lowest ranks are kept. The key's
  hash is of its text, never of its dictionary code, which depends on other subjects' rows;
- in a kept group, at most ``max_rows`` rows count; a subject with more rows there counts as
  ``max_rows`` rows at their mean value (rounded; it stays within ``max_rows · [lower, upper]``).

Two subjects whose ids hash alike fall in one run and are bounded together, which only ever
keeps less of each. Rows whose value is null (for a sum) or whose key is null or outside the
declared domain are skipped before bounding, so they take no group slot.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit, prange

# One compiled pass at a time: each already uses every core, and Numba's fallback threading
# layer (workqueue, where OpenMP and TBB are missing) refuses concurrent parallel launches,
# which a server asking two tables at once would make.
_KERNEL = threading.Lock()
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def _mix(x: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a bijection that spreads every input bit over the output."""
    x ^= x >> np.uint64(30)
    x *= _MIX1
    x ^= x >> np.uint64(27)
    x *= _MIX2
    x ^= x >> np.uint64(31)
    return x


@njit(cache=True, parallel=True)
def _bound(
    starts: np.ndarray,
    seeds: np.ndarray,
    codes: np.ndarray,
    slot: np.ndarray,
    key_hash: np.ndarray,
    values: np.ndarray,
    use_values: bool,
    keep: np.ndarray,
    use_keep: bool,
    n_out: int,
    max_rows: int,
    max_groups: int,
    salt: np.uint64,
    chunks: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Bounded (sum, count) per output slot.

    ``starts[j]:starts[j+1]`` are the rows of run ``j`` (one subject, or several whose hashes
    collide), ``seeds[j]`` its subject hash; ``codes`` the rows' key codes (−1: null), mapped to
    output slots by ``slot`` (−1: outside the domain); ``key_hash`` per code; ``values`` (when
    ``use_values``) and ``keep`` (when ``use_keep``) per row. Runs ``chunks[c]:chunks[c+1]``
    go to worker ``c``.
    """
    n_chunks = len(chunks) - 1
    sums = np.zeros((n_chunks, n_out), np.int64)
    counts = np.zeros((n_chunks, n_out), np.int64)
    for c in prange(n_chunks):
        rows = np.zeros(n_out, np.int64)
        total = np.zeros(n_out, np.int64)
        touched = np.empty(n_out, np.int64)
        rank = np.empty(n_out, np.uint64)
        for run in range(chunks[c], chunks[c + 1]):
            m = 0
            for i in range(starts[run], starts[run + 1]):
                if use_keep and not keep[i]:
                    continue
                code = codes[i]
                if code < 0:
                    continue
                g = slot[code]
                if g < 0:
                    continue
                if rows[g] == 0:
                    touched[m] = g
                    rank[m] = _mix(seeds[run] ^ salt ^ key_hash[code])
                    m += 1
                rows[g] += 1
                if use_values:
                    total[g] += values[i]
            if m > max_groups:  # the max_groups lowest ranks come first
                for j in range(max_groups):
                    best = j
                    for q in range(j + 1, m):
                        if rank[q] < rank[best]:
                            best = q
                    touched[j], touched[best] = touched[best], touched[j]
                    rank[j], rank[best] = rank[best], rank[j]
            for j in range(m):
                g = touched[j]
                if j < max_groups:
                    n = rows[g]
                    if n <= max_rows:
                        sums[c, g] += total[g]
                        counts[c, g] += n
                    else:
                        sums[c, g] += np.int64(np.floor(total[g] * max_rows / n + 0.5))
                        counts[c, g] += max_rows
                rows[g] = 0
                total[g] = 0
    return sums.sum(axis=0), counts.sum(axis=0)


@dataclass(frozen=True)
class _Keys:
    """A column's keys in subject order: dictionary codes (−1: null), the key texts, and a
    hash of each text."""

    codes: np.ndarray
    texts: list[str]
    hashes: np.ndarray


class SubjectOrder:
    """The rows of a relation grouped by subject, with the columns queries use.

    ``fetch(expression)`` evaluates an SQL expression over the relation's rows that have a
    subject, **in the relation's order** (DuckDB keeps insertion order for scans, filters and
    projections), as an Arrow column; ``subject_hash`` is the SQL of the subject's 64-bit hash.
    Columns are fetched and reordered on first use and kept (values and filters in a small
    least-recently-used cache). Thread-safe.
    """

    _CACHED = 8  # value and filter arrays kept (each 9 bytes a row at most)

    def __init__(self, fetch: Callable[[str], pa.ChunkedArray], subject_hash: str) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        hashes = _numpy(fetch(subject_hash), np.uint64)
        self._order = np.argsort(hashes)
        ordered = hashes[self._order]
        self.rows = len(ordered)
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]][: self.rows])
        self._starts = np.append(starts.astype(np.int64), self.rows)
        self._seeds = ordered[self._starts[:-1]]
        self.subjects = len(self._seeds)
        self._chunks = self._split(max(1, numba.get_num_threads()) * 4)
        self._keys: dict[str, _Keys] = {}
        self._arrays: OrderedDict[str, tuple[np.ndarray, np.ndarray | None]] = OrderedDict()

    @functools.cached_property
    def _one_group(self) -> _Keys:
        """Every row in one group, keyed ``"None"`` (scalar queries; made once)."""
        return _Keys(np.zeros(self.rows, np.int32), ["None"], np.zeros(1, np.uint64))

    def _split(self, parts: int) -> np.ndarray:
        """Run boundaries that cut the rows into ``parts`` chunks of about equal size."""
        cuts = np.searchsorted(self._starts, np.linspace(0, self.rows, parts + 1))
        cuts = np.minimum(cuts, self.subjects)
        cuts[0], cuts[-1] = 0, self.subjects
        return np.unique(cuts).astype(np.int64)

    def _reordered(self, column: pa.ChunkedArray | pa.Array) -> pa.Array:
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        return column.take(pa.array(self._order))

    def keys(self, expression: str) -> _Keys:
        """The keys of ``expression`` (SQL yielding text) in subject order."""
        with self._lock:
            if expression not in self._keys:
                text = self._fetch(expression)
                encoded = pc.dictionary_encode(text).combine_chunks()
                codes = encoded.indices.fill_null(-1)
                texts = [str(k) for k in encoded.dictionary.to_pylist()]
                self._keys[expression] = _Keys(
                    codes=_numpy(self._reordered(codes), np.int32),
                    texts=texts,
                    hashes=_key_hashes(texts),
                )
            return self._keys[expression]

    def array(self, expression: str, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
        """``expression`` in subject order: ``kind`` "value" gives int64 values and a mask of
        the non-null ones (None when none is null); "filter" gives a boolean mask (null:
        False)."""
        key = f"{kind}:{expression}"
        with self._lock:
            if key in self._arrays:
                self._arrays.move_to_end(key)
                return self._arrays[key]
            column = self._reordered(self._fetch(expression))
            found: tuple[np.ndarray, np.ndarray | None]
            if kind == "filter":
                found = (_numpy(column.fill_null(False), np.bool_), None)
            else:
                valid = None if column.null_count == 0 else _numpy(column.is_valid(), np.bool_)
                found = (_numpy(column.fill_null(0), np.int64), valid)
            self._arrays[key] = found
            while len(self._arrays) > self._CACHED:
                self._arrays.popitem(last=False)
            return found

    def aggregate(
        self,
        keys: _Keys | None,
        domain: Sequence[str] | None,
        values: tuple[np.ndarray, np.ndarray | None] | None,
        where: np.ndarray | None,
        *,
        max_groups: int,
        max_rows: int,
        salt: int,
    ) -> dict[str, tuple[int, int]]:
        """Bounded (sum, count) per key that has rows after bounding (of ``domain`` when
        given: keys outside it are dropped before bounding); keyed ``"None"`` without
        ``keys`` (a scalar query, one group)."""
        if keys is None:
            keys, max_groups = self._one_group, 1
        codes, texts, hashes = keys.codes, keys.texts, keys.hashes
        if domain is None:
            out, slot = texts, np.arange(len(texts), dtype=np.int64)
        else:
            out = list(domain)
            position = {k: i for i, k in enumerate(out)}
            slot = np.array([position.get(t, -1) for t in texts], dtype=np.int64)
        keep = where
        if values is not None and values[1] is not None:
            keep = values[1] if keep is None else keep & values[1]
        with _KERNEL:
            sums, counts = _bound(
                self._starts,
                self._seeds,
                codes,
                slot,
                hashes,
                values[0] if values is not None else np.zeros(1, np.int64),
                values is not None,
                keep if keep is not None else np.zeros(1, np.bool_),
                keep is not None,
                len(out),
                max_rows,
                max_groups,
                np.uint64(salt),
                self._chunks,
            )
        return {
            k: (int(s), int(n)) for k, s, n in zip(out, sums, counts, strict=True) if n > 0
        }


def _numpy(column: pa.Array | pa.ChunkedArray, dtype: Any) -> np.ndarray:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return np.ascontiguousarray(column.to_numpy(zero_copy_only=False), dtype=dtype)


def _key_hashes(texts: list[str]) -> np.ndarray:
    """A 64-bit hash of each key's text (BLAKE2b; a function of the text alone)."""
    out = np.empty(len(texts), dtype=np.uint64)
    for i, text in enumerate(texts):
        out[i] = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    return out
