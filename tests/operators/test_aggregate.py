"""aggregate: univariate microaggregation groups of k to 2k-1, group_by means and medians."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime
from statistics import median

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.keys import Keyring
from veil.operators.base import OpContext, get

REF = datetime(2026, 11, 22, tzinfo=UTC)
KEY = Keyring.from_key(bytes(range(32)))


def agg(spec: dict, values: pa.Array, columns: dict[str, pa.Array] | None = None) -> pa.Array:
    op = get("aggregate")
    params = op.params.model_validate({"op": "aggregate", **spec})
    batch = pa.RecordBatch.from_pydict({"x": values, **(columns or {})})
    return op.factory(params)(values, OpContext(batch, KEY, REF, "x", "x"))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), min_size=0, max_size=120),
    st.integers(2, 12),
)
def test_univariate_groups_hold_k_to_2k_minus_1_consecutive_values(values: list, k: int) -> None:
    arr = pa.array(values, pa.int64())
    before = arr.to_pylist()
    out = agg({"method": "mean", "k": k}, arr)
    assert arr.to_pylist() == before
    assert len(out) == len(arr) and out.type == pa.float64()
    assert agg({"method": "mean", "k": k}, arr).equals(out)
    got = out.to_pylist()
    assert [v is None for v in got] == [v is None for v in values]
    pairs = sorted((v, g) for v, g in zip(values, got, strict=True) if v is not None)
    if not pairs:
        return
    # the group means are non-decreasing along the sorted values: groups are consecutive
    means = [g for _, g in pairs]
    assert all(a <= b + 1e-9 for a, b in itertools.pairwise(means))
    sizes = Counter(round(g, 9) for g in means)
    n = len(pairs)
    if n >= k:
        # equal means of two neighbouring groups may merge in the count, hence only ≥ k
        assert min(sizes.values()) >= k
    else:
        assert len(sizes) == 1
    # the mean of a group is the mean of its members: totals are kept
    assert sum(means) == pytest.approx(sum(v for v, _ in pairs), abs=1e-6)


def test_group_sizes_exact_on_distinct_values() -> None:
    for n in range(10, 80):
        for k in (2, 3, 5, 7):
            out = agg({"k": k}, pa.array(np.arange(n, dtype=float) * 10.0)).to_numpy()
            sizes = np.unique(out, return_counts=True)[1]
            assert sizes.min() >= k and sizes.max() <= 2 * k - 1
            assert sizes.sum() == n


def test_univariate_median() -> None:
    values = [1.0, 2.0, 3.0, 10.0, 20.0, 40.0, None]
    assert agg({"method": "median", "k": 3}, pa.array(values)).to_pylist() == [
        2.0,
        2.0,
        2.0,
        20.0,
        20.0,
        20.0,
        None,
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
            st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
        ),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from(["mean", "median"]),
)
def test_group_by_matches_a_plain_python_groupby(rows: list, method: str) -> None:
    groups = pa.array([g for g, _ in rows], pa.string())
    values = pa.array([v for _, v in rows], pa.float64())
    out = agg({"method": method, "group_by": ["g"]}, values, {"g": groups}).to_pylist()
    members: dict = {}
    for g, v in rows:
        if v is not None:
            members.setdefault(g, []).append(v)
    for (g, v), got in zip(rows, out, strict=True):
        if v is None:
            assert got is None
            continue
        want = np.mean(members[g]) if method == "mean" else median(members[g])
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6)


def test_group_by_several_columns_and_inputs() -> None:
    spec = {"method": "mean", "group_by": ["g", "h"]}
    params = get("aggregate").params.model_validate({"op": "aggregate", **spec})
    assert params.inputs() == ["g", "h"]
    out = agg(
        spec,
        pa.array([1, 3, 10, 20]),
        {"g": pa.array(["a", "a", "a", "a"]), "h": pa.array([1, 1, 2, 2])},
    )
    assert out.to_pylist() == [2.0, 2.0, 15.0, 15.0]


def test_edge_cases() -> None:
    assert agg({}, pa.array([], pa.float64())).to_pylist() == []
    assert agg({}, pa.array([None, None], pa.float64())).to_pylist() == [None, None]
    nan = agg({"k": 2}, pa.array([1.0, float("nan"), 3.0])).to_pylist()
    assert nan[0] == nan[2] == 2.0 and np.isnan(nan[1])
    with pytest.raises(TypeError):
        agg({}, pa.array(["a"]))
    with pytest.raises(ValueError):
        get("aggregate").params.model_validate({"op": "aggregate", "k": 1})
