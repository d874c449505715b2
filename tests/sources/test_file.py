"""FileSource: every format round-trips the API samples; bad files give clear errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from veil.errors import ConfigError, SchemaError, SourceError
from veil.sources import Source
from veil.sources.file import FileSource
from veil.sources.flatten import flatten
from veil.sources.shapes import SHAPES

CANARY = "CANARY-ZZ9"
KEYS = {"randomuser": "results", "fakerapi": "data"}


def _write(tmp: Path, kind: str, doc: dict, shape: str) -> Path:
    records = doc[KEYS[shape]]
    suffix = {"envelope": "json", "list": "json"}.get(kind, kind)
    path = tmp / f"{shape}-{kind}.{suffix}"
    if kind == "envelope":
        path.write_text(json.dumps(doc))
    elif kind == "list":
        path.write_text(json.dumps(records))
    elif kind == "ndjson":
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    else:
        table = pa.Table.from_batches([flatten(records, shape).batch])
        if kind == "csv":
            pacsv.write_csv(table, path)
        else:
            pq.write_table(table, path, row_group_size=25)
    return path


def _read(source: FileSource) -> pa.Table:
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


@pytest.fixture
def samples(randomuser_sample: dict, fakerapi_sample: dict) -> dict[str, dict]:
    return {"randomuser": randomuser_sample, "fakerapi": fakerapi_sample}


@pytest.mark.parametrize("shape", ["randomuser", "fakerapi"])
@pytest.mark.parametrize("kind", ["envelope", "list", "ndjson", "csv", "parquet"])
def test_every_format_round_trips_the_samples(
    tmp_path: Path, samples: dict, shape: str, kind: str
) -> None:
    doc = samples[shape]
    source = FileSource(_write(tmp_path, kind, doc, shape), batch_rows=30)
    assert isinstance(source, Source)
    assert source.shape == shape and source.schema.equals(SHAPES[shape], check_metadata=True)
    progress: list[int] = []
    batches = list(source.batches(progress.append))
    assert all(b.num_rows <= 30 for b in batches)
    expected = pa.Table.from_batches([flatten(doc[KEYS[shape]], shape).batch])
    assert pa.Table.from_batches(batches, schema=source.schema).equals(expected)
    assert sum(progress) == expected.num_rows
    assert source.quarantine.count == 0
    assert source.fingerprint()["shape"] == shape


@pytest.mark.parametrize("kind", ["envelope", "ndjson"])
def test_v1_and_v2_country_codes_both_land_in_address_country_code(
    tmp_path: Path, fakerapi_sample: dict, kind: str
) -> None:
    v1 = copy.deepcopy(fakerapi_sample)
    for record in v1["data"]:
        record["address"]["county_code"] = record["address"].pop("country_code")
    codes = []
    for name, doc in (("v1", v1), ("v2", fakerapi_sample)):
        folder = tmp_path / name
        folder.mkdir()
        codes.append(
            _read(FileSource(_write(folder, kind, doc, "fakerapi")))
            .column("address_country_code")
            .to_pylist()
        )
    assert codes[0] == codes[1] and None not in codes[0]


def test_ndjson_bad_lines_are_quarantined_by_line_number(
    tmp_path: Path, randomuser_sample: dict
) -> None:
    records = copy.deepcopy(randomuser_sample["results"][:20])
    records[3]["location"]["postcode"] = {"v": CANARY}
    lines = [json.dumps(r) for r in records]
    lines[7] = '{"email": "' + CANARY + '", broken'
    lines.insert(10, "")  # blank lines are skipped, but counted as lines
    path = tmp_path / "users.ndjson"
    path.write_text("\n".join(lines) + "\n")
    source = FileSource(path, batch_rows=6)
    table = _read(source)
    assert table.num_rows == 18
    assert source.quarantine.as_dict() == {
        "count": 2,
        "reasons": {"location.postcode: wrong type": 1, "(record): invalid JSON": 1},
    }
    assert [str(r) for r in source.rejections] == [
        "line 4: location.postcode: wrong type",
        "line 8: (record): invalid JSON",
    ]
    assert CANARY not in repr(source.quarantine) + repr(source.rejections)


def test_csv_values_that_do_not_cast_are_quarantined(
    tmp_path: Path, randomuser_sample: dict
) -> None:
    table = pa.Table.from_batches([flatten(randomuser_sample["results"][:12], "randomuser").batch])
    strings = table.cast(pa.schema([(n, pa.string()) for n in table.column_names]))
    lat = strings.column("location_coordinates_latitude").to_pylist()
    lat[5] = CANARY
    strings = strings.set_column(
        strings.schema.get_field_index("location_coordinates_latitude"),
        "location_coordinates_latitude",
        pa.array(lat),
    )
    dob = strings.column("dob_date").to_pylist()
    dob[8] = "1990-01-02"  # a bare date is fine: UTC midnight
    strings = strings.set_column(
        strings.schema.get_field_index("dob_date"), "dob_date", pa.array(dob)
    )
    path = tmp_path / "users.csv"
    pacsv.write_csv(strings.append_column("extra", pa.array(["x"] * 12)), path)
    source = FileSource(path)
    out = _read(source)
    assert out.num_rows == 11
    assert source.quarantine.reasons == {"location_coordinates_latitude: not a number": 1}
    assert [str(r) for r in source.rejections] == [
        "row 5: location_coordinates_latitude: not a number"
    ]
    assert out.column("dob_date").to_pylist()[7].isoformat() == "1990-01-02T00:00:00+00:00"
    assert source.ignored_columns == ["extra"]
    assert CANARY not in repr(source.quarantine) + repr(source.rejections)


def test_parquet_types_are_cast_to_the_shape(tmp_path: Path, randomuser_sample: dict) -> None:
    table = pa.Table.from_batches([flatten(randomuser_sample["results"], "randomuser").batch])
    digits = [p if p.isdigit() else "0" for p in table.column("location_postcode").to_pylist()]
    table = table.set_column(
        table.schema.get_field_index("location_postcode"),
        "location_postcode",
        pa.array([int(p) for p in digits]),
    )
    table = table.set_column(
        table.schema.get_field_index("dob_age"), "dob_age", table.column("dob_age").cast(pa.int32())
    )
    path = tmp_path / "users.parquet"
    pq.write_table(table, path)
    source = FileSource(path)
    out = _read(source)
    assert out.schema.equals(SHAPES["randomuser"], check_metadata=True)
    assert out.column("location_postcode").to_pylist() == [str(int(p)) for p in digits]
    assert source.expected_rows() == 111


def test_explicit_shape_overrides_detection(tmp_path: Path, randomuser_sample: dict) -> None:
    path = _write(tmp_path, "list", randomuser_sample, "randomuser")
    source = FileSource(path, shape="fakerapi")
    assert source.shape == "fakerapi"
    assert _read(source).num_rows == 0
    assert source.quarantine.count == 111


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        ('{"results": [{"email": "' + CANARY + '"} oops', SchemaError, ["line 1", "column"]),
        ('[\n  {"email": "' + CANARY + '",\n  }\n]', SchemaError, ["line 3", "column 3"]),
        ('{"people": []}', SchemaError, ['"results"', '"data"']),
        ('[{"who": "' + CANARY + '"}]', SchemaError, ["shape="]),
    ],
)
def test_bad_json_files(tmp_path: Path, content: str, error: type, words: list[str]) -> None:
    path = tmp_path / "users.json"
    path.write_text(content)
    with pytest.raises(error) as info:
        FileSource(path)
    message = str(info.value)
    assert all(w in message for w in words), message
    assert CANARY not in message and CANARY not in repr(info.value)


def test_missing_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"nope\.json"):
        FileSource(tmp_path / "nope.json")
    (tmp_path / "users.xlsx").write_text("x")
    with pytest.raises(ConfigError, match="unknown file format"):
        FileSource(tmp_path / "users.xlsx")
    (tmp_path / "bad.parquet").write_text(CANARY)
    with pytest.raises(SchemaError, match="not a Parquet file") as info:
        FileSource(tmp_path / "bad.parquet")
    assert CANARY not in str(info.value)


def test_flat_files_must_have_the_shape_columns(tmp_path: Path, randomuser_sample: dict) -> None:
    table = pa.Table.from_batches([flatten(randomuser_sample["results"], "randomuser").batch])
    path = tmp_path / "users.csv"
    pacsv.write_csv(table.drop_columns(["email", "nat"]), path)
    with pytest.raises(SchemaError) as info:
        FileSource(path)
    assert "'randomuser'" in str(info.value) and "email, nat" in str(info.value)
    with pytest.raises(SchemaError, match="missing columns of shape 'randomuser': email, nat"):
        FileSource(path, shape="randomuser")


def test_csv_rows_with_the_wrong_column_count(tmp_path: Path, randomuser_sample: dict) -> None:
    table = pa.Table.from_batches([flatten(randomuser_sample["results"][:5], "randomuser").batch])
    path = tmp_path / "users.csv"
    pacsv.write_csv(table, path)
    lines = path.read_text().splitlines()
    lines.insert(3, f'"{CANARY}",1,2')
    path.write_text("\n".join(lines) + "\n")
    source = FileSource(path)
    assert _read(source).num_rows == 5
    assert source.quarantine.reasons == {"(record): wrong number of columns": 1}
    assert CANARY not in repr(source.rejections)


def test_malformed_csv_is_a_schema_error_without_content(
    tmp_path: Path, randomuser_sample: dict
) -> None:
    table = pa.Table.from_batches([flatten(randomuser_sample["results"][:5], "randomuser").batch])
    path = tmp_path / "users.csv"
    pacsv.write_csv(table, path)
    path.write_bytes(path.read_bytes() + b'"' + CANARY.encode() + b'\xff\xfe,"unclosed\n')
    with pytest.raises(SchemaError) as info:
        list(FileSource(path).batches())
    assert CANARY not in str(info.value)


def test_parquet_reads_only_the_requested_columns(tmp_path: Path, samples: dict) -> None:
    path = _write(tmp_path, "parquet", samples["randomuser"], "randomuser")
    wanted = ["email", "location_city", "gender"]
    batches = list(FileSource(path, batch_rows=7).batches(columns=set(wanted)))
    table = pa.Table.from_batches(batches)
    assert table.column_names == ["gender", "location_city", "email"]  # schema order
    full = _read(FileSource(path))
    assert table.equals(full.select(table.column_names))


@pytest.mark.parametrize("kind", ["ndjson", "csv"])
def test_other_formats_narrow_too(tmp_path: Path, samples: dict, kind: str) -> None:
    path = _write(tmp_path, kind, samples["fakerapi"], "fakerapi")
    batches = list(FileSource(path).batches(columns=["email", "nope"]))
    assert {b.schema.names[0] for b in batches} == {"email"} and batches[0].num_columns == 1
