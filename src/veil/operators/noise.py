"""noise: add keyed, reproducible Laplace, Gaussian or uniform noise to numbers.

Each row's noise comes from one uniform u in (0, 1): the keyed PRF of
:mod:`veil.operators.prf` (AES-256 of a SHA-256), under an HKDF subkey for
(``noise``, input column | output column), of the row's record identity and its value, read
as a 53-bit fraction. The record identity is the input column ``record_from`` when given,
otherwise the policy's subject (``OpContext.subject``), otherwise nothing. So a record always
gets the same noise under the same key (repeated releases cannot be averaged out), another key
gives other noise, and nothing uses ``random``. **Without a record identity, equal values get
equal noise** (the noise is then a keyed function of the value alone): name a record column
when equal values of different people must get independent noise.

u becomes noise by the inverse of the distribution function, with ``scale`` as the Laplace
scale b, the Gaussian standard deviation σ, or the half-width of the uniform [-scale, +scale];
with ``relative`` instead, that scale is ``relative × |value|`` (``relative: 0.1`` with
``uniform`` moves every value by at most ±10 %). The Gaussian inverse is Wichura's AS 241
(relative error about 1e-16), in numpy: no SciPy needed at run time.

Then ``round`` (decimals; 0 rounds to whole numbers, negative values to tens, hundreds …) and
``clamp`` [min, max], applied last, so every output lies within it (with ``round``, within it
on the rounding grid). An integer column stays an integer column when ``round`` ≤ 0
(clipped to the integer type's range); otherwise the output is float64. Nulls stay null,
NaN stays NaN.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from veil.operators.base import Example, OpContext, OpFunc, OpParams, numeric_input
from veil.operators.shift import keyed_u64

# Wichura (1988), Algorithm AS 241 (PPND16): the normal quantile to about 1e-16
_A = (
    3.3871328727963666080e0,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_B = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_C = (
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_D = (
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_E = (
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_F = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


def _poly(coefficients: tuple[float, ...], x: np.ndarray) -> np.ndarray:
    out = np.full_like(x, coefficients[-1])
    for c in coefficients[-2::-1]:
        out = out * x + c
    return out


def ndtri(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile of each p in (0, 1) (AS 241); ±inf at 0 and 1."""
    p = np.asarray(p, dtype=np.float64)
    q = p - 0.5
    out = np.empty_like(p)
    central = np.abs(q) <= 0.425
    r = 0.180625 - q[central] ** 2
    out[central] = q[central] * _poly(_A, r) / _poly(_B, r)
    tail = ~central
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(-np.log(np.minimum(p[tail], 1.0 - p[tail])))
        near = s <= 5.0
        value = np.where(
            near, _poly(_C, s - 1.6) / _poly(_D, s - 1.6), _poly(_E, s - 5.0) / _poly(_F, s - 5.0)
        )
    value = np.where(np.isinf(s), np.inf, value)
    out[tail] = np.where(q[tail] < 0, -value, value)
    return out


def standard_noise(u: np.ndarray, distribution: str) -> np.ndarray:
    """Unit-scale noise from uniforms u in (0, 1) by the inverse distribution function."""
    if distribution == "uniform":
        return 2.0 * u - 1.0
    if distribution == "gaussian":
        return ndtri(u)
    centred = u - 0.5  # Laplace with b = 1
    return -np.sign(centred) * np.log1p(-2.0 * np.abs(centred))


