"""What the app holds while it runs: the workspace's audit log, users, catalog, budgets and
the private tables the query routes keep open.

Everything is opened once when the app is made (a catalog that cannot be reached, or an audit
log whose key does not match, stops ``veil serve`` before it listens) and closed when the app
shuts down. The private tables are opened at their first query (:mod:`veil.server.tables`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher

from veil.analytics.dp.ledger import Ledger
from veil.audit import CatalogAuditLog, open_audit_log
from veil.catalog.catalog import Catalog
from veil.catalog.db import catalog_url
from veil.server.auth import DEFAULT_SESSION_TTL, UserStore, name_key, utc_now
from veil.server.tables import PrivateTables


@dataclass(frozen=True)
class ServerState:
    """The app's open handles on the workspace's catalog."""

    audit: CatalogAuditLog
    users: UserStore
    catalog: Catalog
    ledger: Ledger
    tables: PrivateTables

    def close(self) -> None:
        for handle in (self.tables, self.ledger, self.catalog, self.users, self.audit):
            handle.close()


@dataclass(frozen=True)
class Settings:
    """How the server runs: session lifetime, and (for tests) the clock and password hasher."""

    session_ttl: timedelta = DEFAULT_SESSION_TTL
    clock: Callable[[], datetime] = utc_now
    hasher: PasswordHasher | None = None


def open_state(
    workspace: Path, settings: Settings, environ: Mapping[str, str] | None = None
) -> ServerState:
    """Open the workspace's audit log (its key generated if none is configured and the log is
    empty), users, catalog and ledger, all of them auditing to that log; and the private
    tables, which read datasets with the workspace's master key (``VEIL_MASTER_KEY``,
    ``VEIL_KEY_FILE`` or the workspace key, from ``environ``)."""
    audit = open_audit_log(workspace, environ)
    opened: list[CatalogAuditLog | UserStore | Catalog] = [audit]
    try:
        url = catalog_url(workspace, environ)
        users = UserStore(
            url,
            audit,
            name_key=name_key(audit.key.key) if audit.key is not None else None,
            clock=settings.clock,
            session_ttl=settings.session_ttl,
            hasher=settings.hasher,
        )
        opened.append(users)
        catalog = Catalog(url, audit=audit)
        opened.append(catalog)
        ledger = Ledger(url, audit=audit)
        tables = PrivateTables(catalog, ledger, workspace, environ)
        return ServerState(audit, users, catalog, ledger, tables)
    except BaseException:
        for handle in reversed(opened):
            handle.close()
        raise
