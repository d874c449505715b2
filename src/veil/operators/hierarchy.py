"""Generalisation hierarchies in ARX's CSV format, applied to whole Arrow arrays.

A hierarchy file has one row per original value and no header: the value, then its
generalisation at level 1, level 2, … separated by semicolons (``Paris;Île-de-France;France;*``).
Level 0 is the value itself; every row has the same number of levels. Two checks run on load,
so a hierarchy is a proper tree: a value appears once in the first column, and a value at one
level always generalises to the same value at the next (``Île-de-France`` is in one country).
Errors name the row and level, never a value.

``Hierarchy.generalize(values, level)`` maps an array through the hierarchy with one hash
lookup (``pc.index_in``) and one ``take``: values the hierarchy does not know become
``unknown`` (``*`` by default, or null), nulls stay null.

Built-ins, static (``Hierarchy.load("builtin:geo")``):

- ``builtin:geo``: city → state → country → ``*`` for every city the synthetic source
  generates (``data/geo_hierarchy.csv``). A city name that exists in two countries (London,
  Hamilton, Birmingham) is listed once, under its most populous namesake.
- ``builtin:age``: an age in whole years (0-120) → 5-year band (``35-39``) → 10-year band
  (``30-39``) → 20-year band (``20-39``) → ``*``; generated in code.

Built-ins generated from a column's values (``Hierarchy.load("builtin:date", values)``): one
row per distinct non-null value, built with Arrow and numpy (no per-row Python), so a column
of 1,000,000 rows with 100,000 distinct values takes well under a second. Level 0 is the
value's text as ``generalize`` sees it (``values.cast(pa.string())``), so generalising the
same column finds every row. Each value's generalisation at each level depends on that value
alone (and, for numbers, the column type), never on which other values are present: a
hierarchy built from one batch agrees with one built from another, or from the whole column.
Empty text has no generalisation (it becomes ``unknown``, like a value the hierarchy lacks).

- ``builtin:date``: a date, a timestamp or ISO 8601 date text (``2024-05-17``, optionally
  with a time and an offset, as written: ``2024-05-17T23:30:00-05:00`` is in May) → month
  (``2024-05``) → quarter (``2024-Q2``) → year (``2024``) → decade (``2020s``) → ``*``;
  6 levels. A zoned timestamp is read in its own time zone, as its text shows it. Text that
  is no ISO date is an error (the message counts the values and gives the first row).
- ``builtin:postcode``: characters masked from the right one at a time (``94107`` →
  ``9410*`` → ``941**`` → ``94***`` → ``9****`` → ``*``). Spaces and hyphens are separators,
  not information: they stay in place and are never a masking step of their own
  (``SW1A 1AA`` → ``SW1A 1A*`` → ``SW1A 1**`` → ``SW1A ***`` → ``SW1* ***`` → … → ``*``), so
  every level hides one more character. A value with ``n`` such characters is ``*`` from
  level ``n`` on; the hierarchy has ``1 + n`` levels for the longest value, shorter values
  padded with ``*`` (ARX rows all have the same width). At most
  ``MAX_POSTCODE`` (16) characters: a longer value is an error (this is not a postcode column).
- ``builtin:range:W1,W2,…`` (``builtin:range:5,10,50``): a number → its interval of width
  ``W1`` → of width ``W2`` … → ``*``. Widths are whole numbers, increasing, each a multiple
  of the one before (so the intervals nest). Intervals start at multiples of their width;
  integers are labelled inclusively (``30-34``), floating-point numbers half-open
  (``[30, 35)``). Text is read as a number: text that is an integer (``"030"``) as an
  integer, other decimal text (``"30.5"``, ``"1e3"``) as floating point; text that is no
  number is an error. Numbers that are not finite or beyond ±2**53 (where intervals are no
  longer exact) are ``*`` from level 1.

The same object serves the ``generalize`` operator (``method: hierarchy``) and risk measures
that search over generalisation levels (``levels``, ``column(level)``).
"""

from __future__ import annotations

