"""k-anonymity (and distinct l-diversity) by full-domain generalisation and suppression.

**The lattice.** Each quasi-identifier (QI) has a :class:`~veil.operators.hierarchy.Hierarchy`
with levels ``0..h``. A *node* is a vector of levels, one per QI; the nodes form a lattice
ordered component-wise, from the bottom ``(0, …, 0)`` (nothing generalised) to the top
``(h1, …, hq)``. At a node, every QI is generalised to its level (``Hierarchy.generalize``);
the records that share all generalised QI values form an *equivalence class*. Records in a
class smaller than ``k`` (or, with ``l``, a class with fewer than ``l`` distinct values of the
sensitive column) are suppressed. A node is *feasible* when the suppressed share is at most
``max_suppression``.

**Monotonicity.** Generalising one more level only merges classes, so a record kept at a node
is kept at every successor (its class only grows, and so does its set of sensitive values):
the suppressed records shrink along every path up the lattice. Hence if a node is feasible,
all its successors are, and if it is infeasible, so are all its predecessors.

**Search and pruning** (``strategy="flash"``, after ARX's Flash, Kohlmayer et al. 2012, and
the bisection of OLA, El Emam et al. 2009). Every node carries a tag: unknown, feasible or
infeasible. Evaluating a feasible node tags its whole up-set feasible; an infeasible one tags
its whole down-set infeasible. While some node is untagged, take the lowest one (by height,
the sum of its levels), build a chain from it to the top (each step raises the QI that is
least generalised relative to its height), and binary-search the chain for its first feasible
node, evaluating only untagged nodes. When every node is tagged, the *minimal* feasible nodes
(no direct predecessor feasible) are scored and the one with the least loss under
``objective`` wins (ties: lower height, then the smaller level vector).
``strategy="exhaustive"`` evaluates every node instead (the reference the tests compare to).

The objective defaults to **non-uniform entropy** (ARX's default family): it weighs how much
each generalisation step actually blurs the data, where discernibility only sees class sizes
and is blind to which QI was generalised. See :mod:`veil.risk.loss` for every metric.

**Evaluating a node is vectorised.** Once per QI and level, the generalised column is
dictionary-encoded to integer codes (``pc.dictionary_encode``). A node combines its QIs' codes
into one int64 key per record (mixed radix, re-densified with ``np.unique`` if the radix could
overflow), and class sizes come from ``np.bincount`` (or ``np.unique``): no per-row Python.

**Mondrian** (:func:`mondrian`, LeFevre, DeWitt & Ramakrishnan 2006) is the local-recoding
alternative for numeric QIs: strict multidimensional partitioning by median splits, each box
at least ``k`` records (and ``l``-diverse), published as ``"lo-hi"`` range labels. It needs no
hierarchy and suppresses nothing. It is a separate function rather than a ``method=`` of
:func:`enforce` because it takes column names, not hierarchies, and returns no levels.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veil.errors import ConfigError
from veil.operators.hierarchy import Hierarchy
from veil.risk.loss import (
    OBJECTIVES,
    Loss,
    Objective,
    average_class_size,
    discernibility,
    entropy_terms,
    intensity,
    non_uniform_entropy,
)

Strategy = Literal["flash", "exhaustive"]
MAX_LATTICE = 1_000_000
_RADIX_LIMIT = 1 << 62
_BINCOUNT_LIMIT = 1 << 22


class EnforcementError(ConfigError):
    """Enforcement cannot run or cannot succeed; ``reason`` says which (``"infeasible"``,
    ``"column"``, ``"parameter"``, ``"lattice"``). Messages name columns, never values."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class _NodeStats:
    """What evaluating one node found."""

    kept: np.ndarray  # boolean per record
    class_sizes: np.ndarray  # sizes of the kept classes
    distinct: np.ndarray  # distinct sensitive values of the kept classes (empty without l)

    @property
    def suppressed(self) -> int:
        return int(self.kept.size - np.count_nonzero(self.kept))


