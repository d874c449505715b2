"""The privacy-budget ledger: what each analyst may still spend on each dataset.

An admin gives each (analyst, dataset) pair a **cap** (ε_cap, δ_cap) (:meth:`Ledger.set_cap`,
``veil budget set``). Every differentially private query is **charged** before its noise is
drawn (:meth:`Ledger.charge`): in one transaction the budget row is locked, the query's
:class:`Cost` is added to what was spent, the total is checked against the cap, and the charge
is recorded; a query that would overspend is refused with :class:`BudgetExceededError` and
nothing is written. The caller draws noise only after ``charge`` returned.

**Composition.** Three sums are kept per pair:

- Σε, the ε of pure ε-DP mechanisms and the ε part of (ε, δ)-DP ones: ε's add under basic
  composition (Dwork, McSherry, Nissim & Smith 2006; Dwork & Roth 2014, Theorem 3.16);
- Σδ, the δ of approximate (ε, δ)-DP mechanisms (Laplace threshold): δ's add under the same
  theorem;
- Σρ, the ρ of ρ-zCDP mechanisms (Gaussian): ρ's add (Bun & Steinke 2016, "Concentrated
  Differential Privacy: Simplifications, Extensions, and Lower Bounds", Lemma 2.3).

The total is stated as (ε, δ) against the cap. With δ_left = δ_cap − Σδ:

- if Σρ > 0: the zCDP part is converted with all of the δ that is left, ρ-zCDP ⇒
  (ρ + 2·sqrt(ρ·ln(1/δ)), δ)-DP (Bun & Steinke 2016, Proposition 1.3), so it needs δ_left > 0,
  and ε_total = Σε + Σρ + 2·sqrt(Σρ·ln(1/δ_left)), δ_total = δ_cap;
- else ε_total = Σε and δ_total = Σδ, which must stay ≤ δ_cap.

A charge is allowed iff, after adding it, ε_total ≤ ε_cap and the δ condition holds. (Keeping
pure ε apart from ρ is conservative: converting ε-DP to ε²/2-zCDP first is sometimes tighter.)

**Exact arithmetic, no tolerance.** Amounts are floats at the API, but the ledger accounts
each one as the decimal number it is written as (the shortest ``repr`` of the float, which
reads back as the same float) and sums them with :class:`decimal.Decimal` at 200 digits,
stored exactly (NUMERIC on PostgreSQL, the decimal's text on SQLite, whose NUMERIC is a
float). So ten charges of ε = 0.1 fill a cap of 1.0 exactly, and three fill 0.3 (in float
arithmetic 0.1 + 0.1 + 0.1 > 0.3, which would refuse the third), and no ``1e-12`` slack can
let an overspend through. A sum that would need more than 200 digits (amounts some 180 orders
of magnitude apart) is rounded *up*. The comparison itself is exact. Only the zCDP conversion
is irrational (sqrt, ln): it is computed at 60 digits and then raised by a relative 10⁻⁴⁵,
more than its rounding error, so the bound used is never below the true one; a ρ charge whose
true total is within 10⁻⁴⁵ (relative) under the cap may be refused, never one above it let
through.

**Atomicity.** :func:`veil.catalog.db.write_transaction`: on SQLite the transaction starts
with ``BEGIN IMMEDIATE`` (the write lock is held before the budget is read); on PostgreSQL the
budget row is read with ``SELECT … FOR UPDATE``. Either way two concurrent charges (threads,
processes, servers) never both see the same spent amount: the second waits and sees the first.

**History.** Charges are never deleted or changed. A reset (:meth:`Ledger.reset`) sets the
spent sums to zero and starts a new *generation*; charges keep the generation they were made
in, and ``budget_events`` records every cap change and reset (who, when, why, the cap, and what
had been spent). With an :class:`~veil.audit.AuditLog`, caps, resets, charges and refusals are
audited too (amounts, mechanism, a hash of the query description; never the description, which
may quote a filter).
"""

from __future__ import annotations

import hashlib
import math
import numbers
import shlex
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Context, Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Dialect,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import NUMERIC
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator, TypeEngine

from veil.audit import AuditLog
from veil.catalog.db import CatalogClient, as_utc, metadata, write_transaction
from veil.errors import ConfigError, VeilError

