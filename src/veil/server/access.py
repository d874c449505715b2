"""Who is calling, and may they: the bearer token and role checks of the routes.

:func:`require` makes a FastAPI dependency that returns the caller's
:class:`~veil.server.auth.User` from ``Authorization: Bearer TOKEN``, or answers 401 (no
token, or one that is unknown, expired or revoked; with ``WWW-Authenticate: Bearer``) or 403
(the caller has none of the roles the route needs, which the message names). A role is never
implied by another: ``admin`` manages users, and reads data only if it also has the role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from veil.server.auth import ROLES, User
from veil.server.state import ServerState

bearer = HTTPBearer(auto_error=False, description="A token from POST /auth/login.")
_LOG_IN = "log in with POST /auth/login and send the token as 'Authorization: Bearer TOKEN'"


def server_state(request: Request) -> ServerState:
    """The app's open catalog handles (set by :func:`~veil.server.app.create_app`)."""
    state: ServerState = request.app.state.veil
    return state


def remote(request: Request) -> str | None:
    """The client's address, for the audit log."""
    return request.client.host if request.client else None


def _unauthorized(message: str, challenge: str = "Bearer") -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": challenge}
    )


def _either(roles: tuple[str, ...]) -> str:
    return roles[0] if len(roles) == 1 else f"{', '.join(roles[:-1])} or {roles[-1]}"


def require(*roles: str) -> Callable[..., User]:
    """A dependency: the calling user, who must hold at least one of ``roles`` (none: any
    logged-in user)."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:  # a mistake in a route's declaration, found when the app is built
        raise ValueError(f"unknown roles {unknown}; the roles are {', '.join(ROLES)}")

    def caller(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> User:
        if credentials is None:
            raise _unauthorized(f"this needs a bearer token: {_LOG_IN}")
        user = server_state(request).users.resolve(credentials.credentials)
        if user is None:
            raise _unauthorized(
                f"the bearer token is invalid, expired or revoked: {_LOG_IN}",
                'Bearer error="invalid_token"',
            )
        if roles and not set(roles) & set(user.roles):
            held = ", ".join(user.roles)
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this needs the role {_either(roles)}; {user.name} has {held}",
            )
        return user

    return caller
