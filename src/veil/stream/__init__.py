"""Streams: anonymize records flowing through NATS JetStream under a batch run's policy and key.

:func:`run_stream` consumes a JetStream subject with a durable pull consumer, transforms
micro-batches with the compiled policy (the local engine's transform, so a subject's
pseudonyms equal those in the tables), publishes each record to an output subject under a
keyed ``Nats-Msg-Id``, and acks inputs only after their outputs are acknowledged. See
:mod:`veil.stream.consumer` for the delivery guarantee. ``nats-py`` is imported when a
stream runs, not when this package is imported.
"""

from veil.stream.batch import Outcome, process
from veil.stream.codec import dead_letter, encode_record, message_id
from veil.stream.consumer import StreamConfig, StreamCounts, run_stream

__all__ = [
    "Outcome",
    "StreamConfig",
    "StreamCounts",
    "dead_letter",
    "encode_record",
    "message_id",
    "process",
    "run_stream",
]
