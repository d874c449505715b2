"""The run report: the built-in questions on the anonymized output, next to the raw answers.

``RawCube`` accumulates the raw side during a run, one batch at a time (bounded memory: the
cube has one row per distinct domain × country × city × age band × gender). ``anonymized_cube``
builds the same cube with SQL over the stored output. ``build_report`` asks every question on
both, compares the answers, and returns a JSON-safe dict; ``veil.analytics.html`` renders it.

The questions are about users: a dataset whose rows are something else (events) gets
``not_users_report`` instead, which asks none of them and says so.
"""

from __future__ import annotations

import math
import threading
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from veil.analytics.questions import CUBE_COLUMNS, QUESTIONS, ask_all, over_60_is_exact
from veil.operators.generalize import age_at, band_labels, bucketize, email_domain_of

_local = threading.local()  # one DuckDB connection per thread for RawCube.summarize

DEFAULT_AGE_EDGES = [18, 31, 41, 51, 61, 71, 81, 91]
RELATIVE_TOLERANCE = {"avg_days_since_registration": 0.01}

#: raw column per report role, by input shape
RAW_ROLES: dict[str, dict[str, str | None]] = {
    "randomuser": {
        "email": "email",
        "country": "location_country",
        "city": "location_city",
        "gender": "gender",
        "born": "dob_date",
        "registered": "registered_date",
    },
    "fakerapi": {
        "email": "email",
        "country": "address_country",
        "city": "address_city",
        "gender": "gender",
        "born": "birthday",
        "registered": None,
    },
}

#: what a row is, for the shapes whose rows are not users (the built-in questions skip them)
ROWS_ARE: dict[str, str] = {"events": "events"}

_CUBE_SQL = """
SELECT email_domain, country, city, age_band, gender, count(*) AS n,
       sum(reg_days)::DOUBLE AS reg_days, count(reg_days) AS reg_n
FROM {rel} GROUP BY ALL
"""


class RawCube:
    """The raw side's cube, accumulated batch by batch; raw rows are never kept."""

    def __init__(self, shape: str, reference_date: datetime, age_edges: list[float]) -> None:
        self.roles = RAW_ROLES[shape]
        self.reference_date = reference_date
        self.edges = list(age_edges)
        self.labels = band_labels(self.edges)
        self._con = duckdb.connect()
        self._parts: list[pa.Table] = []

    @property
    def columns(self) -> list[str]:
        """The raw input columns the cube reads."""
        return [name for name in self.roles.values() if name is not None]

    def _narrow(self, batch: pa.RecordBatch) -> pa.Table:
        col = batch.column
        born = age_at(col(self.roles["born"] or ""), self.reference_date)
        reg_name = self.roles["registered"]
        if reg_name is not None:
            ref_ms = int(self.reference_date.timestamp() * 1000)
            reg_ms = col(reg_name).cast(pa.int64()).to_numpy(zero_copy_only=False).astype(float)
            reg_days = pa.array((ref_ms - reg_ms) / 86_400_000.0, pa.float64(), from_pandas=True)
        else:
            reg_days = pa.nulls(batch.num_rows, pa.float64())
        return pa.table(
            {
                "email_domain": email_domain_of(col(self.roles["email"] or "")),
                "country": col(self.roles["country"] or "").cast(pa.string()),
                "city": col(self.roles["city"] or "").cast(pa.string()),
                "age_band": bucketize(born, self.edges, self.labels),
                "gender": col(self.roles["gender"] or "").cast(pa.string()),
                "reg_days": reg_days,
            }
        )

    def summarize(self, batch: pa.RecordBatch) -> pa.Table:
        """The cube of one raw batch (thread-safe: any thread may call it)."""
        con = getattr(_local, "con", None)
        if con is None:
            con = _local.con = duckdb.connect()
        con.register("veil_raw_batch", self._narrow(batch))
        try:
            return con.sql(_CUBE_SQL.format(rel="veil_raw_batch")).to_arrow_table()
        finally:
            con.unregister("veil_raw_batch")

    def add_summary(self, part: pa.Table) -> None:
        """Fold in a cube made by :meth:`summarize` (call from one thread)."""
        self._parts.append(part)
        if len(self._parts) >= 16:  # keep the list short: fold into one
            self._parts = [self.table()]

    def add(self, batch: pa.RecordBatch) -> None:
        self.add_summary(self.summarize(batch))

    def table(self) -> pa.Table:
        if not self._parts:
            return empty_cube()
        self._con.register("veil_raw_parts", pa.concat_tables(self._parts))
        try:
            return self._con.sql(
                "SELECT email_domain, country, city, age_band, gender, sum(n)::BIGINT AS n, "
                "sum(reg_days)::DOUBLE AS reg_days, sum(reg_n)::BIGINT AS reg_n "
                "FROM veil_raw_parts GROUP BY ALL"
            ).to_arrow_table()
        finally:
            self._con.unregister("veil_raw_parts")


