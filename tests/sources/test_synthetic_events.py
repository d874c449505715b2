"""Synthetic events: the events of exactly the synthetic users, seeded, streamed, plausible."""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from veil.errors import ConfigError
from veil.sources import make_source
from veil.sources.base import Source
from veil.sources.file import FileSource
from veil.sources.shapes import EVENTS
from veil.sources.synthetic import CHUNK_ROWS, SyntheticSource
from veil.sources.synthetic_events import DEVICES, EVENT_TYPES, MAX_EVENTS

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _table(**options: Any) -> pa.Table:
    source = SyntheticSource(**options)
    return pa.Table.from_batches(list(source.batches()), schema=source.schema)


def _per_user(events: pa.Table) -> dict[str, int]:
    counts = events.group_by("login_uuid").aggregate([("login_uuid", "count")])
    return dict(
        zip(counts["login_uuid"].to_pylist(), counts["login_uuid_count"].to_pylist(), strict=True)
    )


@pytest.fixture(scope="module")
def events() -> pa.Table:
    return _table(shape="events", persons=CHUNK_ROWS + 2_345, seed=7)


@pytest.fixture(scope="module")
def users() -> pa.Table:
    return _table(shape="randomuser", persons=CHUNK_ROWS + 2_345, seed=7)


def test_schema_is_the_events_shape(events: pa.Table) -> None:
    source = make_source("synthetic", shape="events", persons=10, seed=1)
    assert isinstance(source, Source)
    assert source.schema.equals(EVENTS, check_metadata=True)
    assert events.schema.equals(EVENTS, check_metadata=True)
    assert all(f.metadata and f.metadata[b"description"] for f in EVENTS)


def test_same_seed_same_events_and_batch_size_does_not_matter() -> None:
    a = _table(shape="events", persons=3_000, seed=11)
    assert a.equals(_table(shape="events", persons=3_000, seed=11, batch_rows=777))
    assert not a.equals(_table(shape="events", persons=3_000, seed=12))


def test_fewer_persons_give_a_prefix(events: pa.Table) -> None:
    fewer = _table(shape="events", persons=CHUNK_ROWS + 100, seed=7)
    assert fewer.equals(events.slice(0, fewer.num_rows))
    assert len(_per_user(fewer)) == CHUNK_ROWS + 100


def test_events_belong_to_exactly_the_users_of_the_same_seed(
    events: pa.Table, users: pa.Table
) -> None:
    owners = events["login_uuid"].to_pylist()
    # every user has events, grouped by user in the users' order
    order = list(dict.fromkeys(owners))
    assert order == users["login_uuid"].to_pylist()
    uuids, countries = users["login_uuid"].to_pylist(), users["location_country"].to_pylist()
    country = dict(zip(uuids, countries, strict=True))
    assert events["country"].to_pylist() == [country[o] for o in owners]


def test_filters_select_the_same_users() -> None:
    options = {"persons": 500, "seed": 3, "nat": ["DE", "FR"], "gender": "female"}
    users = _table(shape="randomuser", **options)
    events = _table(shape="events", **options)
    assert set(events["login_uuid"].to_pylist()) == set(users["login_uuid"].to_pylist())
    assert set(events["country"].to_pylist()) <= {"Germany", "France"}


def test_events_per_user_are_heavy_tailed_with_mean_ten_and_a_cap() -> None:
    counts = np.array(list(_per_user(_table(shape="events", persons=60_000, seed=1)).values()))
    assert len(counts) == 60_000
    assert 9.5 <= counts.mean() <= 10.5
    assert counts.min() >= 1 and counts.max() <= MAX_EVENTS
    assert np.median(counts) <= 6  # most users do little…
    assert (counts >= 100).sum() >= 150 and counts.max() >= 300  # …and a few a lot


def test_timestamps_after_registration_before_as_of_in_order(
    events: pa.Table, users: pa.Table
) -> None:
    registered = dict(
        zip(
            users["login_uuid"].to_pylist(),
            users["registered_date"].cast(pa.int64()).to_pylist(),
            strict=True,
        )
    )
    ts = events["ts"].cast(pa.int64()).to_numpy()
    reg = np.array([registered[o] for o in events["login_uuid"].to_pylist()])
    as_of_ms = int(AS_OF.timestamp() * 1000)
    assert (ts >= reg).all() and (ts < as_of_ms).all()
    same_user = np.array(events["login_uuid"].to_pylist()[1:]) == np.array(
        events["login_uuid"].to_pylist()[:-1]
    )
    assert (np.diff(ts)[same_user] >= 0).all()  # each user's events in time order
    # spread over the user's whole time since registration, not bunched at one end
    position = (ts - reg) / (as_of_ms - reg)
    assert 0.45 < position.mean() < 0.55


