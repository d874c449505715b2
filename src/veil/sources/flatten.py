"""Nested API records → flat Arrow batches in a shape's schema, and back.

``flatten(records, shape)`` turns the JSON records of a randomuser or FakerAPI response into
one ``pa.RecordBatch`` with exactly the shape's schema (``veil.sources.shapes``: names, order,
types, field metadata). Types are normalised on the way: postcodes become text, coordinates
float64, ISO dates UTC timestamps (ms; a bare ``YYYY-MM-DD`` is UTC midnight), street and
building numbers as the schema says. FakerAPI's v1 ``address.county_code`` and v2
``address.country_code`` both land in ``address_country_code``.

Each record is validated against the item schema of the API's JSON Schema (``veil/schemas``,
compiled once, made strict: every field a column needs must be present) and then coerced.
A record that fails either is **quarantined**, the rest of the batch goes on. The reason
names the JSON path and the kind of problem, never the value: ``"location.postcode: wrong
type"``, ``"email: missing"``, ``"dob.date: not a date"``. Reasons carry no record index so
that they aggregate into counts; the index of each rejected record is kept separately as a
:class:`Rejection`.

``unflatten(batch, shape)`` is the inverse, used by the fake API to serve synthetic users.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import Any, NamedTuple

import jsonschema
import pyarrow as pa

from veil.errors import ConfigError
from veil.sources.base import Quarantine
from veil.sources.shapes import SHAPES

#: shape → (JSON Schema file in veil/schemas, envelope key of the record list)
SCHEMA_FILES: dict[str, tuple[str, str]] = {
    "randomuser": ("randomuser_response.schema.json", "results"),
    "fakerapi": ("fakerapi_persons_response.schema.json", "data"),
    "events": ("events.schema.json", "events"),
}

#: flat names that another spelling of the same field maps to (FakerAPI v1 'county_code')
ALIASES: dict[str, str] = {"address_county_code": "address_country_code"}

#: randomuser nationalities whose postcodes are text in the API (integers elsewhere)
TEXT_POSTCODE_NATS = frozenset({"GB", "CA", "NL", "NO"})

ROOT = "(record)"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Rejection:
    """One quarantined record: where it was (record index, file line or row) and why."""

    index: int
    reason: str
    unit: str = "record"

    def __str__(self) -> str:
        return f"{self.unit} {self.index}: {self.reason}"


class Flattened(NamedTuple):
    """What :func:`flatten` returns: the good records as a batch, and what was set aside."""

    batch: pa.RecordBatch
    quarantine: Quarantine
    rejections: list[Rejection]


class BadValue(ValueError):
    """A value that cannot be coerced to its column's type; ``problem`` never holds the value."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


# --- coercion: one Python value → the column's Arrow-ready value -----------------------------


