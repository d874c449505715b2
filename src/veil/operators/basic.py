"""keep, drop, redact and mask: operators that need no key."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from veil.operators.base import OpContext, OpFunc, OpParams


class KeepParams(OpParams):
    """Pass the value through unchanged. Use only for columns that are not identifying."""

    op: Literal["keep"] = "keep"


class DropParams(OpParams):
    """Leave the column out of the output (and say so explicitly in the policy)."""

    op: Literal["drop"] = "drop"


class RedactParams(OpParams):
    """Replace every non-null value by a constant (``value``), a type label, or null."""

    op: Literal["redact"] = "redact"
    value: str | None = Field(
        default=None, description="constant or label such as '<EMAIL>'; null if omitted"
    )
    keep_nulls: bool = Field(default=True, description="null inputs stay null")


class MaskParams(OpParams):
    """Replace characters by ``char``, keeping the first/last N (digits only for phones)."""

    op: Literal["mask"] = "mask"
    char: str = Field(default="*", min_length=1, max_length=1)
    keep_first: int = Field(default=0, ge=0)
    keep_last: int = Field(default=0, ge=0)
    kind: Literal["plain", "phone", "email"] = Field(
        default="plain",
        description="plain: every character; phone: digits only, separators kept; "
        "email: local part and domain name masked, first letter of each and the TLD kept",
    )


DropParams.produces_output = False


def keep(params: KeepParams) -> OpFunc:
    return lambda values, ctx: values


def drop(params: DropParams) -> OpFunc:
    def _never(values: pa.Array, ctx: OpContext) -> pa.Array:
        raise AssertionError("drop produces no column")

    return _never


def redact(params: RedactParams) -> OpFunc:
    def _redact(values: pa.Array, ctx: OpContext) -> pa.Array:
        const = pa.array([params.value] * len(values), pa.string())
        if params.keep_nulls and params.value is not None:
            return pc.if_else(pc.is_null(values), pa.scalar(None, pa.string()), const)
        return const

    return _redact


def _mask_plain(values: pa.Array, first: int, last: int, char: str) -> pa.Array:
    """Keep the first/last N characters; a value too short to hide anything is masked whole."""
    n = pc.utf8_length(values)
    head = pc.utf8_slice_codeunits(values, 0, first)
    tail = pc.utf8_reverse(pc.utf8_slice_codeunits(pc.utf8_reverse(values), 0, last))
    middle = pc.binary_repeat(pa.scalar(char), pc.max_element_wise(pc.subtract(n, first + last), 0))
    partial = pc.binary_join_element_wise(head, middle, tail, "")
    whole = pc.binary_repeat(pa.scalar(char), n)
    return pc.if_else(pc.greater(n, first + last), partial, whole)


_PHONE_SEPARATOR = np.zeros(256, dtype=bool)  # byte → is a phone separator
_PHONE_SEPARATOR[np.frombuffer(b"+-()./ \t\n\r\x0b\x0c", dtype=np.uint8)] = True


def _mask_phone(values: pa.Array, last: int, char: str) -> pa.Array:
    """Mask every digit but the last ``last``; separators stay, anything else is masked."""
    if len(char.encode()) == 1 and pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return _mask_phone_ascii(values, last, char)
    return _mask_phone_regex(values, last, char)


def _mask_phone_ascii(values: pa.Array, last: int, char: str) -> pa.Array:
    # On the bytes of the whole column at once (ASCII: one byte per character). A global
    # reverse cumulative sum tells each byte how many digits are at or after it; subtracting
    # the count past its string's end makes that per string.
    if values.offset:
        values = pa.concat_arrays([values])  # a zero-offset copy, so the buffers line up
    validity, offsets_buf, data = values.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[: len(values) + 1]
    base = int(offsets[0])
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    raw = raw[base : int(offsets[-1])]
    rel = offsets - base
    digit = (raw >= 0x30) & (raw <= 0x39)
    after = np.append(np.cumsum(digit[::-1], dtype=np.int64)[::-1], 0)
    lengths = np.diff(rel)
    past_end = np.repeat(after[rel[1:]], lengths)
    within = after[:-1] - past_end  # digits at or after each byte, in its string
    total = np.repeat(after[rel[:-1]], lengths) - past_end  # digits in its string
    keep = (digit & (within <= last) & (total >= last)) | _PHONE_SEPARATOR[raw]
    out = np.where(keep, raw, np.uint8(ord(char)))
    buffers = [validity, pa.py_buffer(rel.astype(np.int32)), pa.py_buffer(out)]
    return pa.Array.from_buffers(pa.string(), len(values), buffers, null_count=values.null_count)


def _mask_phone_regex(values: pa.Array, last: int, char: str) -> pa.Array:
    # Anything that is neither a digit nor a separator is masked first (a phone field may
    # hold text); then, reversed, the first `last` digits (the real last ones) are kept and
    # every other digit is masked.
    values = pc.replace_substring_regex(values, r"[^0-9+\-()./\s]", char)
    rev = pc.utf8_reverse(values)
    pattern = "^(?P<kept>" + r"\D*\d" * last + ")(?P<rest>.*)$"
    parts = pc.extract_regex(rev, pattern)
    kept = pc.struct_field(parts, [0])
    rest = pc.replace_substring_regex(pc.struct_field(parts, [1]), r"\d", char)
    masked = pc.utf8_reverse(pc.binary_join_element_wise(kept, rest, ""))
    # strings with fewer digits than `last` did not match: mask nothing is wrong, mask all
    fallback = pc.replace_substring_regex(values, r"\d", char)
    return pc.if_else(pc.is_null(parts), fallback, masked)


def _mask_email(values: pa.Array, char: str) -> pa.Array:
    parts = pc.extract_regex(
        values, r"^(?P<l>[^@])(?P<lr>[^@]*)@(?P<d>[^.@])(?P<dr>[^@]*?)(?P<t>\.[^.@]+)?$"
    )
    fields = [pc.struct_field(parts, [i]) for i in range(5)]
    lr = pc.binary_repeat(pa.scalar(char), pc.utf8_length(fields[1]))
    dr = pc.binary_repeat(pa.scalar(char), pc.utf8_length(fields[3]))
    tld = pc.fill_null(fields[4], "")
    out = pc.binary_join_element_wise(fields[0], lr, "@", fields[2], dr, tld, "")
    fallback = _mask_plain(values, 0, 0, char)
    return pc.if_else(pc.is_null(parts), fallback, out)


def mask(params: MaskParams) -> OpFunc:
    def _mask(values: pa.Array, ctx: OpContext) -> pa.Array:
        values = values.cast(pa.string())
        if params.kind == "phone":
            return _mask_phone(values, params.keep_last, params.char)
        if params.kind == "email":
            return _mask_email(values, params.char)
        return _mask_plain(values, params.keep_first, params.keep_last, params.char)

    return _mask
