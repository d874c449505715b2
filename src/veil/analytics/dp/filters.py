"""Row filters (``where``) of DP queries: row-level predicates only.

Contribution bounding assumes that what a subject adds to an aggregate depends on that
subject's rows alone. A filter that looks at other rows breaks it: ``x > (SELECT avg(x) FROM
t)``, ``count(*) OVER () > 10`` or an aggregate make one subject's presence move every other
row in or out, so the sensitivity, and with it ε, would be wrong. A filter is therefore parsed
by DuckDB and accepted only when it is one expression over the row: comparisons, boolean
logic, constants, columns, casts, CASE, BETWEEN, IN lists and scalar functions; no subquery,
window, aggregate, parameter, or function that reads state outside the row (sequences,
settings, variables). Comments and ``;`` are refused outright, and the statement around the
filter must parse to exactly ``SELECT 1 FROM t WHERE (filter)``, so nothing can close the
parenthesis and add clauses.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import duckdb

from veil.errors import ConfigError

_ALLOWED = frozenset(
    {
        "BETWEEN",
        "CASE",
        "CAST",
        "COLLATE",
        "COLUMN_REF",
        "COMPARISON",
        "CONJUNCTION",
        "CONSTANT",
        "FUNCTION",
        "LAMBDA",
        "LAMBDA_REF",
        "OPERATOR",
        "TYPE",
    }
)
_STATEFUL = frozenset(
    {"currval", "current_setting", "getenv", "getvariable", "nextval", "setseed"}
)
_SHAPE = "SELECT 1 FROM t WHERE ({})"


class FilterError(ConfigError):
    """A ``where`` that is not a row-level predicate (the message names the construct)."""


def check_row_filter(where: str) -> str:
    """``where`` itself if it is a row-level predicate, else :class:`FilterError`."""
    if not isinstance(where, str) or not where.strip():
        raise FilterError("a filter must be a non-empty SQL expression")
    for token in (";", "--", "/*"):
        if token in where:
            raise FilterError(f"a filter may not contain {token!r}")
    frame, clause = _frame(where)
    if frame != _bare_frame() or clause is None:
        raise FilterError("a filter must be one expression (no clauses after it)")
    _walk(clause)
    return where


@lru_cache(maxsize=1)
def _bare_frame() -> Any:
    """The statement around a filter, parsed once: what every filter's frame must equal."""
    return _frame("TRUE")[0]


def _frame(where: str) -> tuple[Any, Any]:
    """The parsed ``SELECT 1 FROM t WHERE (where)`` without its filter, and the filter."""
    node = _parse(_SHAPE.format(where))
    clause = node.pop("where_clause", None)
    return _strip(node), clause


def _parse(sql: str) -> dict[str, Any]:
    with duckdb.connect() as con:
        row = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    parsed: dict[str, Any] = json.loads(row[0]) if row else {"error": True}
    if parsed.get("error"):
        first = str(parsed.get("error_message", "")).splitlines()[0]
        raise FilterError(f"the filter is not valid SQL: {first}")
    statements = parsed["statements"]
    if len(statements) != 1:
        raise FilterError("a filter must be one expression")
    node: dict[str, Any] = statements[0]["node"]
    if node.get("type") != "SELECT_NODE":
        raise FilterError("a filter must be one expression (no set operations)")
    return node


def _strip(value: Any) -> Any:
    """``value`` without source positions, which differ with the filter's length."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("query_location")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _walk(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("class")
    if kind is not None:
        if kind not in _ALLOWED:
            raise FilterError(_refusal(str(kind)))
        if kind == "FUNCTION":
            _check_function(str(node.get("function_name", "")))
    for value in node.values():
        _walk(value)


def _refusal(kind: str) -> str:
    what = {
        "SUBQUERY": "a subquery",
        "WINDOW": "a window function",
        "PARAMETER": "a parameter",
        "STAR": "*",
    }.get(kind, kind.lower())
    return (
        f"a filter must look at its own row only; it has {what}, which would let one "
        "subject's rows decide whether other rows count (contribution bounding, and so ε, "
        "would no longer hold)"
    )


def _check_function(name: str) -> None:
    if name.lower() in _STATEFUL:
        raise FilterError(f"a filter may not call {name}(): it reads state outside the row")
    if name.lower() in _aggregates():
        raise FilterError(_refusal(f"the aggregate {name}()"))


@lru_cache(maxsize=1)
def _aggregates() -> frozenset[str]:
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT DISTINCT lower(function_name) FROM duckdb_functions() "
            "WHERE function_type = 'aggregate'"
        ).fetchall()
    return frozenset(r[0] for r in rows)
