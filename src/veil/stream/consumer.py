"""The JetStream consumer: pull, anonymize in micro-batches, publish, then ack.

Delivery is at least once, end to end. A durable pull consumer with explicit acks hands out
input messages; a micro-batch closes when it holds ``batch`` messages or ``linger`` has
passed since its first one. Each input's outcome (:mod:`veil.stream.batch`) is published with
a keyed ``Nats-Msg-Id`` derived from its stream sequence, and the inputs are acked only when
JetStream has acknowledged every publish of the batch. A crash anywhere before that leaves
the inputs unacked: JetStream redelivers them after ``ack_wait``, they are published again
under the same ids, and the output stream's duplicate window drops the copies. So nothing is
lost, and within the window nothing is doubled.

Inputs that cannot be parsed or do not fit the policy go to the dead-letter subject (the
sequence and the error kind only) and are acked; without a dead-letter subject they are
terminated (JetStream keeps them in the input stream and never redelivers them).

Stopping (``stop`` set, or ``max_messages`` reached) finishes the batch in flight, acks it
and drains the connection.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from veil.engines import CompiledPolicy
from veil.errors import ConfigError, SinkError, SourceError
from veil.stream.batch import Outcome, process
from veil.stream.codec import KEY_ID, MSG_ID, dead_letter, message_id

#: how long to wait for JetStream to acknowledge a batch's publishes
PUBLISH_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class StreamConfig:
    """Where to read and write, and how to batch. Subjects and names are references, never
    data; ``servers`` may hold credentials, so it is never audited or printed."""

    servers: str
    stream: str
    subject: str
    output_subject: str
    compiled: CompiledPolicy = field(repr=False)
    shape: str
    dead_letter_subject: str | None = None
    durable: str = "veil"
    batch: int = 500
    linger_s: float = 0.2
    max_messages: int | None = None
    ack_wait_s: float = 30.0


@dataclass
class StreamCounts:
    """What the consumer did, in counts only (what progress lines and audit entries show)."""

    consumed: int = 0
    published: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    suppressed: int = 0
    batches: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "consumed": self.consumed,
            "published": self.published,
            "duplicates": self.duplicates,
            "dead_lettered": self.dead_lettered,
            "suppressed": self.suppressed,
            "batches": self.batches,
            "errors": dict(self.errors),
        }


#: called after a batch's publishes are acknowledged, before its inputs are acked: a place
#: for tests to inject a crash at the worst moment
BeforeAck = Callable[[StreamCounts], Awaitable[None]]
Progress = Callable[[StreamCounts], None]


async def run_stream(
    config: StreamConfig,
    *,
    stop: asyncio.Event | None = None,
    progress: Progress | None = None,
    before_ack: BeforeAck | None = None,
) -> StreamCounts:
    """Consume until ``stop`` is set or ``max_messages`` inputs are done; the counts."""
    nats = _nats()
    stop = stop or asyncio.Event()
    counts = StreamCounts()
    try:
        nc = await nats.connect(config.servers, connect_timeout=5, max_reconnect_attempts=3)
    except (OSError, TimeoutError, nats.errors.Error) as exc:
        raise SourceError(
            f"cannot reach NATS ({type(exc).__name__}); is nats-server running with -js, "
            "and is --servers right?"
        ) from None
    sub = None
    try:
        js = nc.jetstream()
        sub = await _subscribe(js, config)
        while not stop.is_set() and _wanted(config, counts) > 0:
            msgs = await _gather(sub, _wanted(config, counts), config.linger_s, stop)
            if msgs:
                await _handle(js, config, msgs, counts, before_ack)
                await nc.flush()
                if progress is not None:
                    progress(counts)
    finally:
        await _close(nc, sub)
    return counts


def _nats() -> Any:
    """nats-py, imported when a stream runs (it is the ``stream`` extra)."""
    try:
        import nats
    except ImportError:
        raise ConfigError("veil stream needs nats-py: pip install 'veil[stream]'") from None
    return nats


def _wanted(config: StreamConfig, counts: StreamCounts) -> int:
    if config.max_messages is None:
        return config.batch
    return min(config.batch, config.max_messages - counts.consumed)


async def _subscribe(js: Any, config: StreamConfig) -> Any:
    """The durable pull subscription (created on first use with explicit acks)."""
    from nats.js.api import AckPolicy, ConsumerConfig
    from nats.js.errors import NotFoundError

    consumer = ConsumerConfig(
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=config.ack_wait_s,
        max_ack_pending=max(1000, 2 * config.batch),
    )
    try:
        return await js.pull_subscribe(
            config.subject, durable=config.durable, stream=config.stream, config=consumer
        )
    except NotFoundError:
        raise SourceError(
            f"no JetStream stream {config.stream!r}; create it (nats stream add) with "
            f"subject {config.subject!r}"
        ) from None


async def _gather(sub: Any, want: int, linger_s: float, stop: asyncio.Event) -> list[Any]:
    """Up to ``want`` messages: waits for the first (checking ``stop`` every linger), then at
    most ``linger_s`` more for the batch to fill."""
    loop = asyncio.get_running_loop()
    msgs: list[Any] = []
    deadline: float | None = None
    while len(msgs) < want and not stop.is_set():
        wait = linger_s if deadline is None else deadline - loop.time()
        if wait <= 0:
            break
        try:
            msgs += await sub.fetch(want - len(msgs), timeout=max(wait, 0.01))
        except TimeoutError:
            if deadline is not None:
                break
            continue
        deadline = deadline or loop.time() + linger_s
    return msgs


async def _handle(
    js: Any,
    config: StreamConfig,
    msgs: Sequence[Any],
    counts: StreamCounts,
    before_ack: BeforeAck | None,
) -> None:
    """Transform, publish and await the acks of one batch, then ack its inputs."""
    outcomes = process(config.compiled, config.shape, [m.data for m in msgs])
    sequences = [m.metadata.sequence.stream for m in msgs]
    pending = [
        await _publish(js, config, seq, outcome)
        for seq, outcome in zip(sequences, outcomes, strict=True)
    ]
    acks = await _acknowledged([p for p in pending if p is not None])
    _count(counts, outcomes, acks)
    if before_ack is not None:
        await before_ack(counts)
    for msg, outcome in zip(msgs, outcomes, strict=True):
        if outcome.error is not None and config.dead_letter_subject is None:
            await msg.term()
        else:
            await msg.ack()


async def _publish(
    js: Any, config: StreamConfig, sequence: int, outcome: Outcome
) -> asyncio.Future[Any] | None:
    """Start publishing one input's outcome; None when there is nothing to publish."""
    if outcome.output is not None:
        subject, payload = config.output_subject, outcome.output
    elif outcome.error is not None and config.dead_letter_subject is not None:
        subject = config.dead_letter_subject
        payload = dead_letter(config.stream, sequence, outcome.error)
    else:
        return None
    headers = {
        MSG_ID: message_id(config.compiled.keyring, config.stream, sequence),
        KEY_ID: config.compiled.keyring.kid,
    }
    future: asyncio.Future[Any] = await js.publish_async(subject, payload, headers=headers)
    return future


