"""API tokens: how a machine signs in to the HTTP API as one user.

A token reads ``myo_<key_id>_<secret>``: ``key_id`` (public, 12 characters) finds the row and
``secret`` (43 characters, 256 random bits) proves possession. Only the SHA-256 of the whole
token is stored, so a copy of the database lets nobody in; the token is shown once, when it is
created. A token acts with its user's role and organisation, is refused once revoked, expired or
when its user is deactivated, and records when it was last used (at most one write a minute).
Creating and revoking a token are audited.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import MyoscopeError, Problem, ProblemsError
from . import audit
from .limits import actor_problems, check_actor, limit_problems
from .models import ApiToken, Organisation, User

PREFIX = "myo"
_SHAPE = re.compile(r"^myo_(?P<key>[A-Za-z0-9]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")
_DUMMY = hashlib.sha256(b"no such token").hexdigest()
#: ``last_used_at`` is written at most this often per token (a write per request would serialise
#: every API call behind SQLite's single write lock)
TOUCH_EVERY = timedelta(seconds=60)


class TokenError(MyoscopeError):
    """A token cannot be created or revoked as asked (unknown user or token)."""


class TokenInputError(ProblemsError):
    """A token request with invalid fields."""

    what = "token"


@dataclass(frozen=True)
class TokenUser:
    """Who a valid token acts as."""

    token_id: int
    key_id: str
    user_id: int
    username: str
    display_name: str
    role: str
    organisation_id: int | None
    organisation: str | None


@dataclass(frozen=True)
class TokenRow:
    """A token as listed (never the secret)."""

    id: int
    key_id: str
    username: str
    name: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and _aware(self.expires_at) <= now():
            return "expired"
        return "active"

    def to_dict(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return _aware(t).isoformat(timespec="seconds") if t is not None else None

        return {"id": self.id, "key_id": self.key_id, "user": self.username, "name": self.name,
                "state": self.state, "created_at": iso(self.created_at), "created_by": self.created_by,
                "expires_at": iso(self.expires_at), "last_used_at": iso(self.last_used_at),
                "revoked_at": iso(self.revoked_at)}

    def __str__(self) -> str:
        d = self.to_dict()
        return (f"{self.id}\t{PREFIX}_{self.key_id}_…\t{self.username}\t{self.name}\t{d['state']}\t"
                f"created {d['created_at']}\tlast used {d['last_used_at'] or 'never'}")


def now() -> datetime:
    return datetime.now(UTC)


def _aware(t: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were stored in UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, username: str, name: str, actor: str,
                 expires_days: int | None = None) -> tuple[str, TokenRow]:
    """A new token for ``username``: the token text (show it once; it is not stored) and its row.

    :raises TokenInputError: for a blank or too long name or a non-positive lifetime.
    :raises TokenError: for an unknown or inactive user."""
    problems = limit_problems("name", "token name", name)
    if not name.strip():
        problems.append(Problem("name", "required: what the token is for"))
    if expires_days is not None and not 1 <= expires_days <= 3650:
        problems.append(Problem("expires_days", f"{expires_days} is out of range (expected 1–3650 days)"))
    problems += actor_problems(actor)
    if problems:
        raise TokenInputError(problems)
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise TokenError(f"no active user {username!r}")
    key_id = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                     for _ in range(12))
    token = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    row = ApiToken(key_id=key_id, token_hash=_digest(token), user_id=user.id, name=name.strip(),
                   created_by=actor,
                   expires_at=now() + timedelta(days=expires_days) if expires_days else None)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="api_token", entity_id=row.id,
                 user=username, name=row.name, key_id=key_id, expires_at=row.expires_at)
    return token, _row(row, user.username)


def _row(t: ApiToken, username: str) -> TokenRow:
    return TokenRow(t.id, t.key_id, username, t.name, t.created_at, t.created_by, t.expires_at,
                    t.last_used_at, t.revoked_at)


def list_tokens(session: Session, *, username: str | None = None) -> list[TokenRow]:
    """Every token (or one user's), oldest first; the secrets are not stored, so never shown."""
    stmt = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if username is not None:
        stmt = stmt.where(User.username == username)
    return [_row(t, u) for t, u in session.execute(stmt)]


def revoke_token(session: Session, *, token_id: int, actor: str) -> TokenRow:
    """Revoke a token at once (the next request with it is refused). Revoking twice is harmless.

    :raises TokenError: for an unknown token id. :raises RecordValidationError: for an actor no
        audit row can hold."""
    check_actor(actor)
    found = session.execute(select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
                            .where(ApiToken.id == token_id)).one_or_none()
    if found is None:
        raise TokenError(f"no token {token_id}")
    token, username = found
    if token.revoked_at is None:
        token.revoked_at = now()
        audit.record(session, actor=actor, action="update", entity="api_token", entity_id=token.id,
                     user=username, name=token.name, key_id=token.key_id, revoked=True)
    return _row(token, username)


def authenticate(session: Session, token: str) -> TokenUser | None:
    """The user a presented token acts as, or ``None`` (malformed, unknown, wrong secret, revoked,
    expired, or its user inactive). Marks the token used (at most once a minute)."""
    m = _SHAPE.match(token)
    row = None
    if m is not None:
        row = session.execute(
            select(ApiToken, User, Organisation.name)
            .join(User, User.id == ApiToken.user_id)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .where(ApiToken.key_id == m.group("key"))
        ).one_or_none()
    stored = row[0].token_hash if row is not None else _DUMMY
    if not hmac.compare_digest(stored, _digest(token)) or row is None:
        return None
    t, user, org_name = row
    at = now()
    if (t.revoked_at is not None or not user.active
            or (t.expires_at is not None and _aware(t.expires_at) <= at)):
        return None
    if t.last_used_at is None or at - _aware(t.last_used_at) > TOUCH_EVERY:
        t.last_used_at = at
    return TokenUser(t.id, t.key_id, user.id, user.username, user.display_name or user.username, user.role,
                     user.organisation_id, org_name)
