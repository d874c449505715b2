"""The policy's ``privacy:`` block applied to a run's whole output.

Risk is a property of the whole release, not of a batch, so a policy with a ``privacy:``
block has its transformed output gathered (anonymized columns only: the raw batches are gone
by then) and measured before anything is written: k-anonymity over the quasi-identifiers and,
with ``l``, distinct l-diversity of the first sensitive column. If the target is met the
output is written as it is. Otherwise ``on_violation: fail`` stops the run with the measured
figures (nothing is written) and ``enforce`` searches the generalisation lattice
(:func:`veil.risk.enforce`) within the suppression budget and writes the result. Either way
the risk before and after goes into the manifest and the report.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from veil.errors import ConfigError, PrivacyTargetError
from veil.operators.hierarchy import Hierarchy, HierarchyError
from veil.policy.models import PrivacyBlock
from veil.risk import EnforcementError, enforce, risk_report


def _summary(table: pa.Table, block: PrivacyBlock) -> dict[str, Any]:
    report = risk_report(table, block.quasi_identifiers, block.sensitive)
    data = report.to_dict()
    first = report.sensitive[0] if report.sensitive else None
    data["l_distinct"] = first.l_distinct if first is not None else None
    return data


def _meets(summary: dict[str, Any], block: PrivacyBlock) -> bool:
    if summary["k"] < block.k:
        return False
    return block.l is None or (summary["l_distinct"] or 0) >= block.l


def _keep_or_star(column: pa.ChunkedArray) -> Hierarchy:
    """A two-level hierarchy: the value itself, or ``*``."""
    values = pc.unique(column.cast(pa.string()).drop_null()).to_pylist()
    return Hierarchy.from_rows([[v, "*"] for v in values] or [["*", "*"]])


def _hierarchy(table: pa.Table, qi: str, block: PrivacyBlock) -> Hierarchy:
    """The QI's hierarchy from ``privacy.hierarchies`` (the built-ins that depend on the
    values, ``builtin:date``, ``builtin:postcode`` and ``builtin:range:…``, are generated from
    the output column), or keep-or-``*``."""
    if qi not in block.hierarchies:
        return _keep_or_star(table.column(qi))
    try:
        return Hierarchy.load(block.hierarchies[qi], table.column(qi))
    except HierarchyError as exc:
        raise ConfigError(f"privacy.hierarchies.{qi}: {exc}") from None


def apply_privacy(table: pa.Table, block: PrivacyBlock) -> tuple[pa.Table, dict[str, Any]]:
    """The table to write and what was measured and done (JSON-safe, no values)."""
    before = _summary(table, block)
    record: dict[str, Any] = {
        "target": block.model_dump(mode="json"),
        "before": before,
        "enforcement": None,
        "after": before,
    }
    if _meets(before, block):
        return table, record
    if block.on_violation == "fail":
        measured = f"{before['k']}-anonymous (target {block.k})"
        if block.l is not None:
            measured += f", {before['l_distinct']}-diverse (target {block.l})"
        raise PrivacyTargetError(
            f"privacy target not met: the output is {measured} on "
            f"{', '.join(block.quasi_identifiers)}; nothing was written. Generalise the "
            "quasi-identifiers further, or set privacy.on_violation: enforce"
        )
    hierarchies = {qi: _hierarchy(table, qi, block) for qi in block.quasi_identifiers}
    try:
        result = enforce(
            table,
            hierarchies,
            block.k,
            l=block.l,
            sensitive=block.sensitive[0] if block.l is not None else None,
            max_suppression=block.max_suppression,
        )
    except EnforcementError as exc:
        raise PrivacyTargetError(f"privacy target not met, even by enforcement: {exc}") from None
    out = result.apply(table)
    record["enforcement"] = result.to_dict()
    record["after"] = _summary(out, block)
    return out, record
