"""Noise for integer aggregates, from OpenDP's exact samplers, calibrated and costed by OpenDP.

Every aggregate veil releases is an integer vector (counts, sums in cents or days) computed
without noise by DuckDB/numpy; noise is then added to the whole vector by one OpenDP
measurement, whose Rust samplers are exact (no floating-point noise, so no precision
attacks: Mironov 2012) and draw from a CSPRNG. Nothing here uses numpy's or Python's random.

- **Discrete Laplace** (pure ε-DP): noise with P(x) ∝ exp(−|x|/b). For L1 sensitivity Δ₁ its
  privacy map gives ε = Δ₁/b.
- **Discrete Gaussian** (ρ-zCDP; Canonne, Kamath & Steinke 2020): P(x) ∝ exp(−x²/2σ²), with
  ρ = Δ₂²/(2σ²) for L2 sensitivity Δ₂. zCDP converts to (ε, δ) for the budget
  (:mod:`veil.analytics.dp.ledger`).
- **Laplace threshold** (approximate DP; Rogers 2023): counts over keys nobody declared
  (cities, say) get Laplace noise and only those above a threshold are released, so a key
  that a single subject brings in shows up with probability at most δ.
- **Noisy top-k** (report-noisy-max family, McKenna & Sheldon 2020) and the **private
  quantile** (exponential mechanism over candidates, Smith 2011) come from OpenDP as they are.

Calibration never trusts a formula written here: the scale is found by OpenDP's binary search
over the measurement's own privacy map, so that the map at the declared sensitivity is within
the requested ε (or ρ), and the cost charged is what that map reports.

Confidence intervals are exact for the integer noise: the half-width ``t`` is the smallest
integer with P(|noise| > t) ≤ 1 − confidence, from the discrete pmfs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import opendp.prelude as dp

from veil.analytics.dp.ledger import Cost

dp.enable_features("contrib")

Noise = Literal["laplace", "gaussian"]
NOISES: tuple[Noise, ...] = ("laplace", "gaussian")
_I64 = "i64"


def _vector_laplace(scale: float) -> Any:
    space = dp.vector_domain(dp.atom_domain(T=_I64)), dp.l1_distance(T=_I64)
    return dp.m.make_laplace(*space, scale=scale)


def _vector_gaussian(scale: float) -> Any:
    space = dp.vector_domain(dp.atom_domain(T=_I64)), dp.l2_distance(T="f64")
    return dp.m.make_gaussian(*space, scale=scale)


@dataclass(frozen=True)
class IntegerNoise:
    """One calibrated measurement over int64 vectors: what it costs and how wide it is."""

    noise: Noise
    scale: float
    sensitivity: float  # L1 (Laplace) or L2 (Gaussian) of the vector, per subject
    cost: Cost
    measurement: Any

    @classmethod
    def calibrate(
        cls,
        noise: Noise,
        *,
        l1: int,
        l2: float,
        epsilon: float | None = None,
        rho: float | None = None,
    ) -> IntegerNoise:
        """The least noise whose privacy map at the sensitivity stays within the target:
        ``epsilon`` for Laplace, ``rho`` for Gaussian. Calibrations are cached (a
        measurement is immutable; the binary search costs milliseconds)."""
        return _calibrated(noise, l1, float(l2), epsilon, rho)

    @classmethod
    def _search(
        cls,
        noise: Noise,
        l1: int,
        l2: float,
        epsilon: float | None,
        rho: float | None,
    ) -> IntegerNoise:
        if noise == "laplace":
            if epsilon is None or not epsilon > 0:
                raise ValueError("Laplace noise needs epsilon > 0")
            scale = dp.binary_search_param(_vector_laplace, d_in=l1, d_out=epsilon)
            measurement = _vector_laplace(scale)
            return cls(noise, scale, l1, Cost(epsilon=measurement.map(l1)), measurement)
        if noise == "gaussian":
            if rho is None or not rho > 0:
                raise ValueError("Gaussian noise needs rho > 0")
            scale = dp.binary_search_param(_vector_gaussian, d_in=float(l2), d_out=rho)
            measurement = _vector_gaussian(scale)
            return cls(noise, scale, l2, Cost(rho=measurement.map(float(l2))), measurement)
        raise ValueError(f"unknown noise {noise!r}; use one of {', '.join(NOISES)}")

    def release(self, values: np.ndarray) -> np.ndarray:
        """``values`` (integers) plus fresh noise, as int64."""
        if values.size == 0:
            return values.astype(np.int64)
        # a contiguous int64 array crosses OpenDP's FFI without a per-element Python check
        noisy = self.measurement(np.ascontiguousarray(values, dtype=np.int64))
        return np.asarray(noisy, dtype=np.int64)

    def half_width(self, confidence: float) -> int:
        """Smallest t with P(|noise| > t) ≤ 1 − confidence."""
        return noise_half_width(self.noise, self.scale, confidence)


@lru_cache(maxsize=1024)
def _calibrated(
    noise: Noise,
    l1: int,
    l2: float,
    epsilon: float | None,
    rho: float | None,
) -> IntegerNoise:
    return IntegerNoise._search(noise, l1, l2, epsilon, rho)


@lru_cache(maxsize=256)
def noise_half_width(noise: Noise, scale: float, confidence: float) -> int:
    """Smallest integer t with P(|X| > t) ≤ 1 − confidence for the discrete noise X."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    beta = 1.0 - confidence
    if scale == 0:
        return 0
    if noise == "laplace":
        # P(x) = (1-a)/(1+a) a^|x|, a = exp(-1/b): P(|X| > t) = 2 a^(t+1) / (1+a)
        a = math.exp(-1.0 / scale)
        t = math.ceil(math.log(beta * (1 + a) / 2) / math.log(a) - 1) if a > 0 else 0
        t = max(t, 0)
        while t > 0 and 2 * a**t / (1 + a) <= beta:  # the formula's rounding, checked exactly
            t -= 1
        while 2 * a ** (t + 1) / (1 + a) > beta:
            t += 1
        return t
    tails = gaussian_tails(scale)
    return int(np.searchsorted(-tails, -beta, side="left"))


