"""Neighbouring-dataset audits through the real query path.

For each query type, run it many times on D and on D′ (one subject and all their rows
removed), pick an output event S on a pilot third of the runs, and bound its probabilities
on the other two thirds with Clopper–Pearson intervals (99.9 %). Then

    ε_lb = ln((P_D(S)_low − δ) / P_D′(S)_high)

is a statistically valid lower bound on the mechanism's true ε: it must not exceed the claim.
The audit is known to have power: deliberately broken variants (noise calibrated for half the
sensitivity; contribution bounding forgotten) are run the same way and must be caught.

The ledger is a seam here (it is tested on its own): a stub records what would be charged.
A table bounds its first query in SQL and later ones in the compiled pass over its subject
order, so the runs below go through both.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from veil.analytics.dp import mechanisms
from veil.analytics.dp.bounding import SubjectOrder
from veil.analytics.dp.queries import Bounds, PrivateTable

RUNS = 900
ALPHA = 1e-3


class _Ledger:
    def __init__(self) -> None:
        self.charged: list[Any] = []

    def charge(self, analyst: str, dataset: str, cost: Any, **_: Any) -> None:
        self.charged.append(cost)


def _table(rows: list[tuple[str, str, int]]) -> PrivateTable:
    table = pa.table(
        {
            "subject_id": [r[0] for r in rows],
            "g": [r[1] for r in rows],
            "x": [r[2] for r in rows],
        }
    )
    return PrivateTable.from_arrow(
        table, subject="subject_id", ledger=_Ledger(), analyst="auditor", dataset="d"
    )


def _neighbours(victim: list[tuple[str, int]], others: int = 150) -> tuple[PrivateTable, ...]:
    """D with the victim's rows (group, value), and D′ without; every other subject has one
    row, so contribution bounding leaves them alone and their counts are fixed."""
    rng = np.random.default_rng(7)
    base = [(f"s{i}", "abc"[i % 3], int(rng.integers(0, 101))) for i in range(others)]
    with_victim = base + [("victim", g, x) for g, x in victim]
    return _table(with_victim), _table(base)


def _bounds(k: int, n: int, alpha: float) -> tuple[float, float]:
    low = stats.beta.ppf(alpha / 2, k, n - k + 1) if k > 0 else 0.0
    high = stats.beta.ppf(1 - alpha / 2, k + 1, n - k) if k < n else 1.0
    return float(low), float(high)


TOP_EVENTS = 5


def epsilon_lower_bound(d: np.ndarray, d_prime: np.ndarray, delta: float = 0.0) -> float:
    """The audit's ε lower bound from statistic samples on D and D′ (either direction).

    The first third of the runs picks the ``TOP_EVENTS`` most promising events; each is then
    bounded on the other two thirds at ``ALPHA / TOP_EVENTS`` (a union bound, so the maximum is
    still a valid lower bound at ``ALPHA``): one unlucky pilot pick cannot hide a leak."""
    cut = len(d) // 3
    pilot_d, est_d = d[:cut], d[cut:]
    pilot_p, est_p = d_prime[:cut], d_prime[cut:]
    scored: list[tuple[float, tuple[float, int, bool]]] = []
    for c in np.unique(np.concatenate([pilot_d, pilot_p])):
        for sign in (1, -1):
            for first, second, flip in ((pilot_d, pilot_p, False), (pilot_p, pilot_d, True)):
                # score each event as the final bound would, so rare events are not chosen
                low, _ = _bounds(int(np.sum(sign * (first - c) >= 0)), len(first), 0.05)
                _, high = _bounds(int(np.sum(sign * (second - c) >= 0)), len(second), 0.05)
                scored.append((math.log(max(low - delta, 1e-12) / high), (c, sign, flip)))
    scored.sort(key=lambda item: item[0], reverse=True)
    best = 0.0
    for _, (c, sign, flip) in scored[:TOP_EVENTS]:
        first, second = (est_p, est_d) if flip else (est_d, est_p)
        low, _ = _bounds(int(np.sum(sign * (first - c) >= 0)), len(first), ALPHA / TOP_EVENTS)
        _, high = _bounds(int(np.sum(sign * (second - c) >= 0)), len(second), ALPHA / TOP_EVENTS)
        if low > delta:
            best = max(best, math.log((low - delta) / high))
    return best


def _samples(table: PrivateTable, run: Callable[[PrivateTable], float]) -> np.ndarray:
    return np.array([run(table) for _ in range(RUNS)], dtype=float)


def _audit(
    victim: list[tuple[str, int]], run: Callable[[PrivateTable], float], delta: float = 0.0
) -> float:
    d, d_prime = _neighbours(victim)
    return epsilon_lower_bound(_samples(d, run), _samples(d_prime, run), delta)


# -- honest mechanisms: ε_lb ≤ ε claimed ---------------------------------------------------

EPS = 1.0


def test_count() -> None:
    got = _audit([("a", 5)], lambda t: t.count(epsilon=EPS).value)
    assert got <= EPS


def test_histogram_with_contribution_bounds() -> None:
    # the victim has 5 rows in each of a and b; bounds keep 2 groups × 3 rows
    bounds = Bounds(max_groups=2, max_rows=3)
    victim = [("a", 1)] * 5 + [("b", 1)] * 5

    def both_bins(t: PrivateTable) -> float:
        value = t.histogram("g", ["a", "b", "c"], bounds=bounds, epsilon=EPS).value
        return min(value["a"] - 50, value["b"] - 50)  # the product event on both bins

    assert _audit(victim, both_bins) <= EPS


def test_sum() -> None:
    got = _audit([("a", 100)], lambda t: t.sum("x", lower=0, upper=100, epsilon=EPS).value)
    assert got <= EPS


def test_mean() -> None:
    got = _audit([("a", 100)], lambda t: t.mean("x", lower=0, upper=100, epsilon=EPS).value)
    assert got <= EPS


def test_quantile() -> None:
    def median(t: PrivateTable) -> float:
        return t.quantile("x", 0.5, candidates=list(range(0, 101, 10)), epsilon=EPS).value

    assert _audit([("a", 100)], median) <= EPS


def test_threshold_top_k_hides_a_key_only_the_victim_has() -> None:
    delta = 0.02

    def released(t: PrivateTable) -> float:
        return float("z" in t.top_k("g", 4, epsilon=EPS, delta=delta).value)

    assert _audit([("z", 1)], released, delta=delta) <= EPS


def test_gaussian_count_within_its_converted_epsilon() -> None:
    rho, delta = 0.125, 1e-3
    claimed = rho + 2 * math.sqrt(rho * math.log(1 / delta))
    got = _audit([("a", 5)], lambda t: t.count(rho=rho, noise="gaussian").value, delta=delta)
    assert got <= claimed


# -- broken variants: the audit must catch them --------------------------------------------


def test_audit_catches_noise_calibrated_for_half_the_sensitivity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = mechanisms.IntegerNoise.calibrate.__func__  # type: ignore[attr-defined]

    def halved(cls: Any, noise: Any, *, l1: int, l2: float, **kw: Any) -> Any:
        return original(cls, noise, l1=max(l1 // 2, 1), l2=l2 / 2, **kw)

    monkeypatch.setattr(mechanisms.IntegerNoise, "calibrate", classmethod(halved))
    bounds = Bounds(max_groups=1, max_rows=2)
    got = _audit([("a", 1), ("a", 1)], lambda t: t.count(bounds=bounds, epsilon=EPS).value)
    assert got > EPS


def test_audit_catches_forgotten_contribution_bounding(monkeypatch: pytest.MonkeyPatch) -> None:
    # as if the check that lets bounding be skipped were wrong: every subject's rows count
    monkeypatch.setattr(PrivateTable, "_needs_bounding", lambda self, bounds, grouped: False)
    victim = [("a", 1)] * 6
    assert _audit(victim, lambda t: t.count(epsilon=EPS).value) > EPS
    delta = 0.02

    def released(t: PrivateTable) -> float:
        return float("z" in t.top_k("g", 4, epsilon=EPS, delta=delta).value)

    assert _audit([("z", 1)] * 30, released, delta=delta) > EPS


def test_audit_catches_a_bounding_pass_that_keeps_every_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a table bounds its first query in SQL and the rest in the compiled pass over its subject
    # order (veil.analytics.dp.bounding): break only the pass, and the audit must see it
    original = SubjectOrder.aggregate

    def keeps_all(self: SubjectOrder, *args: Any, **kw: Any) -> Any:
        return original(self, *args, **{**kw, "max_rows": 10**6, "max_groups": 10**6})

    monkeypatch.setattr(SubjectOrder, "aggregate", keeps_all)
    bounds = Bounds(max_groups=1, max_rows=1)
    victim = [("a", 1)] * 6
    assert _audit(victim, lambda t: t.count(bounds=bounds, epsilon=EPS).value) > EPS


def test_sum_of_a_subject_with_many_rows() -> None:
    # the victim has 20 rows in a; bounds keep 3 rows' worth (3 × their mean) per group
    bounds = Bounds(max_groups=1, max_rows=3)
    victim = [("a", 100)] * 20

    def total(t: PrivateTable) -> float:
        return t.sum("x", lower=0, upper=100, bounds=bounds, epsilon=EPS).value

    assert _audit(victim, total) <= EPS
