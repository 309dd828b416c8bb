"""The audit log: every create, read, update and delete of patient data, append-only.

An audit row is written in the same transaction as the change it describes, so a change is
never committed without its row, and a rolled-back change leaves none. Rows are never updated
or deleted: this module refuses it in the ORM (flushes and bulk UPDATE/DELETE statements), and
migration 0002 installs database triggers that refuse it for anyone with SQL access. Stored
measurement versions are guarded the same way in the ORM (a correction is a new row).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from ..errors import AuditLogImmutableError
from .limits import check_actor
from .models import AUDIT_ACTIONS, AuditEvent, Measurement, utcnow

_BATCH = "myoscope.audit.batch"
_IMMUTABLE = {AuditEvent.__tablename__: "audit-log rows", Measurement.__tablename__: "measurement rows"}


class RegistrySession(Session):
    """A session that refuses to change audit rows or stored measurement versions."""


@event.listens_for(RegistrySession, "before_flush")
def _refuse_changes(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    for obj in session.dirty:
        if isinstance(obj, AuditEvent | Measurement) and session.is_modified(obj):
            raise AuditLogImmutableError(
                f"{_IMMUTABLE[obj.__tablename__]} are never changed (a correction is a new version)")
    for obj in session.deleted:
        if isinstance(obj, AuditEvent | Measurement):
            raise AuditLogImmutableError(f"{_IMMUTABLE[obj.__tablename__]} are never deleted one by one")


@event.listens_for(RegistrySession, "do_orm_execute")
def _refuse_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in _IMMUTABLE:
        raise AuditLogImmutableError(f"{_IMMUTABLE[name]} cannot be updated or deleted")


def jsonable(value: Any) -> Any:
    """Dates as ISO text, recursively: what a JSON column (and an audit row's details) holds."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def record(session: Session, *, actor: str, action: str, entity: str, entity_id: int | None = None,
           patient_id: int | None = None, **details: Any) -> AuditEvent:
    """Add one audit row to the session's transaction (it commits or rolls back with it).

    :raises RecordValidationError: for an actor the column cannot hold (the callers check it with
        their other inputs first; this is the one place no actor gets past)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    check_actor(actor)
    row = AuditEvent(actor=actor, action=action, entity=entity, entity_id=entity_id,
                     patient_id=patient_id, details=jsonable(details))
    session.add(row)
    return row


def record_all(session: Session, *, actor: str, action: str, entity: str,
               items: list[tuple[int | None, int | None, dict[str, Any]]]) -> None:
    """Several audit rows of one kind in one statement: (entity id, patient id, details) each.

    What an import uses for its many visits and assessments: the same rows as :func:`record`,
    in the same transaction, without an ORM object per row. Pending ORM rows are flushed first,
    so the log keeps the order in which things happened. :raises RecordValidationError: as
    :func:`record`."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    check_actor(actor)
    rows = [{"at": utcnow(), "actor": actor, "action": action, "entity": entity, "entity_id": eid,
             "patient_id": pid, "details": jsonable(details)} for eid, pid, details in items]
    batch = session.info.get(_BATCH)
    if batch is not None:
        batch.extend(rows)
    elif rows:
        session.flush()
        session.execute(insert(AuditEvent), rows)


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Collect the rows of :func:`record_all` inside the block and insert them in one statement at
    its end (nothing if the block fails): an import's patient costs one audit INSERT, not three."""
    session.info[_BATCH] = []
    try:
        yield
        rows = session.info[_BATCH]
        if rows:
            session.flush()
            session.execute(insert(AuditEvent), rows)
    finally:
        session.info.pop(_BATCH, None)


def events(session: Session, *, patient_id: int | None = None, limit: int | None = None) -> list[AuditEvent]:
    """Audit rows, oldest first (optionally one patient's)."""
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == patient_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))
