"""Shared fixtures: a keyring, a reference date, the API samples, an S3 server, and catalog
databases (SQLite, and PostgreSQL in a fresh schema per test).

PostgreSQL tests (mark them ``e2e``) use the server at ``VEIL_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); they are skipped when no server
answers, and fail instead in CI (``CI`` set), where ``.ci/run`` starts the server.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from veil.keys import Keyring

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = datetime(2026, 11, 22, tzinfo=UTC)


def version_row(dataset: str, version_id: str, **overrides: Any) -> dict[str, Any]:
    """A catalog ``dataset_versions`` row with plausible lineage (tests that need a version
    without running a job); ``overrides`` replace fields."""
    return {
        "dataset": dataset,
        "version_id": version_id,
        "job_id": None,
        "run_id": "r1",
        "created_at": REFERENCE,
        "source": {"source": "synthetic", "persons": 10},
        "parameters": {"source": "synthetic"},
        "policy_name": "randomuser",
        "policy_hash": "ab" * 32,
        "key_id": "k000000000000",
        "veil_version": "0.1.0",
        "reference_date": "2026-11-22",
        "format": "parquet",
        "encrypted": True,
        "bytes": 100,
        "rows_in": 12,
        "rows_out": 10,
        "rows_suppressed": 2,
        "rows_quarantined": 0,
        "k_before": 1,
        "k_after": 5,
        "privacy": None,
        "timings": {"total": 0.5},
        **overrides,
    }
PG_URL = os.environ.get(
    "VEIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres() -> str:
    """The PostgreSQL server URL, or a skip when none answers (a failure in CI, where
    ``.ci/run`` starts the server: a skip there would hide the backend)."""
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # no server, no driver: skip, saying why
        message = f"no PostgreSQL at {PG_URL}: {type(exc).__name__}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()
    return PG_URL


@pytest.fixture
def pg_url(postgres: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema (dropped after the test)."""
    schema = f"veil_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres else "?"
    yield f"{postgres}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.e2e)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh catalog database: SQLite in the test's folder, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's real S3 server on a free loopback port, for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.from_key(bytes(range(32)))


@pytest.fixture
def other_keyring() -> Keyring:
    return Keyring.from_key(bytes(range(1, 33)))


@pytest.fixture
def reference_date() -> datetime:
    return REFERENCE


@pytest.fixture(scope="session")
def randomuser_sample() -> dict:
    return json.loads((FIXTURES / "randomuser_sample.json").read_text())


@pytest.fixture(scope="session")
def fakerapi_sample() -> dict:
    return json.loads((FIXTURES / "fakerapi_persons_sample.json").read_text())


@pytest.fixture
def spawn_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., tuple[Any, Any]]]:
    """``start(folder, module, processes)``: a pool of spawned processes for a race, and the
    worker module. The module (a file in ``folder``, put on ``sys.path``, which spawned
    children inherit) defines ``init(barrier)``; every worker gets the same barrier. The
    pools are terminated after the test."""
    pools: list[Any] = []

    def start(folder: Path, module: str, processes: int) -> tuple[Any, Any]:
        monkeypatch.syspath_prepend(str(folder))
        workers = importlib.import_module(module)
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(processes)
        pool = ctx.Pool(processes, initializer=workers.init, initargs=(barrier,))
        pools.append(pool)
        return pool, workers

    yield start
    for pool in pools:
        pool.terminate()
        pool.join()
