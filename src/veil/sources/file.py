"""Users (or events) from a local file: JSON, NDJSON, CSV or Parquet, in bounded batches.

- **JSON** (``.json``): an API envelope (``{"results": [...]}`` from randomuser,
  ``{"data": [...]}`` from FakerAPI, ``{"events": [...]}`` for events) or a plain list of
  records. A JSON document is parsed whole (the format cannot be streamed without a
  streaming parser), then flattened in batches of ``batch_rows``.
- **NDJSON** (``.ndjson``, ``.jsonl``): one nested record per line, streamed line by line; a
  line that is not JSON is quarantined by its line number, never its content.
- **CSV** and **Parquet**: already flat (the shape's flat column names, as ``veil`` writes
  them); streamed (``pyarrow.csv.open_csv``, Parquet ``iter_batches``) and cast to the shape
  schema. Missing columns are a SchemaError naming them; other columns are ignored (listed in
  the fingerprint). A value that cannot be cast quarantines its row.

The shape is detected from the envelope or the record keys (JSON), or from the column names
(``veil.sources.shapes.shape_of``); ``shape=`` overrides. A missing or unreadable file is a
SourceError naming the path; malformed JSON a SchemaError with line and column.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from veil.errors import ConfigError, SchemaError, SourceError
from veil.sources.base import DEFAULT_BATCH_ROWS, ProgressCallback, Quarantine, projection
from veil.sources.flatten import (
    ROOT,
    SCHEMA_FILES,
    BadValue,
    Flattened,
    Rejection,
    build_array,
    coerce,
    columns,
    detect_shape,
    flatten,
)
from veil.sources.shapes import SHAPES, shape_of

FORMATS = {
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
MAX_REJECTIONS = 1000
_CSV_BLOCK = 1 << 20
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)


# --- flat tables: column checks and casting --------------------------------------------------


def flat_shape(where: str, names: Iterable[str], shape: str | None) -> str:
    """The shape of flat columns ``names`` (``shape`` if given); SchemaError if incomplete."""
    present = set(names)
    if shape is None:
        shape = shape_of(pa.schema([(n, pa.null()) for n in present]))
        if shape is not None:
            return shape
        best = max(SHAPES, key=lambda s: len(present & set(SHAPES[s].names)))
        missing = [n for n in SHAPES[best].names if n not in present]
        raise SchemaError(
            f"{where}: the columns match no known shape; closest is {best!r}, "
            f"which also needs {', '.join(missing)} (or pass shape=)"
        )
    missing = [n for n in SHAPES[shape].names if n not in present]
    if missing:
        raise SchemaError(f"{where}: missing columns of shape {shape!r}: {', '.join(missing)}")
    return shape


def _cast_column(
    where: str, arr: pa.Array, field: pa.Field, kind: str
) -> tuple[pa.Array, list[tuple[int, str]]]:
    """``arr`` as the field's type, and the (row, problem) pairs of values that would not go."""
    if arr.type == field.type:
        return arr, []
    try:
        return pc.cast(arr, field.type), []
    except _ARROW_ERRORS:
        pass  # Arrow's message quotes the value: find the bad rows ourselves
    if pa.types.is_nested(arr.type) or pa.types.is_binary(arr.type):
        raise SchemaError(
            f"{where}: column {field.name!r} is {arr.type}, which cannot be read as {field.type}"
        ) from None
    values, problems = [], []
    for i, value in enumerate(arr.to_pylist()):
        try:
            values.append(coerce(kind, value))
        except BadValue as exc:
            values.append(None)
            problems.append((i, exc.problem))
    return build_array(kind, values, field.type), problems


def cast_flat(
    where: str,
    batch: pa.RecordBatch,
    shape: str,
    first_row: int = 0,
    names: Collection[str] | None = None,
) -> Flattened:
    """A flat batch cast to the shape schema (or its ``names`` columns); rows with values
    that do not cast quarantined."""
    wanted = set(projection(SHAPES[shape], names))
    kept = [(f, c.kind) for f, c in zip(SHAPES[shape], columns(shape), strict=True)]
    kept = [(f, kind) for f, kind in kept if f.name in wanted]
    schema, kinds = pa.schema([f for f, _ in kept]), [kind for _, kind in kept]
    arrays: list[pa.Array] = []
    bad: dict[int, str] = {}
    for field, kind in zip(schema, kinds, strict=True):
        arr, problems = _cast_column(where, batch.column(field.name), field, kind)
        arrays.append(arr)
        for row, problem in problems:
            bad.setdefault(row, f"{field.name}: {problem}")
    quarantine, rejections = Quarantine(), []
    if bad:
        keep = pa.array([i not in bad for i in range(batch.num_rows)])
        arrays = [a.filter(keep) for a in arrays]
        for row in sorted(bad):
            quarantine.add(bad[row])
            rejections.append(Rejection(first_row + row, bad[row], "row"))
    return Flattened(pa.RecordBatch.from_arrays(arrays, schema=schema), quarantine, rejections)


