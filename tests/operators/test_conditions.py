"""``when:`` conditions: validation at load, vectorised evaluation, and the engine's use."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from veil.engines import compile_policy
from veil.errors import PolicyError
from veil.keys import Keyring
from veil.operators.conditions import Condition
from veil.policy import policy_from_dict

REF = datetime(2026, 11, 22, tzinfo=UTC)

BATCH = pa.RecordBatch.from_pydict(
    {
        "nat": ["DE", "FR", None, "DE", "GB"],
        "age": [70, 30, 65, None, 45],
        "phone": ["030-1234567", "01 23 45 67", "555-0100", "089-7654321", "020 7946 0000"],
        "email": ["a@example.com", "b@gmail.com", None, "c@web.de", "d@example.com"],
    }
)


def _eval(spec: dict) -> list[bool]:
    return Condition.model_validate(spec).evaluate(BATCH).to_pylist()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"column": "nat", "op": "eq", "value": "DE"}, [True, False, False, True, False]),
        ({"column": "nat", "op": "ne", "value": "DE"}, [False, True, False, False, True]),
        ({"column": "age", "op": "ge", "value": 65}, [True, False, True, False, False]),
        ({"column": "age", "op": "lt", "value": 65}, [False, True, False, False, True]),
        ({"column": "nat", "op": "in", "value": ["FR", "GB"]}, [False, True, False, False, True]),
        ({"column": "nat", "op": "not_in", "value": ["DE"]}, [False, True, False, False, True]),
        ({"column": "age", "op": "is_null"}, [False, False, False, True, False]),
        ({"column": "email", "op": "not_null"}, [True, True, False, True, True]),
        (
            {"column": "email", "op": "matches", "value": r"@example\.com$"},
            [True, False, False, False, True],
        ),
        (
            {
                "all": [
                    {"column": "nat", "op": "eq", "value": "DE"},
                    {"column": "age", "op": "gt", "value": 60},
                ]
            },
            [True, False, False, False, False],
        ),
        (
            {
                "any": [
                    {"column": "nat", "op": "eq", "value": "GB"},
                    {"column": "age", "op": "gt", "value": 60},
                ]
            },
            [True, False, True, False, True],
        ),
        ({"not": {"column": "nat", "op": "eq", "value": "DE"}}, [False, True, True, False, True]),
    ],
)
def test_leaves_and_combinations(spec: dict, expected: list[bool]) -> None:
    assert _eval(spec) == expected


def test_columns_are_collected() -> None:
    cond = Condition.model_validate(
        {"all": [{"column": "a", "op": "is_null"}, {"not": {"column": "b", "op": "is_null"}}]}
    )
    assert cond.columns() == ["a", "b"]


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"column": "a"},
        {"column": "a", "op": "eq"},
        {"column": "a", "op": "in", "value": "x"},
        {"column": "a", "op": "is_null", "value": 1},
        {"column": "a", "op": "matches", "value": "("},
        {"all": []},
        {"column": "a", "op": "eq", "value": 1, "any": [{"column": "b", "op": "is_null"}]},
        {"op": "eq", "value": 1},
        {"column": "a", "op": "like", "value": 1},
    ],
)
def test_invalid_conditions_are_refused(spec: dict) -> None:
    with pytest.raises(ValidationError):
        Condition.model_validate(spec)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(-100, 100)), min_size=1, max_size=40),
    st.integers(-100, 100),
)
def test_comparisons_agree_with_python(values: list, threshold: int) -> None:
    batch = pa.RecordBatch.from_pydict({"x": pa.array(values, pa.int64())})
    got = Condition(column="x", op="gt", value=threshold).evaluate(batch).to_pylist()
    assert got == [v is not None and v > threshold for v in values]


def _policy(phone: dict, **extra: object) -> dict:
    return {
        "name": "conditional",
        "columns": {
            "nat": {"op": "keep"},
            "age": {"op": "keep"},
            "phone": phone,
            **extra,
        },
    }


def test_engine_applies_only_where_the_condition_holds(keyring: Keyring) -> None:
    policy = policy_from_dict(
        _policy(
            {
                "op": "mask",
                "kind": "phone",
                "keep_last": 2,
                "when": {"column": "nat", "op": "eq", "value": "DE"},
            }
        )
    )
    out = compile_policy(policy, BATCH.schema, keyring, REF).transform(BATCH)
    assert out.column("phone").to_pylist() == [
        "***-*****67",
        "01 23 45 67",
        "555-0100",
        "***-*****21",
        "020 7946 0000",
    ]
    assert "email" not in out.schema.names  # fail-closed still drops unnamed inputs


def test_otherwise_null(keyring: Keyring) -> None:
    spec = {"op": "hash", "when": {"column": "age", "op": "ge", "value": 65}, "otherwise": "null"}
    policy = policy_from_dict(_policy(spec))
    out = compile_policy(policy, BATCH.schema, keyring, REF).transform(BATCH).column("phone")
    assert [v is None for v in out.to_pylist()] == [False, True, False, True, True]


def test_condition_column_must_exist(keyring: Keyring) -> None:
    spec = {"op": "keep", "when": {"column": "natt", "op": "eq", "value": "DE"}}
    policy = policy_from_dict(_policy(spec))
    with pytest.raises(PolicyError) as info:
        compile_policy(policy, BATCH.schema, keyring, REF)
    assert "natt" in str(info.value) and "nat" in str(info.value)


def test_condition_value_of_the_wrong_type(keyring: Keyring) -> None:
    spec = {"op": "keep", "when": {"column": "age", "op": "gt", "value": "old"}}
    with pytest.raises(PolicyError) as info:
        compile_policy(policy_from_dict(_policy(spec)), BATCH.schema, keyring, REF)
    assert "columns.phone.when" in str(info.value)


def test_keep_needs_compatible_types(keyring: Keyring) -> None:
    spec = {"op": "generalize", "from": "age", "method": "bins", "edges": [0, 50]}
    bins = {**spec, "when": {"column": "nat", "op": "eq", "value": "DE"}}
    ok = policy_from_dict(_policy({"op": "keep"}, age_band=bins))
    out = compile_policy(ok, BATCH.schema, keyring, REF).transform(BATCH)
    # rows outside the condition keep their input, as text; a null stays null
    assert out.column("age_band").to_pylist() == ["50+", "30", "65", None, "45"]


def test_keep_refuses_incompatible_types(keyring: Keyring) -> None:
    batch = pa.RecordBatch.from_pydict(
        {"nat": ["DE"], "born": pa.array([datetime(1970, 5, 3, tzinfo=UTC)], pa.timestamp("ms"))}
    )
    when = {"column": "nat", "op": "eq", "value": "DE"}
    spec = {"op": "generalize", "method": "date_trunc", "unit": "year", "when": when}
    policy = policy_from_dict({"name": "p", "columns": {"nat": {"op": "keep"}, "born": spec}})
    with pytest.raises(PolicyError) as info:
        compile_policy(policy, batch.schema, keyring, REF)
    assert "columns.born.otherwise" in str(info.value) and "null" in str(info.value)
    nulled = policy_from_dict(
        {"name": "p", "columns": {"nat": {"op": "keep"}, "born": {**spec, "otherwise": "null"}}}
    )
    out = compile_policy(nulled, batch.schema, keyring, REF).transform(batch)
    assert out.column("born").to_pylist()[0].year == 1970


def test_record_suppression_drops_rows_before_anything_else(keyring: Keyring) -> None:
    policy = policy_from_dict(
        {
            "name": "p",
            "columns": {
                "nat": {"op": "keep"},
                "age": {"op": "keep"},
                "minors_and_unknown": {
                    "op": "suppress",
                    "scope": "record",
                    "from": "age",
                    "when": {
                        "any": [
                            {"column": "age", "op": "lt", "value": 50},
                            {"column": "age", "op": "is_null"},
                        ]
                    },
                },
            },
        }
    )
    compiled = compile_policy(policy, BATCH.schema, keyring, REF)
    assert compiled.output_schema.names == ["nat", "age"]  # the entry makes no column
    out = compiled.transform(BATCH)
    assert out.column("age").to_pylist() == [70, 65]
    assert out.column("nat").to_pylist() == ["DE", None]


def test_record_suppression_needs_a_condition() -> None:
    with pytest.raises(PolicyError, match="needs a `when`"):
        policy_from_dict(
            {"name": "p", "columns": {"age": {"op": "suppress", "scope": "record"}}}
        )


def test_an_operator_on_the_wrong_type_is_a_policy_error(keyring: Keyring) -> None:
    spec = {"op": "noise", "from": "nat", "scale": 1.0}
    policy = policy_from_dict({"name": "p", "columns": {"nat_noise": spec}})
    with pytest.raises(PolicyError) as info:
        compile_policy(policy, BATCH.schema, keyring, REF)
    assert "columns.nat_noise" in str(info.value) and "numeric" in str(info.value)