class _Encoded:
    """A table's QIs as integer codes per level, plus what the metrics need."""

    def __init__(
        self,
        table: pa.Table,
        hierarchies: Mapping[str, Hierarchy],
        sensitive: str | None,
        unknown: str | None,
    ) -> None:
        self.records = table.num_rows
        self.codes: list[list[np.ndarray]] = []
        self.cards: list[list[int]] = []
        self.terms: list[list[np.ndarray]] = []
        self.top_terms: list[np.ndarray] = []
        for name, hierarchy in hierarchies.items():
            column = _text(table.column(name))
            original, _ = _encode(column)
            per_level = [
                _encode(hierarchy.generalize(column, lv, unknown)) for lv in _levels(hierarchy)
            ]
            self.codes.append([codes for codes, _ in per_level])
            self.cards.append([card for _, card in per_level])
            self.terms.append([entropy_terms(original, codes) for codes, _ in per_level])
            self.top_terms.append(entropy_terms(original, np.zeros_like(original)))
        self.sensitive: tuple[np.ndarray, int] | None = None
        if sensitive is not None:
            self.sensitive = _encode(_text(table.column(sensitive)))

    def classes(self, node: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Per record a class id, and per id its size (ids may be sparse: sizes of 0)."""
        key = np.zeros(self.records, dtype=np.int64)
        radix = 1
        for j, level in enumerate(node):
            card = max(self.cards[j][level], 1)
            if radix * card >= _RADIX_LIMIT:
                uniq, key = np.unique(key, return_inverse=True)
                radix = max(len(uniq), 1)
            key = key * card + self.codes[j][level]
            radix *= card
        if radix <= max(_BINCOUNT_LIMIT, 4 * self.records):
            return key, np.bincount(key, minlength=radix)
        uniq, ids, counts = np.unique(key, return_inverse=True, return_counts=True)
        return ids.reshape(-1), counts

    def evaluate(self, node: Sequence[int], k: int, l: int | None) -> _NodeStats:  # noqa: E741
        ids, counts = self.classes(node)
        ok = counts >= k
        distinct = np.zeros(0, dtype=np.int64)
        if l is not None and self.sensitive is not None:
            codes, card = self.sensitive
            uniq, dense = np.unique(ids, return_inverse=True)
            pairs = np.unique(dense.reshape(-1).astype(np.int64) * max(card, 1) + codes)
            per_class = np.bincount(pairs // max(card, 1), minlength=len(uniq))
            full = np.zeros(len(counts), dtype=np.int64)
            full[uniq] = per_class
            ok &= full >= l
            distinct = full[ok]
        return _NodeStats(kept=ok[ids], class_sizes=counts[ok], distinct=distinct)

    def loss(self, node: Sequence[int], stats: _NodeStats, k: int) -> Loss:
        heights = [len(levels) - 1 for levels in self.codes]
        return Loss(
            discernibility=discernibility(stats.class_sizes, stats.suppressed, self.records),
            average_class_size=average_class_size(
                self.records, stats.suppressed, len(stats.class_sizes), k
            ),
            intensity=intensity(list(node), heights),
            entropy=non_uniform_entropy(
                [self.terms[j][lv] for j, lv in enumerate(node)], self.top_terms, stats.kept
            ),
        )


def _levels(hierarchy: Hierarchy) -> range:
    return range(hierarchy.levels)


def _text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return column.cast(pa.string())


def _encode(values: pa.Array) -> tuple[np.ndarray, int]:
    """Integer codes (nulls get a code of their own) and how many codes there are."""
    encoded = pc.dictionary_encode(values, null_encoding="encode")
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return codes, len(encoded.dictionary)


@dataclass(frozen=True)
class EnforcementResult:
    """The chosen generalisation: ``levels[i]`` for ``quasi_identifiers[i]``; ``apply`` makes
    the table."""

    quasi_identifiers: tuple[str, ...]
    levels: tuple[int, ...]
    k: int
    l: int | None  # noqa: E741 - the letter of l-diversity
    sensitive: str | None
    max_suppression: float
    records: int
    suppressed: int
    k_achieved: int
    l_achieved: int | None
    classes: int
    nodes_evaluated: int
    lattice_size: int
    objective: Objective
    strategy: Strategy
    loss: Loss
    hierarchies: tuple[Hierarchy, ...] = field(repr=False, compare=False)
    unknown: str | None = "*"

    @property
    def suppressed_share(self) -> float:
        return self.suppressed / self.records if self.records else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "quasi_identifiers": list(self.quasi_identifiers),
            "levels": dict(zip(self.quasi_identifiers, self.levels, strict=True)),
            "k": self.k,
            "l": self.l,
            "sensitive": self.sensitive,
            "max_suppression": self.max_suppression,
            "records": self.records,
            "suppressed": self.suppressed,
            "suppressed_share": self.suppressed_share,
            "k_achieved": self.k_achieved,
            "l_achieved": self.l_achieved,
            "classes": self.classes,
            "nodes_evaluated": self.nodes_evaluated,
            "lattice_size": self.lattice_size,
            "objective": self.objective,
            "strategy": self.strategy,
            "loss": self.loss.to_dict(),
        }

    def apply(self, table: pa.Table) -> pa.Table:
        """``table`` with each QI generalised to its level (as text) and the records of
        classes smaller than ``k`` (or not ``l``-diverse) removed."""
        hierarchies = dict(zip(self.quasi_identifiers, self.hierarchies, strict=True))
        encoded = _Encoded(table, hierarchies, self.sensitive, self.unknown)
        stats = encoded.evaluate(self.levels, self.k, self.l)
        for name, hierarchy, level in zip(
            self.quasi_identifiers, self.hierarchies, self.levels, strict=True
        ):
            index = table.schema.get_field_index(name)
            column = hierarchy.generalize(_text(table.column(name)), level, self.unknown)
            table = table.set_column(index, name, column)
        return table.filter(pa.array(stats.kept))


def enforce(
    table: pa.Table,
    hierarchies: Mapping[str, Hierarchy],
    k: int,
    *,
    l: int | None = None,  # noqa: E741 - the letter of l-diversity
    sensitive: str | None = None,
    max_suppression: float = 0.0,
    objective: Objective = "entropy",
    strategy: Strategy = "flash",
    unknown: str | None = "*",
) -> EnforcementResult:
    """The least-loss minimal full-domain generalisation of ``hierarchies``' columns that
    makes ``table`` k-anonymous (and distinct l-diverse in ``sensitive``) after suppressing
    at most ``max_suppression`` of its records. Raises :class:`EnforcementError`."""
    _check(table, hierarchies, k, l, sensitive, max_suppression, objective, strategy)
    encoded = _Encoded(table, hierarchies, sensitive, unknown)
    search = _Search(encoded, [h.levels for h in hierarchies.values()], k, l, max_suppression)
    if strategy == "exhaustive":
        search.exhaustive()
    else:
        search.flash()
    node, stats, loss = search.best(objective)
    return EnforcementResult(
        quasi_identifiers=tuple(hierarchies),
        levels=node,
        k=k,
        l=l,
        sensitive=sensitive,
        max_suppression=max_suppression,
        records=encoded.records,
        suppressed=stats.suppressed,
        k_achieved=int(stats.class_sizes.min()) if stats.class_sizes.size else 0,
        l_achieved=(int(stats.distinct.min()) if stats.distinct.size else 0) if l else None,
        classes=int(stats.class_sizes.size),
        nodes_evaluated=len(search.cache),
        lattice_size=search.size,
        objective=objective,
        strategy=strategy,
        loss=loss,
        hierarchies=tuple(hierarchies.values()),
        unknown=unknown,
    )


def _check(
    table: pa.Table,
    hierarchies: Mapping[str, Hierarchy],
    k: int,
    l: int | None,  # noqa: E741
    sensitive: str | None,
    max_suppression: float,
    objective: str,
    strategy: str,
) -> None:
    if not hierarchies:
        raise EnforcementError("enforcement needs at least one quasi-identifier", "parameter")
    missing = [
        n
        for n in [*hierarchies, *([sensitive] if sensitive else [])]
        if n not in table.column_names
    ]
    if missing:
        raise EnforcementError(f"columns not in the table: {', '.join(missing)}", "column")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise EnforcementError(f"k must be a whole number ≥ 1, got {k!r}", "parameter")
    if l is not None and (isinstance(l, bool) or not isinstance(l, int) or l < 1):
        raise EnforcementError(f"l must be a whole number ≥ 1, got {l!r}", "parameter")
    if (l is None) != (sensitive is None):
        raise EnforcementError("l and sensitive must be given together", "parameter")
    if sensitive in hierarchies:
        raise EnforcementError("the sensitive column cannot be a quasi-identifier", "parameter")
    if not (isinstance(max_suppression, int | float) and 0.0 <= max_suppression <= 1.0):
        raise EnforcementError("max_suppression must be between 0 and 1", "parameter")
    if objective not in OBJECTIVES:
        raise EnforcementError(f"objective must be one of {', '.join(OBJECTIVES)}", "parameter")
    if strategy not in ("flash", "exhaustive"):
        raise EnforcementError("strategy must be flash or exhaustive", "parameter")
    size = math.prod(h.levels for h in hierarchies.values())
    if size > MAX_LATTICE:
        raise EnforcementError(
            f"the lattice has {size} nodes, more than {MAX_LATTICE}; use fewer "
            "quasi-identifiers or shorter hierarchies",
            "lattice",
        )


class _Search:
    """Tags of every lattice node, the evaluations made, and the two strategies."""

    def __init__(
        self,
        encoded: _Encoded,
        levels: Sequence[int],
        k: int,
        l: int | None,  # noqa: E741
        budget: float,
    ) -> None:
        self.encoded, self.k, self.l = encoded, k, l
        self.levels = tuple(levels)
        self.heights = np.array([n - 1 for n in levels], dtype=np.int64)
        self.nodes = np.array(list(itertools.product(*map(range, levels))), dtype=np.int64)
        self.size = len(self.nodes)
        self.allowed = math.floor(budget * encoded.records + 1e-9)
        self.status = np.zeros(self.size, dtype=np.int8)  # 0 unknown, 1 feasible, -1 not
        self.cache: dict[tuple[int, ...], _NodeStats] = {}
        height = self.nodes.sum(axis=1)
        self.order = np.lexsort([*self.nodes.T[::-1], height])

    def index(self, node: Sequence[int]) -> int:
        return int(np.ravel_multi_index(tuple(node), self.levels))

    def stats(self, node: tuple[int, ...]) -> _NodeStats:
        if node not in self.cache:
            self.cache[node] = self.encoded.evaluate(node, self.k, self.l)
        return self.cache[node]

    def check(self, node: tuple[int, ...]) -> bool:
        """Evaluate ``node`` and tag its up-set (feasible) or down-set (infeasible)."""
        feasible = self.stats(node).suppressed <= self.allowed
        point = np.array(node)
        if feasible:
            self.status[(self.nodes >= point).all(axis=1)] = 1
        else:
            self.status[(self.nodes <= point).all(axis=1)] = -1
        return feasible

    def known(self, node: tuple[int, ...]) -> bool:
        tag = self.status[self.index(node)]
        return bool(tag == 1) if tag else self.check(node)

    def exhaustive(self) -> None:
        for row in self.nodes:
            node = tuple(int(x) for x in row)
            self.status[self.index(node)] = 1 if self.stats(node).suppressed <= self.allowed else -1

    def flash(self) -> None:
        while True:
            open_ = self.order[self.status[self.order] == 0]
            if not open_.size:
                return
            chain = self.chain(tuple(int(x) for x in self.nodes[open_[0]]))
            lo, hi = 0, len(chain)
            while lo < hi:
                mid = (lo + hi) // 2
                if self.known(chain[mid]):
                    hi = mid
                else:
                    lo = mid + 1

    def chain(self, start: tuple[int, ...]) -> list[tuple[int, ...]]:
        """From ``start`` to the top, raising the least generalised QI (relative) each step."""
        node, path = list(start), [start]
        while True:
            open_ = [j for j, h in enumerate(self.heights) if node[j] < h]
            if not open_:
                return path
            j = min(open_, key=lambda i: (node[i] / self.heights[i], i))
            node[j] += 1
            path.append(tuple(node))

    def minimal(self) -> list[tuple[int, ...]]:
        """Feasible nodes none of whose direct predecessors is feasible."""
        strides = np.array([math.prod(self.levels[j + 1 :]) for j in range(len(self.levels))])
        out = []
        for i in np.flatnonzero(self.status == 1):
            row = self.nodes[i]
            preds = [i - strides[j] for j in range(len(row)) if row[j] > 0]
            if not any(self.status[p] == 1 for p in preds):
                out.append(tuple(int(x) for x in row))
        return out

    def best(self, objective: Objective) -> tuple[tuple[int, ...], _NodeStats, Loss]:
        candidates = self.minimal()
        if not candidates:
            raise EnforcementError(
                f"no generalisation reaches k={self.k}"
                + (f", l={self.l}" if self.l else "")
                + f" while suppressing at most {self.allowed} of {self.encoded.records} records",
                "infeasible",
            )
        scored = []
        for node in candidates:
            stats = self.stats(node)
            loss = self.encoded.loss(node, stats, self.k)
            scored.append((loss.value(objective), sum(node), node, stats, loss))
        _, _, node, stats, loss = min(scored, key=lambda s: (s[0], s[1], s[2]))
        return node, stats, loss


# -- Mondrian local recoding ------------------------------------------------------------------


@dataclass(frozen=True)
class MondrianResult:
    """Strict multidimensional Mondrian partitions: ``classes`` boxes of at least ``k``
    records; ``apply`` replaces each numeric QI by its box's ``"lo-hi"`` label."""

    quasi_identifiers: tuple[str, ...]
    k: int
    l: int | None  # noqa: E741 - the letter of l-diversity
    sensitive: str | None
    records: int
    classes: int
    k_achieved: int
    l_achieved: int | None
    discernibility: float
    average_class_size: float
    ncp: float  # mean over QIs and records of box width / column range (0 exact, 1 all)
    labels: tuple[pa.Array, ...] = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "mondrian",
            "quasi_identifiers": list(self.quasi_identifiers),
            "k": self.k,
            "l": self.l,
            "sensitive": self.sensitive,
            "records": self.records,
            "suppressed": 0,
            "classes": self.classes,
            "k_achieved": self.k_achieved,
            "l_achieved": self.l_achieved,
            "loss": {
                "discernibility": self.discernibility,
                "average_class_size": self.average_class_size,
                "ncp": self.ncp,
            },
        }

    def apply(self, table: pa.Table) -> pa.Table:
        """``table`` (the one partitioned, same row order) with every QI as its range label."""
        if table.num_rows != self.records:
            raise EnforcementError(
                f"the partition covers {self.records} records, the table has {table.num_rows}",
                "parameter",
            )
        for name, labels in zip(self.quasi_identifiers, self.labels, strict=True):
            table = table.set_column(table.schema.get_field_index(name), name, labels)
        return table


