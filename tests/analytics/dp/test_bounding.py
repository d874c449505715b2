"""The compiled bounding pass (``SubjectOrder``) against the SQL path and a plain-Python
reference, and the stability that the sensitivities rely on."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.analytics.dp.bounding import SubjectOrder
from veil.analytics.dp.queries import Bounds, PrivateTable

MASK = (1 << 64) - 1


class _Ledger:
    def charge(self, *_: Any, **__: Any) -> None:
        pass


def _events(seed: int, n: int = 3_000, subjects: int = 200, keys: int = 12) -> pa.Table:
    """Heavy-tailed rows per subject, some null subjects, keys and values."""
    rng = np.random.default_rng(seed)
    owner = rng.zipf(1.6, n) % subjects
    key = rng.integers(0, keys, n)
    value = rng.integers(-50, 400, n)
    return pa.table(
        {
            "subject_id": [None if o == 7 else f"u{o}" for o in owner],
            "g": [None if k == 3 else f"k{k}" for k in key],
            "x": [None if v % 17 == 0 else int(v) for v in value],
        }
    )


def _tables(table: pa.Table) -> tuple[PrivateTable, PrivateTable]:
    common: dict[str, Any] = {
        "subject": "subject_id",
        "ledger": _Ledger(),
        "analyst": "a",
        "dataset": "d",
    }
    sql = PrivateTable.from_arrow(table, subject_order="never", **common)
    fast = PrivateTable.from_arrow(table, subject_order="always", **common)
    return sql, fast


VALUE = "round(greatest(least(CAST(x AS DOUBLE), 300), 0))::BIGINT"


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    rows=st.integers(1, 6),
    with_value=st.booleans(),
    where=st.sampled_from([None, "x > 100", "g <> 'k1'"]),
    declared=st.booleans(),
)
def test_same_answer_as_sql_when_every_group_is_kept(
    seed: int, rows: int, with_value: bool, where: str | None, declared: bool
) -> None:
    """With room for every group of every subject, no choice is random: both paths must
    agree exactly (row caps, mean scaling, null values and keys, filters, domains)."""
    sql, fast = _tables(_events(seed))
    bounds = Bounds(max_groups=12, max_rows=rows)
    domain = ["k0", "k1", "k5", "k9", "nobody"] if declared else None
    value = VALUE if with_value else None
    for by, declared_keys in (("g", domain), (None, None)):
        expected = sql._aggregate(by, value, where, bounds, declared_keys)
        # the SQL path also lists a key whose rows all have null values, as (0, 0)
        expected = {k: tn for k, tn in expected.items() if tn != (0, 0)}
        assert fast._aggregate(by, value, where, bounds, declared_keys) == expected


def _reference(
    table: pa.Table, max_groups: int, max_rows: int, salt: int
) -> dict[str, tuple[int, int]]:
    """The bounding rule in plain Python, with DuckDB's hash of the subject as the kernel."""
    con = duckdb.connect()
    con.register("t", table)
    rows = con.sql(
        "SELECT hash(subject_id), CAST(g AS VARCHAR), "
        f"{VALUE} FROM t WHERE subject_id IS NOT NULL"
    ).fetchall()
    per: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for s, g, v in rows:
        if g is not None and v is not None:
            per[s][g].append(v)
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s, groups in per.items():
        ranked = sorted(groups, key=lambda g: _mix(s ^ salt ^ _key_hash(g)))
        for g in ranked[:max_groups]:
            values = groups[g]
            n = len(values)
            t = sum(values) if n <= max_rows else int(np.floor(sum(values) * max_rows / n + 0.5))
            out[g][0] += t
            out[g][1] += min(n, max_rows)
    return {g: (t, n) for g, (t, n) in out.items()}


def _mix(x: int) -> int:
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def _key_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _order(table: pa.Table) -> SubjectOrder:
    con = duckdb.connect()
    con.register("t", table)
    return SubjectOrder(
        lambda e: con.sql(f"SELECT {e} FROM t WHERE subject_id IS NOT NULL")
        .to_arrow_table()
        .column(0),
        "hash(subject_id)",
    )


@pytest.mark.parametrize("max_groups", [1, 2, 5])
def test_kernel_matches_the_rule_written_in_python(max_groups: int) -> None:
    table = _events(3)
    order = _order(table)
    salt = 0x1234_5678_9ABC_DEF
    got = order.aggregate(
        order.keys("CAST(g AS VARCHAR)"),
        None,
        order.array(VALUE, "value"),
        None,
        max_groups=max_groups,
        max_rows=3,
        salt=salt,
    )
    assert got == _reference(table, max_groups, 3, salt)


def test_removing_a_subject_changes_only_that_subjects_share() -> None:
    """Stability: the victim's rows come first and hold the only "k99" key, so removing
    them renumbers every key's dictionary code; the other subjects' choices must not move
    (ranks use the key's text, not its code), so the totals differ by at most the victim's
    bounded contribution: max_groups · max_rows rows."""
    rest = _events(11)
    victim = pa.table(
        {
            "subject_id": ["victim"] * 9,
            "g": ["k99", "k5", "k5", "k1", "k2", "k3", "k4", "k6", "k7"],
            "x": [10] * 9,
        }
    )
    with_victim = pa.concat_tables([victim, rest])
    bounds = {"max_groups": 2, "max_rows": 4, "salt": 99}
    one, other = _order(with_victim), _order(rest)
    a = one.aggregate(one.keys("CAST(g AS VARCHAR)"), None, None, None, **bounds)
    b = other.aggregate(other.keys("CAST(g AS VARCHAR)"), None, None, None, **bounds)
    diff = {k: a.get(k, (0, 0))[1] - b.get(k, (0, 0))[1] for k in set(a) | set(b)}
    assert all(d >= 0 for d in diff.values())
    assert 0 < sum(diff.values()) <= 2 * 4
    assert sum(1 for d in diff.values() if d) <= 2


def test_the_order_is_built_on_the_second_bounded_query() -> None:
    table = _events(5)
    pt = PrivateTable.from_arrow(
        table, subject="subject_id", ledger=_Ledger(), analyst="a", dataset="d"
    )
    bounds = Bounds(max_groups=2, max_rows=2)
    pt.count(by="g", domain=["k0", "k1"], bounds=bounds, epsilon=1.0)
    assert pt._order is None
    pt.count(by="g", domain=["k0", "k1"], bounds=bounds, epsilon=1.0)
    assert pt._order is not None and pt._order.rows == table.num_rows - sum(
        1 for s in table.column("subject_id").to_pylist() if s is None
    )


def test_an_empty_table() -> None:
    table = pa.table(
        {"subject_id": pa.array([], pa.string()), "g": pa.array([], pa.string())}
    )
    order = _order(table)
    assert order.aggregate(
        order.keys("CAST(g AS VARCHAR)"), ["a"], None, None, max_groups=1, max_rows=1, salt=1
    ) == {}
