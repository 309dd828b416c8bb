"""Administration of one organisation: its users and its audit log (admins only).

An admin sees and manages only their own organisation: its users, and the audit rows about its
patients or written by its users. Reading the audit log is itself audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CursorResult, delete, func, or_, select
from sqlalchemy.orm import Session

from ..errors import Problem, quote
from ..registry.models import AuditEvent, Organisation, Patient, User, WebSession
from .accounts import ROLES, AccountError, AccountInputError
from .errors import NotFound
from .i18n import N_
from .patients import Where

AUDIT_PAGE = 50


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    created_at: datetime


def users_of(session: Session, where: Where) -> list[UserRow]:
    rows = session.scalars(
        select(User).where(User.organisation_id == where.who.organisation_id).order_by(User.username)
    )
    return [
        UserRow(u.id, u.username, u.display_name or u.username, u.role, u.active, u.created_at) for u in rows
    ]


class LastAdminError(AccountError):
    """The change would leave the organisation without an active admin (nobody could manage it)."""


@dataclass(frozen=True)
class UserChange:
    """What a change did: the user's role and active flag before and after."""

    user_id: int
    username: str
    before: dict[str, object]
    after: dict[str, object]
    sessions_ended: int

    @property
    def summary(self) -> str:
        changed = [
            f"{k} {self.before[k]} → {self.after[k]}" for k in self.after if self.before[k] != self.after[k]
        ]
        return f"{self.username}: {', '.join(changed) or 'no change'}"

    def __str__(self) -> str:
        return self.summary


#: the posted ``active`` field: reactivate, deactivate, or leave as is
ACTIVE = {"yes": True, "no": False, "": None}


def change_user(
    session: Session, where: Where, user_id: int, *, role: str | None = None, active: bool | str | None = None
) -> UserChange:
    """Change a user's role and/or deactivate or reactivate them, within the admin's organisation.

    A deactivated user's sessions are deleted at once (and sign-in refuses inactive users), so
    they lose access on their next request, not when their session would have expired. The
    organisation keeps at least one active admin: an admin cannot demote or deactivate the last
    one (themselves). The change and its audit row (before/after) share the request's transaction.

    :raises NotFound: a user of another organisation, or none with that id (the same answer).
    :raises AccountInputError: an unknown role or ``active`` (text as posted: yes, no or empty),
        or nothing to change; every problem at once.
    :raises LastAdminError: the change would leave no active admin.
    """
    org = where.who.organisation_id
    if org is None:
        raise NotFound(N_("there is no such user in your organisation"))
    # the organisation's row lock serialises concurrent admin changes (PostgreSQL), so two
    # admins demoting each other at once cannot both pass the last-admin check
    session.scalar(select(Organisation.id).where(Organisation.id == org).with_for_update())
    user = session.scalar(select(User).where(User.id == user_id, User.organisation_id == org))
    if user is None:
        raise NotFound(N_("there is no such user in your organisation"))
    problems = []
    if role is not None and role not in ROLES:
        problems.append(Problem("role", f"{quote(role)} is not one of {', '.join(ROLES)}"))
    if isinstance(active, str):  # as posted: named here with the role, not refused alone by the form
        if active not in ACTIVE:
            problems.append(Problem("active", f"{quote(active)} is not yes or no"))
        active = ACTIVE.get(active)
    if role is None and active is None and not problems:
        problems.append(Problem("change", "nothing to change: give a role or deactivate/reactivate"))
    if problems:
        raise AccountInputError(problems, f"user {user.username}")
    before: dict[str, object] = {"role": user.role, "active": bool(user.active)}
    after = {"role": role if role is not None else user.role,
             "active": active if active is not None else bool(user.active)}
    if before["role"] == "admin" and before["active"] and not (after["role"] == "admin" and after["active"]):
        others = session.scalar(
            select(func.count()).select_from(User).where(
                User.organisation_id == org, User.role == "admin", User.active.is_(True), User.id != user.id
            )
        )
        if not others:
            raise LastAdminError(
                f"{user.username} is the last active admin of {where.who.organisation}: "
                "make another user admin first"
            )
    ended = 0
    if before != after:
        user.role, user.active = str(after["role"]), bool(after["active"])
        if not after["active"]:
            gone = session.execute(delete(WebSession).where(WebSession.user_id == user.id))
            ended = gone.rowcount if isinstance(gone, CursorResult) else 0
        where.audit(
            session,
            action="update",
            entity="user",
            entity_id=user.id,
            username=user.username,
            before=before,
            after=after,
            sessions_ended=ended,
        )
        session.flush()
    return UserChange(user.id, user.username, before, after, ended)


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    entity: str = ""
    patient_id: int | None = None
    page: int = 1


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditEvent]
    total: int
    page: int
    pages: int
    filter: AuditFilter


def audit_log(session: Session, where: Where, f: AuditFilter) -> AuditPage:
    """The organisation's audit rows, newest first, filtered; audited as a read of the log."""
    org = where.who.organisation_id
    own_patients = select(Patient.id).where(Patient.organisation_id == org)
    own_users = select(User.username).where(User.organisation_id == org)
    stmt = select(AuditEvent).where(
        or_(AuditEvent.patient_id.in_(own_patients), AuditEvent.actor.in_(own_users))
    )
    if f.actor:
        stmt = stmt.where(AuditEvent.actor == f.actor)
    if f.action:
        stmt = stmt.where(AuditEvent.action == f.action)
    if f.entity:
        stmt = stmt.where(AuditEvent.entity == f.entity)
    if f.patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == f.patient_id)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    pages = max(1, -(-total // AUDIT_PAGE))
    page = min(max(f.page, 1), pages)
    rows = list(
        session.scalars(stmt.order_by(AuditEvent.id.desc()).offset((page - 1) * AUDIT_PAGE).limit(AUDIT_PAGE))
    )
    where.audit(
        session,
        action="read",
        entity="audit_log",
        actor_filter=f.actor,
        action_filter=f.action,
        entity_filter=f.entity,
        patient_filter=f.patient_id,
        page=page,
    )
    return AuditPage(rows, total, page, pages, f)
