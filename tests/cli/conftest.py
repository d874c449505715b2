"""Helpers for driving the real ``veil`` command in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from veil.audit import CatalogAuditLog, open_audit_log
from veil.catalog.db import catalog_url, make_engine
from veil.cli.main import app
from veil.keys import Keyring
from veil.sinks import open_sink

KEY_HEX = "11" * 32


class Veil:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.runner = CliRunner()
        self.env = {"VEIL_MASTER_KEY": KEY_HEX, "COLUMNS": "200"}

    def __call__(self, *args: str, env: dict | None = None, ok: bool = True):
        result = self.runner.invoke(
            app, list(args), env={**self.env, **(env or {})}, catch_exceptions=False
        )
        if ok:
            assert result.exit_code == 0, result.output + (result.stderr or "")
        return result

    def run(self, *args: str, out: str = "out", **kw):
        return self(
            "run",
            "--output",
            str(self.tmp / out),
            "--reference-date",
            "2026-11-22",
            "--quiet",
            *args,
            **kw,
        )

    def report(self, out: str = "out") -> dict:
        return json.loads((self.tmp / out / "report.json").read_text())


def workspace_veil(tmp: Path) -> Veil:
    """A Veil whose catalog commands use the workspace ``tmp/ws``, acting as alice."""
    veil = Veil(tmp)
    veil.env["VEIL_WORKSPACE"] = str(tmp / "ws")
    veil.env["VEIL_ACTOR"] = "alice"
    return veil


def output_sink(veil: Veil, out: str = "out") -> Any:
    """The output ``tmp/out``, read with the test key."""
    ring = Keyring.from_key(bytes.fromhex(KEY_HEX))
    return open_sink(str(veil.tmp / out), format="parquet", encrypt=True, keyring=ring)


def approved_job(veil: Veil, *, seed: str = "1", persons: int = 120, run: bool = True) -> str:
    """A synthetic-users job into ``tmp/out``: created, dry-run, approved by bob, and run
    (unless ``run`` is false); its id."""
    job_id = veil(
        "job", "create", "--output", str(veil.tmp / "out"), "--reference-date", "2026-11-22",
        "--no-report", "--persons", str(persons), "--seed", seed,
    ).stdout.strip()  # fmt: skip
    veil("job", "dry-run", job_id, "--sample-rows", "20")
    veil("job", "approve", job_id, "--reason", "reviewed", env={"VEIL_ACTOR": "bob"})
    if run:
        veil("job", "run", job_id, "-q")
    return job_id


def audit_entries(workspace: Path) -> list[dict]:
    """The workspace's audit entries (as exported: dicts, oldest first)."""
    with CatalogAuditLog(catalog_url(workspace)) as log:
        return [e.to_dict() for e in log.entries()]


def subject_ref(workspace: Path, subject: str) -> str:
    """The subject's keyed reference under the workspace's audit key."""
    with open_audit_log(workspace, generate_key=False) as log:
        return log.subject_ref(subject)


def audit_table_text(workspace: Path) -> str:
    """Every column of every row of the workspace's ``audit_log`` table, as text."""
    engine = make_engine(catalog_url(workspace))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT * FROM audit_log ORDER BY seq")).all()
    finally:
        engine.dispose()
    return "\n".join("\t".join(str(v) for v in row) for row in rows)


@pytest.fixture
def veil(tmp_path: Path) -> Veil:
    return Veil(tmp_path)
