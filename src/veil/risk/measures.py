"""Re-identification risk measures of one table, from its equivalence classes.

An *equivalence class* is the set of records that share one combination of quasi-identifier
(QI) values. A null in a QI is a value of its own: records with a null city and otherwise equal
QIs form one class, apart from every named city (as SQL ``GROUP BY`` does; pandas' ``groupby``,
and so pycanon, drops such records instead). A null sensitive value is likewise one more value.

Definitions (n records, classes j = 1..J of sizes f_j):

- **k-anonymity** (Sweeney, "k-anonymity: a model for protecting privacy", 2002): the table is
  k-anonymous for k = min_j f_j. ``uniqueness`` is the share of records alone in their class
  (f_j = 1); it is 0 exactly when k ≥ 2.
- **Prosecutor, journalist and marketer risk** (El Emam, "Guide to the De-Identification of
  Personal Health Information", 2013; El Emam & Dankar, JAMIA 2008). Prosecutor (the attacker
  knows the target is in the table): a record's risk is 1/f_j, so the maximum is 1/k and the
  average over records J/n. Journalist (the attacker does not know; the table is a sample of a
  population): a record's risk is 1/F_j, F_j the size of its class in the *population*: with a
  population table the classes are sized by it (a sample class missing from the population
  counts with its sample size); with a population size N only, F_j is estimated as f_j·N/n
  (uniform sampling: a crude estimate, said in ``journalist.basis``); with neither, the sample
  is the population and journalist risk equals prosecutor risk (also said). Marketer (the
  attacker matches everyone): the expected share of records re-identified, (1/n)·Σ_j f_j/F_j,
  which is J/n when the sample is the population.
- **l-diversity** (Machanavajjhala et al., "l-Diversity: Privacy Beyond k-Anonymity", 2007),
  per sensitive attribute: *distinct* l = min_j (distinct values in class j); *entropy* l =
  min_j exp(H_j), H_j the entropy (natural log) of the class's value distribution; *recursive
  (c, l)*: with a class's value counts sorted r_1 ≥ r_2 ≥ … ≥ r_m, it holds when every class has
  r_1 < c·(r_l + r_{l+1} + … + r_m). ``recursive_c`` is the largest ratio r_1 / (r_l + … + r_m)
  over the classes, so (c, l) holds for every c above it (infinite when a class has fewer than
  l values). pycanon reports a different c (it sorts the counts ascending), so it is not
  compared with pycanon; the tests check it by hand. Entropy l is reported as a float;
  pycanon truncates it to an integer.
- **t-closeness** (Li, Li & Venkatasubramanian, "t-Closeness: Privacy Beyond k-Anonymity and
  l-Diversity", 2007): t = max_j EMD(Q_j, P), P the attribute's distribution over the whole
  table, Q_j over class j. Categorical attributes use the equal ground distance, where EMD is
  half the L1 distance ½·Σ_i |q_i − p_i|. Ordered attributes (numeric columns, or those given an
  order in ``ordinal``) use the ordered distance over their m values in order:
  EMD = (1/(m−1))·Σ_i |Σ_{v≤i} (q_v − p_v)|. For a numeric column the values are the distinct
  ones present; for ``ordinal`` the listed ones (a value not listed, or a null, is an error).

Cost grows with the rows, not with classes × rows: each QI column is dictionary-encoded once
(Arrow hashing), the codes are combined into one integer key per record and hashed again into
class ids; every measure then comes from the class sizes and, per sensitive attribute, from
the (class, value) counts, with numpy. The ordered EMD uses prefix sums over the m values, so it
costs O(pairs · log m), not O(classes · m).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: class-size histogram buckets: (label, smallest size, largest size or None)
SIZE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    *((str(s), s, s) for s in range(1, 11)),
    ("11-20", 11, 20),
    ("21-50", 21, 50),
    ("51+", 51, None),
)
_KEY_LIMIT = 1 << 62  # combined keys stay below this before they are re-hashed


@dataclass(frozen=True)
class ClassSizeBucket:
    """How many classes, and records in them, have a size in ``[low, high]``."""

    size: str
    classes: int
    records: int


@dataclass(frozen=True)
class Risk:
    """A re-identification risk: the highest record's and the average over records."""

    max: float
    average: float
    basis: str = ""


