"""The Spark engine against the local one: same rows, whatever the partitioning; no key in
the plan; per-subject operators refused; `veil run --engine spark` end to end.

One Spark session (``local[2]``) serves the module. Its session time zone is not UTC on
purpose: the engine must present timestamps to the policy in UTC, as the local engine sees
them, or generalised dates would shift.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyspark.sql import DataFrame, SparkSession

from veil.engines import compile_policy
from veil.engines import spark as engine
from veil.errors import ConfigError, EngineUnsupportedError
from veil.keys import Keyring
from veil.policy import Policy, builtin_policy, policy_from_dict
from veil.sources import make_source

REF = datetime(2026, 11, 22, tzinfo=UTC)
KEY = bytes(range(32))


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """A local Spark session; skipped without Java on a developer machine, failing in CI."""
    try:
        engine.require_java()
    except ConfigError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("veil-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "America/New_York")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, pa.Table]]:
    """Synthetic users (3,000) and their events, as Parquet files and as Arrow tables."""
    folder = tmp_path_factory.mktemp("spark-data")
    found = {}
    for shape, persons in (("randomuser", 3000), ("events", 300)):
        source = make_source("synthetic", shape=shape, persons=persons, seed=5)
        table = pa.Table.from_batches(list(source.batches()), schema=source.schema)
        pq.write_table(table, folder / f"{shape}.parquet", row_group_size=1000)
        found[shape] = (folder / f"{shape}.parquet", table)
    return found


def _local(policy: Policy, table: pa.Table, keyring: Keyring) -> pa.Table:
    compiled = compile_policy(policy, table.schema, keyring, REF)
    return pa.Table.from_batches([compiled.transform(b) for b in table.to_batches()])


def _spark(df: DataFrame, policy: Policy, keyring: Keyring, like: pa.Table) -> pa.Table:
    out = engine.anonymize(df, policy, keyring, REF)
    got = pa.Table.from_batches(list(engine.arrow_batches(out)))
    return got.cast(like.schema)


def _same_rows(local: pa.Table, spark: pa.Table, by: str) -> None:
    assert spark.num_rows == local.num_rows > 0
    assert spark.column_names == local.column_names
    assert local.column(by).null_count == 0 and len(set(local.column(by).to_pylist())) == len(local)
    assert spark.sort_by(by).equals(local.sort_by(by))


@pytest.mark.e2e
@pytest.mark.parametrize("partitions", [1, 4])
def test_users_same_rows_as_local_engine(spark, data, partitions: int) -> None:
    path, table = data["randomuser"]
    keyring = Keyring.from_key(KEY)
    policy = builtin_policy("randomuser")
    df = spark.read.parquet(str(path)).repartition(partitions)
    assert df.rdd.getNumPartitions() == partitions
    local = _local(policy, table, keyring)
    _same_rows(local, _spark(df, policy, keyring, local), by="subject_id")


@pytest.mark.e2e
def test_events_same_rows_as_local_engine(spark, data) -> None:
    path, table = data["events"]
    keyring = Keyring.from_key(KEY)
    policy = builtin_policy("events")
    local = _local(policy, table, keyring)
    df = spark.read.parquet(str(path)).repartition(3)
    _same_rows(local, _spark(df, policy, keyring, local), by="event_id")


@pytest.mark.e2e
def test_domain_tokens_same_as_local_engine(spark, data) -> None:
    """tokenize keyed per domain (no vault) runs on Spark and gives the local tokens."""
    path, table = data["randomuser"]
    keyring = Keyring.from_key(KEY)
    policy = _token_policy(per_subject=False)
    local = _local(policy, table, keyring)
    df = spark.read.parquet(str(path)).repartition(2)
    _same_rows(local, _spark(df, policy, keyring, local), by="subject_id")


def _token_policy(per_subject: bool) -> Policy:
    return policy_from_dict({
        "version": 1, "name": "tokens", "subject_id": "subject_id", "on_unknown_column": "drop",
        "columns": {
            "subject_id": {"op": "hash", "from": "login_uuid", "domain": "subject"},
            "email_tok": {"op": "tokenize", "from": "email", "domain": "email",
                          "per_subject": per_subject},
        },
    })  # fmt: skip


@pytest.mark.e2e
def test_per_subject_operators_are_refused_naming_the_columns(spark, data) -> None:
    df = spark.read.parquet(str(data["randomuser"][0]))
    with pytest.raises(EngineUnsupportedError) as info:
        engine.anonymize(df, _token_policy(per_subject=True), Keyring.from_key(KEY), REF)
    assert info.value.engine == "spark" and info.value.columns == ["email_tok"]


@pytest.mark.e2e
def test_key_material_is_not_in_the_plan(spark, data) -> None:
    df = spark.read.parquet(str(data["randomuser"][0]))
    keyring = Keyring.from_key(KEY)
    out = engine.anonymize(df, builtin_policy("randomuser"), keyring, REF)
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        for mode in ("simple", "extended", "codegen", "cost", "formatted"):
            out.explain(mode=mode)
    plan = text.getvalue() + out._jdf.queryExecution().toString()
    assert "MapInArrow _Transform" in plan  # the plan the checks below read is the real one
    for form in (KEY.hex(), base64.b64encode(KEY).decode(), repr(KEY)[2:-1]):
        assert form not in plan


@pytest.mark.e2e
def test_the_shipped_function_carries_no_key(spark) -> None:
    """What mapInArrow pickles into the job holds a broadcast handle, not the keyring."""
    from pyspark import cloudpickle

    broadcast = spark.sparkContext.broadcast(Keyring.from_key(KEY))
    func = engine._Transform(
        builtin_policy("randomuser"), REF, broadcast, pa.schema([]), pa.schema([])
    )
    assert KEY not in cloudpickle.dumps(func)
    assert KEY in cloudpickle.dumps(broadcast.value)  # the check can see a key when present


def test_missing_java_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="Java"):
        engine.require_java()


@pytest.mark.e2e
def test_veil_run_engine_spark_end_to_end(spark, tmp_path: Path) -> None:
    """`veil run --engine spark` writes a version the report reads back, with the rows the
    local engine writes for the same source, policy and key."""
    from veil.sinks import read_dataset

    from ..cli.conftest import KEY_HEX, Veil

    veil = Veil(tmp_path)
    common = ("--persons", "2500", "--seed", "4")
    veil.run(*common, "--engine", "spark", "--spark-master", "local[2]", out="spark")
    veil.run(*common, out="local")
    report = veil.report("spark")
    assert report["rows"] == 2500 and report["all_match"] is True
    assert report["run"]["version_id"]
    keyring = Keyring.from_key(bytes.fromhex(KEY_HEX))
    got = read_dataset(str(tmp_path / "spark"), "users", keyring)
    want = read_dataset(str(tmp_path / "local"), "users", keyring)
    _same_rows(want, got, by="subject_id")
    manifest = (tmp_path / "spark").rglob("manifest.json")
    assert any('"engine": "spark"' in m.read_text() for m in manifest)
