"""Patients, visits and measurements: every way the registry's data is created, read and changed.

Functions take a session and keyword arguments, and work inside the caller's transaction, with
one exception: :func:`myoscope.registry.imports.import_csv` commits once per visit, so that a
crash mid-import loses at most the visit being written and a rerun resumes. Each function writes
its audit row in the same transaction as the data it touches.

A visit is validated as a whole record (every bad field named at once) before anything is
written; its measurements are stored in canonical units with the unit as entered; it is assessed
with the weights stored at earlier visits as its weight history, and later visits are
re-assessed, because their weight history has just changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import (
    ConfirmationRequiredError,
    PatientExistsError,
    PatientNotFoundError,
    Problem,
    RecordValidationError,
    RegistryError,
    VisitNotFoundError,
)
from ..measures import load_catalog
from ..record import parse_record, read_records
from . import audit
from .assessing import METHOD_FIELD, current_measurements, load_visits, reassess, visit_data
from .changes import PatientChanges, PatientSeries, VisitValues, patient_changes, tracked_measures
from .models import Assessment, Measurement, Organisation, Patient, Visit
from .views import MeasurementView, PatientRow, PatientView, VisitResult, VisitView

DEFAULT_ORGANISATION = "default"
#: record fields held by the patient or the visit row, not stored as measurements
VISIT_FIELDS = ("id", "sex", "birth_date", "date", "setting")


def _today() -> date:
    return date.today()


# --- organisations and patients -------------------------------------------------------------


def organisation(session: Session, name: str, *, create: bool = False) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        if not create:
            raise RegistryError(f"unknown organisation {name!r}")
        org = Organisation(name=name)
        session.add(org)
        session.flush()
    return org


def normalise_sex(raw: Any, problems: list[Problem]) -> str | None:
    m = load_catalog().measures["sex"]
    text = str(raw).strip()
    value = m.aliases.get(text, text.lower())
    if value not in m.values:
        problems.append(Problem("sex", f"{raw!r} is not one of {', '.join(m.values)}"))
        return None
    return value


def add_patient(session: Session, *, pseudonym: str, sex: str, birth_date: date | str | None = None,
                organisation_name: str = DEFAULT_ORGANISATION, actor: str) -> Patient:
    """Register a patient under a pseudonym (never a name or hospital number)."""
    problems: list[Problem] = []
    if not pseudonym.strip():
        problems.append(Problem("pseudonym", "required"))
    value = normalise_sex(sex, problems)
    born: date | None = None
    if birth_date is not None:
        try:
            born = birth_date if isinstance(birth_date, date) else date.fromisoformat(str(birth_date))
        except ValueError:
            problems.append(Problem("birth_date", f"expected a date YYYY-MM-DD, got {birth_date!r}"))
        if born is not None and born > _today():
            problems.append(Problem("birth_date", f"{born} is in the future"))
    if problems:
        raise RecordValidationError(problems, f"patient {pseudonym}")
    org = organisation(session, organisation_name, create=True)
    if session.scalar(select(Patient.id).where(Patient.organisation_id == org.id,
                                               Patient.pseudonym == pseudonym)) is not None:
        raise PatientExistsError(f"patient {pseudonym!r} already exists in {org.name}")
    assert value is not None
    patient = Patient(organisation_id=org.id, pseudonym=pseudonym, sex=value, birth_date=born,
                      created_by=actor)
    session.add(patient)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="patient", entity_id=patient.id,
                 patient_id=patient.id, pseudonym=pseudonym, organisation=org.name, sex=value,
                 birth_date=born)
    return patient


def find_patient(session: Session, *, pseudonym: str, organisation_name: str | None = None) -> Patient:
    """The patient with this pseudonym (in this organisation, if given). Not audited: internal."""
    stmt = select(Patient).where(Patient.pseudonym == pseudonym)
    if organisation_name is not None:
        stmt = stmt.join(Organisation).where(Organisation.name == organisation_name)
    found = list(session.scalars(stmt))
    if not found:
        where = f" in {organisation_name}" if organisation_name else ""
        raise PatientNotFoundError(f"no patient {pseudonym!r}{where}")
    if len(found) > 1:
        raise RegistryError(f"pseudonym {pseudonym!r} exists in several organisations; name one")
    return found[0]


def _row(session: Session, patient: Patient) -> PatientRow:
    n, last = session.execute(select(func.count(Visit.id), func.max(Visit.visit_date))
                              .where(Visit.patient_id == patient.id)).one()
    return PatientRow(patient.id, patient.pseudonym, patient.sex, patient.birth_date,
                      patient.organisation.name, int(n), last)


def list_patients(session: Session, *, organisation_name: str | None = None, actor: str) -> list[PatientRow]:
    """Every patient (of one organisation), with visit counts. Audited as one read."""
    stats = (select(Visit.patient_id, func.count(Visit.id).label("n"),
                    func.max(Visit.visit_date).label("last"))
             .group_by(Visit.patient_id).subquery())
    stmt = (select(Patient, Organisation.name, stats.c.n, stats.c.last).join(Organisation)
            .outerjoin(stats, stats.c.patient_id == Patient.id)
            .order_by(Organisation.name, Patient.pseudonym))
    if organisation_name is not None:
        stmt = stmt.where(Organisation.name == organisation_name)
    rows = [PatientRow(p.id, p.pseudonym, p.sex, p.birth_date, org, int(n or 0), last)
            for p, org, n, last in session.execute(stmt)]
    audit.record(session, actor=actor, action="read", entity="patient_list", organisation=organisation_name,
                 patient_ids=[r.id for r in rows])
    return rows


def delete_patient(session: Session, *, pseudonym: str, organisation_name: str | None = None, actor: str,
                   confirm: bool = False) -> dict[str, int]:
    """Delete a patient and all their visits, measurements and assessments. Explicit and audited:
    ``confirm=True`` is required, and the audit log (which has no foreign key) keeps the record."""
    if not confirm:
        raise ConfirmationRequiredError(f"deleting patient {pseudonym!r} removes all their data; confirm it")
    patient = find_patient(session, pseudonym=pseudonym, organisation_name=organisation_name)
    visit_ids = select(Visit.id).where(Visit.patient_id == patient.id)
    counts = {
        "visits": session.scalar(select(func.count()).select_from(Visit)
                                 .where(Visit.patient_id == patient.id)),
        "measurements": session.scalar(select(func.count()).select_from(Measurement)
                                       .where(Measurement.visit_id.in_(visit_ids))),
        "assessments": session.scalar(select(func.count()).select_from(Assessment)
                                      .where(Assessment.visit_id.in_(visit_ids))),
    }
    pid, org = patient.id, patient.organisation.name
    session.execute(delete(Patient).where(Patient.id == pid))  # ON DELETE CASCADE removes the rest
    session.expunge_all()
    audit.record(session, actor=actor, action="delete", entity="patient", entity_id=pid, patient_id=pid,
                 pseudonym=pseudonym, organisation=org, **{k: int(v or 0) for k, v in counts.items()})
    return {k: int(v or 0) for k, v in counts.items()}


# --- visits ----------------------------------------------------------------------------------


def content_hash(pseudonym: str, organisation_name: str, data: Mapping[str, Any]) -> str:
    """Identity of a visit's content: the same record added twice is the same visit."""
    text = json.dumps({"patient": pseudonym, "organisation": organisation_name, "data": data},
                      sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _merge(patient: Patient, raw: Mapping[str, Any], visit_date: date | None, setting: str | None,
           problems: list[Problem]) -> tuple[dict[str, Any], date | None]:
    """The record to validate: patient fields from the patient row; conflicts are problems."""
    data = {k: v for k, v in raw.items() if k not in ("id", "sex", "birth_date")}
    if raw.get("id") is not None and str(raw["id"]) != patient.pseudonym:
        problems.append(Problem("id", f"{raw['id']!r} is not this patient ({patient.pseudonym})"))
    if raw.get("sex") is not None and normalise_sex(raw["sex"], problems) not in (None, patient.sex):
        problems.append(Problem("sex", f"{raw['sex']!r} differs from the patient's recorded sex "
                                       f"({patient.sex})"))
    if raw.get("birth_date") is not None and str(raw["birth_date"]) != str(patient.birth_date):
        problems.append(Problem("birth_date", f"{raw['birth_date']} differs from the patient's "
                                              f"recorded birth date ({patient.birth_date})"))
    if visit_date is not None:
        if raw.get("date") is not None and str(raw["date"]) != visit_date.isoformat():
            problems.append(Problem("date", f"{raw['date']} differs from the visit date given "
                                            f"({visit_date})"))
        data["date"] = visit_date
    if setting is not None:
        data["setting"] = setting
    if data.get("date") is None:
        problems.append(Problem("date", "required: the visit date (YYYY-MM-DD)"))
    data["sex"] = patient.sex
    if patient.birth_date is not None and data.get("date") is not None:
        data["birth_date"] = patient.birth_date
    return data, visit_date


def add_visit(session: Session, *, pseudonym: str, data: Mapping[str, Any],
              organisation_name: str | None = None, visit_date: date | None = None,
              setting: str | None = None, source: str | None = None, actor: str) -> VisitResult:
    """Validate, store and assess one visit; re-assess later visits. Idempotent by content.

    :raises RecordValidationError: naming every bad field; nothing is written.
    """
    patient = find_patient(session, pseudonym=pseudonym, organisation_name=organisation_name)
    problems: list[Problem] = []
    merged, _ = _merge(patient, data, visit_date, setting, problems)
    record = None
    try:
        record = parse_record(merged, source=source)
    except RecordValidationError as exc:
        problems += [p for p in exc.problems if p not in problems]
    if record is not None and record.values.get("date") is not None and record.values["date"] > _today():
        problems.append(Problem("date", f"{record.values['date']} is in the future"))
    if problems or record is None:
        raise RecordValidationError(problems, source or f"visit of {pseudonym}")
    on: date = record.values["date"]
    identity = {**data, "date": on.isoformat(), **({"setting": setting} if setting else {})}
    digest = content_hash(patient.pseudonym, patient.organisation.name, identity)
    existing = session.scalar(select(Visit.id).where(Visit.patient_id == patient.id,
                                                     Visit.content_hash == digest))
    if existing is not None:
        return VisitResult(existing, False, on)
    visit = Visit(patient_id=patient.id, visit_date=on, setting=record.values.get("setting"), source=source,
                  content_hash=digest, created_by=actor)
    try:
        with session.begin_nested():
            session.add(visit)
            session.flush()
    except IntegrityError:  # the same content was added concurrently
        existing = session.scalar(select(Visit.id).where(Visit.patient_id == patient.id,
                                                         Visit.content_hash == digest))
        if existing is None:
            raise
        return VisitResult(existing, False, on)
    catalog = load_catalog()
    stored: list[str] = []
    for mid, value in record.values.items():
        if mid in VISIT_FIELDS or mid in METHOD_FIELD.values() or (mid == "age" and patient.birth_date):
            continue
        measure = catalog.measures[mid]
        row = Measurement(visit_id=visit.id, measure_id=mid, source=source, entered_by=actor,
                          method=record.values.get(METHOD_FIELD[mid]) if mid in METHOD_FIELD else None)
        if measure.kind == "quantity":
            row.value_num, row.unit = float(value), measure.unit
            row.unit_entered = record.entered_units.get(mid, measure.unit)
        else:
            row.value_json = json.loads(json.dumps(value, default=str))
        session.add(row)
        stored.append(mid)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="visit", entity_id=visit.id,
                 patient_id=patient.id, date=on, source=source, measures=stored)
    outcomes, later = reassess(session, patient=patient, from_visit=visit, actor=actor, reason="visit added")
    return VisitResult(visit.id, True, on, outcomes, later)