MAX_NAME = 200
MAX_QUERY = 1000
_SUM = Context(prec=200, rounding=ROUND_CEILING)  # exact in practice; otherwise rounded up
_CONVERSION = Context(prec=60)
_CONVERSION_MARGIN = Decimal("1e-45")
_ZERO = Decimal(0)


class _Amount(TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC on PostgreSQL, the decimal's text elsewhere (SQLite)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(NUMERIC())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only

budgets = Table(
    "budgets",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("analyst", String(MAX_NAME), nullable=False),
    Column("dataset", String(MAX_NAME), nullable=False),
    Column("cap_epsilon", _Amount(), nullable=False),
    Column("cap_delta", _Amount(), nullable=False),
    Column("spent_epsilon", _Amount(), nullable=False),  # Σ ε
    Column("spent_delta", _Amount(), nullable=False),  # Σ δ of approximate-DP mechanisms
    Column("spent_rho", _Amount(), nullable=False),  # Σ ρ (zCDP)
    Column("generation", Integer, nullable=False),  # resets so far
    Column("created", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
    UniqueConstraint("analyst", "dataset", name="uq_budgets_analyst_dataset"),
)
charges = Table(
    "charges",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("analyst", String(MAX_NAME), nullable=False),
    Column("dataset", String(MAX_NAME), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("query", Text, nullable=False),  # the caller's description, never data values
    Column("epsilon", _Amount(), nullable=False),
    Column("delta", _Amount(), nullable=False),
    Column("rho", _Amount(), nullable=False),
    Column("mechanism", String(MAX_NAME), nullable=False),
    Column("generation", Integer, nullable=False),  # the budget's generation when charged
    Index("ix_charges_analyst_dataset", "analyst", "dataset", "id"),
)
budget_events = Table(
    "budget_events",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("analyst", String(MAX_NAME), nullable=False),
    Column("dataset", String(MAX_NAME), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(16), nullable=False),  # "set" or "reset"
    Column("actor", String(MAX_NAME), nullable=False),
    Column("reason", Text, nullable=False),
    Column("cap_epsilon", _Amount(), nullable=False),  # the cap after the action
    Column("cap_delta", _Amount(), nullable=False),
    Column("spent_epsilon", _Amount(), nullable=False),  # what was spent before the action
    Column("spent_delta", _Amount(), nullable=False),
    Column("spent_rho", _Amount(), nullable=False),
    Index("ix_budget_events_analyst_dataset", "analyst", "dataset", "id"),
)
TABLES = (budgets, charges, budget_events)


# -- errors -------------------------------------------------------------------------------


class NoBudgetError(ConfigError):
    """No cap was set for this (analyst, dataset): nothing may be charged to it."""

    def __init__(self, analyst: str, dataset: str) -> None:
        self.analyst = analyst
        self.dataset = dataset
        super().__init__(
            f"no privacy budget for analyst {analyst!r} on dataset {dataset!r}: an admin must "
            f"set a cap first with `veil budget set {shlex.quote(analyst)} "
            f"{shlex.quote(dataset)} --epsilon E --delta D --reason TEXT`"
        )


class BudgetExceededError(VeilError):
    """A charge would take the budget over its cap; nothing was charged.

    ``requested`` is the refused :class:`Cost`; ``remaining_epsilon`` / ``remaining_delta``
    what is left (ε for pure-ε queries); ``epsilon_after`` the total the charge would have
    reached (``inf`` when a ρ charge finds no δ left for the conversion).
    """

    exit_code = 6

    def __init__(
        self, budget: Budget, requested: Cost, epsilon_after: float, delta_after: float
    ) -> None:
        self.analyst = budget.analyst
        self.dataset = budget.dataset
        self.requested = requested
        self.remaining_epsilon = budget.epsilon_remaining
        self.remaining_delta = budget.delta_remaining
        self.cap_epsilon = budget.cap_epsilon
        self.cap_delta = budget.cap_delta
        self.epsilon_after = epsilon_after
        if delta_after > budget.cap_delta:
            why = f"δ would reach {_fmt(delta_after)} > δ cap {_fmt(budget.cap_delta)}"
        elif math.isinf(epsilon_after):
            why = "its ρ needs some δ left to convert to (ε, δ), and none is"
        else:
            why = f"ε would reach {_fmt(epsilon_after)} > ε cap {_fmt(budget.cap_epsilon)}"
        super().__init__(
            f"privacy budget exceeded for analyst {budget.analyst!r} on dataset "
            f"{budget.dataset!r}: the query costs {requested.describe()} ({why}); remaining "
            f"ε={_fmt(budget.epsilon_remaining)}, δ={_fmt(budget.delta_remaining)} of the cap "
            f"ε={_fmt(budget.cap_epsilon)}, δ={_fmt(budget.cap_delta)}. Nothing was charged; "
            "ask a cheaper query, or an admin to raise the cap (`veil budget set`)"
        )


# -- values -------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return "∞" if math.isinf(value) else repr(float(value))


def _check_amount(name: str, value: Any, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{name} must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (upper is not None and number > upper):
        bound = f" and ≤ {upper!r}" if upper is not None else ""
        raise ConfigError(f"{name} must be finite and ≥ 0{bound}, not {number!r}")
    return number


@dataclass(frozen=True)
class Cost:
    """What one query spends: ε (pure or approximate DP), δ (approximate DP), ρ (zCDP)."""

    epsilon: float = 0.0
    delta: float = 0.0
    rho: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "epsilon", _check_amount("epsilon", self.epsilon))
        object.__setattr__(self, "delta", _check_amount("delta", self.delta, 1.0))
        object.__setattr__(self, "rho", _check_amount("rho", self.rho))

    def describe(self) -> str:
        return f"ε={_fmt(self.epsilon)}, δ={_fmt(self.delta)}, ρ={_fmt(self.rho)}"


def _dec(value: float) -> Decimal:
    """The decimal a float is written as (its shortest repr, which reads back as it)."""
    return Decimal(repr(float(value)))


def _epsilon_total(eps: Decimal, delta: Decimal, rho: Decimal, cap_delta: Decimal) -> Decimal:
    """ε_total per the module docstring; ``Infinity`` when ρ > 0 and no δ is left."""
    if rho == 0:
        return eps
    left = _SUM.subtract(cap_delta, delta)
    if left <= 0:
        return Decimal("Infinity")
    c = _CONVERSION
    root = c.sqrt(c.multiply(rho, c.minus(c.ln(left))))  # sqrt(ρ·ln(1/δ_left))
    converted = c.add(rho, c.multiply(2, root))
    upper = _SUM.multiply(converted, 1 + _CONVERSION_MARGIN)  # ≥ the true value
    return _SUM.add(eps, upper)


def epsilon_total(spent: Cost, cap_delta: float) -> float:
    """The ε that ``spent`` (sums of ε, δ, ρ) amounts to against a δ cap of ``cap_delta``:
    Σε + Σρ + 2·sqrt(Σρ·ln(1/(δ_cap − Σδ))) with ρ, else Σε; ``inf`` if no δ is left."""
    return float(
        _epsilon_total(_dec(spent.epsilon), _dec(spent.delta), _dec(spent.rho), _dec(cap_delta))
    )


def _name(value: Any, what: str, limit: int = MAX_NAME) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} must be a non-empty text")
    if len(value) > limit:
        raise ConfigError(f"{what} is {len(value)} characters long; at most {limit} are allowed")
    if any(ord(ch) < 32 for ch in value):
        raise ConfigError(f"{what} must not contain control characters (line breaks, tabs)")
    return value


def _now() -> datetime:
    return datetime.now(UTC)


def _query_ref(query: str) -> str:
    return "sha256:" + hashlib.sha256(query.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Budget:
    """One (analyst, dataset) budget: its cap, what was spent, what is left.

    ``spent_*`` are the sums since the last reset; ``epsilon_spent`` is their total as ε (see
    the module docstring; ``inf`` when ρ was spent and no δ is left); ``epsilon_remaining`` is
    what a pure-ε query may still spend, ``delta_remaining`` what an approximate one may.
    """

    analyst: str
    dataset: str
    cap_epsilon: float
    cap_delta: float
    spent_epsilon: float
    spent_delta: float
    spent_rho: float
    epsilon_spent: float
    epsilon_remaining: float
    delta_remaining: float
    resets: int
    created: datetime
    updated: datetime

    @property
    def spent(self) -> Cost:
        return Cost(self.spent_epsilon, self.spent_delta, self.spent_rho)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (an infinite ``epsilon_spent`` becomes ``None``)."""
        spent = None if math.isinf(self.epsilon_spent) else self.epsilon_spent
        return {
            "analyst": self.analyst,
            "dataset": self.dataset,
            "cap": {"epsilon": self.cap_epsilon, "delta": self.cap_delta},
            "spent": {
                "epsilon": self.spent_epsilon,
                "delta": self.spent_delta,
                "rho": self.spent_rho,
                "epsilon_total": spent,
            },
            "remaining": {"epsilon": self.epsilon_remaining, "delta": self.delta_remaining},
            "resets": self.resets,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
        }


def _budget(row: Any) -> Budget:
    total = _epsilon_total(row.spent_epsilon, row.spent_delta, row.spent_rho, row.cap_delta)
    return Budget(
        analyst=row.analyst,
        dataset=row.dataset,
        cap_epsilon=float(row.cap_epsilon),
        cap_delta=float(row.cap_delta),
        spent_epsilon=float(row.spent_epsilon),
        spent_delta=float(row.spent_delta),
        spent_rho=float(row.spent_rho),
        epsilon_spent=float(total),
        epsilon_remaining=float(max(_ZERO, _SUM.subtract(row.cap_epsilon, total))),
        delta_remaining=float(max(_ZERO, _SUM.subtract(row.cap_delta, row.spent_delta))),
        resets=int(row.generation),
        created=as_utc(row.created),
        updated=as_utc(row.updated),
    )


@dataclass(frozen=True)
class Charge:
    """One recorded charge. ``counted`` is false for charges made before the last reset."""

    id: int
    analyst: str
    dataset: str
    at: datetime
    query: str
    mechanism: str
    epsilon: float
    delta: float
    rho: float
    generation: int
    counted: bool

    @property
    def cost(self) -> Cost:
        return Cost(self.epsilon, self.delta, self.rho)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


def _fields(row: Any) -> dict[str, Any]:
    """A row as plain values: amounts as floats, times in UTC, ids as ints."""
    out: dict[str, Any] = {}
    for key, value in row._mapping.items():
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, datetime):
            value = as_utc(value)
        out[key] = int(value) if key in ("id", "generation") else value
    return out


def _charge(row: Any, generation: int) -> Charge:
    return Charge(**_fields(row), counted=int(row.generation) == generation)


@dataclass(frozen=True)
class BudgetEvent:
    """An admin action on a budget: ``set`` (with the cap after it) or ``reset``; ``spent_*``
    are the sums just before the action (what a reset cleared)."""

    id: int
    analyst: str
    dataset: str
    at: datetime
    action: str
    actor: str
    reason: str
    cap_epsilon: float
    cap_delta: float
    spent_epsilon: float
    spent_delta: float
    spent_rho: float

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


# -- the ledger ---------------------------------------------------------------------------


class Ledger(CatalogClient):
    """Privacy budgets per (analyst, dataset) in the catalog database at ``url``.

    Thread-safe; any number of ledgers (threads, processes, servers) may share a database.
    """

    def __init__(self, url: str, audit: AuditLog | None = None) -> None:
        super().__init__(url)
        self._audit = audit

    # -- internals ------------------------------------------------------------------------

    @staticmethod
    def _row(conn: Connection, analyst: str, dataset: str, *, lock: bool) -> Any:
        query = select(budgets).where(budgets.c.analyst == analyst, budgets.c.dataset == dataset)
        if lock:  # PostgreSQL: a row lock; SQLite: BEGIN IMMEDIATE already holds the lock
            query = query.with_for_update()
        return conn.execute(query).first()

    def _record(
        self, action: str, actor: str, analyst: str, dataset: str, details: dict[str, Any]
    ) -> None:
        if self._audit is not None:
            self._audit.record(action, actor, {"analyst": analyst, "dataset": dataset}, details)

    @staticmethod
    def _event(
        conn: Connection, row: Any, action: str, actor: str, reason: str, at: datetime
    ) -> None:
        conn.execute(
            insert(budget_events).values(
                analyst=row.analyst,
                dataset=row.dataset,
                at=at,
                action=action,
                actor=actor,
                reason=reason,
                cap_epsilon=row.cap_epsilon,
                cap_delta=row.cap_delta,
                spent_epsilon=row.spent_epsilon,
                spent_delta=row.spent_delta,
                spent_rho=row.spent_rho,
            )
        )

    # -- admin ----------------------------------------------------------------------------

    def set_cap(
        self,
        analyst: str,
        dataset: str,
        epsilon: float,
        delta: float,
        *,
        actor: str,
        reason: str,
    ) -> Budget:
        """Create the budget with this cap, or raise or lower its cap (spent is kept; a cap
        lowered under what was spent leaves nothing to spend). An audited admin action."""
        _name(analyst, "the analyst")
        _name(dataset, "the dataset")
        _name(actor, "the actor")
        _name(reason, "the reason", MAX_QUERY)
        cap_eps = _dec(_check_amount("the ε cap", epsilon))
        cap_delta = _dec(_check_amount("the δ cap", delta))
        if cap_delta >= 1:
            raise ConfigError(f"the δ cap must be < 1, not {delta!r} (δ is a probability)")
        for attempt in range(2):  # PostgreSQL: a concurrent first set_cap may win the insert
            try:
                old, row = self._set_cap(analyst, dataset, cap_eps, cap_delta, actor, reason)
                break
            except IntegrityError:
                if attempt:
                    raise
        old_cap = None if old is None else {"epsilon": old[0], "delta": old[1]}
        new_cap = {"epsilon": float(cap_eps), "delta": float(cap_delta)}
        details = {"reason": reason, "old": old_cap, "new": new_cap}
        self._record("budget.set", actor, analyst, dataset, details)
        return _budget(row)

    def _set_cap(
        self,
        analyst: str,
        dataset: str,
        cap_eps: Decimal,
        cap_delta: Decimal,
        actor: str,
        reason: str,
    ) -> tuple[tuple[float, float] | None, Any]:
        now = _now()
        with write_transaction(self._engine) as conn:
            row = self._row(conn, analyst, dataset, lock=True)
            caps = {"cap_epsilon": cap_eps, "cap_delta": cap_delta, "updated": now}
            if row is None:
                old = None
                zero = {"spent_epsilon": _ZERO, "spent_delta": _ZERO, "spent_rho": _ZERO}
                conn.execute(
                    insert(budgets).values(
                        analyst=analyst, dataset=dataset, generation=0, created=now, **zero, **caps
                    )
                )
            else:
                old = (float(row.cap_epsilon), float(row.cap_delta))
                conn.execute(update(budgets).where(budgets.c.id == row.id).values(**caps))
            row = self._row(conn, analyst, dataset, lock=False)
            self._event(conn, row, "set", actor, reason, now)
        return old, row

    def reset(self, analyst: str, dataset: str, *, actor: str, reason: str) -> Budget:
        """Set what was spent back to zero. The charges stay in the history (with their
        generation; :attr:`Charge.counted` becomes false) and the reset is recorded."""
        _name(actor, "the actor")
        _name(reason, "the reason", MAX_QUERY)
        now = _now()
        with write_transaction(self._engine) as conn:
            row = self._row(conn, analyst, dataset, lock=True)
            if row is None:
                raise NoBudgetError(analyst, dataset)
            before = _budget(row)
            self._event(conn, row, "reset", actor, reason, now)
            conn.execute(
                update(budgets)
                .where(budgets.c.id == row.id)
                .values(
                    spent_epsilon=_ZERO,
                    spent_delta=_ZERO,
                    spent_rho=_ZERO,
                    generation=row.generation + 1,
                    updated=now,
                )
            )
            row = self._row(conn, analyst, dataset, lock=False)
        spent = before.spent
        self._record(
            "budget.reset",
            actor,
            analyst,
            dataset,
            {
                "reason": reason,
                "spent_before": {"epsilon": spent.epsilon, "delta": spent.delta, "rho": spent.rho},
                "epsilon_spent_before": _json_float(before.epsilon_spent),
            },
        )
        return _budget(row)

    # -- spending -------------------------------------------------------------------------

    def charge(
        self, analyst: str, dataset: str, cost: Cost, *, query: str, mechanism: str
    ) -> Charge:
        """Charge ``cost`` to the budget, atomically, or refuse with
        :class:`BudgetExceededError` (nothing written). Draw noise only after this returns.

        ``query`` is a short description of the query (what, over which columns), never data
        values; ``mechanism`` names the mechanism.
        """
        if not isinstance(cost, Cost):
            raise ConfigError(f"cost must be a Cost, not {type(cost).__name__}")
        _name(query, "the query description", MAX_QUERY)
        _name(mechanism, "the mechanism")
        eps, delta, rho = _dec(cost.epsilon), _dec(cost.delta), _dec(cost.rho)
        now = _now()
        try:
            with write_transaction(self._engine) as conn:
                row = self._row(conn, analyst, dataset, lock=True)
                if row is None:
                    raise NoBudgetError(analyst, dataset)
                new_eps = _SUM.add(row.spent_epsilon, eps)
                new_delta = _SUM.add(row.spent_delta, delta)
                new_rho = _SUM.add(row.spent_rho, rho)
                total = _epsilon_total(new_eps, new_delta, new_rho, row.cap_delta)
                if new_delta > row.cap_delta or total > row.cap_epsilon:
                    raise BudgetExceededError(_budget(row), cost, float(total), float(new_delta))
                result = conn.execute(
                    insert(charges).values(
                        analyst=analyst,
                        dataset=dataset,
                        at=now,
                        query=query,
                        epsilon=eps,
                        delta=delta,
                        rho=rho,
                        mechanism=mechanism,
                        generation=row.generation,
                    )
                )
                charge_id = int(result.inserted_primary_key[0])  # type: ignore[index]
                conn.execute(
                    update(budgets)
                    .where(budgets.c.id == row.id)
                    .values(
                        spent_epsilon=new_eps,
                        spent_delta=new_delta,
                        spent_rho=new_rho,
                        updated=now,
                    )
                )
        except BudgetExceededError as exc:
            self._record(
                "budget.refused",
                analyst,
                analyst,
                dataset,
                {
                    "query_ref": _query_ref(query),
                    "mechanism": mechanism,
                    **_cost_dict(cost),
                    "epsilon_remaining": exc.remaining_epsilon,
                    "delta_remaining": exc.remaining_delta,
                },
            )
            raise
        self._record(
            "budget.charge",
            analyst,
            analyst,
            dataset,
            {
                "charge": charge_id,
                "query_ref": _query_ref(query),
                "mechanism": mechanism,
                **_cost_dict(cost),
                "epsilon_spent": _json_float(float(total)),
            },
        )
        return Charge(
            id=charge_id,
            analyst=analyst,
            dataset=dataset,
            at=now,
            query=query,
            mechanism=mechanism,
            epsilon=cost.epsilon,
            delta=cost.delta,
            rho=cost.rho,
            generation=int(row.generation),
            counted=True,
        )

    # -- reading --------------------------------------------------------------------------

    def budget(self, analyst: str, dataset: str) -> Budget:
        """The budget of ``analyst`` on ``dataset``; :class:`NoBudgetError` if none was set."""
        with self._engine.connect() as conn:
            row = self._row(conn, analyst, dataset, lock=False)
        if row is None:
            raise NoBudgetError(analyst, dataset)
        return _budget(row)

    def budgets_of(self, analyst: str) -> list[Budget]:
        """Every budget of ``analyst``, by dataset name (none: an empty list)."""
        query = select(budgets).where(budgets.c.analyst == analyst).order_by(budgets.c.dataset)
        with self._engine.connect() as conn:
            return [_budget(row) for row in conn.execute(query)]

    def charges(self, analyst: str, dataset: str) -> list[Charge]:
        """Every charge ever made to the budget, oldest first (before resets too)."""
        with self._engine.connect() as conn:
            row = self._row(conn, analyst, dataset, lock=False)
            if row is None:
                raise NoBudgetError(analyst, dataset)
            rows: Sequence[Any] = conn.execute(
                select(charges)
                .where(charges.c.analyst == analyst, charges.c.dataset == dataset)
                .order_by(charges.c.id)
            ).all()
        return [_charge(r, int(row.generation)) for r in rows]

    def events(self, analyst: str, dataset: str) -> list[BudgetEvent]:
        """The admin actions on the budget (cap changes, resets), oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(budget_events)
                .where(budget_events.c.analyst == analyst, budget_events.c.dataset == dataset)
                .order_by(budget_events.c.id)
            ).all()
        return [BudgetEvent(**_fields(r)) for r in rows]


def _cost_dict(cost: Cost) -> dict[str, float]:
    return {"epsilon": cost.epsilon, "delta": cost.delta, "rho": cost.rho}


def _json_float(value: float) -> float | None:
    return None if math.isinf(value) else value
