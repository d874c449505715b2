"""Fixtures of the server tests: a clock the test moves, a fast argon2id hasher, a user store on
each catalog database, and an app on a temporary workspace with one user per role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from veil.audit import CatalogAuditLog
from veil.server import ROLES, UserStore, create_app
from veil.server.auth import name_key
from veil.server.state import Settings

AUDIT_KEY = bytes(range(32))
PASSWORD = "correct horse battery staple"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""argon2id with the smallest cost: the tests check behaviour, not the work factor."""
#: one user per role in the app fixture, named after it
ROLE_USERS = {role: f"{role}-user" for role in ROLES}


class Clock:
    """UTC now, as the test sets it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def audit(db_url: str) -> Iterator[CatalogAuditLog]:
    with CatalogAuditLog(db_url, AUDIT_KEY) as log:
        yield log


@pytest.fixture
def store(db_url: str, audit: CatalogAuditLog, clock: Clock) -> Iterator[UserStore]:
    with UserStore(db_url, audit, name_key=name_key(AUDIT_KEY), clock=clock, hasher=FAST) as users:
        yield users


def entries(log: CatalogAuditLog, *actions: str) -> list[Any]:
    """The log's entries of these actions (all without), oldest first."""
    found = log.entries()
    return [e for e in found if not actions or e.action in actions]


@pytest.fixture
def environ() -> dict[str, str]:
    """The environment the app reads (none of the process's); a module overrides it."""
    return {}


@pytest.fixture
def app(tmp_path: Path, clock: Clock, environ: dict[str, str]) -> FastAPI:
    """An app on ``tmp_path/ws`` (SQLite; its audit key generated there) with the users of
    :data:`ROLE_USERS`, each holding the one role, password :data:`PASSWORD`."""
    settings = Settings(clock=clock, hasher=FAST)
    application = create_app(tmp_path / "ws", settings, environ=environ)
    users = application.state.veil.users
    for role, name in ROLE_USERS.items():
        users.add_user(name, PASSWORD, [role], actor="root", reason="test users")
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def login(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    """The Authorization header of a fresh login (which must succeed)."""
    response = client.post("/auth/login", json={"user": name, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def error_message(response: Any, status: int) -> str:
    """The message of an error response, checking the one error shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"] and set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == status
    return str(body["error"]["message"])
