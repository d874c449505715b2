"""RandomUserSource: requests, paging, info checks, inc/exc, and the real loopback server."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pyarrow as pa
import pytest

from veil.errors import ConfigError, SchemaError
from veil.sources import Source, make_source
from veil.sources.fakeapi import Corruption, run_fake_api
from veil.sources.randomuser import RandomUserSource
from veil.sources.shapes import RANDOMUSER

Handler = Callable[[httpx.Request], httpx.Response]


def _api(
    records: list[dict],
    *,
    info: Callable[[dict], dict] | None = None,
    seen: list[httpx.Request] | None = None,
) -> httpx.MockTransport:
    """A MockTransport that pages the sample like randomuser does."""

    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        q = dict(request.url.params)
        results, page = int(q["results"]), int(q["page"])
        chosen = [copy.deepcopy(records[(page * 7 + i) % len(records)]) for i in range(results)]
        block = {"seed": q["seed"], "results": results, "page": page, "version": "1.4"}
        return httpx.Response(200, json={"results": chosen, "info": info(block) if info else block})

    return httpx.MockTransport(handle)


def _read(source: RandomUserSource, progress: list[int] | None = None) -> pa.Table:
    batches = list(source.batches(progress.append if progress is not None else None))
    return pa.Table.from_batches(batches, schema=source.schema)


def test_pages_params_and_order(randomuser_sample: dict) -> None:
    seen: list[httpx.Request] = []
    source = RandomUserSource(
        persons=2300,
        seed="abc",
        nat="de, fr",
        gender="female",
        page_size=1000,
        transport=_api(randomuser_sample["results"], seen=seen),
    )
    progress: list[int] = []
    table = _read(source, progress)
    assert isinstance(source, Source)
    assert table.num_rows == 2300 and progress == [1000, 1000, 300]
    assert table.schema.equals(RANDOMUSER, check_metadata=True)
    urls = sorted(seen, key=lambda r: int(r.url.params["page"]))
    assert [r.url.path for r in urls] == ["/api/1.4/"] * 3
    assert [dict(r.url.params) for r in urls] == [
        {"results": str(n), "seed": "abc", "page": str(p), "nat": "DE,FR", "gender": "female"}
        for p, n in ((1, 1000), (2, 1000), (3, 300))
    ]
    assert all("noinfo" not in r.url.params for r in seen)


def test_version_is_pinned_in_the_path() -> None:
    for base in (
        "https://randomuser.me/api/",
        "https://randomuser.me/api",
        "https://randomuser.me/api/1.4/",
    ):
        assert RandomUserSource(base_url=base).url == "https://randomuser.me/api/1.4/"
    assert RandomUserSource(version="1.3").url == "https://randomuser.me/api/1.3/"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda info: {**info, "version": "1.3"}, "version '1.3'"),
        (lambda info: {**info, "page": 1}, "page 1"),
        (lambda info: {**info, "seed": "other"}, "seed 'other'"),
    ],
)
def test_info_mismatch_is_a_schema_error(
    randomuser_sample: dict, change: Callable, words: str
) -> None:
    source = RandomUserSource(
        persons=20,
        page_size=10,
        concurrency=1,
        transport=_api(randomuser_sample["results"], info=change),
    )
    with pytest.raises(SchemaError, match=words):
        _read(source)


@pytest.mark.parametrize("payload", [{"info": {}}, {"results": "none"}, [1, 2]])
def test_a_page_without_results_is_a_schema_error(payload: Any) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=payload))
    with pytest.raises(SchemaError, match="'results'"):
        _read(RandomUserSource(persons=5, transport=transport, max_retries=0))


def test_inc_exc_fields_become_null_columns(randomuser_sample: dict) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        exc = request.url.params["exc"].split(",")
        records = [
            {k: v for k, v in r.items() if k not in exc} for r in randomuser_sample["results"][:10]
        ]
        return httpx.Response(200, json={"results": records})

    source = RandomUserSource(
        persons=10, exc=["login", "picture"], transport=httpx.MockTransport(handle)
    )
    table = _read(source)
    assert table.num_rows == 10 and source.quarantine.count == 0
    assert table.column("login_uuid").null_count == 10
    assert table.column("email").null_count == 0
    assert source.fields() == frozenset(RandomUserSource().fields()) - {"login", "picture"}


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"page_size": 5001}, "page_size"),
        ({"persons": -1}, "persons"),
        ({"gender": "other"}, "gender"),
        ({"inc": "emial"}, "did you mean 'email'"),
        ({"concurrency": 0}, "concurrency"),
    ],
)
def test_bad_options(options: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        RandomUserSource(**options)


def test_fingerprint_has_no_credentials() -> None:
    source = make_source(
        "randomuser", persons=10, base_url="https://user:hunter2@mirror.example/api/?token=s3cret"
    )
    text = json.dumps(source.fingerprint())
    assert "hunter2" not in text and "s3cret" not in text
    assert source.fingerprint()["url"] == "https://mirror.example/api/1.4/"
    assert source.expected_rows() == 10


def test_zero_persons_fetches_nothing() -> None:
    transport = httpx.MockTransport(lambda r: pytest.fail("no request expected"))
    assert list(RandomUserSource(persons=0, transport=transport).batches()) == []


@pytest.mark.e2e
@pytest.mark.parametrize("generator", ["fixtures", "auto"])
def test_end_to_end_pages_arrive_in_order(generator: str) -> None:
    with run_fake_api(generator=generator) as api:
        base = api.base_url + "/api/"
        one = _read(
            RandomUserSource(persons=1100, seed="xyz", page_size=200, concurrency=1, base_url=base)
        )
        many = _read(
            RandomUserSource(persons=1100, seed="xyz", page_size=200, concurrency=4, base_url=base)
        )
        pages = [
            httpx.get(base + "1.4/", params={"results": 200, "seed": "xyz", "page": p}).json()[
                "results"
            ]
            for p in (1, 6)
        ]
    assert one.num_rows == many.num_rows == 1100
    assert one.equals(many)
    uuids = many.column("login_uuid").to_pylist()
    assert uuids[:200] == [r["login"]["uuid"] for r in pages[0]]
    assert uuids[1000:] == [r["login"]["uuid"] for r in pages[1][:100]]
    assert len(set(uuids)) == 1100
    sequential = [(r.params["page"], r.params["results"]) for r in api.requests[:6]]
    assert sequential == [
        ("1", "200"),
        ("2", "200"),
        ("3", "200"),
        ("4", "200"),
        ("5", "200"),
        ("6", "100"),
    ]


@pytest.mark.e2e
def test_end_to_end_filters_and_inc() -> None:
    with run_fake_api(generator="fixtures") as api:
        source = RandomUserSource(
            persons=50,
            nat="FR",
            gender="male",
            inc="gender,name,nat,location",
            base_url=api.base_url + "/api/",
        )
        table = _read(source)
    assert table.num_rows == 50 and source.quarantine.count == 0
    assert set(table.column("nat").to_pylist()) == {"FR"}
    assert set(table.column("gender").to_pylist()) == {"male"}
    assert table.column("email").null_count == 50
    assert api.requests[0].params["inc"] == "gender,name,nat,location"


@pytest.mark.e2e
def test_end_to_end_version_mismatch() -> None:
    with (
        run_fake_api(generator="fixtures", info_version="1.3") as api,
        pytest.raises(SchemaError, match="version"),
    ):
        _read(RandomUserSource(persons=5, base_url=api.base_url + "/api/"))


@pytest.mark.e2e
def test_end_to_end_corrupted_records(randomuser_sample: dict) -> None:
    corruptions = [
        Corruption(2, "location.postcode"),
        Corruption(4, "location.coordinates.latitude", "set", ["CANARY-ZZ9"]),
        Corruption(6, "email", "rename", rename_to="e_mail", request=1),
    ]
    with run_fake_api(generator="fixtures", corruptions=corruptions) as api:
        source = RandomUserSource(
            persons=30, page_size=10, concurrency=1, base_url=api.base_url + "/api/"
        )
        table = _read(source)
    assert table.num_rows == 30 - 7
    assert source.quarantine.as_dict() == {
        "count": 7,
        "reasons": {
            "location.postcode: wrong type": 3,
            "location.coordinates.latitude: wrong type": 3,
            "email: missing": 1,
        },
    }
    assert [r.index for r in source.rejections] == [2, 4, 6, 12, 14, 22, 24]
    assert "CANARY" not in repr(source.quarantine) + repr(source.rejections)
