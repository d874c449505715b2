"""Versions deleted by retention or erasure, and versions derived from another (0004).

``dataset_versions`` gains ``deleted_at`` (the version's files were deleted: by ``veil gc``
under the dataset's retention, or by ``veil subject erase``; the row and its lineage stay),
``derived_from`` (the version a non-job version was made from: an erasure's new version names
the version it removed rows from) and ``change`` (what that derivation did, as counts and
references: ``{"kind": "erasure", "subject": "sha256:…", "rows_removed": 3}``).

Revision ID: 0004_retention
Revises: 0003_jobs
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_retention"
down_revision: str | Sequence[str] | None = "0003_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "dataset_versions", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("dataset_versions", sa.Column("derived_from", sa.String(160), nullable=True))
    op.add_column("dataset_versions", sa.Column("change", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dataset_versions") as batch:
        batch.drop_column("change")
        batch.drop_column("derived_from")
        batch.drop_column("deleted_at")