import csv
import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BUILTIN_PREFIX = "builtin:"
#: every built-in, by name (``range`` takes its widths: ``builtin:range:5,10,50``)
BUILTINS = ("geo", "age", "date", "postcode", "range")
#: the built-ins generated from a column's values (``Hierarchy.load(spec, values)``)
DATA_BUILTINS = ("date", "postcode", "range")
MAX_AGE = 120
MAX_POSTCODE = 16
DATE_LEVELS = 6
_EXACT = 2**53  # beyond this, floats no longer hold every integer: no exact intervals
_SEPARATORS = (ord(" "), ord("-"))
_ISO_DATE = (
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
_INTEGER = r"^[+-]?\d+$"
_DECIMAL = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


class HierarchyError(ValueError):
    """A hierarchy that cannot be read or is not a tree (the message names no value)."""


@dataclass(frozen=True)
class Hierarchy:
    """A generalisation hierarchy: ``columns[level]`` holds, row-aligned, the level-``level``
    generalisation of each original value (``columns[0]``)."""

    columns: tuple[pa.Array, ...]
    name: str = ""

    @property
    def levels(self) -> int:
        """How many levels there are, counting level 0 (the value itself)."""
        return len(self.columns)

    @property
    def values(self) -> pa.Array:
        """The original values (level 0), one per row."""
        return self.columns[0]

    def column(self, level: int) -> pa.Array:
        """The generalisation of every original value at ``level`` (row-aligned)."""
        self._check_level(level)
        return self.columns[level]

    def generalize(self, values: pa.Array, level: int, unknown: str | None = "*") -> pa.Array:
        """``values`` (cast to text) generalised to ``level``; unknown values become
        ``unknown`` (null if ``None``); nulls stay null."""
        self._check_level(level)
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        text = values.cast(pa.string())
        index = pc.index_in(text, value_set=self.columns[0])
        out = self.columns[level].take(index)
        if unknown is None:
            return out
        missing = pc.and_(pc.is_valid(text), pc.is_null(index))
        return pc.if_else(missing, pa.scalar(unknown, pa.string()), out)

    def _check_level(self, level: int) -> None:
        if not 0 <= level < self.levels:
            raise HierarchyError(
                f"level {level} is out of range: hierarchy {self.name!r} has levels "
                f"0 to {self.levels - 1}"
            )

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[str]], name: str = "") -> Hierarchy:
        """A hierarchy from rows ``[value, level1, level2, …]``; checked to be a tree."""
        table = [list(row) for row in rows]
        if not table:
            raise HierarchyError(f"hierarchy {name!r} has no rows")
        width = len(table[0])
        for number, row in enumerate(table, start=1):
            if len(row) != width:
                raise HierarchyError(
                    f"hierarchy {name!r} row {number} has {len(row)} levels, row 1 has {width}"
                )
        columns = [pa.array([row[i] for row in table], pa.string()) for i in range(width)]
        return cls.from_columns(columns, name)

    @classmethod
    def from_columns(
        cls, columns: Sequence[pa.Array], name: str = "", allow_empty: bool = False
    ) -> Hierarchy:
        """A hierarchy from row-aligned text columns (level 0 first), checked to be a tree
        with vectorised checks: no missing or empty value, no value twice, and every value at
        a level generalises to one value at the next. The error names the first row (in
        order) that breaks a check. No rows is an error unless ``allow_empty``."""
        cols = [
            (c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c).cast(pa.string())
            for c in columns
        ]
        if not cols or (len(cols[0]) == 0 and not allow_empty):
            raise HierarchyError(f"hierarchy {name!r} has no rows")
        rows = len(cols[0])
        for level, col in enumerate(cols):
            if len(col) != rows:
                raise HierarchyError(
                    f"hierarchy {name!r} level {level} has {len(col)} rows, level 0 has {rows}"
                )
        problems: list[tuple[int, int, str]] = []  # (row index, check order, message)
        for level, col in enumerate(cols):
            if col.null_count:
                row = _first(np.asarray(col.is_null()))
                problems.append((row, -1, f"row {row + 1} has no value at level {level}"))
        if rows:
            empty = np.asarray(pc.equal(pc.utf8_length(cols[0].fill_null("")), 0))
            if empty.any():
                row = _first(empty)
                problems.append((row, 0, f"row {row + 1} has an empty value"))
            codes = [_codes(col) for col in cols]
            _, first_seen = np.unique(codes[0], return_index=True)
            if len(first_seen) < rows:
                repeated = np.ones(rows, dtype=bool)
                repeated[first_seen] = False
                row = _first(repeated)
                problems.append((row, 1, f"row {row + 1} repeats an earlier value"))
            for level in range(1, len(cols) - 1):
                here, up = codes[level], codes[level + 1]
                # the parent each value got at its first row
                seen, first = np.unique(here, return_index=True)
                parent = np.zeros(int(seen[-1]) + 1, dtype=np.int64)
                parent[seen] = up[first]
                bad = parent[here] != up
                if bad.any():
                    row = _first(bad)
                    problems.append(
                        (
                            row,
                            1 + level,
                            f"row {row + 1}: its level-{level} value generalises to two "
                            f"different level-{level + 1} values; a hierarchy must be a tree",
                        )
                    )
        if problems:
            raise HierarchyError(f"hierarchy {name!r} " + min(problems)[2])
        return cls(tuple(cols), name)

    @classmethod
    def from_csv(cls, path: str | Path, delimiter: str = ";") -> Hierarchy:
        """Read an ARX hierarchy file (UTF-8, no header, ``;``-separated)."""
        path = Path(path)
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = [row for row in csv.reader(handle, delimiter=delimiter) if row]
        except OSError as exc:
            raise HierarchyError(f"cannot read hierarchy {str(path)!r}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise HierarchyError(f"hierarchy {str(path)!r} is not UTF-8 text") from None
        return cls.from_rows(rows, name=path.name)

    @classmethod
    def age(cls, max_age: int = MAX_AGE) -> Hierarchy:
        """Ages 0…``max_age`` → 5-year → 10-year → 20-year bands → ``*``."""

        def band(age: int, width: int) -> str:
            low = age // width * width
            return f"{low}-{low + width - 1}"

        rows = [[str(a), band(a, 5), band(a, 10), band(a, 20), "*"] for a in range(max_age + 1)]
        return cls.from_rows(rows, name="builtin:age")

    @classmethod
    def load(cls, spec: str, values: pa.Array | pa.ChunkedArray | None = None) -> Hierarchy:
        """The hierarchy ``spec`` names: the path of an ARX hierarchy CSV, a static built-in
        (``builtin:geo``, ``builtin:age``) or one generated from ``values``, the column to
        generalise (``builtin:date``, ``builtin:postcode``, ``builtin:range:W1,W2,…``; see the
        module docstring). ``values`` is ignored by files and static built-ins, and required
        by the generated ones."""
        if not spec.startswith(BUILTIN_PREFIX):
            return cls.from_csv(spec)
        name = spec[len(BUILTIN_PREFIX) :]
        if _kind(name) not in DATA_BUILTINS:
            return builtin(name)
        if values is None:
            raise HierarchyError(
                f"hierarchy {spec!r} is built from the values of the column it generalises: "
                "pass them (Hierarchy.load(spec, values))"
            )
        return generate(name, values)


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _codes(column: pa.Array) -> np.ndarray:
    """Dense integer codes of a text column (equal text, equal code; nulls share one code)."""
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def _kind(name: str) -> str:
    """``range`` for ``range:…``, else the name itself."""
    return "range" if name == "range" or name.startswith("range:") else name


def _unknown(name: str) -> HierarchyError:
    return HierarchyError(
        f"unknown built-in hierarchy {name!r}; built-ins: "
        + ", ".join(BUILTIN_PREFIX + (b + ":W1,W2,…" if b == "range" else b) for b in BUILTINS)
    )


@functools.cache
def builtin(name: str) -> Hierarchy:
    """A static built-in hierarchy by name (``geo`` or ``age``), loaded once. The built-ins
    generated from a column's values need them: ``Hierarchy.load(spec, values)``."""
    if name == "age":
        return Hierarchy.age()
    if name == "geo":
        source = resources.files("veil.operators") / "data" / "geo_hierarchy.csv"
        with resources.as_file(source) as path:
            loaded = Hierarchy.from_csv(path)
        return Hierarchy(loaded.columns, name="builtin:geo")
    if _kind(name) in DATA_BUILTINS:
        if _kind(name) == "range":
            range_widths(name)  # a malformed spec says so first
        raise HierarchyError(
            f"built-in hierarchy {BUILTIN_PREFIX + name!r} is built from a column's values: "
            "use Hierarchy.load(spec, values)"
        )
    raise _unknown(name)


def needs_values(spec: str) -> bool:
    """Whether ``spec`` is a built-in generated from the column's values."""
    return spec.startswith(BUILTIN_PREFIX) and _kind(spec[len(BUILTIN_PREFIX) :]) in DATA_BUILTINS


def builtin_levels(spec: str) -> int | None:
    """How many levels the built-in ``spec`` has, known from the spec alone (checking it):
    ``None`` for ``builtin:postcode``, whose depth follows the longest value (levels beyond a
    value's depth are ``*``). Raises :class:`HierarchyError` for an unknown or malformed
    built-in."""
    if not spec.startswith(BUILTIN_PREFIX):
        raise HierarchyError(f"{spec!r} is not a built-in hierarchy ({BUILTIN_PREFIX}NAME)")
    name = spec[len(BUILTIN_PREFIX) :]
    kind = _kind(name)
    if kind == "date":
        return DATE_LEVELS
    if kind == "postcode":
        return None
    if kind == "range":
        return len(range_widths(name)) + 2
    return builtin(name).levels


def range_widths(name: str) -> tuple[int, ...]:
    """The widths of ``range:W1,W2,…`` (whole, increasing, each a multiple of the last)."""
    _, _, text = name.partition(":")
    parts = [part.strip() for part in text.split(",")] if text.strip() else []
    usage = "built-in hierarchy 'builtin:range:W1,W2,…' (e.g. builtin:range:5,10,50)"
    if not parts:
        raise HierarchyError(f"{usage} needs at least one interval width")
    if not all(re.fullmatch(r"\d+", part) for part in parts):
        raise HierarchyError(f"{usage}: the widths must be whole numbers, got {text!r}")
    widths = tuple(int(part) for part in parts)
    if widths[0] < 1:
        raise HierarchyError(f"{usage}: the widths must be positive, got {text!r}")
    for smaller, larger in itertools.pairwise(widths):
        if larger <= smaller or larger % smaller:
            raise HierarchyError(
                f"{usage}: each width must be larger than the one before and a multiple of "
                f"it (so the intervals nest); {larger} does not follow {smaller}"
            )
    return widths


# -- hierarchies generated from values -----------------------------------------------------------


def generate(name: str, values: pa.Array | pa.ChunkedArray) -> Hierarchy:
    """The built-in ``name`` (``date``, ``postcode``, ``range:W1,…``) for the distinct
    non-null values of ``values``."""
    kind = _kind(name)
    spec = BUILTIN_PREFIX + name
    if kind == "range":
        widths = range_widths(name)  # check the spec before looking at the data
    elif kind not in DATA_BUILTINS:
        raise _unknown(name)
    column = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    text = column.cast(pa.string())
    distinct = pc.unique(column.drop_null())
    labels = distinct.cast(pa.string())
    # one row per distinct text (float NaNs may differ in bits but not in text), none empty
    keep = pc.index_in(pc.unique(labels), value_set=labels)
    keep = keep.filter(pc.greater(pc.utf8_length(labels.take(keep)), 0))
    distinct, labels = distinct.take(keep), labels.take(keep)
    if kind == "date":
        upper = _date_levels(distinct, labels, text, spec)
    elif kind == "postcode":
        upper = _postcode_levels(labels, text, spec)
    else:
        upper = _range_levels(distinct, labels, text, widths, spec)
    return Hierarchy.from_columns([labels, *upper], name=spec, allow_empty=True)


def _first_row(text: pa.Array, bad: pa.Array) -> int:
    """The first row of the input column whose text is one of ``bad`` (1-based)."""
    return int(pc.index(pc.is_in(text, value_set=bad), True).as_py()) + 1


def _refuse(spec: str, what: str, labels: pa.Array, bad: np.ndarray, text: pa.Array) -> None:
    if bad.any():
        count = int(np.count_nonzero(bad))
        first = _first_row(text, labels.filter(pa.array(bad)))
        raise HierarchyError(
            f"hierarchy {spec!r}: {count} of {len(labels)} distinct values {what} "
            f"(the first at row {first} of the column)"
        )


def _star(rows: int) -> pa.Array:
    return pa.array(np.full(rows, "*", dtype=object), pa.string())


def _pad(numbers: pa.Array, width: int) -> pa.Array:
    return pc.utf8_lpad(numbers.cast(pa.string()), width, "0")


def _date_levels(distinct: pa.Array, labels: pa.Array, text: pa.Array, spec: str) -> list[pa.Array]:
    kind = distinct.type
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        year = pc.year(distinct).to_numpy(zero_copy_only=False).astype(np.int64)
        month = pc.month(distinct).to_numpy(zero_copy_only=False).astype(np.int64)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        parts = pc.extract_regex(pc.utf8_trim_whitespace(labels), _ISO_DATE)
        ok = np.asarray(parts.is_valid())
        fields = [
            np.asarray(pc.if_else(pa.array(ok), pc.struct_field(parts, [i]), "0").cast(pa.int64()))
            for i in range(3)
        ]
        year, month, day = fields
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        safe_month = np.clip(month, 0, 12)
        last = _DAYS[safe_month] + ((safe_month == 2) & leap)
        ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)
        _refuse(
            spec, "are not ISO 8601 dates (YYYY-MM-DD, optionally with a time)", labels, ~ok, text
        )
    else:
        raise HierarchyError(
            f"hierarchy {spec!r} needs dates, timestamps or ISO date text, not {kind}"
        )
    years = pa.array(year)
    yyyy = _pad(years, 4)
    month_label = pc.binary_join_element_wise(yyyy, _pad(pa.array(month), 2), "-")
    quarter = pa.array((month - 1) // 3 + 1).cast(pa.string())
    quarter_label = pc.binary_join_element_wise(yyyy, quarter, "-Q")
    decade = pc.binary_join_element_wise(_pad(pa.array(year // 10 * 10), 4), "s", "")
    return [month_label, quarter_label, yyyy, decade, _star(len(labels))]


def _postcode_levels(labels: pa.Array, text: pa.Array, spec: str) -> list[pa.Array]:
    rows = len(labels)
    lengths = np.asarray(pc.utf8_length(labels).to_numpy(zero_copy_only=False), dtype=np.int64)
    _refuse(
        spec,
        f"are longer than {MAX_POSTCODE} characters; is this a postcode column?",
        labels,
        lengths > MAX_POSTCODE,
        text,
    )
    width = max(int(lengths.max()) if rows else 0, 1)
    chars = np.array(labels.to_pylist(), dtype=f"<U{width}").reshape(rows)
    codes = chars.view(np.uint32).reshape(rows, width)
    inside = np.arange(width) < lengths[:, None]
    maskable = inside & ~np.isin(codes, _SEPARATORS)
    # per position: how many maskable characters are at it or to its right
    rank = np.cumsum(maskable[:, ::-1], axis=1)[:, ::-1]
    count = rank[:, 0] if rows else np.zeros(0, dtype=np.int64)
    top = max(int(count.max()) if rows else 0, 1)
    star = np.uint32(ord("*"))
    levels = []
    for level in range(1, top):
        masked = np.where(maskable & (rank <= level), star, codes).astype(np.uint32)
        # positions past a value's end are NUL, which numpy drops from the text
        out = masked.view(f"<U{width}").reshape(rows)
        out = np.where(count <= level, "*", out)
        levels.append(pa.array(out.tolist(), pa.string()))
    levels.append(_star(rows))
    return levels


def _range_levels(
    distinct: pa.Array, labels: pa.Array, text: pa.Array, widths: tuple[int, ...], spec: str
) -> list[pa.Array]:
    kind = distinct.type
    rows = len(labels)
    if pa.types.is_integer(kind):
        raw = distinct.to_numpy(zero_copy_only=False)
        exact = (raw <= _EXACT) & (raw >= -_EXACT)
        whole = np.ones(rows, dtype=bool)
        number = np.where(exact, raw, 0).astype(np.float64)
    elif pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        number = distinct.cast(pa.float64()).to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore"):
            exact = np.isfinite(number) & (np.abs(number) <= _EXACT)
        whole = np.zeros(rows, dtype=bool)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        trimmed = pc.utf8_trim_whitespace(labels)
        decimal = np.asarray(pc.match_substring_regex(trimmed, _DECIMAL))
        _refuse(spec, "are not numbers", labels, ~decimal, text)
        whole = np.asarray(pc.match_substring_regex(trimmed, _INTEGER))
        number = trimmed.cast(pa.float64()).to_numpy(zero_copy_only=False)
        exact = np.isfinite(number) & (np.abs(number) <= _EXACT)
    else:
        raise HierarchyError(f"hierarchy {spec!r} needs numbers or numeric text, not {kind}")
    number = np.where(exact, number, 0.0)
    levels = []
    for width in widths:
        low = np.floor(number / width) * width
        # division rounds: make sure low <= x < low + width holds exactly
        low = np.where(low > number, low - width, low)
        low = np.where(low + width <= number, low + width, low)
        lo = pa.array(low.astype(np.int64))
        hi_whole = pa.array(low.astype(np.int64) + (width - 1))
        hi_open = pa.array(low.astype(np.int64) + width)
        inclusive = pc.binary_join_element_wise(
            lo.cast(pa.string()), hi_whole.cast(pa.string()), "-"
        )
        half_open = pc.binary_join_element_wise(
            "[", lo.cast(pa.string()), ", ", hi_open.cast(pa.string()), ")", ""
        )
        label = pc.if_else(pa.array(whole), inclusive, half_open)
        levels.append(pc.if_else(pa.array(exact), label, "*"))
    levels.append(_star(rows))
    return levels
