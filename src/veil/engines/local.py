"""The local engine: applies a compiled policy to Arrow record batches.

Compiling checks the policy against the input schema once (missing inputs, unknown columns
under ``on_unknown_column``), binds each operator to its validated parameters, and derives the
output schema by transforming an empty batch, so sinks can open before the first row arrives.
Transforming is vectorised per column; it never mutates its input and keeps row order and
count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from veil.errors import PolicyError, PolicyIssue, UnknownColumnError
from veil.keys import Keyring
from veil.operators import base as opbase
from veil.operators.base import OpContext, OpFunc
from veil.policy import Policy, check_against, unknown_columns


@dataclass(frozen=True)
class Step:
    output: str
    input: str
    op: str
    func: OpFunc = field(repr=False)


@dataclass(frozen=True)
class CompiledPolicy:
    policy: Policy
    input_schema: pa.Schema
    steps: tuple[Step, ...]
    dropped_unknown: tuple[str, ...]
    keyring: Keyring = field(repr=False)
    reference_date: datetime
    output_schema: pa.Schema = field(default_factory=lambda: pa.schema([]))
    vault: Any = field(default=None, repr=False)

    @property
    def input_columns(self) -> list[str]:
        """The input columns the steps read, in input-schema order (what a source must give)."""
        read = {s.input for s in self.steps}
        for s in self.steps:
            read.update(self.policy.columns[s.output].read_columns())
        for condition in self.policy.row_filters().values():
            read.update(condition.columns())
        return [name for name in self.input_schema.names if name in read]

    def _apply(self, step: Step, batch: pa.RecordBatch, subject: pa.Array | None) -> pa.Array:
        ctx = OpContext(
            batch,
            self.keyring,
            self.reference_date,
            step.output,
            step.input,
            subject=subject,
            vault=self.vault,
        )
        values = batch.column(step.input)
        out = step.func(values, ctx)
        if isinstance(out, pa.ChunkedArray):
            out = out.combine_chunks()
        params = self.policy.columns[step.output]
        if params.when is None:
            return out
        applies = params.when.evaluate(batch)
        if params.otherwise == "null":
            other = pa.nulls(len(values), out.type)
        else:
            other = values if values.type == out.type else values.cast(out.type)
        return pc.if_else(applies, out, other)

    def filter_records(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """``batch`` without the records a ``suppress`` entry with ``scope: record`` matches."""
        filters = list(self.policy.row_filters().values())
        if not filters:
            return batch
        drop = filters[0].evaluate(batch)
        for condition in filters[1:]:
            drop = pc.or_(drop, condition.evaluate(batch))
        return batch.filter(pc.invert(drop))

    def transform(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """The policy applied to one batch (same rows, same order).

        Records that a ``suppress`` entry with ``scope: record`` matches are dropped first (so
        the output may have fewer rows). The subject id column (if the policy names one) is
        computed next, so every other operator can work per subject.
        """
        batch = self.filter_records(batch)
        done: dict[str, pa.Array] = {}
        subject = None
        subject_step = next((s for s in self.steps if s.output == self.policy.subject_id), None)
        if subject_step is not None:
            subject = done[subject_step.output] = self._apply(subject_step, batch, None)
        for step in self.steps:
            if step.output not in done:
                done[step.output] = self._apply(step, batch, subject)
        names = [step.output for step in self.steps]
        arrays = [done[name] for name in names]
        result = pa.RecordBatch.from_arrays(arrays, names=names)
        if len(self.output_schema):
            result = result.cast(self.output_schema)
        return result


def _describe(policy: Policy, name: str) -> dict[bytes, bytes]:
    params = policy.columns[name]
    return {b"veil.op": params.op.encode(), b"veil.from": (params.source or name).encode()}


def compile_policy(
    policy: Policy,
    input_schema: pa.Schema,
    keyring: Keyring,
    reference_date: datetime,
    vault: Any = None,
) -> CompiledPolicy:
    """Bind ``policy`` to an input schema; raise PolicyError / UnknownColumnError up front."""
    issues = check_against(policy, input_schema)
    if issues:
        raise PolicyError(issues, f"policy {policy.name!r} against the input")
    unknown = unknown_columns(policy, input_schema)
    if unknown and policy.on_unknown_column == "fail":
        raise UnknownColumnError(unknown)
    ops = opbase.registry()
    steps = tuple(
        Step(out, params.source or out, params.op, ops[params.op].factory(params))
        for out, params in policy.outputs().items()
    )
    compiled = CompiledPolicy(
        policy, input_schema, steps, tuple(unknown), keyring, reference_date, vault=vault
    )
    _check_conditions(compiled)
    empty = pa.RecordBatch.from_pylist([], schema=input_schema)
    problems = []
    for step in steps:  # each operator once on no rows: type errors surface here, per column
        try:
            compiled._apply(step, empty, None)
        except (TypeError, ValueError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            problems.append(PolicyIssue(f"columns.{step.output}", str(exc)))
    if problems:
        raise PolicyError(problems, f"policy {policy.name!r} against the input")
    probe = compiled.transform(empty)
    fields = [
        probe.schema.field(i).with_metadata(_describe(policy, s.output))
        for i, s in enumerate(steps)
    ]
    return CompiledPolicy(
        policy,
        input_schema,
        steps,
        tuple(unknown),
        keyring,
        reference_date,
        pa.schema(fields),
        vault=vault,
    )


def _check_conditions(compiled: CompiledPolicy) -> None:
    """``when`` conditions fit the input types, and ``otherwise: keep`` can keep the input."""
    empty = pa.RecordBatch.from_pylist([], schema=compiled.input_schema)
    issues = []
    for name, condition in compiled.policy.row_filters().items():
        try:
            condition.evaluate(empty)
        except ValueError as exc:
            issues.append(PolicyIssue(f"columns.{name}.when", str(exc)))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            issues.append(
                PolicyIssue(f"columns.{name}.when", "the condition does not apply to the type")
            )
    for step in compiled.steps:
        params = compiled.policy.columns[step.output]
        if params.when is None:
            continue
        where = f"columns.{step.output}.when"
        try:
            params.when.evaluate(empty)
        except ValueError as exc:
            issues.append(PolicyIssue(where, str(exc)))
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            issues.append(PolicyIssue(where, "the condition does not apply to the column's type"))
            continue
        if params.otherwise == "keep":
            out = compiled._apply(step, empty, None)
            source = compiled.input_schema.field(step.input).type
            if source != out.type and not pa.types.is_string(out.type):
                issues.append(
                    PolicyIssue(
                        f"columns.{step.output}.otherwise",
                        f"cannot keep {source} input values in a {out.type} column",
                        "null",
                    )
                )
    if issues:
        raise PolicyError(issues, f"policy {compiled.policy.name!r} against the input")
