"""`veil stream` against a real NATS JetStream server: the stream's records equal the batch
run's, nothing raw escapes, bad inputs are dead-lettered without content, and a crash between
publishing and acking loses nothing and doubles nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from veil.engines import compile_policy
from veil.keys import Keyring
from veil.policy import builtin_policy
from veil.sources.shapes import SHAPES
from veil.stream import StreamConfig, StreamCounts, message_id, run_stream

from ..cli.conftest import KEY_HEX, Veil, audit_entries, audit_table_text, output_sink
from ..test_leaks import KEPT, _canary, _canary_fields, _plant
from .conftest import Streams, payloads

pytestmark = pytest.mark.e2e

REF = "2026-11-22"
KEYRING = Keyring.from_key(bytes.fromhex(KEY_HEX))


def _stream(veil: Veil, streams: Streams, *args: str, ok: bool = True) -> Any:
    return veil(
        "stream", "--servers", streams.url, "--stream", streams.input,
        "--subject", streams.subject, "--output-subject", streams.out,
        "--dead-letter-subject", streams.dlq, "--reference-date", REF, *args, ok=ok,
    )  # fmt: skip


def _as_json(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON would carry it: dates in ISO 8601 (the test's own, independent rule)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}


def _outputs_by_sequence(streams: Streams, sequences: list[int]) -> list[dict[str, Any]]:
    """The output records in input order, found by their keyed message ids; exactly one each."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for headers, data in streams.stored(streams.output):
        if headers.get("Nats-Msg-Id") and not data.startswith(b'{"stream"'):
            by_id.setdefault(headers["Nats-Msg-Id"], []).append(json.loads(data))
    ids = [message_id(KEYRING, streams.input, seq) for seq in sequences]
    assert sorted(by_id) == sorted(ids), "outputs and inputs do not pair up one to one"
    assert all(len(v) == 1 for v in by_id.values()), "an input has more than one output"
    return [by_id[i][0] for i in ids]


def _dead_letters(streams: Streams) -> list[dict[str, Any]]:
    return [json.loads(d) for _, d in streams.stored(streams.output) if d.startswith(b'{"stream"')]


def _all_acked(streams: Streams, durable: str) -> None:
    """Every input acked. An ack is a fire-and-forget publish that the server applies shortly
    after the consumer has stopped, so the consumer's state is polled for a few seconds."""
    deadline = time.monotonic() + 5
    while True:
        info = streams.consumer(durable)
        if (info.num_pending, info.num_ack_pending) == (0, 0) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (info.num_pending, info.num_ack_pending) == (0, 0), info


def test_stream_records_equal_the_batch_run(
    streams: Streams, tmp_path: Path, randomuser_sample: dict
) -> None:
    records = randomuser_sample["results"]
    sequences = streams.publish(payloads(records))
    veil = Veil(tmp_path)
    _stream(veil, streams, "--durable", "eq", "--max-messages", str(len(records)), "--batch",
            "40", "--linger-ms", "50", "--workspace", str(tmp_path / "ws"), "-q")  # fmt: skip

    source = tmp_path / "users.json"
    source.write_text(json.dumps({"results": records}))
    veil.run("--source", "file", "--input", str(source), "--no-report")
    batch = output_sink(veil).read("users").to_pylist()

    assert _outputs_by_sequence(streams, sequences) == [_as_json(r) for r in batch]
    assert _dead_letters(streams) == []
    _all_acked(streams, "eq")


