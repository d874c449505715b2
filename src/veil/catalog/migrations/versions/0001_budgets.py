"""The privacy-budget ledger: budgets, charges, budget_events (veil.analytics.dp.ledger).

Exactly the tables ``create_tables`` made before migrations, so such a catalog is stamped at
this revision. Amounts are exact decimals: NUMERIC on PostgreSQL, their text on SQLite.

Revision ID: 0001_budgets
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_budgets"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AMOUNT = sa.Text().with_variant(postgresql.NUMERIC(), "postgresql")
_NAME = 200


def _amount(name: str) -> sa.Column:
    return sa.Column(name, _AMOUNT, nullable=False)


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("analyst", sa.String(_NAME), nullable=False),
        sa.Column("dataset", sa.String(_NAME), nullable=False),
        _amount("cap_epsilon"),
        _amount("cap_delta"),
        _amount("spent_epsilon"),
        _amount("spent_delta"),
        _amount("spent_rho"),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("analyst", "dataset", name="uq_budgets_analyst_dataset"),
    )
    op.create_table(
        "charges",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("analyst", sa.String(_NAME), nullable=False),
        sa.Column("dataset", sa.String(_NAME), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        _amount("epsilon"),
        _amount("delta"),
        _amount("rho"),
        sa.Column("mechanism", sa.String(_NAME), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
    )
    op.create_index("ix_charges_analyst_dataset", "charges", ["analyst", "dataset", "id"])
    op.create_table(
        "budget_events",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("analyst", sa.String(_NAME), nullable=False),
        sa.Column("dataset", sa.String(_NAME), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(_NAME), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _amount("cap_epsilon"),
        _amount("cap_delta"),
        _amount("spent_epsilon"),
        _amount("spent_delta"),
        _amount("spent_rho"),
    )
    op.create_index(
        "ix_budget_events_analyst_dataset", "budget_events", ["analyst", "dataset", "id"]
    )


def downgrade() -> None:
    op.drop_table("budget_events")
    op.drop_table("charges")
    op.drop_table("budgets")
