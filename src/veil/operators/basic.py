"""keep, drop, redact and mask: operators that need no key."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from veil.operators.base import Example, OpContext, OpFunc, OpParams


class KeepParams(OpParams):
    """Pass the value through unchanged. Use only for columns that are not identifying."""

    op: Literal["keep"] = "keep"

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {"op": "keep", "when": {"column": "value", "op": "ne", "value": "Berlin"}},
            ["Paris", "Berlin", None],
            "with a condition, rows where it is false keep their input (`otherwise: keep`)",
        ),
    )


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

    examples: ClassVar[tuple[Example, ...]] = (
        Example({"op": "redact", "value": "<EMAIL>"}, ["alice@example.com", None], "type label"),
        Example({"op": "redact"}, ["4111 1111 1111 1111"], "null"),
    )


class MaskParams(OpParams):
    """Replace characters by ``char``, keeping the first/last N (digits only for phones)."""

    op: Literal["mask"] = "mask"
    char: str = Field(default="*", min_length=1, max_length=1, description="the mask character")
    keep_first: int = Field(default=0, ge=0, description="plain: leading characters kept")
    keep_last: int = Field(
        default=0, ge=0, description="plain: trailing characters kept; phone: digits kept"
    )
    kind: Literal["plain", "phone", "email"] = Field(
        default="plain",
        description="plain: every character; phone: digits only, separators kept; "
        "email: local part and domain name masked, first letter of each and the TLD kept",
    )

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {"op": "mask", "keep_first": 2, "keep_last": 2},
            ["DE89370400440532013000", "abc", None],
            "a value too short to hide anything is masked whole",
        ),
        Example(
            {"op": "mask", "kind": "phone", "keep_last": 2},
            ["+49 (030) 1234-5678", "06-12345678", "call 555 0100"],
            "digits masked, separators kept, text masked too",
        ),
        Example(
            {"op": "mask", "kind": "email"},
            ["alice@company.com", "bob@mail.example.co.uk", "not-an-email"],
        ),
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


def _ascii_layout(values: pa.Array) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """A zero-offset copy of a string array, its bytes, offsets relative to the first byte,
    and the string index of every byte."""
    if values.offset:
        values = pa.concat_arrays([values])
    _, offsets_buf, data = values.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[: len(values) + 1]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    raw = raw[int(offsets[0]) : int(offsets[-1])]
    rel = (offsets - offsets[0]).astype(np.int64)
    sid = np.repeat(np.arange(len(values)), np.diff(rel))
    return values, raw, rel, sid


def _rebuilt(values: pa.Array, rel: np.ndarray, out: np.ndarray) -> pa.Array:
    buffers = [values.buffers()[0], pa.py_buffer(rel.astype(np.int32)), pa.py_buffer(out)]
    return pa.Array.from_buffers(pa.string(), len(values), buffers, null_count=values.null_count)


def _mask_email(values: pa.Array, char: str) -> pa.Array:
    if len(char.encode()) == 1 and pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return _mask_email_ascii(values, char)
    return _mask_email_regex(values, char)


def _mask_email_ascii(values: pa.Array, char: str) -> pa.Array:
    # The same result as the regular expression of _mask_email_regex, on the bytes of the
    # whole column: keep the first byte, the one '@', the byte after it and the last
    # ".segment" (when it follows the domain's first byte and is not empty).
    values, raw, rel, sid = _ascii_layout(values)
    n = len(values)
    lengths = np.diff(rel)
    pos = np.arange(len(raw), dtype=np.int64) - rel[:-1][sid]
    is_at = raw == 0x40
    at_count = np.bincount(sid[is_at], minlength=n)
    at_pos = np.full(n, -1, dtype=np.int64)
    at_pos[sid[is_at]] = pos[is_at]  # only read where there is exactly one '@'
    dots = np.flatnonzero(raw == 0x2E)
    last_dot = np.full(n, -1, dtype=np.int64)
    if len(dots):
        ends = np.flatnonzero(np.diff(sid[dots], append=-1) != 0)  # last dot of each string
        last_dot[sid[dots[ends]]] = pos[dots[ends]]
    valid = (at_count == 1) & (at_pos >= 1) & (lengths > at_pos + 1)
    after_at = np.where(valid, rel[:-1] + at_pos + 1, 0)
    valid &= raw[np.minimum(after_at, max(len(raw) - 1, 0))] != 0x2E if len(raw) else valid
    tld = np.where((last_dot > at_pos + 1) & (last_dot < lengths - 1), last_dot, lengths)
    at, top = at_pos[sid], tld[sid]
    keep = valid[sid] & ((pos == 0) | (pos == at) | (pos == at + 1) | (pos >= top))
    out = np.where(keep, raw, np.uint8(ord(char)))
    return _rebuilt(values, rel, out)


def _mask_email_regex(values: pa.Array, char: str) -> pa.Array:
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


def mask_preview(values: pa.Array, kind: str | None = None) -> pa.Array:
    """Text values masked for a preview in the terminal (``veil scan --show-samples``, a
    job's dry run): e-mails (``kind="email"``) and phone numbers (``"phone"``) as the
    ``mask`` operator's kinds mask them, anything else keeping its first and last character
    (a value too short to hide anything is masked whole)."""
    if kind == "email":
        return _mask_email(values, "*")
    if kind == "phone":
        return _mask_phone(values, 0, "*")
    return _mask_plain(values, 1, 1, "*")
