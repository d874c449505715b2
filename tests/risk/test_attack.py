"""The linkage attack: its matching rules, its power on raw data, and the 1/k bound."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.operators.hierarchy import Hierarchy
from veil.risk import enforce, mondrian, risk_report
from veil.risk.attack import AttackError, _compatible, linkage_attack

from .test_arx_adult import compare


def _matches(published: list[str | None], raw: list[str | None]) -> dict:
    hits = _compatible(published, raw)
    return {r: {published[i] for i in h} - {"*", None} for r, h in zip(raw, hits, strict=True)}


def test_matching_rules() -> None:
    ages = _matches(
        ["*", None, "30-39", "[40, 50)", "90+", "<18", "50k-75k", "30"],
        ["35", "40", "49.9", "50", "95", "17", "60000", "30.0", None],
    )
    assert ages == {
        "35": {"30-39"},
        "40": {"[40, 50)"},
        "49.9": {"[40, 50)"},
        "50": set(),  # the bracket is open at 50
        "95": {"90+"},
        "17": {"<18"},
        "60000": {"50k-75k", "90+"},
        "30.0": {"30-39", "30"},
        None: set(),
    }
    assert _compatible(["*", None, "30-39"], [None, "35"]) == [[0, 1], [0, 1, 2]]  # suppressed
    codes = _matches(["941**", "SW1A ***", "9410*"], ["94107", "SW1A 1AA", "94207", "941"])
    assert codes == {
        "94107": {"941**", "9410*"},
        "SW1A 1AA": {"SW1A ***"},
        "94207": set(),
        "941": set(),
    }
    dates = _matches(["2024", "2020s", "2024-Q2", "2024-05", "2023"], ["2024-05-17", "2023-12-31"])
    assert dates == {
        "2024-05-17": {"2024", "2020s", "2024-Q2", "2024-05"},
        "2023-12-31": {"2023", "2020s"},
    }
    assert _matches(["male", "female"], ["male", "Male"]) == {"male": {"male"}, "Male": set()}


def test_truncated_dates_read_the_unit_from_the_column() -> None:
    months = [date(2024, m, 1).isoformat() for m in (1, 2, 5)]
    hits = _compatible(months, ["2024-05-17", "2024-01-31"])
    assert [[months[i] for i in h] for h in hits] == [["2024-05-01"], ["2024-01-01"]]
    years = ["2023-01-01", "2024-01-01"]
    hits = _compatible(years, ["2024-05-17"])
    assert [[years[i] for i in h] for h in hits] == [["2024-01-01"]]


def _people(n: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "person": [f"p{i}" for i in range(n)],
            "age": rng.integers(18, 90, n).astype(str),
            "sex": rng.choice(["m", "f"], n),
            "zip": [f"{z:05d}" for z in rng.integers(10000, 10400, n)],
        }
    )


def test_raw_release_is_mostly_reidentified_and_matches_marketer_risk() -> None:
    people = _people(5_000, 1)
    result = linkage_attack(people, people, ["age", "sex", "zip"], truth="person", seed=3)
    marketer = risk_report(people, ["age", "sex", "zip"]).marketer
    assert result.expected_rate == pytest.approx(marketer)
    assert result.expected_rate > 0.8  # most combinations are unique: the attack has power
    assert result.unique_matches > 0.6 * people.num_rows
    assert result.truth_compatible == people.num_rows
    assert result.simulated_rate == pytest.approx(result.expected_rate, abs=0.03)


def test_k_anonymous_release_stays_under_one_over_k() -> None:
    people = _people(5_000, 2)
    zips = sorted(set(people.column("zip").to_pylist()))
    hierarchies = {
        "age": Hierarchy.age(),
        "sex": Hierarchy.from_rows([["m", "*"], ["f", "*"]]),
        "zip": Hierarchy.from_rows([[z, z[:4] + "*", z[:3] + "**", "*"] for z in zips]),
    }
    result = enforce(people, hierarchies, 10, max_suppression=0.02)
    release = result.apply(people)
    attack = linkage_attack(release, people, ["age", "sex", "zip"], truth="person", seed=5)
    assert attack.k >= 10
    assert attack.expected_rate <= attack.max_risk <= attack.bound == pytest.approx(1 / attack.k)
    assert attack.truth_compatible == release.num_rows  # generalisation is truthful
    sd = np.sqrt(attack.bound * (1 - attack.bound) / release.num_rows)
    assert attack.simulated_rate is not None and attack.simulated_rate <= attack.bound + 4 * sd


@pytest.mark.parametrize("k", [5, 100])
def test_adult_enforced_by_arx_hierarchies(k: int) -> None:
    table, hierarchies = compare.load()
    table = table.append_column("person", pa.array([str(i) for i in range(table.num_rows)]))
    release = enforce(table, hierarchies, k, max_suppression=0.04).apply(table)
    qis = list(hierarchies)
    raw = linkage_attack(table, table, qis, truth="person")
    blind = linkage_attack(release, table, qis, truth="person")
    assert blind.linked == 0  # "Undergraduate" means nothing without the hierarchy
    safe = linkage_attack(release, table, qis, truth="person", hierarchies=hierarchies)
    assert raw.expected_rate > 10 * safe.expected_rate
    assert safe.max_risk <= 1 / k and safe.expected_rate <= 1 / k
    assert safe.truth_compatible == release.num_rows


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 40)), min_size=12, max_size=150),
    k=st.integers(2, 6),
)
def test_mondrian_release_is_bounded(rows: list[tuple[int, int]], k: int) -> None:
    if len(rows) < k:
        return
    table = pa.table(
        {
            "person": [str(i) for i in range(len(rows))],
            "a": [r[0] for r in rows],
            "b": [r[1] for r in rows],
        }
    )
    release = mondrian(table, ["a", "b"], k).apply(table)
    attack = linkage_attack(release, table, ["a", "b"], truth="person")
    assert attack.truth_compatible == table.num_rows
    assert attack.max_risk <= 1 / k + 1e-12
    assert attack.expected_rate <= 1 / k + 1e-12


def test_renamed_columns_and_errors() -> None:
    people = _people(50, 4)
    published = people.select(["age", "sex"]).rename_columns(["age_band", "gender"])
    published = published.set_column(
        0, "age_band", pc.binary_join_element_wise(published.column(0), "", "")
    )
    result = linkage_attack(published, people, {"age_band": "age", "gender": "sex"})
    assert result.quasi_identifiers == ("age_band", "gender")
    with pytest.raises(AttackError, match="'nope' is not a column of the published"):
        linkage_attack(published, people, ["nope"])
    with pytest.raises(AttackError, match="population is empty"):
        linkage_attack(people, people.slice(0, 0), ["age"])
    with pytest.raises(AttackError, match="truth column"):
        linkage_attack(people, people, ["age"], truth="id")
