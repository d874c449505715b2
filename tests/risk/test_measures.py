"""Risk measures: hand-computed tables, agreement with pycanon, and properties."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.risk import equivalence_classes, risk_report

DATA = Path(__file__).parent / "data"
STUDENT_QI = ["Teacher", "Gender", "Ethnic", "Freeredu", "wesson"]
ADULT10_QI = ["age", "education", "occupation", "relationship", "sex", "native-country"]


def small() -> pa.Table:
    # classes: (a, x) ×3 {s: 1,1,2}, (a, y) ×1 {3}, (b, x) ×2 {1,2}
    return pa.table(
        {
            "q1": ["a", "a", "a", "a", "b", "b"],
            "q2": ["x", "x", "x", "y", "x", "x"],
            "s": ["p", "p", "q", "r", "p", "q"],
            "n": [1, 1, 2, 3, 1, 2],
        }
    )


def test_hand_computed_k_uniqueness_and_risks() -> None:
    r = risk_report(small(), ["q1", "q2"])
    assert (r.records, r.classes, r.k, r.unique_records) == (6, 3, 1, 1)
    assert r.uniqueness == pytest.approx(1 / 6)
    assert r.prosecutor.max == 1.0 and r.prosecutor.average == pytest.approx(3 / 6)
    assert r.journalist.max == r.prosecutor.max and "prosecutor" in r.journalist.basis
    assert r.marketer == pytest.approx(0.5)
    buckets = {b.size: (b.classes, b.records) for b in r.class_sizes}
    assert buckets["1"] == (1, 1) and buckets["2"] == (1, 2) and buckets["3"] == (1, 3)
    assert buckets["51+"] == (0, 0)
    d = r.to_dict()
    assert d["k"] == 1 and d["class_sizes"][0] == {"size": "1", "classes": 1, "records": 1}


def test_hand_computed_l_and_t() -> None:
    r = risk_report(small(), ["q1", "q2"], ["s", "n"], recursive=(2.0, 2))
    s, n = r.sensitive
    assert s.kind == "categorical" and n.kind == "ordered"
    assert s.l_distinct == 1 and n.l_distinct == 1
    assert s.l_entropy == pytest.approx(1.0)
    # global s: p 3/6, q 2/6, r 1/6. class (a,y) = {r}: ½(|0-.5|+|0-1/3|+|1-1/6|) = 5/6
    assert s.t == pytest.approx(5 / 6)
    # ordered n over 1<2<3, P = (.5, 1/3, 1/6); class (a,y) = {3}: cum diff (-.5, -5/6, 0)
    assert n.t == pytest.approx((0.5 + 5 / 6) / 2)
    assert math.isinf(s.recursive_c) and not s.recursive_satisfied  # (a,y) has one value
    assert json.loads(json.dumps(r.to_dict()))["sensitive"][0]["recursive_c"] is None


def test_recursive_cl_by_hand() -> None:
    t = pa.table({"q": ["a"] * 6 + ["b"] * 4, "s": list("xxxyyz") + list("xyzw")})
    r = risk_report(t, ["q"], ["s"], recursive=(2.0, 2))
    s = r.sensitive[0]
    # a: counts 3,2,1 → 3/(2+1) = 1; b: 1,1,1,1 → 1/3
    assert s.recursive_c == pytest.approx(1.0) and s.recursive_satisfied
    r3 = risk_report(t, ["q"], ["s"], recursive=(2.5, 3)).sensitive[0]
    assert r3.recursive_c == pytest.approx(3.0) and not r3.recursive_satisfied
    assert s.l_entropy == pytest.approx(
        math.exp(-(0.5 * math.log(0.5) + (1 / 3) * math.log(1 / 3) + (1 / 6) * math.log(1 / 6)))
    )


def test_nulls_are_a_value_of_their_own() -> None:
    t = pa.table({"q": ["a", None, None, "a"], "s": ["x", None, "y", "x"]})
    r = risk_report(t, ["q"], ["s"])
    assert (r.classes, r.k) == (2, 2)
    assert r.sensitive[0].l_distinct == 1 and r.sensitive[0].values == 3


def test_ordinal_order_is_used() -> None:
    t = pa.table({"q": ["a", "a", "b", "b"], "s": ["low", "high", "mid", "mid"]})
    r = risk_report(t, ["q"], ["s"], ordinal={"s": ["low", "mid", "high"]})
    # P = (.25,.5,.25); a = (.5,0,.5): cum (.25,-.25,0); b = (0,1,0): cum (-.25,.25,0)
    assert r.sensitive[0].kind == "ordered" and r.sensitive[0].t == pytest.approx(0.25)
    with pytest.raises(ValueError, match="ordinal list"):
        risk_report(t, ["q"], ["s"], ordinal={"s": ["low", "mid"]})
    with pytest.raises(ValueError, match="nulls"):
        risk_report(pa.table({"q": [1, 2], "s": [1.0, None]}), ["q"], ["s"])


def test_population_table_and_size() -> None:
    sample = pa.table({"q": ["a", "a", "b"]})
    pop = pa.table({"q": ["a"] * 10 + ["b"] * 5 + ["c"] * 3})
    r = risk_report(sample, ["q"], population=pop)
    assert r.journalist.max == pytest.approx(1 / 5)
    assert r.journalist.average == pytest.approx((2 / 10 + 1 / 5) / 3)
    assert r.marketer == pytest.approx(r.journalist.average)
    r2 = risk_report(sample, ["q"], population=30)
    assert r2.journalist.max == pytest.approx(1 / 10) and "N/n" in r2.journalist.basis


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="empty"):
        risk_report(small().slice(0, 0), ["q1"])
    with pytest.raises(ValueError, match="not in the table"):
        risk_report(small(), ["nope"])
    with pytest.raises(ValueError, match="both"):
        risk_report(small(), ["q1"], ["q1"])


# ---- agreement with pycanon (an independent implementation) --------------------------------

# The oracle pins numpy/scipy/typer versions the lock cannot take, so `make install` puts it
# in with --no-deps (requirements-oracles.txt). It is required: no silent skip.
import pandas as pd  # noqa: E402
from pycanon import anonymity as pycanon  # noqa: E402

CASES = [
    ("StudentsMath_Score.csv", STUDENT_QI, "Score", ","),
    ("StudentsMath_Score_k5.csv", STUDENT_QI, "Score", ","),
    ("adult_anonymized_10.csv", ADULT10_QI, "salary-class", ","),
    ("adult.csv", ["sex", "race", "marital-status"], "salary-class", ";"),
    ("adult.csv", ["sex", "race", "workclass"], "education", ";"),
    ("adult.csv", ["sex", "race", "salary-class"], "age", ";"),
]


@pytest.mark.parametrize(("name", "qi", "sa", "sep"), CASES)
def test_agrees_with_pycanon(name: str, qi: list[str], sa: str, sep: str) -> None:
    an = pycanon
    table = pacsv.read_csv(DATA / name, parse_options=pacsv.ParseOptions(delimiter=sep))
    df = pd.read_csv(DATA / name, sep=sep)
    r = risk_report(table, qi, [sa])
    s = r.sensitive[0]
    assert r.k == an.k_anonymity(df, qi)
    assert s.l_distinct == an.l_diversity(df, qi, [sa])
    # pycanon truncates exp(H) to an int; an exact integer may land either side of it
    ent = an.entropy_l_diversity(df, qi, [sa])
    assert math.floor(s.l_entropy - 1e-9) <= ent <= math.floor(s.l_entropy + 1e-9)
    assert s.t == pytest.approx(an.t_closeness(df, qi, [sa]), abs=1e-12)
    sizes = df.groupby(qi).size()
    assert r.unique_records == int((sizes == 1).sum())


def test_pycanon_published_values() -> None:
    table = pacsv.read_csv(DATA / "StudentsMath_Score.csv")
    s = risk_report(table, STUDENT_QI, ["Score"]).sensitive[0]
    assert s.t == pytest.approx(0.4165919952210274, abs=1e-12) and s.l_distinct == 1
    assert risk_report(pacsv.read_csv(DATA / "StudentsMath_Score_k5.csv"), STUDENT_QI).k == 5


# ---- properties ---------------------------------------------------------------------------

rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", None]),
        st.integers(0, 3),
        st.sampled_from("xyz"),
        st.integers(0, 4),
    ),
    min_size=1,
    max_size=40,
)


def _table(data: list[tuple[str | None, int, str, int]]) -> pa.Table:
    q1, q2, q3, s = zip(*data, strict=True)
    return pa.table({"q1": list(q1), "q2": list(q2), "q3": list(q3), "s": list(s)})


@settings(max_examples=150, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_properties(data: list[tuple[str | None, int, str, int]], rnd: object) -> None:
    t = _table(data)
    qis = ["q1", "q2", "q3"]
    r = risk_report(t, qis, ["s"])
    sizes = np.bincount(equivalence_classes(t, qis))
    assert (r.k <= sizes).all() and r.k == sizes.min()
    assert (r.uniqueness == 0) == (r.k >= 2)
    ks = [risk_report(t, qis[:i]).k for i in range(4)]
    assert all(a >= b for a, b in itertools.pairwise(ks))
    order = list(range(t.num_rows))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    shuffled = risk_report(t.take(order), qis, ["s"]).to_dict()
    same = r.to_dict()
    for key in ("k", "classes", "unique_records", "class_sizes"):
        assert shuffled[key] == same[key]
    for a, b in zip(shuffled["sensitive"], same["sensitive"], strict=True):
        for key, value in a.items():
            if isinstance(value, float):
                assert value == pytest.approx(b[key], abs=1e-12)
            else:
                assert value == b[key]


# ---- a naive reference, by the definitions, on wide keys (hash paths, key re-compaction) ----


def _naive(t: pa.Table, qis: list[str], sa: str, ordered: bool) -> dict[str, float]:
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for row in t.to_pylist():
        groups.setdefault(tuple(row[q] for q in qis), []).append(row[sa])
    everything = [v for vs in groups.values() for v in vs]
    domain = sorted(set(everything)) if ordered else list(set(everything))
    p = np.array([everything.count(v) for v in domain]) / len(everything)
    ts, ents, ls = [], [], []
    for vs in groups.values():
        q = np.array([vs.count(v) for v in domain]) / len(vs)
        if ordered:
            ts.append(np.abs(np.cumsum(q - p)).sum() / max(len(domain) - 1, 1))
        else:
            ts.append(0.5 * np.abs(q - p).sum())
        nz = q[q > 0]
        ents.append(math.exp(-(nz * np.log(nz)).sum()))
        ls.append(len(set(vs)))
    sizes = [len(vs) for vs in groups.values()]
    return {
        "k": min(sizes),
        "classes": len(groups),
        "t": max(ts),
        "l_entropy": min(ents),
        "l_distinct": min(ls),
    }


@pytest.mark.parametrize("ordered", [False, True])
@pytest.mark.parametrize(("columns", "cardinality"), [(3, 300), (5, 100_000)])
def test_matches_naive_on_wide_keys(ordered: bool, columns: int, cardinality: int) -> None:
    rng = np.random.default_rng(columns + cardinality + ordered)
    n = 600
    cols = {f"q{i}": rng.integers(0, cardinality if i == 0 else 4, n) for i in range(columns)}
    cols["q0"] = np.where(rng.random(n) < 0.7, cols["q0"] % 5, cols["q0"])  # some big classes
    cols["s"] = rng.integers(0, 7, n) if ordered else rng.integers(0, 7, n).astype(str)
    cols["q1"] = cols["q1"] * cardinality + rng.integers(0, 3, n)  # wide second key too
    t = pa.table(cols)
    qis = [f"q{i}" for i in range(columns)]
    want = _naive(t, qis, "s", ordered)
    r = risk_report(t.take(rng.permutation(n)), qis, ["s"])
    s = r.sensitive[0]
    assert (r.k, r.classes, s.l_distinct) == (want["k"], want["classes"], want["l_distinct"])
    assert s.t == pytest.approx(want["t"], abs=1e-12)
    assert s.l_entropy == pytest.approx(want["l_entropy"], rel=1e-12)


@pytest.mark.parametrize("ordered", [False, True])
def test_matches_naive_with_many_classes_and_values(ordered: bool) -> None:
    rng = np.random.default_rng(11)
    n = 3000
    q = np.where(rng.random(n) < 0.5, rng.integers(0, 20, n), rng.integers(0, 100_000, n))
    s = rng.integers(0, 150, n)
    t = pa.table({"q": q, "s": s if ordered else s.astype(str)})
    want = _naive(t, ["q"], "s", ordered)
    got = risk_report(t, ["q"], ["s"]).sensitive[0]
    assert got.t == pytest.approx(want["t"], abs=1e-12)
    assert got.l_entropy == pytest.approx(want["l_entropy"], rel=1e-12)


def test_many_wide_quasi_identifiers() -> None:
    rng = np.random.default_rng(5)
    n = 2000
    t = pa.table({f"q{i}": rng.integers(0, 10**9, n) for i in range(8)})
    t = pa.concat_tables([t, t.slice(0, 500)])  # 500 classes of 2, 1500 of 1
    ids = equivalence_classes(t, t.column_names)
    assert len(np.unique(ids)) == 2000 and (ids[:500] == ids[2000:]).all()
    r = risk_report(t, t.column_names)
    assert (r.k, r.unique_records, r.classes) == (1, 1500, 2000)
