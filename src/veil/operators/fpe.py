"""fpe: format-preserving encryption, NIST SP 800-38G FF1 and FF3-1 over AES-256.

**Construction.** The characters of the value that belong to the alphabet (``digits``: radix
10; ``lower_alphanumeric``: ``0-9a-z``, radix 36; ``alphanumeric``: ``0-9a-zA-Z``, radix 62)
form a numeral string; it is encrypted with FF1 or FF3-1 and written back in place. Every
other character (``+``, spaces, ``-``, ``(``, ``)``, letters outside the alphabet, non-ASCII
text) stays where it was, so the output has the length and the layout of the input::

    key   = HKDF(master, "fpe", domain)                # 32 bytes: AES-256; domain defaults
                                                       # to the input column
    FF1   : 10 Feistel rounds, PRF = AES-CBC-MAC(P ‖ Q), tweak = the tweak text (UTF-8)
    FF3-1 : 8 Feistel rounds, PRF = AES(REVB(K)) on one block, tweak = 56 bits:
            HMAC-SHA256(HKDF(master, "fpe-tweak", domain), tweak text)[:7]

The tweak is public and defaults to the input column's name, so the same number in two
columns encrypts differently unless both name the same ``tweak`` and ``domain``. The mapping
is a permutation of the numeral strings of each length: the same input, key and tweak give
the same output (tables still join) and :func:`fpe_decrypt` inverts it with the key (``veil
reveal``). The key is the run's current master key; its id is the run manifest's ``key_id``,
which ``fpe_decrypt`` takes as ``kid`` to pick the same master key later.

**Speed.** A per-value loop runs ten AES calls and ten big-integer steps per value in Python
(15,000 to 40,000 values/s). Here values are grouped by their number of alphabet characters
and each group is encrypted at once: the Feistel halves are numpy ``uint64`` arrays, and each
round is ONE batched AES-ECB call over all the group's blocks. For FF1 the CBC-MAC over
``P ‖ Q`` needs no second pass: every block but the last is the same for every value and
round (``P``, the tweak, the padding), so its chain value ``H`` is computed once and a round
is ``R = AES(H ⊕ last block)``, the last block holding the round number and ``NUM(B)``. The
numpy path takes halves of up to ``2^32`` values (up to 18 digits, 12 characters in radix 36,
10 in radix 62): ``y mod radix^m`` is then exact in ``uint64`` (FF3-1's 128-bit ``y`` is
reduced 32 bits at a time); phone numbers run at over a million values/s on one core
(``benchmarks/bench_fpe.py``). Longer values take an exact path with Python integers, still
one batched AES call per CBC block per round (about 100,000 values/s). A plain scalar
reference of both algorithms (``ff1_encrypt_ref``…) is kept for tests and benchmarks; the
NIST sample vectors and the ``ff3`` package check them all.

**Short values.** NIST requires ``radix^n ≥ 1,000,000`` (FF1 and FF3-1: six digits, four
alphanumeric characters), and FF3-1 at most ``2·⌊log_radix 2^96⌋`` characters (56 digits).
A value with fewer (or, for FF3-1, more) alphabet characters cannot be encrypted safely: a
domain of a few thousand values is enumerated. ``short`` says what happens to it: ``mask``
(default) replaces every character by ``*``, ``null`` writes null, ``error`` stops the run
(the message gives the column and the number of rows, never a value). Empty strings stay
empty.

**Luhn.** With ``luhn: true`` (digits only) every digit but the last is encrypted and the
last one is recomputed: ``check_out = luhn(payload_out) + (check_in − luhn(payload_in))``
mod 10. A card number that passes the Luhn check gives one that passes it too, an invalid
one stays invalid by the same offset, and the mapping stays invertible.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pydantic import Field, model_validator

from veil.errors import VeilError
from veil.keys import Keyring
from veil.operators.base import Example, OpContext, OpFunc, OpParams

ALPHABETS: dict[str, str] = {
    "digits": string.digits,
    "lower_alphanumeric": string.digits + string.ascii_lowercase,
    "alphanumeric": string.digits + string.ascii_lowercase + string.ascii_uppercase,
}
#: NIST SP 800-38G rev. 1: radix^minlen ≥ 1,000,000 for FF1 and FF3-1
DOMAIN_MIN = 1_000_000
FF1_ROUNDS = 10
FF3_ROUNDS = 8
_U32 = 1 << 32
_NOT_IN = 255  # lookup value of a byte outside the alphabet
_LUHN_DOUBLE = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)

Algorithm = Literal["ff1", "ff3-1"]


class FpeDomainError(VeilError):
    """Values too short (or, for FF3-1, too long) to encrypt, with ``short: error``."""

    def __init__(self, column: str, rows: int, minimum: int) -> None:
        self.column = column
        self.rows = rows
        self.minimum = minimum
        super().__init__(
            f"fpe on column {column!r}: {rows} value(s) have fewer than {minimum} characters of "
            "the alphabet (or more than FF3-1 allows) and cannot be encrypted safely; set "
            "short: mask or short: null to handle them"
        )


class FpeParams(OpParams):
    """Format-preserving encryption (NIST FF1 or FF3-1, AES-256): the alphabet characters are
    encrypted in place, separators and length are kept, and the key reverses it."""

    op: Literal["fpe"] = "fpe"
    algorithm: Algorithm = Field(
        default="ff1", description="NIST SP 800-38G algorithm: ff1 (10 rounds) or ff3-1 (8)"
    )
    alphabet: Literal["digits", "alphanumeric", "lower_alphanumeric"] = Field(
        default="digits",
        description="characters encrypted: digits (0-9), lower_alphanumeric (0-9a-z) or "
        "alphanumeric (0-9a-zA-Z); any other character is kept in place",
    )
    luhn: bool = Field(
        default=False,
        description="digits only: encrypt all digits but the last and recompute the last, so "
        "a number that passes the Luhn check still does (card numbers)",
    )
    tweak: str | None = Field(
        default=None,
        description="public per-column tweak; default: the input column's name",
    )
    domain: str | None = Field(
        default=None,
        description="key domain; columns encrypted under the same domain and tweak give the "
        "same outputs (default: input name)",
    )
    short: Literal["mask", "null", "error"] = Field(
        default="mask",
        description="values with too few alphabet characters for a safe domain (radix^n < "
        "1,000,000, e.g. under 6 digits): mask every character with '*', write null, or fail",
    )

    #: the output can be decrypted with the key (``fpe_decrypt``, ``veil reveal``)
    reversible: ClassVar[bool] = True
    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            {"op": "fpe", "domain": "phone"},
            ["+49 (030) 1234-5678", "06-12 34 56 78", "555-0100", "12-34", None],
            "digits encrypted in place, separators kept; '12-34' (4 digits) is too short for "
            "a safe domain and is masked",
        ),
        Example(
            {"op": "fpe", "luhn": True, "domain": "card"},
            ["4111 1111 1111 1111", "5500-0000-0000-0004", "4111 1111 1111 1112"],
            "the check digit is recomputed: valid card numbers stay valid, the invalid one "
            "stays invalid",
        ),
        Example(
            {"op": "fpe", "alphabet": "alphanumeric", "algorithm": "ff3-1", "domain": "account"},
            ["ACCT-7Hq2Zk91", "ACCT-00000001", "acct_x9"],
            "FF3-1 over 0-9a-zA-Z: '-' and '_' are kept",
        ),
    )

    @model_validator(mode="after")
    def _luhn_digits(self) -> FpeParams:
        if self.luhn and self.alphabet != "digits":
            raise ValueError("luhn: true needs alphabet: digits (the Luhn check is on digits)")
        return self


# ---------------------------------------------------------------------------------------------
# Domain limits


def min_length(radix: int) -> int:
    """The fewest numerals NIST allows: ``radix^n ≥ 1,000,000`` (and at least 2)."""
    n = 2
    while radix**n < DOMAIN_MIN:
        n += 1
    return n


def max_length(algorithm: str, radix: int) -> int:
    """The most numerals allowed: FF3-1 ``2·⌊log_radix 2^96⌋``; FF1 ``2^32`` (no practical
    limit)."""
    if algorithm == "ff1":
        return _U32
    k = 0
    while radix ** (k + 1) <= 1 << 96:
        k += 1
    return 2 * k


# ---------------------------------------------------------------------------------------------
# Scalar reference implementations: a line-by-line transcription of SP 800-38G, one value at a
# time. The batched functions below must agree with them (and the NIST vectors check both).


def _aes_ecb(key: bytes) -> Any:
    return Cipher(algorithms.AES(key), modes.ECB()).encryptor()


def _cbc_mac(key: bytes, data: bytes) -> bytes:
    return Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor().update(data)[-16:]


def _num(x: Sequence[int], radix: int) -> int:
    value = 0
    for digit in x:
        value = value * radix + digit
    return value


def _str(value: int, radix: int, m: int) -> list[int]:
    out = [0] * m
    for j in range(m - 1, -1, -1):
        value, out[j] = divmod(value, radix)
    return out


def _ff1_sizes(radix: int, n: int) -> tuple[int, int, int, int]:
    u = n // 2
    v = n - u
    b = ((radix**v - 1).bit_length() + 7) // 8  # ⌈⌈v·log2(radix)⌉ / 8⌉, exactly
    d = 4 * ((b + 3) // 4) + 4
    return u, v, b, d


def _ff1_p(radix: int, u: int, n: int, t: int) -> bytes:
    return (
        bytes([1, 2, 1])
        + radix.to_bytes(3, "big")
        + bytes([10, u % 256])
        + n.to_bytes(4, "big")
        + t.to_bytes(4, "big")
    )


def _ff1_ref(key: bytes, tweak: bytes, radix: int, x: Sequence[int], decrypt: bool) -> list[int]:
    n = len(x)
    u, v, b, d = _ff1_sizes(radix, n)
    t = len(tweak)
    p = _ff1_p(radix, u, n, t)
    ecb = _aes_ecb(key)
    a, bb = list(x[:u]), list(x[u:])
    for i in reversed(range(FF1_ROUNDS)) if decrypt else range(FF1_ROUNDS):
        half = a if decrypt else bb
        q = tweak + bytes((-t - b - 1) % 16) + bytes([i]) + _num(half, radix).to_bytes(b, "big")
        r = _cbc_mac(key, p + q)
        s = r
        j = 1
        while len(s) < d:
            s += ecb.update(bytes(x ^ y for x, y in zip(r, j.to_bytes(16, "big"), strict=True)))
            j += 1
        y = int.from_bytes(s[:d], "big")
        m = u if i % 2 == 0 else v
        if decrypt:
            c = (_num(bb, radix) - y) % radix**m
            a, bb = _str(c, radix, m), a
        else:
            c = (_num(a, radix) + y) % radix**m
            a, bb = bb, _str(c, radix, m)
    return a + bb


def _ff3_tweaks(tweak: bytes) -> tuple[bytes, bytes]:
    """FF3-1's 56-bit tweak split into T_L and T_R (4 bytes each)."""
    if len(tweak) != 7:
        raise ValueError("an FF3-1 tweak is 7 bytes (56 bits)")
    t_l = tweak[:3] + bytes([tweak[3] & 0xF0])
    t_r = tweak[4:7] + bytes([(tweak[3] & 0x0F) << 4])
    return t_l, t_r


