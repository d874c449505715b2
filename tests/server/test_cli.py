"""`veil user` through typer's CliRunner: add (password from standard input), list without
hashes, roles, disable, enable, passwd; mistakes are refused before anything is stored; every
change is audited with the acting admin and the reason."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from veil.audit import open_audit_log
from veil.catalog import catalog_url
from veil.cli.main import app
from veil.server import AuthenticationError, UserStore

from .conftest import PASSWORD

NEW_PASSWORD = "another long passphrase"


class UserCli:
    """`veil` on the workspace ``tmp/ws`` (SQLite), acting as root."""

    def __init__(self, tmp: Path) -> None:
        self.workspace = tmp / "ws"
        self.runner = CliRunner()
        env = {"VEIL_WORKSPACE": str(self.workspace), "VEIL_ACTOR": "root", "COLUMNS": "200"}
        self.env = env | {"VEIL_DATABASE_URL": "", "VEIL_AUDIT_KEY": ""}

    def __call__(self, *args: str, stdin: str | None = None, code: int = 0) -> Any:
        result = self.runner.invoke(app, list(args), input=stdin, env=self.env)
        assert result.exit_code == code, result.output + (result.stderr or "")
        return result

    def add(self, name: str, *roles: str, password: str = PASSWORD, code: int = 0) -> Any:
        flags = [arg for role in roles for arg in ("--role", role)]
        return self(
            "user", "add", name, *flags, "--reason", "onboarding", "--password-stdin",
            stdin=password + "\n", code=code,
        )  # fmt: skip

    @contextlib.contextmanager
    def store(self) -> Iterator[UserStore]:
        with (
            open_audit_log(self.workspace, {}) as log,
            UserStore(catalog_url(self.workspace, {}), log) as store,
        ):
            yield store

    def audit(self) -> list[Any]:
        with open_audit_log(self.workspace, {}) as log:
            return log.entries()


@pytest.fixture
def veil(tmp_path: Path) -> UserCli:
    return UserCli(tmp_path)


def test_user_add_reads_the_password_from_stdin(veil: UserCli) -> None:
    result = veil.add("alice", "analyst", "auditor")
    assert "added user alice: roles analyst, auditor; enabled" in result.stdout
    with veil.store() as store:
        assert store.authenticate("alice", PASSWORD).user.roles == ("analyst", "auditor")
    added = [e for e in veil.audit() if e.action == "user.add"]
    assert [(e.actor, e.target, e.details) for e in added] == [
        ("root", {"user": "alice"}, {"roles": ["analyst", "auditor"], "reason": "onboarding"})
    ]


def test_a_crlf_line_end_is_not_part_of_the_password(veil: UserCli) -> None:
    veil("user", "add", "alice", "--role", "analyst", "--reason", "x", "--password-stdin",
         stdin=PASSWORD + "\r\n")  # fmt: skip
    with veil.store() as store:
        assert store.authenticate("alice", PASSWORD).user.name == "alice"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "analyst", "--reason", "x"], "short\n", "the password has 5 characters"),
        (["--role", "analist", "--reason", "x"], PASSWORD, "did you mean 'analyst'?"),
        (["--role", "analyst"], PASSWORD, "veil user add needs --reason TEXT"),
        (["--role", "analyst", "--reason", " "], PASSWORD, "needs --reason TEXT"),
    ],
)
def test_user_add_refuses_mistakes(
    veil: UserCli, args: list[str], stdin: str, message: str
) -> None:
    result = veil("user", "add", "alice", *args, "--password-stdin", stdin=stdin, code=2)
    assert message in result.stderr and stdin.strip() not in result.output + result.stderr
    with veil.store() as store:
        assert store.users() == []


def test_user_add_needs_a_role(veil: UserCli) -> None:
    result = veil(
        "user", "add", "alice", "--reason", "x", "--password-stdin", stdin=PASSWORD, code=2
    )
    assert "--role" in result.stderr


def test_an_existing_user_is_not_added_again(veil: UserCli) -> None:
    veil.add("alice", "analyst")
    assert "user 'alice' exists" in veil.add("alice", "admin", code=2).stderr


def test_user_list_shows_no_hashes(veil: UserCli) -> None:
    veil.add("alice", "analyst")
    veil.add("bob", "admin", "auditor")
    listed = json.loads(veil("user", "list", "--json").stdout)
    assert [(u["name"], u["roles"], u["disabled"]) for u in listed] == [
        ("alice", ["analyst"], False),
        ("bob", ["admin", "auditor"], False),
    ]
    table = veil("user", "list").stdout
    assert "alice" in table and "admin, auditor" in table
    for shown in (json.dumps(listed), table):
        assert "argon2" not in shown and "hash" not in shown


def test_roles_disable_enable_and_passwd(veil: UserCli) -> None:
    veil.add("alice", "analyst")
    roles = veil("user", "roles", "alice", "--role", "engineer", "--reason", "moved team")
    assert "user alice: roles engineer" in roles.stdout
    assert "disabled" in veil("user", "disable", "alice", "--reason", "on leave").stdout
    with veil.store() as store, pytest.raises(AuthenticationError):
        store.authenticate("alice", PASSWORD)
    assert "enabled" in veil("user", "enable", "alice", "--reason", "back").stdout
    veil("user", "passwd", "alice", "--password-stdin", stdin=NEW_PASSWORD)
    with veil.store() as store:
        assert store.authenticate("alice", NEW_PASSWORD).user.roles == ("engineer",)
        with pytest.raises(AuthenticationError):
            store.authenticate("alice", PASSWORD)
    changes = [(e.action, e.actor, e.details.get("reason")) for e in veil.audit()]
    assert [c for c in changes if c[0].startswith("user.")] == [
        ("user.add", "root", "onboarding"),
        ("user.roles", "root", "moved team"),
        ("user.disable", "root", "on leave"),
        ("user.enable", "root", "back"),
        ("user.password", "root", None),
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["roles", "bob", "--role", "analyst", "--reason", "x"],
        ["disable", "bob", "--reason", "x"],
        ["enable", "bob", "--reason", "x"],
        ["passwd", "bob", "--password-stdin"],
    ],
)
def test_commands_on_an_unknown_user_fail(veil: UserCli, args: list[str]) -> None:
    result = veil("user", *args, stdin=NEW_PASSWORD, code=2)
    assert "no user 'bob'; `veil user list` shows the users" in result.stderr


def test_passwd_prompts_twice_without_stdin(veil: UserCli) -> None:
    veil.add("alice", "analyst")
    veil("user", "passwd", "alice", stdin=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    with veil.store() as store:
        assert store.authenticate("alice", NEW_PASSWORD).user.name == "alice"


class FakeUvicorn:
    """Stands in for ``uvicorn.run``: records what `veil serve` would serve."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def run(self, app: Any, **options: Any) -> None:
        self.calls.append({"app": app, **options})


