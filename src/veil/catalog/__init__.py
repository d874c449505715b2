"""The catalog: veil's own database (SQLite in a workspace, PostgreSQL in server mode).

It holds the privacy-budget ledger (:mod:`veil.analytics.dp.ledger`) and the hash-chained
audit log (:mod:`veil.audit.chain`); datasets, versions and jobs join it.
:mod:`veil.catalog.db` builds the engine, holds the one SQLAlchemy ``MetaData`` every catalog
table is declared on, and migrates the database (:func:`upgrade`, Alembic revisions in
``veil/catalog/migrations/``).
"""

from veil.catalog.db import (
    ENV_DATABASE_URL,
    catalog_url,
    create_tables,
    current_revision,
    head_revision,
    make_engine,
    metadata,
    upgrade,
    write_transaction,
)

__all__ = [
    "ENV_DATABASE_URL",
    "catalog_url",
    "create_tables",
    "current_revision",
    "head_revision",
    "make_engine",
    "metadata",
    "upgrade",
    "write_transaction",
]