def _rechunk(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        for start in range(0, batch.num_rows, rows):
            yield batch.slice(start, rows)


# --- JSON and NDJSON -------------------------------------------------------------------------


def _json_error(where: str, exc: ValueError) -> SchemaError:
    if isinstance(exc, json.JSONDecodeError):
        return SchemaError(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        )
    return SchemaError(f"{where} is not UTF-8 text")


def _envelope(where: str, doc: Any, shape: str | None) -> tuple[list[Any], str | None]:
    """The records of a JSON document and the shape its envelope says."""
    if isinstance(doc, list):
        return doc, None
    if isinstance(doc, dict):
        for envelope_shape, (_, key) in SCHEMA_FILES.items():
            if isinstance(doc.get(key), list):
                return doc[key], envelope_shape
    raise SchemaError(
        f'{where}: expected {{"results": [...]}}, {{"data": [...]}}, {{"events": [...]}} '
        "or a list of records"
    )


def _record_shape(where: str, records: Iterable[Any]) -> str:
    for record in records:
        if isinstance(record, dict):
            shape = detect_shape(record)
            if shape is not None:
                return shape
            break
    raise SchemaError(
        f"{where}: cannot tell the shape from the records (no randomuser, "
        "FakerAPI or events fields); pass shape="
    )


def _ndjson_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


# --- the source ------------------------------------------------------------------------------


class FileSource:
    """Users from one local file; see the module docstring for the formats."""

    name = "file"

    def __init__(
        self,
        path: str | Path,
        shape: str | None = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        format: str | None = None,
    ) -> None:
        self.path = Path(path)
        if batch_rows < 1:
            raise ConfigError("batch_rows must be ≥ 1")
        if shape is not None and shape not in SHAPES:
            raise ConfigError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
        self.format = format or FORMATS.get(self.path.suffix.lower(), "")
        if self.format not in FORMATS.values():
            raise ConfigError(
                f"{self.path}: unknown file format; use one of "
                f"{', '.join(sorted(FORMATS))} (or pass format=)"
            )
        if not self.path.is_file():
            raise SourceError(f"cannot read {self.path}: no such file")
        self.batch_rows = batch_rows
        self.quarantine = Quarantine()
        self.rejections: list[Rejection] = []
        self.ignored_columns: list[str] = []
        self._records: list[Any] | None = None
        self._rows: int | None = None
        self._names: list[str] = []
        self.shape = self._detect(shape)
        self.schema: pa.Schema = SHAPES[self.shape]

    @property
    def where(self) -> str:
        return str(self.path)

    def _detect(self, shape: str | None) -> str:
        detect: dict[str, Callable[[str | None], str]] = {
            "json": self._detect_json,
            "ndjson": self._detect_ndjson,
            "csv": self._detect_csv,
            "parquet": self._detect_parquet,
        }
        try:
            return detect[self.format](shape)
        except OSError as exc:
            raise SourceError(
                f"cannot read {self.path}: {exc.strerror or type(exc).__name__}"
            ) from None

    def _detect_json(self, shape: str | None) -> str:
        self._records, envelope_shape = self._load_json()
        self._rows = len(self._records)
        return shape or envelope_shape or _record_shape(self.where, self._records[:100])

    def _load_json(self) -> tuple[list[Any], str | None]:
        try:
            doc = json.loads(self.path.read_bytes())
        except ValueError as exc:
            raise _json_error(self.where, exc) from None
        return _envelope(self.where, doc, None)

    def _detect_ndjson(self, shape: str | None) -> str:
        if shape is not None:
            return shape
        for _, line in _ndjson_lines(self.path):
            try:
                return _record_shape(self.where, [json.loads(line)])
            except ValueError:
                continue
        raise SchemaError(f"{self.where}: no JSON record to tell the shape from; pass shape=")

    def _detect_csv(self, shape: str | None) -> str:
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                names = next(csv.reader(handle))
        except (StopIteration, UnicodeDecodeError, csv.Error):
            raise SchemaError(
                f"{self.where}: no readable CSV header (empty, not UTF-8, or malformed)"
            ) from None
        return self._flat(names, shape)

    def _detect_parquet(self, shape: str | None) -> str:
        meta = self._parquet().metadata
        self._rows = meta.num_rows
        return self._flat(meta.schema.to_arrow_schema().names, shape)

    def _flat(self, names: list[str], shape: str | None) -> str:
        found = flat_shape(self.where, names, shape)
        self.ignored_columns = [n for n in names if n not in SHAPES[found].names]
        return found

    def _parquet(self) -> pq.ParquetFile:
        try:
            return pq.ParquetFile(self.path)
        except _ARROW_ERRORS:
            raise SchemaError(f"{self.where}: not a Parquet file (or a damaged one)") from None

    # --- the Source protocol ----------------------------------------------------------------

    def fingerprint(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "path": str(self.path),
            "format": self.format,
            "shape": self.shape,
            "bytes": self.path.stat().st_size,
            "ignored_columns": self.ignored_columns,
        }

    def expected_rows(self) -> int | None:
        return self._rows

    def batches(
        self,
        progress: ProgressCallback | None = None,
        columns: Collection[str] | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Batches of at most ``batch_rows`` rows in the shape schema, in file order.

        ``columns`` narrows the batches; Parquet then reads (and checks) only those columns.
        """
        names = projection(self.schema, columns)
        self._names = names
        self.quarantine, self.rejections = Quarantine(), []
        readers = {
            "json": self._json_parts,
            "ndjson": self._ndjson_parts,
            "csv": self._csv_parts,
            "parquet": self._parquet_parts,
        }
        for read, flat in self._guard_io(readers[self.format]()):
            self.quarantine.merge(flat.quarantine)
            room = max(0, MAX_REJECTIONS - len(self.rejections))
            self.rejections.extend(flat.rejections[:room])
            if progress is not None:
                progress(read)
            if flat.batch.num_rows:
                yield flat.batch.select(names)

    def _guard_io(self, parts: Iterator[tuple[int, Flattened]]) -> Iterator[tuple[int, Flattened]]:
        try:
            yield from parts
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise SourceError(f"cannot read {self.path}: {reason}") from None

    def _json_parts(self) -> Iterator[tuple[int, Flattened]]:
        records = self._records if self._records is not None else self._load_json()[0]
        self._records = None  # parsed once per read; not kept after
        for start in range(0, len(records), self.batch_rows):
            chunk = records[start : start + self.batch_rows]
            yield len(chunk), flatten(chunk, self.shape, positions=range(start, start + len(chunk)))

    def _ndjson_parts(self) -> Iterator[tuple[int, Flattened]]:
        records: list[Any] = []
        lines: list[int] = []
        bad: list[Rejection] = []
        for number, line in _ndjson_lines(self.path):
            try:
                records.append(json.loads(line))
                lines.append(number)
            except ValueError:
                bad.append(Rejection(number, f"{ROOT}: invalid JSON", "line"))
            if len(records) >= self.batch_rows:
                yield self._ndjson_part(records, lines, bad)
                records, lines, bad = [], [], []
        if records or bad:
            yield self._ndjson_part(records, lines, bad)

    def _ndjson_part(
        self, records: list[Any], lines: list[int], bad: list[Rejection]
    ) -> tuple[int, Flattened]:
        flat = flatten(records, self.shape, positions=lines, unit="line")
        for rejection in bad:
            flat.quarantine.add(rejection.reason)
        rejections = sorted([*flat.rejections, *bad], key=lambda r: r.index)
        return len(records) + len(bad), flat._replace(rejections=rejections)

    def _csv_parts(self) -> Iterator[tuple[int, Flattened]]:
        invalid: list[Rejection] = []
        lock = threading.Lock()

        def on_invalid(row: Any) -> str:
            with lock:
                number = row.number if row.number is not None else -1
                invalid.append(Rejection(number, f"{ROOT}: wrong number of columns", "line"))
            return "skip"

        names = list(self.schema.names)
        convert = pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            include_columns=names,
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            null_values=[""],
        )
        reader = pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(block_size=_CSV_BLOCK),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=convert,
        )
        rows = 0
        for batch in _rechunk(self._guard_csv(reader), self.batch_rows):
            flat = cast_flat(self.where, batch, self.shape, rows)
            with lock:
                skipped, invalid[:] = list(invalid), []
            for rejection in skipped:
                flat.quarantine.add(rejection.reason)
            rows += batch.num_rows
            yield batch.num_rows + len(skipped), flat._replace(rejections=skipped + flat.rejections)

    def _guard_csv(self, reader: Any) -> Iterator[pa.RecordBatch]:
        """The reader's batches; its errors (which quote the data) replaced by ours."""
        rows = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except _ARROW_ERRORS:
                raise SchemaError(
                    f"{self.where}: malformed CSV after row {rows} (quoting or encoding)"
                ) from None
            rows += batch.num_rows
            yield batch

    def _parquet_parts(self) -> Iterator[tuple[int, Flattened]]:
        rows = 0
        names = self._names
        batches = self._parquet().iter_batches(batch_size=self.batch_rows, columns=names)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except _ARROW_ERRORS:
                raise SchemaError(f"{self.where}: damaged Parquet data after row {rows}") from None
            yield batch.num_rows, cast_flat(self.where, batch, self.shape, rows, names)
            rows += batch.num_rows
