"""The bodies of ``POST /query`` and ``POST /query/report``, and how veil's refusals answer.

A query body is one of six models told apart by ``kind`` (a discriminated union): each
declares the fields its kind needs, with the defaults ``veil query`` has, and refuses any other
(``extra="forbid"``), so a mistyped field is a 422, not a silently different query. Column
names, domains and ``where`` filters go to :class:`~veil.analytics.dp.queries.PrivateTable` as
sent: it validates them, and no SQL is built here.

:func:`refusals` turns veil's errors into HTTP ones: an unknown dataset 404; no budget for the
caller 403; a query that would overspend 409 (the request is allowed, the budget's state is
what stands in the way: a cheaper query, or a raised cap or a reset, makes it pass); any other
:class:`~veil.errors.ConfigError` (a bad column, domain, bound or filter) 422. Their messages
name columns and amounts, never data values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from veil.analytics.dp.ledger import BudgetExceededError, Cost, Ledger, NoBudgetError
from veil.errors import ConfigError
from veil.server.tables import DatasetNotFoundError

if TYPE_CHECKING:
    from veil.analytics.dp.queries import Answer, Bounds, PrivateTable

DatasetName = Annotated[str, Field(min_length=1, max_length=200)]
ColumnName = Annotated[str, Field(min_length=1, max_length=200)]
Amount = Annotated[float, Field(gt=0)]
Probability = Annotated[float, Field(gt=0, lt=1)]
Domain = Annotated[list[StrictStr | StrictInt | StrictBool], Field(min_length=1, max_length=10_000)]
"""A group's public keys: text, integers or booleans (compared as DuckDB writes them)."""


class _Query(BaseModel):
    """What every query takes."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    dataset: DatasetName
    where: str | None = Field(default=None, min_length=1, max_length=1000)
    max_groups: int = Field(default=1, ge=1)
    max_rows: int = Field(default=1, ge=1)
    confidence: float = Field(default=0.95, gt=0, lt=1)

    def bounds(self) -> Bounds:
        from veil.analytics.dp.queries import Bounds

        return Bounds(max_groups=self.max_groups, max_rows=self.max_rows)


class _Noisy(_Query):
    """A query noised by an additive mechanism: Laplace (ε) or Gaussian (ρ, or ε and δ)."""

    epsilon: Amount | None = None
    delta: Probability | None = None
    rho: Amount | None = None
    noise: Literal["laplace", "gaussian"] = "laplace"

    def privacy(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon, "delta": self.delta, "rho": self.rho, "noise": self.noise}


class CountQuery(_Noisy):
    """Rows, or rows per key of ``by`` (over ``domain``; without one, keys go through the
    threshold mechanism and need ``epsilon`` and ``delta``)."""

    kind: Literal["count"]
    by: ColumnName | None = None
    domain: Domain | None = None

    def ask(self, table: PrivateTable) -> Answer:
        return table.count(
            by=self.by, domain=self.domain, where=self.where, bounds=self.bounds(), **self.privacy()
        )


class HistogramQuery(_Noisy):
    """Rows per key of ``column`` over its public ``domain``."""

    kind: Literal["histogram"]
    column: ColumnName
    domain: Domain

    def ask(self, table: PrivateTable) -> Answer:
        return table.histogram(
            self.column, self.domain, where=self.where, bounds=self.bounds(), **self.privacy()
        )


class _Summed(_Noisy):
    """A sum or mean of ``column`` clamped to the declared ``[lower, upper]``, per key of
    ``by`` over ``domain`` if given."""

    column: ColumnName
    lower: int
    upper: int
    by: ColumnName | None = None
    domain: Domain | None = None

    def arguments(self) -> dict[str, Any]:
        return {
            "lower": self.lower,
            "upper": self.upper,
            "by": self.by,
            "domain": self.domain,
            "where": self.where,
            "bounds": self.bounds(),
            **self.privacy(),
        }


class SumQuery(_Summed):
    """The clamped values' sum (rounded to integers: amounts in cents, durations in days)."""

    kind: Literal["sum"]

    def ask(self, table: PrivateTable) -> Answer:
        return table.sum(self.column, **self.arguments())


class MeanQuery(_Summed):
    """A noisy sum over a noisy count, each with half of the budget asked."""

    kind: Literal["mean"]

    def ask(self, table: PrivateTable) -> Answer:
        return table.mean(self.column, **self.arguments())


class QuantileQuery(_Query):
    """The ``q`` quantile of ``column`` among declared integer ``candidates`` (the
    exponential mechanism: ε only)."""

    kind: Literal["quantile"]
    column: ColumnName
    candidates: list[StrictInt] = Field(min_length=2, max_length=100_000)
    q: float = Field(default=0.5, ge=0, le=1)
    epsilon: Amount

    def ask(self, table: PrivateTable) -> Answer:
        return table.quantile(
            self.column,
            self.q,
            candidates=self.candidates,
            where=self.where,
            bounds=self.bounds(),
            epsilon=self.epsilon,
        )


class TopKQuery(_Query):
    """The ``k`` most frequent keys of ``column``, through the threshold mechanism."""

    kind: Literal["top_k"]
    column: ColumnName
    k: int = Field(default=3, ge=1)
    epsilon: Amount
    delta: Probability

    def ask(self, table: PrivateTable) -> Answer:
        return table.top_k(
            self.column,
            self.k,
            where=self.where,
            bounds=self.bounds(),
            epsilon=self.epsilon,
            delta=self.delta,
        )


QueryBody = Annotated[
    CountQuery | HistogramQuery | SumQuery | MeanQuery | QuantileQuery | TopKQuery,
    Field(discriminator="kind"),
]


class ReportQuery(BaseModel):
    """The run report's questions in DP form, ``epsilon`` split evenly over the eight
    measurements and ``delta`` over the three that discover keys (as ``veil query report``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    dataset: DatasetName
    epsilon: Amount
    delta: Probability
    reference_date: date | None = None
    confidence: float = Field(default=0.95, gt=0, lt=1)

    def ask(self, table: PrivateTable) -> list[dict[str, Any]]:
        """Every question's answer, after checking the whole report fits the budget: it is
        charged question by question, and a refusal halfway would leave the first answers
        paid for and unseen."""
        from veil.analytics.dp.report import dp_report

        self._check_fits(table.ledger, table.analyst)
        day = self.reference_date or datetime.now(UTC).date()
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return dp_report(table, epsilon=self.epsilon, delta=self.delta, reference_date=midnight)

    def _check_fits(self, ledger: Ledger, analyst: str) -> None:
        """Refuse as the ledger would (:class:`BudgetExceededError`, nothing charged) when
        the report's ε or δ exceeds what is left. A concurrent query of the same analyst may
        still make a later question fail: the ledger stays the authority."""
        budget = ledger.budget(analyst, self.dataset)
        if self.epsilon > budget.epsilon_remaining or self.delta > budget.delta_remaining:
            cost = Cost(epsilon=self.epsilon, delta=self.delta)
            after = budget.epsilon_spent + self.epsilon
            raise BudgetExceededError(budget, cost, after, budget.spent_delta + self.delta)


@contextmanager
def refusals() -> Iterator[None]:
    """veil's refusals of a query as HTTP errors (see the module docstring)."""
    try:
        yield
    except DatasetNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except NoBudgetError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from None
    except BudgetExceededError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except ConfigError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
