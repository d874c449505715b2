"""geo_fuzz, geo_snap and geohash: coarsen a (latitude, longitude) point.

geo_fuzz: move a point by a keyed pseudo-random distance and bearing.

The displacement of a point is derived from AES-256 (a keyed pseudo-random permutation) of the
point's own 16 bytes (latitude and longitude as float64), under an HKDF subkey for
(``geo``, column pair). So the same point always moves the same way (averaging repeated
releases reveals nothing), another key moves it elsewhere, and nothing uses ``random``.
The distance is ``radius_m * sqrt(u)`` (uniform over the disc), the bearing ``2π v``; the
destination is computed on the sphere (great-circle), so latitude stays in [-90, 90] and
longitude is wrapped into [-180, 180).

One policy entry per output column; both name the same ``latitude``/``longitude`` inputs and
say which ``part`` they output, and they move the point together.

geo_snap: the centre of the grid cell the point falls in. With ``cell_m``, cells are about
``cell_m`` metres on a side: the latitude range is cut into equal bands of ``cell_m`` metres
(180° divided into a whole number of bands), and each band into a whole number of equal cells
of about ``cell_m`` metres along its central parallel (so cells near the poles span more
longitude, and the bands tile the sphere exactly). With ``decimals``, each coordinate is
rounded to that many decimal places (4 ≈ 11 m of latitude). The result is always a valid
coordinate: latitude in [-90, 90], longitude in [-180, 180).

geohash: the geohash of the point at ``precision`` characters (1-12; 5 ≈ 4.9 km × 4.9 km,
7 ≈ 153 m × 153 m at the equator), computed for whole arrays with integer arithmetic (the
same cells as the reference bisection: a point on a cell edge belongs to the upper cell). With
``part``, the output is the latitude or longitude of the cell centre instead of the text.

For all three, a null, NaN or out-of-range coordinate gives null.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pydantic import Field, model_validator

from veil.operators.base import Example, OpContext, OpFunc, OpParams

EARTH_RADIUS_M = 6_371_008.8


class GeoFuzzParams(OpParams):
    """Displace a (latitude, longitude) point by at most ``radius_m`` metres, keyed."""

    op: Literal["geo_fuzz"] = "geo_fuzz"
    latitude: str = Field(description="input latitude column (degrees)")
    longitude: str = Field(description="input longitude column (degrees)")
    part: Literal["latitude", "longitude"] = Field(
        description="which coordinate this column outputs"
    )
    radius_m: float = Field(default=2000.0, gt=0, le=1_000_000, description="maximum displacement")
    decimals: int | None = Field(default=4, ge=0, le=10, description="round the result")

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {
                "op": "geo_fuzz",
                "from": "lat",
                "latitude": "lat",
                "longitude": "lon",
                "part": "latitude",
                "radius_m": 2000,
            },
            [48.8566, 52.52, 48.8566, None],
            "the latitude output of a point moved up to 2 km; the same point moves the same way",
            columns={"lon": [2.3522, 13.405, 2.3522, 0.0]},
        ),
    )

    def inputs(self) -> list[str]:
        return [self.latitude, self.longitude]


def keyed_uniforms(lat: np.ndarray, lon: np.ndarray, key: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Two uniforms in [0, 1) per point: AES-ECB of the point's 16 bytes under ``key``."""
    block = np.empty((len(lat), 2), dtype="<f8")
    block[:, 0], block[:, 1] = lat, lon
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    out = np.frombuffer(enc.update(block.tobytes()) + enc.finalize(), dtype="<u8").reshape(-1, 2)
    scale = 1.0 / 2.0**64
    return out[:, 0].astype(np.float64) * scale, out[:, 1].astype(np.float64) * scale