def test_amounts_only_on_purchases(events: pa.Table) -> None:
    purchase = pc.equal(events["event_type"], "purchase").to_numpy(zero_copy_only=False)
    has_amount = events["amount_cents"].is_valid().to_numpy(zero_copy_only=False)
    assert (purchase == has_amount).all()
    amounts = events["amount_cents"].drop_null().to_numpy()
    assert (amounts > 0).all()
    assert 2_000 < np.median(amounts) < 6_000 and amounts.mean() > np.median(amounts)  # skewed
    assert ((amounts % 100 == 99) | (amounts % 100 == 0)).mean() > 0.6


def test_values_are_plausible(events: pa.Table) -> None:
    rows = events.slice(0, 20_000).to_pylist()
    assert {r["event_type"] for r in rows} == {name for name, _ in EVENT_TYPES}
    assert {r["device"] for r in rows} == set(DEVICES)
    assert all(UUID4.fullmatch(r["event_id"]) for r in rows)
    assert len(set(events["event_id"].to_pylist())) == events.num_rows
    for r in rows[:2_000]:
        assert ipaddress.IPv4Address(r["ip"]).is_global, r["ip"]
        assert r["user_agent"].startswith("Mozilla/5.0 (")
        if r["device"] == "mobile":
            assert "Mobile" in r["user_agent"] or "iPhone" in r["user_agent"]
    shares = {name: share / 100 for name, share in EVENT_TYPES}
    seen = pc.value_counts(events["event_type"]).to_pylist()
    for item in seen:
        assert abs(item["counts"] / events.num_rows - shares[item["values"]]) < 0.01


def test_a_user_keeps_few_addresses_and_agents(events: pa.Table) -> None:
    head = events.slice(0, 50_000)
    per_user = head.group_by("login_uuid").aggregate(
        [("ip", "count_distinct"), ("user_agent", "count_distinct")]
    )
    assert max(per_user["ip_count_distinct"].to_pylist()) <= 3
    assert max(per_user["user_agent_count_distinct"].to_pylist()) <= len(DEVICES)


def test_batches_are_bounded_and_progress_counts_exactly() -> None:
    source = SyntheticSource(shape="events", persons=25_000, seed=2, batch_rows=20_000)
    progress: list[int] = []
    batches = list(source.batches(progress.append))
    assert batches and all(0 < b.num_rows <= 20_000 for b in batches)
    assert sum(progress) == sum(b.num_rows for b in batches) == source.expected_rows()
    assert source.expected_rows() > 200_000


def test_columns_narrow_without_changing_values(events: pa.Table) -> None:
    source = SyntheticSource(shape="events", persons=CHUNK_ROWS + 2_345, seed=7)
    wanted = ["ts", "login_uuid", "ip"]
    narrow = pa.Table.from_batches(list(source.batches(columns=wanted)))
    assert narrow.column_names == ["login_uuid", "ts", "ip"]  # schema order
    assert narrow.equals(events.select(narrow.column_names))


def test_zero_persons_and_options() -> None:
    empty = SyntheticSource(shape="events", persons=0)
    assert empty.expected_rows() == 0 and list(empty.batches()) == []
    with pytest.raises(ConfigError, match="locale"):
        SyntheticSource(shape="events", locale="de_DE")
    with pytest.raises(ConfigError, match="events"):
        SyntheticSource(shape="event")


@pytest.mark.parametrize("kind", ["envelope", "ndjson", "csv", "parquet"])
def test_a_file_of_events_is_read_as_the_events_shape(tmp_path: Path, kind: str) -> None:
    table = _table(shape="events", persons=40, seed=4)
    path = tmp_path / f"events.{'json' if kind == 'envelope' else kind}"
    if kind in ("envelope", "ndjson"):
        records = [
            {**r, "ts": r["ts"].isoformat().replace("+00:00", "Z")} for r in table.to_pylist()
        ]
        if kind == "envelope":
            path.write_text(json.dumps({"events": records}))
        else:
            path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    elif kind == "csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path)
    source = FileSource(path)
    assert source.shape == "events"
    read = pa.Table.from_batches(list(source.batches()), schema=source.schema)
    assert source.quarantine.count == 0
    assert read.equals(table)
