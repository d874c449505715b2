"""date_shift: one keyed offset per subject, intervals kept, bounds, types, nulls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.keys import Keyring
from veil.operators.base import OpContext, get
from veil.operators.shift import day_offsets

REF = datetime(2026, 11, 22, tzinfo=UTC)
KEY = Keyring.from_key(bytes(range(32)))
OTHER = Keyring.from_key(bytes(range(1, 33)))


def shift(
    spec: dict,
    values: pa.Array,
    subject: pa.Array | None,
    keyring: Keyring = KEY,
    columns: dict[str, pa.Array] | None = None,
) -> pa.Array:
    op = get("date_shift")
    params = op.params.model_validate({"op": "date_shift", **spec})
    batch = pa.RecordBatch.from_pydict({"d": values, **(columns or {})})
    ctx = OpContext(batch, keyring, REF, "d", "d", subject=subject)
    return op.factory(params)(values, ctx)


rows = st.lists(
    st.tuples(
        st.sampled_from(["s1", "s2", "s3", "s4", "s5"]),
        st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2100, 12, 31))),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(rows, st.integers(1, 400), st.data())
def test_per_subject_offset_bounds_and_intervals(rows: list, max_days: int, data) -> None:
    min_days = data.draw(st.integers(0, max_days))
    subjects = pa.array([s for s, _ in rows])
    values = pa.array([d for _, d in rows], pa.date32())
    before = values.to_pylist()
    spec = {"max_days": max_days, "min_days": min_days}
    out = shift(spec, values, subjects)
    assert values.to_pylist() == before  # input not mutated
    assert out.type == pa.date32() and len(out) == len(values)
    assert shift(spec, values, subjects).equals(out)  # deterministic
    offsets: dict[str, int] = {}
    for (subject, d), shifted in zip(rows, out.to_pylist(), strict=True):
        assert (d is None) == (shifted is None)
        if d is None:
            continue
        days = (shifted - d).days
        assert min_days <= abs(days) <= max_days
        assert offsets.setdefault(subject, days) == days  # one offset per subject
    # hence every interval between two dates of one subject is unchanged


def test_different_keys_give_different_offsets() -> None:
    subjects = pa.array([f"subject-{i}" for i in range(200)])
    values = pa.array([date(2024, 1, 1)] * 200, pa.date32())
    a = shift({"max_days": 365}, values, subjects).to_pylist()
    b = shift({"max_days": 365}, values, subjects, OTHER).to_pylist()
    assert sum(x != y for x, y in zip(a, b, strict=True)) > 150


def test_offsets_cover_the_range_uniformly() -> None:
    words = np.random.default_rng(1).integers(0, 2**64, size=200_000, dtype=np.uint64)
    days = day_offsets(words, 0, 10)
    counts = np.bincount(days + 10, minlength=21)
    assert days.min() == -10 and days.max() == 10
    assert counts.min() > 0.9 * 200_000 / 21
    nonzero = day_offsets(words, 3, 5)
    assert set(np.unique(nonzero)) == {-5, -4, -3, 3, 4, 5}


def test_timestamps_keep_type_timezone_and_time_of_day() -> None:
    typ = pa.timestamp("us", tz="Europe/Berlin")
    moments = [datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=UTC), None]
    values = pa.array(moments, typ)
    subjects = pa.array(["a", "a"])
    out = shift({"max_days": 30, "min_days": 1}, values, subjects)
    assert out.type == typ
    moved = out.to_pylist()[0]
    delta = moved - moments[0]
    assert delta % timedelta(days=1) == timedelta(0) and 1 <= abs(delta.days) <= 30
    assert out.to_pylist()[1] is None
    # nanoseconds survive exactly (no float round trip)
    ns = pa.array([1_700_000_000_123_456_789], pa.timestamp("ns"))
    out_ns = shift({}, ns, pa.array(["a"])).cast(pa.int64()).to_pylist()[0]
    assert (out_ns - 1_700_000_000_123_456_789) % 86_400_000_000_000 == 0


def test_same_subject_same_offset_across_columns_and_batches() -> None:
    dob = pa.array([date(1990, 5, 17), date(1985, 1, 2)], pa.date32())
    reg = pa.array([datetime(2015, 6, 1, tzinfo=UTC)], pa.timestamp("ms", tz="UTC"))
    a = shift({}, dob, pa.array(["p1", "p2"])).to_pylist()
    b = shift({}, reg, pa.array(["p1"])).to_pylist()
    assert (a[0] - date(1990, 5, 17)).days == (b[0].date() - date(2015, 6, 1)).days


def test_subject_from_is_the_fallback_and_a_subject_is_required() -> None:
    values = pa.array([date(2024, 1, 1)] * 3, pa.date32())
    users = pa.array(["u1", "u1", "u2"])
    out = shift({"subject_from": "user"}, values, None, columns={"user": users}).to_pylist()
    assert out[0] == out[1]
    # the policy's subject wins over subject_from
    with_subject = shift({"subject_from": "user"}, values, users, columns={"user": users})
    assert with_subject.to_pylist() == shift({}, values, users).to_pylist()
    with pytest.raises(ValueError, match="needs a subject"):
        shift({}, values, None)


def test_null_subject_gives_null_and_wrong_type_fails() -> None:
    values = pa.array([date(2024, 1, 1), date(2024, 1, 2)], pa.date32())
    assert shift({}, values, pa.array(["a", None])).to_pylist()[1] is None
    with pytest.raises(TypeError):
        shift({}, pa.array(["2024-01-01"]), pa.array(["a"]))
    with pytest.raises(ValueError):
        get("date_shift").params.model_validate({"op": "date_shift", "max_days": 5, "min_days": 6})


def test_empty_batch() -> None:
    out = shift({}, pa.array([], pa.date32()), pa.array([], pa.string()))
    assert out.type == pa.date32() and len(out) == 0
