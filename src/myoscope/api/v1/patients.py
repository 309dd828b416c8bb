"""Patients: list (key paging), read (ETag), register. Scoped to the token's organisation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from ...registry import repo
from ...registry.audit import jsonable
from ...web import patients as svc
from ..deps import NO_NUL, After, ClinicalWhere, DbSession, PatientId
from ..errors import CONFLICT, ERROR_RESPONSES, NOT_FOUND, PRECONDITION
from ..http import DocumentResponse, document, etag_of, require_match
from ..schemas import PatientCorrectionIn, PatientCorrectionOut, PatientIn, PatientListOut, PatientOut

router = APIRouter(prefix="/patients", tags=["patients"])
Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page.")]


def patient_document(view: svc.PatientPage) -> dict[str, Any]:
    """The patient page as JSON: what the web page shows, nothing more."""
    p = view.patient
    doc: dict[str, Any] = jsonable({
        "id": p.id, "pseudonym": p.pseudonym, "sex": p.sex, "birth_date": p.birth_date, "age": view.age,
        "visits": [{"id": v.id, "date": v.date, "setting": v.setting, "outcomes": v.outcomes,
                    "measurements": {m: {"value": value, "unit": unit, "version": version}
                                     for m, value, unit, version in v.values}} for v in view.visits],
        "latest": view.latest, "stale": view.stale, "red_flags": view.red_flags,
        "referrals": view.referrals,
        "alerts": [a.to_dict() for a in view.alerts], "changes": view.changes.to_dict(),
    })
    return doc


@router.get("", operation_id="list_patients", responses={200: {"model": PatientListOut}, **ERROR_RESPONSES})
def list_patients(
    request: Request, db: DbSession, where: ClinicalWhere, limit: Limit = 50, after: After = None,
    q: Annotated[str, Query(max_length=100, pattern=NO_NUL, description="Pseudonym contains.")] = "",
) -> Response:
    """Your organisation's patients by pseudonym, with latest verdicts, red-flag urgency and whether
    the plan refers for a cause the same day."""
    page = svc.page_patients(db, where, query=q.strip(), limit=limit, after=after)
    rows = [{"id": r.id, "pseudonym": r.pseudonym, "sex": r.sex, "birth_date": page.birth_dates.get(r.id),
             "age": r.age, "visits": r.visits, "last_visit": r.last_visit, "outcomes": r.outcomes,
             "red_flags": r.red_flags, "possible_red_flags": r.possible_flags,
             "urgency": r.urgency, "referral_urgency": r.referral_urgency, "screened": r.screened}
            for r in page.rows]
    return document(request, jsonable({"patients": rows, "next_after": page.next_after}), etag=False)


@router.post("", operation_id="create_patient", status_code=201,
             responses={201: {"model": PatientOut}, **CONFLICT, **ERROR_RESPONSES})
def create_patient(request: Request, db: DbSession, where: ClinicalWhere, body: PatientIn) -> Response:
    """Register a patient in your organisation under a pseudonym."""
    p = repo.add_patient(db, pseudonym=body.pseudonym.strip(), sex=body.sex, birth_date=body.birth_date,
                         organisation_name=where.who.organisation or "", actor=where.who.username)
    where.audit(db, action="create", entity="api_request", entity_id=p.id, patient_id=p.id, what="patient")
    doc = patient_document(svc.patient_page(db, where, p.id))
    return document(request, doc, status=201, headers={"Location": f"{request.scope.get('root_path', '')}"
                                                                    f"/patients/{p.id}"})


@router.get("/{patient_id}", operation_id="get_patient",
            responses={200: {"model": PatientOut}, 304: {"description": "Not modified (If-None-Match)"},
                       **NOT_FOUND, **ERROR_RESPONSES})
def get_patient(request: Request, db: DbSession, where: ClinicalWhere, patient_id: PatientId) -> Response:
    """A patient: visits, the latest visit's full result, red flags, alerts and change over time."""
    return document(request, patient_document(svc.patient_page(db, where, patient_id)))


@router.patch("/{patient_id}", operation_id="correct_patient",
              responses={200: {"model": PatientCorrectionOut}, **PRECONDITION, **NOT_FOUND,
                         **ERROR_RESPONSES})
def correct_patient(request: Request, db: DbSession, where: ClinicalWhere, patient_id: PatientId,
                    body: PatientCorrectionIn) -> Response:
    """Correct the sex or birth date (audited with the reason); every visit is re-assessed. A
    field left out is kept; `birth_date` null makes it unknown. `If-Match` guards lost updates."""
    svc.scoped_patient(db, where.who, patient_id)  # another organisation's patient is not found
    if request.headers.get("if-match") is not None:
        current = patient_document(svc.patient_page(db, where, patient_id))
        require_match(request, etag_of(DocumentResponse(current).body), what="patient")
    born = body.birth_date if "birth_date" in body.model_fields_set else repo.KEEP
    done = repo.correct_patient(db, patient_id=patient_id, sex=body.sex, birth_date=born, reason=body.reason,
                                actor=where.who.username)
    where.audit(db, action="update", entity="api_request", entity_id=patient_id, patient_id=patient_id,
                what="patient correction", fields=sorted(done.changed))
    db.expire_all()
    doc = patient_document(svc.patient_page(db, where, patient_id))
    response = DocumentResponse({"corrected": done.to_dict(), "patient": doc})
    response.headers["ETag"] = etag_of(DocumentResponse(doc).body)
    return response
