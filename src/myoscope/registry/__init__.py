"""The registry: patients, visits and change over time, in SQLite (default) or PostgreSQL.

Needs the ``registry`` extra (SQLAlchemy, Alembic); PostgreSQL also needs ``postgres``.
Modules: ``db`` (engine, sessions, migrations, guarded downgrades, backup), ``models``
(tables), ``audit`` (append-only log), ``roles`` (the PostgreSQL application role), ``upsert``
(race-free get-or-create, the per-patient write lock), ``limits`` (the database's text limits,
checked up front), ``storing`` (a visit's checks, identity and rows), ``repo`` (patients,
visits, corrections), ``assessing`` (assess stored visits; rebuild a full assessment),
``imports`` (CSV), ``changes`` (change over time, pure), ``knowledge`` (its cited rules),
``alerts`` (registry-wide paged pass), ``views`` (result objects), ``charts`` (timeline).
"""

from .alerts import AlertReport, compute_alerts
from .changes import PatientChanges, PatientSeries, VisitValues, patient_changes
from .db import backup, database_url, downgrade, make_engine, session_factory, upgrade
from .imports import import_csv
from .repo import (
    add_patient,
    add_visit,
    add_visit_file,
    correct_measurement,
    delete_patient,
    find_patient,
    list_patients,
    show_patient,
)

__all__ = [
    "AlertReport",
    "PatientChanges",
    "PatientSeries",
    "VisitValues",
    "add_patient",
    "add_visit",
    "add_visit_file",
    "backup",
    "compute_alerts",
    "correct_measurement",
    "database_url",
    "delete_patient",
    "downgrade",
    "find_patient",
    "import_csv",
    "list_patients",
    "make_engine",
    "patient_changes",
    "session_factory",
    "show_patient",
    "upgrade",
]