@pytest.fixture
def fake_uvicorn(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUvicorn]:
    import uvicorn

    fake = FakeUvicorn()
    monkeypatch.setattr(uvicorn, "run", fake.run)
    yield fake
    for call in fake.calls:
        call["app"].state.veil.close()


def test_serve_runs_the_app_on_the_workspace(veil: UserCli, fake_uvicorn: FakeUvicorn) -> None:
    result = veil("serve", "--port", "8123", "--session-hours", "0.5")
    assert "generated audit key" in result.stderr and "plain HTTP" not in result.stderr
    veil.add("alice", "analyst")  # into the workspace the app serves
    (call,) = fake_uvicorn.calls
    assert (call["host"], call["port"]) == ("127.0.0.1", 8123)
    body = {"user": "alice", "password": PASSWORD}
    before = datetime.now(UTC)
    login = TestClient(call["app"]).post("/auth/login", json=body).json()
    lifetime = datetime.fromisoformat(login["expires_at"]) - before
    assert timedelta(minutes=29) < lifetime <= timedelta(minutes=30, seconds=5)


def test_serve_warns_off_loopback(veil: UserCli, fake_uvicorn: FakeUvicorn) -> None:
    result = veil("serve", "--host", "0.0.0.0")
    assert "serving plain HTTP on 0.0.0.0" in result.stderr and fake_uvicorn.calls


@pytest.mark.parametrize("hours", ["0", "-1", "721"])
def test_serve_refuses_a_bad_session_lifetime(
    veil: UserCli, fake_uvicorn: FakeUvicorn, hours: str
) -> None:
    result = veil("serve", "--session-hours", hours, code=2)
    assert "--session-hours must be more than 0" in result.stderr and not fake_uvicorn.calls
