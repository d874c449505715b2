"""The user store on SQLite and PostgreSQL: logins give sessions and are audited; every refusal
has one message and costs one argon2 verification; five failures lock an account for 15
minutes; sessions expire and are revoked by logout, disabling and a new password; only hashes
of passwords and tokens are stored."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from veil.audit import CatalogAuditLog
from veil.errors import ConfigError
from veil.server import AccountLockedError, AuthenticationError, UserStore
from veil.server.auth import LOCKOUT, MAX_FAILURES, name_key, name_ref

from .conftest import AUDIT_KEY, FAST, PASSWORD, Clock, entries


def _add(store: UserStore, name: str = "alice", *roles: str) -> None:
    store.add_user(name, PASSWORD, roles or ("analyst",), actor="root", reason="onboarding")


def _refused(store: UserStore, name: str, password: str) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as refused:
        store.authenticate(name, password, "10.0.0.7")
    return refused.value


def test_a_login_gives_a_session_and_is_audited(store: UserStore, audit: CatalogAuditLog) -> None:
    _add(store, "alice", "analyst", "auditor")
    session = store.authenticate("alice", PASSWORD, "10.0.0.7")
    assert session.user.name == "alice" and session.user.roles == ("analyst", "auditor")
    assert session.token not in repr(session)
    assert store.resolve(session.token) == session.user
    added, login = entries(audit)
    assert (added.action, added.actor, added.target) == ("user.add", "root", {"user": "alice"})
    assert added.details == {"roles": ["analyst", "auditor"], "reason": "onboarding"}
    assert (login.action, login.actor, login.target) == ("login", "alice", {"user": "alice"})
    digest = hashlib.sha256(session.token.encode()).hexdigest()
    assert login.details == {
        "remote": "10.0.0.7",
        "session": f"sha256:{digest[:16]}",
        "expires_at": session.expires_at.isoformat(),
    }
    assert audit.verify().ok


def test_every_refusal_has_the_same_message(store: UserStore, audit: CatalogAuditLog) -> None:
    _add(store, "alice")
    _add(store, "bob")
    store.disable("bob", actor="root", reason="left")
    refusals = [
        _refused(store, "mallory", PASSWORD),  # no such user
        _refused(store, "alice", "not the password"),
        _refused(store, "bob", PASSWORD),  # disabled, right password
        _refused(store, "al ice\n", PASSWORD),  # not even a valid name
    ]
    assert {str(r) for r in refusals} == {"invalid user name or password"}
    assert not any(isinstance(r, AccountLockedError) for r in refusals)
    failed = entries(audit, "login.failed")
    assert [(e.actor, e.details["reason"]) for e in failed] == [
        ("unknown", "unknown user"),
        ("alice", "wrong password"),
        ("bob", "disabled"),
        ("unknown", "unknown user"),
    ]
    assert failed[0].target == {"user_ref": name_ref("mallory", name_key(AUDIT_KEY))}
    assert failed[1].details == {"remote": "10.0.0.7", "reason": "wrong password", "failures": 1}


class CountingHasher(PasswordHasher):
    """The fast hasher, counting verifications: the work a refusal costs."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("mallory", PASSWORD),  # unknown user
        ("x" * 500, PASSWORD),  # no valid user name
        ("alice", "wrong password"),
        ("alice", "p" * 100_000),  # over-long: never hashed as such
        ("bob", PASSWORD),  # disabled
        ("alice", PASSWORD),  # success
    ],
)
def test_every_path_spends_one_argon2_verification(
    db_url: str, audit: CatalogAuditLog, name: str, password: str
) -> None:
    hasher = CountingHasher()
    with UserStore(db_url, audit, hasher=hasher) as store:
        _add(store, "alice")
        _add(store, "bob")
        store.disable("bob", actor="root", reason="left")
        with contextlib.suppress(AuthenticationError):  # the first refusal makes the decoy
            store.authenticate("nobody", PASSWORD)
        hasher.verified = 0
        with contextlib.suppress(AuthenticationError):
            store.authenticate(name, password)
        assert hasher.verified == 1


def test_five_failures_lock_the_account_for_fifteen_minutes(
    store: UserStore, audit: CatalogAuditLog, clock: Clock
) -> None:
    _add(store, "alice")
    for _ in range(MAX_FAILURES - 1):
        assert not isinstance(_refused(store, "alice", "wrong"), AccountLockedError)
    locked = _refused(store, "alice", "wrong")
    assert isinstance(locked, AccountLockedError)
    assert locked.until == clock.now + LOCKOUT and locked.retry_after == 15 * 60
    assert "locked" in str(locked) and locked.until.isoformat(timespec="seconds") in str(locked)
    (lock_entry,) = entries(audit, "login.locked")
    assert lock_entry.actor == "alice" and lock_entry.details["failures"] == MAX_FAILURES

    clock.advance(minutes=14, seconds=59)
    right, wrong = _refused(store, "alice", PASSWORD), _refused(store, "alice", "wrong")
    assert type(right) is type(wrong) is AccountLockedError and str(right) == str(wrong)
    assert store.user("alice").failed_attempts == MAX_FAILURES  # attempts while locked: not counted
    assert [e.details["reason"] for e in entries(audit, "login.failed")][-2:] == ["locked"] * 2

    clock.advance(seconds=1)
    assert store.authenticate("alice", PASSWORD).user.failed_attempts == 0
    assert store.user("alice").locked_until is None


