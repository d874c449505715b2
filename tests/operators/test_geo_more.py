"""geo_snap and geohash: valid coordinates, points stay in their cell, geohash as pygeohash."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.keys import Keyring
from veil.operators.base import OpContext, get
from veil.operators.geo import EARTH_RADIUS_M, geohash_encode

REF = datetime(2026, 11, 22, tzinfo=UTC)
KEY = Keyring.from_key(bytes(range(32)))

lats = st.floats(-90, 90, allow_nan=False)
lons = st.floats(-180, 180, allow_nan=False)
points = st.lists(st.tuples(lats, lons), min_size=1, max_size=40)


def run(spec: dict, lat: list, lon: list) -> list:
    op = get(spec["op"])
    params = op.params.model_validate({"latitude": "lat", "longitude": "lon", **spec})
    lat_a, lon_a = pa.array(lat, pa.float64()), pa.array(lon, pa.float64())
    batch = pa.RecordBatch.from_pydict({"lat": lat_a, "lon": lon_a})
    before = repr(batch.to_pylist())  # repr: NaN != NaN
    out = op.factory(params)(lat_a, OpContext(batch, KEY, REF, "out", "lat"))
    assert repr(batch.to_pylist()) == before and len(out) == len(lat)
    return list(out.to_pylist())


def test_geohash_matches_pygeohash() -> None:
    pygeohash = pytest.importorskip("pygeohash")
    rng = np.random.default_rng(7)
    lat = np.concatenate([rng.uniform(-90, 90, 5000), [0, 90, -90, 45, 0, 89.999999, -0.0]])
    lon = np.concatenate([rng.uniform(-180, 180, 5000), [0, 180, -180, 90, -180, 179.99999, 0]])
    for precision in range(1, 13):
        got = geohash_encode(lat, lon, precision).to_pylist()
        want = [
            pygeohash.encode(float(a), float(b), precision) for a, b in zip(lat, lon, strict=True)
        ]
        assert got == want, precision


@settings(max_examples=60, deadline=None)
@given(points, st.integers(1, 12))
def test_geohash_cell_centre_is_the_cell_of_the_point(pts: list, precision: int) -> None:
    pygeohash = pytest.importorskip("pygeohash")
    lat, lon = [p[0] for p in pts], [p[1] for p in pts]
    base = {"op": "geohash", "precision": precision}
    codes = run(base, lat, lon)
    c_lat = run({**base, "part": "latitude"}, lat, lon)
    c_lon = run({**base, "part": "longitude"}, lat, lon)
    for code, a, b, y, x in zip(codes, c_lat, c_lon, lat, lon, strict=True):
        assert len(code) == precision
        want = pygeohash.decode_exactly(code)
        assert a == pytest.approx(want.latitude, abs=1e-12)
        assert b == pytest.approx(want.longitude, abs=1e-12)
        assert abs(a - y) <= want.latitude_error + 1e-12
        assert abs(b - x) <= want.longitude_error + 1e-12
        assert -90 <= a <= 90 and -180 <= b <= 180


def test_invalid_points_give_null() -> None:
    lat = [91.0, None, float("nan"), 10.0, 10.0, -90.0]
    lon = [0.0, 0.0, 0.0, 181.0, None, -180.0]
    expected = [None] * 5
    assert run({"op": "geohash"}, lat, lon)[:5] == expected
    assert run({"op": "geohash"}, lat, lon)[5] == "000000"
    for part in ("latitude", "longitude"):
        assert run({"op": "geo_snap", "part": part, "cell_m": 500}, lat, lon)[:5] == expected
        assert run({"op": "geo_snap", "part": part, "decimals": 1}, lat, lon)[:5] == expected


@settings(max_examples=80, deadline=None)
@given(points, st.floats(10, 2_000_000))
def test_snap_to_grid_stays_valid_and_within_the_cell(pts: list, cell_m: float) -> None:
    lat, lon = [p[0] for p in pts], [p[1] for p in pts]
    spec = {"op": "geo_snap", "cell_m": cell_m}
    s_lat = run({**spec, "part": "latitude"}, lat, lon)
    s_lon = run({**spec, "part": "longitude"}, lat, lon)
    metres_per_degree = math.pi * EARTH_RADIUS_M / 180
    bands = max(1, round(180 * metres_per_degree / cell_m))
    band_deg = 180 / bands
    for y, x, a, b in zip(lat, lon, s_lat, s_lon, strict=True):
        assert -90 < a < 90 and -180 <= b < 180
        assert abs(a - y) <= band_deg / 2 + 1e-9
        cells = max(1, round(360 * metres_per_degree * math.cos(math.radians(a)) / cell_m))
        gap = abs((b - x + 180) % 360 - 180)
        assert gap <= 360 / cells / 2 + 1e-9


def test_snap_groups_nearby_points_and_is_about_the_cell_size() -> None:
    lat = [48.85660, 48.85661, 48.85700]
    lon = [2.35220, 2.35221, 2.35300]
    a = run({"op": "geo_snap", "part": "latitude", "cell_m": 1000}, lat, lon)
    b = run({"op": "geo_snap", "part": "longitude", "cell_m": 1000}, lat, lon)
    assert a[0] == a[1] and b[0] == b[1]
    grid = sorted(
        set(
            run(
                {"op": "geo_snap", "part": "latitude", "cell_m": 1000},
                list(np.linspace(48, 49, 400)),
                [2.0] * 400,
            )
        )
    )
    step_m = np.diff(grid) * math.pi * EARTH_RADIUS_M / 180
    assert np.allclose(step_m, 1000, rtol=1e-3)


@settings(max_examples=60, deadline=None)
@given(points, st.integers(0, 6))
def test_snap_to_decimals(pts: list, decimals: int) -> None:
    lat, lon = [p[0] for p in pts], [p[1] for p in pts]
    s_lat = run({"op": "geo_snap", "part": "latitude", "decimals": decimals}, lat, lon)
    s_lon = run({"op": "geo_snap", "part": "longitude", "decimals": decimals}, lat, lon)
    for y, x, a, b in zip(lat, lon, s_lat, s_lon, strict=True):
        assert -90 <= a <= 90 and -180 <= b < 180
        assert abs(a - y) <= 0.5 * 10**-decimals + 1e-9
        assert abs((b - x + 180) % 360 - 180) <= 0.5 * 10**-decimals + 1e-9
        assert round(a, decimals) == a


def test_params_are_checked() -> None:
    model = get("geo_snap").params
    base = {"op": "geo_snap", "latitude": "a", "longitude": "b", "part": "latitude"}
    with pytest.raises(ValueError):
        model.model_validate(base)
    with pytest.raises(ValueError):
        model.model_validate({**base, "cell_m": 100, "decimals": 2})
    assert model.model_validate({**base, "cell_m": 100}).inputs() == ["a", "b"]
    with pytest.raises(ValueError):
        get("geohash").params.model_validate(
            {"op": "geohash", "latitude": "a", "longitude": "b", "precision": 13}
        )
