"""The leak test of logins: distinctive passwords, a password typed into the name field and a
session token must appear nowhere veil keeps or prints: not in any file of the workspace
(the SQLite database, its WAL, the audit key), not in any column of any row of any table, not
in the logs or the responses. The audit log still verifies, by the library and by
`veil audit verify`."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from veil.catalog import catalog_url
from veil.cli.main import app as cli
from veil.server import create_app
from veil.server.state import Settings

from .conftest import FAST, Clock

PASSWORD = "CanaryPassw0rd-7f3c91e2"
WRONG = "CanaryWrongPassw0rd-41ad5b"
TYPED_AS_NAME = "CanaryTypedAsName-9e07c3"  # a password in the user field
EXTRA = "CanaryExtraField-c2d8"


def _every_row(workspace: Path) -> str:
    """Every column of every row of every table of the catalog, as text."""
    engine = sa.create_engine(catalog_url(workspace, {}))
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            assert {"users", "user_sessions", "audit_log"} <= set(tables)
            rows = [
                "\t".join(map(str, row))
                for table in tables
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"'))
            ]
    finally:
        engine.dispose()
    return "\n".join(rows)


def _every_file(workspace: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(workspace.rglob("*")) if p.is_file())


def test_no_password_or_token_is_kept_or_printed(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    workspace = tmp_path / "ws"
    app = create_app(workspace, Settings(clock=clock, hasher=FAST), environ={})
    app.state.veil.users.add_user("carol", PASSWORD, ["auditor"], actor="root", reason="test")
    responses = []
    with TestClient(app) as client:
        for user, password in (("carol", WRONG), (TYPED_AS_NAME, PASSWORD)):
            responses.append(client.post("/auth/login", json={"user": user, "password": password}))
        body = {"user": "carol", "password": PASSWORD, EXTRA: PASSWORD}
        responses.append(client.post("/auth/login", json=body))
        ok = client.post("/auth/login", json={"user": "carol", "password": PASSWORD})
        token = ok.json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        responses.append(client.get("/audit/entries", params={"limit": 50}, headers=headers))
        assert client.post("/auth/logout", headers=headers).status_code == 204
    assert [r.status_code for r in responses] == [401, 401, 422, 200]

    actions = [(e["action"], e["actor"]) for e in responses[-1].json()]
    assert actions == [
        ("user.add", "root"),
        ("login.failed", "carol"),
        ("login.failed", "unknown"),
        ("login", "carol"),
    ]
    stored = _every_row(workspace)
    files = _every_file(workspace)
    printed = caplog.text + "".join(capsys.readouterr())
    answered = "".join(r.text for r in responses)
    assert "login.failed" in stored and b"login.failed" in files  # the scans see the log
    for canary in (PASSWORD, WRONG, TYPED_AS_NAME, EXTRA, token):
        assert canary not in stored, canary
        assert canary.encode() not in files, canary
        assert canary not in printed, canary
        assert canary not in answered, canary

    result = CliRunner().invoke(
        cli, ["audit", "verify", "--workspace", str(workspace)], env={"VEIL_DATABASE_URL": ""}
    )
    assert result.exit_code == 0 and "chain intact" in result.stdout, result.output
