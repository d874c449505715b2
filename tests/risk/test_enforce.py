"""k-anonymity / l-diversity enforcement: hand-checked optima, laws, and a brute-force oracle."""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veil.operators.hierarchy import Hierarchy
from veil.risk.enforce import EnforcementError, EnforcementResult, enforce, mondrian
from veil.sources.synthetic import SyntheticSource

NUM = Hierarchy.from_rows(
    [
        [str(v), f"{v // 2 * 2}-{v // 2 * 2 + 1}", f"{v // 4 * 4}-{v // 4 * 4 + 3}", "*"]
        for v in range(8)
    ],
    name="num",
)
SEX = Hierarchy.from_rows([["m", "*"], ["f", "*"]], name="sex")
COLOUR = Hierarchy.from_rows(
    [["red", "warm", "*"], ["orange", "warm", "*"], ["blue", "cold", "*"], ["green", "cold", "*"]],
    name="colour",
)
COLOURS = ["red", "orange", "blue", "green"]


def small(a: Sequence[int | None], b: Sequence[str]) -> pa.Table:
    return pa.table({"a": pa.array(a, pa.int64()), "b": b})


# -- hand-checked optima ------------------------------------------------------------------------


def test_single_minimal_node() -> None:
    table = small([0, 1, 2, 3], ["m", "m", "f", "f"])
    result = enforce(table, {"a": NUM, "b": SEX}, k=2)
    # (0,0) and (0,1) leave singletons; (1,0) gives {0-1,m}×2 and {2-3,f}×2.
    assert result.levels == (1, 0)
    assert (result.suppressed, result.classes, result.k_achieved) == (0, 2, 2)
    assert result.lattice_size == 8


@pytest.mark.parametrize(
    ("objective", "levels"),
    [
        # (1,0): classes 4 and 2 → DM 20; a blurs 0|1 at 3/6 each → 6 bits; intensity 1/6.
        # (0,1): classes 3 and 3 → DM 18; b blurs m 4/6, f 2/6 → 4·log2(1.5)+2·log2(3) ≈ 5.51.
        ("entropy", (0, 1)),
        ("discernibility", (0, 1)),
        ("intensity", (1, 0)),
    ],
)
def test_objective_chooses_among_minimal_nodes(objective: str, levels: tuple[int, int]) -> None:
    table = small([0, 1, 0, 1, 0, 1], ["m", "m", "m", "m", "f", "f"])
    result = enforce(table, {"a": NUM, "b": SEX}, k=2, objective=objective)  # type: ignore[arg-type]
    assert result.levels == levels
    assert result.suppressed == 0


def test_loss_values_by_hand() -> None:
    table = small([0, 1, 0, 1, 0, 1], ["m", "m", "m", "m", "f", "f"])
    result = enforce(table, {"a": NUM, "b": SEX}, k=2, objective="entropy")
    assert result.loss.discernibility == 18
    assert result.loss.entropy == pytest.approx(4 * math.log2(1.5) + 2 * math.log2(3))
    assert result.loss.intensity == pytest.approx(0.5)  # a: 0/3, b: 1/1
    assert result.loss.average_class_size == pytest.approx(6 / (2 * 2))
    assert result.to_dict()["loss"]["precision"] == pytest.approx(0.5)


def test_suppression_budget_keeps_a_lower_node() -> None:
    # Eight records in two 4-classes at the bottom plus one outlier; 1/9 ≤ 12 % may go.
    table = small([0] * 4 + [1] * 4 + [7], ["m"] * 9)
    strict = enforce(table, {"a": NUM, "b": SEX}, k=2)
    loose = enforce(table, {"a": NUM, "b": SEX}, k=2, max_suppression=0.12)
    assert strict.levels == (3, 0)  # 0-3 / 4-7 still leaves 7 alone
    assert loose.levels == (0, 0) and loose.suppressed == 1
    assert loose.suppressed_share == pytest.approx(1 / 9)
    out = loose.apply(table)
    assert out.num_rows == 8 and sorted(out["a"].to_pylist()) == ["0"] * 4 + ["1"] * 4


