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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from veil.operators.base import OpParams
from veil.operators.hierarchy import BUILTIN_PREFIX, builtin_levels


class PrivacyBlock(BaseModel):
    """What the output must satisfy, measured on the whole output of a run.

    ``quasi_identifiers`` and ``sensitive`` name output columns. ``on_violation: fail`` stops
    the run (nothing is written) when the output is not k-anonymous (and, with ``l``, distinct
    l-diverse in the first sensitive column) within ``max_suppression``; ``enforce`` searches
    the generalisation lattice (``hierarchies``: per column an ARX hierarchy file or a
    built-in: ``builtin:geo`` (city → state → country), ``builtin:age`` (5/10/20-year bands),
    or, generated from the column's values, ``builtin:date`` (month → quarter → year →
    decade), ``builtin:postcode`` (characters masked from the right) and
    ``builtin:range:W1,W2,…`` (nested numeric intervals, e.g. ``builtin:range:5,10,50``); a
    column without one can only be kept or suppressed whole, ``*``) and suppresses records,
    then writes the result. Built-in names (and range widths) are checked when the policy
    loads; files when they are read.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    quasi_identifiers: list[str] = Field(min_length=1, description="output columns")
    sensitive: list[str] = Field(default_factory=list, description="sensitive output columns")
    k: int = Field(ge=1, description="minimum equivalence class size")
    l: int | None = Field(  # noqa: E741 - the letter of l-diversity
        default=None, ge=1, description="distinct l-diversity of the first sensitive column"
    )
    max_suppression: float = Field(
        default=0.0, ge=0.0, le=1.0, description="share of records that may be suppressed"
    )
    on_violation: Literal["enforce", "fail"] = Field(
        default="fail", description="enforce (generalise and suppress) or fail the run"
    )
    hierarchies: dict[str, str] = Field(
        default_factory=dict,
        description="output column → hierarchy file or built-in: builtin:geo, builtin:age, "
        "builtin:date, builtin:postcode, builtin:range:W1,W2,… (e.g. builtin:range:5,10,50)",
    )

    @field_validator("hierarchies")
    @classmethod
    def _known_builtins(cls, value: dict[str, str]) -> dict[str, str]:
        for spec in value.values():
            if spec.startswith(BUILTIN_PREFIX):
                builtin_levels(spec)  # raises for an unknown or malformed built-in
        return value


class UtilityQuestion(BaseModel):
    """A question the anonymized output must still answer, asked of raw and output data.

    ``sql`` runs on both sides when the columns it names exist on both (an output column made
    by ``keep`` is also visible under its output name on the raw side); otherwise ``raw``
    names input columns and ``anonymized`` names output columns. Either side's table is
    ``t``. A question returns one number, or rows of (key, number). ``tolerance`` is the
    relative error allowed before the report marks the answer as differing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="a short identifier")
    title: str = Field(default="", description="what the question asks, in words")
    sql: str | None = Field(default=None, description="SQL over t, the same on both sides")
    raw: str | None = Field(default=None, description="SQL over t = the input columns")
    anonymized: str | None = Field(default=None, description="SQL over t = the output columns")
    tolerance: float = Field(default=0.0, ge=0.0, description="relative error still a match")

    @model_validator(mode="after")
    def _one_form(self) -> UtilityQuestion:
        if self.sql is not None and (self.raw is not None or self.anonymized is not None):
            raise ValueError("give either sql, or raw and anonymized, not both")
        if self.sql is None and self.anonymized is None:
            raise ValueError("a question needs sql, or anonymized (and raw to compare)")
        return self

    def raw_sql(self) -> str | None:
        return self.sql if self.sql is not None else self.raw

    def anonymized_sql(self) -> str:
        return self.sql if self.sql is not None else str(self.anonymized)


class Policy(BaseModel):
    """A declared transformation of user records into data analysts may use."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = Field(default=1, description="policy format version")
    name: str = Field(min_length=1, description="a short name, recorded with every output")
    description: str = ""
    shape: Literal["randomuser", "fakerapi", "events"] | None = Field(
        default=None, description="the input shape this policy is written for, if any"
    )
    on_unknown_column: Literal["drop", "fail"] = Field(
        default="drop", description="input columns the policy does not name: drop or fail the run"
    )
    subject_id: str | None = Field(
        default=None, description="the output column that identifies the subject (pseudonymous)"
    )
    columns: dict[str, OpParams] = Field(description="output column → operator and parameters")
    privacy: PrivacyBlock | None = Field(
        default=None, description="k-anonymity / l-diversity the output must meet"
    )
    questions: list[UtilityQuestion] = Field(
        default_factory=list, description="questions the output must still answer (utility)"
    )

    @field_validator("columns", mode="before")
    @classmethod
    def _parse_columns(cls, value: Any) -> Any:
        from veil.policy.loader import parse_columns  # the registry lives there

        return parse_columns(value)

    @model_validator(mode="after")
    def _questions_are_distinct(self) -> Policy:
        from veil.analytics.questions import QUESTIONS

        seen = {q.id for q in QUESTIONS}
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question id {question.id!r} is used twice or is built in")
            seen.add(question.id)
        return self

    @model_validator(mode="after")
    def _privacy_names_outputs(self) -> Policy:
        if self.privacy is None:
            return self
        outputs = set(self.outputs())
        named = [*self.privacy.quasi_identifiers, *self.privacy.sensitive]
        named += list(self.privacy.hierarchies)
        missing = [c for c in named if c not in outputs]
        if missing:
            raise ValueError(f"privacy names columns the policy does not output: {missing}")
        if self.privacy.l is not None and not self.privacy.sensitive:
            raise ValueError("privacy.l needs a sensitive column")
        return self

    def outputs(self) -> dict[str, OpParams]:
        """The entries that produce a column, in policy order."""
        return {
            k: v for k, v in self.columns.items() if v.produces_output and v.row_filter() is None
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
