"""The Spark engine: the local engine's batch transform, run by Spark executors.

Why: a dataset that already lives on a Spark cluster should be anonymized there, under the
same compiled policy, with the same result as ``veil run`` on one machine. So this engine
does not re-implement any operator: :func:`anonymize` compiles the policy on the driver
against the DataFrame's Arrow schema (every check and the output schema up front), and
``DataFrame.mapInArrow`` runs :meth:`CompiledPolicy.transform` on each Arrow batch. Operators
are keyed PRFs of (key, column, value), so the rows do not depend on how Spark partitions or
batches the data.

Key material: the function shipped in the plan carries the policy, the reference date and a
*broadcast handle*; the keyring itself travels as a Spark broadcast variable, so the key bytes
are in neither the pickled function nor any string form of the plan (``explain()``, the Spark
UI). Broadcast values sit in Spark's local directories and cross the network to executors: on
a real cluster turn on ``spark.io.encryption.enabled`` and ``spark.network.crypto.enabled``.

Timestamps are presented to the policy in UTC whatever ``spark.sql.session.timeZone`` is, so
a session time zone cannot shift a generalised date. Executors need ``veil`` installed (the
operators run there); each Python worker compiles the policy once and reuses it.

Not supported: per-subject operators (``tokenize``/``encrypt`` keyed through the subject-key
vault): the vault is a database on the driver's workspace; such policies are refused with an
:class:`~veil.errors.EngineUnsupportedError` naming the columns.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from veil.engines.local import CompiledPolicy, compile_policy
from veil.errors import ConfigError, EngineUnsupportedError
from veil.keys import Keyring
from veil.policy import Policy

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: compiled policies of this Python worker, by the token of the ``anonymize`` call
_COMPILED: dict[str, CompiledPolicy] = {}
_MAX_COMPILED = 4


def require_java() -> None:
    """Spark starts a JVM: fail with what to do instead of py4j's "Java gateway exited"."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return
    if shutil.which("java") is None:
        raise ConfigError(
            "the spark engine needs Java 17 or newer: install a JDK (Debian: apt-get install "
            "openjdk-17-jre-headless) or set JAVA_HOME to one"
        )


def spark_session(master: str | None = None) -> SparkSession:
    """The active Spark session, or a new one on ``master`` (``local[2]``, ``spark://…``).

    Workers run this interpreter unless ``PYSPARK_PYTHON`` says otherwise: Spark's default
    ``python3`` would lack veil and pyarrow in a virtualenv.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError("the spark engine needs pyspark: pip install 'veil[spark]'") from None
    require_java()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # veil shows its own progress: Spark's console bars would interleave with it
    builder = SparkSession.builder.appName("veil").config("spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    return builder.getOrCreate()


def refuse_vault_operators(policy: Policy) -> None:
    """Per-subject keys live in the driver's vault database: executors cannot reach it."""
    from veil.keys.vault import vault_columns

    columns = vault_columns(policy)
    if columns:
        raise EngineUnsupportedError(
            "spark",
            columns,
            "per-subject operators need the subject-key vault, which executors cannot reach",
            "set per_subject: false on them, or run with --engine local",
        )


def _utc(field: pa.Field) -> pa.Field:
    if pa.types.is_timestamp(field.type) and field.type.tz is not None:
        return field.with_type(pa.timestamp(field.type.unit, tz="UTC"))
    return field


def arrow_schema(df: DataFrame) -> pa.Schema:
    """The Arrow schema of the batches ``mapInArrow`` hands over, timestamps in UTC."""
    from pyspark.sql.pandas.types import to_arrow_schema

    conf = df.sparkSession.conf
    schema = to_arrow_schema(
        df.schema,
        timezone=conf.get("spark.sql.session.timeZone"),
        prefers_large_types=conf.get("spark.sql.execution.arrow.useLargeVarTypes") == "true",
    )
    return pa.schema([_utc(f) for f in schema])