def test_l_diversity() -> None:
    table = pa.table({"a": [0, 0, 1, 1], "b": ["m"] * 4, "disease": ["flu", "flu", "cold", "cold"]})
    k_only = enforce(table, {"a": NUM, "b": SEX}, k=2)
    assert k_only.levels == (0, 0)
    diverse = enforce(table, {"a": NUM, "b": SEX}, k=2, l=2, sensitive="disease")
    assert diverse.levels == (1, 0) and diverse.l_achieved == 2


def test_no_feasible_node() -> None:
    with pytest.raises(EnforcementError) as info:
        enforce(small([0, 1], ["m", "f"]), {"a": NUM, "b": SEX}, k=3)
    assert info.value.reason == "infeasible"


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"k": 0}, "parameter"),
        ({"k": 2, "l": 2}, "parameter"),
        ({"k": 2, "max_suppression": 1.5}, "parameter"),
        ({"k": 2, "objective": "nope"}, "parameter"),
        ({"k": 2, "l": 2, "sensitive": "missing"}, "column"),
    ],
)
def test_bad_parameters(kwargs: dict, reason: str) -> None:
    with pytest.raises(EnforcementError) as info:
        enforce(small([0, 1], ["m", "f"]), {"a": NUM, "b": SEX}, **kwargs)
    assert info.value.reason == reason


def test_unknown_and_null_values_are_handled() -> None:
    table = small([0, 0, 9, None], ["m", "m", "m", "m"])  # 9 is not in the hierarchy
    result = enforce(table, {"a": NUM, "b": SEX}, k=2, max_suppression=0.5)
    assert result.levels == (0, 0) and result.suppressed == 2


# -- laws and the brute-force oracle ------------------------------------------------------------


@st.composite
def cases(draw: st.DrawFn) -> tuple[pa.Table, int, float, bool]:
    n = draw(st.integers(0, 30))
    a = draw(st.lists(st.integers(0, 7), min_size=n, max_size=n))
    b = draw(st.lists(st.sampled_from(["m", "f"]), min_size=n, max_size=n))
    c = draw(st.lists(st.sampled_from(COLOURS), min_size=n, max_size=n))
    s = draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=n, max_size=n))
    k = draw(st.integers(1, 5))
    budget = draw(st.sampled_from([0.0, 0.05, 0.2, 0.5]))
    diverse = draw(st.booleans())
    return pa.table({"a": a, "b": b, "c": c, "s": s}), k, budget, diverse


HIERARCHIES = {"a": NUM, "b": SEX, "c": COLOUR}


def _oracle_classes(
    table: pa.Table, node: tuple[int, ...], k: int, l: int | None  # noqa: E741
) -> tuple[list[int], list[int]]:
    """Per-row Python: the sizes of the classes a node keeps, and of those it suppresses."""
    columns = [
        HIERARCHIES[name].generalize(table[name], level).to_pylist()
        for name, level in zip(HIERARCHIES, node, strict=True)
    ]
    keys = list(zip(*columns, strict=True)) if columns[0] else []
    sizes = Counter(keys)
    values: dict[tuple, set] = {}
    for key, s in zip(keys, table["s"].to_pylist(), strict=True):
        values.setdefault(key, set()).add(s)
    ok = {key: sizes[key] >= k and (l is None or len(values[key]) >= l) for key in sizes}
    kept = [v for key, v in sizes.items() if ok[key]]
    return kept, [v for key, v in sizes.items() if not ok[key]]


def oracle_suppressed(table: pa.Table, node: tuple[int, ...], k: int, l: int | None) -> int:  # noqa: E741
    """Per-row Python: how many records a node suppresses."""
    return sum(_oracle_classes(table, node, k, l)[1])


def lattice() -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(h.levels) for h in HIERARCHIES.values())))


def predecessors(node: tuple[int, ...]) -> list[tuple[int, ...]]:
    return [(*node[:j], node[j] - 1, *node[j + 1 :]) for j in range(len(node)) if node[j] > 0]


