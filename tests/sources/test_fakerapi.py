"""FakerApiSource: quantities, per-request seeds, v1/v2, envelope checks, loopback runs."""

from __future__ import annotations

import copy

import httpx
import pyarrow as pa
import pytest

from veil.errors import ApiError, ConfigError, SchemaError
from veil.sources import Source
from veil.sources.fakeapi import Corruption, run_fake_api
from veil.sources.fakerapi import FakerApiSource, persons_url, request_seed
from veil.sources.shapes import FAKERAPI


def _read(source: FakerApiSource) -> pa.Table:
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


def _transport(sample: dict, seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        n = int(request.url.params["_quantity"])
        data = [copy.deepcopy(sample["data"][i % 10]) for i in range(n)]
        return httpx.Response(200, json={**sample, "total": n, "data": data})

    return httpx.MockTransport(handle)


def test_requests_quantities_and_seeds(fakerapi_sample: dict) -> None:
    seen: list[httpx.Request] = []
    source = FakerApiSource(
        persons=2500,
        seed=7,
        locale="de_DE",
        gender="male",
        birthday_start="1950-01-01",
        birthday_end="2000-12-31",
        transport=_transport(fakerapi_sample, seen),
    )
    table = _read(source)
    assert isinstance(source, Source)
    assert table.num_rows == 2500 and table.schema.equals(FAKERAPI, check_metadata=True)
    params = sorted((dict(r.url.params) for r in seen), key=lambda p: -int(p["_quantity"]))
    assert [p["_quantity"] for p in params] == ["1000", "1000", "500"]
    assert {r.url.path for r in seen} == {"/api/v2/persons"}
    assert all(
        p["_locale"] == "de_DE"
        and p["_gender"] == "male"
        and p["_birthday_start"] == "1950-01-01"
        and p["_birthday_end"] == "2000-12-31"
        for p in params
    )
    seeds = {p["_seed"] for p in params}
    assert seeds == {str(request_seed(7, i)) for i in range(3)} and len(seeds) == 3


def test_request_seeds_are_reproducible_and_differ() -> None:
    a = [dict(p.params)["_seed"] for p in FakerApiSource(persons=5000, seed="s").pages()]
    b = [dict(p.params)["_seed"] for p in FakerApiSource(persons=5000, seed="s").pages()]
    c = [dict(p.params)["_seed"] for p in FakerApiSource(persons=5000, seed="t").pages()]
    assert a == b and len(set(a)) == 5 and a != c
    assert FakerApiSource(persons=10).seed == "veil"  # reproducible by default


@pytest.mark.parametrize(
    ("base", "version"),
    [
        ("https://fakerapi.it/api/v2/", "v2"),
        ("https://fakerapi.it/api/v1", "v1"),
        ("https://fakerapi.it/api/", "v2"),
        ("https://fakerapi.it/api/v1/persons", "v1"),
    ],
)
def test_base_url_decides_the_version(base: str, version: str) -> None:
    url, got = persons_url(base, "v2")
    assert got == version and url == f"https://fakerapi.it/api/{version}/persons"


@pytest.mark.parametrize(
    ("envelope", "error", "words"),
    [
        ({"status": "ERROR", "code": 400, "total": 0, "data": []}, ApiError, "status 'ERROR'"),
        ({"status": "OK", "code": 200, "total": 0}, SchemaError, "'data'"),
        ({"error": "quota"}, ApiError, "quota"),
    ],
)
def test_bad_envelopes(envelope: dict, error: type, words: str) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=envelope))
    with pytest.raises(error, match=words):
        _read(FakerApiSource(persons=3, transport=transport, max_retries=0))


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"page_size": 1001}, "page_size"),
        ({"birthday_start": "1990-13-01"}, "birthday_start"),
        ({"birthday_start": "2000-01-01", "birthday_end": "1990-01-01"}, "after"),
        ({"gender": "x"}, "gender"),
    ],
)
def test_bad_options(options: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        FakerApiSource(**options)


@pytest.mark.e2e
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_end_to_end_v1_and_v2(version: str) -> None:
    with run_fake_api(generator="fixtures") as api:
        source = FakerApiSource(
            persons=2300, seed=3, locale="fr_FR", base_url=f"{api.base_url}/api/{version}/"
        )
        table = _read(source)
        again = _read(
            FakerApiSource(
                persons=2300,
                seed=3,
                locale="fr_FR",
                concurrency=1,
                base_url=f"{api.base_url}/api/{version}/",
            )
        )
        raw = httpx.get(
            f"{api.base_url}/api/{version}/persons", params={"_quantity": 1, "_seed": 1}
        ).json()
    assert ("county_code" in raw["data"][0]["address"]) == (version == "v1")
    assert table.num_rows == 2300 and source.quarantine.count == 0
    assert table.equals(again)  # same seed, same people, in order, at any concurrency
    assert table.column("address_country_code").null_count == 0
    assert {r.path for r in api.requests} == {f"/api/{version}/persons"}
    assert {r.params["_quantity"] for r in api.requests[:-1]} == {"1000", "300"}


@pytest.mark.e2e
def test_end_to_end_filters_and_default_generator() -> None:
    with run_fake_api() as api:
        source = FakerApiSource(
            persons=40,
            gender="female",
            birthday_start="1980-01-01",
            birthday_end="1989-12-31",
            base_url=api.base_url + "/api/v2/",
        )
        table = _read(source)
    assert table.num_rows == 40 and set(table.column("gender").to_pylist()) == {"female"}
    years = {d.year for d in table.column("birthday").to_pylist()}
    assert years and min(years) >= 1980 and max(years) <= 1989


@pytest.mark.e2e
def test_end_to_end_corrupted_persons() -> None:
    corruptions = [
        Corruption(1, "address.zipcode", value={"z": "CANARY-ZZ9"}),
        Corruption(3, "birthday", "set", "CANARY-ZZ9"),
        Corruption(5, "address.country_code", "missing"),
    ]
    with run_fake_api(generator="fixtures", corruptions=corruptions) as api:
        source = FakerApiSource(persons=20, page_size=10, base_url=api.base_url + "/api/v2/")
        table = _read(source)
    assert table.num_rows == 14
    assert source.quarantine.reasons == {
        "address.zipcode: wrong type": 2,
        "birthday: not a date": 2,
        "address.country_code: missing": 2,
    }
    assert "CANARY" not in repr(source.quarantine) + repr(source.rejections)