def _spark_output(compiled: CompiledPolicy, df: DataFrame) -> tuple[Any, pa.Schema]:
    """The Spark schema of the output, and the Arrow schema Spark expects batches in."""
    from pyspark.sql.pandas.types import from_arrow_type, to_arrow_schema
    from pyspark.sql.types import StructField, StructType

    fields = []
    for field in compiled.output_schema:
        try:
            fields.append(StructField(field.name, from_arrow_type(field.type), field.nullable))
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"the spark engine cannot hold output column {field.name!r} ({field.type}): "
                f"{type(exc).__name__}; run with --engine local"
            ) from None
    spark = StructType(fields)
    conf = df.sparkSession.conf
    arrow = to_arrow_schema(
        spark,
        timezone=conf.get("spark.sql.session.timeZone"),
        prefers_large_types=conf.get("spark.sql.execution.arrow.useLargeVarTypes") == "true",
    )
    return spark, arrow


class _Transform:
    """What ``mapInArrow`` ships to executors: everything to rebuild the compiled policy,
    with the keyring behind a broadcast handle (so never in the pickled function)."""

    def __init__(
        self,
        policy: Policy,
        reference_date: datetime,
        keyring: Any,
        schema: pa.Schema,
        output_schema: pa.Schema,
    ) -> None:
        self.token = uuid.uuid4().hex
        self.policy = policy
        self.reference_date = reference_date
        self.keyring = keyring  # a pyspark Broadcast of a Keyring
        self.schema = schema  # the whole input's: what the policy is checked against
        self.output_schema = output_schema

    def compiled(self) -> CompiledPolicy:
        """This worker's compiled policy (compiled on first use, then reused)."""
        found = _COMPILED.get(self.token)
        if found is None:
            if len(_COMPILED) >= _MAX_COMPILED:
                _COMPILED.pop(next(iter(_COMPILED)))
            found = _COMPILED[self.token] = compile_policy(
                self.policy, self.schema, self.keyring.value, self.reference_date
            )
        return found

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        compiled = self.compiled()
        read = pa.schema([self.schema.field(name) for name in compiled.input_columns])
        for batch in batches:  # only the columns the steps read (``anonymize`` selects them)
            out = compiled.transform(batch.cast(read))
            yield out.cast(self.output_schema)


def anonymize(
    df: DataFrame, policy: Policy, keyring: Keyring, reference_date: datetime
) -> DataFrame:
    """``df`` (flat columns) anonymized under ``policy``: the same rows the local engine gives.

    Raises PolicyError / UnknownColumnError (as ``compile_policy``) and
    EngineUnsupportedError for per-subject operators, before any Spark job runs.
    """
    refuse_vault_operators(policy)
    full = arrow_schema(df)
    compiled = compile_policy(policy, full, keyring, reference_date)
    spark_schema, arrow_out = _spark_output(compiled, df)
    ring = Keyring(keys=dict(keyring.keys), current=keyring.current)
    broadcast = df.sparkSession.sparkContext.broadcast(ring)
    func = _Transform(policy, reference_date, broadcast, full, arrow_out)
    return df.select(*compiled.input_columns).mapInArrow(func, spark_schema)


def with_missing_columns(df: DataFrame, schema: pa.Schema) -> DataFrame:
    """``df`` plus the columns of ``schema`` it lacks, as typed nulls: a source read
    projected to what the policy reads still checks against the whole shape (``drop``
    entries name columns that were never fetched); :func:`anonymize` selects them away."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_type

    missing = [f for f in schema if f.name not in df.columns]
    if not missing:
        return df
    return df.withColumns({f.name: F.lit(None).cast(from_arrow_type(f.type)) for f in missing})


def _pack(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Each batch as one row holding its Arrow IPC stream: collecting rows then costs one
    Python object per batch instead of one per record."""
    for batch in batches:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        yield pa.record_batch([pa.array([sink.getvalue().to_pybytes()], pa.binary())], ["ipc"])


def arrow_batches(df: DataFrame) -> Iterator[pa.RecordBatch]:
    """The rows of ``df`` as Arrow batches on the driver, one partition in memory at a time
    (``toLocalIterator``), for writing through veil's own sinks. The partition size bounds
    the driver's memory: keep partitions small (``veil run`` stages 100,000 rows a file)."""
    packed = df.mapInArrow(_pack, "ipc binary")
    for row in packed.toLocalIterator(prefetchPartitions=False):
        yield from pa.ipc.open_stream(row.ipc)