@dataclass(frozen=True)
class SensitiveReport:
    """l-diversity and t-closeness of one sensitive attribute."""

    attribute: str
    kind: str  # "categorical" (equal distance) or "ordered" (ordered distance)
    values: int  # distinct values in the table (a null counts as one)
    l_distinct: int
    l_entropy: float
    recursive_c: float  # every class satisfies (c, l) for any c above this
    recursive_l: int
    recursive_c_required: float
    recursive_satisfied: bool
    t: float


@dataclass(frozen=True)
class RiskReport:
    """Every measure of one table; ``to_dict()`` is JSON-safe."""

    records: int
    quasi_identifiers: tuple[str, ...]
    classes: int
    k: int
    unique_records: int
    uniqueness: float
    class_sizes: tuple[ClassSizeBucket, ...]
    prosecutor: Risk
    journalist: Risk
    marketer: float
    sensitive: tuple[SensitiveReport, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain types only; an infinite ``recursive_c`` becomes ``None``."""
        out = asdict(self)
        out["quasi_identifiers"] = list(self.quasi_identifiers)
        out["class_sizes"] = [asdict(b) for b in self.class_sizes]
        out["sensitive"] = [
            {
                k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in asdict(s).items()
            }
            for s in self.sensitive
        ]
        return out


def _encode(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Codes 0..m-1 per record (a null is a value of its own) and the m distinct values.

    A chunked column is encoded chunk by chunk against one shared dictionary (no copy of the
    values into one chunk); a dictionary-typed column is decoded first, so equal values that
    two chunks' dictionaries spell differently still get one code."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    if not chunks:
        return np.zeros(0, np.int64), pa.array([], column.type)
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in chunks])
    return codes.astype(np.int64, copy=False), chunks[0].dictionary


def _encode_all(table: pa.Table, names: Sequence[str]) -> dict[str, tuple[np.ndarray, pa.Array]]:
    """``_encode`` of each named column, on a few threads (Arrow's hashing releases the GIL)."""
    unique = list(dict.fromkeys(names))
    if len(unique) <= 1 or table.num_rows < 50_000:
        return {name: _encode(table.column(name)) for name in unique}
    workers = min(len(unique), os.cpu_count() or 1, 4)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = pool.map(_encode, [table.column(name) for name in unique])
        return dict(zip(unique, done, strict=True))


def _compact(key: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids for the distinct keys (all < ``bound``) and the key of each id."""
    if bound <= max(4 * len(key), 1 << 16):
        present = np.bincount(key, minlength=bound) > 0
        lookup = np.cumsum(present) - 1
        return lookup[key], np.flatnonzero(present)
    encoded = pc.dictionary_encode(pa.array(key, pa.int64()))
    ids = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return ids, encoded.dictionary.to_numpy(zero_copy_only=False)


def _class_ids(rows: int, codes: Sequence[tuple[np.ndarray, pa.Array]]) -> np.ndarray:
    key = np.zeros(rows, np.int64)
    bound = 1
    for column_codes, values in codes:
        m = max(len(values), 1)
        if bound * m >= _KEY_LIMIT:
            key, uniq = _compact(key, bound)
            bound = len(uniq)
        key = key * m + column_codes
        bound *= m
    ids, _ = _compact(key, bound)
    return ids


def equivalence_classes(table: pa.Table, quasi_identifiers: Sequence[str]) -> np.ndarray:
    """The class id (0..J-1) of every record; no QIs put every record in class 0."""
    encoded = _encode_all(table, quasi_identifiers)
    return _class_ids(table.num_rows, [encoded[name] for name in quasi_identifiers])


def _histogram(sizes: np.ndarray) -> tuple[ClassSizeBucket, ...]:
    out = []
    for label, low, high in SIZE_BUCKETS:
        mask = sizes >= low if high is None else (sizes >= low) & (sizes <= high)
        out.append(ClassSizeBucket(label, int(mask.sum()), int(sizes[mask].sum())))
    return tuple(out)


def _ranks(values: pa.Array, name: str, order: list[Any] | None) -> tuple[np.ndarray, int]:
    """Rank (0..m-1) of each distinct value of an ordered attribute, and m."""
    if values.null_count:
        raise ValueError(f"ordered sensitive attribute {name!r} has nulls: no order for them")
    if order is not None:
        rank = pc.index_in(values, pa.array(order, values.type))
        if rank.null_count:
            raise ValueError(f"sensitive attribute {name!r} has values not in its ordinal list")
        return rank.to_numpy(zero_copy_only=False).astype(np.int64), len(order)
    sort = np.argsort(values.to_numpy(zero_copy_only=False), kind="stable")
    rank = np.empty(len(sort), np.int64)
    rank[sort] = np.arange(len(sort))
    return rank, len(sort)


def _is_ordered(column: pa.ChunkedArray, name: str, ordinal: dict[str, list[Any]]) -> bool:
    if name in ordinal:
        return True
    kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )


def _segments(cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each class's run starts in ``cls`` (sorted), and the position within the run."""
    starts = np.flatnonzero(np.r_[True, cls[1:] != cls[:-1]])
    lengths = np.diff(np.r_[starts, len(cls)])
    return starts, np.arange(len(cls)) - np.repeat(starts, lengths)


def _ordered_emd(
    cls: np.ndarray,
    rank: np.ndarray,
    count: np.ndarray,
    sizes: np.ndarray,
    starts: np.ndarray,
    global_counts: np.ndarray,
) -> np.ndarray:
    """Ordered-distance EMD of every class: (1/(m-1))·Σ_i |Q_j(i) − P(i)| with cumulative Q, P.

    The (class, rank) pairs come sorted by class, then rank. Over the values between two
    consecutive values present in a class, Q_j is constant and P non-decreasing, so Σ |Q − P(i)|
    over that run is split where P crosses Q (one binary search) and summed with prefix sums.
    """
    m = len(global_counts)
    if m <= 1:
        return np.zeros(len(sizes))
    p_cum = np.cumsum(global_counts) / global_counts.sum()
    p_cum[-1] = 1.0
    prefix = np.concatenate([[0.0], np.cumsum(p_cum)])  # prefix[i] = Σ_{v<i} P(v)
    running = np.cumsum(count)
    before = np.repeat(running[starts] - count[starts], np.diff(np.r_[starts, len(cls)]))
    q = (running - before) / sizes[cls]
    b = np.r_[rank[1:], m]
    b[np.r_[starts[1:] - 1, len(cls) - 1]] = m  # a class's last value runs to the end
    split = np.clip(np.searchsorted(p_cum, q, side="left"), rank, b)
    runs = (
        q * (split - rank)
        - (prefix[split] - prefix[rank])
        + (prefix[b] - prefix[split])
        - q * (b - split)
    )
    total = np.bincount(cls, weights=runs, minlength=len(sizes))
    total += prefix[rank[starts]]  # before a class's first value Q = 0, so |0 − P| = P
    return total / (m - 1)


def _top_sum(
    cls: np.ndarray, count: np.ndarray, starts: np.ndarray, n_classes: int, top: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per class, its largest count and the sum of its ``top`` largest counts."""
    largest = np.maximum.reduceat(count, starts)
    if top <= 0:
        return largest, np.zeros(n_classes)
    if top == 1:
        return largest, largest
    order = np.lexsort((-count, cls))
    _, position = _segments(cls[order])
    keep = position < top
    return largest, np.bincount(cls[order][keep], weights=count[order][keep], minlength=n_classes)


def _sensitive(
    name: str,
    column: pa.ChunkedArray,
    encoded: tuple[np.ndarray, pa.Array],
    ids: np.ndarray,
    sizes: np.ndarray,
    ordinal: dict[str, list[Any]],
    recursive: tuple[float, int],
) -> SensitiveReport:
    codes, values = encoded
    ordered = _is_ordered(column, name, ordinal)
    if ordered:  # code the values by rank, so (class, code) order is (class, rank) order
        rank_of, m = _ranks(values, name, ordinal.get(name))
        codes = rank_of[codes]
    else:
        m = max(len(values), 1)
    n_classes = len(sizes)
    pair_ids, keys = _compact(ids * m + codes, n_classes * m)
    count = np.bincount(pair_ids, minlength=len(keys)).astype(np.float64)
    if len(keys) > 1 and (keys[1:] < keys[:-1]).any():
        order = np.argsort(keys, kind="stable")
        keys, count = keys[order], count[order]
    cls, val = keys // m, keys % m
    starts, _ = _segments(cls)
    global_counts = np.bincount(val, weights=count, minlength=m)

    distinct = np.diff(np.r_[starts, len(cls)])
    plogp = np.bincount(cls, weights=count * np.log(count), minlength=n_classes)
    entropy = np.log(sizes) - plogp / sizes

    # recursive (c, l): r_1 / (r_l + … + r_m) per class, counts sorted descending
    c_wanted, l_wanted = recursive
    largest, head = _top_sum(cls, count, starts, n_classes, l_wanted - 1)
    tail = sizes - head
    enough = (distinct >= l_wanted) & (tail > 0)
    ratio = np.full(n_classes, np.inf)
    ratio[enough] = largest[enough] / tail[enough]
    worst = float(ratio.max())

    if ordered:
        emd = _ordered_emd(cls, val, count, sizes, starts, global_counts)
    else:
        p = global_counts / global_counts.sum()
        q = count / sizes[cls]
        # ½·Σ_i |q_i − p_i| = ½·(Σ_{i in class} (|q_i − p_i| − p_i) + 1)
        emd = 0.5 * (
            np.bincount(cls, weights=np.abs(q - p[val]) - p[val], minlength=n_classes) + 1.0
        )
    return SensitiveReport(
        attribute=name,
        kind="ordered" if ordered else "categorical",
        values=m,
        l_distinct=int(distinct.min()),
        l_entropy=float(np.exp(entropy.min())),
        recursive_c=worst,
        recursive_l=int(l_wanted),
        recursive_c_required=float(c_wanted),
        recursive_satisfied=bool(worst < c_wanted),
        t=float(max(emd.max(), 0.0)),
    )


def _journalist(
    table: pa.Table,
    quasi_identifiers: Sequence[str],
    ids: np.ndarray,
    sizes: np.ndarray,
    population: pa.Table | int | None,
) -> tuple[Risk, float]:
    n = float(len(ids))
    if population is None:
        return Risk(
            1.0 / sizes.min(),
            len(sizes) / n,
            "no population given: the sample is the population (= prosecutor)",
        ), len(sizes) / n
    if isinstance(population, int):
        if population < n:
            raise ValueError("population size is smaller than the table")
        big = sizes * (population / n)
        basis = f"population size {population}: classes scaled by N/n (uniform sampling)"
    else:
        sample = table.select(list(quasi_identifiers))
        pop = population.select(list(quasi_identifiers))
        pop = pop.cast(sample.schema) if pop.schema != sample.schema else pop
        both = equivalence_classes(pa.concat_tables([sample, pop]), quasi_identifiers)
        pop_sizes = np.bincount(both[len(ids) :], minlength=int(both.max()) + 1)
        first = np.zeros(len(sizes), np.int64)
        first[ids] = both[: len(ids)]  # the joint class of each sample class
        big = np.maximum(pop_sizes[first], sizes).astype(np.float64)
        basis = f"population table of {population.num_rows} records"
    average = float((sizes / big).sum() / n)
    return Risk(float(1.0 / big.min()), average, basis), average


def risk_report(
    table: pa.Table,
    quasi_identifiers: list[str],
    sensitive: Sequence[str] = (),
    population: pa.Table | int | None = None,
    *,
    ordinal: dict[str, list[Any]] | None = None,
    recursive: tuple[float, int] = (2.0, 2),
) -> RiskReport:
    """Measure ``table``: k, class sizes, uniqueness, prosecutor/journalist/marketer risk, and per
    ``sensitive`` attribute l-diversity (distinct, entropy, recursive (c, l) with ``recursive``
    = (c, l)) and t-closeness (ordered distance for numeric columns and those in ``ordinal``,
    which gives their values in order; equal distance otherwise)."""
    if table.num_rows == 0:
        raise ValueError("cannot measure the risk of an empty table")
    missing = [c for c in [*quasi_identifiers, *sensitive] if c not in table.column_names]
    if missing:
        raise ValueError(f"columns not in the table: {missing}")
    if set(quasi_identifiers) & set(sensitive):
        raise ValueError("a column cannot be both a quasi-identifier and sensitive")
    n = table.num_rows
    if recursive[1] < 1:
        raise ValueError("recursive l must be at least 1")
    encoded = _encode_all(table, [*quasi_identifiers, *sensitive])
    ids = _class_ids(n, [encoded[name] for name in quasi_identifiers])
    sizes = np.bincount(ids)
    k = int(sizes.min())
    unique = int((sizes == 1).sum())
    journalist, marketer = _journalist(table, quasi_identifiers, ids, sizes, population)
    return RiskReport(
        records=n,
        quasi_identifiers=tuple(quasi_identifiers),
        classes=len(sizes),
        k=k,
        unique_records=unique,
        uniqueness=unique / n,
        class_sizes=_histogram(sizes),
        prosecutor=Risk(1.0 / k, len(sizes) / n),
        journalist=journalist,
        marketer=marketer,
        sensitive=tuple(
            _sensitive(
                s,
                table.column(s),
                encoded[s],
                ids,
                sizes.astype(np.float64),
                ordinal or {},
                recursive,
            )
            for s in sensitive
        ),
    )
