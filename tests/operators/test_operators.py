"""Operators: golden cases per operator, and the laws every operator keeps."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.keys import Keyring
from veil.operators import OpContext, get
from veil.operators.geo import EARTH_RADIUS_M
from veil.operators.hashing import hmac_sha256_hex

REF = datetime(2026, 11, 22, tzinfo=UTC)


def apply(
    spec: dict,
    values: pa.Array,
    keyring: Keyring,
    batch: pa.RecordBatch | None = None,
    column: str = "c",
) -> pa.Array:
    op = get(spec["op"])
    params = op.params.model_validate(spec)
    batch = batch if batch is not None else pa.RecordBatch.from_arrays([values], names=[column])
    return op.factory(params)(values, OpContext(batch, keyring, REF, column, column))


@pytest.mark.parametrize(
    ("spec", "values", "expected"),
    [
        ({"op": "keep"}, ["a", None], ["a", None]),
        ({"op": "redact", "value": "<EMAIL>"}, ["a@b.c", None], ["<EMAIL>", None]),
        ({"op": "redact"}, ["a@b.c", None], [None, None]),
        (
            {"op": "mask", "keep_first": 1, "keep_last": 1},
            ["abcdef", "ab", "", None],
            ["a****f", "**", "", None],
        ),
        (
            {"op": "mask", "kind": "phone", "keep_last": 2},
            ["00-3113-7507", "+33 780 559", "1", "(555) CALL-NOW 12"],
            ["**-****-**07", "+** *** *59", "*", "(***) ****-*** 12"],
        ),
        (
            {"op": "mask", "kind": "email"},
            ["alice@company.com", "bob@gmail.co.uk"],
            ["a****@c******.com", "b**@g*******.uk"],
        ),
        (
            {"op": "email_domain"},
            ["Alice@GMail.com ", "nope", "a@b", None, "x@web.de"],
            ["gmail.com", None, None, None, "web.de"],
        ),
        (
            {"op": "generalize", "method": "prefix", "keep": 3},
            ["94110", "12", None],
            ["941**", "12", None],
        ),
        (
            {"op": "generalize", "method": "bins", "edges": [0, 50000, 75000]},
            [10.0, 50000.0, 80000.0, -1.0, None],
            ["0-49999", "50000-74999", "75000+", "<0", None],
        ),
        (
            {"op": "generalize", "method": "bins", "edges": [0, 50, 75], "labels": ["low", "mid"]},
            [10, 60],
            ["low", "mid"],
        ),
    ],
)
def test_golden(spec: dict, values: list, expected: list, keyring: Keyring) -> None:
    assert apply(spec, pa.array(values), keyring).to_pylist() == expected


def test_age_band_at_reference_date(keyring: Keyring) -> None:
    born = pa.array(
        [
            datetime(1966, 11, 22, tzinfo=UTC),  # 60 today: not over 60
            datetime(1965, 11, 22, tzinfo=UTC),  # 61 today
            datetime(1965, 11, 23, tzinfo=UTC),  # 61 tomorrow: still 60
            datetime(2010, 1, 1, tzinfo=UTC),
            datetime(1930, 1, 1, tzinfo=UTC),
            None,
        ],
        pa.timestamp("ms", tz="UTC"),
    )
    spec = {"op": "generalize", "method": "age_band", "edges": [18, 31, 41, 51, 61, 71, 81, 91]}
    assert apply(spec, born, keyring).to_pylist() == ["51-60", "61-70", "51-60", "<18", "91+", None]


def test_date_trunc(keyring: Keyring) -> None:
    ts = pa.array([datetime(2024, 5, 17, 13, 5, tzinfo=UTC), None], pa.timestamp("ms", tz="UTC"))
    for unit, first in [
        ("month", "2024-05-01"),
        ("year", "2024-01-01"),
        ("quarter", "2024-04-01"),
        ("week", "2024-05-13"),
        ("day", "2024-05-17"),
    ]:
        out = apply({"op": "generalize", "method": "date_trunc", "unit": unit}, ts, keyring)
        assert [str(v) if v else None for v in out.to_pylist()] == [first, None]


def test_hmac_matches_python_hmac() -> None:
    key = hashlib.sha256(b"k").digest()
    values = ["", "a", "ünïcødé €", "x" * 1000, None] + [
        f"user{i}@example.com" for i in range(2000)
    ]
    got = hmac_sha256_hex(pa.array(values), key).to_pylist()
    want = [None if v is None else hmac.new(key, v.encode(), "sha256").hexdigest() for v in values]
    assert got == want  # exact, and in row order


def test_hash_is_keyed_truncated_and_normalised(keyring: Keyring, other_keyring: Keyring) -> None:
    spec = {"op": "hash", "length": 20, "normalize": "trim_lower", "domain": "email"}
    a = apply(spec, pa.array(["Alice@X.com ", "alice@x.com", "bob@x.com"]), keyring).to_pylist()
    b = apply(spec, pa.array(["alice@x.com"]), other_keyring).to_pylist()
    assert a[0] == a[1] != a[2] and len(a[0]) == 20
    assert b[0] != a[1]


def test_hash_domain_makes_columns_join(keyring: Keyring) -> None:
    values = pa.array(["alice@x.com"])
    same = apply({"op": "hash", "domain": "email"}, values, keyring, column="mail")
    also = apply({"op": "hash", "domain": "email"}, values, keyring, column="e_mail")
    other = apply({"op": "hash"}, values, keyring, column="mail")
    assert same == also and same != other


def _haversine(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def test_geo_fuzz_bounded_valid_deterministic(keyring: Keyring, other_keyring: Keyring) -> None:
    rng = np.random.default_rng(1)
    lat = np.concatenate([rng.uniform(-90, 90, 5000), [89.9999, -89.9999, 0.0]])
    lon = np.concatenate([rng.uniform(-180, 180, 5000), [179.9999, -179.9999, 180.0]])
    batch = pa.RecordBatch.from_arrays([pa.array(lat), pa.array(lon)], names=["lat", "lon"])
    spec = {
        "op": "geo_fuzz",
        "latitude": "lat",
        "longitude": "lon",
        "radius_m": 5000,
        "decimals": None,
    }
    out_lat = apply({**spec, "part": "latitude"}, batch.column(0), keyring, batch).to_numpy()
    out_lon = apply({**spec, "part": "longitude"}, batch.column(1), keyring, batch).to_numpy()
    assert np.all(np.abs(out_lat) <= 90) and np.all((out_lon >= -180) & (out_lon < 180))
    moved = _haversine(lat, lon, out_lat, out_lon)
    assert moved.max() <= 5000 * (1 + 1e-9) and np.median(moved) > 1000
    again = apply({**spec, "part": "latitude"}, batch.column(0), keyring, batch).to_numpy()
    other = apply({**spec, "part": "latitude"}, batch.column(0), other_keyring, batch).to_numpy()
    assert np.array_equal(again, out_lat) and not np.array_equal(other, out_lat)


def test_geo_fuzz_nulls_and_invalid_stay_null(keyring: Keyring) -> None:
    batch = pa.RecordBatch.from_arrays(
        [pa.array([None, 95.0, 10.0]), pa.array([1.0, 1.0, 10.0])], names=["lat", "lon"]
    )
    spec = {"op": "geo_fuzz", "latitude": "lat", "longitude": "lon", "part": "latitude"}
    assert apply(spec, batch.column(0), keyring, batch).is_null().to_pylist() == [True, True, False]


KEYED_SPECS = [
    {"op": "hash"},
    {"op": "mask", "keep_last": 2},
    {"op": "mask", "kind": "email"},
    {"op": "mask", "kind": "phone", "keep_last": 2},
    {"op": "email_domain"},
    {"op": "generalize", "method": "prefix", "keep": 2},
    {"op": "redact", "value": "<X>"},
]


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=30),
    index=st.integers(0, len(KEYED_SPECS) - 1),
)
def test_laws_deterministic_length_nulls_no_mutation(values: list, index: int) -> None:
    keyring = Keyring.from_key(bytes(32))
    arr = pa.array(values, pa.string())
    before = arr.to_pylist()
    first = apply(KEYED_SPECS[index], arr, keyring)
    second = apply(KEYED_SPECS[index], arr, keyring)
    assert first.equals(second)
    assert len(first) == len(arr)
    assert arr.to_pylist() == before
    for v, o in zip(before, first.to_pylist(), strict=True):
        if v is None:
            assert o is None


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.text(alphabet="0123456789+-() ./\tx#", max_size=24)), max_size=40
    ),
    last=st.integers(0, 5),
    start=st.integers(0, 3),
)
def test_phone_mask_byte_path_agrees_with_regex_path(values: list, last: int, start: int) -> None:
    from veil.operators.basic import _mask_phone_ascii, _mask_phone_regex

    arr = pa.array(values, pa.string()).slice(min(start, len(values)))
    fast = _mask_phone_ascii(arr, last, "*")
    fast.validate(full=True)
    assert fast.to_pylist() == _mask_phone_regex(arr, last, "*").to_pylist()


def test_phone_mask_non_ascii_takes_the_regex_path(keyring: Keyring) -> None:
    spec = {"op": "mask", "kind": "phone", "keep_last": 2}
    assert apply(spec, pa.array(["☎ 030 1234", "12-34"]), keyring).to_pylist() == [
        "* *** **34",
        "**-34",
    ]


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.text(alphabet="ab.@-_ 9", max_size=16)), max_size=40
    ),
    start=st.integers(0, 3),
)
def test_email_mask_byte_path_agrees_with_regex_path(values: list, start: int) -> None:
    from veil.operators.basic import _mask_email_ascii, _mask_email_regex

    arr = pa.array(values, pa.string()).slice(min(start, len(values)))
    fast = _mask_email_ascii(arr, "*")
    fast.validate(full=True)
    assert fast.to_pylist() == _mask_email_regex(arr, "*").to_pylist()


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.text(alphabet="ab.@ \t\nÉ", max_size=12)), max_size=30
    )
)
def test_email_domain_fast_path_agrees_with_the_regex(values: list) -> None:
    from veil.operators.generalize import _email_domain_regex, email_domain_of

    arr = pa.array(values, pa.string())
    assert email_domain_of(arr).to_pylist() == _email_domain_regex(arr).to_pylist()