def _ff3_ref(key: bytes, tweak: bytes, radix: int, x: Sequence[int], decrypt: bool) -> list[int]:
    n = len(x)
    u = (n + 1) // 2
    v = n - u
    t_l, t_r = _ff3_tweaks(tweak)
    ecb = _aes_ecb(key[::-1])
    a, b = list(x[:u]), list(x[u:])
    for i in reversed(range(FF3_ROUNDS)) if decrypt else range(FF3_ROUNDS):
        m, w = (u, t_r) if i % 2 == 0 else (v, t_l)
        half = a if decrypt else b
        p = w[:3] + bytes([w[3] ^ i]) + _num(half[::-1], radix).to_bytes(12, "big")
        s = ecb.update(p[::-1])[::-1]
        y = int.from_bytes(s, "big")
        if decrypt:
            c = (_num(b[::-1], radix) - y) % radix**m
            a, b = _str(c, radix, m)[::-1], a
        else:
            c = (_num(a[::-1], radix) + y) % radix**m
            a, b = b, _str(c, radix, m)[::-1]
    return a + b


def ff1_encrypt_ref(key: bytes, tweak: bytes, radix: int, x: Sequence[int]) -> list[int]:
    """FF1 encryption of one numeral string (scalar reference)."""
    return _ff1_ref(key, tweak, radix, x, decrypt=False)


