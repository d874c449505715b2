"""The privacy-budget ledger: caps, composition, exact sums, atomic check-and-charge (threads
and processes, SQLite and PostgreSQL), history across resets, audit, and `veil budget`.

PostgreSQL tests (marked ``e2e``) use a fresh schema per test (the ``db_url`` and ``pg_url``
fixtures of tests/conftest.py); they are skipped when no server answers, and fail in CI.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import sqlite3
import stat
import threading
import uuid
from collections.abc import Iterator
from decimal import Context, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from veil.analytics.dp.ledger import (
    BudgetExceededError,
    Cost,
    Ledger,
    NoBudgetError,
    budgets,
    charges,
    epsilon_total,
)
from veil.audit import CatalogAuditLog
from veil.catalog.db import catalog_url, make_engine, write_transaction
from veil.cli.main import app
from veil.errors import ConfigError, VeilError

WORKERS = Path(__file__).parent


# -- backends (PostgreSQL: the `postgres` and `pg_url` fixtures of tests/conftest.py) ------


@pytest.fixture
def url(db_url: str) -> str:
    return db_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'catalog.db'}"


@pytest.fixture
def ledger(sqlite_url: str) -> Iterator[Ledger]:
    with Ledger(sqlite_url) as led:
        yield led


def _cap(led: Ledger, epsilon: float, delta: float = 0.0, who: str = "ana", ds: str = "users"):
    return led.set_cap(who, ds, epsilon, delta, actor="admin", reason="test")


def _charge(led: Ledger, cost: Cost, who: str = "ana", ds: str = "users", query: str = "count"):
    return led.charge(who, ds, cost, query=query, mechanism="test")


def _rows(url: str, table: sa.Table) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return int(n)


# -- Cost and caps ------------------------------------------------------------------------


def test_cost_validates_and_coerces() -> None:
    assert Cost(1, 0, 0) == Cost(epsilon=1.0)
    assert isinstance(Cost(epsilon=1).epsilon, float)
    for bad in (
        {"epsilon": -0.1},
        {"epsilon": math.nan},
        {"rho": math.inf},
        {"delta": 1.5},
        {"epsilon": True},
        {"epsilon": "1"},
    ):
        with pytest.raises(ConfigError):
            Cost(**bad)
    with pytest.raises(AttributeError):
        Cost().epsilon = 1.0  # type: ignore[misc]


def test_set_cap_creates_raises_and_lowers(ledger: Ledger) -> None:
    budget = _cap(ledger, 1.0, 1e-6)
    assert (budget.cap_epsilon, budget.cap_delta) == (1.0, 1e-6)
    assert (budget.epsilon_remaining, budget.delta_remaining, budget.resets) == (1.0, 1e-6, 0)
    _charge(ledger, Cost(epsilon=0.4))
    raised = _cap(ledger, 2.0, 1e-5)
    assert raised.spent_epsilon == 0.4 and raised.epsilon_remaining == 1.6
    assert raised.created == budget.created and raised.updated > budget.updated
    lowered = _cap(ledger, 0.25, 0.0)  # below what was spent: nothing left, nothing negative
    assert lowered.epsilon_spent == 0.4 and lowered.epsilon_remaining == 0.0
    with pytest.raises(BudgetExceededError):
        _charge(ledger, Cost())  # even a free query: the budget is already over its cap
    assert [(e.action, e.cap_epsilon) for e in ledger.events("ana", "users")] == [
        ("set", 1.0),
        ("set", 2.0),
        ("set", 0.25),
    ]


@pytest.mark.parametrize(
    ("epsilon", "delta", "actor", "reason"),
    [
        (-1.0, 0.0, "admin", "r"),
        (math.inf, 0.0, "admin", "r"),
        (1.0, 1.0, "admin", "r"),
        (1.0, -1e-9, "admin", "r"),
        (1.0, 0.0, "", "r"),
        (1.0, 0.0, "admin", " "),
    ],
)
def test_set_cap_refuses_bad_caps(
    ledger: Ledger, epsilon: float, delta: float, actor: str, reason: str
) -> None:
    with pytest.raises(ConfigError):
        ledger.set_cap("ana", "users", epsilon, delta, actor=actor, reason=reason)
    with pytest.raises(NoBudgetError):
        ledger.budget("ana", "users")


def test_charge_checks_its_arguments(ledger: Ledger) -> None:
    _cap(ledger, 1.0)
    for kwargs in (
        {"query": "", "mechanism": "m"},
        {"query": "x" * 1001, "mechanism": "m"},
        {"query": "line\nbreak", "mechanism": "m"},
        {"query": "q", "mechanism": ""},
    ):
        with pytest.raises(ConfigError):
            ledger.charge("ana", "users", Cost(epsilon=0.1), **kwargs)
    with pytest.raises(ConfigError):
        ledger.charge("ana", "users", 0.1, query="q", mechanism="m")  # type: ignore[arg-type]
    assert ledger.charges("ana", "users") == []


# -- composition --------------------------------------------------------------------------


def test_pure_epsilon_sums_are_exact(ledger: Ledger) -> None:
    """0.1 + 0.1 + 0.1 > 0.3 in floats; the ledger counts the decimals: three fit exactly."""
    assert 0.1 + 0.1 + 0.1 > 0.3
    _cap(ledger, 0.3)
    for _ in range(3):
        _charge(ledger, Cost(epsilon=0.1))
    budget = ledger.budget("ana", "users")
    assert budget.spent_epsilon == 0.3 and budget.epsilon_remaining == 0.0
    with pytest.raises(BudgetExceededError):
        _charge(ledger, Cost(epsilon=5e-324))  # the smallest float more is too much
    _cap(ledger, 1.0, who="ana", ds="ten")
    for _ in range(10):
        _charge(ledger, Cost(epsilon=0.1), ds="ten")
    assert ledger.budget("ana", "ten").epsilon_remaining == 0.0


def test_zcdp_conversion_by_hand(ledger: Ledger) -> None:
    _cap(ledger, 10.0, 1e-5)
    _charge(ledger, Cost(rho=0.01))
    expected = 0.01 + 2 * math.sqrt(0.01 * math.log(1 / 1e-5))
    assert ledger.budget("ana", "users").epsilon_spent == pytest.approx(expected, rel=1e-14)
    _charge(ledger, Cost(epsilon=0.2, delta=4e-6))  # an approximate-DP mechanism
    _charge(ledger, Cost(rho=0.02))
    budget = ledger.budget("ana", "users")
    left = 1e-5 - 4e-6
    expected = 0.2 + 0.03 + 2 * math.sqrt(0.03 * math.log(1 / left))
    assert (budget.spent_epsilon, budget.spent_delta, budget.spent_rho) == (0.2, 4e-6, 0.03)
    assert budget.epsilon_spent == pytest.approx(expected, rel=1e-14)
    assert budget.epsilon_spent >= expected * (1 - 1e-15)  # the bound is never rounded down
    assert budget.epsilon_remaining == pytest.approx(10.0 - expected, rel=1e-14)
    assert budget.delta_remaining == pytest.approx(6e-6, rel=1e-14)
    assert epsilon_total(Cost(0.2, 4e-6, 0.03), 1e-5) == budget.epsilon_spent
    assert epsilon_total(Cost(epsilon=0.7, delta=1e-6), 1e-6) == 0.7  # no ρ: Σε
    assert epsilon_total(Cost(rho=0.1, delta=1e-6), 1e-6) == math.inf  # ρ and no δ left


def test_delta_rules(ledger: Ledger) -> None:
    _cap(ledger, 10.0, 1e-6)
    _charge(ledger, Cost(epsilon=0.1, delta=5e-7))
    _charge(ledger, Cost(epsilon=0.1, delta=5e-7))  # Σδ = δ_cap: allowed without ρ
    with pytest.raises(BudgetExceededError, match="δ would reach"):
        _charge(ledger, Cost(delta=1e-12))
    with pytest.raises(BudgetExceededError, match="needs some δ left") as refused:
        _charge(ledger, Cost(rho=1e-9))  # ρ needs δ_left > 0 for its conversion
    assert math.isinf(refused.value.epsilon_after)
    _charge(ledger, Cost(epsilon=1.0))  # pure ε still fits
    _cap(ledger, 10.0, 0.0, ds="pure")
    _charge(ledger, Cost(epsilon=1.0), ds="pure")
    for cost in (Cost(rho=0.001), Cost(epsilon=0.1, delta=1e-9)):
        with pytest.raises(BudgetExceededError):
            _charge(ledger, cost, ds="pure")
    _cap(ledger, 10.0, 1e-5, ds="mixed")
    _charge(ledger, Cost(rho=0.001), ds="mixed")
    with pytest.raises(BudgetExceededError, match="needs some δ left"):
        _charge(ledger, Cost(delta=1e-5), ds="mixed")  # would leave the ρ part no δ


def test_refusal_says_what_is_left_and_writes_nothing(sqlite_url: str) -> None:
    with Ledger(sqlite_url) as led:
        _cap(led, 0.5, 1e-6)
        _charge(led, Cost(epsilon=0.45))
        before = led.budget("ana", "users")
        with pytest.raises(BudgetExceededError) as refused:
            _charge(led, Cost(epsilon=0.1, delta=2e-7))
        err = refused.value
        assert isinstance(err, VeilError) and err.exit_code == 6
        message = str(err)
        assert "remaining ε=0.05, δ=1e-06" in message  # exact: 0.5 − 0.45, not 0.04999…
        assert "ε=0.1, δ=2e-07, ρ=0.0" in message
        assert "ε would reach 0.55 > ε cap 0.5" in message
        assert (err.remaining_epsilon, err.remaining_delta) == (0.05, 1e-6)
        assert err.requested == Cost(epsilon=0.1, delta=2e-7)
        assert led.budget("ana", "users") == before
        assert len(led.charges("ana", "users")) == 1
    assert (_rows(sqlite_url, charges), _rows(sqlite_url, budgets)) == (1, 1)


def test_reset_keeps_history(ledger: Ledger) -> None:
    _cap(ledger, 1.0, 1e-6)
    first = [_charge(ledger, Cost(epsilon=0.5)) for _ in range(2)]
    with pytest.raises(BudgetExceededError):
        _charge(ledger, Cost(epsilon=0.1))
    budget = ledger.reset("ana", "users", actor="admin", reason="new quarter")
    assert (budget.spent_epsilon, budget.epsilon_remaining, budget.resets) == (0.0, 1.0, 1)
    after = _charge(ledger, Cost(epsilon=0.25))
    history = ledger.charges("ana", "users")
    assert [c.id for c in history] == [first[0].id, first[1].id, after.id]
    assert [(c.counted, c.generation) for c in history] == [(False, 0), (False, 0), (True, 1)]
    reset = ledger.events("ana", "users")[-1]
    assert (reset.action, reset.actor, reset.reason) == ("reset", "admin", "new quarter")
    assert (reset.spent_epsilon, reset.cap_epsilon) == (1.0, 1.0)
    counted = sum(Fraction(repr(c.epsilon)) for c in history if c.counted)
    assert float(counted) == ledger.budget("ana", "users").spent_epsilon


def test_unknown_pair_needs_an_admin(ledger: Ledger) -> None:
    _cap(ledger, 1.0)
    calls = (
        lambda: ledger.budget("bob", "users"),
        lambda: ledger.charges("ana", "events"),
        lambda: _charge(ledger, Cost(epsilon=0.1), who="bob"),
        lambda: ledger.reset("bob", "users", actor="admin", reason="r"),
    )
    for call in calls:
        with pytest.raises(NoBudgetError, match="veil budget set") as missing:
            call()
        assert isinstance(missing.value, ConfigError) and missing.value.exit_code == 2


def test_audit_records_admin_actions_and_charges_without_query_text(
    sqlite_url: str, tmp_path: Path
) -> None:
    audit = CatalogAuditLog(sqlite_url, bytes(range(32)))
    with Ledger(sqlite_url, audit=audit) as led:
        led.set_cap("ana", "users", 1.0, 1e-6, actor="root", reason="ticket 7")
        led.set_cap("ana", "users", 0.5, 1e-6, actor="root", reason="ticket 8")
        secret = "count where email = 'jane.doe@example.com' and city = 'Berlin'"
        charged = led.charge("ana", "users", Cost(epsilon=0.3), query=secret, mechanism="lap")
        with pytest.raises(BudgetExceededError):
            led.charge("ana", "users", Cost(epsilon=0.3), query=secret, mechanism="lap")
        led.reset("ana", "users", actor="root", reason="ticket 9")
        assert led.charges("ana", "users")[0].query == secret  # the ledger keeps it
    entries = [e.to_dict() for e in audit.entries()]
    assert audit.verify().ok
    assert [e["action"] for e in entries] == [
        "budget.set",
        "budget.set",
        "budget.charge",
        "budget.refused",
        "budget.reset",
    ]
    text = json.dumps(entries)
    assert "jane.doe" not in text and "Berlin" not in text
    audit.close()
    first, second, charge, refused, reset = entries
    assert first["actor"] == "root" and first["target"] == {"analyst": "ana", "dataset": "users"}
    assert first["details"] == {
        "reason": "ticket 7",
        "old": None,
        "new": {"epsilon": 1.0, "delta": 1e-6},
    }
    assert second["details"]["old"] == {"epsilon": 1.0, "delta": 1e-6}
    assert charge["actor"] == "ana"
    assert charge["details"]["charge"] == charged.id
    assert (charge["details"]["epsilon"], charge["details"]["mechanism"]) == (0.3, "lap")
    assert charge["details"]["query_ref"].startswith("sha256:")
    assert refused["details"]["epsilon_remaining"] == 0.2
    assert reset["details"]["spent_before"]["epsilon"] == 0.3
    assert reset["details"]["reason"] == "ticket 9"


# -- the database -------------------------------------------------------------------------


def test_catalog_url(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert catalog_url(ws, {"VEIL_DATABASE_URL": "postgresql://x@h/db"}) == "postgresql://x@h/db"
    assert not ws.exists()
    url = catalog_url(ws, {})
    assert url == f"sqlite:///{ws / 'catalog.db'}"
    assert stat.S_IMODE(ws.stat().st_mode) & 0o077 == 0
    make_engine(url).dispose()
    assert stat.S_IMODE((ws / "catalog.db").stat().st_mode) == 0o600
    pg = make_engine("postgres://u:secret@127.0.0.1:1/db")
    assert pg.dialect.name == "postgresql" and pg.dialect.driver == "psycopg"
    pg.dispose()


def test_sqlite_write_transaction_locks_before_reading(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    other = sqlite3.connect(tmp_path / "catalog.db", timeout=0, isolation_level=None)
    other.execute("CREATE TABLE t (x INTEGER)")
    with write_transaction(engine) as conn:
        conn.exec_driver_sql("SELECT 1")  # nothing written yet: the write lock is held anyway
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        assert other.execute("SELECT count(*) FROM t").fetchone() == (0,)  # WAL: readers go on
    other.execute("BEGIN IMMEDIATE")  # released at commit
    other.execute("ROLLBACK")
    with engine.connect() as conn, conn.begin():  # a plain transaction does not take it
        conn.exec_driver_sql("SELECT 1")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()
    engine.dispose()


def test_ledger_repr_hides_the_password() -> None:
    led = Ledger.__new__(Ledger)
    led._engine = make_engine("postgresql+psycopg://u:secret@127.0.0.1:1/db")
    assert "secret" not in repr(led) and "***" in repr(led)
    led.close()


# -- atomicity ----------------------------------------------------------------------------

N_FIT = 37  # the cap fits exactly 37 charges of ε = 0.1 (in floats 37 × 0.1 > 3.7)


def _race(ledgers: list[Ledger], attempts: int) -> tuple[int, int, list[BaseException]]:
    """``attempts`` threads, each charging ε = 0.1 once through ``ledgers[i % len]``."""
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        barrier.wait(timeout=60)
        try:
            _charge(ledgers[i % len(ledgers)], Cost(epsilon=0.1), query=f"count #{i}")
            result = "ok"
        except BudgetExceededError:
            result = "refused"
        except BaseException as exc:
            with lock:
                errors.append(exc)
            return
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes.count("ok"), outcomes.count("refused"), errors


def _assert_exactly_filled(led: Ledger, charged: int, refused: int, attempts: int) -> None:
    assert (charged, refused) == (N_FIT, attempts - N_FIT)
    budget = led.budget("ana", "users")
    assert budget.spent_epsilon == 3.7 and budget.epsilon_spent <= budget.cap_epsilon
    assert budget.epsilon_remaining == 0.0
    assert len(led.charges("ana", "users")) == N_FIT


def test_concurrent_threads_share_a_ledger(url: str) -> None:
    with Ledger(url) as led:
        _cap(led, 3.7)
        charged, refused, errors = _race([led], 100)
        assert errors == []
        _assert_exactly_filled(led, charged, refused, 100)


def test_concurrent_threads_with_their_own_ledgers(url: str) -> None:
    # PostgreSQL allows 100 connections by default (some are taken): 50 ledgers there
    attempts = 100 if url.startswith("sqlite") else 50
    with Ledger(url) as led:
        _cap(led, 3.7)
        own = [Ledger(url) for _ in range(attempts)]
        try:
            charged, refused, errors = _race(own, attempts)
        finally:
            for other in own:
                other.close()
        assert errors == []
        _assert_exactly_filled(led, charged, refused, attempts)


PROCESSES, PER_PROCESS = 8, 10


@pytest.fixture(scope="module")
def process_pool() -> Iterator[Any]:
    """8 spawned processes, started once for both backends, sharing one (reusable) barrier."""
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(WORKERS))  # spawned children inherit sys.path
    import ledger_workers

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    pool = ctx.Pool(PROCESSES, initializer=ledger_workers.init, initargs=(barrier,))
    try:
        yield pool, ledger_workers
    finally:
        pool.terminate()
        pool.join()
        mp.undo()


@pytest.mark.slow
def test_concurrent_processes(url: str, process_pool: Any) -> None:
    pool, workers = process_pool
    with Ledger(url) as led:
        _cap(led, 3.7)
        args = (url, "ana", "users", PER_PROCESS, 0.1)
        # one task per process: each blocks on the barrier until all eight have started
        pending = [pool.apply_async(workers.charge_many, args) for _ in range(PROCESSES)]
        outcomes = [p.get(timeout=120) for p in pending]
        charged = sum(o[0] for o in outcomes)
        refused = sum(o[1] for o in outcomes)
        _assert_exactly_filled(led, charged, refused, PROCESSES * PER_PROCESS)


# -- property: never over the cap, never refused below it ---------------------------------

_PURE = st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1.0]) | st.floats(0, 1)
_RHO = st.sampled_from([0.001, 0.01, 0.05]) | st.floats(0, 0.1)
_DELTA = st.sampled_from([1e-7, 2.5e-7, 5e-7, 1e-6]) | st.floats(0, 1e-5)
_COSTS = st.one_of(
    st.builds(Cost, epsilon=_PURE),
    st.builds(Cost, rho=_RHO),
    st.builds(Cost, epsilon=_PURE, delta=_DELTA),
)
_ORACLE = Context(prec=80)


def _dec(f: Fraction) -> Decimal:
    return _ORACLE.divide(Decimal(f.numerator), Decimal(f.denominator))


def _over(after: list[Fraction], cap_e: Fraction, cap_d: Fraction) -> tuple[bool, bool]:
    """(the oracle's verdict that ``after`` exceeds the cap, whether it is within 10⁻⁴⁰ of
    it), computed apart from the ledger's code: exact fractions, else 80 digits."""
    eps, delta, rho = after
    if delta > cap_d:
        return True, False
    if rho == 0:
        return eps > cap_e, False
    if delta == cap_d:
        return True, False
    log = _ORACLE.ln(_ORACLE.divide(1, _dec(cap_d - delta)))
    conv = _dec(rho) + 2 * _ORACLE.sqrt(_ORACLE.multiply(_dec(rho), log))
    total, cap = _ORACLE.add(_dec(eps), conv), _dec(cap_e)
    return total > cap, abs(total - cap) <= cap * Decimal("1e-40")