def test_after_a_lockout_a_failure_starts_a_new_series(store: UserStore, clock: Clock) -> None:
    _add(store, "alice")
    for _ in range(MAX_FAILURES):
        _refused(store, "alice", "wrong")
    clock.advance(minutes=15)
    assert not isinstance(_refused(store, "alice", "wrong"), AccountLockedError)
    assert store.user("alice").failed_attempts == 1


def test_a_success_resets_the_count(store: UserStore) -> None:
    _add(store, "alice")
    for _ in range(MAX_FAILURES - 1):
        _refused(store, "alice", "wrong")
    store.authenticate("alice", PASSWORD)
    for _ in range(MAX_FAILURES - 1):
        assert not isinstance(_refused(store, "alice", "wrong"), AccountLockedError)


def test_enable_lifts_a_lockout(store: UserStore, audit: CatalogAuditLog) -> None:
    _add(store, "alice")
    for _ in range(MAX_FAILURES):
        _refused(store, "alice", "wrong")
    store.enable("alice", actor="root", reason="called the helpdesk")
    assert store.authenticate("alice", PASSWORD).user.name == "alice"
    (enabled,) = entries(audit, "user.enable")
    assert enabled.details == {
        "reason": "called the helpdesk",
        "was_disabled": False,
        "was_locked": True,
    }


def test_sessions_expire(db_url: str, audit: CatalogAuditLog, clock: Clock) -> None:
    with UserStore(db_url, audit, clock=clock, hasher=FAST) as store:
        _add(store, "alice")
        token = store.authenticate("alice", PASSWORD).token
        clock.advance(hours=8, seconds=-1)
        assert store.resolve(token) is not None
        clock.advance(seconds=1)
        assert store.resolve(token) is None
    ttl = timedelta(minutes=5)
    with UserStore(db_url, audit, clock=clock, session_ttl=ttl, hasher=FAST) as store:
        session = store.authenticate("alice", PASSWORD)
        assert session.expires_at - session.created_at == ttl
        clock.advance(minutes=5)
        assert store.resolve(session.token) is None


def test_a_login_deletes_its_users_long_expired_session_rows(
    db_url: str, audit: CatalogAuditLog, clock: Clock
) -> None:
    with UserStore(db_url, audit, clock=clock, hasher=FAST) as store:
        _add(store, "alice")
        _add(store, "bob")
        store.authenticate("alice", PASSWORD)
        store.authenticate("bob", PASSWORD)
        clock.advance(hours=8 + 23)  # expired, but within a day of it: kept
        store.authenticate("alice", PASSWORD)
        assert len(_rows(db_url)["user_sessions"]) == 3
        clock.advance(hours=2)  # the first ones are now more than a day past their expiry
        store.authenticate("alice", PASSWORD)
        kept = [(r["user_name"]) for r in _rows(db_url)["user_sessions"]]
        assert sorted(kept) == ["alice", "alice", "bob"]  # bob's is his to clean at his login


def test_logout_revokes_the_session(store: UserStore, audit: CatalogAuditLog) -> None:
    _add(store, "alice")
    first, second = (store.authenticate("alice", PASSWORD) for _ in range(2))
    assert store.logout(first.token, "10.0.0.8") is True
    assert store.resolve(first.token) is None
    assert store.resolve(second.token) is not None  # only that session
    assert store.logout(first.token) is False and store.logout("no such token") is False
    (logout,) = entries(audit, "logout")
    login = entries(audit, "login")[0]
    assert (logout.actor, logout.target) == ("alice", {"user": "alice"})
    assert logout.details == {"remote": "10.0.0.8", "session": login.details["session"]}


def test_disable_and_a_new_password_revoke_sessions(
    store: UserStore, audit: CatalogAuditLog
) -> None:
    _add(store, "alice")
    token = store.authenticate("alice", PASSWORD).token
    store.disable("alice", actor="root", reason="on leave")
    assert store.resolve(token) is None
    store.enable("alice", actor="root", reason="back")
    assert store.resolve(token) is None  # revoked, not merely hidden while disabled
    token = store.authenticate("alice", PASSWORD).token
    store.set_password("alice", "a brand new passphrase", actor="root")
    assert store.resolve(token) is None
    _refused(store, "alice", PASSWORD)
    assert store.authenticate("alice", "a brand new passphrase").user.name == "alice"
    details = {e.action: e.details for e in entries(audit, "user.disable", "user.password")}
    assert details == {
        "user.disable": {"reason": "on leave", "sessions_revoked": 1},
        "user.password": {"sessions_revoked": 1},
    }