def ff1_decrypt_ref(key: bytes, tweak: bytes, radix: int, x: Sequence[int]) -> list[int]:
    """FF1 decryption of one numeral string (scalar reference)."""
    return _ff1_ref(key, tweak, radix, x, decrypt=True)


def ff3_1_encrypt_ref(key: bytes, tweak: bytes, radix: int, x: Sequence[int]) -> list[int]:
    """FF3-1 encryption of one numeral string (scalar reference); ``tweak`` is 7 bytes."""
    return _ff3_ref(key, tweak, radix, x, decrypt=False)


def ff3_1_decrypt_ref(key: bytes, tweak: bytes, radix: int, x: Sequence[int]) -> list[int]:
    """FF3-1 decryption of one numeral string (scalar reference); ``tweak`` is 7 bytes."""
    return _ff3_ref(key, tweak, radix, x, decrypt=True)


# ---------------------------------------------------------------------------------------------
# Batched implementations: a matrix of numeral strings of one length (one row each).


def _to_int(cols: np.ndarray, radix: int, reverse: bool) -> np.ndarray:
    """NUM_radix of each row (of ``REV(row)`` with ``reverse``), as uint64 (value < 2^32)."""
    acc = np.zeros(cols.shape[0], dtype=np.uint64)
    order = range(cols.shape[1] - 1, -1, -1) if reverse else range(cols.shape[1])
    r = np.uint64(radix)
    for j in order:
        acc = acc * r + cols[:, j]
    return acc


