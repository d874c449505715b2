"""One micro-batch of input payloads → one outcome per input, under the compiled policy.

The batch is flattened and transformed as one Arrow batch, exactly as the batch engine
does, so a record's output does not depend on the stream (the cross-table consistency that
lets stream and table outputs join). Every input gets exactly one outcome, in input order:
an encoded output record, a dead-letter error kind, or *suppressed* (a ``scope: record``
suppression of the policy matched it). That is what lets the consumer ack each input only
once its outcome is safely published.

A batch that the transform rejects as a whole (one value an operator cannot take) is retried
record by record, so one bad record dead-letters alone and the rest flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from veil.engines import CompiledPolicy
from veil.sources.flatten import flatten
from veil.stream.codec import REJECTED, TRANSFORM_FAILED, UNENCODABLE, encode_record, parse

_TRANSFORM_ERRORS = (TypeError, ValueError, ArithmeticError, pa.ArrowException)
_ROW = "__veil_stream_row"


@dataclass(frozen=True)
class Outcome:
    """What became of one input: ``output`` (JSON bytes), ``error`` (a dead-letter kind), or
    neither (suppressed by the policy)."""

    output: bytes | None = None
    error: str | None = None


SUPPRESSED = Outcome()


def process(compiled: CompiledPolicy, shape: str, payloads: Sequence[bytes]) -> list[Outcome]:
    """One outcome per payload, in order; see the module docstring."""
    records, failed = parse(payloads)
    outcomes: dict[int, Outcome] = {i: Outcome(error=kind) for i, kind in failed.items()}
    parsed = [i for i in range(len(payloads)) if i not in failed]
    flat = flatten([records[i] for i in parsed], shape, positions=parsed)
    for rejection in flat.rejections:
        outcomes[rejection.index] = Outcome(error=REJECTED)
    rows = [i for i in parsed if i not in outcomes]
    outcomes.update(_transform(compiled, flat.batch, rows))
    return [outcomes[i] for i in range(len(payloads))]


def _transform(
    compiled: CompiledPolicy, batch: pa.RecordBatch, rows: list[int]
) -> dict[int, Outcome]:
    """The outcomes of ``batch``'s rows (input indexes ``rows``), whole batch first."""
    try:
        return _transform_whole(compiled, batch, rows)
    except _TRANSFORM_ERRORS:
        pass  # the message may quote a value: isolate the bad record instead
    outcomes: dict[int, Outcome] = {}
    for position, row in enumerate(rows):
        try:
            outcomes.update(_transform_whole(compiled, batch.slice(position, 1), [row]))
        except _TRANSFORM_ERRORS:
            outcomes[row] = Outcome(error=TRANSFORM_FAILED)
    return outcomes


def _transform_whole(
    compiled: CompiledPolicy, batch: pa.RecordBatch, rows: list[int]
) -> dict[int, Outcome]:
    kept = _surviving(compiled, batch, rows)
    out = compiled.transform(batch)
    outcomes = dict.fromkeys(rows, SUPPRESSED)
    for row, record in zip(kept, out.to_pylist(), strict=True):
        outcomes[row] = _encoded(record)
    return outcomes


def _surviving(compiled: CompiledPolicy, batch: pa.RecordBatch, rows: list[int]) -> list[int]:
    """The input indexes of the rows the policy's record suppressions keep, in order: the
    transform drops the others, and the consumer must still know which output is whose."""
    if not compiled.policy.row_filters():
        return rows
    marked = batch.append_column(_ROW, pa.array(rows, pa.int64()))
    return list(compiled.filter_records(marked).column(_ROW).to_pylist())


def _encoded(record: dict[str, object]) -> Outcome:
    try:
        return Outcome(output=encode_record(record))
    except (TypeError, ValueError):
        return Outcome(error=UNENCODABLE)
