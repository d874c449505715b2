"""A job's dry run: the policy applied to a sample of the input, nothing written.

:func:`plan` reads the source until ``sample_rows`` records (``source.batches``), drops the
records the policy suppresses, transforms the rest, and returns a :class:`DryRunReport`:

- per output column, a few (before, after) pairs, the *before* masked
  (:func:`veil.operators.basic.mask_preview`). They exist in memory, for the terminal only:
  :meth:`DryRunReport.summary`, what the catalog stores, has no values at all;
- the risk on the sample when the policy has a ``privacy:`` block (k, uniqueness; with
  ``on_violation: enforce`` also k after enforcement and what it suppressed);
- warnings: input columns the policy drops without naming them (``on_unknown_column:
  drop``), columns a transform leaves unchanged on every sampled value, low k (below the
  policy's k or 5), high suppression (above 5 %), quarantined records;
- blocking problems: the policy does not compile against the source, the source cannot be
  read, or the transform fails on the sample. A job with one cannot be approved;
- an estimated duration for the whole input, from the sample's read and transform
  throughput and ``source.expected_rows()`` (writing is not measured).

Warnings and problems name columns and give counts; never values.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from veil.engines.local import CompiledPolicy
from veil.errors import PrivacyTargetError, VeilError
from veil.jobs.privacy import apply_privacy
from veil.jobs.run import RunConfig, compile_config
from veil.operators.basic import mask_preview
from veil.policy.models import PrivacyBlock
from veil.risk import risk_report

PAIRS = 3
LOW_K = 5
HIGH_SUPPRESSION = 0.05
DEFAULT_SAMPLE_ROWS = 10_000
_SHOWN = 40  # characters of a value shown in a pair


@dataclass(frozen=True)
class ColumnPreview:
    """One output column on the sample: (masked input, output) pairs, terminal only."""

    output: str
    op: str
    input: str
    pairs: tuple[tuple[str, str], ...]


@dataclass
class DryRunReport:
    sample_rows: int = 0
    rows_out: int = 0
    suppressed: int = 0
    quarantined: int = 0
    columns: list[ColumnPreview] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)
    unchanged_columns: list[str] = field(default_factory=list)
    risk: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    rows_per_second: float | None = None
    expected_rows: int | None = None
    estimated_seconds: float | None = None

    def summary(self) -> dict[str, Any]:
        """What may be stored: counts, column names, risk figures, warnings; no values."""
        return {
            "sample_rows": self.sample_rows,
            "rows_out": self.rows_out,
            "suppressed": self.suppressed,
            "quarantined": self.quarantined,
            "output_columns": [c.output for c in self.columns],
            "dropped_columns": list(self.dropped_columns),
            "unchanged_columns": list(self.unchanged_columns),
            "risk": self.risk,
            "warnings": list(self.warnings),
            "blocking": list(self.blocking),
            "rows_per_second": self.rows_per_second,
            "expected_rows": self.expected_rows,
            "estimated_seconds": self.estimated_seconds,
        }


def _problem(exc: BaseException, what: str) -> str:
    """A problem's text: a VeilError's message (they carry no values), else its type only."""
    if isinstance(exc, VeilError):
        return f"{what}: {exc}"
    return f"{what}: {type(exc).__name__} (details withheld: they may contain data)"


def _sample(config: RunConfig, columns: list[str], rows: int) -> tuple[pa.Table, int, float]:
    """The first ``rows`` records of the source's ``columns``; also the records read (whole
    batches) and the seconds it took."""
    source = config.source
    parts: list[pa.RecordBatch] = []
    have = read = 0
    t0 = time.perf_counter()
    batches = source.batches(None, columns=set(columns))
    try:
        for batch in batches:
            read += batch.num_rows
            parts.append(batch.slice(0, rows - have))
            have += parts[-1].num_rows
            if have >= rows:
                break
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    seconds = time.perf_counter() - t0
    schema = pa.schema([source.schema.field(c) for c in columns])
    return pa.Table.from_batches(parts, schema=schema), read, seconds


def _text(values: pa.Array) -> pa.Array:
    try:
        return values.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array(["…"] * len(values), pa.string())


def _short(value: Any) -> str:
    text = "null" if value is None else str(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _pairs(before: pa.Array, after: pa.Array) -> tuple[tuple[str, str], ...]:
    rows = pc.indices_nonzero(pc.is_valid(before)).slice(0, PAIRS)
    if len(rows) == 0:
        rows = pa.array(range(min(PAIRS, len(before))), pa.uint64())
    shown = _text(before.take(rows))
    kind = "email" if pc.all(pc.match_substring(shown, "@")).as_py() else None
    masked = mask_preview(shown, kind).to_pylist()
    outputs = after.take(rows).to_pylist()
    return tuple((_short(m), _short(o)) for m, o in zip(masked, outputs, strict=True))


def _unchanged(before: pa.Array, after: pa.Array) -> bool:
    """Output equal to input on every sampled value (and at least one is not null)."""
    if before.null_count == len(before):
        return False
    if not before.type.equals(after.type):
        before, after = _text(before), _text(after)
    same_nulls = pc.all(pc.equal(pc.is_null(before), pc.is_null(after))).as_py()
    return bool(same_nulls) and pc.all(pc.equal(before, after)).as_py() is True


def _risk(table: pa.Table, block: PrivacyBlock, report: DryRunReport) -> None:
    measured = risk_report(table, block.quasi_identifiers, block.sensitive)
    risk: dict[str, Any] = {
        "k": measured.k,
        "uniqueness": measured.uniqueness,
        "classes": measured.classes,
        "target_k": block.k,
    }
    report.risk = risk
    if measured.k >= block.k:
        return
    if block.on_violation == "fail":
        report.warnings.append(
            f"on the sample the output is {measured.k}-anonymous (target {block.k}); with "
            "on_violation: fail the run fails unless the whole output does better"
        )
        return
    try:
        safe, record = apply_privacy(table, block)
    except PrivacyTargetError as exc:
        report.warnings.append(f"on the sample: {exc}")
        return
    risk["k_after"] = record["after"]["k"]
    risk["suppressed_by_enforcement"] = table.num_rows - safe.num_rows
    report.suppressed += table.num_rows - safe.num_rows
    report.rows_out = safe.num_rows


def _warn(report: DryRunReport, block: PrivacyBlock | None) -> None:
    n = report.sample_rows
    if report.dropped_columns:
        report.warnings.append(
            f"{len(report.dropped_columns)} input column(s) are dropped without the policy "
            f"naming them (on_unknown_column: drop): {', '.join(report.dropped_columns)}"
        )
    for name in report.unchanged_columns:
        report.warnings.append(
            f"column {name} is unchanged on every sampled value: check its operator's "
            "parameters and its when: condition"
        )
    if report.risk is not None:
        k = report.risk.get("k_after", report.risk["k"])
        floor = max(LOW_K, block.k if block else 0)
        if k < floor:
            report.warnings.append(
                f"low k: the sample is {k}-anonymous (below {floor}: the policy's k or {LOW_K})"
            )
    if n and report.suppressed / n > HIGH_SUPPRESSION:
        report.warnings.append(
            f"high suppression: {report.suppressed} of {n} sampled records "
            f"({report.suppressed / n:.1%}) are suppressed (above {HIGH_SUPPRESSION:.0%})"
        )
    if report.quarantined:
        report.warnings.append(f"{report.quarantined} sampled record(s) quarantined as malformed")
    if n == 0:
        report.warnings.append("the source produced no records: the run would write none")


def _preview(compiled: CompiledPolicy, sample: pa.Table, report: DryRunReport) -> float:
    """Transform the sample into ``report``; the seconds the transform took."""
    batch = sample.combine_chunks().to_batches()
    data = batch[0] if batch else pa.RecordBatch.from_pylist([], schema=sample.schema)
    compiled.transform(data.slice(0, 16))  # warm-up (compiled kernels): not timed
    t0 = time.perf_counter()
    kept = compiled.filter_records(data)
    out = compiled.transform(kept)
    seconds = time.perf_counter() - t0
    report.rows_out = out.num_rows
    report.suppressed = data.num_rows - kept.num_rows
    for step in compiled.steps:
        before, after = kept.column(step.input), out.column(step.output)
        report.columns.append(
            ColumnPreview(step.output, step.op, step.input, _pairs(before, after))
        )
        if step.op != "keep" and _unchanged(before, after):
            report.unchanged_columns.append(step.output)
    block = compiled.policy.privacy
    if block is not None:
        _risk(pa.Table.from_batches([out]), block, report)
    return seconds


def plan(config: RunConfig, sample_rows: int = DEFAULT_SAMPLE_ROWS) -> DryRunReport:
    """Dry-run ``config`` on its first ``sample_rows`` records (see the module docstring)."""
    report = DryRunReport()
    try:
        compiled = compile_config(config)
    except VeilError as exc:
        report.blocking.append(_problem(exc, "the policy does not fit the source"))
        return report
    report.dropped_columns = list(compiled.dropped_unknown)
    try:
        sample, read, read_s = _sample(config, compiled.input_columns, sample_rows)
    except Exception as exc:
        report.blocking.append(_problem(exc, "the source could not be read"))
        return report
    report.sample_rows = sample.num_rows
    report.quarantined = config.source.quarantine.count
    try:
        transform_s = _preview(compiled, sample, report)
    except Exception as exc:
        report.blocking.append(_problem(exc, "the transform failed on the sample"))
        return report
    _warn(report, config.policy.privacy)
    if read and report.sample_rows:
        per_row = read_s / read + transform_s / report.sample_rows
        report.rows_per_second = 1 / per_row if per_row > 0 else None
        report.expected_rows = config.source.expected_rows()
        if report.expected_rows is not None:
            report.estimated_seconds = report.expected_rows * per_row
    return report
