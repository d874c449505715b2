"""Fixed-width text templates for the synthetic generator, and their check digits.

A template such as ``"###-##-####"`` or ``"{dd}{mm}{yy}-###{check}"`` is compiled once into
literal bytes, random character classes and person fields (birth day, sex…); ``render`` fills
many rows at once as a NumPy byte matrix, and a check rule (Luhn, EAN-13, CPF, Verhoeff, mod 11
variants, national id letters…) fixes the check characters in place, so generated ids,
phone numbers and card numbers are valid where real ones are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

_Fields = dict[str, np.ndarray]

# --- templates -------------------------------------------------------------------------------

ALPHABETS = {
    "#": b"0123456789",
    "%": b"123456789",
    "^": b"23456789",
    "@": b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "$": b"ABCEGHJKLMNPRSTVWXYZ",
    "£": b"ABDEFGHJLNPQRSTUWXYZ",
    "¤": b"ACDEFHKNPRTVWXY0123456789",
}
FIELD_WIDTHS = {"dd": 2, "mm": 2, "yy": 2, "sex": 1, "century": 1, "initial": 1}
_DIGIT_FIELDS = {"dd", "mm", "yy", "sex"}
_TOKEN = re.compile(r"\{(\w+)\}|(.)", re.S)


@dataclass(frozen=True)
class Template:
    """A fixed-width format: literal bytes, random classes, person fields, a check rule."""

    width: int
    literal: np.ndarray
    randoms: tuple[tuple[np.ndarray, np.ndarray], ...]  # (columns, alphabet)
    fields: tuple[tuple[str, int], ...]  # (field, first column)
    digits: np.ndarray  # columns holding digits, in order (what check rules read)
    check: str | None

    def fill(self, rows: np.ndarray, rng: np.random.Generator, fields: _Fields) -> np.ndarray:
        mat = np.broadcast_to(self.literal, (len(rows), self.width)).copy()
        for cols, alphabet in self.randoms:
            mat[:, cols] = alphabet[rng.integers(0, len(alphabet), (len(rows), len(cols)))]
        for name, col in self.fields:
            mat[:, col : col + FIELD_WIDTHS[name]] = fields[name][rows]
        if self.check:
            CHECKS[self.check](mat, self, rng, rows, fields)
        return mat


def compile_template(text: str, check: str | None = None) -> Template:
    """Parse a template string (see ``_synthetic_data``) once."""
    literal: list[int] = []
    classes: dict[str, list[int]] = {}
    fields: list[tuple[str, int]] = []
    digits: list[int] = []
    for match in _TOKEN.finditer(text):
        col, field, char = len(literal), match[1], match[2]
        if field:
            fields.append((field, col))
            literal += [0] * FIELD_WIDTHS[field]
            digits += range(col, col + FIELD_WIDTHS[field]) if field in _DIGIT_FIELDS else []
        elif char in ALPHABETS:
            classes.setdefault(char, []).append(col)
            literal.append(0)
            digits += [col] if char in "#%^" else []
        else:
            literal.append(char.encode("ascii")[0])
            digits += [col] if char.isdigit() else []
    randoms = tuple(
        (np.array(cols), np.frombuffer(ALPHABETS[key], np.uint8)) for key, cols in classes.items()
    )
    return Template(
        len(literal),
        np.array(literal, np.uint8),
        randoms,
        tuple(fields),
        np.array(digits, np.int64),
        check,
    )


def render(
    tids: np.ndarray,
    templates: Sequence[Template],
    rng: np.random.Generator,
    fields: _Fields,
    valid: np.ndarray | None = None,
) -> pa.StringArray:
    """One string per row from the row's template (``tids``), built straight into Arrow buffers."""
    n = len(tids)
    widths = np.array([t.width for t in templates], np.int32)[tids]
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(widths, out=offsets[1:])
    out = np.zeros(int(offsets[-1]), np.uint8)
    order = np.argsort(tids, kind="stable")
    start = 0
    for tid, count in enumerate(np.bincount(tids, minlength=len(templates))):
        rows, start = order[start : start + count], start + count
        if count and templates[tid].width:
            mat = templates[tid].fill(rows, rng, fields)
            out[offsets[rows][:, None] + np.arange(templates[tid].width)] = mat
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out), bitmap)


