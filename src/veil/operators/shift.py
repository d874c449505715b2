"""date_shift: move every date of a subject by the same keyed number of days.

The offset of a subject is a keyed pseudo-random function of the subject: ``prf_lanes`` (AES-256
under an HKDF subkey for (``date_shift``, ``domain``) of the SHA-256 of the subject's text,
see :mod:`veil.operators.prf`), read as a 64-bit number
and mapped onto the whole days in [-``max_days``, -``min_days``] ∪ [``min_days``, ``max_days``]
(zero is excluded when ``min_days`` ≥ 1). So:

- every date of one subject moves by the same number of days, in every column shifted under
  the same ``domain`` (default ``subject``) with the same ``max_days`` and ``min_days``, and in
  every run under the same key: the intervals between a subject's dates (age at registration,
  days between visits) survive exactly;
- another key gives other offsets, and the offset is never stored.

The subject is ``subject_id`` of the policy (``OpContext.subject``) when the policy names one;
otherwise the input column ``subject_from`` (the run fails up front if there is neither). A
date whose subject is null is set to null: it cannot be shifted consistently, and an unshifted
date would leak. Null dates stay null.

Works on ``date32``/``date64`` and ``timestamp`` columns and keeps the type, unit and time
zone; a timestamp moves by whole days of 86 400 s (so across a daylight-saving change its
local wall-clock time moves by the hour the clocks moved).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from veil.operators.base import Example, OpContext, OpFunc, OpParams
from veil.operators.prf import prf_lanes

_UNITS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


class DateShiftParams(OpParams):
    """Shift dates by a keyed per-subject offset of whole days within ±``max_days`` (the
    same offset for all dates of a subject, so intervals within a subject are kept)."""

    op: Literal["date_shift"] = "date_shift"
    max_days: int = Field(default=30, ge=1, le=36_500, description="largest shift, in days")
    min_days: int = Field(
        default=0, ge=0, description="smallest shift in days (1 or more: never unshifted)"
    )
    subject_from: str | None = Field(
        default=None,
        description="input column naming the subject, used when the policy has no subject_id",
    )
    domain: str = Field(
        default="subject",
        description="key domain; columns shifted under the same domain share a subject's offset",
    )

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {"op": "date_shift", "max_days": 30, "min_days": 1},
            [date(2024, 3, 1), date(2024, 3, 15), date(2024, 3, 1), None],
            "the first two dates belong to one subject: both move by the same offset, "
            "so the 14 days between them survive",
            subject=["3f2a9c", "3f2a9c", "b71e04", "b71e04"],
        ),
        Example(
            {"op": "date_shift", "subject_from": "user_id", "max_days": 90},
            [datetime(2023, 11, 5, 8, 30, tzinfo=UTC), datetime(2024, 1, 20, 17, 45, tzinfo=UTC)],
            "without a policy subject: the subject is read from an input column",
            columns={"user_id": ["u-1001", "u-1002"]},
        ),
    )

    @model_validator(mode="after")
    def _check_range(self) -> DateShiftParams:
        if self.min_days > self.max_days:
            raise ValueError("'min_days' must not exceed 'max_days'")
        return self

    def inputs(self) -> list[str]:
        return [self.subject_from] if self.subject_from else []


def keyed_u64(values: pa.Array, key: bytes) -> np.ndarray:
    """A keyed pseudo-random uint64 per value (the first word of ``prf_lanes`` of its text:
    AES-256 of its SHA-256), computed once per distinct value; nulls give 0."""
    text = values.cast(pa.string())
    distinct = pc.unique(text)
    words = prf_lanes(distinct, key, 1)[:, 0] if len(distinct) else np.zeros(0, np.uint64)
    index = pc.index_in(text, value_set=distinct).to_numpy(zero_copy_only=False)
    index = np.nan_to_num(index, nan=0).astype(np.int64)
    return words[index] if len(words) else np.zeros(len(text), dtype=np.uint64)


def day_offsets(words: np.ndarray, min_days: int, max_days: int) -> np.ndarray:
    """Map uniform uint64 words onto the whole days in ±[min_days, max_days] (uniformly)."""
    if min_days == 0:
        choices = 2 * max_days + 1
        first = -max_days
    else:
        choices = 2 * (max_days - min_days + 1)
        first = 0
    # the top 53 bits as a uniform in [0, 1): the bias of floor(u * choices) is below 2**-40
    u = (words >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    pick = np.minimum(np.floor(u * choices), choices - 1).astype(np.int64)
    if min_days == 0:
        return pick + first
    half = max_days - min_days + 1
    return np.where(pick < half, -max_days + pick, min_days + (pick - half))


def date_shift(params: DateShiftParams) -> OpFunc:
    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        if ctx.subject is not None:
            subject = ctx.subject
        elif params.subject_from is not None:
            subject = ctx.batch.column(params.subject_from)
        else:
            raise ValueError(
                f"date_shift on {ctx.output!r} needs a subject: set the policy's subject_id "
                "or the operator's 'subject_from'"
            )
        if isinstance(subject, pa.ChunkedArray):
            subject = subject.combine_chunks()
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        typ = values.type
        if pa.types.is_date32(typ):
            storage, per_day = pa.int32(), 1
        elif pa.types.is_date64(typ):
            storage, per_day = pa.int64(), 86_400_000
        elif pa.types.is_timestamp(typ):
            storage, per_day = pa.int64(), _UNITS_PER_DAY[typ.unit]
        else:
            raise TypeError(f"date_shift on {ctx.output!r} needs a date or timestamp column")
        key = ctx.keyring.derive("date_shift", params.domain)
        days = day_offsets(keyed_u64(subject, key), params.min_days, params.max_days)
        raw = pc.fill_null(values.view(storage), 0).to_numpy().astype(np.int64)
        shifted = raw + days * per_day
        missing = np.asarray(pc.or_(values.is_null(), subject.is_null()))
        return pa.array(shifted.astype(storage.to_pandas_dtype()), storage, mask=missing).view(typ)

    return _apply
