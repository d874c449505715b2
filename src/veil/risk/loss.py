"""Information-loss metrics for a generalised, partly suppressed table.

Each metric scores one lattice node (a generalisation level per quasi-identifier, plus the
records suppressed at that node); lower is better for every *loss* below. They are computed
from integer class sizes and per-record code arrays, never per-row Python.

- **Discernibility** (Bayardo & Agrawal 2005, as in ARX): ``sum(|E|²)`` over the equivalence
  classes ``E`` that are kept, plus ``N`` for every suppressed record (a suppressed record is
  indistinguishable from all ``N``).
- **Average equivalence class size** (LeFevre, DeWitt & Ramakrishnan 2006):
  ``C_avg = (N - suppressed) / (classes × k)``; 1 is ideal (every class exactly ``k``). It is
  0 when every record is suppressed (no class is left).
- **Generalisation intensity** (Sweeney 2002, *Prec* is ``1 -`` this): the mean over
  quasi-identifiers of ``level / height``; a hierarchy of height 0 counts 0. ``precision`` in
  :meth:`Loss.to_dict` is Sweeney's ``Prec``.
- **Non-uniform entropy** (Gionis & Tassa 2009; ARX's ``NonUniformEntropy``): the sum over
  quasi-identifiers and records of ``-log2 P(original value | generalised value)``, where the
  probability is the share, among the *input* records whose value generalises to the same
  value, of those with the same original value. A suppressed record counts as generalised to
  the top (``*``): ``-log2 P(original value)``. In bits; 0 means nothing was generalised.

References: F. Kohlmayer et al., *Flash: Efficient, Stable and Optimal K-Anonymity*, 2012
(ARX); K. El Emam et al., *A Globally Optimal k-Anonymity Method for the De-Identification of
Health Data* (OLA), JAMIA 2009; L. Sweeney, *Achieving k-anonymity privacy protection using
generalization and suppression*, 2002; K. LeFevre et al., *Mondrian Multidimensional
K-Anonymity*, ICDE 2006.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

Objective = Literal["entropy", "discernibility", "average_class_size", "intensity"]
OBJECTIVES: tuple[Objective, ...] = ("entropy", "discernibility", "average_class_size", "intensity")


@dataclass(frozen=True)
class Loss:
    """The information loss of one node (see the module docstring for each metric)."""

    discernibility: float
    average_class_size: float
    intensity: float
    entropy: float

    def value(self, objective: Objective) -> float:
        """The metric named by ``objective``."""
        return float(getattr(self, objective))

    def to_dict(self) -> dict[str, float]:
        out = asdict(self)
        out["precision"] = 1.0 - self.intensity
        return out


def discernibility(class_sizes: np.ndarray, suppressed: int, records: int) -> float:
    """``sum(|E|²)`` over kept classes plus ``records`` for each suppressed record."""
    sizes = np.asarray(class_sizes, dtype=np.float64)
    return float(np.dot(sizes, sizes)) + float(suppressed) * float(records)


def average_class_size(records: int, suppressed: int, classes: int, k: int) -> float:
    """``(records - suppressed) / (classes × k)``; 0 when no class is left."""
    if classes == 0:
        return 0.0
    return (records - suppressed) / (classes * k)


def intensity(levels: Sequence[int], heights: Sequence[int]) -> float:
    """Mean over quasi-identifiers of ``level / height`` (height 0 counts 0)."""
    if not levels:
        return 0.0
    shares = [lv / h if h else 0.0 for lv, h in zip(levels, heights, strict=True)]
    return float(sum(shares) / len(shares))


def entropy_terms(original: np.ndarray, generalised: np.ndarray) -> np.ndarray:
    """Per record, ``-log2 P(original | generalised)`` from integer codes of both columns.

    The hierarchy is a tree, so ``P(o | g) = count(o) / count(g)`` over the input records.
    """
    count_o = np.bincount(original)
    count_g = np.bincount(generalised)
    return np.log2(count_g[generalised]) - np.log2(count_o[original])


def non_uniform_entropy(
    kept_terms: Sequence[np.ndarray], top_terms: Sequence[np.ndarray], kept: np.ndarray
) -> float:
    """Sum over quasi-identifiers of the kept records' terms at their level plus the
    suppressed records' terms at the top level (``kept`` is a boolean mask)."""
    total = 0.0
    suppressed = ~kept
    for at_level, at_top in zip(kept_terms, top_terms, strict=True):
        total += float(at_level[kept].sum()) + float(at_top[suppressed].sum())
    return total
