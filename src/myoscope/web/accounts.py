"""Users, passwords, sign-in sessions and login throttling for the web app.

Passwords are argon2id hashes (pwdlib). A session is a random token in an HttpOnly cookie; the
database keeps only its keyed hash (HMAC with the app's secret), its CSRF token and when it was
last used, so logout and the idle timeout take effect on the server. Failed sign-ins are kept
per user name and address, and sign-in is refused for a while after too many (slowing guessing).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from ..errors import MyoscopeError, Problem, ProblemsError, quote
from ..registry import audit
from ..registry.limits import limit_problems, max_length, text_problems
from ..registry.models import LoginAttempt, Organisation, User, WebSession
from .settings import WebSettings

ROLES = ("clinician", "researcher", "admin")
#: a bound on what is hashed (the text columns' lengths are the registry's: limits.LIMITED)
PASSWORD_MIN, PASSWORD_MAX = 12, 200
#: how much of a user name a sign-in attempt keeps (its column's length)
_ATTEMPT_NAME_MAX = max_length(LoginAttempt.username)


class AccountError(MyoscopeError):
    """A user or organisation cannot be created or changed as asked."""


class AccountInputError(ProblemsError):
    """A user account form with invalid fields."""

    what = "account"


class LoginThrottledError(MyoscopeError):
    """Too many failed sign-ins for this user name or address: wait before trying again."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        super().__init__(f"too many failed sign-ins; try again in {minutes} minute(s)")


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, read once per request."""

    user_id: int
    username: str
    display_name: str
    role: str
    organisation_id: int | None
    organisation: str | None
    csrf_token: str
    token_hash: str


def now() -> datetime:
    return datetime.now(UTC)


def _aware(t: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were stored in UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


class Passwords:
    """argon2id hashing with the configured cost; a dummy hash keeps unknown users' timing equal."""

    def __init__(self, settings: WebSettings) -> None:
        self._hash = PasswordHash(
            (Argon2Hasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib),)
        )
        self._dummy = self._hash.hash(secrets.token_hex(16))

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, stored: str | None) -> bool:
        if stored is None:
            self._hash.verify(password, self._dummy)
            return False
        try:
            return self._hash.verify(password, stored)
        except Exception:  # a malformed stored hash never signs anyone in
            return False


def ensure_organisation(session: Session, name: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name)
        session.add(org)
        session.flush()
    return org


def create_user(
    session: Session,
    passwords: Passwords,
    *,
    username: str,
    password: str,
    role: str,
    organisation: str,
    display_name: str | None = None,
    actor: str,
) -> User:
    """Add a user of ``organisation`` (created if new). Every bad field is named at once, the
    columns' lengths and a NUL byte too (PostgreSQL refuses one): checked here rather than by the
    form's declared limits, which answered a bare 400 naming only themselves."""
    problems = [
        *limit_problems("username", "username", username),
        *limit_problems("display_name", "display_name", display_name),
        *limit_problems("organisation", "organisation", organisation),
    ]
    if not username.strip():
        problems.append(Problem("username", "required"))
    if len(password) < PASSWORD_MIN:
        problems.append(Problem("password", f"at least {PASSWORD_MIN} characters"))
    elif len(password) > PASSWORD_MAX:
        problems.append(Problem("password", f"at most {PASSWORD_MAX} characters"))
    if role not in ROLES:
        problems.append(Problem("role", f"{quote(role)} is not one of {', '.join(ROLES)}"))
    if not organisation.strip():
        problems.append(Problem("organisation", "required"))
    if problems:
        raise AccountInputError(problems, f"user {username}")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    org = ensure_organisation(session, organisation)
    user = User(
        username=username,
        display_name=display_name or username,
        organisation_id=org.id,
        role=role,
        password_hash=passwords.hash(password),
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="user",
        entity_id=user.id,
        username=username,
        role=role,
        organisation=org.name,
    )
    return user


def _keyed(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def throttle_check(session: Session, settings: WebSettings, *, username: str, address: str | None) -> None:
    """Refuse a sign-in while the user name or the address has too many recent failures."""
    since = now() - timedelta(minutes=settings.login_window_minutes)
    who = [LoginAttempt.username == username]
    if address:
        who.append(LoginAttempt.address == address)
    failures = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.at >= since, LoginAttempt.success.is_(False), or_(*who))
    )
    if int(failures or 0) >= settings.login_max_failures:
        raise LoginThrottledError(settings.login_window_minutes)


def sign_in(
    session: Session,
    settings: WebSettings,
    passwords: Passwords,
    *,
    username: str,
    password: str,
    address: str | None,
    old_token: str | None,
) -> tuple[str, User] | None:
    """Check the password and open a new session (the old one, if any, is closed: rotation).

    Returns the new cookie token and the user, or ``None`` for a wrong user name or password.
    :raises LoginThrottledError: after too many failures (checked before the password).
    """
    # a name no user can hold (a NUL byte: PostgreSQL refuses to compare or store it) is an
    # unknown user, counted under a storable form of it, rather than a 500 on PostgreSQL
    unstorable = bool(text_problems("username", username))
    key = username.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")[:_ATTEMPT_NAME_MAX]
    throttle_check(session, settings, username=key, address=address)
    user = (
        None
        if unstorable
        else session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    )
    ok = passwords.verify(password, user.password_hash if user else None)
    session.add(LoginAttempt(username=key, address=address, success=ok))
    if not ok or user is None:
        return None
    if old_token:
        session.execute(
            delete(WebSession).where(WebSession.token_hash == _keyed(settings.secret_key, old_token))
        )
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_keyed(settings.secret_key, token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            address=address,
        )
    )
    audit.record(
        session, actor=user.username, action="create", entity="session", entity_id=user.id, address=address
    )
    return token, user


def current(session: Session, settings: WebSettings, token: str | None) -> SignedIn | None:
    """The signed-in user of a session cookie, or ``None`` (no, unknown or idle-expired session)."""
    if not token:
        return None
    key = _keyed(settings.secret_key, token)
    row = session.execute(
        select(WebSession, User, Organisation.name)
        .join(User, User.id == WebSession.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(WebSession.token_hash == key)
    ).one_or_none()
    if row is None:
        return None
    ws, user, org_name = row
    t = now()
    if not user.active or _aware(ws.last_seen_at) + timedelta(minutes=settings.session_idle_minutes) < t:
        session.delete(ws)
        return None
    if t - _aware(ws.last_seen_at) > timedelta(seconds=60):  # one write a minute, not one a request
        ws.last_seen_at = t
    return SignedIn(
        user.id,
        user.username,
        user.display_name or user.username,
        user.role,
        user.organisation_id,
        org_name,
        ws.csrf_token,
        key,
    )


def sign_out(session: Session, who: SignedIn, address: str | None) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == who.token_hash))
    audit.record(
        session, actor=who.username, action="delete", entity="session", entity_id=who.user_id, address=address
    )