async def _acknowledged(futures: list[asyncio.Future[Any]]) -> list[Any]:
    """Every publish's ack from JetStream, or a SinkError (and the batch stays unacked)."""
    from nats.js.errors import NoStreamResponseError

    if not futures:
        return []
    try:
        return await asyncio.wait_for(asyncio.gather(*futures), PUBLISH_TIMEOUT_S)
    except NoStreamResponseError:
        raise SinkError(
            "no JetStream stream stores the output or dead-letter subject; add one whose "
            "subjects include them (outputs must be stored to be acknowledged)"
        ) from None
    except Exception as exc:  # a timeout or JetStream's refusal: its message is not ours
        raise SinkError(
            f"JetStream did not acknowledge the batch's publishes ({type(exc).__name__}); "
            "its inputs stay unacked and will be redelivered"
        ) from None


def _count(counts: StreamCounts, outcomes: Sequence[Outcome], acks: Sequence[Any]) -> None:
    counts.batches += 1
    counts.consumed += len(outcomes)
    duplicates = sum(1 for ack in acks if ack.duplicate)
    counts.duplicates += duplicates
    counts.published += sum(1 for o in outcomes if o.output is not None)
    counts.suppressed += sum(1 for o in outcomes if o.output is None and o.error is None)
    errors = [o.error for o in outcomes if o.error is not None]
    counts.dead_lettered += len(errors)
    counts.errors.update(errors)


async def _close(nc: Any, sub: Any) -> None:
    """Unsubscribe the pull subscription, then drain (flush what is pending, close).

    The pull subscription goes first: its queue may hold a late status reply to a fetch
    that nobody reads, and draining would wait for it until its timeout. Unacked inputs in
    it are simply redelivered.
    """
    if not nc.is_connected:
        await nc.close()
        return
    if sub is not None:
        await sub.unsubscribe()
    await nc.drain()
