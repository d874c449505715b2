"""What goes on the wire: input payloads in, anonymized records and dead letters out.

Inputs are one nested JSON record per message (the shape's API record, as the batch sources
read them). Outputs are one flat JSON object per record, with dates and times in ISO 8601, so
a consumer of the output subject needs no Arrow. Dead letters carry the input's stream
sequence and an error kind, never the payload or any part of it: the payload is raw personal
data, and the sequence is enough to find it in the input stream (which keeps it under its own
retention and access rules).

Message ids (``Nats-Msg-Id``) are keyed: an HMAC of the input stream and sequence under a
subkey of the master key. They are deterministic, so a redelivered input republishes under
the same id and JetStream's duplicate window drops the copy; keyed, so ids made under
another key (another deployment) never collide with ours.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from veil.keys import Keyring

#: the error kinds a dead letter names (no other detail leaves the consumer)
INVALID_JSON = "invalid_json"
REJECTED = "rejected_record"
TRANSFORM_FAILED = "transform_failed"
UNENCODABLE = "unencodable_output"

MSG_ID = "Nats-Msg-Id"
KEY_ID = "Veil-Key-Id"


def message_id(keyring: Keyring, stream: str, sequence: int) -> str:
    """The keyed, deterministic id of the output of input ``sequence`` of ``stream``."""
    key = keyring.derive("stream", "msg-id")
    return hmac.new(key, f"{stream}\x00{sequence}".encode(), hashlib.sha256).hexdigest()[:32]


def parse(payloads: Sequence[bytes]) -> tuple[list[Any], dict[int, str]]:
    """Each payload's JSON value (None where it is not JSON), and the failures by index.

    The decoder's message quotes the text around the error, so only the kind is kept.
    """
    records: list[Any] = []
    failed: dict[int, str] = {}
    for i, payload in enumerate(payloads):
        try:
            records.append(json.loads(payload))
        except ValueError:  # JSONDecodeError and UnicodeDecodeError both
            records.append(None)
            failed[i] = INVALID_JSON
    return records, failed


def _iso(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def encode_record(row: dict[str, Any]) -> bytes:
    """One output record as compact JSON; raises ValueError/TypeError if it cannot be JSON
    (a NaN, a binary value), which the caller dead-letters."""
    return json.dumps(row, default=_iso, allow_nan=False, separators=(",", ":")).encode()


def dead_letter(stream: str, sequence: int, error: str) -> bytes:
    """The dead letter of one input: where it is and what kind of error, nothing of it."""
    return json.dumps({"stream": stream, "sequence": sequence, "error": error}).encode()