def displace(
    lat: np.ndarray, lon: np.ndarray, distance_m: np.ndarray, bearing: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The great-circle destination from each point, in degrees."""
    phi1, lam1 = np.radians(lat), np.radians(lon)
    delta = distance_m / EARTH_RADIUS_M
    sin_phi2 = np.sin(phi1) * np.cos(delta) + np.cos(phi1) * np.sin(delta) * np.cos(bearing)
    phi2 = np.arcsin(np.clip(sin_phi2, -1.0, 1.0))
    lam2 = lam1 + np.arctan2(
        np.sin(bearing) * np.sin(delta) * np.cos(phi1), np.cos(delta) - np.sin(phi1) * np.sin(phi2)
    )
    lon2 = (np.degrees(lam2) + 180.0) % 360.0 - 180.0
    return np.degrees(phi2), lon2


def geo_fuzz(params: GeoFuzzParams) -> OpFunc:
    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        lat_a = ctx.batch.column(params.latitude).cast(pa.float64())
        lon_a = ctx.batch.column(params.longitude).cast(pa.float64())
        lat = lat_a.to_numpy(zero_copy_only=False)
        lon = lon_a.to_numpy(zero_copy_only=False)
        invalid = np.isnan(lat) | np.isnan(lon) | (np.abs(lat) > 90) | (np.abs(lon) > 180)
        key = ctx.keyring.derive("geo", f"{params.latitude}|{params.longitude}")
        u, v = keyed_uniforms(np.where(invalid, 0.0, lat), np.where(invalid, 0.0, lon), key)
        lat2, lon2 = displace(lat, lon, params.radius_m * np.sqrt(u), 2 * np.pi * v)
        out = lat2 if params.part == "latitude" else lon2
        if params.decimals is not None:
            out = np.round(out, params.decimals)
        return pa.array(out, pa.float64(), mask=invalid)

    return _apply


def _points(
    ctx: OpContext, latitude: str, longitude: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Latitude and longitude as float64 (0 where invalid) and the invalid mask."""
    lat = ctx.batch.column(latitude).cast(pa.float64()).to_numpy(zero_copy_only=False)
    lon = ctx.batch.column(longitude).cast(pa.float64()).to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        invalid = ~(np.abs(lat) <= 90) | ~(np.abs(lon) <= 180)
    return np.where(invalid, 0.0, lat), np.where(invalid, 0.0, lon), invalid


class GeoSnapParams(OpParams):
    """Replace a (latitude, longitude) point by the centre of its grid cell (``cell_m``
    metres on a side) or round it to ``decimals`` places."""

    op: Literal["geo_snap"] = "geo_snap"
    latitude: str = Field(description="input latitude column (degrees)")
    longitude: str = Field(description="input longitude column (degrees)")
    part: Literal["latitude", "longitude"] = Field(
        description="which coordinate this column outputs"
    )
    cell_m: float | None = Field(
        default=None, ge=1, le=20_000_000, description="grid cell size in metres"
    )
    decimals: int | None = Field(
        default=None, ge=0, le=10, description="instead of cell_m: decimal places kept"
    )

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {
                "op": "geo_snap",
                "from": "lat",
                "latitude": "lat",
                "longitude": "lon",
                "part": "longitude",
                "cell_m": 1000,
            },
            [48.8566, 48.8570, -33.8688, None],
            "the longitude of the centre of the 1 km cell; nearby points share a cell",
            columns={"lon": [2.3522, 2.3530, 151.2093, 10.0]},
        ),
        Example(
            {
                "op": "geo_snap",
                "from": "lat",
                "latitude": "lat",
                "longitude": "lon",
                "part": "latitude",
                "decimals": 2,
            },
            [48.85661, 52.52001, 91.0],
            "rounded to 2 decimals (about 1.1 km of latitude); an invalid latitude → null",
            columns={"lon": [2.3522, 13.405, 0.0]},
        ),
    )

    @model_validator(mode="after")
    def _one_grid(self) -> GeoSnapParams:
        if (self.cell_m is None) == (self.decimals is None):
            raise ValueError("geo_snap needs exactly one of 'cell_m' and 'decimals'")
        return self

    def inputs(self) -> list[str]:
        return [self.latitude, self.longitude]


def snap_to_grid(lat: np.ndarray, lon: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The centre of each point's cell in a grid of about ``cell_m`` metres (see module doc)."""
    metres_per_degree = np.pi * EARTH_RADIUS_M / 180.0
    bands = max(1, round(180.0 * metres_per_degree / cell_m))
    band_deg = 180.0 / bands
    band = np.clip(np.floor((lat + 90.0) / band_deg), 0, bands - 1)
    lat_c = -90.0 + (band + 0.5) * band_deg
    circumference = 360.0 * metres_per_degree * np.cos(np.radians(lat_c))
    cells = np.maximum(1.0, np.round(circumference / cell_m))
    cell_deg = 360.0 / cells
    cell = np.clip(np.floor((lon + 180.0) / cell_deg), 0, cells - 1)
    lon_c = -180.0 + (cell + 0.5) * cell_deg
    return lat_c, lon_c


def snap_to_decimals(
    lat: np.ndarray, lon: np.ndarray, decimals: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each coordinate rounded to ``decimals`` places (longitude 180 wraps to -180)."""
    lat_r = np.clip(np.round(lat, decimals), -90.0, 90.0)
    lon_r = np.round(lon, decimals)
    return lat_r, np.where(lon_r >= 180.0, lon_r - 360.0, lon_r)


def geo_snap(params: GeoSnapParams) -> OpFunc:
    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        lat, lon, invalid = _points(ctx, params.latitude, params.longitude)
        if params.cell_m is not None:
            lat2, lon2 = snap_to_grid(lat, lon, params.cell_m)
        else:
            lat2, lon2 = snap_to_decimals(lat, lon, params.decimals or 0)
        out = lat2 if params.part == "latitude" else lon2
        return pa.array(out, pa.float64(), mask=invalid)

    return _apply


GEOHASH_ALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"


class GeohashParams(OpParams):
    """The geohash of a (latitude, longitude) point at ``precision`` characters, or with
    ``part`` the latitude or longitude of its cell's centre."""

    op: Literal["geohash"] = "geohash"
    latitude: str = Field(description="input latitude column (degrees)")
    longitude: str = Field(description="input longitude column (degrees)")
    precision: int = Field(
        default=6, ge=1, le=12, description="geohash characters (6 ≈ 1.2 km × 0.6 km)"
    )
    part: Literal["latitude", "longitude"] | None = Field(
        default=None, description="output the cell centre's coordinate instead of the geohash"
    )

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {
                "op": "geohash",
                "from": "lat",
                "latitude": "lat",
                "longitude": "lon",
                "precision": 5,
            },
            [48.8566, 52.52, -33.8688, None],
            "5 characters: a cell of about 4.9 km × 4.9 km",
            columns={"lon": [2.3522, 13.405, 151.2093, 0.0]},
        ),
        Example(
            {
                "op": "geohash",
                "from": "lat",
                "latitude": "lat",
                "longitude": "lon",
                "precision": 5,
                "part": "latitude",
            },
            [48.8566, 52.52, -33.8688],
            "the latitude of the same cells' centres",
            columns={"lon": [2.3522, 13.405, 151.2093]},
        ),
    )

    def inputs(self) -> list[str]:
        return [self.latitude, self.longitude]