def run(table: pa.Table, k: int, budget: float, diverse: bool, **kw: object) -> EnforcementResult:
    extra = {"l": 2, "sensitive": "s"} if diverse else {}
    return enforce(table, HIERARCHIES, k, max_suppression=budget, **extra, **kw)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_matches_brute_force_and_laws(case: tuple[pa.Table, int, float, bool]) -> None:
    table, k, budget, diverse = case
    l = 2 if diverse else None  # noqa: E741
    allowed = math.floor(budget * table.num_rows + 1e-9)
    feasible = {n: oracle_suppressed(table, n, k, l) <= allowed for n in lattice()}
    # monotonicity: a feasible node's successors are feasible
    for node, ok in feasible.items():
        if ok:
            for j in range(len(node)):
                up = (*node[:j], node[j] + 1, *node[j + 1 :])
                assert feasible.get(up, True)
    minimal = [
        n for n, ok in feasible.items() if ok and not any(map(feasible.get, predecessors(n)))
    ]
    if not minimal:
        with pytest.raises(EnforcementError):
            run(table, k, budget, diverse)
        return
    for objective in ("entropy", "discernibility"):
        result = run(table, k, budget, diverse, objective=objective)
        brute = run(table, k, budget, diverse, objective=objective, strategy="exhaustive")
        assert result.levels in minimal
        assert result.levels == brute.levels and result.loss == brute.loss
        assert result.nodes_evaluated <= brute.nodes_evaluated == result.lattice_size
        if objective == "discernibility":
            best = min(minimal, key=lambda n: discernibility_oracle(table, n, k, l))
            assert result.loss.discernibility == discernibility_oracle(table, best, k, l)
    # the result is k-anonymous, within budget, and minimal
    assert result.suppressed == oracle_suppressed(table, result.levels, k, l) <= allowed
    out = result.apply(table)
    assert out.num_rows == table.num_rows - result.suppressed
    sizes = Counter(zip(*(out[name].to_pylist() for name in HIERARCHIES), strict=True))
    assert all(size >= k for size in sizes.values())
    assert not any(feasible[p] for p in predecessors(result.levels))
    if k == 1 and not diverse:
        assert result.levels == (0, 0, 0)


def discernibility_oracle(table: pa.Table, node: tuple[int, ...], k: int, l: int | None) -> float:  # noqa: E741
    kept = _oracle_classes(table, node, k, l)[0]
    n = table.num_rows
    return float(sum(v * v for v in kept) + (n - sum(kept)) * n)


def test_k1_picks_the_bottom() -> None:
    rng = np.random.default_rng(3)
    table = small(rng.integers(0, 8, 50).tolist(), rng.choice(["m", "f"], 50).tolist())
    result = enforce(table, {"a": NUM, "b": SEX}, k=1)
    assert result.levels == (0, 0) and result.suppressed == 0 and result.loss.entropy == 0


# -- end to end ---------------------------------------------------------------------------------


def ages(dob: pa.ChunkedArray, at: date) -> pa.Array:
    year, month, day = (np.asarray(f(dob)) for f in (pc.year, pc.month, pc.day))
    before = (month > at.month) | ((month == at.month) & (day > at.day))
    return pa.array(at.year - year - before.astype(np.int64))


def test_twenty_thousand_synthetic_users() -> None:
    source = SyntheticSource(persons=20_000, seed=11)
    table = pa.Table.from_batches(
        list(source.batches(columns=["dob_date", "gender", "location_city"]))
    )
    table = table.append_column("age", ages(table["dob_date"], date(2026, 1, 1)))
    gender = Hierarchy.from_rows([["male", "*"], ["female", "*"]], name="gender")
    hierarchies = {
        "age": Hierarchy.load("builtin:age"),
        "gender": gender,
        "location_city": Hierarchy.load("builtin:geo"),
    }
    start = time.perf_counter()
    result = enforce(table, hierarchies, k=5, max_suppression=0.02)
    elapsed = time.perf_counter() - start
    brute = enforce(table, hierarchies, k=5, max_suppression=0.02, strategy="exhaustive")
    assert result.levels == brute.levels and result.loss == brute.loss
    assert result.nodes_evaluated < result.lattice_size == 5 * 2 * 4
    assert result.suppressed_share <= 0.02 and result.k_achieved >= 5
    out = result.apply(table)
    assert out.num_rows == 20_000 - result.suppressed
    sizes = Counter(zip(*(out[q].to_pylist() for q in hierarchies), strict=True))
    assert min(sizes.values()) >= 5 and len(sizes) == result.classes
    assert result.to_dict()["levels"] == dict(zip(hierarchies, result.levels, strict=True))
    assert elapsed < 10


