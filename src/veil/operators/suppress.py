"""suppress: set cells to null, or drop whole records, under a condition.

``scope: cell`` (the default): used alone it blanks a whole column while keeping it in the
schema; with ``when`` it blanks only the cells of the rows where the condition holds
(``otherwise: keep`` leaves the others).

``scope: record`` drops every record where its ``when`` condition holds (a condition is
required). Such an entry produces no column: the engine filters the batch before any other
operator runs, and the run's manifest counts the records suppressed.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import pyarrow as pa
from pydantic import Field, model_validator

from veil.operators.base import Example, OpContext, OpFunc, OpParams
from veil.operators.conditions import Condition


class SuppressParams(OpParams):
    """Set the cell to null (keeping the column and its type); with ``when``, only the cells
    of the rows where the condition holds."""

    op: Literal["suppress"] = "suppress"
    scope: Literal["cell", "record"] = Field(
        default="cell", description="cell: null the value; record: drop the records (needs when)"
    )

    examples: ClassVar[tuple[Example, ...]] = (
        Example({"op": "suppress"}, ["Zürich", "Berlin", None], "every cell becomes null"),
        Example(
            {"op": "suppress", "from": "salary"},
            [52000.5, None, 98000.0],
            "a number column stays a (float64) column of nulls; with `when`, only some cells",
        ),
    )

    @model_validator(mode="after")
    def _record_needs_condition(self) -> SuppressParams:
        if self.scope == "record" and self.when is None:
            raise ValueError("scope: record needs a `when` condition (which records to drop)")
        return self

    def row_filter(self) -> Condition | None:
        return self.when if self.scope == "record" else None


def suppress(params: SuppressParams) -> OpFunc:
    def _apply(values: pa.Array, ctx: OpContext) -> pa.Array:
        return pa.nulls(len(values), values.type)

    return _apply
