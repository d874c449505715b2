"""email_domain and generalize: keep a coarser, less identifying version of a value.

``generalize`` methods:

- ``age_band``: a birth date becomes an age band at the run's reference date. ``edges`` are
  the lower bounds of the bands; labels are ``"18-30"``, ``"31-40"`` …; ages below the first
  edge become ``"<18"`` and ages at or above the last edge ``"91+"`` (top coding).
- ``date_trunc``: a date or timestamp truncated to year, quarter, month, week or day, as a date.
- ``bins``: a number becomes the label of its range (``"50000-74999"``, or ``labels``).
- ``prefix``: the first ``keep`` characters, padded with ``pad`` to the original length
  (``94110`` → ``941**``).
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from veil.operators.base import OpContext, OpFunc, OpParams

_EMAIL_DOMAIN = r"^[^@\s]+@(?P<domain>[^@\s]+\.[^@\s]+)$"


class EmailDomainParams(OpParams):
    """The e-mail provider's domain (``alice@Gmail.com`` → ``gmail.com``); invalid → null."""

    op: Literal["email_domain"] = "email_domain"


def email_domain_of(values: pa.Array) -> pa.Array:
    parts = pc.extract_regex(pc.utf8_trim_whitespace(values.cast(pa.string())), _EMAIL_DOMAIN)
    return pc.utf8_lower(pc.struct_field(parts, [0]))


def email_domain(params: EmailDomainParams) -> OpFunc:
    return lambda values, ctx: email_domain_of(values)


class GeneralizeParams(OpParams):
    """Generalise a value: age band, date truncation, numeric bins, or string prefix."""

    op: Literal["generalize"] = "generalize"
    method: Literal["age_band", "date_trunc", "bins", "prefix"]
    edges: list[float] | None = Field(
        default=None, description="age_band/bins: ascending lower bounds of the bands"
    )
    labels: list[str] | None = Field(default=None, description="bins: one label per band")
    unit: Literal["year", "quarter", "month", "week", "day"] | None = Field(
        default=None, description="date_trunc: the unit to truncate to"
    )
    keep: int | None = Field(default=None, ge=0, description="prefix: characters kept")
    pad: str | None = Field(default="*", max_length=1, description="prefix: padding character")

    @model_validator(mode="after")
    def _check_method_params(self) -> GeneralizeParams:
        needs = {"age_band": "edges", "bins": "edges", "date_trunc": "unit", "prefix": "keep"}
        name = needs[self.method]
        if getattr(self, name) is None:
            raise ValueError(f"method {self.method!r} needs '{name}'")
        if self.edges is not None:
            if len(self.edges) < 2 or any(
                b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)
            ):
                raise ValueError("'edges' must hold at least two strictly ascending numbers")
            if self.labels is not None and len(self.labels) != len(self.edges) - 1:
                raise ValueError(f"'labels' needs {len(self.edges) - 1} entries, one per band")
        return self


def band_labels(edges: list[float]) -> list[str]:
    """Labels for integer bands: below, each [a, b) as "a-(b-1)", and the top-coded "last+"."""
    ints = [int(e) for e in edges]
    inner = [f"{a}-{b - 1}" for a, b in itertools.pairwise(ints)]
    return [f"<{ints[0]}", *inner, f"{ints[-1]}+"]


def age_at(born: pa.Array, reference: datetime) -> np.ndarray:
    """Whole years between each birth date and ``reference`` (float, NaN for nulls)."""
    born = born.cast(pa.timestamp("ms", tz="UTC")) if pa.types.is_date(born.type) else born
    years = pc.year(born).to_numpy(zero_copy_only=False).astype(float)
    md = pc.month(born).to_numpy(zero_copy_only=False).astype(float) * 100 + pc.day(born).to_numpy(
        zero_copy_only=False
    ).astype(float)
    ref_md = reference.month * 100 + reference.day
    return reference.year - years - (md > ref_md)


def bucketize(x: np.ndarray, edges: list[float], labels: list[str]) -> pa.Array:
    """Label each number by its band (labels[0] below the first edge, labels[-1] at the top)."""
    idx = np.searchsorted(np.asarray(edges, dtype=float), x, side="right")
    out = pa.array(labels, pa.string()).take(pa.array(np.where(np.isnan(x), 0, idx)))
    return pc.if_else(pa.array(np.isnan(x)), pa.scalar(None, pa.string()), out)


def _bins_labels(params: GeneralizeParams) -> list[str]:
    edges = params.edges or []
    if params.labels is not None:
        return [f"<{edges[0]:g}", *params.labels, f"{edges[-1]:g}+"]
    return band_labels(edges)


def _age_band(params: GeneralizeParams) -> OpFunc:
    labels = band_labels(params.edges or [])

    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        return bucketize(age_at(values, ctx.reference_date), params.edges or [], labels)

    return _apply


def _bins(params: GeneralizeParams) -> OpFunc:
    labels = _bins_labels(params)

    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        x = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
        return bucketize(x, params.edges or [], labels)

    return _apply


def _date_trunc(params: GeneralizeParams) -> OpFunc:
    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        if pa.types.is_date(values.type):
            values = values.cast(pa.timestamp("ms", tz="UTC"))
        floored = pc.floor_temporal(values, unit=params.unit or "day", week_starts_monday=True)
        return floored.cast(pa.date32())

    return _apply


def _prefix(params: GeneralizeParams) -> OpFunc:
    keep = params.keep or 0

    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        values = values.cast(pa.string())
        head = pc.utf8_slice_codeunits(values, 0, keep)
        if not params.pad:
            return head
        pad = pc.max_element_wise(pc.subtract(pc.utf8_length(values), keep), 0)
        return pc.binary_join_element_wise(head, pc.binary_repeat(pa.scalar(params.pad), pad), "")

    return _apply


def generalize(params: GeneralizeParams) -> OpFunc:
    return {"age_band": _age_band, "bins": _bins, "date_trunc": _date_trunc, "prefix": _prefix}[
        params.method
    ](params)
