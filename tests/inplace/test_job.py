"""In-place anonymization as a job: `veil job create --in-place TARGET` → dry-run → approve →
run → rollback on a DuckDB file and a Parquet folder (the original rows back by checksum); a
second job on the same table refused by the dataset lock; a failing run ending failed →
rolled_back with the table intact; a target URI with a password refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from veil.audit import CatalogAuditLog
from veil.catalog.catalog import Catalog, Owner, working_on
from veil.catalog.db import catalog_url
from veil.cli.main import app
from veil.inplace import open_target

from .conftest import USERS, fail_transform, raw_values

KEY_HEX = "11" * 32


class Veil:
    def __init__(self, ws: Path) -> None:
        self.ws = ws
        self.env = {
            "VEIL_MASTER_KEY": KEY_HEX,
            "COLUMNS": "200",
            "VEIL_WORKSPACE": str(ws),
            "VEIL_ACTOR": "alice",
        }

    def __call__(self, *args: str, ok: bool = True, actor: str | None = None) -> Any:
        env = {**self.env, **({"VEIL_ACTOR": actor} if actor else {})}
        result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output + (result.stderr or "")
        return result

    def create(self, uri: str, *extra: str) -> str:
        made = self(
            "job",
            "create",
            "--in-place",
            uri,
            "--policy",
            "randomuser",
            "--reference-date",
            "2026-11-22",
            *extra,
        )
        job_id = made.stdout.strip()
        assert job_id.startswith("job-") and "in place" in made.stderr
        return job_id

    def ready(self, uri: str, *extra: str) -> str:
        job_id = self.create(uri, *extra)
        self("job", "dry-run", job_id, "--sample-rows", "50")
        self("job", "approve", job_id, "--reason", "dry run reviewed", actor="bob")
        return job_id

    def status(self, job_id: str) -> dict[str, Any]:
        return json.loads(self("job", "status", job_id, "--json").stdout)


@pytest.fixture
def veil(tmp_path: Path) -> Veil:
    return Veil(tmp_path / "ws")


def _checksum(uri: str) -> str:
    with open_target(uri) as target:
        return target.measure().checksum


def _states(doc: dict[str, Any]) -> list[str]:
    return [t["to_state"] for t in doc["transitions"]]


@pytest.mark.parametrize("kind", ["duckdb", "parquet"])
def test_in_place_job_runs_and_rolls_back(
    kind: str, make: Any, users: pa.Table, veil: Veil
) -> None:
    made = make(kind)
    original = _checksum(made.uri)
    job_id = veil.create(made.uri)

    dry = veil("job", "dry-run", job_id, "--sample-rows", "50")
    assert "dry run: before (masked) → after" in dry.stdout
    assert f"estimated duration for {USERS:,} records" in dry.stdout
    assert f"job {job_id} is validated" in dry.stdout
    assert _checksum(made.uri) == original  # a dry run changes nothing

    veil("job", "approve", job_id, "--reason", "dry run reviewed", actor="bob")
    run = veil("job", "run", job_id, "--quiet")
    assert f"{USERS:,} rows in, {USERS:,} out" in run.stdout
    after = _checksum(made.uri)
    assert after != original
    with open_target(made.uri) as target:
        table = pa.Table.from_batches(list(target.read_batches()))
        ref = target.ref
    assert "email" not in table.column_names
    cells = {str(v) for column in table.columns for v in column.to_pylist()}
    assert not cells & raw_values(users)

    doc = veil.status(job_id)
    assert doc["job"]["state"] == "completed" and doc["job"]["dataset"] == ref
    assert doc["lock"] is None and doc["dataset"]["pointers_agree"]
    lineage = doc["version"]
    assert lineage["rows_in"] == lineage["rows_out"] == USERS
    assert lineage["source"]["checksum_before"] == original
    assert lineage["source"]["checksum_after"] == after
    assert lineage["source"]["backup"] and lineage["source"]["backup_kept"]
    assert lineage["policy_hash"] == doc["job"]["policy_hash"] and lineage["key_id"]

    back = veil("job", "rollback", job_id, "--reason", "wrong policy")
    assert "restored from backup" in back.stdout
    assert _checksum(made.uri) == original
    doc = veil.status(job_id)
    assert _states(doc)[-2:] == ["completed", "rolled_back"]
    assert doc["dataset"]["current_version_id"] is None

    with CatalogAuditLog(catalog_url(veil.ws)) as log:
        entries = [e.to_dict() for e in log.entries()]
    actions = [e["action"] for e in entries]
    assert "inplace.run" in actions and "inplace.restore" in actions
    assert actions[-1] == "job.rolled_back"
    stored = json.dumps(entries) + json.dumps(doc)
    assert not [v for v in raw_values(users) if v in stored]


def test_a_second_job_on_the_same_table_is_refused_by_the_lock(make: Any, veil: Veil) -> None:
    made = make("duckdb")
    original = _checksum(made.uri)
    first = veil.ready(made.uri)
    second = veil.ready(made.uri)
    with Catalog(catalog_url(veil.ws)) as catalog, working_on(first):
        catalog.start_run(first, actor="alice", owner=Owner.this_process())
        refused = veil("job", "run", second, "--quiet", ok=False)
    assert refused.exit_code == 7
    assert f"is locked by job {first}" in refused.stderr
    assert veil.status(second)["job"]["state"] == "approved"
    assert _checksum(made.uri) == original


def test_a_failing_job_ends_rolled_back_with_the_table_intact(
    make: Any, veil: Veil, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make("parquet")
    original = _checksum(made.uri)
    job_id = veil.ready(made.uri)
    fail_transform(monkeypatch, ValueError("boom"), on_batch=2)
    result = veil("job", "run", job_id, "--quiet", ok=False)
    assert result.exit_code == 5
    assert "restored" in result.stderr and f"job {job_id} is rolled_back" in result.stderr
    assert _checksum(made.uri) == original
    doc = veil.status(job_id)
    assert _states(doc)[-3:] == ["running", "failed", "rolled_back"]
    assert (
        "was restored" in doc["transitions"][-1]["reason"]
        or "as before the run" in (doc["transitions"][-1]["reason"])
    )
    assert doc["lock"] is None and doc["version"] is None


def test_rollback_without_a_backup_is_refused(make: Any, veil: Veil) -> None:
    made = make("duckdb")
    job_id = veil.ready(made.uri, "--no-keep-backup")
    veil("job", "run", job_id, "--quiet")
    after = _checksum(made.uri)
    refused = veil("job", "rollback", job_id, ok=False)
    assert refused.exit_code == 2 and "--no-keep-backup" in refused.stderr
    assert veil.status(job_id)["job"]["state"] == "completed"
    assert _checksum(made.uri) == after


def test_target_with_a_password_and_mixed_options_are_refused(make: Any, veil: Veil) -> None:
    uri = "postgresql://etl:s3cret-pw@db.internal:5432/crm?table=public.users"
    refused = veil("job", "create", "--in-place", uri, "--policy", "randomuser", ok=False)
    assert refused.exit_code == 2
    assert "PGPASSWORD" in refused.stderr and "s3cret-pw" not in refused.output + refused.stderr
    query = "postgresql://etl@db.internal/crm?table=users&password=s3cret-pw"
    refused = veil("job", "create", "--in-place", query, "--policy", "randomuser", ok=False)
    assert refused.exit_code == 2 and "s3cret-pw" not in refused.output + refused.stderr

    made = make("duckdb")
    mixed = veil(
        "job",
        "create",
        "--in-place",
        made.uri,
        "--policy",
        "randomuser",
        "--output",
        "x",
        ok=False,
    )
    assert mixed.exit_code == 2 and "--output" in mixed.stderr
    alone = veil("job", "create", "--no-keep-backup", ok=False)
    assert alone.exit_code == 2 and "--in-place" in alone.stderr
    assert json.loads(veil("job", "list", "--json").stdout)["jobs"] == []


def test_a_password_from_the_environment_is_read_when_the_job_opens_the_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from veil.errors import ConfigError
    from veil.jobs.inplace import check_target_uri, open_job_target

    uri = "postgresql://etl:${DB_PASSWORD}@db.internal/crm?table=public.users"
    assert check_target_uri(uri) == uri
    monkeypatch.delenv("DB_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="DB_PASSWORD, which is not set"):
        open_job_target(uri)
