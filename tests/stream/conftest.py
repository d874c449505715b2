"""A real NATS JetStream server for the stream tests, and per-test streams.

The server is ``VEIL_TEST_NATS_URL`` (default ``nats://127.0.0.1:4222``, started with ``-js``).
The tests are skipped when none answers, and fail instead in CI (``CI`` set), where
``.ci/run`` starts it. Each test gets its own uniquely named input and output streams,
deleted afterwards, so tests (and reruns) never see each other's messages.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

NATS_URL = os.environ.get("VEIL_TEST_NATS_URL", "nats://127.0.0.1:4222")


async def _ping(url: str) -> None:
    import nats

    nc = await nats.connect(url, connect_timeout=2, allow_reconnect=False)
    try:
        await nc.jetstream().account_info()
    finally:
        await nc.close()


@pytest.fixture(scope="session")
def nats_url() -> str:
    """The NATS server URL, or a skip when none answers with JetStream (a failure in CI)."""
    try:
        asyncio.run(_ping(NATS_URL))
    except Exception as exc:  # no server, no JetStream: skip, saying why
        message = f"no NATS JetStream at {NATS_URL}: {type(exc).__name__}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return NATS_URL


@dataclass(frozen=True)
class Streams:
    """One test's streams: ``input`` stores ``subject``; ``output`` stores ``out`` and ``dlq``."""

    url: str
    input: str
    output: str
    subject: str
    out: str
    dlq: str

    def publish(self, payloads: Sequence[bytes]) -> list[int]:
        """Publish to the input subject; the stream sequences, in order."""
        return asyncio.run(self._publish(payloads))

    def stored(self, stream: str) -> list[tuple[dict[str, str], bytes]]:
        """Every message a stream holds (headers, data), oldest first."""
        return asyncio.run(self._stored(stream))

    def consumer(self, durable: str) -> Any:
        """The durable consumer's info (pending and ack-pending counts)."""
        return asyncio.run(self._js(lambda js: js.consumer_info(self.input, durable)))

    async def _js(self, action: Any) -> Any:
        import nats

        nc = await nats.connect(self.url)
        try:
            return await action(nc.jetstream())
        finally:
            await nc.close()

    async def _publish(self, payloads: Sequence[bytes]) -> list[int]:
        async def send(js: Any) -> list[int]:
            return [(await js.publish(self.subject, p)).seq for p in payloads]

        return list(await self._js(send))

    async def _stored(self, stream: str) -> list[tuple[dict[str, str], bytes]]:
        async def read(js: Any) -> list[tuple[dict[str, str], bytes]]:
            state = (await js.stream_info(stream)).state
            out = []
            for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
                msg = await js.get_msg(stream, seq)
                out.append((dict(msg.headers or {}), msg.data or b""))
            return out

        return list(await self._js(read))


@pytest.fixture
def streams(nats_url: str) -> Iterator[Streams]:
    """Fresh input and output streams for one test, deleted after it."""
    tag = uuid.uuid4().hex[:10]
    made = Streams(
        nats_url, f"VEIL_IN_{tag}", f"VEIL_OUT_{tag}",
        f"veil.test.{tag}.in", f"veil.test.{tag}.out", f"veil.test.{tag}.dlq",
    )  # fmt: skip

    async def create(js: Any) -> None:
        await js.add_stream(name=made.input, subjects=[made.subject])
        await js.add_stream(name=made.output, subjects=[made.out, made.dlq])

    async def delete(js: Any) -> None:
        for name in (made.input, made.output):
            await js.delete_stream(name)

    asyncio.run(made._js(create))
    yield made
    asyncio.run(made._js(delete))


def payloads(records: Sequence[Any]) -> list[bytes]:
    return [json.dumps(r).encode() for r in records]
