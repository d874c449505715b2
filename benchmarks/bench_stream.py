"""``veil stream`` through NATS JetStream: messages/s, against the same consumer passing the
messages through unchanged (the floor), measured side by side in one run.

Data (not timed): ``--messages`` randomuser-shaped JSON records of veil's synthetic users
(nested, as the API sends them), published to a fresh input stream.

- **veil**: :func:`veil.stream.run_stream` with the built-in users policy: pull a micro-batch,
  flatten, anonymize, publish every output with its keyed ``Nats-Msg-Id``, wait for
  JetStream's acks, ack the inputs.
- **floor**: the same consumer, batching, publishing and acking, with the transform replaced
  by passing each message's bytes through: what moving the messages through JetStream costs
  without veil.

Each runs ``--repeat`` times on its own durable consumer and output stream (median shown).
Needs a NATS server with JetStream (``VEIL_BENCH_NATS_URL``, default
``nats://127.0.0.1:4222``). Run: ``python benchmarks/bench_stream.py [--messages N]
[--batch N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import time
import uuid
from collections.abc import Sequence
from typing import Any
from unittest import mock

import nats

import veil.stream.consumer as consumer
from veil.engines import compile_policy
from veil.keys import Keyring
from veil.policy import builtin_policy
from veil.sources.fakeapi import SyntheticGenerator
from veil.sources.shapes import SHAPES
from veil.stream import StreamConfig, run_stream
from veil.stream.batch import Outcome

URL = os.environ.get("VEIL_BENCH_NATS_URL", "nats://127.0.0.1:4222")


def _passthrough(_compiled: Any, _shape: str, payloads: Sequence[bytes]) -> list[Outcome]:
    return [Outcome(output=p) for p in payloads]


async def _setup(tag: str, payloads: list[bytes], runs: int) -> None:
    nc = await nats.connect(URL)
    js = nc.jetstream()
    await js.add_stream(name=f"BENCH_IN_{tag}", subjects=[f"bench.{tag}.in"])
    for i in range(runs):
        await js.add_stream(name=f"BENCH_OUT_{tag}_{i}", subjects=[f"bench.{tag}.out.{i}"])
    for start in range(0, len(payloads), 1000):
        futures = [
            await js.publish_async(f"bench.{tag}.in", p) for p in payloads[start : start + 1000]
        ]
        await asyncio.gather(*futures)
    await nc.close()


async def _teardown(tag: str, runs: int) -> None:
    nc = await nats.connect(URL)
    js = nc.jetstream()
    for name in [f"BENCH_IN_{tag}"] + [f"BENCH_OUT_{tag}_{i}" for i in range(runs)]:
        await js.delete_stream(name)
    await nc.close()


def _timed(config: StreamConfig, floor: bool) -> float:
    start = time.perf_counter()
    if floor:
        with mock.patch.object(consumer, "process", _passthrough):
            counts = asyncio.run(run_stream(config))
    else:
        counts = asyncio.run(run_stream(config))
    seconds = time.perf_counter() - start
    assert counts.published == config.max_messages, counts.as_dict()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    records = SyntheticGenerator().randomuser(
        results=args.messages, seed="bench", page=1, nat=None, gender=None
    )
    payloads = [json.dumps(r).encode() for r in records]
    tag = uuid.uuid4().hex[:8]
    runs = 2 * args.repeat
    asyncio.run(_setup(tag, payloads, runs))
    keyring = Keyring.from_key(os.urandom(32), origin="generated")  # a throwaway key
    reference = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    policy = builtin_policy("randomuser")
    compiled = compile_policy(policy, SHAPES["randomuser"], keyring, reference)
    times: dict[str, list[float]] = {"veil": [], "floor": []}
    try:
        for i in range(runs):
            kind = "floor" if i % 2 else "veil"
            config = StreamConfig(
                servers=URL, stream=f"BENCH_IN_{tag}", subject=f"bench.{tag}.in",
                output_subject=f"bench.{tag}.out.{i}", compiled=compiled, shape="randomuser",
                durable=f"bench{i}", batch=args.batch, linger_s=0.05,
                max_messages=args.messages,
            )  # fmt: skip
            times[kind].append(_timed(config, kind == "floor"))
            print(f"  {kind}: {args.messages / times[kind][-1]:,.0f} messages/s", flush=True)
    finally:
        asyncio.run(_teardown(tag, runs))
    veil, floor = statistics.median(times["veil"]), statistics.median(times["floor"])
    print(
        f"\n{args.messages:,} randomuser messages, batches of {args.batch}, median of "
        f"{args.repeat}:\n"
        f"| | messages/s | seconds |\n| --- | --- | --- |\n"
        f"| veil stream (anonymized) | {args.messages / veil:,.0f} | {veil:.2f} |\n"
        f"| floor (passed through) | {args.messages / floor:,.0f} | {floor:.2f} |\n"
        f"veil / floor time: {veil / floor:.2f}×"
    )


if __name__ == "__main__":
    main()
