"""pseudonym: realistic, consistent surrogates (names, e-mails, phones, usernames, addresses).

**Construction.** A surrogate is picked from a word list by a keyed pseudo-random function of
the (normalised) input value::

    key   = HKDF(master, "pseudonym", domain)          # domain: param, default the input column
    h     = AES-256(key, SHA-256(value))               # veil.operators.prf, vectorised
    lane  = h[8i : 8i+8] as a big-endian uint64        # four independent 64-bit lanes
    index = lane mod len(list)                         # bias ≤ len / 2^64: none in practice

PRFs are computed once per *distinct* value of the batch (name columns repeat a lot), then
gathered per row, and the words are fetched with one ``take`` from an array that holds every
list needed (all locales × male / female / all first names). The four lanes of one PRF output
are independent pseudo-random values (disjoint bits of a PRF's output are independent), so
a full name uses lane 0 for the first name and lane 1 for the last name, an e-mail lane 2
for its two-digit number and a username lane 3 for its style; further streams (the several
parts of a street address) are derived from the lanes with the SplitMix64 finaliser. One PRF
call per distinct value instead of one per part keeps the cost at one per value.

The same value, key and ``domain`` give the same surrogate in every batch and table, so
pseudonymised tables still join (``users.email`` and ``events.email`` both with
``domain: email``); another key gives unrelated surrogates. Nothing uses ``random`` and
Faker's generator never runs: only its word lists are read (see ``pseudonym_data``).

Kinds: ``first_name`` (gender-aware with ``gender_from``: male/female/m/f…, anything else the
combined list), ``last_name``, ``full_name`` (``First Last``), ``email`` (``first.last42`` at
the input's domain or ``email_domain``), ``username``, ``phone`` (the same layout: each digit
replaced by a keyed digit, separators and length kept, the first ``keep_prefix`` characters
kept) and ``street_address`` (number and street in the locale's formats). A name that would
come out equal to its input (same list entry) takes the next entry instead. Locales: ``locale``
for the column, or ``locale_from`` naming a column with a randomuser.me nationality (``DE``) or
a Faker locale (``de_DE``) per row.

**The collision trade-off.** Surrogates come from finite lists, so distinct inputs share a
surrogate: a name list of ``N`` entries gives each of ``n`` distinct inputs a share of about
``1 - exp(-n/N)`` of meeting another one. That is the point for names (a pseudonym is a
plausible name, not an identifier: use ``hash`` for a join key that must be unique) and a
cost for e-mails and usernames, which add a keyed two-digit number (and, for usernames, one of
four styles) to multiply ``N`` by 100 to 400; phones have ``10^digits`` surrogates. Measured
rates are in ``benchmarks/bench_pseudonym.py``. The mapping is not invertible by the key alone
(many inputs per surrogate): to recover inputs keep the raw data, not the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, field_validator, model_validator

from veil.operators import pseudonym_data as data
from veil.operators.base import Example, OpContext, OpFunc, OpParams
from veil.operators.prf import prf_lanes

Kind = Literal[
    "first_name", "last_name", "full_name", "email", "phone", "username", "street_address"
]
_GENDERED = ("first_name", "full_name", "email", "username")
_DOMAIN_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_NO_AT_DOMAIN = "example.com"  # an e-mail input without '@' keeps no domain: this one (RFC 2606)


def _locale_name(value: str) -> str:
    text = value.strip().replace("-", "_")
    if "_" in text:
        lang, country = text.split("_", 1)
        text = f"{lang.lower()}_{country.upper()}"
    elif text.upper() in data.NAT_LOCALES:
        text = data.NAT_LOCALES[text.upper()]
    return text


class PseudonymParams(OpParams):
    """Replace the value by a realistic surrogate (name, e-mail, phone, username, street
    address) picked by a keyed PRF from Faker's locale word lists: the same value gives the
    same surrogate in every table under the same key and ``domain``."""

    op: Literal["pseudonym"] = "pseudonym"
    kind: Kind = Field(description="what the column holds, and so what the surrogate looks like")
    locale: str = Field(
        default=data.DEFAULT_LOCALE,
        description="word lists and address style: a Faker locale (de_DE) or nationality (DE)",
    )
    locale_from: str | None = Field(
        default=None,
        description="column with each row's nationality (DE) or locale (de_DE); "
        "unknown values use `locale`",
    )
    gender_from: str | None = Field(
        default=None,
        description="column with each row's gender (male/female/m/f); first names follow it, "
        "other values use the combined list",
    )
    domain: str | None = Field(
        default=None,
        description="key domain; columns under the same domain share surrogates "
        "(default: input name)",
    )
    keep_prefix: int = Field(
        default=0, ge=0, le=8, description="phone: leading characters kept (a country code)"
    )
    email_domain: str = Field(
        default="keep",
        description="email: `keep` the input's domain, or a domain to use (example.com)",
    )
    normalize: Literal["none", "trim_lower"] | None = Field(
        default=None,
        description="normalise before the PRF (default: trim_lower for email and username, "
        "none otherwise; phones always use their digits only)",
    )

    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {"op": "pseudonym", "kind": "first_name", "gender_from": "gender"},
            ["Alice", "Bob", "Alice", "Sam", None],
            "first names follow the gender column; an unknown gender uses the combined list",
            columns={"gender": ["female", "male", "female", None, "male"]},
        ),
        Example(
            {"op": "pseudonym", "kind": "full_name", "locale_from": "nat"},
            ["Anna Schmidt", "Jean Dupont", "Mary Smith"],
            "each row in its own nationality's lists",
            columns={"nat": ["DE", "FR", "GB"]},
        ),
        Example(
            {"op": "pseudonym", "kind": "email", "domain": "email"},
            ["alice@example.org", " Alice@Example.org", "bob@mail.example.co.uk", None],
            "normalised first: both spellings of Alice's address give the same surrogate",
        ),
        Example(
            {"op": "pseudonym", "kind": "email", "email_domain": "example.com"},
            ["alice@company.com"],
            "the domain replaced",
        ),
        Example(
            {"op": "pseudonym", "kind": "phone", "keep_prefix": 3},
            ["+49 30 1234-5678", "+4930 12345678", "06-12345678"],
            "layout and the first 3 characters kept; the first two are the same number, "
            "so they get the same digits",
        ),
        Example(
            {"op": "pseudonym", "kind": "street_address", "locale": "de_DE"},
            ["Hauptstraße 5", "Main Street 12"],
        ),
    )

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        name = _locale_name(value)
        if name not in data.SUPPORTED_LOCALES:
            raise ValueError(
                f"unsupported locale {value!r}; use one of {', '.join(data.SUPPORTED_LOCALES)} "
                f"or a nationality code ({', '.join(sorted(data.NAT_LOCALES))})"
            )
        return name

    @field_validator("email_domain")
    @classmethod
    def _domain_name(cls, value: str) -> str:
        value = value.strip().lower()
        if value != "keep" and not _DOMAIN_NAME.match(value):
            raise ValueError(f"email_domain {value!r} is neither 'keep' nor a domain name")
        return value

    @model_validator(mode="after")
    def _fits_kind(self) -> PseudonymParams:
        if self.keep_prefix and self.kind != "phone":
            raise ValueError("keep_prefix applies to kind phone only")
        if self.email_domain != "keep" and self.kind != "email":
            raise ValueError("email_domain applies to kind email only")
        if self.gender_from and self.kind not in _GENDERED:
            raise ValueError(f"gender_from applies to kinds {', '.join(_GENDERED)} only")
        return self

    def inputs(self) -> list[str]:
        return [c for c in (self.gender_from, self.locale_from) if c]


# --- the PRF -------------------------------------------------------------------------------


#: below this many rows, or when the first rows are (nearly) all distinct, the PRFs are
#: computed per row; otherwise once per distinct value (the result is the same either way)
_SAMPLE = 16384


def distinct_rows(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The values to compute HMACs of, and for each row the position of its value there."""
    n = len(values)
    if n >= _SAMPLE:
        sample = values.slice(0, _SAMPLE)
        if pc.count_distinct(sample, mode="all").as_py() < _SAMPLE * 0.9:
            encoded = pc.dictionary_encode(values)
            rows = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False)
            return encoded.dictionary, rows.astype(np.int64)
    return values, np.arange(n, dtype=np.int64)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (a bijection of uint64 with good avalanche)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class _Streams:
    """Per-row uint64 streams: the four HMAC lanes, then values derived from them."""

    def __init__(self, lanes: np.ndarray) -> None:
        self.lanes = lanes
        self.cache: dict[int, np.ndarray] = {}

    def get(self, sid: int) -> np.ndarray:
        if sid < self.lanes.shape[1]:
            return self.lanes[:, sid]
        out = self.cache.get(sid)
        if out is None:
            lane = self.lanes[:, sid % self.lanes.shape[1]]
            salt = np.full(1, sid, dtype=np.uint64) * _GOLDEN
            out = self.cache[sid] = _mix(lane ^ salt)
        return out


