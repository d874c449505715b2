"""The catalog's Alembic migrations: they build exactly the tables the code declares (SQLite
and PostgreSQL), upgrading is idempotent and race-free, and catalogs made before migrations
(by ``create_tables``) are recognised and stamped."""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from veil.analytics.dp.ledger import TABLES, Cost, Ledger
from veil.catalog.db import (
    LEGACY_REVISION,
    MIGRATIONS,
    create_tables,
    current_revision,
    head_revision,
    load_models,
    make_engine,
    upgrade,
)
from veil.errors import ConfigError

ROOT = Path(__file__).parents[2]
HERE = Path(__file__).parent


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _diff(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, load_models()))


def _schema(engine: sa.Engine) -> dict[str, Any]:
    """Tables, their columns (name, type, nullable), indexes and unique constraints."""
    inspector = sa.inspect(engine)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        schema[table] = (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
            sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
        )
    return schema


def test_migrations_build_exactly_the_declared_tables(engine: sa.Engine) -> None:
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision() == current_revision(engine)
    assert _diff(engine) == []
    tables = set(sa.inspect(engine).get_table_names())
    assert {"budgets", "charges", "budget_events", "audit_log", "alembic_version"} <= tables
    assert tables - {"alembic_version"} == set(load_models().tables)

    before = _schema(engine)
    assert upgrade(engine) == head_revision()  # idempotent: nothing changes
    assert _schema(engine) == before and _diff(engine) == []

    # control: the comparison does see a difference when there is one
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_audit_log_at"))
    assert _diff(engine), "compare_metadata found no difference after an index was dropped"


def test_a_catalog_made_before_migrations_is_stamped_and_upgraded(db_url: str) -> None:
    engine = make_engine(db_url)
    create_tables(engine, TABLES)  # what Ledger() did before migrations
    pg = engine.dialect.name == "postgresql"
    amounts = {"cap_epsilon": "1.0", "cap_delta": "0", "spent_epsilon": "0.25"}
    amounts |= {"spent_delta": "0", "spent_rho": "0"}
    now = "now()" if pg else "'2026-11-22 00:00:00.000000'"
    with engine.begin() as conn:  # a budget written by the old ledger
        conn.execute(
            sa.text(
                "INSERT INTO budgets (analyst, dataset, cap_epsilon, cap_delta, spent_epsilon, "
                "spent_delta, spent_rho, generation, created, updated) VALUES ('ana', 'users', "
                f":cap_epsilon, :cap_delta, :spent_epsilon, :spent_delta, :spent_rho, 0, {now}, "
                f"{now})"
            ),
            {k: Decimal(v) if pg else v for k, v in amounts.items()},
        )
    assert current_revision(engine) is None
    assert upgrade(engine) == head_revision() == current_revision(engine)
    assert _diff(engine) == []
    with Ledger(db_url) as led:  # stamped, not recreated: the old budget is still there
        assert led.budget("ana", "users").spent_epsilon == 0.25
        led.charge("ana", "users", Cost(epsilon=0.25), query="count", mechanism="t")
        assert led.budget("ana", "users").spent_epsilon == 0.5
    engine.dispose()


def test_partial_or_newer_catalogs_are_refused(tmp_path: Path) -> None:
    partial = make_engine(f"sqlite:///{tmp_path / 'partial.db'}")
    create_tables(partial, TABLES[:1])
    with pytest.raises(ConfigError, match="not made by veil"):
        upgrade(partial)
    assert current_revision(partial) is None  # nothing was changed
    partial.dispose()

    newer = make_engine(f"sqlite:///{tmp_path / 'newer.db'}")
    upgrade(newer)
    with newer.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(ConfigError, match="newer veil") as refused:
        upgrade(newer)
    assert refused.value.exit_code == 2
    newer.dispose()


def test_stamping_revision_is_the_budgets_one() -> None:
    assert LEGACY_REVISION == "0001_budgets"
    names = {p.name for p in (MIGRATIONS / "versions").glob("*.py")}
    assert {"0001_budgets.py", "0002_audit.py"} <= names


def test_migrations_are_package_data() -> None:
    """Every file of the migrations folder is matched by a package-data glob (so a wheel
    ships it: users run migrations without the source tree)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["veil"]
    package = ROOT / "src" / "veil"
    files = [
        p.relative_to(package).as_posix()
        for p in MIGRATIONS.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert any(f.endswith("env.py") for f in files)
    assert any(f.endswith("script.py.mako") for f in files)
    for name in files:
        assert any(fnmatch.fnmatch(name, g) for g in globs), f"{name} is not package data"


PROCESSES = 4


@pytest.mark.slow
def test_processes_opening_a_fresh_catalog_at_once(db_url: str, spawn_pool: Any) -> None:
    pool, workers = spawn_pool(HERE, "catalog_workers", PROCESSES)
    pending = [pool.apply_async(workers.open_fresh, (db_url,)) for _ in range(PROCESSES)]
    revisions = [p.get(timeout=120) for p in pending]
    assert revisions == [head_revision()] * PROCESSES
    engine = make_engine(db_url)
    assert _diff(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


def test_veil_catalog_upgrade(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from veil.cli.main import app

    runner = CliRunner()
    env = {"VEIL_DATABASE_URL": "", "COLUMNS": "200"}
    args = ["catalog", "upgrade", "--workspace", str(tmp_path / "ws")]
    first = runner.invoke(app, args, env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert f"revision {head_revision()} (was empty)" in first.output
    again = runner.invoke(app, args, env=env, catch_exceptions=False)
    assert f"revision {head_revision()} (already at head)" in again.output
