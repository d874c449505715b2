"""The catalog: veil's own database (SQLite in a workspace, PostgreSQL in server mode).

For now it holds the privacy-budget ledger (:mod:`veil.analytics.dp.ledger`); datasets,
versions, jobs and the audit log will join it. :mod:`veil.catalog.db` builds the engine and
holds the one SQLAlchemy ``MetaData`` every catalog table is declared on.
"""

from veil.catalog.db import (
    ENV_DATABASE_URL,
    catalog_url,
    create_tables,
    make_engine,
    metadata,
    write_transaction,
)

__all__ = [
    "ENV_DATABASE_URL",
    "catalog_url",
    "create_tables",
    "make_engine",
    "metadata",
    "write_transaction",
]
