"""Patients, visits and measurements: every way the registry's data is created, read and changed.

Functions take a session and keyword arguments, and work inside the caller's transaction, with
one exception: :func:`myoscope.registry.imports.import_csv` commits whole patients in groups, so
that a crash mid-import loses at most the group being written and a rerun resumes. Each function writes
its audit row in the same transaction as the data it touches.

A visit is validated as a whole record (every bad field named at once) before anything is
written; its measurements are stored in canonical units with the unit as entered; it is assessed
with the weights stored at earlier visits as its weight history, and later visits are
re-assessed, because their weight history has just changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import provenance
from ..errors import (
    ConfirmationRequiredError,
    PatientExistsError,
    PatientNotFoundError,
    Problem,
    RecordValidationError,
    RegistryError,
    VisitNotFoundError,
)
from ..knowledge import load_knowledge
from ..measures import load_catalog
from ..provenance import FIELD as PROVENANCE
from ..record import implausible_age, parse_record, read_records
from . import audit, upsert
from .assessing import METHOD_FIELD, current_measurements, load_visits, reassess, visit_data
from .changes import (
    PatientChanges,
    PatientSeries,
    VisitValues,
    patient_changes,
    tracked_measures,
    verdicts_in_population,
)
from .limits import actor_problems, check_actor, limit_problems
from .models import Assessment, Measurement, Organisation, Patient, Visit, utcnow
from .storing import (
    VISIT_FIELDS,
    Identity,
    existing_digests,
    normalise_sex,
    parse_birth_date,
    prepare_visit,
    store_visits,
)
from .views import (
    MeasurementView,
    PatientCorrection,
    PatientPage,
    PatientRow,
    PatientView,
    VisitResult,
    VisitView,
    decode_cursor,
    encode_cursor,
)

DEFAULT_ORGANISATION = "default"


def _today() -> date:
    return date.today()


# --- organisations and patients -------------------------------------------------------------


def organisation(session: Session, name: str, *, create: bool = False) -> Organisation:
    """The organisation called ``name`` (created without a race when ``create``)."""
    if create:
        problems = limit_problems("organisation", "organisation", name)
        if problems:
            raise RecordValidationError(problems, f"organisation {name[:40]!r}")
    org = session.get(Organisation, upsert.organisation_id(session, name, create=create))
    assert org is not None
    return org


def patient_problems(pseudonym: str, sex: str | None, birth_date: Any, *, path: str = "") -> tuple[
        list[Problem], str | None, date | None]:
    """Everything wrong with a new patient's fields (named under ``path``), and their values."""
    at = (lambda f: f"{path}, {f}") if path else (lambda f: f)
    problems = limit_problems(at("pseudonym"), "pseudonym", pseudonym)
    if not pseudonym.strip():
        problems.append(Problem(at("pseudonym"), "required"))
    value = normalise_sex(sex, problems, at("sex")) if sex is not None else None
    born = parse_birth_date(birth_date, problems, at("birth_date"))
    if born is not None and born > _today():
        problems.append(Problem(at("birth_date"), f"{born} is in the future"))
    elif born is not None and (why := implausible_age(born, _today())):
        # refused here, or every visit of the patient would be refused naming a field the visit
        # does not hold (an EHR's placeholder 1900-01-01, say)
        problems.append(Problem(at("birth_date"), why))
    return problems, value, born


def add_patient(session: Session, *, pseudonym: str, sex: str, birth_date: date | str | None = None,
                organisation_name: str = DEFAULT_ORGANISATION, actor: str) -> Patient:
    """Register a patient under a pseudonym (never a name or hospital number).

    :raises PatientExistsError: when the pseudonym is taken in the organisation (also when a
        concurrent writer registered it a moment ago)."""
    problems, value, born = patient_problems(pseudonym, sex, birth_date)
    problems += limit_problems("user", "user", actor)
    if problems:
        raise RecordValidationError(problems, f"patient {pseudonym[:40]}")
    org = organisation(session, organisation_name, create=True)
    assert value is not None
    patient, created = upsert.patient(session, organisation=org.id, pseudonym=pseudonym, sex=value,
                                      birth_date=born, actor=actor)
    if not created:
        raise PatientExistsError(f"patient {pseudonym!r} already exists in {org.name}")
    audit.record(session, actor=actor, action="create", entity="patient", entity_id=patient.id,
                 patient_id=patient.id, pseudonym=pseudonym, organisation=org.name, sex=value,
                 birth_date=born)
    return patient