def test_no_raw_value_escapes(
    streams: Streams, tmp_path: Path, randomuser_sample: dict, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    planted = [_plant(r, i) for i, r in enumerate(randomuser_sample["results"][:40])]
    broken = dict(planted[-1], location={**planted[-1]["location"], "postcode": {"x": 1}})
    inputs = [*payloads(planted[:-1]), json.dumps(broken).encode(), payloads(planted)[-1][:-9]]
    streams.publish(inputs)
    veil = Veil(tmp_path)
    workspace = tmp_path / "ws"
    result = _stream(veil, streams, "--durable", "canary", "--max-messages", str(len(inputs)),
                     "--workspace", str(workspace))  # fmt: skip

    removed = [_canary(f, i) for f in set(_canary_fields()) - KEPT for i in range(len(planted))]
    kept = [_canary(f, i) for f in KEPT for i in range(len(planted))]
    coords = [r["location"]["coordinates"][k] for r in planted for k in ("latitude", "longitude")]
    outputs = repr(streams.stored(streams.output))
    elsewhere = {
        "dead letters": repr(_dead_letters(streams)),
        "audit log": audit_table_text(workspace),
        "printed": result.stdout + (result.stderr or ""),
        "logs": caplog.text,
    }
    assert len(_dead_letters(streams)) == 2 and len(outputs) > 0
    for canary in removed + coords:
        assert canary not in outputs, f"{canary} reached the output subject"
    for where, text in elsewhere.items():
        for canary in removed + kept + coords:
            assert canary not in text, f"{canary} leaked into the {where}"


def test_malformed_inputs_are_dead_lettered_without_content_and_acked(
    streams: Streams, tmp_path: Path, randomuser_sample: dict
) -> None:
    good = randomuser_sample["results"][:30]
    no_email = {k: v for k, v in good[0].items() if k != "email"}
    bad = {b"{not json": "invalid_json", b"\xff\xfe": "invalid_json", b"[1, 2]":
           "rejected_record", json.dumps(no_email).encode(): "rejected_record"}  # fmt: skip
    good_seqs = streams.publish(payloads(good[:10]))
    bad_seqs = streams.publish(list(bad))
    good_seqs += streams.publish(payloads(good[10:]))
    veil = Veil(tmp_path)
    _stream(veil, streams, "--durable", "dlq", "--max-messages", "34", "--batch", "8",
            "--workspace", str(tmp_path / "ws"), "-q")  # fmt: skip

    letters = _dead_letters(streams)
    assert letters == [
        {"stream": streams.input, "sequence": seq, "error": kind}
        for seq, kind in zip(bad_seqs, bad.values(), strict=True)
    ]
    assert len(_outputs_by_sequence(streams, good_seqs)) == 30
    _all_acked(streams, "dlq")


class Crash(Exception):
    """The consumer dying after its outputs are stored and before its inputs are acked."""


def _config(streams: Streams, **overrides: Any) -> StreamConfig:
    reference = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    policy = builtin_policy("randomuser")
    compiled = compile_policy(policy, SHAPES["randomuser"], KEYRING, reference)
    options: dict[str, Any] = {
        "servers": streams.url, "stream": streams.input, "subject": streams.subject,
        "output_subject": streams.out, "compiled": compiled, "shape": "randomuser",
        "dead_letter_subject": streams.dlq, "durable": "crash", "batch": 10,
        "linger_s": 0.05, "ack_wait_s": 1.0, **overrides,
    }  # fmt: skip
    return StreamConfig(**options)


def _run(config: StreamConfig, **kwargs: Any) -> StreamCounts:
    return asyncio.run(asyncio.wait_for(run_stream(config, **kwargs), 30))


def test_a_crash_before_acking_loses_nothing_and_doubles_nothing(
    streams: Streams, randomuser_sample: dict
) -> None:
    records = randomuser_sample["results"][:30]
    sequences = streams.publish(payloads(records))

    async def crash_on_second_batch(counts: StreamCounts) -> None:
        if counts.batches == 2:
            raise Crash

    with pytest.raises(Crash):
        _run(_config(streams), before_ack=crash_on_second_batch)
    assert len(streams.stored(streams.output)) == 20  # two batches out, the second unacked
    assert streams.consumer("crash").num_ack_pending == 10

    counts = _run(_config(streams, max_messages=20))  # 10 new + 10 redelivered

    assert (counts.consumed, counts.duplicates) == (20, 10)
    once = _outputs_by_sequence(streams, sequences)
    assert len(streams.stored(streams.output)) == len(once) == 30
    _all_acked(streams, "crash")


def test_sigterm_finishes_the_batch_and_is_audited(
    streams: Streams, tmp_path: Path, randomuser_sample: dict
) -> None:
    workspace = tmp_path / "ws"
    env = {**os.environ, "VEIL_MASTER_KEY": KEY_HEX, "VEIL_WORKSPACE": str(workspace)}
    args = ["stream", "--servers", streams.url, "--stream", streams.input, "--subject",
            streams.subject, "--output-subject", streams.out, "--durable", "term",
            "--reference-date", REF]  # fmt: skip
    command = [sys.executable, "-c", "from veil.cli.main import main; main()", *args]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    streams.publish(payloads(randomuser_sample["results"][:50]))
    deadline = time.monotonic() + 20
    while len(streams.stored(streams.output)) < 50 and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=15)

    assert proc.returncode == 0, stderr.decode(errors="replace")
    assert b"stopped: 50 consumed" in stderr
    stops = [e for e in audit_entries(workspace) if e["action"] == "stream.stop"]
    assert [(e["details"]["consumed"], e["details"]["published"]) for e in stops] == [(50, 50)]
    _all_acked(streams, "term")