def add_visit_file(session: Session, *, pseudonym: str, path: str | Path, actor: str,
                   organisation_name: str | None = None, visit_date: date | None = None,
                   setting: str | None = None) -> VisitResult:
    """Add the one record in a JSON or YAML file as a visit."""
    records = read_records(path)
    if len(records) != 1:
        raise RegistryError(f"{path}: expected one record for one visit, found {len(records)}")
    data, src = records[0]
    return add_visit(session, pseudonym=pseudonym, data=data, organisation_name=organisation_name,
                     visit_date=visit_date, setting=setting, source=src, actor=actor)


def correct_measurement(session: Session, *, visit_id: int, measure_id: str, value: Any, reason: str,
                        actor: str) -> Measurement:
    """Record a corrected value as a new version (the old row stays); ``value=None`` retracts it.

    The corrected visit is validated as a whole and re-assessed, with every later visit."""
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise VisitNotFoundError(f"no visit {visit_id}")
    if not reason.strip():
        raise RecordValidationError([Problem("reason", "required: why the value is corrected")])
    catalog = load_catalog()
    if measure_id in VISIT_FIELDS or measure_id not in catalog.measures:
        raise RecordValidationError([Problem(measure_id, "not a measure that a visit stores")])
    # a method (asm_method) is stored on its measure's row: correcting it versions that row
    target = next((m for m, f in METHOD_FIELD.items() if f == measure_id), measure_id)
    patient = visit.patient
    current = current_measurements(visit.measurements)
    old = current.get(target)
    if target != measure_id and (old is None or old.value is None):
        raise RecordValidationError([Problem(measure_id, f"this visit has no {target} to correct the "
                                                         "method of")])
    data = visit_data(patient, visit, current, [])
    data[measure_id] = value
    record = parse_record(data, source=f"visit {visit_id} correction")
    new = Measurement(visit_id=visit.id, measure_id=target, source="correction", entered_by=actor,
                      version=(old.version + 1) if old else 1, supersedes_id=old.id if old else None,
                      reason=reason, method=record.values.get(METHOD_FIELD[target]) if target in METHOD_FIELD
                      else None)
    canonical = record.values.get(target)
    measure = catalog.measures[target]
    if canonical is not None and measure.kind == "quantity":
        new.value_num, new.unit = float(canonical), measure.unit
        new.unit_entered = (record.entered_units.get(target, measure.unit) if target == measure_id
                            else old.unit_entered if old else measure.unit)
    elif canonical is not None:
        new.value_json = json.loads(json.dumps(canonical, default=str))
    session.add(new)
    session.flush()
    changed = ({"old": old.method if old else None, "new": new.method} if target != measure_id
               else {"old": old.value if old else None, "new": new.value})
    audit.record(session, actor=actor, action="update" if old else "create", entity="measurement",
                 entity_id=new.id, patient_id=patient.id, visit_id=visit.id, measure=measure_id,
                 **changed, version=new.version, reason=reason)
    session.expire(visit, ["measurements"])
    reassess(session, patient=patient, from_visit=visit, actor=actor, reason="measurement corrected")
    return new