def mondrian(
    table: pa.Table,
    quasi_identifiers: Sequence[str],
    k: int,
    *,
    l: int | None = None,  # noqa: E741
    sensitive: str | None = None,
) -> MondrianResult:
    """Mondrian local recoding (LeFevre et al. 2006) of numeric QIs without nulls.

    A partition is split on the QI with the widest range relative to the whole column, at
    its median (strict: ``< m`` and ``≥ m``, or ``≤ m`` and ``> m`` if that balances
    better), when both halves keep ``k`` records (and ``l`` distinct sensitive values);
    otherwise the next QI is tried, and a partition no QI can split is final. Recursion is
    per partition (about ``N / k`` of them), each split vectorised over its records.
    """
    names = list(quasi_identifiers)
    _check(table, dict.fromkeys(names, _ONE), k, l, sensitive, 0.0, "entropy", "flash")
    values = np.column_stack([_numeric(table, name) for name in names]).astype(np.float64)
    n = table.num_rows
    if n < k:
        raise EnforcementError(f"{n} records cannot be {k}-anonymous", "infeasible")
    sens = _encode(_text(table.column(sensitive)))[0] if sensitive is not None else None
    if l is not None and sens is not None and len(np.unique(sens)) < l:
        raise EnforcementError(f"the table has fewer than l={l} sensitive values", "infeasible")
    span = values.max(axis=0) - values.min(axis=0) if n else np.zeros(len(names))
    part = np.zeros(n, dtype=np.int64)
    done: list[np.ndarray] = []
    todo = [np.arange(n)] if n else []
    while todo:
        rows = todo.pop()
        halves = _split(values, rows, span, k, l, sens)
        if halves is None:
            done.append(rows)
        else:
            todo.extend(halves)
    sizes = np.array([len(rows) for rows in done], dtype=np.int64)
    columns: list[list[str]] = [[] for _ in names]
    width = np.zeros(len(names))
    for number, rows in enumerate(done):
        part[rows] = number
        lo, hi = values[rows].min(axis=0), values[rows].max(axis=0)
        width += (hi - lo) * len(rows)
        for j, column in enumerate(columns):
            column.append(f"{_fmt(lo[j])}-{_fmt(hi[j])}")
    take = pa.array(part)
    distinct = [len(np.unique(sens[rows])) for rows in done] if sens is not None else []
    ncp = float(np.mean(np.divide(width, n * span, out=np.zeros_like(width), where=span > 0)))
    return MondrianResult(
        quasi_identifiers=tuple(names),
        k=k,
        l=l,
        sensitive=sensitive,
        records=n,
        classes=len(done),
        k_achieved=int(sizes.min()) if sizes.size else 0,
        l_achieved=(min(distinct) if distinct else 0) if l else None,
        discernibility=discernibility(sizes, 0, n),
        average_class_size=average_class_size(n, 0, len(done), k),
        ncp=ncp if n else 0.0,
        labels=tuple(pa.array(column, pa.string()).take(take) for column in columns),
    )


