"""The local engine: compile-time checks, fail-closed, schema, determinism, batch splits."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from veil.engines import compile_policy
from veil.errors import PolicyError, UnknownColumnError
from veil.keys import Keyring
from veil.policy import builtin_policy, policy_from_dict
from veil.sources.shapes import RANDOMUSER

REF = datetime(2026, 11, 22, tzinfo=UTC)


def _rows(n: int) -> pa.RecordBatch:
    rows = []
    for i in range(n):
        rows.append(
            {
                "gender": "female" if i % 2 else "male",
                "name_first": f"First{i}",
                "name_last": "Last",
                "location_city": "Berlin",
                "location_country": "Germany",
                "location_postcode": "10115",
                "location_coordinates_latitude": 52.52,
                "location_coordinates_longitude": 13.40 + i / 1000,
                "email": f"user{i}@gmail.com",
                "login_uuid": f"uuid-{i}",
                "dob_date": datetime(1960 + i % 40, 3, 1, tzinfo=UTC),
                "registered_date": datetime(2010, 1 + i % 12, 15, tzinfo=UTC),
                "phone": "030-1234567",
                "nat": "DE",
            }
        )
    return pa.RecordBatch.from_pylist(rows, schema=RANDOMUSER)


def test_output_schema_known_before_data(keyring: Keyring) -> None:
    compiled = compile_policy(builtin_policy("randomuser"), RANDOMUSER, keyring, REF)
    assert compiled.output_schema.names[:4] == [
        "subject_id",
        "gender",
        "email_hash",
        "email_domain",
    ]
    assert compiled.output_schema.field("registered_month").type == pa.date32()
    assert compiled.output_schema.field("email_hash").metadata[b"veil.from"] == b"email"
    assert "email" not in compiled.output_schema.names


def test_transform_keeps_rows_and_is_split_invariant(keyring: Keyring) -> None:
    compiled = compile_policy(builtin_policy("randomuser"), RANDOMUSER, keyring, REF)
    batch = _rows(100)
    whole = pa.Table.from_batches([compiled.transform(batch)])
    parts = pa.Table.from_batches(
        [compiled.transform(batch.slice(0, 37)), compiled.transform(batch.slice(37))]
    )
    assert whole.num_rows == 100 and whole.equals(parts)
    assert whole.schema.equals(compiled.output_schema, check_metadata=False)
    assert set(whole.column("email_domain").to_pylist()) == {"gmail.com"}
    assert whole.column("subject_id").null_count == 0


def test_no_raw_value_survives_builtin_policy(keyring: Keyring) -> None:
    compiled = compile_policy(builtin_policy("randomuser"), RANDOMUSER, keyring, REF)
    out = compiled.transform(_rows(20)).to_pylist()
    text = repr(out)
    for planted in ("First1", "user3@gmail.com", "uuid-4", "030-1234567", "10115"):
        assert planted not in text


def test_unknown_columns_fail_closed_or_drop(keyring: Keyring) -> None:
    extended = RANDOMUSER.append(pa.field("secret_note", pa.string()))
    with pytest.raises(UnknownColumnError) as info:
        compile_policy(builtin_policy("randomuser"), extended, keyring, REF)
    assert info.value.columns == ("secret_note",)
    lenient = policy_from_dict(
        {"name": "p", "on_unknown_column": "drop", "columns": {"gender": {"op": "keep"}}}
    )
    compiled = compile_policy(lenient, extended, keyring, REF)
    assert compiled.output_schema.names == ["gender"]
    assert "secret_note" in compiled.dropped_unknown and "email" in compiled.dropped_unknown


def test_missing_input_fails_at_compile_time(keyring: Keyring) -> None:
    policy = policy_from_dict({"name": "p", "columns": {"x": {"op": "keep", "from": "emial"}}})
    with pytest.raises(PolicyError) as info:
        compile_policy(policy, RANDOMUSER, keyring, REF)
    assert info.value.issues[0].suggestion == "email"


def test_different_key_different_pseudonyms(keyring: Keyring, other_keyring: Keyring) -> None:
    batch = _rows(5)
    a = compile_policy(builtin_policy("randomuser"), RANDOMUSER, keyring, REF).transform(batch)
    b = compile_policy(builtin_policy("randomuser"), RANDOMUSER, other_keyring, REF).transform(
        batch
    )
    assert a.column("email_hash") != b.column("email_hash")
    assert a.column("age_band") == b.column("age_band")
