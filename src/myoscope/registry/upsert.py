"""Race-free get-or-create of organisations and patients, and the per-patient write lock.

Several importers (or web workers) may meet the same new organisation or patient at once. A
"look, then insert" lets two of them insert and one fail on the unique constraint, so both
tables are written with ``INSERT ... ON CONFLICT DO NOTHING`` followed by a select: on
PostgreSQL the second inserter waits for the first to commit and then finds its row; SQLite
runs one writer at a time (``BEGIN IMMEDIATE``), so the statement never meets a rival there but
behaves the same way.

Writing a visit re-assesses the patient's later visits, which read every earlier visit. Two
transactions doing that for one patient at once would each miss the other's new visit and keep
a stale assessment, so every write to a patient's visits first takes :func:`lock_patient`: a row
lock on the patient (``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL, held until commit; it does
not block foreign-key checks of other tables). SQLite needs no lock of its own: its write
transactions are already serialised.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..errors import RegistryError
from .models import Organisation, Patient, utcnow


def _insert(session: Session, model: Any) -> Any:
    """A dialect's INSERT, which knows ``ON CONFLICT DO NOTHING`` (SQLite ≥ 3.24, PostgreSQL)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise RegistryError(f"the registry does not support {name}")


def organisation_id(session: Session, name: str, *, create: bool = True) -> int:
    """The id of organisation ``name``, created if missing (``create``), without a race."""
    found = session.scalar(select(Organisation.id).where(Organisation.name == name))
    if found is not None:
        return int(found)
    if not create:
        raise RegistryError(f"unknown organisation {name!r}")
    session.execute(_insert(session, Organisation).values(name=name, created_at=utcnow())
                    .on_conflict_do_nothing(index_elements=["name"]))
    found = session.scalar(select(Organisation.id).where(Organisation.name == name))
    assert found is not None
    return int(found)


def lock_patient(session: Session, patient_id: int) -> Patient:
    """Take the patient's write lock (until the transaction ends) and return the patient, fresh."""
    stmt = (select(Patient).where(Patient.id == patient_id)
            .with_for_update(key_share=True).execution_options(populate_existing=True))
    patient = session.scalar(stmt)
    if patient is None:
        raise RegistryError(f"patient {patient_id} was deleted meanwhile")
    return patient


def patient(session: Session, *, organisation: int, pseudonym: str, sex: str, birth_date: date | None,
            actor: str) -> tuple[Patient, bool]:
    """The patient with this pseudonym in this organisation, created if missing; locked.

    Returns the patient and whether this call created it. A patient found (created by someone
    else, perhaps a moment ago) is returned as it is: the caller checks that it agrees."""
    created = session.scalars(
        _insert(session, Patient)
        .values(organisation_id=organisation, pseudonym=pseudonym, sex=sex, birth_date=birth_date,
                created_at=utcnow(), created_by=actor)
        .on_conflict_do_nothing(index_elements=["organisation_id", "pseudonym"])
        .returning(Patient)).first()
    if created is not None:  # our own uncommitted row: invisible to others, locked by the insert
        return created, True
    pid = session.scalar(
        select(Patient.id).where(Patient.organisation_id == organisation, Patient.pseudonym == pseudonym))
    assert pid is not None
    return lock_patient(session, int(pid)), False
