"""``when:``: make any operator conditional on other columns of the same record.

A condition is a small tree, validated when the policy loads::

    when: {column: nat, op: in, value: [DE, AT, CH]}
    when: {all: [{column: gender, op: eq, value: female}, {column: age, op: ge, value: 60}]}
    when: {not: {column: email, op: matches, value: "@example\\.com$"}}

Leaves compare one input column with a value (``eq ne lt le gt ge in not_in``), test it for
null (``is_null not_null``), or match a regular expression (``matches``, RE2 syntax, searched
anywhere in the text). ``all``, ``any`` and ``not`` combine conditions. A comparison with a
null cell is false (``not_in`` too), so ``not`` of it is true. Conditions are evaluated
vectorised with Arrow compute, on the raw input of the same batch.

Where the condition is false the operator's result is replaced by what ``otherwise`` says:
``keep`` (the input value, as Google DLP's conditional transformations do) or ``null``.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, model_validator

Comparison = Literal[
    "eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "is_null", "not_null", "matches"
]
_COMPARE = {
    "eq": pc.equal,
    "ne": pc.not_equal,
    "lt": pc.less,
    "le": pc.less_equal,
    "gt": pc.greater,
    "ge": pc.greater_equal,
}


class Condition(BaseModel):
    """A leaf (``column``, ``op``, ``value``) or one of ``all``, ``any``, ``not``."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    column: str | None = Field(default=None, description="input column the leaf tests")
    op: Comparison | None = Field(default=None, description="comparison of the leaf")
    value: Any = Field(default=None, description="what the column is compared with")
    all: list[Condition] | None = Field(default=None, description="true when every one is")
    any: list[Condition] | None = Field(default=None, description="true when one is")
    not_: Condition | None = Field(default=None, alias="not", description="negation")

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        forms = [self.column is not None, self.all is not None, self.any is not None]
        forms.append(self.not_ is not None)
        if sum(forms) != 1:
            raise ValueError("a condition is one of: {column, op, value}, all, any, not")
        if self.column is not None:
            if self.op is None:
                raise ValueError(f"condition on {self.column!r} needs an op")
            if self.op in ("is_null", "not_null"):
                if self.value is not None:
                    raise ValueError(f"op {self.op!r} takes no value")
            elif self.op in ("in", "not_in"):
                if not isinstance(self.value, list) or not self.value:
                    raise ValueError(f"op {self.op!r} needs a non-empty list value")
            elif self.value is None:
                raise ValueError(f"op {self.op!r} needs a value")
            if self.op == "matches":
                if not isinstance(self.value, str):
                    raise ValueError("op 'matches' needs a regular expression string")
                try:
                    re.compile(self.value)
                except re.error as exc:
                    raise ValueError(f"invalid regular expression: {exc.msg}") from None
        elif self.op is not None or self.value is not None:
            raise ValueError("op and value belong to a leaf with a column")
        for group in (self.all, self.any):
            if group is not None and not group:
                raise ValueError("all/any need at least one condition")
        return self

    def columns(self) -> list[str]:
        """Every input column the condition reads, in first-use order."""
        if self.column is not None:
            return [self.column]
        found: list[str] = []
        for child in [*(self.all or []), *(self.any or []), *([self.not_] if self.not_ else [])]:
            found += [c for c in child.columns() if c not in found]
        return found

    def evaluate(self, batch: pa.RecordBatch) -> pa.BooleanArray:
        """A non-null boolean per row of ``batch``."""
        result = self._eval(batch)
        return pc.fill_null(result, False)

    def _eval(self, batch: pa.RecordBatch) -> Any:
        if self.all is not None:
            out = self.all[0].evaluate(batch)
            for child in self.all[1:]:
                out = pc.and_(out, child.evaluate(batch))
            return out
        if self.any is not None:
            out = self.any[0].evaluate(batch)
            for child in self.any[1:]:
                out = pc.or_(out, child.evaluate(batch))
            return out
        if self.not_ is not None:
            return pc.invert(self.not_.evaluate(batch))
        assert self.column is not None and self.op is not None
        col = batch.column(self.column)
        if self.op == "is_null":
            return pc.is_null(col)
        if self.op == "not_null":
            return pc.is_valid(col)
        if self.op == "matches":
            return pc.match_substring_regex(col.cast(pa.string()), self.value)
        if self.op in ("in", "not_in"):
            found = pc.is_in(col, value_set=_values(self.value, col.type))
            return pc.and_(pc.is_valid(col), found if self.op == "in" else pc.invert(found))
        return _COMPARE[self.op](col, _scalar(self.value, col.type))


def _scalar(value: Any, type_: pa.DataType) -> pa.Scalar:
    try:
        return pa.scalar(value).cast(type_)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        raise ValueError(f"a condition value does not fit the column's type {type_}") from None


def _values(values: list[Any], type_: pa.DataType) -> pa.Array:
    try:
        return pa.array(values).cast(type_)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        raise ValueError(f"condition values do not fit the column's type {type_}") from None
