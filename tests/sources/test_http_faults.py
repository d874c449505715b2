"""Faults: retries, backoff, Retry-After, timeouts, drops, truncation, error payloads, order.

The ``e2e`` tests run the real loopback server (``run_fake_api``) and inject faults by
request number (with ``concurrency=1`` so numbers are pages) or by probability. Sleeps are
recorded, not slept.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pyarrow as pa
import pytest

from veil.errors import ApiError, SchemaError, SourceError, TransientSourceError
from veil.sources.fakeapi import CANARY, Corruption, Fault, run_fake_api
from veil.sources.fakerapi import FakerApiSource
from veil.sources.http import HttpOptions, JsonHttp, PageRequest, parse_retry_after, redact_url
from veil.sources.randomuser import RandomUserSource


class Sleeps(list):
    """A thread-safe recorder used as the injectable ``sleep``."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _source(api: Any, sleeps: Sleeps, **options: Any) -> RandomUserSource:
    defaults: dict[str, Any] = {
        "persons": 60,
        "page_size": 20,
        "concurrency": 1,
        "seed": "faults",
        "timeout": 2.0,
    }
    return RandomUserSource(
        base_url=api.base_url + "/api/", sleep=sleeps, **{**defaults, **options}
    )


def _read(source: Any) -> pa.Table:
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


@pytest.fixture(scope="module")
def clean() -> pa.Table:
    """What the fault-free server answers, to compare against."""
    with run_fake_api(generator="fixtures") as api:
        return _read(_source(api, Sleeps()))


@pytest.mark.e2e
@pytest.mark.parametrize(
    "faults",
    [
        {1: "500", 2: "502", 3: "503"},
        {2: "truncate", 3: "truncate"},
        {1: "drop", 4: "drop"},
        {1: "500", 2: "truncate", 3: "drop", 4: "503"},
    ],
)
def test_transient_faults_are_retried(clean: pa.Table, faults: dict) -> None:
    sleeps = Sleeps()
    with run_fake_api(generator="fixtures", faults=faults) as api:
        table = _read(_source(api, sleeps))
    assert table.equals(clean)
    assert len(api.requests) == 3 + len(faults)
    assert [r.fault for r in api.requests if r.fault] == list(faults.values())
    assert len(sleeps) == len(faults)
    assert all(0 <= s <= 8.0 for s in sleeps)


@pytest.mark.e2e
def test_429_retry_after_is_honoured(clean: pa.Table) -> None:
    sleeps = Sleeps()
    faults = {1: Fault("429", retry_after=1), 3: Fault("429", retry_after=2.5)}
    with run_fake_api(generator="fixtures", faults=faults) as api:
        table = _read(_source(api, sleeps, backoff_base=0.01, backoff_cap=0.02))
    assert table.equals(clean)
    assert len(sleeps) == 2 and sleeps[0] >= 1 and sleeps[1] >= 2.5


@pytest.mark.e2e
def test_slow_response_times_out_and_is_retried(clean: pa.Table) -> None:
    sleeps = Sleeps()
    with run_fake_api(generator="fixtures", faults={2: Fault("slow", delay=3.0)}) as api:
        table = _read(_source(api, sleeps, timeout=0.3))
    assert table.equals(clean)
    assert [r.fault for r in api.requests] == [None, "slow", None, None]
    assert len(sleeps) == 1


@pytest.mark.e2e
def test_exhausted_retries_are_a_clear_transient_error() -> None:
    sleeps = Sleeps()
    with (
        run_fake_api(generator="fixtures", fault_rate=1.0, fault_kinds=["503"]) as api,
        pytest.raises(TransientSourceError) as info,
    ):
        _read(_source(api, sleeps, max_retries=2))
    error = info.value
    assert error.status == 503
    message = str(error)
    assert f"{api.base_url}/api/1.4/" in message and "3 attempt(s)" in message
    assert "HTTP 503" in message and "page 1 of 3" in message
    assert "seed" not in message and "faults" not in message  # no query string
    assert len(api.requests) == 3 and len(sleeps) == 2


