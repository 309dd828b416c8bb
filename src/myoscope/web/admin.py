"""Administration of one organisation: its users and its audit log (admins only).

An admin sees and manages only their own organisation: its users, and the audit rows about its
patients or written by its users. Reading the audit log is itself audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..registry.models import AuditEvent, Patient, User
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
