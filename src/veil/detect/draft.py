"""Draft policy: a fail-closed policy YAML written from a scan, for a person to review.

The draft names every scanned column exactly once as an input: kept, transformed (output
under the column's own name, so no ``from:`` is needed) or dropped, and sets
``on_unknown_column: fail``, so a column added to the input later stops the run instead of
passing through. E-mail columns also give ``<column>_domain`` (``email_domain``). The
subject id is the hashed id column the scan chose, or the hashed e-mail.

Columns the scan was unsure about (confidence below 0.8, conflicting evidence, or unknown)
carry a ``# REVIEW`` comment saying why, with the runner-up types; the header counts them.
Comments hold column names, types and numbers only, never a value. Names are quoted by the
YAML dumper, so any column name (spaces, quotes, ``#``, Unicode) round-trips.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from veil.detect.classify import ColumnReport, ScanReport

_UNSAFE_COMMENT = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _scalar(value: Any) -> str:
    """One YAML flow value on one line: strings double-quoted (escapes for newlines and
    invisible characters), numbers, booleans and lists as JSON (a subset of YAML)."""
    if isinstance(value, str):
        text = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=1 << 30)
        return text.removesuffix("\n...\n").strip()
    return json.dumps(value)


def _flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in mapping.items()) + "}"


def _comment(text: str) -> str:
    return _UNSAFE_COMMENT.sub(" ", text)


def _why(col: ColumnReport) -> str:
    parts = [f"{col.entity} at {col.confidence:.2f}"]
    if col.conflicting:
        parts.append("conflicting evidence")
    if col.alternatives:
        parts.append("or " + ", ".join(f"{e} {s:.2f}" for e, s in col.alternatives))
    if col.reason:
        parts.append(col.reason)
    return "; ".join(parts)


def _unique(name: str, taken: set[str]) -> str:
    candidate, i = name, 2
    while candidate in taken:
        candidate = f"{name}_{i}"
        i += 1
    taken.add(candidate)
    return candidate


def draft_policy(report: ScanReport, name: str, description: str | None = None) -> str:
    """A policy YAML that ``veil.policy.load_policy`` accepts and that compiles against the
    scanned schema; uncertain columns are flagged ``# REVIEW``."""
    taken = {c.column for c in report.columns}
    review = [c for c in report.columns if c.review]
    lines = [
        f"# Draft policy written by `veil scan` from {report.rows_sampled} sampled rows of "
        f"{report.rows_total}.",
        "# Fail-closed: every input column is named below (kept, transformed or dropped),",
        "# and a column that appears later fails the run. Read it before you use it:",
        f"# {len(review)} column(s) are marked REVIEW (confidence below 0.8, conflicting"
        " evidence or unknown).",
        "version: 1",
        f"name: {_scalar(name)}",
        "description: "
        + _scalar(description or f"Draft from a scan of {len(report.columns)} columns."),
        "on_unknown_column: fail",
    ]
    subject_out: str | None = None
    entries: list[str] = []
    for col in report.columns:
        key = _scalar(col.column)
        note = _comment(
            f"{col.entity}, {col.category}, sensitivity {col.sensitivity} ({col.sensitivity_label})"
        )
        if col.review:
            entries.append(_comment(f"  # REVIEW {col.column}: {_why(col)}"))
        entries.append(f"  {key}: {_flow(col.operator)}  # {note}")
        if col.operator["op"] == "hash" and col.column == report.subject_id:
            subject_out = col.column
        if col.entity == "email" and col.operator["op"] == "hash":
            out = _unique(f"{col.column}_domain", taken)
            entries.append(f"  {_scalar(out)}: {_flow({'op': 'email_domain', 'from': col.column})}")
    if subject_out is not None:
        lines.append(f"subject_id: {_scalar(subject_out)}")
    if not entries:
        # a policy needs one column; an empty input schema gets a harmless placeholder
        lines.append("columns: {}")
    else:
        lines.append("columns:")
        lines.extend(entries)
    return "\n".join(lines) + "\n"
