"""Datasets, versions, jobs, their transitions, dataset locks, settings (veil.catalog.models).

Revision ID: 0003_jobs
Revises: 0002_audit
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_jobs"
down_revision: str | Sequence[str] | None = "0002_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_NAME, _VERSION, _ACTOR, _JOB = 128, 160, 200, 64


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.String(length) if length else sa.Text(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "datasets",
        _text("name", _NAME, False),
        _text("output", None, False),
        _text("current_version_id", _VERSION),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        _text("hold_reason"),
        _text("hold_actor", _ACTOR),
        _when("hold_at", nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "dataset_versions",
        _text("dataset", _NAME, False),
        _text("version_id", _VERSION, False),
        _text("job_id", _JOB),
        _text("run_id", _VERSION),
        _when("created_at"),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        _text("policy_name", _ACTOR, False),
        _text("policy_hash", 64, False),
        _text("key_id", 64),
        _text("veil_version", 64, False),
        _text("reference_date", 10),
        _text("format", 32),
        sa.Column("encrypted", sa.Boolean(), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("rows_in", sa.BigInteger(), nullable=False),
        sa.Column("rows_out", sa.BigInteger(), nullable=False),
        sa.Column("rows_suppressed", sa.BigInteger(), nullable=False),
        sa.Column("rows_quarantined", sa.BigInteger(), nullable=False),
        sa.Column("k_before", sa.Integer(), nullable=True),
        sa.Column("k_after", sa.Integer(), nullable=True),
        sa.Column("privacy", sa.JSON(), nullable=True),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["dataset"], ["datasets.name"]),
        sa.PrimaryKeyConstraint("dataset", "version_id"),
    )
    op.create_index(
        "ix_dataset_versions_dataset_created", "dataset_versions", ["dataset", "created_at"]
    )
    op.create_table(
        "jobs",
        _text("id", _JOB, False),
        _text("dataset", _NAME, False),
        _text("output", None, False),
        _text("state", 16, False),
        sa.Column("four_eyes", sa.Boolean(), nullable=False),
        _text("created_by", _ACTOR, False),
        _when("created_at"),
        _when("updated_at"),
        _text("policy_ref", None, False),
        _text("policy_name", _ACTOR, False),
        _text("policy_hash", 64, False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("dry_run", sa.JSON(), nullable=True),
        _text("approved_by", _ACTOR),
        _when("approved_at", nullable=True),
        _text("approval_reason"),
        _text("previous_version_id", _VERSION),
        _text("version_id", _VERSION),
        _text("run_id", _VERSION),
        _text("runner_host", 255),
        sa.Column("runner_pid", sa.Integer(), nullable=True),
        _text("runner_token", 64),
        _when("started_at", nullable=True),
        _when("finished_at", nullable=True),
        _text("error"),
        sa.ForeignKeyConstraint(["dataset"], ["datasets.name"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_jobs_dataset_created", "jobs", ["dataset", "created_at"])
    op.create_index("ix_jobs_state", "jobs", ["state"])
    op.create_table(
        "job_transitions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        _text("job_id", _JOB, False),
        _text("from_state", 16),
        _text("to_state", 16, False),
        _text("actor", _ACTOR, False),
        _when("at"),
        _text("reason", None, False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
    )
    op.create_index("ix_job_transitions_job", "job_transitions", ["job_id", "id"])
    op.create_table(
        "dataset_locks",
        _text("dataset", _NAME, False),
        _text("job_id", _JOB, False),
        _text("host", 255, False),
        sa.Column("pid", sa.Integer(), nullable=False),
        _text("token", 64),
        _when("acquired_at"),
        sa.ForeignKeyConstraint(["dataset"], ["datasets.name"]),
        sa.PrimaryKeyConstraint("dataset"),
    )
    op.create_table(
        "catalog_settings",
        _text("name", 100, False),
        _text("value", None, False),
        _text("updated_by", _ACTOR, False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    for table in (
        "catalog_settings",
        "dataset_locks",
        "job_transitions",
        "jobs",
        "dataset_versions",
        "datasets",
    ):
        op.drop_table(table)
