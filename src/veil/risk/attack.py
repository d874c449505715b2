"""A simulated linkage attack: an adversary with the population's raw quasi-identifiers.

The adversary holds, for everyone in a population (a voter roll, say), a name and the raw
quasi-identifier values (QIs): birth year, postcode, sex. They take each published record
and list the people whose raw values are **compatible** with its published values, then
claim one of them at random. A published record is re-identified when the claim is right.
This is Sweeney's attack on the Massachusetts hospital data, with the published side
generalised as veil publishes it.

**Compatibility** of a raw value ``v`` with a published value ``g``, per QI:

- ``g`` null, ``*`` or made of ``*`` only: suppressed, compatible with anything;
- ``g`` the same value (text equal, or numerically equal: ``30`` and ``30.0``);
- ``g`` a masked pattern (``941**``, ``SW1A ***``): same length, equal where ``g`` is not ``*``;
- ``g`` a range: ``30-39`` and ``50k-75k`` (both ends included), ``[30, 40)`` and
  ``[30, 40]``, ``90+``, ``>=90``, ``>90``, ``<18``, ``<=17``: ``v`` a number inside it;
- ``g`` an ancestor of ``v`` in the QI's hierarchy, when one is given (``Bachelors`` →
  ``Undergraduate``; a release generalised with ARX-style hierarchies publishes them, and
  an adversary must be assumed to have them);
- ``g`` a coarser date than ``v``: ``2024``, ``2020s``, ``2024-Q2``, ``2024-05``, or a date
  truncated to the first day of its year, quarter, month or week (the unit is read from the
  published column as a whole: all on 1 January means years, and so on).

**The measure.** For a published record in class ``c`` (records sharing all published QI
values), let ``M_c`` be the number of population records compatible with it on every QI.
A random claim is right with probability ``1/M_c`` when the person is in the population, so
the expected share of published records re-identified is ``(1/n)·Σ_c f_c/M_c`` (``f_c`` the
class size), and the highest risk of any record is ``max 1/M_c``. When the population holds
everyone who was published and the generalisation is truthful, ``M_c ≥ f_c ≥ k``: the rate
of a k-anonymous release cannot exceed ``1/k``. (With the published table itself as the
population, the rate equals the marketer risk of :func:`veil.risk.risk_report`.)

With ``truth`` (a column naming the person on both sides, for testing a release against its
own input), the claims are also *drawn* (a seeded generator: this is a simulation, not a
transform) and checked, and the report says how many published records were compatible
with their true person at all.

Cost: QI values are compared once per distinct (published value, raw value) pair that can
match, through indexes per kind of value; population records are grouped by their QI
tuple, and each group's compatible published classes are found QI by QI, keeping only
partial tuples that some published class starts with. Nothing is per (record × record).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veil.errors import ConfigError
from veil.operators.hierarchy import Hierarchy

_NUM = r"[-+]?\d+(?:\.\d+)?(?:[kKmM])?"
_RANGE = re.compile(rf"^\s*({_NUM})\s*(?:-|–|to)\s*({_NUM})\s*$")
_BRACKET = re.compile(rf"^\s*([\[(])\s*({_NUM})\s*,\s*({_NUM})\s*([\])])\s*$")
_OPEN = re.compile(rf"^\s*(>=|≥|>|<=|≤|<)\s*({_NUM})\s*$")
_PLUS = re.compile(rf"^\s*({_NUM})\s*\+\s*$")
_YEAR = re.compile(r"^(\d{4})$")
_DECADE = re.compile(r"^(\d{3})0s$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


class AttackError(ConfigError):
    """Bad input to the attack (the message names columns, never values)."""


@dataclass(frozen=True)
class AttackResult:
    """What the adversary achieved; ``to_dict()`` is JSON-safe and holds no values."""

    published: int  # records in the published table
    population: int  # records the adversary holds
    quasi_identifiers: tuple[str, ...]
    classes: int  # published equivalence classes
    k: int  # the published table's smallest class
    linked: int  # published records with at least one compatible person
    unique_matches: int  # published records compatible with exactly one person
    expected_rate: float  # expected share of published records re-identified
    max_risk: float  # highest chance that a record's claim is right
    bound: float  # 1/k
    simulated_rate: float | None = None  # with truth: share of claims that were right
    truth_compatible: int | None = None  # with truth: records compatible with their person

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["quasi_identifiers"] = list(self.quasi_identifiers)
        return out


def _scale(text: str) -> float:
    suffix = text[-1:].lower()
    if suffix in ("k", "m"):
        return float(text[:-1]) * (1_000 if suffix == "k" else 1_000_000)
    return float(text)


def _interval(label: str) -> tuple[float, float, bool, bool] | None:
    """``(low, high, low_included, high_included)`` for a range label, else None."""
    if m := _RANGE.match(label):
        return _scale(m.group(1)), _scale(m.group(2)), True, True
    if m := _BRACKET.match(label):
        return _scale(m.group(2)), _scale(m.group(3)), m.group(1) == "[", m.group(4) == "]"
    if m := _PLUS.match(label):
        return _scale(m.group(1)), math.inf, True, False
    if m := _OPEN.match(label):
        op, bound = m.group(1), _scale(m.group(2))
        if op in (">=", "≥"):
            return bound, math.inf, True, False
        if op == ">":
            return bound, math.inf, False, False
        if op in ("<=", "≤"):
            return -math.inf, bound, False, True
        return -math.inf, bound, False, False
    return None


def _as_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _as_date(text: str) -> date | None:
    if m := _DAY.match(text):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


def _date_unit(published: Sequence[str]) -> str | None:
    """The truncation unit of a column of published dates (all first days of …), if any."""
    days = [d for d in (_as_date(v) for v in published) if d is not None]
    if not days or len(days) < len(published) // 2:
        return None
    if all(d.month == 1 and d.day == 1 for d in days):
        return "year"
    if all(d.day == 1 and d.month in (1, 4, 7, 10) for d in days):
        return "quarter"
    if all(d.day == 1 for d in days):
        return "month"
    if all(d.weekday() == 0 for d in days):
        return "week"
    return "day"


def _truncate(day: date, unit: str) -> date:
    if unit == "year":
        return day.replace(month=1, day=1)
    if unit == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if unit == "month":
        return day.replace(day=1)
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day


def _date_labels(day: date) -> tuple[str, ...]:
    return (
        f"{day.year}",
        f"{day.year // 10 * 10}s",
        f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        f"{day.year}-{day.month:02d}",
    )


def _ancestors(hierarchy: Hierarchy) -> dict[str, set[str]]:
    """Each original value of a hierarchy → its generalisations at every level above 0."""
    levels = [column.to_pylist() for column in hierarchy.columns]
    return {value: {level[i] for level in levels[1:]} for i, value in enumerate(levels[0])}


def _compatible(
    published: list[str | None],
    raw: list[str | None],
    ancestors: Mapping[str, set[str]] | None = None,
) -> list[list[int]]:
    """For each raw value, the indexes of the published values compatible with it."""
    out: list[list[int]] = [[] for _ in raw]
    wild: list[int] = []
    exact: dict[str, list[int]] = defaultdict(list)
    numeric_exact: dict[float, list[int]] = defaultdict(list)
    patterns: dict[tuple[int, tuple[int, ...]], dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    intervals: list[tuple[float, float, bool, bool, int]] = []
    coarse_dates: dict[str, list[int]] = defaultdict(list)
    texts = [g for g in published if g is not None]
    unit = _date_unit(texts)
    for gi, g in enumerate(published):
        if g is None or g.strip("*") == "":
            wild.append(gi)
            continue
        exact[g].append(gi)
        if "*" in g:
            kept = tuple(i for i, ch in enumerate(g) if ch != "*")
            patterns[(len(g), kept)]["".join(g[i] for i in kept)].append(gi)
            continue
        if _YEAR.match(g) or _DECADE.match(g) or _QUARTER.match(g) or _MONTH.match(g):
            coarse_dates[g].append(gi)  # a year is also a number: both apply
        if (number := _as_number(g)) is not None:
            numeric_exact[number].append(gi)
        elif not _MONTH.match(g) and (bounds := _interval(g)) is not None:
            intervals.append((*bounds, gi))
    if unit is not None and unit != "day":
        for gi, g in enumerate(published):
            if g is not None and (day := _as_date(g)) is not None:
                coarse_dates[f"trunc:{day.isoformat()}"].append(gi)
    lows = np.array([iv[0] for iv in intervals], dtype=float)
    highs = np.array([iv[1] for iv in intervals], dtype=float)
    low_in = np.array([iv[2] for iv in intervals], dtype=bool)
    high_in = np.array([iv[3] for iv in intervals], dtype=bool)
    interval_ids = np.array([iv[4] for iv in intervals], dtype=np.int64)
    for vi, v in enumerate(raw):
        hits: list[int] = list(wild)
        if v is None:
            out[vi] = hits
            continue
        hits.extend(exact.get(v, ()))
        if ancestors is not None:
            for label in ancestors.get(v, ()):
                hits.extend(exact.get(label, ()))
        number = _as_number(v)
        if number is not None:
            hits.extend(g for g in numeric_exact.get(number, ()) if published[g] != v)
            if intervals:
                above = np.where(low_in, number >= lows, number > lows)
                below = np.where(high_in, number <= highs, number < highs)
                hits.extend(interval_ids[above & below].tolist())
        for (length, kept), index in patterns.items():
            if len(v) == length:
                hits.extend(index.get("".join(v[i] for i in kept), ()))
        if coarse_dates and (day := _as_date(v)) is not None:
            for label in _date_labels(day):
                hits.extend(coarse_dates.get(label, ()))
            if unit is not None and unit != "day":
                hits.extend(coarse_dates.get(f"trunc:{_truncate(day, unit).isoformat()}", ()))
        out[vi] = sorted(set(hits))
    return out


def _text_codes(column: pa.ChunkedArray | pa.Array, name: str) -> tuple[np.ndarray, list[Any]]:
    """Integer codes per row (nulls get their own code) and the distinct values as text."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.date32())
    try:
        text = column.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise AttackError(f"column {name!r} cannot be compared as text") from None
    encoded = pc.dictionary_encode(text, null_encoding="encode")
    return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()