# --- reading a patient ---------------------------------------------------------------------------


def series_of(patient: Patient, visits: list[Visit]) -> PatientSeries:
    keep = set(tracked_measures())
    values = []
    for v in visits:
        current = current_measurements(v.measurements)
        values.append(VisitValues(v.id, v.visit_date, {k: m.value_num for k, m in current.items()
                                                       if k in keep and m.value_num is not None}))
    return PatientSeries(patient.id, patient.pseudonym, patient.sex, patient.birth_date, values)


def show_patient(session: Session, *, pseudonym: str, organisation_name: str | None = None,
                 actor: str) -> PatientView:
    """Everything stored about one patient, with change over time. Audited as a read."""
    patient = find_patient(session, pseudonym=pseudonym, organisation_name=organisation_name)
    visits = load_visits(session, patient.id)
    latest: dict[int, Assessment] = {}
    if visits:
        for row in session.scalars(select(Assessment).where(Assessment.visit_id.in_([v.id for v in visits]))
                                   .order_by(Assessment.id)):
            latest[row.visit_id] = row
    views = []
    for v in visits:
        current = sorted(current_measurements(v.measurements).values(), key=lambda m: m.measure_id)
        a = latest.get(v.id)
        views.append(VisitView(v.id, v.visit_date, v.setting, v.source,
                               [MeasurementView(m.measure_id, m.value, m.unit, m.unit_entered, m.method,
                                                m.version, m.entered_by) for m in current],
                               dict(a.outcomes) if a else {}, a.knowledge_version if a else None))
    changes: PatientChanges = patient_changes(series_of(patient, visits))
    audit.record(session, actor=actor, action="read", entity="patient", entity_id=patient.id,
                 patient_id=patient.id, visits=len(visits))
    return PatientView(_row(session, patient), views, changes)