def _to_numerals(acc: np.ndarray, radix: int, m: int, reverse: bool) -> np.ndarray:
    out = np.empty((acc.shape[0], m), dtype=np.uint8)
    r = np.uint64(radix)
    order = range(m) if reverse else range(m - 1, -1, -1)
    for j in order:
        out[:, j] = acc % r
        acc = acc // r
    return out


def _rows_to_ints(cols: np.ndarray, radix: int, reverse: bool) -> list[int]:
    rows = cols[:, ::-1] if reverse else cols
    return [_num(row, radix) for row in rows.tolist()]


def _ints_to_numerals(values: list[int], radix: int, m: int, reverse: bool) -> np.ndarray:
    out = np.array([_str(v, radix, m) for v in values], dtype=np.uint8).reshape(len(values), m)
    return out[:, ::-1] if reverse else out


def _be_bytes(values: np.ndarray, width: int) -> np.ndarray:
    """The last ``width`` (≤ 4) big-endian bytes of uint64 values < 2^32, one row each."""
    be = values.astype(">u4").view(np.uint8).reshape(-1, 4)
    return be[:, 4 - width :]


@dataclass(frozen=True)
class _Ff1Chain:
    """FF1's CBC-MAC over P ‖ Q, split where the per-value bytes start: ``head`` is the chain
    value after the blocks that are the same for every value and round, ``tail`` the constant
    bytes of the remaining blocks (round number and NUM(B) set to zero)."""

    head: bytes
    tail: bytes


def _ff1_chain(key: bytes, tweak: bytes, radix: int, n: int) -> _Ff1Chain:
    u, _, b, _ = _ff1_sizes(radix, n)
    t = len(tweak)
    full = _ff1_p(radix, u, n, t) + tweak + bytes((-t - b - 1) % 16) + bytes(1 + b)
    k0 = (len(full) - 1 - b) // 16  # the first block holding the round number
    return _Ff1Chain(_cbc_mac(key, full[: 16 * k0]), full[16 * k0 :])


