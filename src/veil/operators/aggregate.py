"""aggregate: microaggregation, replacing each number by the mean or median of its group.

Two ways to form groups:

- ``group_by``: the rows that share the values of these input columns (a null is a value of
  its own). A group of fewer than ``k`` rows is still published as its mean: use ``group_by``
  with columns that are themselves coarse (an age band, a region).
- no ``group_by``: univariate microaggregation of the column itself (MDAV on one variable).
  The values are sorted; while at least 3k are left, the k smallest and the k largest form a
  group each; then, with 2k to 3k-1 left, the k values at the end farther from their mean
  form a group and the rest another; fewer than 2k left form one group. Every group has at
  least ``k`` consecutive values (and at most 2k-1), so each published value is shared by at
  least k rows, and the error is small because neighbours are grouped.

Groups are formed **within one batch**: the same value may get another group on another batch
split (the pipeline's batches hold 50,000 rows by default), and a batch of fewer than ``k``
values forms one smaller group. No key is used: the result is a function of the batch.

The output is float64 (a mean or a middle value, the average of the two middle values for an
even group). Nulls and NaN stay as they are and take no part in any group.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from veil.operators.base import Example, OpContext, OpFunc, OpParams, numeric_input


class AggregateParams(OpParams):
    """Replace a number by the mean or median of its group: the rows sharing the
    ``group_by`` columns, or (without ``group_by``) at least ``k`` consecutive sorted values
    (univariate microaggregation). Groups are formed per batch."""

    op: Literal["aggregate"] = "aggregate"
    method: Literal["mean", "median"] = Field(
        default="mean", description="the group statistic that replaces each value"
    )
    group_by: list[str] = Field(
        default_factory=list,
        description="input columns whose equal values form a group; empty: groups of k sorted",
    )
    k: int = Field(
        default=5, ge=2, le=1_000_000, description="without group_by: the least group size"
    )

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {"op": "aggregate", "method": "mean", "k": 3},
            [51000.0, 23000.0, 98000.0, 47000.0, 25000.0, 120000.0, None],
            "groups of 3 consecutive sorted salaries: {23000, 25000, 47000} and "
            "{51000, 98000, 120000}",
        ),
        Example(
            {"op": "aggregate", "method": "median", "group_by": ["region"]},
            [31, 47, 38, 62, 27],
            "the median age of each region",
            columns={"region": ["North", "North", "South", "South", "South"]},
        ),
    )

    def inputs(self) -> list[str]:
        return list(self.group_by)


def group_ids(columns: list[pa.Array]) -> np.ndarray:
    """A dense group number per row: rows with equal values in every column (null equal to
    null) share a number."""
    n = len(columns[0])
    ids = np.zeros(n, dtype=np.int64)
    for column in columns:
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        size = len(encoded.dictionary) + 1
        ids = np.unique(ids * size + codes, return_inverse=True)[1].astype(np.int64).reshape(-1)
    return ids


def univariate_groups(n: int, k: int, sorted_values: np.ndarray) -> np.ndarray:
    """Group numbers for ``n`` sorted values by univariate MDAV (see the module doc)."""
    groups = np.zeros(n, dtype=np.int64)
    if n < 2 * k:
        return groups
    pairs = (n - 3 * k) // (2 * k) + 1 if n >= 3 * k else 0  # rounds taking k from both ends
    position = np.arange(n)
    low_group = position // k
    high_group = (n - 1 - position) // k
    groups = np.where(position < pairs * k, 2 * low_group, groups)
    groups = np.where(position >= n - pairs * k, 2 * high_group + 1, groups)
    start, stop = pairs * k, n - pairs * k
    middle = 2 * pairs
    if stop - start >= 2 * k:
        centre = float(np.mean(sorted_values[start:stop]))
        low_end = centre - sorted_values[start] >= sorted_values[stop - 1] - centre
        split = start + k if low_end else stop - k
        groups[start:split] = middle
        groups[split:stop] = middle + 1
    else:
        groups[start:stop] = middle
    return groups


def group_statistic(values: np.ndarray, groups: np.ndarray, method: str) -> np.ndarray:
    """The mean or median of ``values`` within each group, per row."""
    count = int(groups.max()) + 1 if len(groups) else 0
    if method == "mean":
        sums = np.bincount(groups, weights=values, minlength=count)
        sizes = np.bincount(groups, minlength=count)
        return (sums / np.maximum(sizes, 1))[groups]
    order = np.lexsort((values, groups))
    sizes = np.bincount(groups, minlength=count)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ordered = values[order]
    last = max(len(ordered) - 1, 0)
    lower = ordered[np.clip(starts + (sizes - 1) // 2, 0, last)]
    upper = ordered[np.clip(starts + sizes // 2, 0, last)]
    return ((lower + upper) / 2.0)[groups]


def aggregate(params: AggregateParams) -> OpFunc:
    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        values = numeric_input(values, ctx, "aggregate")
        x = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        mask = np.asarray(values.is_null())
        member = ~np.isnan(x)  # nulls are NaN here too
        out = x.copy()
        if not member.any():
            return pa.array(out, pa.float64(), mask=mask)
        rows = np.flatnonzero(member)
        if params.group_by:
            keys = [ctx.batch.column(name).take(pa.array(rows)) for name in params.group_by]
            groups = group_ids(keys)
            out[rows] = group_statistic(x[rows], groups, params.method)
        else:
            order = rows[np.argsort(x[rows], kind="stable")]
            ordered = x[order]
            groups = univariate_groups(len(order), params.k, ordered)
            out[order] = group_statistic(ordered, groups, params.method)
        return pa.array(out, pa.float64(), mask=mask)

    return _apply
