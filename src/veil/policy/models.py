"""The policy: which output columns exist and how each is made from the input.

A policy is YAML validated by pydantic (frozen models, ``extra="forbid"``). It is
**fail-closed**: an input column that no entry names (as its own name or as ``from:``) is
dropped, or fails the run with ``on_unknown_column: fail``. ``drop`` entries say explicitly
that a column is known and left out.

Each entry of ``columns`` is one output column, made by one operator from one input column
(``from:``, defaulting to the entry's own name); several outputs may read the same input
(``email`` → ``email_hash`` and ``email_domain``). Operator parameters are validated by the
operator's own params model from the registry, so third-party operators validate the same way.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from veil.operators.base import OpParams


class Policy(BaseModel):
    """A declared transformation of user records into data analysts may use."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = Field(default=1, description="policy format version")
    name: str = Field(min_length=1, description="a short name, recorded with every output")
    description: str = ""
    shape: Literal["randomuser", "fakerapi"] | None = Field(
        default=None, description="the input shape this policy is written for, if any"
    )
    on_unknown_column: Literal["drop", "fail"] = Field(
        default="drop", description="input columns the policy does not name: drop or fail the run"
    )
    subject_id: str | None = Field(
        default=None, description="the output column that identifies the subject (pseudonymous)"
    )
    columns: dict[str, OpParams] = Field(description="output column → operator and parameters")

    @field_validator("columns", mode="before")
    @classmethod
    def _parse_columns(cls, value: Any) -> Any:
        from veil.policy.loader import parse_columns  # the registry lives there

        return parse_columns(value)

    def outputs(self) -> dict[str, OpParams]:
        """The entries that produce a column, in policy order."""
        return {
            k: v
            for k, v in self.columns.items()
            if v.produces_output and v.row_filter() is None
        }

    def row_filters(self) -> dict[str, Any]:
        """The entries that drop records (``suppress`` with ``scope: record``) → condition."""
        return {k: v.row_filter() for k, v in self.columns.items() if v.row_filter() is not None}

    def input_of(self, name: str) -> str:
        return self.columns[name].source or name

    def referenced_inputs(self) -> set[str]:
        """Every input column the policy names (kept, transformed, read, or dropped)."""
        names: set[str] = set()
        for out, params in self.columns.items():
            names.add(params.source or out)
            names.update(params.read_columns())
        return names

    def canonical(self) -> dict[str, Any]:
        return {
            **self.model_dump(mode="json", exclude={"columns"}),
            "columns": {
                k: v.model_dump(mode="json", by_alias=True, exclude_none=True)
                for k, v in self.columns.items()
            },
        }

    def digest(self) -> str:
        """sha256 of the canonical JSON form: the policy hash recorded with outputs."""
        blob = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()