def empty_cube() -> pa.Table:
    return pa.table(
        {
            **{c: pa.array([], pa.string()) for c in CUBE_COLUMNS},
            "n": pa.array([], pa.int64()),
            "reg_days": pa.array([], pa.float64()),
            "reg_n": pa.array([], pa.int64()),
        }
    )


def anonymized_cube(
    con: duckdb.DuckDBPyConnection, table: str, reference_date: datetime
) -> pa.Table:
    """The cube of an anonymized table in ``con`` (missing columns count as unknown)."""
    present = {r[0] for r in con.sql(f'DESCRIBE "{table}"').fetchall()}
    cols = [c if c in present else f"NULL::VARCHAR AS {c}" for c in CUBE_COLUMNS]
    if "registered_month" in present:
        ref = reference_date.date().isoformat()
        # a month stands for its middle: the truncation's half-month bias cancels out
        month = "registered_month::DATE"
        reg = (
            f"(date_diff('day', {month}, DATE '{ref}') - "
            f"date_diff('day', {month}, {month} + INTERVAL 1 MONTH) / 2)::DOUBLE AS reg_days"
        )
    else:
        reg = "NULL::DOUBLE AS reg_days"
    rel = f'(SELECT {", ".join(cols)}, {reg} FROM "{table}")'
    return con.sql(_CUBE_SQL.format(rel=rel)).to_arrow_table()


def answers_of(cube: pa.Table) -> dict[str, Any]:
    con = duckdb.connect()
    con.register("cube", cube)
    has_reg = bool(pa.compute.sum(cube.column("reg_n")).as_py() or 0)
    return ask_all(con, has_registration=has_reg)


def _compare(qid: str, kind: str, raw: Any, anon: Any) -> dict[str, Any]:
    if raw is None or anon is None:
        return {"match": raw is None and anon is None, "note": "not answerable on this data"}
    if kind == "scalar":
        diff = anon - raw
        rel = abs(diff) / abs(raw) if raw else (0.0 if diff == 0 else math.inf)
        tol = RELATIVE_TOLERANCE.get(qid, 0.0)
        return {
            "difference": diff,
            "relative_error": rel,
            "match": rel <= tol if tol else diff == 0,
            "tolerance": tol,
        }
    if kind == "ranking":
        return {"match": raw == anon}
    keys = set(raw) | set(anon)
    diffs = {k: anon.get(k, 0) - raw.get(k, 0) for k in keys}
    total = sum(raw.values()) or 1
    return {
        "match": all(d == 0 for d in diffs.values()),
        "max_abs_difference": max((abs(d) for d in diffs.values()), default=0),
        "total_variation": sum(abs(d) for d in diffs.values()) / (2 * total),
    }


def rows_are(source: dict[str, Any] | None) -> str:
    """What a row of the dataset a source (its fingerprint) produced is: 'users' or 'events'."""
    return ROWS_ARE.get(str((source or {}).get("shape")), "users")


def not_users_report(meta: dict[str, Any]) -> dict[str, Any]:
    """The report of a dataset whose rows are not users: none of the built-in questions."""
    what = meta.get("rows_are", "events")
    return {
        "veil_report": 1,
        **meta,
        "questions": [],
        "all_match": None,
        "note": (
            f"The built-in questions are about users; this dataset holds {what}, one row "
            f"each, so they are not asked (a policy's own questions still are)."
        ),
    }


def build_report(
    anon_cube: pa.Table, raw_cube: pa.Table | None, *, meta: dict[str, Any]
) -> dict[str, Any]:
    """The report: every question answered on the anonymized cube (and raw, when given)."""
    anon = answers_of(anon_cube)
    raw = answers_of(raw_cube) if raw_cube is not None else None
    bands = [b for b in anon.get("age_groups", {}) if b != "(unknown)"]
    out = []
    for q in QUESTIONS:
        entry: dict[str, Any] = {
            "id": q.id,
            "title": q.title,
            "kind": q.kind,
            "unit": q.unit,
            "anonymized": anon[q.id],
        }
        if q.id == "gmail_users_over_60" and not over_60_is_exact(bands):
            entry["note"] = "approximate: an age band straddles 60/61"
        if raw is not None:
            entry["raw"] = raw[q.id]
            entry.update(_compare(q.id, q.kind, raw[q.id], anon[q.id]))
        out.append(entry)
    return {
        "veil_report": 1,
        **meta,
        "questions": out,
        "all_match": all(e.get("match", True) for e in out) if raw is not None else None,
    }