def _groups(codes: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct code tuples (rows), their counts, and each record's tuple index."""
    stacked = np.stack(codes, axis=1) if codes else np.zeros((0, 0), dtype=np.int64)
    uniq, inverse, counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
    return uniq, counts, inverse.reshape(-1)


def linkage_attack(
    published: pa.Table,
    population: pa.Table,
    quasi_identifiers: Sequence[str] | Mapping[str, str],
    *,
    truth: str | tuple[str, str] | None = None,
    hierarchies: Mapping[str, Hierarchy] | None = None,
    seed: int = 0,
) -> AttackResult:
    """Link ``population`` (raw QIs) to ``published`` (generalised QIs); see the module.

    ``quasi_identifiers`` names published columns, found under the same name in the
    population, or maps published column → population column. ``truth`` names the column
    (or the published and population columns) identifying the person on both sides.
    ``hierarchies`` (published column → hierarchy) are the adversary's knowledge of how
    values were generalised.
    """
    pairs = (
        dict(quasi_identifiers)
        if isinstance(quasi_identifiers, Mapping)
        else {q: q for q in quasi_identifiers}
    )
    if not pairs:
        raise AttackError("the attack needs at least one quasi-identifier")
    for pub, pop in pairs.items():
        if pub not in published.column_names:
            raise AttackError(f"quasi-identifier {pub!r} is not a column of the published table")
        if pop not in population.column_names:
            raise AttackError(f"quasi-identifier {pop!r} is not a column of the population")
    truth_pair = (truth, truth) if isinstance(truth, str) else truth
    if truth_pair is not None:
        if truth_pair[0] not in published.column_names:
            raise AttackError(f"truth column {truth_pair[0]!r} is not in the published table")
        if truth_pair[1] not in population.column_names:
            raise AttackError(f"truth column {truth_pair[1]!r} is not in the population")
    n = published.num_rows
    if n == 0:
        raise AttackError("the published table is empty")
    if population.num_rows == 0:
        raise AttackError("the population is empty")

    pub_codes, pub_values, pop_codes, pop_values = [], [], [], []
    for pub, pop in pairs.items():
        codes, values = _text_codes(published.column(pub), pub)
        pub_codes.append(codes)
        pub_values.append(values)
        codes, values = _text_codes(population.column(pop), pop)
        pop_codes.append(codes)
        pop_values.append(values)
    known = dict(hierarchies or {})
    for name in known:
        if name not in pairs:
            raise AttackError(f"hierarchy given for {name!r}, which is not a quasi-identifier")
    compat = [
        _compatible(g, v, _ancestors(known[name]) if name in known else None)
        for name, g, v in zip(pairs, pub_values, pop_values, strict=True)
    ]

    classes, class_sizes, record_class = _groups(pub_codes)
    class_index = {tuple(row): i for i, row in enumerate(classes.tolist())}
    prefixes = [{tuple(row[:depth]) for row in classes.tolist()} for depth in range(1, len(pairs))]
    groups, group_sizes, person_group = _groups(pop_codes)
    matches = np.zeros(len(classes), dtype=np.int64)
    group_classes: list[list[int]] = []
    for row, size in zip(groups.tolist(), group_sizes.tolist(), strict=True):
        partial: list[tuple[int, ...]] = [()]
        for depth, value in enumerate(row):
            options = compat[depth][value]
            starts = prefixes[depth] if depth < len(row) - 1 else class_index
            partial = [t for p in partial for g in options if (t := (*p, g)) in starts]
            if not partial:
                break
        hit = [class_index[p] for p in partial]
        group_classes.append(hit)
        matches[hit] += size

    sizes = class_sizes.astype(float)
    linked_classes = matches > 0
    per_class = np.zeros(len(classes), dtype=float)
    per_class[linked_classes] = 1.0 / matches[linked_classes]
    expected = float((sizes * per_class).sum() / n)
    k = int(class_sizes.min())
    simulated: float | None = None
    truth_compatible: int | None = None
    if truth_pair is not None:
        simulated, truth_compatible = _simulate(
            published.column(truth_pair[0]),
            population.column(truth_pair[1]),
            record_class,
            person_group,
            group_classes,
            matches,
            seed,
        )
    return AttackResult(
        published=n,
        population=population.num_rows,
        quasi_identifiers=tuple(pairs),
        classes=len(classes),
        k=k,
        linked=int(class_sizes[linked_classes].sum()),
        unique_matches=int(class_sizes[matches == 1].sum()),
        expected_rate=expected,
        max_risk=float(per_class.max()),
        bound=1.0 / k,
        simulated_rate=simulated,
        truth_compatible=truth_compatible,
    )


def _simulate(
    published_ids: pa.ChunkedArray,
    population_ids: pa.ChunkedArray,
    record_class: np.ndarray,
    person_group: np.ndarray,
    group_classes: list[list[int]],
    matches: np.ndarray,
    seed: int,
) -> tuple[float, int]:
    """Draw each published record's claim among its ``M_c`` candidates and check it.

    The candidates of class ``c`` are the population records whose group is compatible with
    ``c``; the claim is right when it draws the true person, who is a candidate exactly when
    their group is compatible with the record's class. Drawing uniformly among ``M_c`` and
    checking one position is the same as drawing the candidate, so only the true person's
    membership and ``M_c`` are needed.
    """
    pop_ids = population_ids.combine_chunks().cast(pa.string())
    pub_ids = published_ids.combine_chunks().cast(pa.string())
    position = pc.index_in(pub_ids, value_set=pop_ids).to_numpy(zero_copy_only=False)
    rng = np.random.default_rng(seed)
    right = 0
    compatible = 0
    draws = rng.random(len(pub_ids))
    for record, where in enumerate(position):
        if where is None or (isinstance(where, float) and math.isnan(where)):
            continue
        cls = int(record_class[record])
        group = int(person_group[int(where)])
        if cls not in group_classes[group]:
            continue
        compatible += 1
        if draws[record] * matches[cls] < 1.0:  # the true person is one of M_c candidates
            right += 1
    return right / len(pub_ids), compatible