@lru_cache(maxsize=64)
def gaussian_tails(sigma: float) -> np.ndarray:
    """P(|X| > t) for t = 0, 1, … of the discrete Gaussian with parameter sigma."""
    bound = math.ceil(sigma * 14) + 10
    x = np.arange(0, bound + 1, dtype=float)
    weights = np.exp(-(x**2) / (2 * sigma * sigma))
    total = weights[0] + 2 * weights[1:].sum()
    # P(|X| > t) = 2 * sum_{x > t} w(x) / total
    above = 2 * (weights[::-1].cumsum()[::-1] - weights) / total
    return np.asarray(above, dtype=float)


def discrete_laplace_pmf(x: np.ndarray, scale: float) -> np.ndarray:
    """The exact pmf of OpenDP's discrete Laplace with ``scale``."""
    a = math.exp(-1.0 / scale)
    return (1 - a) / (1 + a) * a ** np.abs(x)


def discrete_gaussian_pmf(x: np.ndarray, sigma: float) -> np.ndarray:
    """The exact pmf of the discrete Gaussian with parameter ``sigma``."""
    bound = math.ceil(sigma * 14) + 10
    grid = np.arange(-bound, bound + 1, dtype=float)
    total = np.exp(-(grid**2) / (2 * sigma * sigma)).sum()
    return np.exp(-(np.asarray(x, dtype=float) ** 2) / (2 * sigma * sigma)) / total


# -- unknown keys --------------------------------------------------------------------------


def _threshold(scale: float, threshold: int) -> Any:
    space = (
        dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=_I64)),
        dp.l01inf_distance(dp.absolute_distance(T=_I64)),
    )
    return dp.m.make_laplace_threshold(*space, scale=scale, threshold=threshold)


