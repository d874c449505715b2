"""The app through FastAPI's TestClient: login and logout, one error shape, 401 without a valid
token and 403 without the role, each route's roles, and what the routes answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from veil.analytics.dp.ledger import Ledger
from veil.catalog.catalog import Catalog
from veil.server import ROLES
from veil.server.auth import LOCKOUT, MAX_FAILURES

from ..conftest import version_row
from .conftest import PASSWORD, ROLE_USERS, Clock, entries, error_message, login

#: every guarded route and the roles that may call it
GUARDED = {
    ("GET", "/auth/me"): set(ROLES),
    ("POST", "/auth/logout"): set(ROLES),
    ("GET", "/datasets"): {"analyst", "engineer", "auditor"},
    ("GET", "/audit/verify"): {"auditor"},
    ("GET", "/audit/entries"): {"auditor"},
    ("GET", "/budget"): {"analyst"},
    ("POST", "/query"): {"analyst"},
    ("POST", "/query/report"): {"analyst"},
    ("GET", "/users"): {"admin"},
}
PUBLIC = {("GET", "/health"), ("POST", "/auth/login")}
#: what a caller with the role gets without a body, where that is not a success
ADMITTED = {("POST", "/query"): 422, ("POST", "/query/report"): 422}


def test_every_route_is_in_the_role_table(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    routes = {(method.upper(), path) for path, item in paths.items() for method in item}
    assert routes == set(GUARDED) | PUBLIC


def test_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_login_returns_a_token_for_the_user(client: TestClient, clock: Clock) -> None:
    response = client.post("/auth/login", json={"user": "analyst-user", "password": PASSWORD})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"token", "expires_at", "user", "roles"}
    assert (body["user"], body["roles"]) == ("analyst-user", ["analyst"])
    assert datetime.fromisoformat(body["expires_at"]) == clock.now.replace(hour=18)
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json() == {"user": "analyst-user", "roles": ["analyst"]}


@pytest.mark.parametrize(
    ("user", "password"),
    [("analyst-user", "wrong password"), ("nobody", PASSWORD), ("analyst-user", PASSWORD[:-1])],
)
def test_a_failed_login_is_a_generic_401(client: TestClient, user: str, password: str) -> None:
    response = client.post("/auth/login", json={"user": user, "password": password})
    assert error_message(response, 401) == "invalid user name or password"
    assert response.headers["www-authenticate"] == "Bearer"


def test_five_failures_answer_429_until_the_lock_ends(
    app: FastAPI, client: TestClient, clock: Clock
) -> None:
    body = {"user": "analyst-user", "password": "wrong password"}
    statuses = [client.post("/auth/login", json=body).status_code for _ in range(MAX_FAILURES)]
    assert statuses == [401] * (MAX_FAILURES - 1) + [429]
    right = {"user": "analyst-user", "password": PASSWORD}
    locked = client.post("/auth/login", json=right)
    assert "locked" in error_message(locked, 429)
    assert locked.headers["retry-after"] == str(int(LOCKOUT.total_seconds()))
    clock.advance(minutes=15)
    assert client.post("/auth/login", json=right).status_code == 200
    log = app.state.veil.audit
    assert [e.action for e in entries(log, "login.locked")] == ["login.locked"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"user": "analyst-user"}, "body.password: Field required"),
        ({"user": "analyst-user", "password": 12345678901234}, "body.password: Input should be"),
        ({"user": "", "password": PASSWORD}, "body.user: String should have at least 1 character"),
        (
            {"user": "a", "password": PASSWORD, "remember": True},
            "body: Extra inputs are not permitted",
        ),
    ],
)
def test_invalid_login_bodies_are_named_not_echoed(
    client: TestClient, body: dict[str, Any], message: str
) -> None:
    response = client.post("/auth/login", json=body)
    text = error_message(response, 422)
    assert message in text
    for sent in (PASSWORD, "12345678901234", "remember"):
        assert sent not in response.text


def test_logout_revokes_the_token(app: FastAPI, client: TestClient) -> None:
    headers = login(client, "analyst-user")
    other = login(client, "analyst-user")
    assert client.post("/auth/logout", headers=headers).status_code == 204
    refused = client.get("/auth/me", headers=headers)
    assert "invalid, expired or revoked" in error_message(refused, 401)
    assert refused.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert client.get("/auth/me", headers=other).status_code == 200
    (logout,) = entries(app.state.veil.audit, "logout")
    assert (logout.actor, logout.details["remote"]) == ("analyst-user", "testclient")


def test_a_token_expires(client: TestClient, clock: Clock) -> None:
    headers = login(client, "auditor-user")
    clock.advance(hours=7, minutes=59)
    assert client.get("/audit/verify", headers=headers).status_code == 200
    clock.advance(minutes=1)
    assert "expired" in error_message(client.get("/audit/verify", headers=headers), 401)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer not-a-token", "Basic YWxpY2U6c2VjcmV0"]
)
def test_no_valid_token_is_401(client: TestClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in GUARDED:
        response = client.request(method, path, headers=headers)
        assert "log in with POST /auth/login" in error_message(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), sorted(GUARDED))
@pytest.mark.parametrize("role", ROLES)
def test_each_route_admits_its_roles_only(
    client: TestClient, method: str, path: str, role: str
) -> None:
    response = client.request(method, path, headers=login(client, ROLE_USERS[role]))
    allowed = GUARDED[(method, path)]
    if role in allowed:
        admitted = ADMITTED.get((method, path))
        assert response.status_code in ((admitted,) if admitted else (200, 204)), response.text
        return
    message = error_message(response, 403)
    assert message.startswith("this needs the role ")
    assert all(needed in message for needed in allowed)
    assert message.endswith(f"{ROLE_USERS[role]} has {role}")


def test_admin_gets_no_other_role(client: TestClient) -> None:
    headers = login(client, "admin-user")
    for path in ("/datasets", "/audit/verify", "/budget"):
        assert client.get(path, headers=headers).status_code == 403


def test_a_disabled_users_token_stops_working(app: FastAPI, client: TestClient) -> None:
    headers = login(client, "engineer-user")
    app.state.veil.users.disable("engineer-user", actor="root", reason="left")
    assert client.get("/datasets", headers=headers).status_code == 401


def test_datasets_lists_the_catalog_with_current_versions(app: FastAPI, client: TestClient) -> None:
    catalog: Catalog = app.state.veil.catalog
    catalog.register_dataset("users", "/data/out", actor="root")
    catalog.add_version(version_row("users", "v1"))
    catalog.register_dataset("events", "/data/out", actor="root")
    body = client.get("/datasets", headers=login(client, "analyst-user")).json()
    assert [d["name"] for d in body] == ["events", "users"]
    events, users = body
    assert events["current_version"] is None
    assert users["current_version_id"] == "v1" and users["output"] == "/data/out"
    assert users["current_version"] == {
        "version_id": "v1",
        "created_at": "2026-11-22T00:00:00+00:00",
        "policy_name": "randomuser",
        "policy_hash": "ab" * 32,
        "key_id": "k000000000000",
        "format": "parquet",
        "encrypted": True,
        "rows_out": 10,
        "k_after": 5,
    }


def test_budget_shows_the_callers_own_budgets(app: FastAPI, client: TestClient) -> None:
    ledger: Ledger = app.state.veil.ledger
    ledger.set_cap("analyst-user", "users", 1.0, 1e-6, actor="root", reason="Q4")
    ledger.set_cap("analyst-user", "events", 0.5, 0.0, actor="root", reason="Q4")
    ledger.set_cap("someone-else", "users", 9.0, 0.0, actor="root", reason="Q4")
    body = client.get("/budget", headers=login(client, "analyst-user")).json()
    assert [(b["analyst"], b["dataset"], b["cap"]["epsilon"]) for b in body] == [
        ("analyst-user", "events", 0.5),
        ("analyst-user", "users", 1.0),
    ]
    assert body[1]["remaining"] == {"epsilon": 1.0, "delta": 1e-6}


def test_audit_routes_verify_and_list_the_log(client: TestClient) -> None:
    headers = login(client, "auditor-user")
    client.post("/auth/login", json={"user": "nobody", "password": "guess"})
    verified = client.get("/audit/verify", headers=headers).json()
    assert verified["ok"] is True and verified["entries"] == verified["last_seq"]
    newest = client.get("/audit/entries", params={"limit": 2}, headers=headers).json()
    assert [(e["action"], e["actor"]) for e in newest] == [
        ("login", "auditor-user"),
        ("login.failed", "unknown"),
    ]
    logins = client.get("/audit/entries", params={"action": "login"}, headers=headers).json()
    assert {e["actor"] for e in logins} == {"auditor-user"}
    too_many = client.get("/audit/entries", params={"limit": 0}, headers=headers)
    assert "query.limit" in error_message(too_many, 422)


def test_users_lists_users_without_hashes(client: TestClient) -> None:
    response = client.get("/users", headers=login(client, "admin-user"))
    users = response.json()
    assert [u["name"] for u in users] == sorted(ROLE_USERS.values())
    assert "argon2" not in response.text and "hash" not in response.text


def test_unknown_paths_have_the_error_shape(client: TestClient) -> None:
    assert error_message(client.get("/no/such/route"), 404) == "Not Found"
    assert error_message(client.get("/auth/login"), 405) == "Method Not Allowed"


def test_an_unexpected_error_is_a_500_that_withholds_details(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken() -> list[Any]:
        raise RuntimeError("SELECT ... parameters: ('secret-value',)")

    monkeypatch.delenv("VEIL_DEBUG", raising=False)
    monkeypatch.setattr(app.state.veil.catalog, "datasets", broken)
    response = client.get("/datasets", headers=login(client, "analyst-user"))
    assert error_message(response, 500) == "internal error: RuntimeError (details withheld)"
    assert "secret-value" not in response.text and "secret-value" not in caplog.text
    assert "internal error in GET /datasets: RuntimeError" in caplog.text
