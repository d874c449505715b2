"""The operator contract and its registry.

An operator turns one Arrow array (the input column) into another, vectorised, given an
:class:`OpContext` (the whole input batch, the keyring, the run's reference date, the output
column name). Its parameters are a frozen pydantic model with ``extra="forbid"``, validated once
when the policy loads; ``op`` is the discriminator.

Built-in operators register exactly as third-party ones do: ``register(name, Params, factory)``
or the ``veil.operators`` entry-point group (a callable that registers). A factory receives the
validated params and returns the vectorised function.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from veil.keys import Keyring
from veil.operators.conditions import Condition


@dataclass(frozen=True)
class Example:
    """A worked example for the operator reference (``docs/operators.md``), which is made by
    running the operator on ``values`` with these ``params`` under a fixed demo key.

    ``columns`` adds other input columns of the same rows (for operators that read them).
    """

    params: dict[str, Any]
    values: list[Any]
    note: str = ""
    columns: dict[str, list[Any]] | None = None
    subject: list[Any] | None = None


class OpParams(BaseModel):
    """Base of every operator's parameters. ``from`` names the input column."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    op: str
    source: str | None = Field(
        default=None,
        alias="from",
        description="input column; defaults to the output column's own name",
    )
    when: Condition | None = Field(
        default=None, description="apply the operator only to rows where this condition holds"
    )
    otherwise: Literal["keep", "null"] = Field(
        default="keep", description="with `when`: the value of the other rows (input or null)"
    )
    #: operators that produce no output column (drop)
    produces_output: ClassVar[bool] = True
    #: worked examples for the operator reference (see :class:`Example`)
    examples: ClassVar[tuple[Example, ...]] = ()

    def inputs(self) -> list[str]:
        """Other input columns the operator reads (besides ``from``)."""
        return []

    def row_filter(self) -> Condition | None:
        """A condition whose records the engine drops (record suppression), or ``None``."""
        return None

    def read_columns(self) -> list[str]:
        """Every input column besides ``from`` that the entry reads: ``inputs()`` and the
        columns of its ``when`` condition."""
        cols = list(self.inputs())
        if self.when is not None:
            cols += [c for c in self.when.columns() if c not in cols]
        return cols


@dataclass(frozen=True)
class OpContext:
    """What an operator may use besides its input array.

    ``subject`` is the policy's ``subject_id`` output for the same rows (a keyed hash, so the
    same person has the same value in every table under the same key), or ``None`` when the
    policy names no subject. Operators that work per subject (date shifts, tokens, per-subject
    keys) use it. ``vault`` is the run's subject-key vault, when one is configured.
    """

    batch: pa.RecordBatch
    keyring: Keyring
    reference_date: datetime
    output: str
    input: str
    subject: pa.Array | None = None
    vault: Any = None


OpFunc = Callable[[pa.Array, OpContext], pa.Array]


def numeric_input(values: pa.Array | pa.ChunkedArray, ctx: OpContext, op: str) -> pa.Array:
    """``values`` as one array, or a TypeError naming the column if it is not numeric."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    typ = values.type
    if not (pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ)):
        raise TypeError(f"{op} on {ctx.output!r} needs a numeric column, not {typ}")
    return values
Factory = Callable[[Any], OpFunc]


@dataclass(frozen=True)
class OperatorSpec:
    name: str
    params: type[OpParams]
    factory: Factory
    summary: str


_REGISTRY: dict[str, OperatorSpec] = {}
_LOADED = False


def register(name: str, params: type[OpParams], factory: Factory, summary: str = "") -> None:
    """Register an operator; names are unique."""
    if name in _REGISTRY and _REGISTRY[name].factory is not factory:
        raise ValueError(f"operator {name!r} is already registered")
    _REGISTRY[name] = OperatorSpec(name, params, factory, summary or (params.__doc__ or "").strip())


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from veil.operators import builtin  # noqa: F401 - registers the built-ins

    for ep in entry_points(group="veil.operators"):
        ep.load()()


def registry() -> dict[str, OperatorSpec]:
    _load()
    return dict(_REGISTRY)


def get(name: str) -> OperatorSpec:
    _load()
    return _REGISTRY[name]


def closest(name: str, choices: list[str]) -> str | None:
    matches = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    return matches[0] if matches else None