def to_epoch_ms(value: Any) -> int:
    """Milliseconds since the epoch (UTC) of an ISO date/datetime string, datetime or date."""
    if isinstance(value, str):
        value = _parse_iso(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return (aware - _EPOCH) // _MS
    if isinstance(value, date):
        return (datetime(value.year, value.month, value.day, tzinfo=UTC) - _EPOCH) // _MS
    raise BadValue("wrong type")


def _parse_iso(text: str) -> datetime | date:
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise BadValue("not a date") from None


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise BadValue("wrong type")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise BadValue("wrong type")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise BadValue("not an integer") from None
    raise BadValue("wrong type")


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise BadValue("wrong type")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise BadValue("not a number") from None
    else:
        raise BadValue("wrong type")
    if not math.isfinite(number):
        raise BadValue("not a number")
    return number


COERCERS: dict[str, Callable[[Any], Any]] = {
    "str": _to_str,
    "int": _to_int,
    "float": _to_float,
    "ts": to_epoch_ms,
}


def column_kind(typ: pa.DataType) -> str:
    """The coercer family of a shape column's type."""
    if pa.types.is_timestamp(typ):
        return "ts"
    if pa.types.is_floating(typ):
        return "float"
    if pa.types.is_integer(typ):
        return "int"
    return "str"


def coerce(kind: str, value: Any) -> Any:
    """``value`` as the column kind wants it (None stays None); raises :class:`BadValue`."""
    return None if value is None else COERCERS[kind](value)


def build_array(kind: str, values: list[Any], typ: pa.DataType) -> pa.Array:
    """An Arrow array of coerced values (timestamps arrive as epoch milliseconds)."""
    if kind == "ts":
        return pa.array(values, type=pa.int64()).cast(typ)
    return pa.array(values, type=typ)


# --- the JSON Schemas, made strict and compiled once -----------------------------------------


@functools.cache
def response_schema(shape: str) -> dict[str, Any]:
    """The API response JSON Schema of a shape, as shipped in ``veil/schemas``."""
    if shape not in SCHEMA_FILES:
        raise ConfigError(f"unknown shape {shape!r}; choose one of {', '.join(SCHEMA_FILES)}")
    name, _ = SCHEMA_FILES[shape]
    text = (resources.files("veil") / "schemas" / name).read_text(encoding="utf-8")
    return json.loads(text)


def item_schema(shape: str) -> dict[str, Any]:
    """The JSON Schema of one record of a shape, as the API documents it."""
    _, key = SCHEMA_FILES[shape]
    return response_schema(shape)["properties"][key]["items"]


def top_level_fields(shape: str) -> tuple[str, ...]:
    """The top-level keys of a shape's records, in API order."""
    return tuple(item_schema(shape)["properties"])


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _leaves(schema: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, sub in schema.get("properties", {}).items():
        if "properties" in sub:
            yield from _leaves(sub, (*prefix, key))
        else:
            yield (*prefix, key)


@dataclass(frozen=True)
class Column:
    """One flat column: its name, kind, and the JSON paths it is read from (first found wins)."""

    name: str
    kind: str
    paths: tuple[tuple[str, ...], ...]


@functools.cache
def columns(shape: str) -> tuple[Column, ...]:
    """The flat columns of a shape, in schema order, derived from the JSON Schema."""
    paths: dict[str, list[tuple[str, ...]]] = {}
    for path in _leaves(item_schema(shape)):
        flat = "_".join(_snake(k) for k in path)
        paths.setdefault(ALIASES.get(flat, flat), []).append(path)
    schema = SHAPES[shape]
    if set(paths) != set(schema.names):
        raise RuntimeError(
            f"JSON Schema and flat schema of {shape!r} disagree: "
            f"{sorted(set(paths) ^ set(schema.names))}"
        )
    return tuple(Column(f.name, column_kind(f.type), tuple(paths[f.name])) for f in schema)


def _strict(
    schema: dict[str, Any],
    path: tuple[str, ...],
    required: Collection[str] | None,
) -> dict[str, Any]:
    """Require what every column needs; enums check only the type (values are policy's job).

    ``required``: the top-level keys to require (given for the record itself, None below).
    Nested objects that list no ``required`` get all their keys required, except spellings
    of an aliased field (v1/v2 country code), of which any one will do.
    """
    out = dict(schema)
    if "enum" in out:
        kinds = {"string" if isinstance(v, str) else "integer" for v in out.pop("enum")}
        out["type"] = sorted(kinds) if len(kinds) > 1 else kinds.pop()
    props = out.get("properties")
    if props is None:
        return out
    out["properties"] = {k: _strict(v, (*path, k), None) for k, v in props.items()}
    if required is not None:
        out["required"] = [k for k in props if k in required]
    elif "required" not in out:
        spellings = set(ALIASES) | set(ALIASES.values())
        aliased = [k for k in props if "_".join(_snake(p) for p in (*path, k)) in spellings]
        out["required"] = [k for k in props if k not in aliased]
        if aliased:
            out["anyOf"] = [{"required": [k]} for k in aliased]
    return out


class RecordValidator:
    """Validates records of one shape: a fast compiled check, jsonschema for the reason."""

    def __init__(self, shape: str, required: Collection[str]) -> None:
        schema = _strict(item_schema(shape), (), set(required))
        cls = jsonschema.validators.validator_for(response_schema(shape))
        cls.check_schema(schema)
        self._validator = cls(schema)
        self._fast = _compile(schema)

    def problem(self, record: Any) -> str | None:
        """None if ``record`` is valid, else ``"path: kind"`` (never the value)."""
        if self._fast is not None and self._fast(record):
            return None
        errors = list(self._validator.iter_errors(record))
        if not errors:
            return None
        return min((_reason(e) for e in errors), key=lambda r: (r.count("."), r))


@functools.cache
def validator(shape: str, required: frozenset[str] | None = None) -> RecordValidator:
    """The (cached) validator of a shape; ``required``: top-level keys (default all)."""
    return RecordValidator(shape, top_level_fields(shape) if required is None else required)


def _dotted(path: Sequence[Any]) -> str:
    return ".".join(str(p) for p in path) or ROOT


def _reason(error: jsonschema.ValidationError) -> str:
    """A reason from a jsonschema error: its path and kind. ``error.message`` holds the value:
    never used."""
    path = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = next((k for k in error.validator_value if k not in error.instance), None)
        return f"{_dotted([*path, missing])}: missing"
    if error.validator == "anyOf" and isinstance(error.instance, dict):
        first = error.validator_value[0].get("required", ["?"])[0]
        return f"{_dotted([*path, first])}: missing"
    if error.validator == "type":
        return f"{_dotted(path)}: wrong type"
    return f"{_dotted(path)}: invalid ({error.validator})"


# --- a fast structural check compiled from the (strict) schema -------------------------------

_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_IGNORED = {"description", "format", "title", "$schema", "$comment"}
_Check = Callable[[Any], bool]


def _compile(schema: dict[str, Any]) -> _Check | None:
    """A predicate equivalent to the schema, or None if it uses keywords this does not know.

    Only a speed-up: a record it rejects is re-checked by jsonschema, which has the last word.
    """
    checks: list[_Check] = []
    for keyword, value in schema.items():
        check = _keyword_check(keyword, value)
        if check is None and keyword not in _IGNORED:
            return None
        if check is not None:
            checks.append(check)
    return lambda v: all(c(v) for c in checks)


def _keyword_check(keyword: str, value: Any) -> _Check | None:
    if keyword == "type":
        tests = [_TYPES[t] for t in ([value] if isinstance(value, str) else value)]
        return lambda v: any(t(v) for t in tests)
    if keyword == "required":
        keys = tuple(value)
        return lambda v: not isinstance(v, dict) or all(k in v for k in keys)
    if keyword == "anyOf":
        subs = [_compile(s) for s in value]
        if any(s is None for s in subs):
            return None
        return lambda v: any(s(v) for s in subs)  # type: ignore[misc]
    if keyword == "properties":
        props = {k: _compile(s) for k, s in value.items()}
        if any(s is None for s in props.values()):
            return None
        return lambda v: not isinstance(v, dict) or all(s(v[k]) for k, s in props.items() if k in v)  # type: ignore[misc]
    return None


# --- flatten ---------------------------------------------------------------------------------


def _lookup(record: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> Any:
    for path in paths:
        node: Any = record
        for key in path:
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
        else:
            return node
    return None


def _row(record: dict[str, Any], cols: tuple[Column, ...]) -> list[Any]:
    row = []
    for col in cols:
        try:
            row.append(coerce(col.kind, _lookup(record, col.paths)))
        except BadValue as exc:
            raise BadValue(f"{'.'.join(col.paths[0])}: {exc.problem}") from None
    return row


def flatten(
    records: Sequence[Any],
    shape: str,
    *,
    required: Collection[str] | None = None,
    positions: Sequence[int] | None = None,
    unit: str = "record",
) -> Flattened:
    """Flatten API records into one batch of the shape's schema, quarantining malformed ones.

    ``required``: the top-level keys every record must have (default: all of them; fields
    left out on purpose, as randomuser's ``inc``/``exc`` do, become null columns).
    ``positions``: each record's index (or line) for :class:`Rejection` (default 0, 1, …).
    """
    check = validator(shape, None if required is None else frozenset(required))
    cols = columns(shape)
    data: list[list[Any]] = [[] for _ in cols]
    quarantine, rejections = Quarantine(), []
    for i, record in enumerate(records):
        problem = check.problem(record)
        if problem is None:
            try:
                row = _row(record, cols)
            except BadValue as exc:
                problem = exc.problem
        if problem is not None:
            quarantine.add(problem)
            rejections.append(Rejection(positions[i] if positions else i, problem, unit))
            continue
        for values, value in zip(data, row, strict=True):
            values.append(value)
    schema = SHAPES[shape]
    arrays = [build_array(c.kind, v, f.type) for c, v, f in zip(cols, data, schema, strict=True)]
    return Flattened(pa.RecordBatch.from_arrays(arrays, schema=schema), quarantine, rejections)


def detect_shape(record: Any) -> str | None:
    """The shape a nested record looks like, by the top-level keys only one shape has."""
    if not isinstance(record, dict):
        return None
    keys = set(record)
    scores = {}
    for shape in SCHEMA_FILES:
        others = {k for s in SCHEMA_FILES if s != shape for k in top_level_fields(s)}
        scores[shape] = len(keys & (set(top_level_fields(shape)) - others))
    best = max(scores, key=lambda s: scores[s])
    return best if scores[best] > 0 else None


# --- unflatten -------------------------------------------------------------------------------


def _iso_ms(ms: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _coordinate_text(value: float) -> str:
    fixed = f"{value:.4f}"
    return fixed if float(fixed) == value else repr(value)


def _randomuser_postcode(code: str, nat: str | None) -> int | str:
    integral = code.isdigit() and not (len(code) > 1 and code.startswith("0"))
    return int(code) if integral and nat not in TEXT_POSTCODE_NATS else code


def _api_value(shape: str, col: Column, value: Any, row: dict[str, Any]) -> Any:
    if value is None:
        return None
    if col.kind == "ts":
        return _iso_ms(value)[:10] if shape == "fakerapi" else _iso_ms(value)
    if shape == "randomuser" and col.kind == "float":
        return _coordinate_text(value)
    if col.name == "location_postcode":
        return _randomuser_postcode(value, row.get("nat"))
    return value


def unflatten(
    batch: pa.RecordBatch | pa.Table, shape: str, *, api_version: str = "v2"
) -> list[dict[str, Any]]:
    """API-shaped nested records from a flat batch in the shape's schema.

    randomuser dates become ``YYYY-MM-DDTHH:MM:SS.mmmZ``, coordinates text, postcodes
    integers where they are all digits (and the nat uses integers); FakerAPI birthdays
    ``YYYY-MM-DD``, and ``api_version="v1"`` spells the country code ``county_code``.
    """
    cols = columns(shape)
    ts_cols = [c.name for c in cols if c.kind == "ts"]
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    for name in ts_cols:
        idx = table.schema.get_field_index(name)
        table = table.set_column(idx, name, table.column(name).cast(pa.int64()))
    out = []
    for row in table.select([c.name for c in cols]).to_pylist():
        record: dict[str, Any] = {}
        for col in cols:
            path = col.paths[-1] if api_version == "v1" else col.paths[0]
            node = record
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = _api_value(shape, col, row[col.name], row)
        out.append(record)
    return out