@pytest.mark.e2e
def test_truncated_json_to_the_end_is_a_schema_error() -> None:
    with (
        run_fake_api(
            generator="fixtures", fault_rate=1.0, fault_kinds=["truncate"], corrupt_rate=1.0
        ) as api,
        pytest.raises(SchemaError) as info,
    ):
        _read(_source(api, Sleeps(), max_retries=1))
    assert "not valid JSON" in str(info.value) and "2 attempt(s)" in str(info.value)
    assert CANARY not in str(info.value) and CANARY not in repr(info.value)


@pytest.mark.e2e
def test_error_payload_is_an_api_error_at_once() -> None:
    sleeps = Sleeps()
    with (
        run_fake_api(generator="fixtures", faults={1: "error"}) as api,
        pytest.raises(ApiError) as info,
    ):
        _read(_source(api, sleeps))
    assert "Uh oh, something has gone wrong" in str(info.value)
    assert len(api.requests) == 1 and sleeps == []


@pytest.mark.e2e
def test_unknown_path_is_an_api_error() -> None:
    with run_fake_api(generator="fixtures") as api, pytest.raises(ApiError) as info:
        _read(FakerApiSource(persons=5, base_url=api.base_url + "/nope/v2/", sleep=Sleeps()))
    assert info.value.status == 404 and len(api.requests) == 1


@pytest.mark.e2e
def test_random_faults_under_concurrency_still_give_every_page_in_order(clean: pa.Table) -> None:
    sleeps = Sleeps()
    with run_fake_api(
        generator="fixtures",
        fault_rate=0.4,
        fault_seed=11,
        faults={1: Fault("429", retry_after=0.5)},
    ) as api:
        table = _read(_source(api, sleeps, concurrency=3, max_retries=8))
    assert table.equals(clean)
    assert sum(1 for r in api.requests if r.fault) >= 2
    assert 0.5 in sleeps


@pytest.mark.e2e
def test_corrupted_records_are_quarantined_and_no_value_leaks(clean: pa.Table) -> None:
    corruptions = [
        Corruption(0, "location.postcode"),
        Corruption(1, "location.coordinates.latitude", "set", [CANARY]),
        Corruption(2, "location.coordinates.longitude", "set", CANARY),
        Corruption(3, "email", "rename", rename_to="e_mail"),
        Corruption(4, "login.uuid", "missing"),
        Corruption(5, "dob.date", "set", CANARY),
        Corruption(6, "name", "set", CANARY),
    ]
    with run_fake_api(generator="fixtures", corruptions=corruptions, faults={2: "500"}) as api:
        source = _source(api, Sleeps())
        table = _read(source)
    assert table.num_rows == 60 - 3 * 7
    kept = clean.filter(pa.array([i % 20 >= 7 for i in range(60)]))
    assert table.equals(kept)  # the rest of every page is there, in order
    assert source.quarantine.as_dict() == {
        "count": 21,
        "reasons": {
            "location.postcode: wrong type": 3,
            "location.coordinates.latitude: wrong type": 3,
            "location.coordinates.longitude: not a number": 3,
            "email: missing": 3,
            "login.uuid: missing": 3,
            "dob.date: not a date": 3,
            "name: wrong type": 3,
        },
    }
    assert [r.index for r in source.rejections][:8] == [0, 1, 2, 3, 4, 5, 6, 20]
    everything = (
        repr(source.quarantine)
        + repr(source.rejections)
        + repr(source.fingerprint())
        + " ".join(str(r) for r in source.rejections)
    )
    assert CANARY not in everything


@pytest.mark.e2e
def test_random_corruption_and_canary_in_errors() -> None:
    with run_fake_api(generator="fixtures", corrupt_rate=0.2, corrupt_seed=5) as api:
        source = FakerApiSource(
            persons=300, page_size=100, base_url=api.base_url + "/api/v2/", sleep=Sleeps()
        )
        table = _read(source)
    assert 0 < source.quarantine.count < 300
    assert table.num_rows + source.quarantine.count == 300
    assert CANARY not in repr(source.quarantine) + repr(source.rejections)