def fixed_width(mat: np.ndarray) -> pa.StringArray:
    """Rows of an (n, w) ASCII byte matrix as an Arrow string array, without copies per row."""
    n, width = mat.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(mat))
    )


# --- check digits (applied in place to the rendered bytes of one template) ------------------

_CheckRule = Callable[[np.ndarray, Template, np.random.Generator, np.ndarray, _Fields], None]


def _digits(mat: np.ndarray, tpl: Template) -> np.ndarray:
    return mat[:, tpl.digits].astype(np.int64) - 48


def _put(mat: np.ndarray, cols: np.ndarray, d: np.ndarray) -> None:
    mat[:, cols] = (48 + d).astype(np.uint8)


def _number(d: np.ndarray) -> np.ndarray:
    return (d * 10 ** np.arange(d.shape[1] - 1, -1, -1, dtype=np.int64)).sum(1)


def _spread(values: np.ndarray, width: int) -> np.ndarray:
    return values[:, None] // 10 ** np.arange(width - 1, -1, -1, dtype=np.int64) % 10


def _luhn(mat: np.ndarray, tpl: Template, *_: Any) -> None:
    d = _digits(mat, tpl)[:, -2::-1].copy()
    d[:, 0::2] *= 2
    d = np.where(d > 9, d - 9, d)
    _put(mat, tpl.digits[-1:], ((10 - d.sum(1) % 10) % 10)[:, None])


def _ean13(mat: np.ndarray, tpl: Template, *_: Any) -> None:
    d = _digits(mat, tpl)[:, :-1]
    weights = np.where(np.arange(d.shape[1]) % 2 == 0, 1, 3)
    _put(mat, tpl.digits[-1:], ((10 - (d * weights).sum(1) % 10) % 10)[:, None])


def _cpf(mat: np.ndarray, tpl: Template, *_: Any) -> None:
    d = _digits(mat, tpl)
    d[:, 9] = (d[:, :9] * np.arange(10, 1, -1)).sum(1) * 10 % 11 % 10
    d[:, 10] = (d[:, :10] * np.arange(11, 1, -1)).sum(1) * 10 % 11 % 10
    _put(mat, tpl.digits, d)


def _mod11_last(weights: np.ndarray, fix_col: int) -> _CheckRule:
    """Last digit = weighted sum mod 11 (TFN, BSN); a sum of 10 is fixed by bumping one digit."""

    def rule(mat: np.ndarray, tpl: Template, *_: Any) -> None:
        d = _digits(mat, tpl)
        bad = (d[:, :-1] * weights).sum(1) % 11 == 10
        d[bad, fix_col] = (d[bad, fix_col] + 1) % 10
        d[:, -1] = (d[:, :-1] * weights).sum(1) % 11
        _put(mat, tpl.digits, d)

    return rule


_VERHOEFF_D = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ]
)
_VERHOEFF_P = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ]
)
_VERHOEFF_INV = np.array([0, 4, 3, 2, 1, 5, 6, 7, 8, 9])


def _verhoeff(mat: np.ndarray, tpl: Template, *_: Any) -> None:
    d = _digits(mat, tpl)[:, -2::-1]
    c = np.zeros(len(d), np.int64)
    for i in range(d.shape[1]):
        c = _VERHOEFF_D[c, _VERHOEFF_P[(i + 1) % 8, d[:, i]]]
    _put(mat, tpl.digits[-1:], _VERHOEFF_INV[c][:, None])


def _ssn(
    mat: np.ndarray, tpl: Template, rng: np.random.Generator, rows: np.ndarray, _: _Fields
) -> None:
    area = rng.integers(1, 899, len(rows))
    area += area >= 666  # never 000, 666 or 9xx
    group, serial = rng.integers(1, 100, len(rows)), rng.integers(1, 10_000, len(rows))
    _put(mat, tpl.digits, _spread(area * 1_000_000 + group * 10_000 + serial, 9))


def _letter_check(letters: bytes, weights: np.ndarray | None) -> _CheckRule:
    """Last column = letters[number mod 23] (DNI) or letters[weighted sum mod 23] (PPS)."""
    table = np.frombuffer(letters, np.uint8)

    def rule(mat: np.ndarray, tpl: Template, *_: Any) -> None:
        d = _digits(mat, tpl)
        key = _number(d) if weights is None else (d * weights).sum(1)
        mat[:, tpl.width - 1] = table[key % 23]

    return rule