# -- Mondrian -----------------------------------------------------------------------------------


def bounds(label: str) -> tuple[float, float]:
    match = re.fullmatch(r"(-?[0-9.e+]+)-(-?[0-9.e+]+)", label)
    assert match, label
    return float(match[1]), float(match[2])


def check_mondrian(table: pa.Table, names: list[str], k: int, l: int | None = None) -> None:  # noqa: E741
    extra = {"l": l, "sensitive": "s"} if l else {}
    result = mondrian(table, names, k, **extra)  # type: ignore[arg-type]
    out = result.apply(table)
    boxes = list(zip(*(out[name].to_pylist() for name in names), strict=True))
    sizes = Counter(boxes)
    assert len(sizes) == result.classes and min(sizes.values()) >= k == result.k
    assert result.k_achieved == min(sizes.values())
    for name, labels in zip(names, (out[n].to_pylist() for n in names), strict=True):
        for value, label in zip(table[name].to_pylist(), labels, strict=True):
            lo, hi = bounds(label)
            assert lo <= value <= hi
    # strict partitioning: the boxes' intervals never overlap in every dimension at once
    ranges = [tuple(bounds(label) for label in box) for box in sizes]
    for one, two in itertools.combinations(ranges, 2):
        assert any(a[1] < b[0] or b[1] < a[0] for a, b in zip(one, two, strict=True))
    if l:
        values: dict[tuple, set] = {}
        for box, s in zip(boxes, table["s"].to_pylist(), strict=True):
            values.setdefault(box, set()).add(s)
        assert result.l_achieved is not None
        assert min(len(v) for v in values.values()) == result.l_achieved >= l


def test_mondrian_by_hand() -> None:
    table = pa.table({"x": [1, 2, 3, 4, 5, 6, 7, 8], "y": [1, 1, 1, 1, 2, 2, 2, 2]})
    result = mondrian(table, ["x", "y"], k=2)
    assert sorted(set(result.apply(table)["x"].to_pylist())) == ["1-2", "3-4", "5-6", "7-8"]
    assert result.classes == 4 and result.discernibility == 16
    assert result.to_dict()["loss"]["average_class_size"] == 1.0
    with pytest.raises(EnforcementError) as info:
        mondrian(table, ["x"], k=9)
    assert info.value.reason == "infeasible"
    with pytest.raises(EnforcementError):
        mondrian(pa.table({"x": ["a", "b"]}), ["x"], k=1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-5, 20), st.integers(0, 3), st.sampled_from("pqr")), max_size=60
    ),
    st.integers(1, 6),
    st.sampled_from([None, 2]),
)
def test_mondrian_laws(rows: list[tuple[int, int, str]], k: int, l: int | None) -> None:  # noqa: E741
    table = pa.table(
        {
            "x": pa.array([r[0] for r in rows], pa.int64()),
            "y": pa.array([r[1] for r in rows], pa.float64()),
            "s": [r[2] for r in rows],
        }
    )
    if len(rows) < k or (l and len({r[2] for r in rows}) < l):
        with pytest.raises(EnforcementError):
            mondrian(table, ["x", "y"], k, **({"l": l, "sensitive": "s"} if l else {}))  # type: ignore[arg-type]
        return
    check_mondrian(table, ["x", "y"], k, l)


def test_mondrian_twenty_thousand_users() -> None:
    source = SyntheticSource(persons=20_000, seed=5)
    table = pa.Table.from_batches(list(source.batches(columns=["dob_age", "registered_age"])))
    start = time.perf_counter()
    result = mondrian(table, ["dob_age", "registered_age"], k=5)
    assert time.perf_counter() - start < 10
    assert result.k_achieved >= 5 and result.classes > 20_000 // 50
    assert 0 < result.ncp < 1