def ff1_batch(
    key: bytes, tweak: bytes, radix: int, x: np.ndarray, decrypt: bool = False
) -> np.ndarray:
    """FF1 of every row of ``x`` (uint8 numerals, shape ``(N, n)``); returns a new matrix."""
    n = x.shape[1]
    u, v, b, d = _ff1_sizes(radix, n)
    chain = _ff1_chain(key, tweak, radix, n)
    ecb = _aes_ecb(key)
    rounds = list(reversed(range(FF1_ROUNDS))) if decrypt else list(range(FF1_ROUNDS))
    if radix**v <= _U32:  # then b ≤ 4, d = 8 and P ‖ Q ends in a single per-value block
        base = np.frombuffer(
            bytes(h ^ c for h, c in zip(chain.head, chain.tail, strict=True)), np.uint8
        )
        a, bb = _to_int(x[:, :u], radix, False), _to_int(x[:, u:], radix, False)
        for i in rounds:
            half = a if decrypt else bb
            blocks = np.empty((len(half), 16), dtype=np.uint8)
            blocks[:] = base
            blocks[:, 15 - b] ^= np.uint8(i)
            blocks[:, 16 - b :] ^= _be_bytes(half, b)
            r = np.frombuffer(ecb.update(blocks.tobytes()), dtype=">u8")[::2]
            mod = np.uint64(radix ** (u if i % 2 == 0 else v))
            y = r.astype(np.uint64) % mod
            if decrypt:
                a, bb = (bb + (mod - y)) % mod, a
            else:
                a, bb = bb, (a + y) % mod
        return np.hstack([_to_numerals(a, radix, u, False), _to_numerals(bb, radix, v, False)])
    return _ff1_big(ecb, chain, radix, x, u, v, b, d, rounds, decrypt)


