"""The server's users, their roles and their sessions, in the catalog: :class:`UserStore`.

Tables (declared on :data:`veil.catalog.db.metadata`, made by the migration ``0005_users``):

- ``users``: one row per user: the name, an argon2id hash of the password (never the
  password), the roles (a subset of :data:`ROLES`), a disabled flag, the failed logins since
  the last success and, after :data:`MAX_FAILURES` of them, ``locked_until``.
- ``user_sessions``: one row per login: the SHA-256 of the bearer token (the token itself is
  handed to the client once and kept nowhere), its user, when it was made, when it expires and
  when it was revoked (a logout, the user disabled or given a new password).

**Logging in** (:meth:`UserStore.authenticate`) answers every refusal with the same
:class:`AuthenticationError` ("invalid user name or password"), whether the name is unknown,
the password wrong or the account disabled, and spends one argon2 verification on each path
(against a decoy hash when there is no real one), so neither the message nor the work that
dominates the time tells which. After :data:`MAX_FAILURES` consecutive
failures the account is locked for :data:`LOCKOUT`: every attempt is then refused with
:class:`AccountLockedError` (saying until when) without looking at the password. A lockout
does tell that the name exists; rate-limit logins in front of the server against that.

**Every outcome is audited** (``login``, ``login.failed``, ``login.locked``, ``logout``, and
the admin actions ``user.add``, ``user.roles``, ``user.disable``, ``user.enable``,
``user.password``) with references and counts: never a password, hash or token. A failed
login under a name no user has is recorded as actor ``"unknown"`` with a keyed reference of
the name (:func:`name_ref`): what was typed may be a password in the wrong field. A login
whose entry cannot be recorded does not happen: its session is deleted before the token is
returned.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import math
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from veil.audit import AuditLog
from veil.audit.refs import name_key as name_key
from veil.audit.refs import name_ref
from veil.catalog.db import CatalogClient, as_utc, metadata, timestamp_column, write_transaction
from veil.errors import ConfigError, VeilError

ROLES = ("admin", "engineer", "analyst", "auditor")
"""Every role a user may have; no role implies another."""
UNKNOWN_ACTOR = "unknown"
"""The audit actor of a failed login under a name no user has (so no user may be named so)."""
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
DEFAULT_SESSION_TTL = timedelta(hours=8)
SESSION_ROWS_KEPT = timedelta(days=1)
"""How long a session's row outlives its expiry: a login deletes its user's older ones (the
audit log keeps every login and logout; the rows only serve tokens still in use)."""
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # longer ones are refused before hashing: argon2's time grows with length
MAX_NAME = 64
MAX_TOKEN = 256
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")


users = Table(
    "users",
    metadata,
    Column("name", String(MAX_NAME), primary_key=True),
    Column("password_hash", String(255), nullable=False),  # argon2id, PHC string format
    Column("roles", JSON, nullable=False),  # sorted list of ROLES
    Column("disabled", Boolean, nullable=False),
    Column("failed_attempts", Integer, nullable=False),  # consecutive, since the last success
    timestamp_column("locked_until", nullable=True),
    timestamp_column("created_at"),
    timestamp_column("updated_at"),
)
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the token, hex
    Column("user_name", String(MAX_NAME), ForeignKey("users.name"), nullable=False),
    timestamp_column("created_at"),
    timestamp_column("expires_at"),
    timestamp_column("revoked_at", nullable=True),
    Index("ix_user_sessions_user", "user_name"),
)


# -- errors ---------------------------------------------------------------------------------


class AuthenticationError(VeilError):
    """A login was refused. One message for an unknown name, a wrong password and a disabled
    account, so that a caller cannot tell which."""

    def __init__(self, message: str = "invalid user name or password") -> None:
        super().__init__(message)


class AccountLockedError(AuthenticationError):
    """The account is locked after too many failed logins; ``until`` is when it unlocks,
    ``retry_after`` how many seconds that is from ``now``."""

    def __init__(self, until: datetime, now: datetime) -> None:
        self.until = until
        self.retry_after = max(1, math.ceil((until - now).total_seconds()))
        super().__init__(
            f"the account is locked after {MAX_FAILURES} failed logins until "
            f"{until.isoformat(timespec='seconds')}; try again then, or ask an admin to run "
            "`veil user enable`"
        )


# -- values ---------------------------------------------------------------------------------


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def _bytes(secret: str) -> bytes:
    """A password or token as bytes; lone surrogates (valid in JSON) are kept, not an error."""
    return secret.encode("utf-8", "surrogatepass")


def token_hash(token: str) -> str:
    """What the catalog keeps of a bearer token: its SHA-256, hex."""
    return hashlib.sha256(_bytes(token)).hexdigest()


def _session_ref(digest: str) -> str:
    """A session in the audit log: a prefix of its token's hash (links login and logout)."""
    return f"sha256:{digest[:16]}"


