"""The policy's own utility questions, answered on raw and anonymized data.

A policy lists ``questions`` (:class:`~veil.policy.models.UtilityQuestion`): SQL over a table
``t``, asked of the raw input and of the anonymized output; the report shows both answers
and the error. The raw side's ``t`` holds only the input columns the raw SQL names (plus,
under their output names, the inputs of ``keep`` entries), gathered in memory during the
run and never stored; the anonymized side's ``t`` holds the output columns the SQL names,
read back from the committed version.

Both sides run in a DuckDB connection with external access off (no files, no network): a
question sees ``t`` and nothing else. Raw answers reach the report, which is stored, so they
are held to aggregates: a question must return one number, or rows of (key, number); for a
keyed answer, the raw side is shown only for keys the anonymized answer also has (a raw key
may be a raw value: an e-mail address grouped on), and raw-only keys are counted, not named.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import pyarrow as pa

from veil.errors import ConfigError
from veil.policy.models import Policy, UtilityQuestion

_IDENT = re.compile(r'"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_]*)')


def _identifiers(sql: str) -> set[str]:
    """Every identifier-looking token of ``sql`` (quoted ones unquoted), lower-cased."""
    out = set()
    for quoted, bare in _IDENT.findall(sql):
        out.add((quoted.replace('""', '"') if quoted else bare).lower())
    return out


def _named(sql: str, columns: Iterable[str]) -> list[str]:
    """The ``columns`` that ``sql`` mentions (by name, case-insensitively)."""
    tokens = _identifiers(sql)
    return [c for c in columns if c.lower() in tokens]


def raw_aliases(policy: Policy) -> dict[str, str]:
    """Output name → input column for ``keep`` entries whose output is named otherwise."""
    return {
        out: params.source
        for out, params in policy.outputs().items()
        if params.op == "keep" and params.source and params.source != out
    }


def raw_columns(policy: Policy, input_names: Sequence[str]) -> list[str]:
    """The input columns the raw side of the questions needs."""
    aliases = raw_aliases(policy)
    needed: set[str] = set()
    for question in policy.questions:
        sql = question.raw_sql()
        if sql is None:
            continue
        needed.update(_named(sql, input_names))
        needed.update(aliases[a] for a in _named(sql, aliases) if aliases[a] in input_names)
    if policy.questions and not needed and input_names:
        needed.add(input_names[0])  # a column, so that the table keeps its row count
    return [c for c in input_names if c in needed]


def raw_table(policy: Policy, parts: list[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
    """The gathered raw parts as one table, with ``keep`` outputs under their output names."""
    table = pa.Table.from_batches(parts, schema=schema)
    for out, source in raw_aliases(policy).items():
        if source in table.column_names and out not in table.column_names:
            table = table.append_column(out, table.column(source))
    return table


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"enable_external_access": False})
    return con


def answer(sql: str, table: pa.Table, question_id: str) -> tuple[str, Any]:
    """``("scalar", number)`` or ``("keyed", {key: number})`` for ``sql`` over ``table``."""
    con = _connect()
    try:
        con.register("t", table)
        try:
            result = con.sql(sql)
            if result is None:
                raise ConfigError(f"question {question_id!r}: the SQL returns no rows")
            table = result.to_arrow_table()
        except duckdb.Error as exc:
            message = str(exc).splitlines()[0]
            raise ConfigError(f"question {question_id!r}: {message}") from None
    finally:
        con.close()
    width, rows = table.num_columns, table.num_rows
    if width not in (1, 2) or (width == 1 and rows > 1):
        raise ConfigError(
            f"question {question_id!r}: return one value, or rows of (key, value); "
            f"this returns {width} columns and {rows} rows"
        )
    value_type = table.schema.field(width - 1).type
    if not (
        pa.types.is_integer(value_type)
        or pa.types.is_floating(value_type)
        or pa.types.is_decimal(value_type)
        or pa.types.is_boolean(value_type)
        or pa.types.is_null(value_type)
    ):
        raise ConfigError(
            f"question {question_id!r}: answers must be numbers (counts, shares, averages), "
            f"not {value_type}"
        )
    values = [_number(v) for v in table.column(width - 1).to_pylist()]
    if width == 1:
        return "scalar", values[0] if values else None
    keys = [str(k) for k in table.column(0).to_pylist()]
    return "keyed", dict(zip(keys, values, strict=True))


def _number(value: Any) -> float | int | None:
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return int(value) if isinstance(value, bool) else float(value)  # Decimal


def check(policy: Policy, input_schema: pa.Schema, output_schema: pa.Schema) -> None:
    """Run every question on empty tables of the right shape: a bad question fails the run
    before any data is read, naming the question."""
    if not policy.questions:
        return
    empty_in = raw_table(policy, [], input_schema)
    empty_out = output_schema.empty_table()
    for question in policy.questions:
        answer(question.anonymized_sql(), empty_out, question.id)
        raw = question.raw_sql()
        if raw is not None:
            answer(raw, empty_in, question.id)


def _compare(kind: str, raw: Any, anon: Any, tolerance: float) -> dict[str, Any]:
    if kind == "scalar":
        if raw is None or anon is None:
            return {"match": raw is None and anon is None}
        diff = anon - raw
        rel = abs(diff) / abs(raw) if raw else (0.0 if diff == 0 else math.inf)
        return {
            "difference": diff,
            "relative_error": rel,
            "match": rel <= tolerance,
            "tolerance": tolerance,
        }
    keys = set(raw) | set(anon)
    diffs = {k: (anon.get(k) or 0) - (raw.get(k) or 0) for k in keys}
    rel = [
        abs(d) / abs(raw[k]) if raw.get(k) else (0.0 if d == 0 else math.inf)
        for k, d in diffs.items()
    ]
    total = sum(abs(v) for v in raw.values() if v is not None) or 1
    return {
        "max_abs_difference": max((abs(d) for d in diffs.values()), default=0),
        "max_relative_error": max(rel, default=0.0),
        "total_variation": sum(abs(d) for d in diffs.values()) / (2 * total),
        "raw_only_keys": len(set(raw) - set(anon)),
        "match": all(r <= tolerance for r in rel),
        "tolerance": tolerance,
    }


def report_entries(
    questions: Sequence[UtilityQuestion],
    anonymized: pa.Table,
    raw: pa.Table | None,
) -> list[dict[str, Any]]:
    """One report entry per question (the same shape as the built-in questions')."""
    out = []
    for question in questions:
        kind, anon = answer(question.anonymized_sql(), anonymized, question.id)
        entry: dict[str, Any] = {
            "id": question.id,
            "title": question.title or question.id,
            "kind": "scalar" if kind == "scalar" else "distribution",
            "unit": "",
            "source": "policy",
            "anonymized": anon,
        }
        raw_sql = question.raw_sql()
        if raw is not None and raw_sql is not None:
            raw_kind, raw_answer = answer(raw_sql, raw, question.id)
            if raw_kind != kind:
                raise ConfigError(
                    f"question {question.id!r}: the raw SQL returns a {raw_kind} answer, the "
                    f"anonymized SQL a {kind} one"
                )
            entry.update(_compare(kind, raw_answer, anon, question.tolerance))
            if kind == "keyed":  # raw keys the output does not have are counted, not named
                raw_answer = {k: v for k, v in raw_answer.items() if k in anon}
            entry["raw"] = raw_answer
        out.append(entry)
    return out


def output_columns(questions: Sequence[UtilityQuestion], names: Sequence[str]) -> list[str]:
    """The output columns the anonymized side of the questions names."""
    needed: set[str] = set()
    for question in questions:
        needed.update(_named(question.anonymized_sql(), names))
    if questions and not needed and names:
        needed.add(names[0])  # a column, so that the table keeps its row count
    return [n for n in names if n in needed]
