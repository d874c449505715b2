"""noise: declared distributions (KS tests), keyed determinism, round, clamp, integer columns."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.keys import Keyring
from veil.operators.base import OpContext, get
from veil.operators.noise import ndtri

scipy_stats = pytest.importorskip("scipy.stats")
scipy_special = pytest.importorskip("scipy.special")

REF = datetime(2026, 11, 22, tzinfo=UTC)
KEY = Keyring.from_key(bytes(range(32)))
OTHER = Keyring.from_key(bytes(range(1, 33)))
N = 20_000
IDS = pa.array([f"row-{i}" for i in range(N)])


def noisy(
    spec: dict,
    values: pa.Array,
    keyring: Keyring = KEY,
    subject: pa.Array | None = None,
    columns: dict[str, pa.Array] | None = None,
) -> pa.Array:
    op = get("noise")
    params = op.params.model_validate({"op": "noise", **spec})
    batch = pa.RecordBatch.from_pydict({"x": values, **(columns or {})})
    return op.factory(params)(values, OpContext(batch, keyring, REF, "x", "x", subject=subject))


@pytest.mark.parametrize(
    ("distribution", "reference"),
    [
        ("laplace", lambda s: scipy_stats.laplace(scale=s)),
        ("gaussian", lambda s: scipy_stats.norm(scale=s)),
        ("uniform", lambda s: scipy_stats.uniform(loc=-s, scale=2 * s)),
    ],
)
def test_noise_follows_its_declared_distribution(distribution: str, reference) -> None:
    zeros = pa.array(np.zeros(N))
    out = noisy(
        {"distribution": distribution, "scale": 3.0, "record_from": "id"},
        zeros,
        columns={"id": IDS},
    )
    sample = out.to_numpy()
    assert scipy_stats.kstest(sample, reference(3.0).cdf).pvalue > 1e-3
    # and not some other distribution with the same scale
    other = "norm" if distribution != "gaussian" else "laplace"
    assert scipy_stats.kstest(sample, other, args=(0, 3.0)).pvalue < 1e-3


def test_relative_uniform_noise_is_within_the_fraction() -> None:
    x = np.linspace(-1000, 1000, N)
    out = noisy(
        {"distribution": "uniform", "relative": 0.1, "record_from": "id"},
        pa.array(x),
        columns={"id": IDS},
    ).to_numpy()
    assert np.all(np.abs(out - x) <= 0.1 * np.abs(x) + 1e-9)
    ratio = (out - x)[x != 0] / (0.1 * np.abs(x[x != 0]))
    assert scipy_stats.kstest(ratio, scipy_stats.uniform(loc=-1, scale=2).cdf).pvalue > 1e-3


def test_ndtri_matches_scipy() -> None:
    p = np.concatenate([np.linspace(1e-300, 1 - 1e-16, 50_001), [1e-12, 0.5, 0.975]])
    assert np.allclose(ndtri(p), scipy_special.ndtri(p), rtol=1e-14, atol=1e-14)
    assert ndtri(np.array([0.0]))[0] == -np.inf and ndtri(np.array([1.0]))[0] == np.inf


values_st = st.lists(
    st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=50
)


@settings(max_examples=60, deadline=None)
@given(
    values_st,
    st.sampled_from(["laplace", "gaussian", "uniform"]),
    st.floats(0.01, 100),
    st.one_of(st.none(), st.integers(-2, 4)),
)
def test_keyed_deterministic_nulls_and_clamp(values, distribution, scale, decimals) -> None:
    arr = pa.array(values, pa.float64())
    before = arr.to_pylist()
    spec = {
        "distribution": distribution,
        "scale": scale,
        "round": decimals,
        "clamp": [-5e5, 5e5],
    }
    out = noisy(spec, arr)
    assert arr.to_pylist() == before
    assert len(out) == len(arr) and out.type == pa.float64()
    assert noisy(spec, arr).equals(out)
    got = out.to_pylist()
    assert [v is None for v in got] == [v is None for v in values]
    for v in got:
        if v is not None:
            assert -5e5 <= v <= 5e5
            if decimals is not None:
                assert round(v, decimals) == v


def test_different_keys_differ_and_equal_values_share_noise_without_identity() -> None:
    arr = pa.array([10.0] * 50 + [float(i) for i in range(50)])
    a = noisy({"scale": 1.0}, arr).to_pylist()
    b = noisy({"scale": 1.0}, arr, OTHER).to_pylist()
    assert sum(x != y for x, y in zip(a, b, strict=True)) > 90
    assert len(set(a[:50])) == 1  # documented: no record identity, equal values, equal noise
    with_subject = noisy({"scale": 1.0}, arr, subject=pa.array([f"s{i}" for i in range(100)]))
    assert len(set(with_subject.to_pylist()[:50])) == 50


def test_integer_columns_stay_integer_with_round_zero() -> None:
    ages = pa.array([0, 34, 120, None, 67], pa.int16())
    out = noisy({"scale": 5.0, "round": 0, "clamp": [0, 120]}, ages)
    assert out.type == pa.int16()
    assert all(v is None or 0 <= v <= 120 for v in out.to_pylist())
    assert out.to_pylist()[3] is None
    assert noisy({"scale": 5.0}, ages).type == pa.float64()
    tens = noisy({"scale": 50.0, "round": -1}, pa.array([1234], pa.int64())).to_pylist()
    assert tens[0] % 10 == 0
    tiny = noisy({"scale": 1e6, "round": 0}, pa.array([100, -100] * 20, pa.int8())).to_pylist()
    assert all(-128 <= v <= 127 for v in tiny)


def test_invalid_params_and_types() -> None:
    model = get("noise").params
    for bad in (
        {"op": "noise"},
        {"op": "noise", "scale": 1, "relative": 0.1},
        {"op": "noise", "scale": 1, "clamp": [5, 1]},
        {"op": "noise", "scale": 1, "round": 0, "clamp": [1.2, 1.8]},
        {"op": "noise", "scale": -1},
        {"op": "noise", "scale": 1, "seed": 4},
    ):
        with pytest.raises(ValueError):
            model.model_validate(bad)
    with pytest.raises(TypeError):
        noisy({"scale": 1.0}, pa.array(["a"]))
    empty = noisy({"scale": 1.0, "round": 0}, pa.array([], pa.int32()))
    assert empty.type == pa.int32() and len(empty) == 0
