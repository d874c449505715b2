"""The HTTP server: users, roles and sessions in the catalog, and the FastAPI app.

:class:`UserStore` keeps users (argon2id password hashes, roles from :data:`ROLES`) and
sessions (SHA-256 of opaque bearer tokens) and audits every login, failure and logout;
:func:`create_app` builds the app that ``veil serve`` runs. The app (FastAPI) is imported only
when ``create_app`` is first used: the catalog's migrations import this package for its tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from veil.server.auth import (
    DEFAULT_SESSION_TTL,
    ROLES,
    AccountLockedError,
    AuthenticationError,
    Session,
    User,
    UserStore,
)

if TYPE_CHECKING:
    from veil.server.app import create_app

__all__ = [
    "DEFAULT_SESSION_TTL",
    "ROLES",
    "AccountLockedError",
    "AuthenticationError",
    "Session",
    "User",
    "UserStore",
    "create_app",
]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from veil.server.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
