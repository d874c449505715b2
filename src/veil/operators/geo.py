"""geo_fuzz: move a point by a keyed pseudo-random distance and bearing.

The displacement of a point is derived from AES-256 (a keyed pseudo-random permutation) of the
point's own 16 bytes (latitude and longitude as float64), under an HKDF subkey for
(``geo``, column pair). So the same point always moves the same way (averaging repeated
releases reveals nothing), another key moves it elsewhere, and nothing uses ``random``.
The distance is ``radius_m * sqrt(u)`` (uniform over the disc), the bearing ``2π v``; the
destination is computed on the sphere (great-circle), so latitude stays in [-90, 90] and
longitude is wrapped into [-180, 180).

One policy entry per output column; both name the same ``latitude``/``longitude`` inputs and
say which ``part`` they output, and they move the point together.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyarrow as pa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pydantic import Field

from veil.operators.base import OpContext, OpFunc, OpParams

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