def _insee(mat: np.ndarray, tpl: Template, *_: Any) -> None:
    d = _digits(mat, tpl)
    _put(mat, tpl.digits[13:], _spread(97 - _number(d[:, :13]) % 97, 2))


_HETU_CHARS = np.frombuffer(b"0123456789ABCDEFHJKLMNPRSTUVWXY", np.uint8)


def _hetu(mat: np.ndarray, tpl: Template, *_: Any) -> None:
    d = _digits(mat, tpl)
    d[:, 6:9] = _spread(2 + _number(d[:, 6:9]) % 898, 3)  # individual number 002-899
    _put(mat, tpl.digits, d)
    mat[:, tpl.width - 1] = _HETU_CHARS[_number(d) % 31]


_SVNR_WEIGHTS = np.array([2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1])


def _svnr(
    mat: np.ndarray, tpl: Template, rng: np.random.Generator, rows: np.ndarray, fields: _Fields
) -> None:
    d = _digits(mat, tpl)
    female = fields["sex"][rows, 0] == ord("2")
    d[:, 8:10] = _spread(_number(d[:, 8:10]) % 50 + 50 * female, 2)  # 00-49 male, 50-99 female
    letter = mat[:, dict(tpl.fields)["initial"]].astype(np.int64) - 64
    seq = np.column_stack([d[:, :8], _spread(letter, 2), d[:, 8:10]])
    products = seq * _SVNR_WEIGHTS
    d[:, 10] = (products // 10 + products % 10).sum(1) % 10
    _put(mat, tpl.digits, d)


def _nino_prefixes() -> np.ndarray:
    first, second = "ABCEGHJKLMNOPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
    banned = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
    pairs = [a + b for a in first for b in second if a + b not in banned]
    return np.frombuffer("".join(pairs).encode(), np.uint8).reshape(-1, 2)


_NINO_PREFIXES = _nino_prefixes()


def _nino(
    mat: np.ndarray, tpl: Template, rng: np.random.Generator, rows: np.ndarray, _: _Fields
) -> None:
    mat[:, :2] = _NINO_PREFIXES[rng.integers(0, len(_NINO_PREFIXES), len(rows))]
    mat[:, tpl.width - 1] = np.frombuffer(b"ABCD", np.uint8)[rng.integers(0, 4, len(rows))]


_FNR_W1 = np.array([3, 7, 6, 1, 8, 9, 4, 5, 2])
_FNR_W2 = np.array([5, 4, 3, 2, 7, 6, 5, 4, 3, 2])


def _fnr(mat: np.ndarray, tpl: Template, rng: np.random.Generator, *_: Any) -> None:
    d = _digits(mat, tpl)
    for _attempt in range(40):  # redraw the individual number until both checks exist
        d[:, 9] = (11 - (d[:, :9] * _FNR_W1).sum(1) % 11) % 11
        d[:, 10] = (11 - (d[:, :10] * _FNR_W2).sum(1) % 11) % 11
        bad = (d[:, 9] == 10) | (d[:, 10] == 10)
        if not bad.any():
            break
        d[bad, 6:9] = rng.integers(0, 10, (int(bad.sum()), 3))
    _put(mat, tpl.digits, d % 10)


CHECKS: dict[str, _CheckRule] = {
    "luhn": _luhn,
    "ean13": _ean13,
    "cpf": _cpf,
    "tfn": _mod11_last(np.array([1, 4, 3, 7, 5, 8, 6, 9]), 0),
    "bsn": _mod11_last(np.array([9, 8, 7, 6, 5, 4, 3, 2]), 7),
    "verhoeff": _verhoeff,
    "ssn": _ssn,
    "dni": _letter_check(b"TRWAGMYFPDXBNJZSQVHLCKE", None),
    "pps": _letter_check(b"WABCDEFGHIJKLMNOPQRSTUV", np.arange(8, 1, -1)),
    "insee": _insee,
    "hetu": _hetu,
    "svnr": _svnr,
    "nino": _nino,
    "fnr": _fnr,
}