def uniforms(words: np.ndarray) -> np.ndarray:
    """The top 53 bits of each uint64 as a uniform strictly inside (0, 1)."""
    return ((words >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


class NoiseParams(OpParams):
    """Add keyed, reproducible Laplace, Gaussian or uniform noise (absolute ``scale`` or
    ``relative`` to the value), then optionally round and clamp."""

    op: Literal["noise"] = "noise"
    distribution: Literal["laplace", "gaussian", "uniform"] = Field(
        default="laplace", description="the noise distribution"
    )
    scale: float | None = Field(
        default=None,
        gt=0,
        description="Laplace b, Gaussian σ, or uniform half-width, in the column's units",
    )
    relative: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="instead of scale: the scale as a fraction of |value| (0.1: ±10 % uniform)",
    )
    record_from: str | None = Field(
        default=None,
        description="input column identifying the record (default: the policy's subject); "
        "without either, equal values get equal noise",
    )
    round: int | None = Field(
        default=None,
        ge=-9,
        le=12,
        description="round to this many decimals (0: whole numbers; integer columns stay integer)",
    )
    clamp: tuple[float, float] | None = Field(
        default=None, description="[min, max] the output is kept within (applied last)"
    )

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {"op": "noise", "distribution": "laplace", "scale": 2, "round": 0, "clamp": [0, 120]},
            [34, 34, 71, 0, None],
            "ages with Laplace noise (b = 2), whole years within [0, 120]; without a subject, "
            "equal values get equal noise",
        ),
        Example(
            {"op": "noise", "distribution": "uniform", "relative": 0.1, "round": 2},
            [52000.0, 52000.0, 1250.5],
            "±10 % per record: with a subject, the same value of two people moves differently",
            subject=["3f2a9c", "b71e04", "3f2a9c"],
        ),
        Example(
            {"op": "noise", "distribution": "gaussian", "scale": 0.5, "record_from": "order_id"},
            [19.99, 19.99],
            "Gaussian σ = 0.5, independent per order",
            columns={"order_id": ["o-1", "o-2"]},
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> NoiseParams:
        if (self.scale is None) == (self.relative is None):
            raise ValueError("noise needs exactly one of 'scale' and 'relative'")
        if self.clamp is not None:
            low, high = self.clamp
            if not (math.isfinite(low) and math.isfinite(high)) or low > high:
                raise ValueError("'clamp' must be [min, max] with finite min ≤ max")
            grid_low, grid_high = _grid_bounds(low, high, self.round)
            if grid_low > grid_high:
                raise ValueError("'clamp' holds no number with the decimals of 'round'")
        return self

    def inputs(self) -> list[str]:
        return [self.record_from] if self.record_from else []


def _grid_bounds(low: float, high: float, decimals: int | None) -> tuple[float, float]:
    """The clamp bounds moved inwards onto the rounding grid (unchanged without rounding)."""
    if decimals is None:
        return low, high
    step = 10.0**decimals
    return math.ceil(low * step - 1e-9) / step, math.floor(high * step + 1e-9) / step


def noise(params: NoiseParams) -> OpFunc:
    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        values = numeric_input(values, ctx, "noise")
        typ = values.type
        numbers = values.cast(pa.float64())
        text = numbers.cast(pa.string())
        record = None
        if params.record_from is not None:
            record = ctx.batch.column(params.record_from)
        elif ctx.subject is not None:
            record = ctx.subject
        if record is not None:
            record_text = pc.fill_null(record.cast(pa.string()), "")
            text = pc.binary_join_element_wise(record_text, text, "\x1f")
        key = ctx.keyring.derive("noise", f"{ctx.input}|{ctx.output}")
        unit = standard_noise(uniforms(keyed_u64(text, key)), params.distribution)
        x = numbers.to_numpy(zero_copy_only=False)
        scale = params.scale if params.scale is not None else (params.relative or 0) * np.abs(x)
        out = x + scale * unit
        if params.round is not None:
            out = np.round(out, params.round)
        if params.clamp is not None:
            out = np.clip(out, *_grid_bounds(*params.clamp, params.round))
        mask = np.asarray(values.is_null())
        if pa.types.is_integer(typ) and params.round is not None and params.round <= 0:
            info = np.iinfo(typ.to_pandas_dtype())
            top = float(info.max)
            if top > info.max:  # 2**63 - 1 and 2**64 - 1 round up in float64
                top = float(np.nextafter(top, 0.0))
            whole = np.clip(np.nan_to_num(out, nan=0.0), float(info.min), top)
            return pa.array(whole.astype(typ.to_pandas_dtype()), typ, mask=mask)
        return pa.array(out, pa.float64(), mask=mask)

    return _apply
