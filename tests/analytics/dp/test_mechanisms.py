"""The noise is what it claims: exact pmfs by chi-square, with power; intervals are tight."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from veil.analytics.dp.mechanisms import (
    IntegerNoise,
    ThresholdRelease,
    discrete_gaussian_pmf,
    discrete_laplace_pmf,
    gaussian_tails,
    noise_half_width,
    rho_for,
)

SAMPLES = 30_000
# The noise comes from a CSPRNG, never seeded, so a correct sampler fails a goodness-of-fit test
# at rate ACCEPT: 1e-5 keeps CI from flaking (at 1e-3 the five fits here fail about one run in
# 200); the power checks below still require p < 1e-6 for a scale 30 % off.
ACCEPT = 1e-5


def _chi_square(samples: np.ndarray, pmf: np.ndarray, support: np.ndarray) -> float:
    """p-value of ``samples`` against ``pmf`` on ``support`` (tails merged into the end bins,
    bins merged until each expects at least 5)."""
    counts = np.array([(samples == x).sum() for x in support], dtype=float)
    counts[0] += (samples < support[0]).sum()
    counts[-1] += (samples > support[-1]).sum()
    expected = pmf.copy()
    expected[0] += 1 - pmf.sum()  # the mass beyond the support, split evenly
    expected[0] -= (1 - pmf.sum()) / 2
    expected[-1] += (1 - pmf.sum()) / 2
    expected *= len(samples)
    obs, exp, acc_o, acc_e = [], [], 0.0, 0.0
    for o, e in zip(counts, expected, strict=True):
        acc_o, acc_e = acc_o + o, acc_e + e
        if acc_e >= 5:
            obs.append(acc_o)
            exp.append(acc_e)
            acc_o = acc_e = 0.0
    obs[-1] += acc_o
    exp[-1] += acc_e
    exp_arr = np.array(exp) * (sum(obs) / sum(exp))
    return float(stats.chisquare(obs, exp_arr).pvalue)


def _draw(noise: IntegerNoise) -> np.ndarray:
    return noise.release(np.zeros(SAMPLES, dtype=np.int64))


@pytest.mark.parametrize("epsilon", [0.5, 1.0])
def test_discrete_laplace_matches_its_pmf_and_the_test_has_power(epsilon: float) -> None:
    noise = IntegerNoise.calibrate("laplace", l1=2, l2=2.0, epsilon=epsilon)
    assert noise.scale == pytest.approx(2 / epsilon, rel=1e-6)
    assert noise.cost.epsilon <= epsilon and noise.cost.epsilon == pytest.approx(epsilon)
    samples = _draw(noise)
    bound = int(noise.scale * 8)
    support = np.arange(-bound, bound + 1)
    assert _chi_square(samples, discrete_laplace_pmf(support, noise.scale), support) > ACCEPT
    for wrong in (0.7, 1.3):  # the same samples against a scale 30 % off must be rejected
        pmf = discrete_laplace_pmf(support, noise.scale * wrong)
        assert _chi_square(samples, pmf, support) < 1e-6


@pytest.mark.parametrize("rho", [0.1, 0.5])
def test_discrete_gaussian_matches_its_pmf_and_the_test_has_power(rho: float) -> None:
    noise = IntegerNoise.calibrate("gaussian", l1=2, l2=math.sqrt(2), rho=rho)
    assert noise.cost.rho <= rho and noise.cost.rho == pytest.approx(rho)
    assert noise.scale == pytest.approx(math.sqrt(2) / math.sqrt(2 * rho), rel=1e-6)
    samples = _draw(noise)
    bound = int(noise.scale * 6)
    support = np.arange(-bound, bound + 1)
    assert _chi_square(samples, discrete_gaussian_pmf(support, noise.scale), support) > ACCEPT
    for wrong in (0.7, 1.3):
        pmf = discrete_gaussian_pmf(support, noise.scale * wrong)
        assert _chi_square(samples, pmf, support) < 1e-6


def test_threshold_counts_carry_laplace_noise_and_hide_rare_keys() -> None:
    release = ThresholdRelease.calibrate(groups=1, rows=1, epsilon=1.0, delta=1e-6)
    assert release.cost.epsilon <= 1.0 and release.cost.delta <= 1e-6
    big = {f"k{i}": 10_000 for i in range(SAMPLES // 10)}
    assert set(release.release(big)) == set(big)  # released in parts on threads: none lost
    samples = np.concatenate(
        [np.array(list(release.release(big).values())) - 10_000 for _ in range(10)]
    )
    bound = int(release.scale * 8)
    support = np.arange(-bound, bound + 1)
    assert _chi_square(samples, discrete_laplace_pmf(support, release.scale), support) > ACCEPT
    rare = {f"r{i}": 1 for i in range(20_000)}
    assert release.release(rare) == {}  # each would need a δ-probability event


@pytest.mark.parametrize(
    ("noise", "scale"), [("laplace", 2.0), ("laplace", 7.5), ("gaussian", 3.0)]
)
def test_interval_half_width_is_the_smallest_that_covers(noise: str, scale: float) -> None:
    t = noise_half_width(noise, scale, 0.95)  # type: ignore[arg-type]
    if noise == "laplace":
        a = math.exp(-1 / scale)
        tail = lambda u: 2 * a ** (u + 1) / (1 + a)  # noqa: E731
    else:
        tails = gaussian_tails(scale)
        tail = lambda u: tails[u]  # noqa: E731
    assert tail(t) <= 0.05 < tail(t - 1)
    kind = "laplace" if noise == "laplace" else "gaussian"
    measured = IntegerNoise.calibrate(
        kind,
        l1=1,
        l2=1.0,
        epsilon=1 / scale if kind == "laplace" else None,  # type: ignore[arg-type]
        rho=1 / (2 * scale * scale) if kind == "gaussian" else None,
    )
    samples = _draw(measured)
    width = measured.half_width(0.95)
    coverage = float(np.mean(np.abs(samples) <= width))
    if kind == "laplace":
        a = math.exp(-1 / measured.scale)
        exact = 1 - 2 * a ** (width + 1) / (1 + a)
    else:
        exact = 1 - float(gaussian_tails(measured.scale)[width])
    assert exact >= 0.95 and abs(coverage - exact) < 0.006  # the sampler agrees with the pmf


def test_rho_conversion_inverts_the_standard_bound() -> None:
    for eps, delta in [(1.0, 1e-6), (0.3, 1e-9), (5.0, 1e-3)]:
        rho = rho_for(eps, delta)
        assert rho + 2 * math.sqrt(rho * math.log(1 / delta)) == pytest.approx(eps)


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="epsilon"):
        IntegerNoise.calibrate("laplace", l1=1, l2=1.0)
    with pytest.raises(ValueError, match="rho"):
        IntegerNoise.calibrate("gaussian", l1=1, l2=1.0, epsilon=1.0)
    with pytest.raises(ValueError, match="delta"):
        ThresholdRelease.calibrate(groups=1, rows=1, epsilon=1.0, delta=0.0)


def test_threshold_release_matches_opendps_threshold_measurement() -> None:
    """veil draws the threshold mechanism's noise through OpenDP's vector Laplace (faster);
    key by key it must release as OpenDP's own Laplace-threshold measurement does: the same
    chance to clear the threshold at every count near it, the same noisy values. The same
    test rejects a filter off by one (``>`` for ``≥``), so it has the power to tell."""
    release = ThresholdRelease.calibrate(groups=1, rows=1, epsilon=1.0, delta=1e-6)
    t, n = release.threshold, 6_000
    for count in (t - 2, t - 1, t, t + 1):
        counts = {f"k{i}": count for i in range(n)}
        ours = release.release(counts)
        theirs = dict(release.measurement(counts))
        p_ours, p_theirs = len(ours) / n, len(theirs) / n
        pooled = (len(ours) + len(theirs)) / (2 * n)
        z = abs(p_ours - p_theirs) / math.sqrt(pooled * (1 - pooled) * 2 / n)
        assert z < 4.5, (count, p_ours, p_theirs)
        if count == t - 1:  # off by one: noisy > t instead of noisy ≥ t
            off = sum(1 for v in ours.values() if v > t) / n
            z_off = abs(off - p_theirs) / math.sqrt(pooled * (1 - pooled) * 2 / n)
            assert z_off > 6, (off, p_theirs)
        values = np.array(list(ours.values()) + list(theirs.values()))
        support = np.arange(t, values.max() + 1)
        observed_ours = np.array([sum(1 for v in ours.values() if v == x) for x in support])
        observed_theirs = np.array([sum(1 for v in theirs.values() if v == x) for x in support])
        table = np.vstack([observed_ours, observed_theirs])
        table = table[:, table.sum(axis=0) > 0]
        assert stats.chi2_contingency(table).pvalue > ACCEPT, count