# --- rows: locale and gender ---------------------------------------------------------------


def _lookup(column: pa.Array, table: dict[str, int], default: int) -> np.ndarray:
    keys = pa.array(list(table), pa.string())
    targets = np.append(np.array(list(table.values()), dtype=np.int64), default)
    text = pc.utf8_trim_whitespace(column.cast(pa.string()))
    found = pc.index_in(text, value_set=keys).fill_null(-1).to_numpy(zero_copy_only=False)
    return targets[found]


def _locale_table(locales: tuple[str, ...]) -> dict[str, int]:
    table: dict[str, int] = {}
    for i, loc in enumerate(locales):
        for spelling in (loc, loc.lower(), loc.replace("_", "-"), loc.lower().replace("_", "-")):
            table[spelling] = i
    for nat, loc in data.NAT_LOCALES.items():
        table[nat] = table[nat.lower()] = locales.index(loc)
    return table


_GENDER = {
    **dict.fromkeys(["male", "m", "man", "masculine", "mr", "boy", "männlich"], 0),
    **dict.fromkeys(["female", "f", "woman", "feminine", "w", "mrs", "ms", "girl", "weiblich"], 1),
}


def _rows(params: PseudonymParams, ctx: OpContext, n: int) -> tuple[tuple[str, ...], np.ndarray]:
    if params.locale_from is None:
        return (params.locale,), np.zeros(n, dtype=np.int64)
    locales = data.SUPPORTED_LOCALES
    column = ctx.batch.column(params.locale_from)
    return locales, _lookup(column, _locale_table(locales), locales.index(params.locale))


