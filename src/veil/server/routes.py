"""The routes: health, login and logout, the role-guarded reads of the catalog, and
differentially private queries.

=====================  ============================  =========================================
route                  roles                         answers
=====================  ============================  =========================================
GET /health            none (no token)               ``{"status": "ok"}``
POST /auth/login       none                          a bearer token, its expiry, user, roles
POST /auth/logout      any logged-in user            204; the token is revoked
GET /auth/me           any logged-in user            the caller: name, roles
GET /datasets          analyst, engineer, auditor    the catalog's datasets, current versions
GET /audit/verify      auditor                       the audit chain's verification
GET /audit/entries     auditor                       the newest audit entries (``limit``)
GET /budget            analyst                       the caller's own privacy budgets
POST /query            analyst                       a DP aggregate charged to the caller
POST /query/report     analyst                       the run report's questions in DP form
GET /users             admin                         the users (never a password hash)
=====================  ============================  =========================================

Handlers are plain functions: FastAPI runs them in its thread pool, since the catalog,
argon2 and DuckDB block. The query bodies and their refusals are in :mod:`veil.server.queries`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from veil.catalog.catalog import Catalog, Dataset
from veil.server.access import bearer, remote, require, server_state
from veil.server.auth import MAX_PASSWORD, AccountLockedError, AuthenticationError, User
from veil.server.queries import QueryBody, ReportQuery, refusals
from veil.server.state import ServerState

router = APIRouter()
State = Annotated[ServerState, Depends(server_state)]
Analyst = Annotated[User, Depends(require("analyst"))]
_VERSION_FIELDS = (
    "version_id",
    "created_at",
    "policy_name",
    "policy_hash",
    "key_id",
    "format",
    "encrypted",
    "rows_out",
    "k_after",
)


class LoginRequest(BaseModel):
    """The body of ``POST /auth/login``. The password is a ``SecretStr``: masked if the model
    is ever printed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user: str = Field(min_length=1, max_length=256)
    password: SecretStr = Field(min_length=1, max_length=MAX_PASSWORD)


class LoginResponse(BaseModel):
    token: str
    expires_at: datetime
    user: str
    roles: list[str]


@router.get("/health", tags=["server"])
def health() -> dict[str, str]:
    """Whether the server answers (no token needed)."""
    return {"status": "ok"}


@router.post("/auth/login", tags=["auth"])
def login(body: LoginRequest, request: Request, response: Response, st: State) -> LoginResponse:
    """Exchange a user name and password for a bearer token (audited either way)."""
    try:
        password = body.password.get_secret_value()
        session = st.users.authenticate(body.user, password, remote(request))
    except AccountLockedError as exc:
        wait = {"Retry-After": str(exc.retry_after)}
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc), headers=wait) from None
    except AuthenticationError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None
    response.headers["Cache-Control"] = "no-store"  # a token: no cache may keep it
    return LoginResponse(
        token=session.token,
        expires_at=session.expires_at,
        user=session.user.name,
        roles=list(session.user.roles),
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
def logout(
    request: Request,
    st: State,
    _user: Annotated[User, Depends(require())],
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
) -> None:
    """Revoke the caller's token (audited)."""
    st.users.logout(credentials.credentials, remote(request))


@router.get("/auth/me", tags=["auth"])
def me(user: Annotated[User, Depends(require())]) -> dict[str, Any]:
    """The calling user."""
    return {"user": user.name, "roles": list(user.roles)}


def _dataset(catalog: Catalog, ds: Dataset) -> dict[str, Any]:
    """A dataset and a summary of its current version (lineage references and counts)."""
    current = None
    if ds.current_version_id is not None:
        version = catalog.version(ds.name, ds.current_version_id)
        if version is not None:
            full = version.to_dict()
            current = {name: full[name] for name in _VERSION_FIELDS}
    return {**ds.to_dict(), "current_version": current}


@router.get("/datasets", tags=["catalog"])
def datasets(
    st: State, _user: Annotated[User, Depends(require("analyst", "engineer", "auditor"))]
) -> list[dict[str, Any]]:
    """The catalog's datasets, each with its current version."""
    return [_dataset(st.catalog, ds) for ds in st.catalog.datasets()]


@router.get("/audit/verify", tags=["audit"])
def audit_verify(st: State, _user: Annotated[User, Depends(require("auditor"))]) -> dict[str, Any]:
    """Check the audit log's hash chain (as ``veil audit verify``)."""
    return st.audit.verify().to_dict()


@router.get("/audit/entries", tags=["audit"])
def audit_entries(
    st: State,
    _user: Annotated[User, Depends(require("auditor"))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    action: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    """The newest entries, oldest first (as ``veil audit list``)."""
    return [e.to_dict() for e in st.audit.entries(action=action, limit=limit)]


@router.get("/budget", tags=["budget"])
def budget(st: State, user: Annotated[User, Depends(require("analyst"))]) -> list[dict[str, Any]]:
    """The caller's privacy budgets: the ledger's analyst is the user's name."""
    return [b.to_dict() for b in st.ledger.budgets_of(user.name)]


@router.post("/query", tags=["query"])
def query(body: QueryBody, st: State, user: Analyst) -> dict[str, Any]:
    """A differentially private aggregate over the dataset's current version, charged to the
    caller's budget on it: the answer (value, interval, mechanism, scale, cost), the version
    asked and the budget after the charge."""
    with refusals(), st.tables.use(body.dataset, user.name, body.confidence) as (table, version):
        answer = body.ask(table).to_dict()
    return {**answer, **_asked(st, user, body.dataset, version)}


@router.post("/query/report", tags=["query"])
def query_report(body: ReportQuery, st: State, user: Analyst) -> dict[str, Any]:
    """The run report's questions in DP form (as ``veil query report``), charged to the
    caller's budget on the dataset."""
    with refusals(), st.tables.use(body.dataset, user.name, body.confidence) as (table, version):
        report = body.ask(table)
    return {"report": report, **_asked(st, user, body.dataset, version)}


def _asked(st: ServerState, user: User, dataset: str, version: str) -> dict[str, Any]:
    """The rest of a query's answer: the version asked, and the caller's budget after the
    charge (as ``GET /budget`` shows it), so a dashboard need not ask twice."""
    left = st.ledger.budget(user.name, dataset).to_dict()
    return {"dataset": dataset, "version_id": version, "budget": left}


@router.get("/users", tags=["users"])
def list_users(
    st: State, _user: Annotated[User, Depends(require("admin"))]
) -> list[dict[str, Any]]:
    """The users, their roles and state (as ``veil user list``)."""
    return [u.to_dict() for u in st.users.users()]
