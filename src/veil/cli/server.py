"""``veil user`` (the server's users and roles) and ``veil serve`` (the HTTP server).

Users live in the workspace's catalog (``<workspace>/catalog.db``, or ``VEIL_DATABASE_URL``).
Whoever can run these commands against the catalog administers it: the changes are recorded in
the audit log with the actor (``VEIL_ACTOR`` or the login name) and, where asked, the reason.
Passwords are read from a hidden prompt or standard input, never from an option (which would
land in the shell history and the process list). See :mod:`veil.server`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from veil.cli.main import _workspace, app, err, guarded, out
from veil.errors import ConfigError

if TYPE_CHECKING:
    from veil.server import User, UserStore

user_app = typer.Typer(
    no_args_is_help=True,
    help="The server's users: add them, give them roles, disable them, set their passwords.",
)
app.add_typer(user_app, name="user")

NameArg = Annotated[str, typer.Argument(help="The user's name (letters, digits, . _ @ -).")]
Roles = Annotated[
    list[str],
    typer.Option("--role", help="A role: admin, engineer, analyst or auditor (repeat for more)."),
]
Reason = Annotated[str | None, typer.Option(help="Why (required; recorded in the audit log).")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from standard input (for scripts) instead of a hidden prompt.",
    ),
]
Workspace = Annotated[
    Path | None,
    typer.Option(
        help="Workspace folder holding the catalog and the audit log "
        "(default .veil or VEIL_WORKSPACE)."
    ),
]


@contextlib.contextmanager
def _users(workspace: Path | None) -> Iterator[UserStore]:
    """The workspace's users, auditing to the workspace's audit log."""
    from veil.catalog import catalog_url
    from veil.cli.audit import workspace_audit_log
    from veil.server import UserStore
    from veil.server.auth import name_key

    ws = _workspace(workspace)
    with workspace_audit_log(ws) as audit:
        key = name_key(audit.key.key) if audit.key is not None else None
        with UserStore(catalog_url(ws), audit, name_key=key) as store:
            yield store


def _reason(reason: str | None, command: str) -> str:
    if not reason or not reason.strip():
        raise ConfigError(f"veil user {command} needs --reason TEXT (recorded in the audit log)")
    return reason


def _password(from_stdin: bool) -> str:
    """The new password: standard input (one trailing line break dropped), else a hidden
    prompt asked twice. Its length is checked before anything is stored."""
    from veil.server.auth import check_password

    if from_stdin:
        text = sys.stdin.read()
        password = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return check_password(password)


def _describe(user: User) -> str:
    state = "disabled" if user.disabled else "enabled"
    return f"user {user.name}: roles {', '.join(user.roles)}; {state}"


@user_app.command("add")
@guarded
def user_add(
    name: NameArg,
    role: Roles,
    reason: Reason = None,
    password_stdin: PasswordStdin = False,
    workspace: Workspace = None,
) -> None:
    """Add a user with one or more roles; the password is asked for (12+ characters)."""
    from veil.audit import current_actor
    from veil.server.auth import check_name, check_roles

    why = _reason(reason, "add")
    check_name(name)
    check_roles(role)  # before the password is asked for
    password = _password(password_stdin)
    with _users(workspace) as store:
        user = store.add_user(name, password, role, actor=current_actor(), reason=why)
    out.print(f"added {_describe(user)}", highlight=False, markup=False)


@user_app.command("list")
@guarded
def user_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the users as JSON.")] = False,
    workspace: Workspace = None,
) -> None:
    """The users: roles, disabled, failed logins, locked until (never a password hash)."""
    with _users(workspace) as store:
        users = store.users()
    if as_json:
        sys.stdout.write(json.dumps([u.to_dict() for u in users], indent=2) + "\n")
        return
    now = datetime.now(UTC)
    table = Table("user", "roles", "state", "failed logins", "locked until (UTC)", title="users")
    for u in users:
        locked = (
            u.locked_until.strftime("%Y-%m-%d %H:%M:%S") if u.locked(now) and u.locked_until else ""
        )
        state = "disabled" if u.disabled else "enabled"
        table.add_row(u.name, ", ".join(u.roles), state, str(u.failed_attempts), locked)
    out.print(table, highlight=False, markup=False)


@user_app.command("roles")
@guarded
def user_roles(
    name: NameArg, role: Roles, reason: Reason = None, workspace: Workspace = None
) -> None:
    """Replace a user's roles (open sessions get the new ones at their next request)."""
    from veil.audit import current_actor

    why = _reason(reason, "roles")
    with _users(workspace) as store:
        user = store.set_roles(name, role, actor=current_actor(), reason=why)
    out.print(_describe(user), highlight=False, markup=False)


@user_app.command("disable")
@guarded
def user_disable(name: NameArg, reason: Reason = None, workspace: Workspace = None) -> None:
    """Refuse a user's logins and end its open sessions."""
    from veil.audit import current_actor

    why = _reason(reason, "disable")
    with _users(workspace) as store:
        user = store.disable(name, actor=current_actor(), reason=why)
    out.print(f"{_describe(user)}; its sessions are revoked", highlight=False, markup=False)


@user_app.command("enable")
@guarded
def user_enable(name: NameArg, reason: Reason = None, workspace: Workspace = None) -> None:
    """Allow a disabled user's logins again; also lifts a lockout after failed logins."""
    from veil.audit import current_actor

    why = _reason(reason, "enable")
    with _users(workspace) as store:
        user = store.enable(name, actor=current_actor(), reason=why)
    out.print(_describe(user), highlight=False, markup=False)


@user_app.command("passwd")
@guarded
def user_passwd(
    name: NameArg, password_stdin: PasswordStdin = False, workspace: Workspace = None
) -> None:
    """Set a user's password (12+ characters); its open sessions are revoked."""
    from veil.audit import current_actor

    with _users(workspace) as store:
        store.user(name)  # an unknown name fails before the password is asked for
        user = store.set_password(name, _password(password_stdin), actor=current_actor())
    out.print(
        f"new password for {_describe(user)}; its sessions are revoked",
        highlight=False,
        markup=False,
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("serve")
@guarded
def serve(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on (0.0.0.0: every interface; put a TLS proxy in front)."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    session_hours: Annotated[
        float, typer.Option(help="How long a login's token stays valid, in hours.")
    ] = 8.0,
    workspace: Workspace = None,
) -> None:
    """Run the HTTP server: logins, and role-guarded reads of the catalog and audit log."""
    import uvicorn

    from veil.server import create_app
    from veil.server.state import Settings

    if not 0 < session_hours <= 24 * 30:
        raise ConfigError("--session-hours must be more than 0 and at most 720 (30 days)")
    app_ = create_app(_workspace(workspace), Settings(session_ttl=timedelta(hours=session_hours)))
    key = app_.state.veil.audit.key
    if key is not None and key.origin == "generated":
        err.print(
            f"[yellow]warning:[/] no audit key configured: generated audit key {key.kid} into "
            f"{key.path} (mode 0600). Set VEIL_AUDIT_KEY for real use.",
            highlight=False,
        )
    if not _loopback(host):
        err.print(
            f"[yellow]warning:[/] serving plain HTTP on {host}: tokens and passwords cross the "
            "network in clear unless a TLS proxy is in front",
            highlight=False,
        )
    uvicorn.run(app_, host=host, port=port, server_header=False)
