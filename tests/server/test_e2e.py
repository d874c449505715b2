"""`veil serve` for real: a uvicorn subprocess on a free loopback port against a temporary
workspace; log in over HTTP with httpx, call a guarded route, log out; stop the server with
SIGTERM; then the audit log holds the logins, the failure and the logout, and verifies. The
server's own output never shows the password or the token. And a differentially private query
over HTTP on a dataset `veil run` wrote, charged to the analyst's budget."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from veil.audit import open_audit_log

from .live import PASSWORD, Served, add_user, serving, users_with_a_budget


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    workspace = tmp_path / "ws"
    add_user(workspace, "ana", "analyst")
    add_user(workspace, "aud", "auditor")
    with serving(workspace, tmp_path / "serve.log") as server:
        yield server


@pytest.mark.e2e
def test_login_guarded_route_logout_over_http(served: Served, tmp_path: Path) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as http:
        wrong = http.post("/auth/login", json={"user": "ana", "password": "not it at all"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        login = http.post("/auth/login", json={"user": "ana", "password": PASSWORD})
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert http.get("/datasets", headers=headers).json() == []
        assert http.get("/audit/verify", headers=headers).status_code == 403
        assert http.post("/auth/logout", headers=headers).status_code == 204
        assert http.get("/datasets", headers=headers).status_code == 401
        auditor = http.post("/auth/login", json={"user": "aud", "password": PASSWORD}).json()
        verified = http.get(
            "/audit/verify", headers={"Authorization": f"Bearer {auditor['token']}"}
        )
        assert verified.json()["ok"] is True

    assert served.stop() in (0, -signal.SIGTERM)
    output = served.output()
    assert "Application shutdown complete" in output and "Finished server process" in output
    assert PASSWORD not in output and token not in output and auditor["token"] not in output

    with open_audit_log(tmp_path / "ws", {}) as log:
        assert log.verify().ok
        seen = [(e.action, e.actor, e.details.get("remote")) for e in log.entries()]
    assert [s for s in seen if s[0].startswith(("login", "logout"))] == [
        ("login.failed", "ana", "127.0.0.1"),
        ("login", "ana", "127.0.0.1"),
        ("logout", "ana", "127.0.0.1"),
        ("login", "aud", "127.0.0.1"),
    ]


@pytest.mark.e2e
def test_a_differentially_private_query_over_http(served: Served, tmp_path: Path) -> None:
    rows = users_with_a_budget(tmp_path / "ws", tmp_path / "out")
    with httpx.Client(base_url=served.url, timeout=60) as http:
        login = http.post("/auth/login", json={"user": "ana", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        body = {"dataset": "users", "kind": "count", "epsilon": 0.5}
        response = http.post("/query", json=body, headers=headers)
        assert response.status_code == 200, response.text
        answer = response.json()
        refused = http.post("/query", json={**body, "epsilon": 0.75}, headers=headers)
    assert answer["mechanism"] == "discrete laplace" and answer["cost"]["epsilon"] == 0.5
    assert abs(answer["value"] - rows) <= 30  # discrete Laplace, scale 2
    assert answer["budget"]["remaining"]["epsilon"] == 0.5
    assert refused.status_code == 409 and "remaining ε=0.5" in refused.json()["error"]["message"]

    assert served.stop() in (0, -signal.SIGTERM)
    with open_audit_log(tmp_path / "ws", {}) as log:
        assert log.verify().ok
        spent = [(e.action, e.actor) for e in log.entries() if e.action.startswith("budget.")]
    assert spent == [("budget.set", "root"), ("budget.charge", "ana"), ("budget.refused", "ana")]