_ONE = Hierarchy((pa.array(["*"]),), name="mondrian")


def _numeric(table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name)
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        raise EnforcementError(f"Mondrian needs numeric columns; {name!r} is not", "column")
    if column.null_count:
        raise EnforcementError(f"Mondrian needs columns without nulls; {name!r} has some", "column")
    values = np.asarray(column.to_numpy())
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        raise EnforcementError(f"Mondrian needs finite numbers; {name!r} has others", "column")
    return values


def _split(
    values: np.ndarray,
    rows: np.ndarray,
    span: np.ndarray,
    k: int,
    l: int | None,  # noqa: E741
    sens: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The two halves of the first allowed median split, widest normalised QI first."""
    if len(rows) < 2 * k:
        return None
    box = values[rows]
    widths = np.divide(
        box.max(axis=0) - box.min(axis=0), span, out=np.zeros(len(span)), where=span > 0
    )
    for j in np.argsort(-widths, kind="stable"):
        if widths[j] <= 0:
            return None
        column = box[:, j]
        median = np.sort(column)[len(column) // 2]
        for left in (column < median, column <= median):
            if _allowed(rows[left], k, l, sens) and _allowed(rows[~left], k, l, sens):
                return rows[left], rows[~left]
    return None


def _allowed(rows: np.ndarray, k: int, l: int | None, sens: np.ndarray | None) -> bool:  # noqa: E741
    if len(rows) < k:
        return False
    return l is None or sens is None or len(np.unique(sens[rows])) >= l


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