def test_roles_are_replaced_and_apply_to_open_sessions(
    store: UserStore, audit: CatalogAuditLog
) -> None:
    _add(store, "alice", "analyst")
    token = store.authenticate("alice", PASSWORD).token
    store.set_roles("alice", ["auditor", "engineer", "auditor"], actor="root", reason="moved")
    user = store.resolve(token)
    assert user is not None and user.roles == ("auditor", "engineer")
    (changed,) = entries(audit, "user.roles")
    assert changed.details == {
        "before": ["analyst"],
        "roles": ["auditor", "engineer"],
        "reason": "moved",
    }


@pytest.mark.parametrize(
    ("name", "password", "roles", "message"),
    [
        ("alice", PASSWORD, ["analist"], "unknown role 'analist' (did you mean 'analyst'?)"),
        ("alice", PASSWORD, ["root"], "the roles are admin, engineer, analyst, auditor"),
        ("alice", PASSWORD, [], "at least one role"),
        ("alice", "short pass", ["analyst"], "the password has 10 characters; it needs 12"),
        ("alice", "p" * 1025, ["analyst"], "the password has 1025 characters"),
        ("al ice", PASSWORD, ["analyst"], "a user name is 1 to 64"),
        ("", PASSWORD, ["analyst"], "a user name is 1 to 64"),
        ("a" * 65, PASSWORD, ["analyst"], "a user name is 1 to 64"),
        ("unknown", PASSWORD, ["analyst"], "'unknown' is reserved"),
    ],
)
def test_invalid_users_are_refused(
    store: UserStore, name: str, password: str, roles: list[str], message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        store.add_user(name, password, roles, actor="root", reason="test")
    assert message in str(refused.value)
    assert "short pass" not in str(refused.value)
    assert store.users() == []


def test_a_user_is_added_once(store: UserStore) -> None:
    _add(store, "alice")
    with pytest.raises(ConfigError, match="user 'alice' exists"):
        _add(store, "alice", "admin")
    assert store.user("alice").roles == ("analyst",)
    with pytest.raises(ConfigError, match="no user 'bob'"):
        store.disable("bob", actor="root", reason="x")


def _rows(db_url: str) -> dict[str, list[Any]]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                table: list(conn.execute(sa.text(f"SELECT * FROM {table}")).mappings())
                for table in ("users", "user_sessions")
            }
    finally:
        engine.dispose()


def test_only_hashes_of_passwords_and_tokens_are_stored(store: UserStore, db_url: str) -> None:
    _add(store, "alice")
    token = store.authenticate("alice", PASSWORD).token
    rows = _rows(db_url)
    (user,) = rows["users"]
    assert user["password_hash"].startswith("$argon2id$") and PASSWORD not in str(user)
    assert FAST.verify(user["password_hash"], PASSWORD)
    (session,) = rows["user_sessions"]
    assert session["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(rows)


def test_a_hash_made_with_older_parameters_is_upgraded_at_login(
    store: UserStore, db_url: str, audit: CatalogAuditLog
) -> None:
    _add(store, "alice")
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    with UserStore(db_url, audit, hasher=stronger) as upgraded:
        upgraded.authenticate("alice", PASSWORD)
    (user,) = _rows(db_url)["users"]
    assert "m=16,t=2,p=1" in user["password_hash"] and stronger.verify(
        user["password_hash"], PASSWORD
    )


class RefusingLog:
    """An audit log that cannot record logins (a full disk, a wrong key)."""

    def __init__(self, inner: CatalogAuditLog) -> None:
        self.inner = inner

    def record(self, action: str, actor: str, target: Any, details: Any) -> None:
        if action == "login":
            raise OSError("the audit log cannot be written")
        self.inner.record(action, actor, target, details)


def test_a_login_that_cannot_be_audited_leaves_no_session(
    db_url: str, audit: CatalogAuditLog
) -> None:
    with UserStore(db_url, RefusingLog(audit), hasher=FAST) as store:
        _add(store, "alice")
        with pytest.raises(OSError, match="cannot be written"):
            store.authenticate("alice", PASSWORD)
    assert _rows(db_url)["user_sessions"] == []


def test_name_references_are_keyed() -> None:
    key = name_key(AUDIT_KEY)
    keyed, plain = name_ref("mallory", key), name_ref("mallory", None)
    assert keyed.startswith("hmac:") and plain.startswith("sha256:")
    assert plain == "sha256:" + hashlib.sha256(b"mallory").hexdigest()[:16]
    assert keyed != name_ref("mallory", name_key(bytes(32)))  # another key, another reference
    assert "mallory" not in keyed + plain
    assert name_ref("\ud800", key).startswith("hmac:")  # JSON may carry lone surrogates


def test_session_lifetime_must_be_positive(db_url: str, audit: CatalogAuditLog) -> None:
    with pytest.raises(ConfigError, match="must be positive"):
        UserStore(db_url, audit, session_ttl=timedelta(0))