def _genders(params: PseudonymParams, ctx: OpContext, n: int) -> np.ndarray:
    if params.gender_from is None:
        return np.full(n, 2, dtype=np.int64)
    column = pc.utf8_lower(ctx.batch.column(params.gender_from).cast(pa.string()))
    return _lookup(column, _GENDER, 2)


# --- kinds ---------------------------------------------------------------------------------


class _Job:
    """One call: the rows' streams, locales and genders."""

    def __init__(
        self, streams: _Streams, locales: tuple[str, ...], loc: np.ndarray, gender: np.ndarray
    ) -> None:
        self.streams, self.locales, self.loc, self.gender = streams, locales, loc, gender

    def index(self, table: str, lane: int, bump: np.ndarray | None = None) -> np.ndarray:
        b = data.bank(self.locales, table)
        g = self.gender if table.startswith("first") else np.zeros_like(self.loc)
        offsets, lengths = b.offsets[self.loc, g], b.lengths[self.loc, g]
        i = (self.streams.get(lane) % lengths.astype(np.uint64)).astype(np.int64)
        if bump is not None:
            i = np.where(bump, (i + 1) % lengths, i)
        return offsets + i

    def words(self, table: str, lane: int, bump: np.ndarray | None = None) -> pa.Array:
        return data.bank(self.locales, table).values.take(self.index(table, lane, bump))


_TWO_DIGITS = pa.array([f"{i:02d}" for i in range(100)], pa.string())
_USER_SEPARATORS = pa.array([".", "_", "", ""], pa.string())


def _name(job: _Job, dictionary: pa.Array, rows: np.ndarray, table: str) -> pa.Array:
    b = data.bank(job.locales, table)
    i = job.index(table, 0)
    # a value that is itself in the lists (any case) must not come out as itself
    key = pc.utf8_lower(pc.utf8_trim_whitespace(dictionary))
    found = pc.index_in(key, value_set=b.lowered).fill_null(-1).to_numpy(zero_copy_only=False)
    same = found[rows] == b.canon[i]
    if same.any():
        i = job.index(table, 0, same)
    return b.values.take(i)


def _full_name(job: _Job, values: pa.Array) -> pa.Array:
    first = job.words("first", 0)
    out = pc.binary_join_element_wise(first, job.words("last", 1), " ")
    key = pc.utf8_lower(pc.utf8_trim_whitespace(values))
    same = pc.equal(pc.utf8_lower(out), key).fill_null(False).to_numpy(zero_copy_only=False)
    if same.any():
        out = pc.binary_join_element_wise(first, job.words("last", 1, same), " ")
    return out