@pytest.fixture(scope="module")
def shared_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    path = tmp_path_factory.mktemp("ledger") / "catalog.db"
    with Ledger(f"sqlite:///{path}") as led:
        yield led


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cap_epsilon=st.sampled_from([0.3, 0.5, 1.0, 2.0]) | st.floats(0, 3),
    cap_delta=st.sampled_from([0.0, 1e-6, 1e-5]) | st.floats(0, 1e-4),
    costs=st.lists(_COSTS, max_size=15),
)
def test_never_over_the_cap_and_never_refused_under_it(
    shared_ledger: Ledger, cap_epsilon: float, cap_delta: float, costs: list[Cost]
) -> None:
    analyst = uuid.uuid4().hex
    shared_ledger.set_cap(analyst, "d", cap_epsilon, cap_delta, actor="t", reason="property")
    cap_e, cap_d = Fraction(repr(cap_epsilon)), Fraction(repr(cap_delta))
    spent = [Fraction(0)] * 3
    for cost in costs:
        amounts = (cost.epsilon, cost.delta, cost.rho)
        after = [s + Fraction(repr(x)) for s, x in zip(spent, amounts, strict=True)]
        over, near = _over(after, cap_e, cap_d)
        try:
            shared_ledger.charge(analyst, "d", cost, query="q", mechanism="m")
        except BudgetExceededError:
            assert over or near, f"{cost} refused with {after} under the cap"
            event("refused" + (" (ρ)" if cost.rho else ""))
            continue
        assert not over, f"{cost} charged with {after} over the cap"
        event("charged" + (" (ρ)" if cost.rho else ""))
        spent = after
    budget = shared_ledger.budget(analyst, "d")
    assert (budget.spent_epsilon, budget.spent_delta, budget.spent_rho) == tuple(map(float, spent))
    assert budget.epsilon_spent <= budget.cap_epsilon and budget.spent_delta <= budget.cap_delta


