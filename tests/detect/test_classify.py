"""Classification of whole tables: the API samples, bad input, sampling, no raw values."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.detect import sample_table, scan_table
from veil.sources.flatten import flatten

NOW = datetime(2026, 1, 1, tzinfo=UTC)

RANDOMUSER_EXPECTED = {
    "gender": "gender", "name_first": "person_name", "name_last": "person_name",
    "location_street_name": "street_address", "location_city": "city",
    "location_state": "region", "location_country": "country", "location_postcode": "postcode",
    "location_coordinates_latitude": "latitude", "location_coordinates_longitude": "longitude",
    "email": "email", "login_uuid": "identifier", "login_username": "username",
    "login_password": "password", "login_md5": "password_hash", "login_sha1": "password_hash",
    "login_sha256": "password_hash", "login_salt": "password_hash",
    "dob_date": "date_of_birth", "registered_date": "date", "phone": "phone", "cell": "phone",
    "id_value": "national_id", "picture_large": "image", "nat": "country",
    "location_timezone_offset": "none",
}  # fmt: skip
FAKERAPI_EXPECTED = {
    "firstname": "person_name", "lastname": "person_name", "email": "email", "phone": "phone",
    "birthday": "date_of_birth", "gender": "gender", "address_street": "street_address",
    "address_city": "city", "address_zipcode": "postcode", "address_country": "country",
    "address_latitude": "latitude", "address_longitude": "longitude", "website": "url",
    "image": "image",
}  # fmt: skip


def test_randomuser_sample(randomuser_sample: dict) -> None:
    batch = flatten(randomuser_sample["results"], "randomuser").batch
    report = scan_table(batch, now=NOW)
    got = {c.column: c.entity for c in report.columns}
    assert {k: got[k] for k in RANDOMUSER_EXPECTED} == RANDOMUSER_EXPECTED
    assert report.subject_id == "login_uuid"
    assert report["email"].operator == {"op": "hash", "normalize": "trim_lower", "domain": "email"}
    assert report["dob_date"].operator["method"] == "age_band"
    assert report["location_coordinates_latitude"].operator["op"] == "geo_fuzz"
    assert report["login_password"].operator == {"op": "drop"}
    assert report["location_postcode"].operator["method"] == "prefix"
    assert report["phone"].operator["kind"] == "phone"
    assert report["email"].category == "direct identifier"
    assert report["login_password"].sensitivity == 4


def test_fakerapi_sample(fakerapi_sample: dict) -> None:
    batch = flatten(fakerapi_sample["data"], "fakerapi").batch
    report = scan_table(batch, now=NOW)
    got = {c.column: c.entity for c in report.columns}
    assert {k: got[k] for k in FAKERAPI_EXPECTED} == FAKERAPI_EXPECTED


def test_rows_and_to_dict_are_json_safe(randomuser_sample: dict) -> None:
    batch = flatten(randomuser_sample["results"], "randomuser").batch
    report = scan_table(batch, now=NOW)
    rows = report.rows()
    assert [r["column"] for r in rows] == batch.schema.names
    assert set(rows[0]) == {
        "column",
        "type",
        "confidence",
        "evidence",
        "category",
        "sensitivity",
        "operator",
        "review",
    }
    json.dumps(report.to_dict())
    json.dumps(rows)


def test_no_raw_value_in_report() -> None:
    canary = "zq9canary"
    n = 300
    table = pa.table({
        "email": [f"{canary}{i}@{canary}.example" for i in range(n)],
        "name": [f"{canary} Müller" for _ in range(n)],
        "notes": [f"call {canary} at home, he lives at 12 {canary} street" for _ in range(n)],
        "phone": [f"+49 30 {9000000 + i}" for i in range(n)],
        "salary": [987654.321] * n,
        canary.upper(): [canary] * n,  # a column name is not a value: it may appear
    })  # fmt: skip
    report = scan_table(table, now=NOW)
    blob = json.dumps(report.to_dict()) + json.dumps(report.rows())
    blob += repr(report) + str(report.columns)
    assert canary not in blob.replace(canary.upper(), "")
    assert "9000000" not in blob and "987654" not in blob


def test_bad_input_never_crashes() -> None:
    n = 50
    table = pa.table({
        "empty_strings": [""] * n,
        "all_null": pa.nulls(n),
        "null_strings": pa.array([None] * n, pa.string()),
        "binary": pa.array([bytes([i % 256, 0, 255]) for i in range(n)], pa.binary()),
        "long": ["x" * 100_000] * n,
        "unicode": ["😀 ñ 漢字 \u200b \u0000"] * n,
        "nested_struct": pa.array([{"a": i, "b": "x"} for i in range(n)]),
        "nested_list": pa.array([[1, 2]] * n),
        "mixed": [str(i) if i % 3 else f"user{i}@example.com" for i in range(n)],
        "dict": pa.array(["a", "b"] * (n // 2)).dictionary_encode(),
        "decimal": pa.array([1] * n, pa.decimal128(10, 2)),
        "bools": [True, False] * (n // 2),
        "times": pa.array([1] * n, pa.time32("s")),
        "floats_nan": [float("nan"), float("inf")] * (n // 2),
        "large": pa.array(["abc"] * n, pa.large_string()),
    })  # fmt: skip
    report = scan_table(table, now=NOW)
    by = {c.column: c for c in report.columns}
    assert by["nested_struct"].entity == "unknown" and "nested" in by["nested_struct"].reason
    assert by["nested_list"].entity == "unknown"
    assert by["binary"].entity == "unknown"
    assert by["all_null"].entity == "unknown"
    assert by["nested_struct"].operator == {"op": "drop"}
    assert by["unknown" if False else "all_null"].review


def test_empty_inputs() -> None:
    empty = pa.table({"email": pa.array([], pa.string())})
    report = scan_table(empty, now=NOW)
    assert report.rows_total == 0 and report.columns[0].entity == "email"
    assert report.columns[0].review
    assert scan_table(pa.table({}), now=NOW).columns == ()
    assert scan_table([], now=NOW).columns == ()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=40), st.text(max_size=20))
def test_any_text_column(values: list[str | None], name: str) -> None:
    scan_table(pa.table({name or "c": pa.array(values, pa.string())}), now=NOW)


def test_sample_is_deterministic_and_split_independent() -> None:
    table = pa.table({"i": list(range(5000))})
    whole, total = sample_table(table, 700, seed=3)
    split, _ = sample_table(table.to_batches(max_chunksize=333), 700, seed=3)
    other, _ = sample_table(table, 700, seed=4)
    assert total == 5000 and whole.num_rows == 700
    assert whole.column("i").to_pylist() == split.column("i").to_pylist()
    assert whole.column("i").to_pylist() == sorted(whole.column("i").to_pylist())
    assert whole.column("i").to_pylist() != other.column("i").to_pylist()
    small, _ = sample_table(table.slice(0, 10), 700)
    assert small.num_rows == 10


def test_sample_of_a_reader() -> None:
    table = pa.table({"email": [f"u{i}@example.com" for i in range(3000)]})
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=100))
    report = scan_table(reader, sample_rows=500, now=NOW)
    assert report.rows_total == 3000 and report.rows_sampled == 500
    assert report["email"].entity == "email"


@pytest.mark.parametrize(
    ("name", "values", "entity"),
    [
        ("description", ["A sturdy garden chair made of oak, seats two people comfortably."] * 30,
         "free_text"),
        ("zip_code", ["94110", "10001", "60614"] * 10, "postcode"),
        ("hostname", ["db-1.example.internal", "web-2.example.internal"] * 15, "none"),
        ("statement", ["open", "closed"] * 15, "none"),
        ("contact", [f"user{i}@example.org" for i in range(30)], "email"),
        ("col_7", ["DE89 3704 0044 0532 0130 00" for _ in range(30)], "iban"),
        ("x", ["4111 1111 1111 1111", "5555 5555 5555 4444"] * 15, "credit_card"),
        ("ref", ["123-45-6789", "234-56-7890"] * 15, "ssn"),
    ],
)  # fmt: skip
def test_misleading_and_unnamed_columns(name: str, values: list[str], entity: str) -> None:
    assert scan_table(pa.table({name: values}), now=NOW).columns[0].entity == entity


def test_bare_id_needs_personal_context() -> None:
    codes = [f"SKU-{i:05d}" for i in range(100)]
    products = pa.table({"id": codes, "price": [1.5] * 100})
    assert scan_table(products, now=NOW)["id"].entity == "none"
    users = pa.table({"id": codes, "email": [f"u{i}@example.com" for i in range(100)]})
    assert scan_table(users, now=NOW)["id"].entity == "identifier"


def test_duplicate_column_names() -> None:
    table = pa.Table.from_arrays(
        [pa.array(["a@example.com"] * 20), pa.array(["+49 30 901820"] * 20)], ["x", "x"]
    )
    report = scan_table(table, now=NOW)
    assert [c.entity for c in report.columns] == ["email", "phone"]
