"""generalize: date labels, top/bottom coding, IP prefixes, hierarchies (ARX CSV, built-ins)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.keys import Keyring
from veil.operators.base import OpContext, get
from veil.operators.hierarchy import Hierarchy, HierarchyError, builtin
from veil.sources._synthetic_data import COUNTRIES

REF = datetime(2026, 11, 22, tzinfo=UTC)
KEY = Keyring.from_key(bytes(range(32)))


def gen(spec: dict, values: pa.Array) -> list:
    op = get("generalize")
    params = op.params.model_validate({"op": "generalize", **spec})
    batch = pa.RecordBatch.from_arrays([values], names=["c"])
    before = repr(values.to_pylist())
    out = op.factory(params)(values, OpContext(batch, KEY, REF, "c", "c"))
    assert repr(values.to_pylist()) == before and len(out) == len(values)
    return list(out.to_pylist())


# -- date labels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("year", ["2024", "2024", "2024", None]),
        ("quarter", ["2024-Q1", "2024-Q4", "2024-Q3", None]),
        ("month", ["2024-01", "2024-12", "2024-07", None]),
        ("week", ["2024-W05", "2025-W01", "2024-W29", None]),
        ("day", ["2024-01-29", "2024-12-30", "2024-07-15", None]),
    ],
)
def test_date_label_units(unit: str, expected: list) -> None:
    dates = pa.array([date(2024, 1, 29), date(2024, 12, 30), date(2024, 7, 15), None])
    assert gen({"method": "date_label", "unit": unit}, dates) == expected


def test_date_label_of_zoned_timestamps_uses_local_time() -> None:
    moment = pa.array([datetime(2024, 12, 31, 23, 30, tzinfo=UTC)], pa.timestamp("ms", "UTC"))
    assert gen({"method": "date_label", "unit": "year"}, moment) == ["2024"]
    berlin = moment.cast(pa.timestamp("ms", tz="Europe/Berlin"))
    assert gen({"method": "date_label", "unit": "year"}, berlin) == ["2025"]


@settings(max_examples=200, deadline=None)
@given(st.dates(date(1000, 1, 1), date(9999, 12, 31)))
def test_iso_week_label_matches_python(day: date) -> None:
    year, week, _ = day.isocalendar()
    got = gen({"method": "date_label", "unit": "week"}, pa.array([day], pa.date32()))
    quarter = gen({"method": "date_label", "unit": "quarter"}, pa.array([day], pa.date32()))
    assert got == [f"{year:04d}-W{week:02d}"]
    assert quarter == [f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"]


# -- top and bottom coding --------------------------------------------------------------------


def test_top_bottom_value_and_label() -> None:
    ages = pa.array([5, 18, 50, 90, 95, None], pa.int32())
    spec = {"method": "top_bottom", "top": 90, "bottom": 18}
    assert gen(spec, ages) == [18, 18, 50, 90, 90, None]
    assert gen(spec | {"coding": "label"}, ages) == ["<18", "18", "50", "90+", "90+", None]
    assert gen({"method": "top_bottom", "top": 1e5}, pa.array([2e5, 5.5])) == [1e5, 5.5]
    assert gen({"method": "top_bottom", "bottom": 0}, pa.array([-3, 4])) == [0, 4]


def test_top_bottom_checks() -> None:
    model = get("generalize").params
    for bad in (
        {"method": "top_bottom"},
        {"method": "top_bottom", "top": 1, "bottom": 2},
        {"method": "top_bottom", "top": float("inf")},
    ):
        with pytest.raises(ValueError):
            model.model_validate({"op": "generalize", **bad})
    with pytest.raises(ValueError, match="whole-number"):
        gen({"method": "top_bottom", "top": 90.5}, pa.array([100], pa.int64()))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False)), max_size=30),
    st.floats(-1e3, 1e3),
    st.floats(0, 1e3),
)
def test_top_bottom_bounds(values: list, bottom: float, width: float) -> None:
    top = bottom + width
    out = gen(
        {"method": "top_bottom", "top": top, "bottom": bottom}, pa.array(values, pa.float64())
    )
    for v, o in zip(values, out, strict=True):
        assert (v is None) == (o is None)
        if v is not None:
            assert bottom <= o <= top and (o == v or o in (bottom, top))


# -- IP prefixes ------------------------------------------------------------------------------


def test_ip_prefix_golden() -> None:
    values = pa.array(
        [
            "192.168.1.77",
            " 10.0.0.1 ",
            "2001:db8:85a3:8d3:1319:8a2e:370:7348",
            "::1",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "fe80::1%eth0",
            "2001:db8::g",
            "not an ip",
            "",
            None,
        ]
    )
    assert (
        gen({"method": "ip_prefix"}, values)
        == [
            "192.168.1.0/24",
            "10.0.0.0/24",
            "2001:db8:85a3::/48",
            "::/48",
        ]
        + [None] * 9
    )


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_ipv4_prefix_matches_ipaddress(number: int, bits: int) -> None:
    address = str(ipaddress.IPv4Address(number))
    got = gen({"method": "ip_prefix", "ipv4_prefix": bits}, pa.array([address]))
    assert got == [str(ipaddress.ip_network(f"{address}/{bits}", strict=False))]


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**128 - 1), st.integers(0, 128), st.booleans())
def test_ipv6_prefix_matches_ipaddress(number: int, bits: int, exploded: bool) -> None:
    address = ipaddress.IPv6Address(number)
    text = address.exploded if exploded else str(address)
    got = gen({"method": "ip_prefix", "ipv6_prefix": bits}, pa.array([text, text, None]))
    want = ipaddress.ip_network(f"{address}/{bits}", strict=False)
    assert got[0] == got[1] and got[2] is None
    assert ipaddress.ip_network(got[0]) == want and got[0].endswith(f"/{bits}")


# -- hierarchies ------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_hierarchy_from_arx_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "81667;8166*;816**;*\n81675;8167*;816**;*\n81925;8192*;819**;*\n")
    tree = Hierarchy.from_csv(path)
    assert tree.levels == 4
    assert tree.values.to_pylist() == ["81667", "81675", "81925"]
    values = pa.array(["81667", "81925", "99999", None])
    assert tree.generalize(values, 0).to_pylist() == ["81667", "81925", "*", None]
    assert tree.generalize(values, 2).to_pylist() == ["816**", "819**", "*", None]
    assert tree.generalize(values, 3).to_pylist() == ["*", "*", "*", None]
    assert tree.generalize(values, 1, unknown=None).to_pylist() == ["8166*", "8192*", None, None]
    assert tree.column(1).to_pylist() == ["8166*", "8167*", "8192*"]
    numbers = pa.array([81675, 12345])  # matched by their text
    out = gen({"method": "hierarchy", "hierarchy": str(path), "level": 2, "unknown": "?"}, numbers)
    assert out == ["816**", "?"]
    with pytest.raises(HierarchyError, match="out of range"):
        tree.generalize(values, 4)
    with pytest.raises(ValueError, match="level"):
        gen({"method": "hierarchy", "hierarchy": str(path), "level": 4}, values)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no rows"),
        ("secret-a;x;*\nsecret-b;y\n", "row 2 has 2 levels"),
        ("secret-a;x;*\nsecret-a;x;*\n", "repeats"),
        ("secret-a;x;p\nsecret-b;x;q\n", "must be a tree"),
        (";x;*\n", "empty value"),
    ],
)
def test_bad_hierarchies_are_refused_without_values(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(HierarchyError, match=message) as info:
        Hierarchy.from_csv(write(tmp_path, text))
    assert "secret" not in str(info.value)


def test_missing_hierarchy_file_and_unknown_builtin(tmp_path: Path) -> None:
    with pytest.raises(HierarchyError, match="cannot read"):
        Hierarchy.load(str(tmp_path / "missing.csv"))
    with pytest.raises(ValueError, match="built-in"):
        get("generalize").params.model_validate(
            {"op": "generalize", "method": "hierarchy", "hierarchy": "builtin:nope", "level": 1}
        )
    with pytest.raises(ValueError, match="level"):
        get("generalize").params.model_validate(
            {"op": "generalize", "method": "hierarchy", "hierarchy": "builtin:geo", "level": 4}
        )
    with pytest.raises(ValueError, match="level"):
        get("generalize").params.model_validate(
            {"op": "generalize", "method": "hierarchy", "hierarchy": "builtin:geo"}
        )


def test_builtin_geo_knows_every_synthetic_city() -> None:
    tree = builtin("geo")
    assert tree.levels == 4
    cities, states, countries = [], [], []
    for country in COUNTRIES:
        for line in country.cities.strip().splitlines():
            city, state = (part.strip() for part in line.split("|")[:2])
            cities.append(city)
            states.append(state)
            countries.append(country.name)
    got = [tree.generalize(pa.array(cities), level).to_pylist() for level in range(4)]
    assert got[0] == cities and "*" not in got[1]
    ambiguous = {"London", "Hamilton", "Birmingham"}  # listed once, most populous namesake
    for city, state, country, s, c in zip(cities, states, countries, got[1], got[2], strict=True):
        if city not in ambiguous:
            assert (s, c) == (state, country)
    assert set(got[3]) == {"*"}
    assert gen(
        {"method": "hierarchy", "hierarchy": "builtin:geo", "level": 2},
        pa.array(["London", "Paris", "Nowhere", None]),
    ) == ["United Kingdom", "France", "*", None]


def test_builtin_age_levels() -> None:
    ages = pa.array([0, 4, 37, 37.9, 120, 121, -1, None])
    want = [
        ["0", "4", "37", "37", "120", "*", "*", None],
        ["0-4", "0-4", "35-39", "35-39", "120-124", "*", "*", None],
        ["0-9", "0-9", "30-39", "30-39", "120-129", "*", "*", None],
        ["0-19", "0-19", "20-39", "20-39", "120-139", "*", "*", None],
        ["*", "*", "*", "*", "*", "*", "*", None],
    ]
    for level, expected in enumerate(want):
        spec = {"method": "hierarchy", "hierarchy": "builtin:age", "level": level}
        assert gen(spec, ages) == expected
    assert builtin("age").levels == 5
    born = pa.array([datetime(1990, 11, 23, tzinfo=UTC)], pa.timestamp("ms", tz="UTC"))
    spec = {"method": "hierarchy", "hierarchy": "builtin:age", "level": 1}
    assert gen(spec, born) == ["35-39"]  # 35 at the reference date 2026-11-22


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-5, 130)), max_size=40), st.integers(0, 4))
def test_age_levels_nest(ages: list, level: int) -> None:
    tree = builtin("age")
    out = tree.generalize(pa.array(ages, pa.int64()), level).to_pylist()
    coarser = tree.generalize(pa.array(ages, pa.int64()), min(level + 1, 4)).to_pylist()
    for age, band, up in zip(ages, out, coarser, strict=True):
        assert (age is None) == (band is None)
        if age is None:
            continue
        if not 0 <= age <= 120:
            assert band == "*" and up == "*"
        elif band != "*" and "-" in band:
            low, high = (int(p) for p in band.split("-"))
            assert low <= age <= high