# -- the command line ---------------------------------------------------------------------


class Veil:
    """``veil`` in-process (the pattern of tests/cli/conftest.py)."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.runner = CliRunner()
        self.env = {"VEIL_ACTOR": "admin-alex", "COLUMNS": "200", "VEIL_DATABASE_URL": ""}

    def __call__(self, *args: str, code: int = 0) -> Any:
        argv = [*args, "--workspace", str(self.workspace)]
        result = self.runner.invoke(app, argv, env=self.env, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result


@pytest.fixture
def veil(tmp_path: Path) -> Veil:
    return Veil(tmp_path / "ws")


def test_cli_set_show_reset(veil: Veil) -> None:
    result = veil(
        "budget", "set", "ana", "users", "--epsilon", "1", "--delta", "1e-6", "--reason", "q3"
    )
    assert "cap ε=1.0, δ=1e-06 (new budget)" in result.output
    result = veil(
        "budget", "set", "ana", "users", "--epsilon", "2", "--delta", "1e-6", "--reason", "more"
    )
    assert "was ε=1.0, δ=1e-06" in result.output
    url = catalog_url(veil.workspace, {})
    with Ledger(url) as led:
        _charge(led, Cost(epsilon=0.25), query="count by city")
        _charge(led, Cost(rho=0.01), query="sum of amount")
    shown = veil("budget", "show", "ana", "users").output
    for text in ("cap", "remaining", "count by city", "sum of amount", "admin-alex", "more"):
        assert text in shown
    doc = json.loads(veil("budget", "show", "ana", "users", "--json").stdout)
    assert doc["cap"] == {"epsilon": 2.0, "delta": 1e-6}
    assert doc["spent"]["epsilon"] == 0.25 and doc["spent"]["rho"] == 0.01
    assert doc["remaining"]["epsilon"] == pytest.approx(2.0 - doc["spent"]["epsilon_total"])
    assert [c["query"] for c in doc["charges"]] == ["count by city", "sum of amount"]
    assert [e["action"] for e in doc["events"]] == ["set", "set"]
    result = veil("budget", "reset", "ana", "users", "--reason", "new quarter")
    assert "the charges stay in the history" in result.output
    doc = json.loads(veil("budget", "show", "ana", "users", "--json").stdout)
    assert doc["spent"]["epsilon_total"] == 0.0 and doc["resets"] == 1
    assert [c["counted"] for c in doc["charges"]] == [False, False]
    with CatalogAuditLog(url) as log:
        audit = log.entries()
    assert [(e.action, e.actor) for e in audit] == [
        ("budget.set", "admin-alex"),
        ("budget.set", "admin-alex"),
        ("budget.reset", "admin-alex"),
    ]


def test_cli_errors(veil: Veil) -> None:
    result = veil("budget", "show", "bob", "users", code=2)
    assert "no privacy budget" in result.output and "veil budget set bob users" in result.output
    result = veil("budget", "set", "ana", "users", "--epsilon", "1", "--delta", "0", code=2)
    assert "needs --reason" in result.output
    result = veil(
        "budget", "set", "ana", "users", "--epsilon", "1", "--delta", "1", "--reason", "r", code=2
    )
    assert "δ cap must be < 1" in result.output
    veil("budget", "set", "ana", "users", "--epsilon", "1", "--delta", "0", "--reason", "r")
    result = veil("budget", "reset", "ana", "users", code=2)
    assert "needs --reason" in result.output
    veil("budget", "reset", "bob", "users", "--reason", "r", code=2)


def test_cli_uses_veil_database_url(veil: Veil, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.db"
    veil.env["VEIL_DATABASE_URL"] = f"sqlite:///{other}"
    veil("budget", "set", "ana", "users", "--epsilon", "1", "--delta", "0", "--reason", "r")
    assert other.exists() and not (veil.workspace / "catalog.db").exists()


def test_budgets_of_lists_one_analysts_budgets_by_dataset(ledger: Ledger) -> None:
    assert ledger.budgets_of("ana") == []
    _cap(ledger, 1.0, ds="users")
    _cap(ledger, 2.0, ds="events")
    _cap(ledger, 3.0, who="bob", ds="users")
    _charge(ledger, Cost(epsilon=0.25), ds="events")
    found = ledger.budgets_of("ana")
    assert [(b.dataset, b.cap_epsilon) for b in found] == [("events", 2.0), ("users", 1.0)]
    assert found[0].spent_epsilon == 0.25
