"""The new-visit form: generated from the measures catalog, validated by the record parser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from ...errors import Problem, RecordValidationError
from ...registry import repo
from ...registry.models import Patient, Visit
from .. import corrections
from .. import patients as svc
from ..deps import CsrfChecked, CurrentWhere, DbSession, PathId
from ..forms import Field, form_values, multi_names, problems_by_field, record_data, visit_fields
from ..measure_upload import MAX_BYTES, WEB_FORMATS, Prefill, kept_provenance, prefill
from .render import page

router = APIRouter(prefix="/patients/{patient_id}/visits")


def _fields(patient: Patient) -> tuple[Field, ...]:
    """The visit form's fields for ``patient``: with the age when no birth date is recorded."""
    return visit_fields(include_age=patient.birth_date is None)


def flat(form: FormData) -> dict[str, str | list[str]]:
    """A posted form as plain values (lists for the multi-choice fields)."""
    multi = multi_names(visit_fields(True))
    return {k: (form.getlist(k) if k in multi else str(form.get(k) or "")) for k in form}  # type: ignore[misc]


def _form(request: Request, patient: Patient, visit: Visit | None, fields: tuple[Field, ...],
          values: Mapping[str, Any], problems: Sequence[Problem] = (),
          upload: Prefill | None = None) -> Response:
    """The visit form (new or correction), filled with ``values`` and every problem named; 422
    when there are problems, so a bad post returns the form as typed. ``upload``: what a
    measuring tool's file filled in (its sources and notes, or the problems reading it)."""
    by, other = problems_by_field(list(problems), fields)
    action = f"/patients/{patient.id}/visits" + (f"/{visit.id}/correct" if visit is not None else "")
    bad_upload = [str(p) for p in upload.problems] if upload else []
    context = {"patient": patient, "visit": visit, "action": action, "fields": fields, "values": values,
               "problems": by, "other": other, "formats": WEB_FORMATS, "upload": upload,
               "upload_problems": bad_upload, "max_mb": MAX_BYTES // 2**20}
    return page(request, "visit_form.html", context, 422 if problems or bad_upload else 200)


@router.get("/new")
def new_visit(request: Request, db: DbSession, where: CurrentWhere, patient_id: PathId) -> Response:
    patient = svc.scoped_patient(db, where.who, patient_id)
    where.audit(db, action="read", entity="patient", entity_id=patient.id, patient_id=patient.id,
                what="new visit form")
    return _form(request, patient, None, _fields(patient), {"date": date.today().isoformat()})


@router.post("/import", dependencies=[CsrfChecked])
async def import_file(request: Request, db: DbSession, where: CurrentWhere, patient_id: PathId) -> Response:
    """Read a measuring tool's file (CT, DXA, BIA export; an L3 slice and its mask) into the
    new-visit form, for the user to check and save (docs/imports.md)."""
    patient = svc.scoped_patient(db, where.who, patient_id)
    form = await request.form()
    fmt = str(form.get("format") or "auto")
    upload = await prefill(form.get("file"), form.get("mask"), fmt, patient.pseudonym)
    file = form.get("file")
    where.audit(db, action="read", entity="patient", entity_id=patient.id, patient_id=patient.id,
                what="measures file read into the new visit form",
                file=getattr(file, "filename", None), format=fmt, ok=not upload.problems)
    values: dict[str, Any] = {"date": date.today().isoformat(), **upload.values}
    if upload.imported:
        values["imported"] = upload.imported
    return _form(request, patient, None, _fields(patient), values, upload=upload)


@router.post("", dependencies=[CsrfChecked])
async def add_visit(request: Request, db: DbSession, where: CurrentWhere, patient_id: PathId) -> Response:
    patient = svc.scoped_patient(db, where.who, patient_id)
    form = flat(await request.form())
    fields = _fields(patient)
    data = record_data(form, fields)
    prov = kept_provenance(str(form.get("imported") or ""), data)
    if prov:
        data["provenance"] = prov
    on = str(form.get("date") or "").strip()
    problems: list[Problem] = []
    visit_date = None
    if not on:
        problems.append(Problem("date", "required: the visit date (YYYY-MM-DD)"))
    else:
        try:
            visit_date = date.fromisoformat(on)
        except ValueError:
            problems.append(Problem("date", f"expected a date YYYY-MM-DD, got {on!r}"))
    try:
        if problems:  # still let the record parser name every other bad field at once
            from ...record import parse_record

            parse_record({**data, "sex": patient.sex, "date": date.today()})
            raise RecordValidationError(problems)
        result = repo.add_visit(
            db,
            pseudonym=patient.pseudonym,
            data=data,
            visit_date=visit_date,
            organisation_name=where.who.organisation,
            source="web form",
            actor=where.who.username,
        )
    except RecordValidationError as exc:
        db.rollback()
        return _form(request, patient, None, fields, form_values(form),
                     [*problems, *(p for p in exc.problems if p not in problems)])
    where.audit(
        db,
        action="create",
        entity="web_request",
        entity_id=result.visit_id,
        patient_id=patient.id,
        what="visit",
        created=result.created,
    )
    return RedirectResponse(f"/patients/{patient.id}?added={result.visit_id}", status_code=303)


@router.get("/{visit_id}/correct")
def correct_form(
    request: Request, db: DbSession, where: CurrentWhere, patient_id: PathId, visit_id: PathId
) -> Response:
    patient = svc.scoped_patient(db, where.who, patient_id)
    visit = corrections.scoped_visit(db, patient, visit_id)
    fields = _fields(patient)
    where.audit(db, action="read", entity="visit", entity_id=visit.id, patient_id=patient.id)
    return _form(request, patient, visit, fields, corrections.form_prefill(patient, visit, fields))


@router.post("/{visit_id}/correct", dependencies=[CsrfChecked])
async def correct_visit(
    request: Request, db: DbSession, where: CurrentWhere, patient_id: PathId, visit_id: PathId
) -> Response:
    patient = svc.scoped_patient(db, where.who, patient_id)
    visit = corrections.scoped_visit(db, patient, visit_id)
    form = flat(await request.form())
    fields = _fields(patient)
    reason = str(form.get("reason") or "")
    try:
        done = corrections.correct_visit(
            db,
            patient=patient,
            visit=visit,
            proposed=record_data(form, fields),
            fields=fields,
            reason=reason,
            actor=where.who.username,
        )
    except RecordValidationError as exc:
        db.rollback()
        return _form(request, patient, visit, fields, form_values(form), exc.problems)
    where.audit(
        db,
        action="update",
        entity="web_request",
        entity_id=visit.id,
        patient_id=patient.id,
        what="visit correction",
        measures=done,
    )
    return RedirectResponse(f"/patients/{patient.id}?corrected={visit.id}", status_code=303)