def _cell_index(x: np.ndarray, low: float, span: float, bits: int) -> np.ndarray:
    """The index of ``x`` among 2**bits equal cells of [low, low + span], as a bisection would
    find it (a point on an edge goes up; the top edge belongs to the last cell)."""
    count = 1 << bits
    width = span / count  # a power-of-two fraction of span: edges are exact in float64
    idx = np.clip(np.floor((x - low) / width), 0, count - 1).astype(np.int64)
    edge = low + idx * width
    idx = np.where((x < edge) & (idx > 0), idx - 1, idx)
    upper = low + (idx + 1) * width
    idx = np.where((x >= upper) & (idx < count - 1), idx + 1, idx)
    return idx.astype(np.uint64)


def geohash_cells(
    lat: np.ndarray, lon: np.ndarray, precision: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """(code, latitude index, longitude index, latitude bits, longitude bits) of each point's
    geohash cell; ``code`` holds the 5·precision interleaved bits (longitude first)."""
    total = 5 * precision
    lon_bits, lat_bits = (total + 1) // 2, total // 2
    ilat = _cell_index(lat, -90.0, 180.0, lat_bits)
    ilon = _cell_index(lon, -180.0, 360.0, lon_bits)
    code = np.zeros(len(lat), dtype=np.uint64)
    one = np.uint64(1)
    for position in range(total):  # bit `position` from the most significant end
        if position % 2 == 0:
            bit = (ilon >> np.uint64(lon_bits - 1 - position // 2)) & one
        else:
            bit = (ilat >> np.uint64(lat_bits - 1 - position // 2)) & one
        code |= bit << np.uint64(total - 1 - position)
    return code, ilat, ilon, lat_bits, lon_bits


def geohash_text(code: np.ndarray, precision: int) -> pa.Array:
    """The base-32 text of interleaved geohash codes (``precision`` characters each)."""
    alphabet = np.frombuffer(GEOHASH_ALPHABET, dtype=np.uint8)
    shifts = np.uint64(5) * np.arange(precision - 1, -1, -1, dtype=np.uint64)
    digits = ((code[:, None] >> shifts[None, :]) & np.uint64(31)).astype(np.intp)
    chars = alphabet[digits].reshape(-1)
    offsets = np.arange(len(code) + 1, dtype=np.int32) * precision
    return pa.Array.from_buffers(
        pa.string(), len(code), [None, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes())]
    )


def geohash_encode(lat: np.ndarray, lon: np.ndarray, precision: int) -> pa.Array:
    """The geohash of each (valid) point, as text."""
    code = geohash_cells(lat, lon, precision)[0]
    return geohash_text(code, precision)


def geohash(params: GeohashParams) -> OpFunc:
    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        lat, lon, invalid = _points(ctx, params.latitude, params.longitude)
        code, ilat, ilon, lat_bits, lon_bits = geohash_cells(lat, lon, params.precision)
        if params.part is None:
            text = geohash_text(code, params.precision)
            return pc.if_else(pa.array(invalid), pa.scalar(None, pa.string()), text)
        if params.part == "latitude":
            centre = -90.0 + (ilat.astype(np.float64) + 0.5) * (180.0 / (1 << lat_bits))
        else:
            centre = -180.0 + (ilon.astype(np.float64) + 0.5) * (360.0 / (1 << lon_bits))
        return pa.array(centre, pa.float64(), mask=invalid)

    return _apply
