"""Alembic's environment for the catalog migrations (run by :func:`veil.catalog.db.upgrade`).

:func:`~veil.catalog.db.upgrade` passes a connection in ``config.attributes["connection"]``:
the migrations then run inside its transaction, which holds the catalog's write lock. Without
one (``alembic.command`` called with a bare :func:`~veil.catalog.db.alembic_config`), the
database is ``sqlalchemy.url`` or ``VEIL_DATABASE_URL``, migrated under the same lock.
"""

from __future__ import annotations

import os
from typing import Any

from alembic import context

from veil.catalog.db import (
    ENV_DATABASE_URL,
    _schema_lock,
    load_models,
    make_engine,
    write_transaction,
)

config = context.config
target_metadata = load_models()


def _run(connection: Any) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(ENV_DATABASE_URL)
    if not url:
        raise SystemExit(f"no catalog database: set sqlalchemy.url or {ENV_DATABASE_URL}")
    return url


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif "connection" in config.attributes:
    _run(config.attributes["connection"])
else:
    engine = make_engine(_url())
    try:
        with write_transaction(engine) as conn:
            _schema_lock(conn)
            _run(conn)
    finally:
        engine.dispose()
