"""redact_text: find personal data inside free text and replace each span, keep the rest.

Detection is :func:`veil.detect.text.find_spans` (RE2 prefilter over the whole array, then
validated patterns on the candidate rows). Rows without a span are passed through as they
are (``pc.replace_with_mask`` writes only the rows that change); nulls stay null.

Replacements:

* ``label``: the entity type in angle brackets, ``<EMAIL>``, ``<PHONE>``, …
* ``pseudonym``: a surrogate keyed by HMAC-SHA256 of the normalised value under the subkey
  ``keyring.derive("redact_text", domain or input column)``, so the same value gets the same
  surrogate in every row and table under the same key and domain, and nothing can be
  recovered without the key. E-mails become ``user-<8 hex>@example.com``; phone numbers keep
  their format (separators, a leading ``+``/``00`` and two country-code digits, a trunk
  ``0``) with keyed digits; URLs become ``https://example.com/<8 hex>``; everything else
  ``<ENTITY_<8 hex>>`` (``<PERSON_1a2b3c4d>``). Values are normalised first (e-mails and names
  case-folded, numbers reduced to their digits) so spellings of one value agree.

Limits: those of the detector (see :mod:`veil.detect.text`); what it misses stays in the text.
Errors name the column and the exception type only: never a value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import ClassVar, Literal, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from veil.detect.text import ENTITIES, PATTERN_ENTITIES, Span, find_spans
from veil.operators.base import Example, OpContext, OpFunc, OpParams

Entity = Literal[
    "EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "IP_ADDRESS", "US_SSN", "URL", "DATE", "PERSON"
]
assert set(Entity.__args__) == set(ENTITIES)  # type: ignore[attr-defined]


class RedactTextParams(OpParams):
    """Find personal data inside free text (e-mails, phones, cards, IBANs, IPs, SSNs, URLs,
    birth dates, optionally names) and replace each span by a label or a keyed pseudonym."""

    op: Literal["redact_text"] = "redact_text"
    entities: list[Entity] = Field(
        default_factory=lambda: cast(list[Entity], list(PATTERN_ENTITIES)),
        min_length=1,
        description="entity types to find; PERSON (low confidence without spaCy) is opt-in",
    )
    replace: Literal["label", "pseudonym"] = Field(
        default="label",
        description="label: <EMAIL>; pseudonym: a consistent keyed surrogate of each value",
    )
    min_score: float = Field(
        default=0.5, ge=0.0, le=1.0, description="spans scoring below this are left alone"
    )
    domain: str | None = Field(
        default=None,
        description="pseudonym key domain; columns under the same domain agree "
        "(default: input name)",
    )

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {"op": "redact_text"},
            [
                "Hi, please call me back on +49 30 1234567 or write to anna.schmidt@web.de",
                "Refund to IBAN DE89 3704 0044 0532 0130 00 please, app version 1.2.3.4",
                None,
            ],
            "a version string is not an IP address; nulls stay null",
        ),
        Example(
            {"op": "redact_text", "replace": "pseudonym", "domain": "support"},
            [
                "Customer called from 06 12 34 56 78, email jean.dupont@orange.fr",
                "jean.dupont@orange.fr wrote again: card 4111 1111 1111 1111 was charged twice",
            ],
            "the same address gets the same surrogate in both rows; the phone keeps its format",
        ),
        Example(
            {"op": "redact_text", "entities": ["US_SSN", "DATE", "IP_ADDRESS"]},
            [
                "SSN 123-45-6788, born 14.03.1985; order of 2024-01-05 shipped",
                "Login blocked from 203.0.113.7 (SSN 666-12-3456 on file is invalid)",
            ],
            "only birth dates count; 666-xx-xxxx is never issued, so it is no SSN",
        ),
    )


def _digest(key: bytes, entity: str, value: str) -> bytes:
    return hmac.new(key, f"{entity}\x1f{value}".encode(), hashlib.sha256).digest()


def _normalise(entity: str, value: str) -> str:
    if entity in ("PHONE", "CREDIT_CARD", "US_SSN", "IBAN", "DATE"):
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()
    return " ".join(value.split()).casefold()


def _keyed_digits(digest: bytes, n: int) -> str:
    stream = str(int.from_bytes(digest + hashlib.sha256(digest).digest(), "big"))
    return stream[1 : n + 1]  # the first decimal digit is biased


def _phone_surrogate(value: str, digest: bytes) -> str:
    keep = 0
    if value.startswith("+"):
        keep = 2
    elif value.startswith("00"):
        keep = 4
    elif value.startswith("0") or value.startswith("(0"):
        keep = 1
    digits = iter(_keyed_digits(digest, sum(ch.isdigit() for ch in value)))
    out, seen = [], 0
    for ch in value:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= keep else next(digits))
        else:
            out.append(ch)
    return "".join(out)


def surrogate(entity: str, value: str, key: bytes) -> str:
    """The keyed pseudonym of one detected value."""
    digest = _digest(key, entity, _normalise(entity, value))
    tag = digest[:4].hex()
    if entity == "EMAIL":
        return f"user-{tag}@example.com"
    if entity == "PHONE":
        return _phone_surrogate(value, digest)
    if entity == "URL":
        return f"https://example.com/{tag}"
    return f"<{entity}_{tag}>"


def replace_spans(
    text: str, spans: list[Span], mode: str, key: bytes, memo: dict[tuple[str, str], str]
) -> str:
    """``text`` with every span replaced (spans sorted and not overlapping)."""
    parts: list[str] = []
    pos = 0
    for span in spans:
        parts.append(text[pos : span.start])
        if mode == "label":
            parts.append(f"<{span.entity}>")
        else:
            value = text[span.start : span.end]
            cached = memo.get((span.entity, value))
            if cached is None:
                cached = memo[(span.entity, value)] = surrogate(span.entity, value, key)
            parts.append(cached)
        pos = span.end
    parts.append(text[pos:])
    return "".join(parts)


def redact_text(params: RedactTextParams) -> OpFunc:
    entities = tuple(dict.fromkeys(params.entities))

    def _redact_text(values: pa.Array, ctx: OpContext) -> pa.Array:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if pa.types.is_null(values.type):
            return values.cast(pa.string())
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            raise TypeError(f"redact_text on {ctx.output!r} needs a text column, not {values.type}")
        try:
            key = b""
            if params.replace == "pseudonym":
                key = ctx.keyring.derive("redact_text", params.domain or ctx.input)
            found = find_spans(values, entities, params.min_score)
            rows = [i for i, spans in enumerate(found) if spans]
            if not rows:
                return values
            texts = values.take(pa.array(rows, pa.int64())).to_pylist()
            memo: dict[tuple[str, str], str] = {}
            new = [
                replace_spans(t, found[i], params.replace, key, memo)
                for i, t in zip(rows, texts, strict=True)
            ]
            mask = np.zeros(len(values), dtype=bool)
            mask[rows] = True
            return pc.replace_with_mask(values, pa.array(mask), pa.array(new, values.type))
        except Exception as exc:  # never let a value escape in a message or a traceback
            raise RuntimeError(
                f"redact_text on {ctx.output!r} failed ({type(exc).__name__})"
            ) from None

    return _redact_text
