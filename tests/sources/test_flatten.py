"""flatten/unflatten: the flat shapes, type normalisation, quarantine reasons, round trips."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veil.sources.flatten import detect_shape, flatten, unflatten, validator
from veil.sources.shapes import FAKERAPI, RANDOMUSER

CANARY = "CANARY-ZZ9"


def _set(record: dict, path: str, value: Any) -> dict:
    *parents, key = path.split(".")
    node = record
    for part in parents:
        node = node[part]
    if value is _DELETE:
        del node[key]
    else:
        node[key] = value
    return record


_DELETE = object()


def test_randomuser_sample_flattens_to_the_exact_schema(randomuser_sample: dict) -> None:
    flat = flatten(randomuser_sample["results"], "randomuser")
    assert flat.quarantine.count == 0 and flat.rejections == []
    assert flat.batch.num_rows == 111
    assert flat.batch.schema.equals(RANDOMUSER, check_metadata=True)
    first = flat.batch.slice(0, 1).to_pylist()[0]
    assert first["location_postcode"] == "2722"  # an integer in the API
    assert first["location_coordinates_latitude"] == pytest.approx(-86.3514)
    assert first["location_street_number"] == 1614
    assert first["dob_date"] == datetime(1992, 3, 18, 17, 36, 0, 197000, tzinfo=UTC)
    assert flat.batch.column("id_value").null_count == 14


def test_fakerapi_sample_flattens_to_the_exact_schema(fakerapi_sample: dict) -> None:
    flat = flatten(fakerapi_sample["data"], "fakerapi")
    assert flat.batch.schema.equals(FAKERAPI, check_metadata=True)
    first = flat.batch.slice(0, 1).to_pylist()[0]
    assert first["birthday"] == datetime(1972, 9, 28, tzinfo=UTC)
    assert first["address_country_code"] == "GD"
    assert first["address_street_name"] == "chemin Nath Masson"
    assert first["address_building_number"] == "13"


def test_v1_county_code_lands_in_country_code(fakerapi_sample: dict) -> None:
    records = copy.deepcopy(fakerapi_sample["data"])
    for r in records:
        r["address"]["county_code"] = r["address"].pop("country_code")
    v1 = flatten(records, "fakerapi").batch.column("address_country_code")
    v2 = flatten(fakerapi_sample["data"], "fakerapi").batch.column("address_country_code")
    assert v1.equals(v2) and v1.null_count == 0


CORRUPTIONS = [
    ("location.postcode", {"v": CANARY}, "location.postcode: wrong type"),
    ("location.coordinates.latitude", [CANARY], "location.coordinates.latitude: wrong type"),
    ("location.coordinates.latitude", CANARY, "location.coordinates.latitude: not a number"),
    ("location.coordinates.longitude", "nan", "location.coordinates.longitude: not a number"),
    ("email", _DELETE, "email: missing"),
    ("login.uuid", _DELETE, "login.uuid: missing"),
    ("dob.date", CANARY, "dob.date: not a date"),
    ("location.street.number", CANARY, "location.street.number: wrong type"),
    ("nat", [CANARY], "nat: wrong type"),
    ("name", CANARY, "name: wrong type"),
]


@pytest.mark.parametrize(("path", "value", "reason"), CORRUPTIONS)
def test_malformed_randomuser_record_is_quarantined(
    randomuser_sample: dict, path: str, value: Any, reason: str
) -> None:
    records = copy.deepcopy(randomuser_sample["results"][:10])
    _set(records[4], path, value)
    flat = flatten(records, "randomuser")
    assert flat.batch.num_rows == 9
    assert flat.quarantine.as_dict() == {"count": 1, "reasons": {reason: 1}}
    assert [(r.index, r.reason) for r in flat.rejections] == [(4, reason)]
    assert str(flat.rejections[0]) == f"record 4: {reason}"
    assert CANARY not in repr(flat.quarantine) + repr(flat.rejections)


def test_renamed_field_and_non_objects(randomuser_sample: dict) -> None:
    records = copy.deepcopy(randomuser_sample["results"][:6])
    records[1]["e_mail"] = records[1].pop("email")
    records[3] = [CANARY]
    records[5] = CANARY
    flat = flatten(records, "randomuser", positions=[10, 11, 12, 13, 14, 15])
    assert flat.batch.num_rows == 3
    assert flat.quarantine.reasons == {"email: missing": 1, "(record): wrong type": 2}
    assert [r.index for r in flat.rejections] == [11, 13, 15]
    assert CANARY not in repr(flat)


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ("address.zipcode", 75001, "address.zipcode: wrong type"),
        ("address.latitude", [CANARY], "address.latitude: wrong type"),
        ("address.country_code", _DELETE, "address.country_code: missing"),
        ("birthday", CANARY, "birthday: not a date"),
        ("email", _DELETE, "email: missing"),
    ],
)
def test_malformed_fakerapi_record_is_quarantined(
    fakerapi_sample: dict, path: str, value: Any, reason: str
) -> None:
    records = copy.deepcopy(fakerapi_sample["data"])
    _set(records[2], path, value)
    flat = flatten(records, "fakerapi")
    assert flat.batch.num_rows == 9
    assert flat.quarantine.reasons == {reason: 1}
    assert CANARY not in repr(flat.quarantine)


def test_values_outside_the_documented_enums_are_kept(randomuser_sample: dict) -> None:
    """Enums are checked for type only: an unknown nat or gender is not a broken record."""
    records = copy.deepcopy(randomuser_sample["results"][:2])
    records[0]["nat"], records[1]["gender"] = "XX", "other"
    assert flatten(records, "randomuser").batch.num_rows == 2


def test_fields_left_out_by_inc_exc_become_null_columns(randomuser_sample: dict) -> None:
    keep = {"gender", "name", "nat", "email"}
    records = [{k: v for k, v in r.items() if k in keep} for r in randomuser_sample["results"]]
    flat = flatten(records, "randomuser", required=keep)
    assert flat.quarantine.count == 0
    assert flat.batch.schema.equals(RANDOMUSER, check_metadata=True)
    assert flat.batch.column("login_uuid").null_count == 111
    assert flat.batch.column("email").null_count == 0
    # but without saying so, a missing field is a broken record
    assert flatten(records, "randomuser").quarantine.reasons == {"location: missing": 111}


def test_unflatten_restores_the_api_records(randomuser_sample: dict, fakerapi_sample: dict) -> None:
    ru = randomuser_sample["results"]
    assert unflatten(flatten(ru, "randomuser").batch, "randomuser") == ru
    fk = fakerapi_sample["data"]
    assert unflatten(flatten(fk, "fakerapi").batch, "fakerapi") == fk
    v1 = unflatten(flatten(fk, "fakerapi").batch, "fakerapi", api_version="v1")
    assert "county_code" in v1[0]["address"] and "country_code" not in v1[0]["address"]


def test_unflatten_formats(randomuser_sample: dict) -> None:
    batch = flatten(randomuser_sample["results"][:1], "randomuser").batch
    record = unflatten(batch, "randomuser")[0]
    assert record["dob"]["date"] == "1992-03-18T17:36:00.197Z"
    assert record["location"]["postcode"] == 2722
    assert record["location"]["coordinates"] == {"latitude": "-86.3514", "longitude": "-12.4758"}


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_flat_row = st.fixed_dictionaries(
    {
        "name_first": _text,
        "nat": st.sampled_from(["GB", "NO", "DE", "US", "XX"]),
        "location_postcode": st.from_regex(r"[0-9A-Z ]{1,8}", fullmatch=True),
        "location_coordinates_latitude": st.floats(-90, 90),
        "dob_date": st.integers(-2_000_000_000_000, 4_000_000_000_000),
    }
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_flat_row, min_size=1, max_size=5))
def test_flatten_inverts_unflatten(randomuser_sample: dict, rows: list[dict]) -> None:
    table = pa.Table.from_batches(
        [flatten(randomuser_sample["results"][: len(rows)], "randomuser").batch]
    )
    for name in rows[0]:
        field = RANDOMUSER.field(name)
        values = [r[name] for r in rows]
        arr = (
            pa.array(values, pa.int64()).cast(field.type)
            if name == "dob_date"
            else pa.array(values, field.type)
        )
        table = table.set_column(table.schema.get_field_index(name), field, arr)
    batch = table.combine_chunks().to_batches()[0]
    again = flatten(unflatten(batch, "randomuser"), "randomuser")
    assert again.quarantine.count == 0
    assert again.batch.equals(batch)


def test_fast_check_agrees_with_jsonschema(randomuser_sample: dict) -> None:
    check = validator("randomuser")
    record = randomuser_sample["results"][0]
    mutants = [_set(copy.deepcopy(record), path, value) for path, value, _ in CORRUPTIONS]
    mutants += [copy.deepcopy(record), {}, [], None, 3]
    for mutant in mutants:
        fast = check._fast is not None and check._fast(mutant)
        assert fast == check._validator.is_valid(mutant)


def test_detect_shape(randomuser_sample: dict, fakerapi_sample: dict) -> None:
    assert detect_shape(randomuser_sample["results"][0]) == "randomuser"
    assert detect_shape(fakerapi_sample["data"][0]) == "fakerapi"
    assert detect_shape({"email": "x"}) is None
    assert detect_shape([1]) is None