def test_unreachable_server_is_a_transient_error() -> None:
    sleeps = Sleeps()
    source = RandomUserSource(
        persons=5, base_url="http://127.0.0.1:9/api/", max_retries=2, sleep=sleeps
    )
    with pytest.raises(TransientSourceError, match="connection failed"):
        _read(source)
    assert len(sleeps) == 2


# --- the client alone, on MockTransport ------------------------------------------------------


def _always(status: int, headers: dict | None = None, json: Any = None) -> httpx.MockTransport:
    return httpx.MockTransport(lambda r: httpx.Response(status, headers=headers, json=json))


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    sleeps = Sleeps()
    ceilings: list[float] = []
    http = JsonHttp(
        HttpOptions(max_retries=7, backoff_base=0.25, backoff_cap=8.0),
        transport=_always(503),
        sleep=sleeps,
        jitter=lambda high: ceilings.append(high) or high / 2,
    )
    with pytest.raises(TransientSourceError):
        http.get_json(PageRequest("http://api.test/x"))
    assert ceilings == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert sleeps == [c / 2 for c in ceilings]
    real = JsonHttp(HttpOptions(backoff_base=1.0, backoff_cap=3.0))
    assert all(0 <= real.delay(5) <= 3.0 for _ in range(50))


def test_retry_after_is_capped_and_parsed() -> None:
    sleeps = Sleeps()
    http = JsonHttp(
        HttpOptions(max_retries=1, retry_after_cap=5.0),
        transport=_always(429, {"Retry-After": "120"}),
        sleep=sleeps,
    )
    with pytest.raises(TransientSourceError) as info:
        http.get_json(PageRequest("http://api.test/x"))
    assert sleeps == [5.0] and info.value.status == 429
    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 30.0
    assert parse_retry_after("garbage") is None and parse_retry_after("-3") == 0.0


def test_4xx_is_an_api_error_without_retry() -> None:
    sleeps = Sleeps()
    http = JsonHttp(transport=_always(403, json={"error": "forbidden here"}), sleep=sleeps)
    with pytest.raises(ApiError, match="HTTP 403: forbidden here") as info:
        http.get_json(PageRequest("http://api.test/x", {"token": "s3cret"}))
    assert info.value.status == 403 and sleeps == [] and "s3cret" not in str(info.value)


def test_bad_scheme_fails_at_once() -> None:
    with pytest.raises(SourceError, match="check the base URL"):
        JsonHttp(sleep=Sleeps()).get_json(PageRequest("ftp://api.test/x"))


def test_redact_url() -> None:
    assert redact_url("https://u:p@h.test:8443/a/b?token=x#f") == "https://h.test:8443/a/b"


def test_pages_come_back_in_order_with_bounded_concurrency() -> None:
    lock, state = threading.Lock(), {"now": 0, "max": 0}

    def handle(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.002 * (12 - page))  # later pages answer first
        with lock:
            state["now"] -= 1
        return httpx.Response(200, json={"page": page})

    http = JsonHttp(HttpOptions(concurrency=3), transport=httpx.MockTransport(handle))
    requests = [PageRequest("http://api.test/", {"page": p}) for p in range(12)]
    got = list(http.map_ordered(requests, lambda req, payload: payload["page"]))
    assert got == list(range(12)) and state["max"] <= 3


def test_closing_early_cancels_the_rest() -> None:
    seen: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(int(request.url.params["page"]))
        return httpx.Response(200, json={})

    http = JsonHttp(HttpOptions(concurrency=2), transport=httpx.MockTransport(handle))
    pages = http.map_ordered(
        (PageRequest("http://api.test/", {"page": p}) for p in range(1000)),
        lambda req, payload: payload,
    )
    next(pages)
    pages.close()
    assert len(seen) <= 4


@pytest.mark.e2e
def test_columns_narrow_api_batches(clean: pa.Table) -> None:
    with run_fake_api(generator="fixtures") as api:
        batches = list(_source(api, Sleeps()).batches(columns={"email", "dob_date"}))
    narrow = pa.Table.from_batches(batches)
    assert narrow.column_names == ["email", "dob_date"]
    assert narrow.equals(clean.select(["email", "dob_date"]))
