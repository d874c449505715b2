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

Built-ins (``Hierarchy.load("builtin:…")``):

- ``builtin:geo``: city → state → country → ``*`` for every city the synthetic source
  generates (``data/geo_hierarchy.csv``). A city name that exists in two countries (London,
  Hamilton, Birmingham) is listed once, under its most populous namesake.
- ``builtin:age``: an age in whole years (0-120) → 5-year band (``35-39``) → 10-year band
  (``30-39``) → 20-year band (``20-39``) → ``*``; generated in code.

The same object serves the ``generalize`` operator (``method: hierarchy``) and risk measures
that search over generalisation levels (``levels``, ``column(level)``).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

BUILTIN_PREFIX = "builtin:"
BUILTINS = ("geo", "age")
MAX_AGE = 120


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
        seen: set[str] = set()
        parent: list[dict[str, str]] = [{} for _ in range(width)]
        for number, row in enumerate(table, start=1):
            if len(row) != width:
                raise HierarchyError(
                    f"hierarchy {name!r} row {number} has {len(row)} levels, row 1 has {width}"
                )
            if row[0] == "":
                raise HierarchyError(f"hierarchy {name!r} row {number} has an empty value")
            if row[0] in seen:
                raise HierarchyError(f"hierarchy {name!r} row {number} repeats an earlier value")
            seen.add(row[0])
            for level in range(1, width - 1):
                up = parent[level].setdefault(row[level], row[level + 1])
                if up != row[level + 1]:
                    raise HierarchyError(
                        f"hierarchy {name!r} row {number}: its level-{level} value generalises "
                        f"to two different level-{level + 1} values; a hierarchy must be a tree"
                    )
        columns = tuple(pa.array([row[i] for row in table], pa.string()) for i in range(width))
        return cls(columns, name)

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
    def load(cls, spec: str) -> Hierarchy:
        """``builtin:geo``, ``builtin:age`` or the path of an ARX hierarchy CSV."""
        if spec.startswith(BUILTIN_PREFIX):
            return builtin(spec[len(BUILTIN_PREFIX) :])
        return cls.from_csv(spec)


@functools.cache
def builtin(name: str) -> Hierarchy:
    """A built-in hierarchy by name (``geo`` or ``age``), loaded once."""
    if name == "age":
        return Hierarchy.age()
    if name == "geo":
        source = resources.files("veil.operators") / "data" / "geo_hierarchy.csv"
        with resources.as_file(source) as path:
            loaded = Hierarchy.from_csv(path)
        return Hierarchy(loaded.columns, name="builtin:geo")
    raise HierarchyError(
        f"unknown built-in hierarchy {name!r}; built-ins: "
        + ", ".join(BUILTIN_PREFIX + b for b in BUILTINS)
    )
