"""One batch run: source → policy → sink, with the raw and anonymized reports.

``run_pipeline`` compiles the policy against the source's schema before anything is fetched,
streams bounded batches through the transform into a staged output, commits it atomically,
and then answers the report questions on the committed output (read back through the sink,
so the report also proves the output is readable with the key) and on the raw cube that was
accumulated in memory during the run. Any failure aborts the staged output: the previous
version stays current and no partial files remain.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from veil.analytics import RawCube, anonymized_cube, build_report, render_html, utility
from veil.analytics.reports import DEFAULT_AGE_EDGES, RAW_ROLES, not_users_report, rows_are
from veil.engines import compile_policy
from veil.engines.local import CompiledPolicy
from veil.errors import ConfigError
from veil.jobs.prefetch import default_workers, ordered_map, prefetch
from veil.jobs.privacy import apply_privacy
from veil.keys import Keyring
from veil.policy import Policy
from veil.policy.models import UtilityQuestion
from veil.sinks import open_sink
from veil.sources.base import Source

STAGES = ("fetching", "transforming", "writing")
ENGINES = ("local", "spark")
#: rows per staged Parquet file of the spark engine: a Spark partition each, so this bounds
#: what the driver holds while it streams the result back
SPARK_STAGE_ROWS = 100_000


class RunProgress(Protocol):
    def start(self, stage: str, total: int | None) -> None: ...
    def advance(self, stage: str, n: int) -> None: ...


class _NoProgress:
    def start(self, stage: str, total: int | None) -> None:
        pass

    def advance(self, stage: str, n: int) -> None:
        pass


@dataclass(frozen=True)
class RunConfig:
    source: Source
    policy: Policy
    keyring: Keyring
    output: str
    format: str = "parquet"
    encrypt: bool = True
    dataset: str = "users"
    reference_date: datetime = field(
        default_factory=lambda: datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    report: Path | None = None
    compare_raw: bool = True
    s3: Any = None
    #: transform threads (default: one per core, at most 4)
    workers: int = field(default_factory=default_workers)
    #: the subject-key vault (``veil.keys.vault.Vault``) for per-subject operators, or None
    vault: Any = None
    #: more facts for the manifest (a job's id); the run's own keys win over these
    manifest_extra: Mapping[str, Any] = field(default_factory=dict)
    #: ``local`` (transform threads here) or ``spark`` (``veil.engines.spark``)
    engine: str = "local"
    #: the Spark master for ``engine="spark"`` (None: the active session, or Spark's default)
    spark_master: str | None = None


@dataclass
class RunResult:
    run_id: str
    version_id: str
    rows: int
    output: str
    manifest: dict[str, Any]
    report: dict[str, Any] | None
    report_paths: list[Path]
    timings: dict[str, float]


def _age_edges(policy: Policy) -> list[float]:
    params = policy.columns.get("age_band")
    edges = getattr(params, "edges", None) if params is not None else None
    return list(edges) if edges else list(DEFAULT_AGE_EDGES)


def _counted(
    batches: Iterator[pa.RecordBatch], timings: dict[str, float]
) -> Iterator[pa.RecordBatch]:
    """Time spent waiting for the source (fetching/generating beyond what overlapped)."""
    while True:
        t0 = time.perf_counter()
        try:
            batch = next(batches)
        except StopIteration:
            timings["fetch"] += time.perf_counter() - t0
            return
        timings["fetch"] += time.perf_counter() - t0
        yield batch


class _Gathered:
    """Stands in for a sink writer while a privacy target needs the whole output first."""

    def __init__(self) -> None:
        self.batches: list[pa.RecordBatch] = []

    def write(self, batch: pa.RecordBatch) -> None:
        self.batches.append(batch)

    def table(self, schema: pa.Schema) -> pa.Table:
        return pa.Table.from_batches(self.batches, schema=schema)


def _project(schema: pa.Schema, names: list[str]) -> pa.Schema:
    return pa.schema([schema.field(name) for name in names])


def write_report_files(report: dict[str, Any], stem: Path) -> list[Path]:
    """Write ``stem.json`` and ``stem.html`` atomically (temp file, then rename)."""
    stem = stem.with_suffix("") if stem.suffix in (".json", ".html") else stem
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, text in (
        (".json", json.dumps(report, indent=2, default=str)),
        (".html", render_html(report)),
    ):
        path = stem.with_name(stem.name + suffix)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        paths.append(path)
    return paths


def compile_config(config: RunConfig) -> CompiledPolicy:
    """The run's policy compiled against its source's schema (PolicyError if it does not fit)."""
    return compile_policy(
        config.policy,
        config.source.schema,
        config.keyring,
        config.reference_date,
        vault=config.vault,
    )


RawSide = Callable[[pa.RecordBatch], tuple[pa.Table | None, pa.RecordBatch | None]]
Transformed = tuple[pa.RecordBatch | None, pa.Table | None, pa.RecordBatch | None, float, int]


def _staged(batches: Iterator[pa.RecordBatch], folder: str) -> Iterator[pa.RecordBatch]:
    """``batches``, also written to Parquet files of ``SPARK_STAGE_ROWS`` rows in ``folder``
    (bounded memory; several files so Spark has several input splits)."""
    writer, rows, n = None, 0, 0
    try:
        for batch in batches:
            if writer is None or rows >= SPARK_STAGE_ROWS:
                if writer is not None:
                    writer.close()
                writer = pq.ParquetWriter(f"{folder}/part-{n:05d}.parquet", batch.schema)
                rows, n = 0, n + 1
            writer.write_batch(batch)
            rows += batch.num_rows
            yield batch
    finally:
        if writer is not None:
            writer.close()


def _spark_transformed(
    config: RunConfig,
    compiled: CompiledPolicy,
    batches: Iterator[pa.RecordBatch],
    raw_side: RawSide,
) -> Generator[Transformed, None, None]:
    """The spark engine's batches: the source is staged as Parquet (the raw side of the
    report is taken on the way: entries with no output), then Spark anonymizes the staged
    files and the result streams back one partition at a time, as the local schema.

    Staging lives in a temporary folder (``VEIL_SPARK_STAGING`` chooses where: a shared
    filesystem when the master is a real cluster).
    """
    from pyspark.sql import DataFrame

    from veil.engines import spark as engine

    session = engine.spark_session(config.spark_master)
    staging = os.environ.get("VEIL_SPARK_STAGING") or None
    with tempfile.TemporaryDirectory(prefix="veil-spark-", dir=staging) as folder:
        for batch in _staged(batches, folder):
            yield (None, *raw_side(batch), 0.0, batch.num_rows)
        files = sorted(str(p) for p in Path(folder).glob("*.parquet"))
        if not files:
            return
        # one scan per file: a partition (what the driver holds at a time) stays one file
        df = functools.reduce(DataFrame.unionByName, (session.read.parquet(f) for f in files))
        df = engine.with_missing_columns(df, config.source.schema)
        out = engine.anonymize(df, config.policy, config.keyring, config.reference_date)
        t0 = time.perf_counter()
        for batch in engine.arrow_batches(out):
            yield batch.cast(compiled.output_schema), None, None, time.perf_counter() - t0, 0
            t0 = time.perf_counter()


def run_pipeline(config: RunConfig, progress: RunProgress | None = None) -> RunResult:
    """Run the batch pipeline once; see the module docstring."""
    progress = progress or _NoProgress()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    timings = {"fetch": 0.0, "transform": 0.0, "write": 0.0, "report": 0.0}
    t_start = time.perf_counter()
    if config.engine not in ENGINES:
        raise ConfigError(f"unknown engine {config.engine!r}: use {' or '.join(ENGINES)}")
    if config.engine == "spark":
        from veil.engines.spark import refuse_vault_operators

        refuse_vault_operators(config.policy)
    compiled = compile_config(config)
    utility.check(config.policy, config.source.schema, compiled.output_schema)
    raw_cols = (
        utility.raw_columns(config.policy, config.source.schema.names) if config.compare_raw else []
    )
    raw_parts: list[pa.RecordBatch] = []
    raw_cube = None
    if config.compare_raw and config.source.shape in RAW_ROLES:
        raw_cube = RawCube(config.source.shape, config.reference_date, _age_edges(config.policy))
    sink = open_sink(
        config.output,
        format=config.format,
        encrypt=config.encrypt,
        keyring=config.keyring,
        s3=config.s3,
    )
    total = config.source.expected_rows()
    for stage in STAGES:
        progress.start(stage, total)
    rows = suppressed = 0
    privacy = config.policy.privacy
    with contextlib.ExitStack() as stack:
        # with a privacy target the output is measured whole before anything is written
        writer: Any = (
            _Gathered()
            if privacy is not None
            else stack.enter_context(
                sink.writer(dataset=config.dataset, schema=compiled.output_schema, run_id=run_id)
            )
        )
        needed = set(compiled.input_columns) | set(raw_cube.columns if raw_cube else ())
        needed |= set(raw_cols)
        fetched = config.source.batches(lambda n: progress.advance("fetching", n), columns=needed)

        def raw_side(batch: pa.RecordBatch) -> tuple[pa.Table | None, pa.RecordBatch | None]:
            summary = raw_cube.summarize(batch) if raw_cube is not None else None
            kept = batch.select(raw_cols) if raw_cols else None  # in memory only
            return summary, kept

        def transform(batch: pa.RecordBatch) -> Transformed:
            t0 = time.perf_counter()
            out = compiled.transform(batch)
            summary, kept = raw_side(batch)
            return out, summary, kept, time.perf_counter() - t0, batch.num_rows

        counted = _counted(prefetch(fetched), timings)
        transformed: Generator[Transformed, None, None] = (
            _spark_transformed(config, compiled, counted, raw_side)
            if config.engine == "spark"
            else ordered_map(transform, counted, workers=config.workers)
        )
        with contextlib.closing(transformed):  # a failure below stops the workers at once
            for out, summary, kept, seconds, rows_in in transformed:
                suppressed += rows_in - (out.num_rows if out is not None else 0)
                if raw_cube is not None and summary is not None:
                    raw_cube.add_summary(summary)
                if kept is not None:
                    raw_parts.append(kept)
                if out is None:  # the spark engine's staging pass: the raw side only
                    continue
                progress.advance("transforming", out.num_rows)
                t1 = time.perf_counter()
                writer.write(out)
                timings["transform"] += seconds
                timings["write"] += time.perf_counter() - t1
                progress.advance("writing", out.num_rows)
                rows += out.num_rows
        risk = None
        if privacy is not None:
            t0 = time.perf_counter()
            table, risk = apply_privacy(writer.table(compiled.output_schema), privacy)
            suppressed += rows - table.num_rows
            rows = table.num_rows
            writer = stack.enter_context(
                sink.writer(dataset=config.dataset, schema=table.schema, run_id=run_id)
            )
            for part in table.to_batches(max_chunksize=50_000):
                writer.write(part)
            timings["privacy"] = time.perf_counter() - t0
        manifest = {
            **config.manifest_extra,
            "run_id": run_id,
            "source": config.source.fingerprint(),
            "policy": {"name": config.policy.name, "hash": config.policy.digest()},
            "key_id": config.keyring.kid,
            "engine": config.engine,
            "reference_date": config.reference_date.date().isoformat(),
            "rows": rows,
            "rows_suppressed": suppressed,
            "quarantine": config.source.quarantine.as_dict(),
            "dropped_unknown_columns": list(compiled.dropped_unknown),
        }
        if risk is not None:
            manifest["privacy"] = risk
        if config.policy.questions:
            manifest["questions"] = [q.model_dump(mode="json") for q in config.policy.questions]
        t0 = time.perf_counter()
        info = writer.commit(manifest)
        timings["write"] += time.perf_counter() - t0
    report, paths = None, []
    if config.report is not None:
        t0 = time.perf_counter()
        report = make_report(
            sink,
            config.dataset,
            config.reference_date,
            raw_cube.table() if raw_cube is not None else None,
            {**manifest, "version_id": info.version_id},
            raw_questions=(
                utility.raw_table(
                    config.policy, raw_parts, _project(config.source.schema, raw_cols)
                )
                if raw_cols
                else None
            ),
        )
        paths = write_report_files(report, config.report)
        timings["report"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start
    return RunResult(
        run_id,
        info.version_id,
        rows,
        config.output,
        {**manifest, "version_id": info.version_id},
        report,
        paths,
        timings,
    )


def make_report(
    sink: Any,
    dataset: str,
    reference_date: datetime,
    raw: pa.Table | None,
    manifest: dict[str, Any],
    *,
    raw_questions: pa.Table | None = None,
) -> dict[str, Any]:
    """Answer the questions on the committed output of ``dataset`` (and on ``raw`` if given);
    the policy's own questions (kept in the manifest) on its output and ``raw_questions``."""
    questions = [UtilityQuestion.model_validate(q) for q in manifest.get("questions") or []]
    what = rows_are(manifest.get("source"))
    con = sink.connect([dataset])
    try:
        anon = anonymized_cube(con, dataset, reference_date) if what == "users" else None
        if questions:
            names = [d[0] for d in con.sql(f'SELECT * FROM "{dataset}" LIMIT 0').description]
            cols = ", ".join(f'"{c}"' for c in utility.output_columns(questions, names))
            output = con.sql(f'SELECT {cols} FROM "{dataset}"').to_arrow_table()
    finally:
        con.close()
    meta = {
        "dataset": dataset,
        "rows": manifest.get("rows"),
        "reference_date": reference_date.date().isoformat(),
        "policy": manifest.get("policy"),
        "source": manifest.get("source"),
        "key_id": manifest.get("key_id"),
        "quarantine": manifest.get("quarantine"),
        "privacy": manifest.get("privacy"),
        "run": {"run_id": manifest.get("run_id"), "version_id": manifest.get("version_id")},
        "rows_are": what,
    }
    report = build_report(anon, raw, meta=meta) if anon is not None else not_users_report(meta)
    if questions:
        entries = utility.report_entries(questions, output, raw_questions)
        report["questions"].extend(entries)
        if report["all_match"] is not None or any("match" in e for e in entries):
            report["all_match"] = all(e.get("match", True) for e in report["questions"])
    return report
