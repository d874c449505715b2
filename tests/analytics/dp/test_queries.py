"""PrivateTable end to end on a real ledger: answers, intervals, charges and refusals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from veil.analytics.dp import BudgetExceededError, Ledger, mechanisms
from veil.analytics.dp.filters import FilterError, check_row_filter
from veil.analytics.dp.queries import Bounds, PrivateTable, QueryError


def _users(n: int = 5000, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "subject_id": [f"s{i}" for i in range(n)],
            "country": rng.choice(["DE", "FR", "US"], n, p=[0.2, 0.3, 0.5]),
            "city": rng.choice([f"c{i}" for i in range(40)], n),
            "age": rng.integers(18, 90, n),
            "days": rng.integers(0, 3000, n),
        }
    )


def _events(users: int = 800, seed: int = 2) -> pa.Table:
    rng = np.random.default_rng(seed)
    per_user = rng.geometric(0.1, users)
    subjects = np.repeat([f"s{i}" for i in range(users)], per_user)
    return pa.table(
        {
            "subject_id": subjects,
            "event_type": rng.choice(["view", "buy", "share"], len(subjects)),
            "amount": rng.integers(100, 10_000, len(subjects)),
        }
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    led = Ledger(f"sqlite:///{tmp_path / 'catalog.db'}")
    led.set_cap("ana", "users", 50.0, 1e-4, actor="admin", reason="test")
    led.set_cap("ana", "events", 50.0, 1e-4, actor="admin", reason="test")
    return led


def _table(table: pa.Table, ledger: Ledger, dataset: str = "users") -> PrivateTable:
    return PrivateTable.from_arrow(
        table, subject="subject_id", ledger=ledger, analyst="ana", dataset=dataset
    )


def test_answers_are_near_the_truth_and_charged_what_opendp_reports(ledger: Ledger) -> None:
    users = _users()
    t = _table(users, ledger)
    count = t.count(epsilon=1.0)
    assert abs(count.value - 5000) <= 20 and count.interval[0] <= count.value <= count.interval[1]
    assert count.cost.epsilon == 1.0 and count.mechanism == "discrete laplace"
    hist = t.histogram("country", ["DE", "FR", "US", "IT"], epsilon=1.0)
    truth = {
        k: int(v) for k, v in zip(*np.unique(users["country"], return_counts=True), strict=True)
    }
    for key in ("DE", "FR", "US"):
        assert abs(hist.value[key] - truth[key]) <= 20
    assert abs(hist.value["IT"]) <= 20  # a declared key nobody has is still released (noise)
    mean = t.mean("days", lower=0, upper=3650, by="country", domain=["DE", "FR"], epsilon=1.0)
    true_mean = float(np.mean(users["days"].to_numpy()))
    assert all(abs(v - true_mean) < 100 for v in mean.value.values())
    spent = ledger.budget("ana", "users")
    assert spent.spent_epsilon == pytest.approx(3.0)
    assert [c.query for c in ledger.charges("ana", "users")] == [
        "count by (all)",
        "count by country",
        "mean of days in [0, 3650] by country",
    ]


def test_unknown_keys_and_quantile(ledger: Ledger) -> None:
    t = _table(_users(), ledger)
    top = t.top_k("country", 2, epsilon=1.0, delta=1e-6)
    assert list(top.value) == ["US", "FR"] and top.cost.delta <= 1e-6
    cities = t.count(by="city", epsilon=1.0, delta=1e-6)
    assert 30 <= len(cities.value) <= 40  # ~125 users each: all clear the threshold
    median = t.quantile("age", 0.5, candidates=list(range(0, 121)), epsilon=1.0)
    assert 50 <= median.value <= 56 and median.interval["ranks"] > 0


def test_gaussian_noise_is_charged_in_rho(ledger: Ledger) -> None:
    t = _table(_users(), ledger)
    answer = t.count(by="country", domain=["DE", "FR", "US"], rho=0.5, noise="gaussian")
    assert answer.cost.rho == pytest.approx(0.5) and answer.cost.epsilon == 0
    assert ledger.budget("ana", "users").spent_rho == pytest.approx(0.5)
    via_eps = t.count(epsilon=1.0, delta=1e-6, noise="gaussian")
    assert via_eps.cost.rho > 0 and via_eps.mechanism == "discrete gaussian"


def test_events_are_bounded_per_subject(ledger: Ledger) -> None:
    events = _events()
    t = _table(events, ledger, "events")
    bounds = Bounds(max_groups=2, max_rows=3)
    hist = t.histogram("event_type", ["view", "buy", "share"], bounds=bounds, epsilon=5.0)
    # each of 800 users adds at most 2 groups × 3 rows
    assert sum(hist.value.values()) <= 800 * 6 + 30
    unbounded = events.num_rows
    assert sum(hist.value.values()) < unbounded
    total = t.sum("amount", lower=0, upper=10_000, bounds=Bounds(max_rows=5), epsilon=5.0)
    assert total.value <= 800 * 5 * 10_000


def test_refusal_comes_before_any_noise(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[Any] = []
    original = mechanisms.IntegerNoise.release

    def spy(self: Any, values: Any) -> Any:
        drawn.append(values)
        return original(self, values)

    monkeypatch.setattr(mechanisms.IntegerNoise, "release", spy)
    t = _table(_users(), ledger)
    with pytest.raises(BudgetExceededError, match="remaining ε=50"):
        t.count(epsilon=60.0)
    assert drawn == [] and ledger.charges("ana", "users") == []


def test_a_failing_query_charges_nothing(ledger: Ledger) -> None:
    t = _table(_users(), ledger)
    with pytest.raises(QueryError, match="converted"):
        t.sum("country", lower=0, upper=1, epsilon=1.0)
    with pytest.raises(QueryError, match="no column"):
        t.count(by="nope", domain=["a"], epsilon=1.0)
    assert ledger.charges("ana", "users") == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.count(), "needs epsilon"),
        (lambda t: t.count(noise="gaussian", epsilon=1.0), "rho, or epsilon and delta"),
        (lambda t: t.count(by="country", epsilon=1.0), "epsilon and delta"),
        (lambda t: t.sum("days", lower=10, upper=0, epsilon=1.0), "lower ≤ upper"),
        (lambda t: t.sum("days", lower=0, upper=9, by="country", epsilon=1.0), "domain"),
        (lambda t: t.histogram("country", ["DE", "DE"], epsilon=1.0), "twice"),
        (lambda t: t.quantile("age", 0.5, candidates=[3, 1], epsilon=1.0), "increasing"),
        (lambda t: t.top_k("country", 0, epsilon=1.0, delta=1e-6), "at least 1"),
    ],
)
def test_clear_errors(ledger: Ledger, call: Any, message: str) -> None:
    with pytest.raises(Exception, match=message):
        call(_table(_users(200), ledger))
    assert ledger.charges("ana", "users") == []


def test_subject_column_must_exist(ledger: Ledger) -> None:
    with pytest.raises(QueryError, match="subject column"):
        PrivateTable.from_arrow(
            _users(10), subject="who", ledger=ledger, analyst="ana", dataset="users"
        )


def test_skipping_bounding_changes_nothing(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    t = _table(_users(2000), ledger)
    domain = ["DE", "FR", "US"]
    value = "CAST(days AS BIGINT)"
    fast = t._aggregate("country", value, None, Bounds(), domain)
    assert not t._needs_bounding(Bounds(), grouped=True)  # one row per user
    monkeypatch.setattr(PrivateTable, "_needs_bounding", lambda self, bounds, grouped: True)
    assert t._aggregate("country", value, None, Bounds(), domain) == fast
    assert t._aggregate("country", None, None, Bounds(), domain) == {
        k: (0, n) for k, (_, n) in fast.items()
    }


def test_bounded_counts_respect_the_limits(ledger: Ledger) -> None:
    events = _events()
    t = _table(events, ledger, "events")
    per_pair = (
        pa.TableGroupBy(events, ["subject_id", "event_type"]).aggregate([([], "count_all")])
    )
    for groups, rows in [(1, 1), (2, 3), (3, 1000)]:
        found = t._aggregate("event_type", None, None, Bounds(groups, rows), None)
        total = sum(n for _, n in found.values())
        assert total <= 800 * groups * rows
        capped = sum(min(int(n), rows) for n in per_pair.column("count_all").to_pylist())
        if groups == 3:  # every group kept: exactly the per-pair counts capped at max_rows
            assert total == capped
        else:
            assert total < capped


def test_quantile_input_keeps_at_most_max_rows_per_subject(ledger: Ledger) -> None:
    events = _events()
    t = _table(events, ledger, "events")
    per_subject = pa.TableGroupBy(events, "subject_id").aggregate([([], "count_all")])
    sizes = per_subject.column("count_all").to_pylist()
    for rows in (1, 3):
        sql = t._bounded_values("amount", None, Bounds(max_rows=rows))
        [(kept,)] = t.con.sql(f"SELECT count(*) FROM ({sql})").fetchall()
        assert kept == sum(min(n, rows) for n in sizes)


# -- row filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        "age > 30 AND country = 'DE'",
        "age BETWEEN 20 AND 40 OR country IN ('FR', 'IT')",
        "lower(country) LIKE 'd%' AND CAST(age AS INTEGER) % 2 = 0",
        "CASE WHEN age > 60 THEN TRUE ELSE FALSE END",
    ],
)
def test_row_level_filters_are_accepted(where: str) -> None:
    assert check_row_filter(where) == where


@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("age > (SELECT avg(age) FROM t)", "subquery"),
        ("age IN (SELECT age FROM t WHERE country = 'DE')", "subquery"),
        ("EXISTS (SELECT 1 FROM read_csv('/etc/passwd'))", "subquery"),
        ("count(*) OVER () > 10", "window function"),
        ("sum(age) > 100", "aggregate sum()"),
        ("nextval('s') > 1", "nextval"),
        ("age > 1) GROUP BY (age", "one expression"),
        ("age > 1) UNION SELECT 1 FROM t WHERE (TRUE", "one expression"),
        ("age > 1; DROP TABLE t", "';'"),
        ("age > 1 -- )", "'--'"),
        ("age >", "not valid SQL"),
    ],
)
def test_filters_that_look_beyond_the_row_are_refused(where: str, named: str) -> None:
    with pytest.raises(FilterError, match=re.escape(named)):
        check_row_filter(where)


def test_a_query_refuses_a_filter_before_charging(ledger: Ledger) -> None:
    pt = _table(_users(200), ledger)
    with pytest.raises(FilterError, match="subquery"):
        pt.count(where="age > (SELECT avg(age) FROM veil_private)", epsilon=1.0)
    assert ledger.charges("ana", "users") == []