def _email(job: _Job, values: pa.Array, email_domain: str) -> pa.Array:
    number = _TWO_DIGITS.take((job.streams.get(2) % np.uint64(100)).astype(np.int64))
    local = pc.binary_join_element_wise(
        job.words("first_slug", 0), ".", job.words("last_slug", 1), number, ""
    )
    if email_domain != "keep":
        return pc.binary_join_element_wise(local, "@" + email_domain, "")
    after_at = pc.list_element(pc.split_pattern(pc.utf8_reverse(values), "@", max_splits=1), 0)
    domain = pc.utf8_reverse(after_at)
    has_domain = pc.and_(pc.match_substring(values, "@"), pc.greater(pc.utf8_length(domain), 0))
    domain = pc.if_else(has_domain, domain, _NO_AT_DOMAIN)
    return pc.binary_join_element_wise(local, domain, "@")


def _username(job: _Job) -> pa.Array:
    style = (job.streams.get(3) % np.uint64(4)).astype(np.int64)
    first = job.words("first_slug", 0)
    first = pc.if_else(pa.array(style == 3), pc.utf8_slice_codeunits(first, 0, 1), first)
    draw = job.streams.get(2)
    number = _TWO_DIGITS.take((draw % np.uint64(100)).astype(np.int64))
    # an initial alone gives few names: two more digits
    more = _TWO_DIGITS.take((draw // np.uint64(100) % np.uint64(100)).astype(np.int64))
    more = pc.if_else(pa.array(style == 3), more, "")
    return pc.binary_join_element_wise(
        first, _USER_SEPARATORS.take(style), job.words("last_slug", 1), number, more, ""
    )


_CHUNK = 15  # digits drawn from one 64-bit lane: bias ≤ 10^15 / 2^64 ≈ 5e-5
_POW10 = [np.uint64(10**i) for i in range(_CHUNK)]


class _Layout:
    """The UTF-8 bytes of a string column (zero offset) and where its digits are; int32
    throughout (string offsets are int32 anyway, and large int64 temporaries are slow)."""

    def __init__(self, values: pa.Array) -> None:
        if values.offset:
            values = pa.concat_arrays([values])
        self.values = values
        _, offsets_buf, data_buf = values.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int32)[: len(values) + 1]
        raw = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.empty(0, np.uint8)
        self.raw = raw[offsets[0] : offsets[-1]]
        self.rel = offsets - offsets[0]
        self.digit = (self.raw >= 0x30) & (self.raw <= 0x39)
        self.seen = np.concatenate([np.zeros(1, np.int32), np.cumsum(self.digit, dtype=np.int32)])

    def digits_only(self) -> pa.Array:
        offsets = pa.py_buffer(np.ascontiguousarray(self.seen[self.rel]))
        data_buf = pa.py_buffer(np.ascontiguousarray(self.raw[self.digit]))
        return pa.Array.from_buffers(pa.string(), len(self.values), [None, offsets, data_buf])


def _digit_table(lanes: np.ndarray, width: int) -> np.ndarray:
    """``width`` (≤ 60) keyed decimal digits per value: lane c gives digits 15c..15c+14, the
    zero-padded ``lane mod 10^15``."""
    out = np.empty((lanes.shape[0], width), dtype=np.uint8)
    for c in range(0, (width + _CHUNK - 1) // _CHUNK):
        number = lanes[:, c] % np.uint64(10**_CHUNK)
        for j in range(c * _CHUNK, min(width, (c + 1) * _CHUNK)):
            out[:, j] = (number // _POW10[_CHUNK - 1 - (j - c * _CHUNK)]) % np.uint64(10)
    return out


def _phone(layout: _Layout, lanes: np.ndarray, rows: np.ndarray, keep_prefix: int) -> pa.Array:
    """Every digit after the first ``keep_prefix`` characters replaced by a keyed digit (the
    k-th digit of a row by digit k of its value's table, from 60 on again from the start);
    other bytes kept. On the UTF-8 bytes of the whole column: a digit byte is never
    part of a multi-byte character, and characters are counted by their leading bytes."""
    raw, rel, n = layout.raw, layout.rel, len(layout.values)
    pos = np.flatnonzero(layout.digit).astype(np.int32)
    per_row = np.diff(layout.seen[rel])
    row = np.repeat(np.arange(n, dtype=np.int32), per_row)
    k = np.arange(len(pos), dtype=np.int32) - layout.seen[rel[:-1]][row]
    if keep_prefix:
        lead = (raw & 0xC0) != 0x80
        chars = np.concatenate([np.zeros(1, np.int32), np.cumsum(lead, dtype=np.int32)])
        keep = chars[pos] - chars[rel[:-1]][row] >= keep_prefix
        pos, row, k = pos[keep], row[keep], k[keep]
    width = int(min(4 * _CHUNK, max(int(per_row.max(initial=0)), 1)))
    table = _digit_table(lanes, width)
    flat = rows.astype(np.int32)[row] * np.int32(width) + (k % np.int32(width))
    out = raw.copy()
    out[pos] = table.reshape(-1)[flat] + np.uint8(0x30)
    values = layout.values
    buffers = [values.buffers()[0], pa.py_buffer(rel.astype(np.int32)), pa.py_buffer(out)]
    return pa.Array.from_buffers(pa.string(), len(values), buffers, null_count=values.null_count)


def _assemble(groups: np.ndarray, count: int, render: Callable[[int, np.ndarray], pa.Array]):
    """Render each group's rows (``render(group, rows)``) and put the results back in row
    order."""
    order = np.argsort(groups, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(groups, minlength=count))])
    pieces = [
        render(g, order[bounds[g] : bounds[g + 1]])
        for g in range(count)
        if bounds[g + 1] > bounds[g]
    ]
    if not pieces:
        return pa.array([], pa.string())
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return pa.concat_arrays(pieces).take(inverse)


def _render(node: data.Choice | data.Seq | data.Words, rows: np.ndarray, streams: _Streams):
    if isinstance(node, data.Words):
        pick = streams.get(node.sid)[rows] % np.uint64(len(node.words))
        return node.words.take(pick.astype(np.int64))
    if isinstance(node, data.Choice):
        pick = (streams.get(node.sid)[rows] % np.uint64(len(node.options))).astype(np.int64)
        return _assemble(
            pick, len(node.options), lambda o, sub: _render(node.options[o], rows[sub], streams)
        )
    parts = [p if isinstance(p, str) else _render(p, rows, streams) for p in node.parts]
    if not any(isinstance(p, pa.Array) for p in parts):
        return pa.array(["".join(str(p) for p in parts)] * len(rows), pa.string())
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, "")


