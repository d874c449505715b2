"""Differentially private queries over an anonymized table, with contribution bounding.

A :class:`PrivateTable` wraps a DuckDB relation (a committed veil dataset, or any Arrow table)
whose ``subject`` column names the person each row is about. Neighbouring datasets differ by
one subject **with all of their rows**, so every query first bounds what one subject can add:

- at most ``max_groups`` groups (histogram bins, countries, days) per subject, and
- at most ``max_rows`` rows per subject within a group (for a sum: a subject with more rows
  in a group counts as ``max_rows`` rows at their mean value there),

chosen per subject by a salted hash (a stable transformation: what is kept of a subject depends
on that subject's rows only). Subjects are partitioned by a 64-bit hash of their id, which is
much faster to group on than text; two subjects whose ids collide are bounded together as one,
which only ever keeps less of each, so the bound still holds for every subject. Bounding runs
in DuckDB SQL for a table's first such query; from the second on, the table keeps its rows
sorted by subject (:class:`~veil.analytics.dp.bounding.SubjectOrder`) and bounds in one
compiled pass, 10–20× faster on events. Numeric values
are clamped to ``[lower, upper]``, bounds that the analyst declares up front: veil never looks
at the data to choose them. When no subject has more rows than the bounds keep (users: one row
each; profiled once per table), bounding is the identity and is skipped. Aggregation then runs in
DuckDB in integers (counts; sums of rounded values, so amounts belong in cents and durations in
days), and one OpenDP measurement (:mod:`veil.analytics.dp.mechanisms`) noises the whole vector.

The flow of every query: validate, calibrate the measurements, **charge the ledger** (atomic;
a query that would overspend is refused here, before any noise is drawn), aggregate, release.

Sensitivities (one subject removed), with M = max(|lower|, |upper|):

=====================  ==============================  ==================================
query                  L1                               L2
=====================  ==============================  ==================================
count per group        max_groups · max_rows            sqrt(max_groups) · max_rows
sum per group          max_groups · max_rows · M        sqrt(max_groups) · max_rows · M
=====================  ==============================  ==================================

A scalar query is a one-group query (``max_groups`` does not apply). A mean is a noisy sum over
a noisy count, each with half the budget. Keys nobody declared (``count`` without ``domain``,
``top_k``) go through the Laplace threshold mechanism. A quantile is OpenDP's exponential
mechanism over declared candidates; its interval is stated in ranks, since a value interval
would need the data.

Every :class:`Answer` says its mechanism, noise scale, cost and a confidence interval computed
from the noise distribution alone (never from the data).
"""

from __future__ import annotations

import math
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa

from veil.analytics.dp.bounding import SubjectOrder
from veil.analytics.dp.filters import check_row_filter
from veil.analytics.dp.ledger import Cost, Ledger
from veil.analytics.dp.mechanisms import (
    IntegerNoise,
    Noise,
    ThresholdRelease,
    noise_half_width,
    private_quantile,
    rho_for,
)
from veil.errors import ConfigError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class QueryError(ConfigError):
    """A query that cannot run as asked (the message names columns and parameters only)."""


@dataclass(frozen=True)
class Bounds:
    """How much one subject may contribute: groups, and rows per group."""

    max_groups: int = 1
    max_rows: int = 1

    def __post_init__(self) -> None:
        if self.max_groups < 1 or self.max_rows < 1:
            raise QueryError("max_groups and max_rows must be at least 1")


@dataclass(frozen=True)
class Answer:
    """A released answer: values, their intervals, and what it cost."""

    query: str
    kind: str
    value: Any  # a number, or {key: number}
    interval: Any  # (low, high), or {key: (low, high)}; for quantiles: ±ranks
    confidence: float
    mechanism: str
    scale: float | dict[str, float]
    cost: Cost
    bounds: Bounds
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["cost"] = asdict(self.cost)
        out["bounds"] = asdict(self.bounds)
        out["notes"] = list(self.notes)
        return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class _Plan:
    """What a query charges before it reads anything."""

    description: str
    mechanism: str
    cost: Cost