def find_patient(session: Session, *, pseudonym: str, organisation_name: str | None = None,
                 actor: str | None = None) -> Patient:
    """The patient with this pseudonym (in this organisation, if given). Not audited: internal;
    a caller that audits passes its ``actor``, refused together with a bad pseudonym."""
    bad = limit_problems("pseudonym", "pseudonym", pseudonym)
    if organisation_name is not None:
        bad += limit_problems("organisation", "organisation", organisation_name)
    if actor is not None:
        bad += actor_problems(actor)
    if bad:  # PostgreSQL would refuse the query itself
        raise RecordValidationError(bad, f"patient {pseudonym[:40]!r}")
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


def list_patients(session: Session, *, organisation_name: str | None = None, limit: int | None = None,
                  after: str | None = None, actor: str) -> PatientPage:
    """Patients (of one organisation) by organisation and pseudonym, with visit counts; one page.

    Paged by key, not by offset: ``after`` is the ``next_after`` of the previous page, and each
    page is read from the (organisation, pseudonym) index, so page 1 000 of 100 000 patients
    costs what page 1 does. ``limit=None`` lists everyone. Audited as one read of the page."""
    check_actor(actor)
    cursor = decode_cursor(after) if after else None
    orgs = session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    found: list[tuple[Patient, str]] = []
    for oid, oname in orgs:
        if (organisation_name is not None and oname != organisation_name) or (cursor and oname < cursor[0]):
            continue
        stmt = select(Patient).where(Patient.organisation_id == oid).order_by(Patient.pseudonym)
        if cursor and oname == cursor[0]:
            stmt = stmt.where(Patient.pseudonym > cursor[1])
        if limit is not None:
            stmt = stmt.limit(limit + 1 - len(found))
        found += [(p, oname) for p in session.scalars(stmt)]
        if limit is not None and len(found) > limit:
            break
    more = limit is not None and len(found) > limit
    page = found[:limit] if limit is not None else found
    stats: dict[int, tuple[int, date | None]] = {}
    if page:
        stats = {pid: (int(n), last) for pid, n, last in session.execute(
            select(Visit.patient_id, func.count(Visit.id), func.max(Visit.visit_date))
            .where(Visit.patient_id.in_([p.id for p, _ in page])).group_by(Visit.patient_id))}
    rows = [PatientRow(p.id, p.pseudonym, p.sex, p.birth_date, org, *stats.get(p.id, (0, None)))
            for p, org in page]
    audit.record(session, actor=actor, action="read", entity="patient_list", organisation=organisation_name,
                 patient_ids=[r.id for r in rows])
    last_row = rows[-1] if rows else None
    return PatientPage(rows, encode_cursor(last_row.organisation, last_row.pseudonym) if more and last_row
                       else None)


def delete_patient(session: Session, *, pseudonym: str, organisation_name: str | None = None, actor: str,
                   confirm: bool = False) -> dict[str, int]:
    """Delete a patient and all their visits, measurements and assessments. Explicit and audited:
    ``confirm=True`` is required, and the audit log (which has no foreign key) keeps the record."""
    if not confirm:
        raise ConfirmationRequiredError(f"deleting patient {pseudonym!r} removes all their data; confirm it")
    patient = find_patient(session, pseudonym=pseudonym, organisation_name=organisation_name, actor=actor)
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


#: ``correct_patient(birth_date=KEEP)`` leaves the birth date as it is (``None`` makes it unknown)
KEEP: Any = object()
#: why every visit is assessed again after :func:`correct_patient`
PATIENT_CORRECTED = "patient corrected"