def _street_address(job: _Job) -> pa.Array:
    return _assemble(
        job.loc,
        len(job.locales),
        lambda g, rows: _render(data.street_address(job.locales[g]), rows, job.streams),
    )


# --- the operator --------------------------------------------------------------------------


def _normalised(values: pa.Array, params: PseudonymParams) -> pa.Array:
    mode = params.normalize or ("trim_lower" if params.kind in ("email", "username") else "none")
    if mode == "trim_lower":
        return pc.utf8_lower(pc.utf8_trim_whitespace(values))
    return values


_LANES = {"first_name": 1, "last_name": 1, "full_name": 2, "email": 3}


def pseudonym(params: PseudonymParams) -> OpFunc:
    lanes = _LANES.get(params.kind, 4)

    def _pseudonym(values: pa.Array, ctx: OpContext) -> pa.Array:
        values = values.cast(pa.string())
        n = len(values)
        if values.null_count == n:
            return pa.nulls(n, pa.string())
        key = ctx.keyring.derive("pseudonym", params.domain or ctx.input)
        if params.kind == "phone":  # keyed by its digits, whatever the layout
            layout = _Layout(values)
            dictionary, rows = distinct_rows(layout.digits_only())
            lanes_ = prf_lanes(dictionary, key, lanes)
            return _phone(layout, lanes_, rows, params.keep_prefix)
        norm = _normalised(values, params)
        dictionary, rows = distinct_rows(norm)
        distinct = prf_lanes(dictionary, key, lanes)
        locales, loc = _rows(params, ctx, n)
        job = _Job(_Streams(distinct[rows]), locales, loc, _genders(params, ctx, n))
        if params.kind == "first_name":
            out = _name(job, dictionary, rows, "first")
        elif params.kind == "last_name":
            out = _name(job, dictionary, rows, "last")
        elif params.kind == "full_name":
            out = _full_name(job, values)
        elif params.kind == "email":
            out = _email(job, norm, params.email_domain)
        elif params.kind == "username":
            out = _username(job)
        else:
            out = _street_address(job)
        if values.null_count:
            out = pc.if_else(pc.is_valid(values), out, pa.scalar(None, pa.string()))
        return out

    return _pseudonym