class PrivateTable:
    """Differentially private queries over ``relation`` in ``con``, charged to ``ledger``.

    ``relation`` is a table or view name in ``con``; ``dataset`` is the ledger's name for it.
    It must not change while the object is used (a committed version, an Arrow table): the
    subject profile and the subject order are computed once. ``subject_order`` says when to
    sort the rows by subject for fast bounding: "auto" on the second query that bounds (a
    one-off query is cheaper in SQL), "always" on the first, "never".
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        relation: str,
        *,
        subject: str,
        ledger: Ledger,
        analyst: str,
        dataset: str,
        confidence: float = 0.95,
        subject_order: Literal["auto", "always", "never"] = "auto",
    ) -> None:
        self.con = con
        self.relation = relation
        self.ledger = ledger
        self.analyst = analyst
        self.dataset = dataset
        self.confidence = confidence
        self.columns = [
            d[0] for d in con.sql(f"SELECT * FROM {_quote(relation)} LIMIT 0").description
        ]
        if subject not in self.columns:
            raise QueryError(f"the subject column {subject!r} is not in {dataset!r}")
        self.subject = subject
        self._profile: int | None = None
        self._order_mode = subject_order
        self._order: SubjectOrder | None = None
        self._order_lock = threading.Lock()
        self._bounded_queries = 0

    @classmethod
    def from_arrow(cls, table: pa.Table, **kwargs: Any) -> PrivateTable:
        con = duckdb.connect()
        con.register("veil_private", table)
        return cls(con, "veil_private", **kwargs)

    # -- helpers ------------------------------------------------------------------------

    def _column(self, name: str) -> str:
        if name not in self.columns:
            raise QueryError(f"no column {name!r} in {self.dataset!r}")
        return _quote(name)

    def _where(self, where: str | None) -> str:
        return f"({where})" if where else "TRUE"

    def _most_rows_per_subject(self) -> int:
        """The most rows any subject has in the relation (computed once; the relation is a
        committed version or an Arrow table, so it does not change under us)."""
        if self._profile is None:
            s = _quote(self.subject)
            rows = self._sql(
                f"SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n "
                f"FROM {_quote(self.relation)} WHERE {s} IS NOT NULL GROUP BY hash({s}))"
            )
            self._profile = int(rows[0][0])
        return self._profile

    def _needs_bounding(self, bounds: Bounds, grouped: bool) -> bool:
        """False when no subject has more rows than bounding would keep: then bounding is
        the identity and is skipped (the answer is the same, only faster). A subject with
        ≤ min(max_rows, max_groups) rows has at most that many rows in any group and touches
        at most that many groups."""
        limit = min(bounds.max_rows, bounds.max_groups) if grouped else bounds.max_rows
        return self._most_rows_per_subject() > limit

    def _aggregate(
        self,
        by: str | None,
        value: str | None,
        where: str | None,
        bounds: Bounds,
        domain: Sequence[Any] | None,
    ) -> dict[str, tuple[int, int]]:
        """Per key of ``by`` (one key without it): (sum of ``value``, count) after
        contribution bounding; keys outside ``domain`` are dropped before bounding."""
        s = _quote(self.subject)
        if by is not None and domain is not None:
            self._in_domain(by, domain)  # validates the domain
        # among keys nobody declared a null is no key: SQL filters it out, the compiled pass
        # skips null keys itself (a filter there would cost a mask on every row)
        sql_where = where
        if by is not None and domain is None:
            sql_where = self._join(where, f"{self._column(by)} IS NOT NULL")
        if not self._needs_bounding(bounds, by is not None):
            g = self._column(by) if by else "NULL::VARCHAR"
            v = value or "NULL::BIGINT"
            counted = "count(v)" if value else "count(*)"
            sql = (
                f"SELECT CAST(g AS VARCHAR), sum(v)::BIGINT, {counted} FROM (SELECT {g} AS g, "
                f"{v} AS v FROM {_quote(self.relation)} WHERE {s} IS NOT NULL AND "
                f"{self._where(sql_where)}) GROUP BY g"
            )
            found = {str(k): (int(t or 0), int(n)) for k, t, n in self._sql(sql)}
            if by is not None and domain is not None:
                keep = {_key(k) for k in domain}
                found = {k: v for k, v in found.items() if k in keep}
            return found
        group = f"CAST({self._column(by)} AS VARCHAR)" if by else None
        order = self._subject_order()
        if order is not None:
            return self._aggregate_ordered(order, group, value, where, bounds, domain)
        filt = self._join(sql_where, self._in_domain(by, domain) if by and domain else None)
        inner = self._bounded_pairs(group, value, filt, bounds)
        sql = f"SELECT g, sum(t)::BIGINT, sum(n)::BIGINT FROM ({inner}) GROUP BY g"
        return {str(k): (int(t or 0), int(n or 0)) for k, t, n in self._sql(sql)}

    def _subject_order(self) -> SubjectOrder | None:
        """The rows grouped by subject for the compiled bounding pass (:mod:`.bounding`):
        built on the table's second query that needs bounding ("auto": a one-off query, such
        as one ``veil query`` command, is cheaper in SQL than building the order), on the
        first ("always"), or never ("never": bounding stays in SQL)."""
        with self._order_lock:
            if self._order is None and self._order_mode != "never":
                self._bounded_queries += 1
                if self._order_mode == "always" or self._bounded_queries >= 2:
                    self._order = SubjectOrder(self._fetch, f"hash({_quote(self.subject)})")
            return self._order

    def _fetch(self, expression: str) -> pa.ChunkedArray:
        """``expression`` over the rows that have a subject, in the relation's order."""
        s = _quote(self.subject)
        sql = f"SELECT {expression} AS c FROM {_quote(self.relation)} WHERE {s} IS NOT NULL"
        return self._sql(sql, fetch="arrow").column(0)

    def _aggregate_ordered(
        self,
        order: SubjectOrder,
        group: str | None,
        value: str | None,
        where: str | None,
        bounds: Bounds,
        domain: Sequence[Any] | None,
    ) -> dict[str, tuple[int, int]]:
        """``_aggregate``'s bounded path on the subject order (the same rule as the SQL of
        :meth:`_bounded_pairs`, in one compiled pass)."""
        keep = None
        if where:
            keep = order.array(f"coalesce(CAST(({where}) AS BOOLEAN), FALSE)", "filter")[0]
        return order.aggregate(
            order.keys(group) if group else None,
            [_key(k) for k in domain] if group and domain is not None else None,
            order.array(value, "value") if value else None,
            keep,
            max_groups=bounds.max_groups,
            max_rows=bounds.max_rows,
            salt=secrets.randbits(63),
        )

    def _bounded_pairs(
        self, group: str | None, value: str | None, where: str | None, bounds: Bounds
    ) -> str:
        """SQL of (g, t, n) per kept (subject, group) pair: ``n`` the subject's rows in the
        group (non-null values, for a sum) capped at ``max_rows``, ``t`` their sum counted as
        if the subject had at most ``max_rows`` rows there: ``t · max_rows / rows`` (rounded)
        when they have more, i.e. ``max_rows`` times their mean, which stays within
        ``max_rows · [lower, upper]``; at most ``max_groups`` pairs per subject. One
        aggregation over (subject, group), no ranking of rows."""
        s = _quote(self.subject)
        g = group or "NULL::VARCHAR"
        r = bounds.max_rows
        salt = secrets.randbits(62)
        if value is None:
            agg = f"0::BIGINT AS t, least(count(*), {r}) AS n"
        else:
            agg = (
                f"CASE WHEN count(v) <= {r} THEN sum(v) "
                f"ELSE round(sum(v)::DOUBLE * {r} / count(v)) END::BIGINT AS t, "
                f"least(count(v), {r}) AS n"
            )
        v = value or "NULL::BIGINT"
        pairs = (
            f"SELECT s, g, {agg} FROM (SELECT hash({s}) AS s, {g} AS g, {v} AS v "
            f"FROM {_quote(self.relation)} WHERE {s} IS NOT NULL AND {self._where(where)}) "
            f"GROUP BY s, g"
        )
        if group is None:
            return pairs
        if bounds.max_groups == 1:
            return (
                f"SELECT arg_min(g, h) AS g, arg_min(t, h) AS t, arg_min(n, h) AS n FROM "
                f"(SELECT s, g, t, n, hash(s, g, {salt}) AS h FROM ({pairs})) GROUP BY s"
            )
        ranked = (
            f"SELECT g, t, n, row_number() OVER (PARTITION BY s ORDER BY hash(s, g, {salt}), g)"
            f" AS gn FROM ({pairs})"
        )
        return f"SELECT g, t, n FROM ({ranked}) WHERE gn <= {bounds.max_groups}"

    def _bounded_values(self, value: str, where: str | None, bounds: Bounds) -> str:
        """SQL of ``v``: at most ``max_rows`` values per subject (a quantile's input), chosen
        by a salted hash of the value; a hash aggregate when one value each is kept."""
        s = _quote(self.subject)
        salt = secrets.randbits(62)
        base = (
            f"SELECT hash({s}) AS s, {value} AS v FROM {_quote(self.relation)} "
            f"WHERE {s} IS NOT NULL AND {self._where(where)}"
        )
        if bounds.max_rows == 1:
            return (
                f"SELECT arg_min(v, h) AS v FROM "
                f"(SELECT s, v, hash(s, v, {salt}) AS h FROM ({base})) GROUP BY s"
            )
        ranked = (
            f"SELECT v, row_number() OVER (PARTITION BY s ORDER BY hash(v, {salt})) AS rn "
            f"FROM ({base})"
        )
        return f"SELECT v FROM ({ranked}) WHERE rn <= {bounds.max_rows}"

    def _sql(self, sql: str, fetch: Literal["rows", "numpy", "arrow"] = "rows") -> Any:
        """Run ``sql``; a DuckDB error becomes a QueryError with its first line (DuckDB's
        messages name columns and types; a conversion error may quote a value, so those are
        reported without the message)."""
        try:
            relation = self.con.sql(sql)
            if fetch == "arrow":
                return relation.to_arrow_table()
            return relation.fetchnumpy() if fetch == "numpy" else relation.fetchall()
        except duckdb.ConversionException:
            raise QueryError(
                "a value could not be converted (is the column numeric for this query?)"
            ) from None
        except duckdb.Error as exc:
            raise QueryError(f"the query failed: {str(exc).splitlines()[0]}") from None

    def _charge(self, plan: _Plan) -> None:
        self.ledger.charge(
            self.analyst,
            self.dataset,
            plan.cost,
            query=plan.description,
            mechanism=plan.mechanism,
        )

    def _noise(
        self,
        noise: Noise,
        l1: float,
        l2: float,
        epsilon: float | None,
        rho: float | None,
        delta: float | None,
    ) -> IntegerNoise:
        if noise == "gaussian" and rho is None:
            if epsilon is None or delta is None:
                raise QueryError("Gaussian noise needs rho, or epsilon and delta")
            rho = rho_for(epsilon, delta)
        if noise == "laplace" and epsilon is None:
            raise QueryError("Laplace noise needs epsilon")
        return IntegerNoise.calibrate(noise, l1=math.ceil(l1), l2=l2, epsilon=epsilon, rho=rho)

    def _in_domain(self, by: str, domain: Sequence[Any]) -> str:
        if not domain:
            raise QueryError("domain must list at least one key")
        if len({_key(k) for k in domain}) != len(domain):
            raise QueryError("domain lists a key twice")
        keys = ", ".join(_literal(_key(k)) for k in domain)
        return f"CAST({self._column(by)} AS VARCHAR) IN ({keys})"

    def _additive(
        self,
        kind: str,
        description: str,
        noisy: np.ndarray,
        keys: list[str] | None,
        mech: IntegerNoise,
        bounds: Bounds,
    ) -> Answer:
        """The answer of a noisy integer vector (one value when ``keys`` is None)."""
        width = mech.half_width(self.confidence)
        return Answer(
            query=description,
            kind=kind,
            value=self._value(noisy, keys),
            interval=self._interval(noisy, width, keys),
            confidence=self.confidence,
            mechanism=_mech_name(mech.noise),
            scale=mech.scale,
            cost=mech.cost,
            bounds=bounds,
        )

    def _interval(self, values: np.ndarray, width: int, keys: list[str] | None) -> Any:
        pairs = [(int(v) - width, int(v) + width) for v in values]
        return dict(zip(keys, pairs, strict=True)) if keys is not None else pairs[0]

    def _value(self, values: np.ndarray, keys: list[str] | None) -> Any:
        ints = [int(v) for v in values]
        return dict(zip(keys, ints, strict=True)) if keys is not None else ints[0]

    # -- queries ------------------------------------------------------------------------

    def count(
        self,
        *,
        by: str | None = None,
        domain: Sequence[Any] | None = None,
        where: str | None = None,
        bounds: Bounds | None = None,
        epsilon: float | None = None,
        delta: float | None = None,
        rho: float | None = None,
        noise: Noise = "laplace",
    ) -> Answer:
        """Rows per key of ``by`` (one count without it), over ``domain`` when declared;
        without a domain, keys go through the threshold mechanism (needs ``delta``)."""
        bounds = bounds or Bounds()
        where = _row_filter(where)
        if by is not None and domain is None:
            return self._count_unknown_keys(by, where, bounds, epsilon, delta, keys_limit=None)
        if by is not None:
            self._column(by)
            self._in_domain(by, domain or [])
        groups = bounds.max_groups if by else 1
        mech = self._noise(
            noise,
            groups * bounds.max_rows,
            math.sqrt(groups) * bounds.max_rows,
            epsilon,
            rho,
            delta,
        )
        description = f"count by {by or '(all)'}" + (f" where {where}" if where else "")
        keys, _, true = self._vectors(by, None, where, bounds, domain)
        self._charge(_Plan(description, _mech_name(noise), mech.cost))
        noisy = mech.release(true)
        return self._additive("count", description, noisy, keys if by else None, mech, bounds)

    def histogram(self, column: str, domain: Sequence[Any], **kwargs: Any) -> Answer:
        """Counts over a public ``domain`` of ``column``'s values (``count`` with ``by``)."""
        return self.count(by=column, domain=domain, **kwargs)

    def sum(
        self,
        column: str,
        *,
        lower: int,
        upper: int,
        by: str | None = None,
        domain: Sequence[Any] | None = None,
        where: str | None = None,
        bounds: Bounds | None = None,
        epsilon: float | None = None,
        delta: float | None = None,
        rho: float | None = None,
        noise: Noise = "laplace",
    ) -> Answer:
        """Sum of ``column`` clamped to ``[lower, upper]`` and rounded to integers."""
        bounds = bounds or Bounds()
        where = _row_filter(where)
        if by is not None and domain is None:
            raise QueryError(
                "a grouped sum needs the groups' domain (declared keys); discover keys first "
                "with count(by=…) or top_k"
            )
        mech, description = self._sum_plan(
            column, lower, upper, by, where, bounds, epsilon, delta, rho, noise
        )
        keys, sums, _ = self._sums_and_counts(column, lower, upper, by, domain, where, bounds)
        self._charge(_Plan(description, _mech_name(noise), mech.cost))
        noisy = mech.release(sums)
        return self._additive("sum", description, noisy, keys if by else None, mech, bounds)

    def _sum_plan(
        self,
        column: str,
        lower: int,
        upper: int,
        by: str | None,
        where: str | None,
        bounds: Bounds,
        epsilon: float | None,
        delta: float | None,
        rho: float | None,
        noise: Noise,
    ) -> tuple[IntegerNoise, str]:
        self._column(column)
        if not (isinstance(lower, int) and isinstance(upper, int)) or lower > upper:
            raise QueryError("sum bounds must be integers with lower ≤ upper (declare them)")
        biggest = max(abs(lower), abs(upper))
        if biggest == 0:
            raise QueryError("sum bounds [0, 0] leave nothing to sum")
        groups = bounds.max_groups if by else 1
        l1 = groups * bounds.max_rows * biggest
        l2 = math.sqrt(groups) * bounds.max_rows * biggest
        mech = self._noise(noise, l1, l2, epsilon, rho, delta)
        description = f"sum of {column} in [{lower}, {upper}] by {by or '(all)'}" + (
            f" where {where}" if where else ""
        )
        return mech, description

    def _sums_and_counts(
        self,
        column: str,
        lower: int,
        upper: int,
        by: str | None,
        domain: Sequence[Any] | None,
        where: str | None,
        bounds: Bounds,
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """True clamped sums and counts of non-null values per key, from one bounding."""
        value = (
            f"round(greatest(least(CAST({self._column(column)} AS DOUBLE), {upper}), {lower}))"
            "::BIGINT"
        )
        return self._vectors(by, value, where, bounds, domain)

    def _vectors(
        self,
        by: str | None,
        value: str | None,
        where: str | None,
        bounds: Bounds,
        domain: Sequence[Any] | None,
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """``_aggregate``'s sums and counts as vectors over the domain's keys (one entry
        without ``by``), a key nobody has counting 0."""
        found = self._aggregate(by, value, where, bounds, domain)
        keys = [_key(k) for k in (domain if by else [None])]  # type: ignore[union-attr]
        sums = np.array([found.get(k, (0, 0))[0] for k in keys], dtype=np.int64)
        counts = np.array([found.get(k, (0, 0))[1] for k in keys], dtype=np.int64)
        return keys, sums, counts

    def mean(
        self,
        column: str,
        *,
        lower: int,
        upper: int,
        by: str | None = None,
        domain: Sequence[Any] | None = None,
        where: str | None = None,
        bounds: Bounds | None = None,
        epsilon: float | None = None,
        delta: float | None = None,
        rho: float | None = None,
        noise: Noise = "laplace",
    ) -> Answer:
        """Noisy sum / noisy count, each with half the budget; the interval combines both
        intervals (each at half the error rate), so it holds at ``confidence``."""
        bounds = bounds or Bounds()
        where = _row_filter(where)
        if by is not None and domain is None:
            raise QueryError("a grouped mean needs the groups' domain (declared keys)")
        half = {
            "epsilon": epsilon / 2 if epsilon else None,
            "rho": rho / 2 if rho else None,
            "delta": delta / 2 if delta else None,
        }
        sum_mech, description = self._sum_plan(
            column,
            lower,
            upper,
            by,
            where,
            bounds,
            half["epsilon"],
            half["delta"],
            half["rho"],
            noise,
        )
        groups = bounds.max_groups if by else 1
        count_mech = self._noise(
            noise,
            groups * bounds.max_rows,
            math.sqrt(groups) * bounds.max_rows,
            half["epsilon"],
            half["rho"],
            half["delta"],
        )
        cost = _add(sum_mech.cost, count_mech.cost)
        description = description.replace("sum of", "mean of", 1)
        keys, sums_true, counts_true = self._sums_and_counts(
            column, lower, upper, by, domain, where, bounds
        )
        self._charge(_Plan(description, _mech_name(noise), cost))
        sums = sum_mech.release(sums_true)
        counts = count_mech.release(counts_true)
        level = 1 - (1 - self.confidence) / 2
        ws, wc = sum_mech.half_width(level), count_mech.half_width(level)
        means, intervals = [], []
        for s, c in zip(sums.tolist(), counts.tolist(), strict=True):
            means.append(_clamp(s / c, lower, upper) if c > 0 else None)
            intervals.append(_ratio_interval(s, ws, c, wc, lower, upper))
        value = dict(zip(keys, means, strict=True)) if by else means[0]
        interval = dict(zip(keys, intervals, strict=True)) if by else intervals[0]
        return Answer(
            query=description,
            kind="mean",
            value=value,
            interval=interval,
            confidence=self.confidence,
            mechanism=_mech_name(noise),
            scale={"sum": sum_mech.scale, "count": count_mech.scale},
            cost=cost,
            bounds=bounds,
            notes=("mean = noisy sum / noisy count, each with half the budget",),
        )

    def quantile(
        self,
        column: str,
        q: float,
        *,
        candidates: Sequence[int],
        where: str | None = None,
        bounds: Bounds | None = None,
        epsilon: float,
    ) -> Answer:
        """The ``q`` quantile (0.5: the median) among declared integer ``candidates``."""
        bounds = bounds or Bounds()
        where = _row_filter(where)
        if not 0 <= q <= 1:
            raise QueryError("q must be between 0 and 1")
        if len(candidates) < 2 or list(candidates) != sorted(set(candidates)):
            raise QueryError("candidates must be at least two increasing integers")
        description = f"quantile {q} of {column}" + (f" where {where}" if where else "")
        # calibrate on an empty vector first: the cost depends on parameters only
        _, cost, scale = private_quantile(
            np.zeros(0, dtype=np.int64),
            q,
            candidates,
            epsilon=epsilon,
            rows_per_subject=bounds.max_rows,
            include_empty=False,
        )
        value = f"round(CAST({self._column(column)} AS DOUBLE))::BIGINT"
        if self._needs_bounding(bounds, grouped=False):
            inner = self._bounded_values(value, where, bounds)
        else:
            inner = (
                f"SELECT {value} AS v FROM {_quote(self.relation)} WHERE "
                f"{_quote(self.subject)} IS NOT NULL AND {self._where(where)}"
            )
        data = self._sql(f"SELECT v FROM ({inner}) WHERE v IS NOT NULL", fetch="numpy")["v"]
        self._charge(_Plan(description, "exponential mechanism (OpenDP private quantile)", cost))
        answer, _, _ = private_quantile(
            np.asarray(data, dtype=np.int64),
            q,
            candidates,
            epsilon=epsilon,
            rows_per_subject=bounds.max_rows,
        )
        # exponential mechanism utility: with probability ≥ confidence the released candidate's
        # rank is within (2Δ/ε)·ln(|C|/β) of the requested rank (Δ = rows per subject)
        beta = 1 - self.confidence
        ranks = 2 * bounds.max_rows / epsilon * math.log(len(candidates) / beta)
        return Answer(
            query=description,
            kind="quantile",
            value=answer,
            interval={"ranks": ranks},
            confidence=self.confidence,
            mechanism="exponential mechanism (OpenDP private quantile)",
            scale=scale,
            cost=cost,
            bounds=bounds,
            notes=("interval: the released value's rank is within ± this many ranks",),
        )

    def top_k(
        self,
        by: str,
        k: int,
        *,
        where: str | None = None,
        bounds: Bounds | None = None,
        epsilon: float,
        delta: float,
    ) -> Answer:
        """The ``k`` most frequent keys of ``by`` among keys nobody declared: counts through
        the Laplace threshold mechanism, then the k largest released ones."""
        if k < 1:
            raise QueryError("k must be at least 1")
        where = _row_filter(where)
        return self._count_unknown_keys(by, where, bounds or Bounds(), epsilon, delta, k)

    def _count_unknown_keys(
        self,
        by: str,
        where: str | None,
        bounds: Bounds,
        epsilon: float | None,
        delta: float | None,
        keys_limit: int | None,
    ) -> Answer:
        if epsilon is None or delta is None:
            raise QueryError(
                f"counting keys of {by!r} that are not declared needs epsilon and delta "
                "(threshold mechanism), or a domain"
            )
        release = ThresholdRelease.calibrate(
            groups=bounds.max_groups, rows=bounds.max_rows, epsilon=epsilon, delta=delta
        )
        kind = "top_k" if keys_limit else "count"
        description = (f"top {keys_limit} of {by}" if keys_limit else f"count by {by}") + (
            f" where {where}" if where else ""
        )
        mechanism = "laplace threshold"
        found = self._aggregate(by, None, where, bounds, None)
        counts = {k: n for k, (_, n) in found.items()}
        self._charge(_Plan(description, mechanism, release.cost))
        released = release.release(counts)
        ordered = sorted(released.items(), key=lambda kv: (-kv[1], kv[0]))
        if keys_limit:
            ordered = ordered[:keys_limit]
        width = noise_half_width("laplace", release.scale, self.confidence)
        return Answer(
            query=description,
            kind=kind,
            value=dict(ordered),
            interval={key: (n - width, n + width) for key, n in ordered},
            confidence=self.confidence,
            mechanism=mechanism,
            scale=release.scale,
            cost=release.cost,
            bounds=bounds,
            notes=(f"keys released only above a noisy count of {release.threshold}",),
        )

    @staticmethod
    def _join(*conditions: str | None) -> str | None:
        parts = [f"({c})" for c in conditions if c]
        return " AND ".join(parts) if parts else None


def _row_filter(where: str | None) -> str | None:
    """``where`` if it is a row-level predicate (:mod:`.filters`); None stays None."""
    return None if where is None else check_row_filter(where)


def _key(value: Any) -> str:
    """A domain key as DuckDB's CAST(… AS VARCHAR) writes it (booleans: true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _mech_name(noise: Noise) -> str:
    return "discrete laplace" if noise == "laplace" else "discrete gaussian"


def _add(a: Cost, b: Cost) -> Cost:
    return Cost(epsilon=a.epsilon + b.epsilon, delta=a.delta + b.delta, rho=a.rho + b.rho)


def _clamp(value: float, lower: float, upper: float) -> float:
    return min(max(value, lower), upper)


def _ratio_interval(
    s: int, ws: int, c: int, wc: int, lower: float, upper: float
) -> tuple[float, float]:
    """Bounds of s/c when s ∈ [s−ws, s+ws] and c ∈ [c−wc, c+wc], within [lower, upper]."""
    c_low, c_high = c - wc, c + wc
    if c_low <= 0:
        return (float(lower), float(upper))
    ends = [(s - ws) / c_low, (s - ws) / c_high, (s + ws) / c_low, (s + ws) / c_high]
    return (_clamp(min(ends), lower, upper), _clamp(max(ends), lower, upper))


Query = Callable[..., Answer]
Kind = Literal["count", "sum", "mean", "histogram", "quantile", "top_k"]