def correct_patient(session: Session, *, patient_id: int, reason: str, actor: str, sex: str | None = None,
                    birth_date: date | str | None = KEEP) -> PatientCorrection:
    """Correct a patient's sex or birth date, audited with the old and new values and the reason,
    and assess every visit again: the cut-offs of most definitions depend on sex, and the age at
    each visit on the birth date. ``sex=None`` keeps the sex; ``birth_date=None`` makes the birth
    date unknown, :data:`KEEP` keeps it.

    Every visit is rebuilt with the corrected identity and validated first, so a birth date that
    contradicts an age stored at a visit (or comes after a visit) is refused naming that visit,
    and nothing is written.

    :raises RecordValidationError: naming every bad field and every visit the correction breaks."""
    patient = upsert.lock_patient(session, patient_id)
    problems = [] if reason.strip() else [Problem("reason", "required: why the patient is corrected")]
    problems += actor_problems(actor)
    new_sex = normalise_sex(sex, problems, "sex") if sex is not None else patient.sex
    new_born = patient.birth_date
    if birth_date is not KEEP:
        found, _, new_born = patient_problems(patient.pseudonym, None, birth_date)
        problems += found
    if problems:
        raise RecordValidationError(problems, f"patient {patient.pseudonym}")
    assert new_sex is not None  # a bad sex is a problem above
    result = PatientCorrection(patient.pseudonym, {k: (old, new) for k, old, new in (
        ("sex", patient.sex, new_sex), ("birth_date", patient.birth_date, new_born)) if old != new})
    if not result.changed:
        return result
    visits = load_visits(session, patient.id)
    corrected = Patient(pseudonym=patient.pseudonym, sex=new_sex, birth_date=new_born)
    for v in visits:
        data = visit_data(corrected, v, current_measurements(v.measurements), [])
        try:
            parse_record(data, source=f"visit {v.id}")
        except RecordValidationError as exc:
            problems += [Problem(f"visit {v.visit_date}, {p.path}", p.message) for p in exc.problems]
    if problems:
        raise RecordValidationError(problems, f"patient {patient.pseudonym}")
    patient.sex, patient.birth_date = new_sex, new_born
    session.flush()
    audit.record(session, actor=actor, action="update", entity="patient", entity_id=patient.id,
                 patient_id=patient.id, reason=reason,
                 **{k: {"old": old, "new": new} for k, (old, new) in result.changed.items()})
    if visits:
        reassess(session, patient=patient, from_visits=[visits[0].id], actor=actor, reason=PATIENT_CORRECTED)
    result.reassessed = len(visits)
    return result


# --- visits ----------------------------------------------------------------------------------


def add_visit(session: Session, *, pseudonym: str, data: Mapping[str, Any],
              organisation_name: str | None = None, visit_date: date | None = None,
              setting: str | None = None, source: str | None = None, actor: str) -> VisitResult:
    """Validate, store and assess one visit; re-assess later visits. Idempotent by content.

    Holds the patient's write lock from before the duplicate check to the commit, so that
    concurrent writers of one patient's visits run one after the other (see ``upsert``).

    :raises RecordValidationError: naming every bad field; nothing is written.
    """
    user = actor_problems(actor)  # named with the pseudonym's problems, or with the record's
    try:
        found = find_patient(session, pseudonym=pseudonym, organisation_name=organisation_name)
    except RecordValidationError as exc:
        raise RecordValidationError(exc.problems + user, exc.source) from None
    patient = upsert.lock_patient(session, found.id)
    who = Identity(patient.pseudonym, patient.sex, patient.birth_date)
    try:
        prepared = prepare_visit(who, data, organisation_name=patient.organisation.name,
                                 visit_date=visit_date, setting=setting, source=source)
    except RecordValidationError as exc:
        raise RecordValidationError(exc.problems + user, source or f"visit of {pseudonym}") from None
    if user:
        raise RecordValidationError(user, f"visit of {pseudonym}")
    existing = existing_digests(session, patient.id).get(prepared.digest)
    if existing is not None:
        return VisitResult(existing, False, prepared.date)
    (visit,) = store_visits(session, patient_id=patient.id, with_birth_date=patient.birth_date is not None,
                            visits=[prepared], actor=actor)
    outcomes, later = reassess(session, patient=patient, from_visit=visit, actor=actor, reason="visit added")
    return VisitResult(visit.id, True, prepared.date, outcomes, later)


#: why a visit is assessed again by :func:`reassess_stale`
UPGRADE_REASON = "knowledge upgrade"


def _stale(installed: str) -> Any:
    """A visit's current assessment (the newest row) was made with other knowledge than the
    installed one, or before the plan's same-day referrals were stored (``referrals`` NULL)."""
    current = select(func.max(Assessment.id)).group_by(Assessment.visit_id)
    return ((Assessment.id.in_(current))
            & ((Assessment.knowledge_version != installed) | Assessment.referrals.is_(None)))


def stale_patients(session: Session) -> list[int]:
    """The ids of the patients with a visit to assess again with the installed knowledge."""
    installed = load_knowledge().version
    stmt = (select(Visit.patient_id).join(Assessment, Assessment.visit_id == Visit.id)
            .where(_stale(installed)).distinct().order_by(Visit.patient_id))
    return list(session.scalars(stmt))


