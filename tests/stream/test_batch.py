"""A micro-batch's outcomes, without a server: one per input, in order, each input's own."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import veil.stream
from veil.engines import compile_policy
from veil.keys import Keyring
from veil.policy import builtin_policy, policy_from_dict
from veil.sources.flatten import flatten
from veil.sources.shapes import SHAPES
from veil.stream import message_id, process

REF = datetime(2026, 11, 22, tzinfo=UTC)


def test_exported_names() -> None:
    assert sorted(veil.stream.__all__) == [
        "Outcome", "StreamConfig", "StreamCounts", "dead_letter", "encode_record",
        "message_id", "process", "run_stream",
    ]  # fmt: skip


def test_message_ids_are_keyed_and_deterministic(keyring: Keyring, other_keyring: Keyring) -> None:
    assert message_id(keyring, "IN", 7) == message_id(keyring, "IN", 7)
    assert message_id(keyring, "IN", 7) != message_id(keyring, "IN", 8)
    assert message_id(keyring, "IN", 7) != message_id(keyring, "OTHER", 7)
    assert message_id(keyring, "IN", 7) != message_id(other_keyring, "IN", 7)


def test_suppressed_records_keep_every_other_output_with_its_input(
    keyring: Keyring, randomuser_sample: dict
) -> None:
    columns = dict(builtin_policy("randomuser").canonical()["columns"])
    columns["not_german"] = {
        "op": "suppress", "scope": "record", "from": "nat",
        "when": {"column": "nat", "op": "ne", "value": "DE"},
    }  # fmt: skip
    policy = policy_from_dict({"name": "germans-only", "columns": columns})
    compiled = compile_policy(policy, SHAPES["randomuser"], keyring, REF)
    records = randomuser_sample["results"][:60]

    outcomes = process(compiled, "randomuser", [json.dumps(r).encode() for r in records])

    assert len(outcomes) == len(records)
    for record, outcome in zip(records, outcomes, strict=True):
        assert outcome.error is None
        if record["nat"] == "DE":
            assert outcome.output is not None
            assert json.loads(outcome.output)["subject_id"] == _subject_alone(compiled, record)
        else:
            assert outcome.output is None
    assert any(r["nat"] == "DE" for r in records) and any(r["nat"] != "DE" for r in records)


def _subject_alone(compiled: object, record: dict) -> str:
    """The record's pseudonym when it is transformed on its own."""
    batch = flatten([record], "randomuser").batch
    return str(compiled.transform(batch).column("subject_id")[0].as_py())  # type: ignore[attr-defined]