def check_name(name: str) -> str:
    """A user name: 1–64 letters, digits, ``.``, ``_``, ``@``, ``-``; not ``unknown``."""
    if not isinstance(name, str) or len(name) > MAX_NAME or not _NAME.fullmatch(name):
        raise ConfigError(
            f"a user name is 1 to {MAX_NAME} letters, digits, '.', '_', '@' or '-', starting "
            "with a letter or digit"
        )
    if name == UNKNOWN_ACTOR:
        raise ConfigError(
            f"{UNKNOWN_ACTOR!r} is reserved: the audit log records failed logins under names no "
            "user has with it"
        )
    return name


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """The roles, sorted and without repeats; at least one, each one of :data:`ROLES`."""
    chosen = sorted(set(roles))
    for role in chosen:
        if role not in ROLES:
            close = difflib.get_close_matches(role, ROLES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"unknown role {role!r}{hint}; the roles are {', '.join(ROLES)}")
    if not chosen:
        raise ConfigError(f"a user needs at least one role: {', '.join(ROLES)}")
    return tuple(chosen)


def check_password(password: str) -> str:
    """A new password: 12 to 1024 characters. The message gives lengths, never the text."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        size = len(password) if isinstance(password, str) else 0
        raise ConfigError(
            f"the password has {size} characters; it needs {MIN_PASSWORD} to {MAX_PASSWORD}"
        )
    return password


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} must be a non-empty text")
    return value


@dataclass(frozen=True)
class User:
    """A user as the server sees it (the password hash is never loaded into one)."""

    name: str
    roles: tuple[str, ...]
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    updated_at: datetime

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def to_dict(self) -> dict[str, Any]:
        until = self.locked_until
        return {
            "name": self.name,
            "roles": list(self.roles),
            "disabled": self.disabled,
            "failed_attempts": self.failed_attempts,
            "locked_until": until.isoformat() if until else None,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class Session:
    """A login: the bearer token (shown once, masked in ``repr``), its user and expiry."""

    token: str = field(repr=False)
    user: User
    created_at: datetime
    expires_at: datetime


def _user(row: Row[Any]) -> User:
    return User(
        name=row.name,
        roles=tuple(row.roles),
        disabled=bool(row.disabled),
        failed_attempts=int(row.failed_attempts),
        locked_until=as_utc(row.locked_until) if row.locked_until is not None else None,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


# -- the store ------------------------------------------------------------------------------


class UserStore(CatalogClient):
    """Users, roles and sessions in the catalog database at ``url``; every login, failure,
    logout and admin change recorded to ``audit``.

    ``name_key`` keys the references of unknown login names (:func:`name_key` of the audit
    key). ``clock`` (UTC now), ``session_ttl`` and ``hasher`` (argon2id, RFC 9106's
    low-memory profile by default) are there for tests and tuning. Thread-safe.
    """

    def __init__(
        self,
        url: str,
        audit: AuditLog,
        *,
        name_key: bytes | None = None,
        clock: Callable[[], datetime] = utc_now,
        session_ttl: timedelta = DEFAULT_SESSION_TTL,
        hasher: PasswordHasher | None = None,
    ) -> None:
        if session_ttl <= timedelta(0):
            raise ConfigError("the session lifetime must be positive")
        super().__init__(url)
        self._audit = audit
        self._name_key = name_key
        self._clock = clock
        self._ttl = session_ttl
        self._hasher = hasher or PasswordHasher()

    # -- internals ------------------------------------------------------------------------

    def _hash(self, password: str) -> str:
        return self._hasher.hash(_bytes(check_password(password)))

    def _verify(self, stored: str, password: str) -> bool:
        """Whether ``password`` matches ``stored``; one argon2 verification whatever the input
        (a non-text or over-long password is checked against the decoy, as nothing)."""
        if not isinstance(password, str) or len(password) > MAX_PASSWORD:
            stored, password = self._decoy, ""
        try:
            return self._hasher.verify(stored, _bytes(password))
        except (VerificationError, InvalidHashError):
            return False

    @functools.cached_property
    def _decoy(self) -> str:
        """A hash no password matches: verified when there is no real one to check, so a
        refusal costs the same time whatever its reason."""
        return self._hasher.hash(secrets.token_bytes(32))

    def _row(self, name: str) -> Row[Any] | None:
        with self._engine.connect() as conn:
            return conn.execute(select(users).where(users.c.name == name)).first()

    @staticmethod
    def _locked_row(conn: Connection, name: str) -> Row[Any]:
        row = conn.execute(select(users).where(users.c.name == name).with_for_update()).first()
        if row is None:
            raise ConfigError(f"no user {name!r}; `veil user list` shows the users")
        return row

    def _change(self, name: str, values: dict[str, Any], *, revoke: bool = False) -> int:
        """Update a user (and revoke its open sessions); returns how many were revoked."""
        now = self._clock()
        with write_transaction(self._engine) as conn:
            self._locked_row(conn, name)
            conn.execute(update(users).where(users.c.name == name).values(updated_at=now, **values))
            if not revoke:
                return 0
            open_ = (user_sessions.c.user_name == name) & user_sessions.c.revoked_at.is_(None)
            return conn.execute(update(user_sessions).where(open_).values(revoked_at=now)).rowcount

    # -- admin ----------------------------------------------------------------------------

    def user(self, name: str) -> User:
        row = self._row(name)
        if row is None:
            raise ConfigError(f"no user {name!r}; `veil user list` shows the users")
        return _user(row)

    def users(self) -> list[User]:
        with self._engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.name))]

    def add_user(
        self, name: str, password: str, roles: Iterable[str], *, actor: str, reason: str
    ) -> User:
        """Create a user with a password (12+ characters) and at least one role."""
        check_name(name)
        chosen = check_roles(roles)
        _text(reason, "the reason")
        digest = self._hash(password)
        now = self._clock()
        row = {
            "name": name,
            "password_hash": digest,
            "roles": list(chosen),
            "disabled": False,
            "failed_attempts": 0,
            "locked_until": None,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with write_transaction(self._engine) as conn:
                conn.execute(insert(users).values(**row))
        except IntegrityError:
            raise ConfigError(
                f"user {name!r} exists; `veil user roles` changes its roles"
            ) from None
        self._audit.record(
            "user.add", actor, {"user": name}, {"roles": list(chosen), "reason": reason}
        )
        return self.user(name)

    def set_roles(self, name: str, roles: Iterable[str], *, actor: str, reason: str) -> User:
        """Replace a user's roles (they apply to open sessions at once)."""
        chosen = check_roles(roles)
        _text(reason, "the reason")
        before = self.user(name).roles
        self._change(name, {"roles": list(chosen)})
        details = {"before": list(before), "roles": list(chosen), "reason": reason}
        self._audit.record("user.roles", actor, {"user": name}, details)
        return self.user(name)

    def disable(self, name: str, *, actor: str, reason: str) -> User:
        """Refuse the user's logins and revoke its open sessions."""
        _text(reason, "the reason")
        revoked = self._change(name, {"disabled": True}, revoke=True)
        details = {"reason": reason, "sessions_revoked": revoked}
        self._audit.record("user.disable", actor, {"user": name}, details)
        return self.user(name)

    def enable(self, name: str, *, actor: str, reason: str) -> User:
        """Allow the user's logins again, and lift a lockout."""
        _text(reason, "the reason")
        before = self.user(name)
        self._change(name, {"disabled": False, "failed_attempts": 0, "locked_until": None})
        details = {
            "reason": reason,
            "was_disabled": before.disabled,
            "was_locked": before.locked(self._clock()),
        }
        self._audit.record("user.enable", actor, {"user": name}, details)
        return self.user(name)

    def set_password(self, name: str, password: str, *, actor: str) -> User:
        """Give the user a new password; its open sessions are revoked."""
        digest = self._hash(password)
        revoked = self._change(name, {"password_hash": digest}, revoke=True)
        self._audit.record("user.password", actor, {"user": name}, {"sessions_revoked": revoked})
        return self.user(name)

    # -- logging in and out ---------------------------------------------------------------

    def authenticate(self, name: str, password: str, remote: str | None = None) -> Session:
        """A new session for ``name`` if ``password`` is its password; else
        :class:`AuthenticationError` (:class:`AccountLockedError` while locked). ``remote``
        (the client's address) goes to the audit entry."""
        now = self._clock()
        plausible = isinstance(name, str) and len(name) <= MAX_NAME and _NAME.fullmatch(name)
        row = self._row(name) if plausible else None
        if row is None:
            self._verify(self._decoy, password)
            self._refuse_unknown(name, remote)
        user = _user(row)
        if user.disabled or user.locked(now):
            self._verify(self._decoy, password)
            self._refuse(user, now, remote)
        if not self._verify(row.password_hash, password):
            self._failed(user, now, remote)
        rehash = self._hasher.check_needs_rehash(row.password_hash)
        return self._open_session(user, now, remote, self._hash(password) if rehash else None)

    def _refuse_unknown(self, name: str, remote: str | None) -> NoReturn:
        ref = name_ref(name if isinstance(name, str) else "", self._name_key)
        details = {"remote": remote, "reason": "unknown user"}
        self._audit.record("login.failed", UNKNOWN_ACTOR, {"user_ref": ref}, details)
        raise AuthenticationError()

    def _refuse(self, user: User, now: datetime, remote: str | None) -> NoReturn:
        """A disabled or locked account: refused without looking at the password (a disabled
        one with the generic message)."""
        until = None if user.disabled else user.locked_until
        details: dict[str, Any] = {"remote": remote}
        if until is None:
            details["reason"] = "disabled"
        else:
            details |= {"reason": "locked", "locked_until": until.isoformat()}
        self._audit.record("login.failed", user.name, {"user": user.name}, details)
        raise AuthenticationError() if until is None else AccountLockedError(until, now)

    def _count_failure(self, name: str, now: datetime) -> tuple[int, datetime | None]:
        """One more consecutive failure (a series restarts after a lockout ended); the count,
        and the new lockout's end when this failure reached :data:`MAX_FAILURES`."""
        with write_transaction(self._engine) as conn:
            row = self._locked_row(conn, name)
            ended = row.locked_until is not None and as_utc(row.locked_until) <= now
            failures = (0 if ended else int(row.failed_attempts)) + 1
            until = now + LOCKOUT if failures >= MAX_FAILURES else None
            values = {"failed_attempts": failures, "locked_until": until}
            conn.execute(update(users).where(users.c.name == name).values(**values))
        return failures, until

    def _failed(self, user: User, now: datetime, remote: str | None) -> NoReturn:
        failures, until = self._count_failure(user.name, now)
        details = {"remote": remote, "reason": "wrong password", "failures": failures}
        self._audit.record("login.failed", user.name, {"user": user.name}, details)
        if until is None:
            raise AuthenticationError()
        locked = {"remote": remote, "failures": failures, "locked_until": until.isoformat()}
        self._audit.record("login.locked", user.name, {"user": user.name}, locked)
        raise AccountLockedError(until, now)

    def _open_session(
        self, user: User, now: datetime, remote: str | None, rehashed: str | None
    ) -> Session:
        token = secrets.token_urlsafe(32)
        digest = token_hash(token)
        expires = now + self._ttl
        values: dict[str, Any] = {"failed_attempts": 0, "locked_until": None}
        if rehashed is not None:  # the hasher's parameters changed: store the stronger hash
            values["password_hash"] = rehashed
        ended = (user_sessions.c.user_name == user.name) & (
            user_sessions.c.expires_at < now - SESSION_ROWS_KEPT
        )
        with write_transaction(self._engine) as conn:
            conn.execute(update(users).where(users.c.name == user.name).values(**values))
            conn.execute(delete(user_sessions).where(ended))  # the user's long-expired rows
            conn.execute(
                insert(user_sessions).values(
                    token_hash=digest, user_name=user.name, created_at=now, expires_at=expires
                )
            )
        ref, until = _session_ref(digest), expires.isoformat()
        details = {"remote": remote, "session": ref, "expires_at": until}
        try:
            self._audit.record("login", user.name, {"user": user.name}, details)
        except BaseException:
            self._discard(digest)
            raise
        return Session(token, self.user(user.name), now, expires)

    def _discard(self, digest: str) -> None:
        with write_transaction(self._engine) as conn:
            conn.execute(delete(user_sessions).where(user_sessions.c.token_hash == digest))

    def resolve(self, token: str) -> User | None:
        """The user of a live session: ``None`` for an unknown, expired or revoked token, or
        a disabled user."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
            return None
        query = (
            select(user_sessions.c.expires_at, user_sessions.c.revoked_at, users)
            .join(users, users.c.name == user_sessions.c.user_name)
            .where(user_sessions.c.token_hash == token_hash(token))
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row.revoked_at is not None or self._clock() >= as_utc(row.expires_at):
            return None
        user = _user(row)
        return None if user.disabled else user

    def logout(self, token: str, remote: str | None = None) -> bool:
        """Revoke the session of ``token``; ``False`` if there was no open one."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
            return False
        digest = token_hash(token)
        where = user_sessions.c.token_hash == digest
        with write_transaction(self._engine) as conn:
            row = conn.execute(select(user_sessions).where(where).with_for_update()).first()
            if row is None or row.revoked_at is not None:
                return False
            conn.execute(update(user_sessions).where(where).values(revoked_at=self._clock()))
        details = {"remote": remote, "session": _session_ref(digest)}
        self._audit.record("logout", row.user_name, {"user": row.user_name}, details)
        return True