def reassess_stale(session: Session, *, patient_id: int, actor: str) -> int:
    """Assess again, with the installed knowledge, the patient's visits whose current assessment is
    stale (and every later visit, whose weight history includes them): new rows, audited, the old
    ones kept. Holds the patient's lock. Returns how many visits were assessed."""
    check_actor(actor)
    patient = upsert.lock_patient(session, patient_id)
    installed = load_knowledge().version
    stale = list(session.scalars(select(Visit.id).join(Assessment, Assessment.visit_id == Visit.id)
                                 .where(Visit.patient_id == patient.id, _stale(installed))))
    if not stale:
        return 0
    _, later = reassess(session, patient=patient, from_visits=stale, actor=actor, reason=UPGRADE_REASON)
    return len(stale) + len(later)


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
    problems = [] if reason.strip() else [Problem("reason", "required: why the value is corrected")]
    catalog = load_catalog()
    if measure_id in VISIT_FIELDS or measure_id not in catalog.measures:
        problems.append(Problem(measure_id, "not a measure that a visit stores"))
    problems += actor_problems(actor)
    if problems:
        raise RecordValidationError(problems)
    # a method (asm_method) is stored on its measure's row: correcting it versions that row
    target = next((m for m, f in METHOD_FIELD.items() if f == measure_id), measure_id)
    patient = upsert.lock_patient(session, visit.patient_id)
    session.refresh(visit, ["measurements"])
    current = current_measurements(visit.measurements)
    old = current.get(target)
    if target != measure_id and (old is None or old.value is None):
        raise RecordValidationError([Problem(measure_id, f"this visit has no {target} to correct the "
                                                         "method of")])
    data = visit_data(patient, visit, current, [])
    data[measure_id] = value
    now = utcnow()
    old_block = data.get(PROVENANCE)
    new_block = provenance.corrected(old_block, measure_id, value, by=actor,
                                     at=now.isoformat(timespec="seconds"))
    data.pop(PROVENANCE, None)
    if new_block is not None:
        data[PROVENANCE] = new_block
    record = parse_record(data, source=f"visit {visit_id} correction")
    new = Measurement(visit_id=visit.id, measure_id=target, source="correction", entered_by=actor,
                      entered_at=now,
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
    if measure_id != PROVENANCE and new_block != old_block:
        _version_provenance(session, patient=patient, visit=visit, old=current[PROVENANCE], block=new_block,
                            measure_id=measure_id, reason=reason, actor=actor, now=now)
    session.expire(visit, ["measurements"])
    reassess(session, patient=patient, from_visit=visit, actor=actor, reason="measurement corrected")
    return new


def _version_provenance(session: Session, *, patient: Patient, visit: Visit, old: Measurement,
                        block: dict[str, Any] | None, measure_id: str, reason: str, actor: str,
                        now: datetime) -> None:
    """A new version of the visit's provenance after a hand correction of ``measure_id``.

    The block's earlier version stays (superseded, like any corrected value) and the audit row
    names the replaced entry, so the file, row and level the value was first read from remain
    on record while the current provenance says who corrected it and when."""
    row = Measurement(visit_id=visit.id, measure_id=PROVENANCE, source="correction", entered_by=actor,
                      entered_at=now, version=old.version + 1, supersedes_id=old.id, reason=reason,
                      value_json=block)
    session.add(row)
    session.flush()
    before = old.value if isinstance(old.value, dict) else {}
    audit.record(session, actor=actor, action="update", entity="measurement", entity_id=row.id,
                 patient_id=patient.id, visit_id=visit.id, measure=PROVENANCE, of=measure_id,
                 old=before.get(measure_id), new=(block or {}).get(measure_id), version=row.version,
                 reason=reason)


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
    patient = find_patient(session, pseudonym=pseudonym, organisation_name=organisation_name, actor=actor)
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
    newest = latest.get(visits[-1].id) if visits else None
    stored = verdicts_in_population(newest.verdicts if newest else None)
    changes: PatientChanges = patient_changes(series_of(patient, visits), in_population=stored)
    audit.record(session, actor=actor, action="read", entity="patient", entity_id=patient.id,
                 patient_id=patient.id, visits=len(visits))
    return PatientView(_row(session, patient), views, changes)
