"""One patient's visits as documents, scoped to the user's organisation and audited.

The HTTP API reads and corrects visits through these functions; like the patient page they take
the asking user (``Where``): a visit of another organisation's patient, or of another patient,
is "not found", and every read writes an audit row in the request's transaction (a visit read
is the row the web's correction form writes, a visit list a read of the patient).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from ..errors import Problem, RecordValidationError, RegistryError, quote
from ..registry.assessing import current_assessment, current_measurements, rebuild_row
from ..registry.audit import jsonable
from ..registry.limits import text_problems
from ..registry.models import Patient, Visit
from ..registry.views import decode_cursor, encode_cursor
from . import corrections
from .forms import visit_fields
from .patients import Where, red_flags_of, referrals_of, scoped_patient


def visit_document(session: Session, visit: Visit) -> dict[str, Any]:
    """A visit: its current measurements (with versions and units as entered) and its newest
    assessment's verdicts, red flags and the plan's same-day referrals (most urgent first)."""
    row = current_assessment(session, visit.id)
    current = sorted(current_measurements(visit.measurements).values(), key=lambda m: m.measure_id)
    return {
        "id": visit.id,
        "patient_id": visit.patient_id,
        "date": visit.visit_date.isoformat(),
        "setting": visit.setting,
        "source": visit.source,
        "measurements": {
            m.measure_id: {"value": jsonable(m.value), "unit": m.unit, "unit_entered": m.unit_entered,
                           "method": m.method, "version": m.version, "entered_by": m.entered_by}
            for m in current
        },
        "outcomes": dict(row.outcomes) if row is not None else {},
        "knowledge_version": row.knowledge_version if row is not None else None,
        "red_flags": red_flags_of({"workup": {"red_flags": row.red_flags}} if row is not None else None),
        "referrals": referrals_of(row.referrals if row is not None else None),
    }


def scoped_visit(session: Session, where: Where, patient_id: int, visit_id: int) -> tuple[Patient, Visit]:
    """The patient (of the user's organisation) and its visit; anything else is not found.

    :raises PatientNotFoundError: / :raises VisitNotFoundError: (both 404 to a client)."""
    patient = scoped_patient(session, where.who, patient_id)
    return patient, corrections.scoped_visit(session, patient, visit_id)


def read_visit(session: Session, where: Where, patient_id: int, visit_id: int) -> dict[str, Any]:
    """One visit's document; audited as a read of the visit."""
    patient, visit = scoped_visit(session, where, patient_id, visit_id)
    doc = visit_document(session, visit)
    where.audit(session, action="read", entity="visit", entity_id=visit.id, patient_id=patient.id)
    return doc


def visit_assessment(session: Session, where: Where, patient_id: int, visit_id: int) -> dict[str, Any]:
    """The visit's full assessment (traces, work-up, plan) rebuilt from its stored inputs: the
    document of ``myoscope visit assessment ID --format json``. Audited as a read of it.

    :raises VisitNotFoundError: for a visit not assessed; RegistryError when the installed
        knowledge is not the one that assessed it."""
    patient, visit = scoped_visit(session, where, patient_id, visit_id)
    row = current_assessment(session, visit.id)
    if row is None:
        raise RegistryError(f"visit {visit_id} has no assessment")
    full = rebuild_row(row).to_dict()
    where.audit(session, action="read", entity="assessment", entity_id=row.id, patient_id=patient.id,
                visit_id=visit.id)
    return full


def list_visits(session: Session, where: Where, patient_id: int, *, limit: int = 50,
                after: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """The patient's visits by date, one page (key paging: ``after`` is the previous page's
    ``next_after``); audited as a read of the patient naming the visits shown."""
    patient = scoped_patient(session, where.who, patient_id)
    stmt = select(Visit).where(Visit.patient_id == patient.id)
    if after:
        key = decode_cursor(after)
        try:
            on, vid = date.fromisoformat(key[0]), int(key[1])
        except (ValueError, IndexError):
            vid = -1
        if not 0 <= vid < 2**31 or len(key) != 2:
            raise RegistryError(f"{quote(after)} is not a page token of this list (use the previous page's "
                                "next_after)")
        stmt = stmt.where(or_(Visit.visit_date > on, and_(Visit.visit_date == on, Visit.id > vid)))
    found = list(session.scalars(stmt.order_by(Visit.visit_date, Visit.id).limit(limit + 1)
                                 .options(joinedload(Visit.measurements))).unique())
    more, shown = len(found) > limit, found[:limit]
    docs = [visit_document(session, v) for v in shown]
    where.audit(session, action="read", entity="patient", entity_id=patient.id, patient_id=patient.id,
                what="visit list", visit_ids=[v.id for v in shown])
    last = shown[-1] if shown else None
    return docs, (encode_cursor(last.visit_date.isoformat(), str(last.id)) if more and last else None)


def _correctable() -> frozenset[str]:
    """The measures a visit correction can change: the visit form's, so the API and the web's
    correction form change the same ones."""
    return frozenset(f.measure for f in visit_fields())


def change_problems(changes: Mapping[str, Any], reason: str | None) -> list[Problem]:
    """What is wrong with a correction before the stored visit is looked at: measures a visit
    correction cannot change, and text a database cannot store (``reason`` None: not text, its
    problem named elsewhere). The API's request validation names these too when pydantic
    refuses the body, so one answer names every problem."""
    known = _correctable()
    problems = [Problem(f"changes.{m}", "not a measure a visit correction can change") for m in changes
                if m not in known]
    problems += text_problems("changes", dict(changes))
    return problems + (text_problems("reason", reason) if reason is not None else [])


def correct_visit(session: Session, where: Where, patient: Patient, visit: Visit, *,
                  changes: dict[str, Any], reason: str) -> list[str]:
    """Apply ``changes`` (measure → new value; null retracts) as registry corrections, exactly as
    the web's correction form does (each a new version, audited, the visit and later ones
    re-assessed). Every bad field is named at once, an unknown measure together with the bad
    values of the known ones (these need the parser, and were reported only once the unknown
    ones were gone); nothing is written then.

    :raises RecordValidationError: for an unknown measure, no change, no reason, or a bad value."""
    fields = visit_fields()
    problems = change_problems(changes, reason)
    if not changes:
        problems.append(Problem("changes", "required: at least one measure and its new value"))
    if problems:
        if not reason.strip() and not any(p.path == "reason" for p in problems):
            problems.append(Problem("reason", "required: why the visit is corrected"))
        known = _correctable()
        usable = {m: v for m, v in changes.items() if m in known and not text_problems(m, v)}
        if usable:  # the values' own problems, from the corrected visit as a whole
            try:
                corrections.changes_of(patient, visit, {**corrections.stored_data(patient, visit), **usable},
                                       fields)
            except RecordValidationError as exc:
                problems += exc.problems
        raise RecordValidationError(problems)
    proposed = {**corrections.stored_data(patient, visit), **changes}
    done = corrections.correct_visit(session, patient=patient, visit=visit, proposed=proposed, fields=fields,
                                     reason=reason, actor=where.who.username)
    where.audit(session, action="update", entity="api_request", entity_id=visit.id, patient_id=patient.id,
                what="visit correction", measures=done)
    return done


__all__ = ["change_problems", "correct_visit", "list_visits", "read_visit", "scoped_visit",
           "visit_assessment", "visit_document"]