@dataclass(frozen=True)
class ThresholdRelease:
    """Laplace noise on counts of undeclared keys, releasing only those above a threshold."""

    scale: float
    threshold: int
    cost: Cost
    measurement: Any
    noise: Any  # OpenDP's vector Laplace of the same scale: what release draws (below)

    @classmethod
    def calibrate(cls, *, groups: int, rows: int, epsilon: float, delta: float) -> ThresholdRelease:
        """A subject adds to at most ``groups`` keys, at most ``rows`` to each (cached)."""
        return _threshold_calibrated(groups, rows, epsilon, delta)

    @classmethod
    def _search(cls, groups: int, rows: int, epsilon: float, delta: float) -> ThresholdRelease:
        if not epsilon > 0 or not 0 < delta < 1:
            raise ValueError("a threshold release needs epsilon > 0 and 0 < delta < 1")
        d_in = (groups, groups * rows, rows)
        high = 1 << 40
        # ε depends on the scale only; δ shrinks as the threshold grows
        scale = dp.binary_search(
            lambda s: bool(_threshold(s, high).map(d_in)[0] <= epsilon), T=float
        )
        low, top = rows, high
        while low < top:  # the smallest threshold whose δ is within the target
            mid = (low + top) // 2
            if _threshold(scale, mid).map(d_in)[1] <= delta:
                top = mid
            else:
                low = mid + 1
        measurement = _threshold(scale, low)
        eps, dlt = measurement.map(d_in)
        return cls(scale, low, Cost(epsilon=eps, delta=dlt), measurement, _vector_laplace(scale))

    def release(self, counts: Mapping[str, int]) -> dict[str, int]:
        """The noisy counts at or above the threshold.

        OpenDP's Laplace threshold measurement (the one whose privacy map gives ``cost``)
        adds discrete Laplace noise of ``scale`` to each count on its own and keeps the keys
        whose noisy count is not below the threshold (then shuffles them; a dict here has no
        order to leak). The same sampler is drawn here through OpenDP's vector Laplace
        measurement of the same scale, on an int64 array, and the threshold applied to its
        output: the same distribution for every key, without converting a map of text keys
        through OpenDP's FFI one element at a time (half of the measurement's time on 2,000
        keys). Many keys go in parts on threads (the sampling runs in Rust without the GIL).
        The tests compare both releases key by key."""
        if not counts:
            return {}
        keys = [str(k) for k in counts]
        values = np.fromiter(counts.values(), dtype=np.int64, count=len(keys))
        parts = max(1, min(_WORKERS, len(keys) // _KEYS_PER_PART))
        if parts == 1:
            noisy = np.asarray(self.noise(values), dtype=np.int64)
        else:
            chunks = np.array_split(values, parts)
            noisy = np.concatenate(
                [np.asarray(n, dtype=np.int64) for n in _pool().map(self.noise, chunks)]
            )
        kept = np.flatnonzero(noisy >= self.threshold)
        return {keys[i]: int(noisy[i]) for i in kept}


_KEYS_PER_PART = 500
_WORKERS = max(1, min(8, os.cpu_count() or 1))


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(_WORKERS, thread_name_prefix="veil-dp-threshold")


@lru_cache(maxsize=256)
def _threshold_calibrated(groups: int, rows: int, epsilon: float, delta: float) -> ThresholdRelease:
    return ThresholdRelease._search(groups, rows, epsilon, delta)


# -- selection and quantiles ---------------------------------------------------------------


def noisy_top_k(
    scores: Sequence[int], k: int, *, epsilon: float, sensitivity: int
) -> tuple[list[int], Cost, float]:
    """Indices of the k highest ``scores`` (pure ε), each score moving by ≤ ``sensitivity``."""
    if not 1 <= k <= len(scores):
        raise ValueError("k must be between 1 and the number of candidates")

    def make(scale: float) -> Any:
        return dp.m.make_noisy_top_k(
            dp.vector_domain(dp.atom_domain(T=_I64, nan=False)),
            dp.linf_distance(T=_I64),
            dp.max_divergence(),
            k=k,
            scale=scale,
        )

    scale = dp.binary_search_param(make, d_in=sensitivity, d_out=epsilon)
    measurement = make(scale)
    picked = measurement([int(s) for s in scores])
    return list(picked), Cost(epsilon=measurement.map(sensitivity)), scale


def private_quantile(
    values: np.ndarray,
    alpha: float,
    candidates: Sequence[int],
    *,
    epsilon: float,
    rows_per_subject: int,
    include_empty: bool = True,
) -> tuple[int, Cost, float]:
    """The ``alpha`` quantile of integer ``values`` among ``candidates`` (pure ε); a subject
    contributes at most ``rows_per_subject`` values. With ``include_empty=False`` an empty
    ``values`` only calibrates (the answer is then 0 and meaningless)."""

    measurement, scale = _quantile_measurement(
        tuple(int(c) for c in candidates), alpha, epsilon, rows_per_subject
    )
    cost = Cost(epsilon=measurement.map(rows_per_subject))
    if values.size == 0 and not include_empty:
        return 0, cost, scale
    answer = measurement(values.astype(np.int64).tolist())
    return int(answer), cost, scale


@lru_cache(maxsize=128)
def _quantile_measurement(
    candidates: tuple[int, ...], alpha: float, epsilon: float, rows_per_subject: int
) -> tuple[Any, float]:
    def make(scale: float) -> Any:
        return dp.m.make_private_quantile(
            dp.vector_domain(dp.atom_domain(T=_I64)),
            dp.symmetric_distance(),
            dp.max_divergence(),
            candidates=list(candidates),
            alpha=alpha,
            scale=scale,
        )

    scale = dp.binary_search_param(make, d_in=rows_per_subject, d_out=epsilon)
    return make(scale), scale


def rho_for(epsilon: float, delta: float) -> float:
    """The largest ρ whose zCDP → (ε, δ) conversion, ε = ρ + 2·sqrt(ρ·ln(1/δ)), fits."""
    if not epsilon > 0 or not 0 < delta < 1:
        raise ValueError("need epsilon > 0 and 0 < delta < 1")
    log = math.log(1 / delta)
    root = -math.sqrt(log) + math.sqrt(log + epsilon)  # sqrt(ρ) solves x² + 2x·sqrt(L) = ε
    return root * root