def _ff1_big(
    ecb: Any,
    chain: _Ff1Chain,
    radix: int,
    x: np.ndarray,
    u: int,
    v: int,
    b: int,
    d: int,
    rounds: list[int],
    decrypt: bool,
) -> np.ndarray:
    """The exact path for long values: Python integers, one batched AES call per block."""
    count = x.shape[0]
    tail_len = len(chain.tail)
    tail = int.from_bytes(chain.tail, "big")
    head = np.frombuffer(chain.head, np.uint8)
    a, bb = _rows_to_ints(x[:, :u], radix, False), _rows_to_ints(x[:, u:], radix, False)
    for i in rounds:
        half = a if decrypt else bb
        mark = tail ^ (i << (8 * b))
        q = b"".join((mark ^ h).to_bytes(tail_len, "big") for h in half)
        blocks = np.frombuffer(q, np.uint8).reshape(count, tail_len)
        state = np.broadcast_to(head, (count, 16))
        for k in range(0, tail_len, 16):
            data = (state ^ blocks[:, k : k + 16]).tobytes()
            state = np.frombuffer(ecb.update(data), np.uint8).reshape(count, 16)
        parts = [state]
        for j in range(1, (d + 15) // 16):
            counter = np.frombuffer(j.to_bytes(16, "big"), np.uint8)
            data = (state ^ counter).tobytes()
            parts.append(np.frombuffer(ecb.update(data), np.uint8).reshape(count, 16))
        s = np.ascontiguousarray(np.hstack(parts)[:, :d]).tobytes()
        mod = radix ** (u if i % 2 == 0 else v)
        ys = [int.from_bytes(s[k * d : (k + 1) * d], "big") for k in range(count)]
        if decrypt:
            a, bb = [(c - y) % mod for c, y in zip(bb, ys, strict=True)], a
        else:
            a, bb = bb, [(c + y) % mod for c, y in zip(a, ys, strict=True)]
    return np.hstack(
        [_ints_to_numerals(a, radix, u, False), _ints_to_numerals(bb, radix, v, False)]
    )


def ff3_1_batch(
    key: bytes, tweak: bytes, radix: int, x: np.ndarray, decrypt: bool = False
) -> np.ndarray:
    """FF3-1 of every row of ``x`` (uint8 numerals, shape ``(N, n)``); ``tweak`` is 7 bytes."""
    count, n = x.shape
    u = (n + 1) // 2
    v = n - u
    t_l, t_r = _ff3_tweaks(tweak)
    ecb = _aes_ecb(key[::-1])
    rounds = list(reversed(range(FF3_ROUNDS))) if decrypt else list(range(FF3_ROUNDS))
    # P = (W ⊕ [i]^4) ‖ [NUM(REV(B))]^12 is encrypted reversed: REVB(P) is NUM as 12
    # little-endian bytes, then W ⊕ i reversed; and NUM(REVB(S)) is S read little-endian.
    if radix**u <= _U32:
        a, b = _to_int(x[:, :u], radix, True), _to_int(x[:, u:], radix, True)
        for i in rounds:
            m, w = (u, t_r) if i % 2 == 0 else (v, t_l)
            half = a if decrypt else b
            blocks = np.zeros((count, 16), dtype=np.uint8)
            blocks[:, :4] = half.astype("<u4").view(np.uint8).reshape(count, 4)
            blocks[:, 12:] = np.frombuffer(bytes([w[3] ^ i, w[2], w[1], w[0]]), np.uint8)
            limbs = np.frombuffer(ecb.update(blocks.tobytes()), dtype="<u4").reshape(count, 4)
            mod = np.uint64(radix**m)
            y = limbs[:, 3].astype(np.uint64) % mod
            for limb in (2, 1, 0):  # y mod radix^m, 32 bits at a time: never above 2^64
                y = ((y << np.uint64(32)) | limbs[:, limb]) % mod
            if decrypt:
                a, b = (b + (mod - y)) % mod, a
            else:
                a, b = b, (a + y) % mod
        return np.hstack([_to_numerals(a, radix, u, True), _to_numerals(b, radix, v, True)])
    ia, ib = _rows_to_ints(x[:, :u], radix, True), _rows_to_ints(x[:, u:], radix, True)
    for i in rounds:
        m, w = (u, t_r) if i % 2 == 0 else (v, t_l)
        side = ia if decrypt else ib
        wrev = bytes([w[3] ^ i, w[2], w[1], w[0]])
        out = ecb.update(b"".join(h.to_bytes(12, "little") + wrev for h in side))
        mod = radix**m
        ys = [int.from_bytes(out[k * 16 : (k + 1) * 16], "little") for k in range(count)]
        if decrypt:
            ia, ib = [(c - y) % mod for c, y in zip(ib, ys, strict=True)], ia
        else:
            ia, ib = ib, [(c + y) % mod for c, y in zip(ia, ys, strict=True)]
    return np.hstack([_ints_to_numerals(ia, radix, u, True), _ints_to_numerals(ib, radix, v, True)])


# ---------------------------------------------------------------------------------------------
# Strings


def _lookup(alphabet: str) -> np.ndarray:
    lut = np.full(256, _NOT_IN, dtype=np.uint8)
    lut[np.frombuffer(alphabet.encode(), np.uint8)] = np.arange(len(alphabet), dtype=np.uint8)
    return lut


_LOOKUPS = {name: _lookup(chars) for name, chars in ALPHABETS.items()}
_SYMBOLS = {name: np.frombuffer(chars.encode(), np.uint8) for name, chars in ALPHABETS.items()}


def _luhn_check(payload: np.ndarray) -> np.ndarray:
    """The Luhn check digit of each row of payload digits (its last digit is doubled)."""
    width = payload.shape[1]
    doubled = (width - 1 - np.arange(width)) % 2 == 0
    terms = np.where(doubled, _LUHN_DOUBLE[payload], payload.astype(np.int64))
    return ((10 - terms.sum(axis=1) % 10) % 10).astype(np.uint8)


@dataclass(frozen=True)
class _Keys:
    key: bytes
    tweak: bytes


def _keys(params: FpeParams, keyring: Keyring, column: str, kid: str | None) -> _Keys:
    domain = params.domain or column
    key = keyring.derive("fpe", domain, length=32, kid=kid)
    text = (params.tweak if params.tweak is not None else column).encode()
    if params.algorithm == "ff1":
        return _Keys(key, text)
    tweak_key = keyring.derive("fpe-tweak", domain, kid=kid)
    return _Keys(key, hmac.new(tweak_key, text, hashlib.sha256).digest()[:7])


def _transform(
    values: pa.Array | pa.ChunkedArray,
    params: FpeParams,
    keys: _Keys,
    column: str,
    decrypt: bool,
) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = values.cast(pa.string())
    if values.offset:
        values = pa.concat_arrays([values])  # a zero-offset copy, so the buffers line up
    n = len(values)
    if n == 0:
        return values
    validity, offsets_buf, data = values.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[: n + 1]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    raw = raw[int(offsets[0]) : int(offsets[-1])]
    rel = (offsets - offsets[0]).astype(np.int64)
    valid = ~values.is_null().to_numpy(zero_copy_only=False)

    radix = len(ALPHABETS[params.alphabet])
    numerals = _LOOKUPS[params.alphabet][raw]
    symbols = _SYMBOLS[params.alphabet]
    pos = np.flatnonzero(numerals != _NOT_IN)  # bytes of alphabet characters, in order
    owner = np.searchsorted(rel[1:], pos, side="right")  # the string of each such byte
    counts = np.bincount(owner, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    encrypted = counts - 1 if params.luhn else counts
    lowest = min_length(radix)
    inside = valid & (encrypted >= lowest) & (encrypted <= max_length(params.algorithm, radix))
    batch = ff1_batch if params.algorithm == "ff1" else ff3_1_batch

    out = raw.copy()
    for width in np.unique(encrypted[inside]).tolist():
        rows = np.flatnonzero(inside & (encrypted == width))
        where = pos[starts[rows][:, None] + np.arange(width)]
        before = numerals[where]
        after = batch(keys.key, keys.tweak, radix, before, decrypt)
        out[where] = symbols[after]
        if params.luhn:
            check_at = pos[starts[rows] + width]
            fixed = _luhn_check(after) + (numerals[check_at] + 10 - _luhn_check(before)) % 10
            out[check_at] = symbols[fixed % 10]

    result = pa.Array.from_buffers(
        pa.string(),
        n,
        [validity, pa.py_buffer(rel.astype(np.int32)), pa.py_buffer(out)],
        null_count=values.null_count,
    )
    short = valid & ~inside & (np.diff(rel) > 0)  # an empty string hides nothing
    if not short.any():
        return result
    if params.short == "error":
        raise FpeDomainError(column, int(short.sum()), lowest + int(params.luhn))
    mask = pa.array(short)
    if params.short == "null":
        return pc.if_else(mask, pa.scalar(None, pa.string()), result)
    masked = pc.binary_repeat(pa.scalar("*"), pc.utf8_length(values))
    return pc.if_else(mask, masked, result)


def fpe_encrypt(
    values: pa.Array, params: FpeParams, keyring: Keyring, column: str, kid: str | None = None
) -> pa.Array:
    """Encrypt a column as the operator does (``column``: the input column's name)."""
    return _transform(values, params, _keys(params, keyring, column, kid), column, False)


def fpe_decrypt(
    values: pa.Array, params: FpeParams, keyring: Keyring, column: str, kid: str | None = None
) -> pa.Array:
    """Invert :func:`fpe_encrypt` (``veil reveal``). ``column`` is the input column's name the
    policy read (the default domain and tweak); ``kid`` the key id of the run (its manifest's
    ``key_id``; default: the current key). Masked short values stay masked, nulls null."""
    return _transform(values, params, _keys(params, keyring, column, kid), column, True)


def fpe(params: FpeParams) -> OpFunc:
    def _fpe(values: pa.Array, ctx: OpContext) -> pa.Array:
        return fpe_encrypt(values, params, ctx.keyring, ctx.input)

    return _fpe
