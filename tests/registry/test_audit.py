"""The audit log records every create, read, update and delete of patient data, and cannot be changed."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from myoscope.errors import AuditLogImmutableError
from myoscope.registry import audit, repo
from myoscope.registry.alerts import compute_alerts
from myoscope.registry.models import AuditEvent, Measurement


def trail(s: Session) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.entity) for e in audit.events(s)]


def test_every_operation_on_patient_data_leaves_one_row(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        p = repo.add_patient(s, pseudonym="P1", sex="F", birth_date="1950-01-01", actor="ana")
        pid = p.id
    with factory.begin() as s:
        v = repo.add_visit(s, pseudonym="P1", data={"date": "2025-01-01", "grip_strength": 20}, actor="ben")
    with factory.begin() as s:
        repo.list_patients(s, actor="cy")
        repo.show_patient(s, pseudonym="P1", actor="cy")
        compute_alerts(s, actor="cy")
    with factory.begin() as s:
        repo.correct_measurement(s, visit_id=v.visit_id, measure_id="grip_strength", value=21, reason="typo",
                                 actor="dee")
    with factory.begin() as s:
        repo.delete_patient(s, pseudonym="P1", actor="eve", confirm=True)
    with factory() as s:
        assert trail(s) == [
            ("ana", "create", "patient"),
            ("ben", "create", "visit"), ("ben", "create", "assessment"),
            ("cy", "read", "patient_list"), ("cy", "read", "patient"), ("cy", "read", "alerts"),
            ("dee", "update", "measurement"), ("dee", "create", "assessment"),
            ("eve", "delete", "patient"),
        ]
        events = audit.events(s, patient_id=pid)
        assert [e.action for e in events] == ["create", "create", "create", "read", "update", "create", "delete"]
        change = next(e for e in events if e.action == "update")
        assert change.details == {"visit_id": v.visit_id, "measure": "grip_strength", "old": 20.0, "new": 21.0,
                                  "version": 2, "reason": "typo"}
        gone = events[-1]
        assert gone.details == {"pseudonym": "P1", "organisation": "default", "visits": 1, "measurements": 2,
                                "assessments": 2}


def test_a_rolled_back_change_leaves_no_audit_row(factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), factory.begin() as s:
        repo.add_patient(s, pseudonym="P1", sex="F", actor="ana")
        raise RuntimeError("crash before commit")
    with factory() as s:
        assert audit.events(s) == []


def test_the_orm_refuses_to_change_or_delete_audit_rows(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        repo.add_patient(s, pseudonym="P1", sex="F", actor="ana")
    with factory() as s:
        row = audit.events(s)[0]
        row.actor = "mallory"
        with pytest.raises(AuditLogImmutableError, match="never changed"):
            s.flush()
        s.rollback()
        s.delete(audit.events(s)[0])
        with pytest.raises(AuditLogImmutableError, match="never deleted"):
            s.flush()
        s.rollback()
        with pytest.raises(AuditLogImmutableError, match="cannot be updated or deleted"):
            s.execute(update(AuditEvent).values(actor="mallory"))
        with pytest.raises(AuditLogImmutableError):
            s.execute(delete(AuditEvent))
        with pytest.raises(AuditLogImmutableError, match="measurement rows cannot"):
            s.execute(update(Measurement).values(value_num=0))
    with factory() as s:
        assert trail(s) == [("ana", "create", "patient")]


def test_the_database_refuses_it_too_for_anyone_with_sql(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        repo.add_patient(s, pseudonym="P1", sex="F", actor="ana")
    for sql in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), factory.begin() as s:
            s.connection().execute(text(sql))
    with factory() as s:
        assert trail(s) == [("ana", "create", "patient")]


def test_a_measurement_row_is_never_changed_in_place(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        repo.add_patient(s, pseudonym="P1", sex="F", actor="ana")
        repo.add_visit(s, pseudonym="P1", data={"date": "2025-01-01", "weight": 60}, actor="ana")
    with factory() as s:
        m = s.scalars(select(Measurement)).one()
        m.value_num = 61.0
        with pytest.raises(AuditLogImmutableError, match="a correction is a new version"):
            s.flush()


REWRITES = {
    "sqlite": ["REPLACE INTO audit_log (id, at, actor, action, entity, details) "
               "VALUES (:id, CURRENT_TIMESTAMP, 'mallory', 'read', 'x', '{}')",
               "INSERT OR REPLACE INTO audit_log (id, at, actor, action, entity, details) "
               "VALUES (:id, CURRENT_TIMESTAMP, 'mallory', 'read', 'x', '{}')",
               "INSERT INTO audit_log (id, at, actor, action, entity, details) "
               "VALUES (:id, CURRENT_TIMESTAMP, 'mallory', 'read', 'x', '{}') "
               "ON CONFLICT (id) DO UPDATE SET actor = excluded.actor"],
    "postgresql": ["INSERT INTO audit_log (id, at, actor, action, entity, details) "
                   "VALUES (:id, CURRENT_TIMESTAMP, 'mallory', 'read', 'x', '{}') "
                   "ON CONFLICT (id) DO UPDATE SET actor = excluded.actor"],
}


@pytest.mark.parametrize("recursive_triggers", [False, True])
def test_replace_and_upsert_cannot_rewrite_an_audit_row(factory: sessionmaker[Session],
                                                        recursive_triggers: bool) -> None:
    """REPLACE's implicit delete fires no DELETE trigger unless recursive triggers are on: the
    BEFORE INSERT trigger of migration 0003 refuses it either way."""
    with factory.begin() as s:
        repo.add_patient(s, pseudonym="P1", sex="F", actor="ana")
    with factory() as s:
        (row_id,) = [e.id for e in audit.events(s)]
        dialect = s.get_bind().dialect.name
    if recursive_triggers and dialect != "sqlite":
        pytest.skip("a SQLite pragma")
    for sql in REWRITES[dialect]:
        with pytest.raises(DBAPIError, match="append-only"), factory.begin() as s:
            if recursive_triggers:
                s.connection().exec_driver_sql("PRAGMA recursive_triggers = ON")
            s.connection().execute(text(sql), {"id": row_id})
    with factory.begin() as s:  # a new row with a new id is still welcome
        s.connection().execute(text(REWRITES[dialect][0].replace(":id", "NULL" if dialect == "sqlite"
                                                                   else "DEFAULT").replace(
            " ON CONFLICT (id) DO UPDATE SET actor = excluded.actor", "")))
    with factory() as s:
        assert trail(s) == [("ana", "create", "patient"), ("mallory", "read", "x")]


@pytest.mark.parametrize("actor", ["u" * 101, "a\x00b"])
def test_no_audit_row_is_added_for_an_actor_its_column_cannot_hold(factory: sessionmaker[Session],
                                                                   actor: str) -> None:
    """Every caller checks its actor with its other inputs; the audit log itself is the one place
    no actor gets past (on SQLite it would be stored whole, on PostgreSQL fail at the INSERT)."""
    from myoscope.errors import RecordValidationError

    with factory() as s:
        with pytest.raises(RecordValidationError, match="user: "):
            audit.record(s, actor=actor, action="read", entity="patient_list")
        with pytest.raises(RecordValidationError, match="user: "):
            audit.record_all(s, actor=actor, action="read", entity="patient", items=[(None, None, {})])
        s.flush()
        assert audit.events(s) == []
