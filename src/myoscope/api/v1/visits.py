"""A patient's visits: list, add (assessed at once), read (ETag), correct (If-Match), assessment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response

from ...registry import repo
from ...web import patients as svc
from ...web import visit_records as visits
from ..deps import After, ClinicalWhere, DbSession, PatientId, VisitId
from ..errors import ERROR_RESPONSES, NOT_FOUND, PRECONDITION
from ..http import DocumentResponse, document, etag_of, require_match
from ..schemas import (
    EXAMPLE_RECORD,
    AssessmentOut,
    CorrectionIn,
    CorrectionOut,
    VisitCreatedOut,
    VisitListOut,
    VisitOut,
)

router = APIRouter(prefix="/patients/{patient_id}/visits", tags=["visits"])
Limit = Annotated[int, Query(ge=1, le=500, description="Visits per page.")]
VisitRecord = Annotated[dict[str, Any], Body(
    description="The visit's record (DESIGN §5) with its `date`; sex and birth date are the patient's.",
    examples=[{k: v for k, v in EXAMPLE_RECORD.items() if k not in ("id", "sex", "age")}
              | {"date": "2026-06-01"}])]


@router.get("", operation_id="list_visits",
            responses={200: {"model": VisitListOut}, **NOT_FOUND, **ERROR_RESPONSES})
def list_visits(request: Request, db: DbSession, where: ClinicalWhere, patient_id: PatientId,
                limit: Limit = 50, after: After = None) -> Response:
    """The patient's visits by date with current measurements and verdicts, a page at a time."""
    docs, next_after = visits.list_visits(db, where, patient_id, limit=limit, after=after)
    return document(request, {"visits": docs, "next_after": next_after}, etag=False)


@router.post("", operation_id="add_visit", status_code=201,
             responses={201: {"model": VisitCreatedOut}, 200: {"model": VisitCreatedOut,
                        "description": "The same visit was recorded before: nothing added"},
                        **NOT_FOUND, **ERROR_RESPONSES})
def add_visit(request: Request, db: DbSession, where: ClinicalWhere, patient_id: PatientId,
              record: VisitRecord) -> Response:
    """Add a visit: validated as a whole, stored, assessed; later visits are re-assessed."""
    patient = svc.scoped_patient(db, where.who, patient_id)
    done = repo.add_visit(db, pseudonym=patient.pseudonym, data=record,
                          organisation_name=where.who.organisation, source="api", actor=where.who.username)
    where.audit(db, action="create", entity="api_request", entity_id=done.visit_id, patient_id=patient.id,
                what="visit", created=done.created)
    body = {"visit_id": done.visit_id, "created": done.created, "date": done.visit_date.isoformat(),
            "outcomes": done.outcomes, "reassessed": done.reassessed}
    return DocumentResponse(body, status_code=201 if done.created else 200,
                            headers={"Location": f"{request.scope.get('root_path', '')}/patients/{patient.id}"
                                                 f"/visits/{done.visit_id}"})


@router.get("/{visit_id}", operation_id="get_visit",
            responses={200: {"model": VisitOut}, 304: {"description": "Not modified (If-None-Match)"},
                       **NOT_FOUND, **ERROR_RESPONSES})
def get_visit(request: Request, db: DbSession, where: ClinicalWhere, patient_id: PatientId,
              visit_id: VisitId) -> Response:
    """One visit: current measurements (versions, units as entered), verdicts and red flags."""
    return document(request, visits.read_visit(db, where, patient_id, visit_id))


@router.post("/{visit_id}/corrections", operation_id="correct_visit",
             responses={200: {"model": CorrectionOut}, **PRECONDITION, **NOT_FOUND, **ERROR_RESPONSES})
def correct_visit(request: Request, db: DbSession, where: ClinicalWhere, patient_id: PatientId,
                  visit_id: VisitId, body: CorrectionIn) -> Response:
    """Correct measurements (each a new version; the old kept); `If-Match` guards lost updates."""
    patient, visit = visits.scoped_visit(db, where, patient_id, visit_id)
    require_match(request, etag_of(DocumentResponse(visits.visit_document(db, visit)).body))
    done = visits.correct_visit(db, where, patient, visit, changes=body.changes, reason=body.reason)
    db.expire_all()
    doc = visits.read_visit(db, where, patient_id, visit_id)
    response = DocumentResponse({"corrected": done, "visit": doc})
    response.headers["ETag"] = etag_of(DocumentResponse(doc).body)
    return response


@router.get("/{visit_id}/assessment", operation_id="get_visit_assessment",
            responses={200: {"model": AssessmentOut}, **NOT_FOUND, **ERROR_RESPONSES})
def visit_assessment(request: Request, db: DbSession, where: ClinicalWhere, patient_id: PatientId,
                     visit_id: VisitId) -> Response:
    """The visit's full assessment rebuilt from its stored inputs (`myoscope visit assessment`)."""
    return document(request, visits.visit_assessment(db, where, patient_id, visit_id))
