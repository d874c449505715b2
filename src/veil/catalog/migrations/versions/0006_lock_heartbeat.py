"""A heartbeat on dataset locks (0006).

``dataset_locks`` gains ``heartbeat_at``: the holder's process refreshes it while it works, so
a lock held from another host, whose process cannot be looked up, is judged dead once its
heartbeat is older than the lock lifetime (``VEIL_LOCK_TTL``, see
:mod:`veil.catalog.catalog`). A lock taken before this revision has none: its
``acquired_at`` counts as its last beat.

Revision ID: 0006_lock_heartbeat
Revises: 0005_users
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_lock_heartbeat"
down_revision: str | Sequence[str] | None = "0005_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "dataset_locks", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("dataset_locks") as batch:
        batch.drop_column("heartbeat_at")
