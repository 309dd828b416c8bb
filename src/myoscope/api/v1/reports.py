"""The clinician or patient report as PDF or HTML: of a stored patient's latest visit
(``GET /patients/{id}/report``, an audited read scoped to the token's organisation) or of a
record in the body (``POST /report``, nothing stored).

The routes only translate HTTP into the calls the web app's download buttons and ``myoscope
report`` make (:func:`myoscope.web.reports.stored_report`, :func:`myoscope.report.service.
record_report`), so the three faces give the same document for the same input.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ...record import parse_record
from ...report.service import PAPERS, ReportFile, record_report, report_file
from ...web.reports import stored_report
from ..deps import Clinical, ClinicalWhere, DbSession, PatientId
from ..errors import ERROR_RESPONSES, NOT_FOUND, Responses, declared
from ..schemas import EXAMPLE_RECORD, RECORD_HELP

router = APIRouter(tags=["reports"])

Format = Annotated[Literal["pdf", "html"], Query(alias="format", description="pdf (WeasyPrint) or html (one "
                                                 "self-contained document from the same templates).")]
Audience = Annotated[Literal["clinician", "patient"],
                     Query(description="clinician (to sign) or patient (plain language).")]
Paper = Annotated[Literal["a4", "letter"], Query(description="Page size of the print layout.")]
Record = Annotated[dict[str, Any], Body(description=RECORD_HELP, examples=[EXAMPLE_RECORD])]

#: the document's two media types, declared so a client (and schemathesis) knows the body is not JSON
DOCUMENT: Responses = {200: {
    "description": "The report: a PDF, or an HTML document, as `format` asks.",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}}}}}
NOTHING_YET: Responses = {409: declared("The patient has no visit yet: nothing to report")}


def _download(report: ReportFile) -> Response:
    return Response(report.body, media_type=report.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{report.filename}"'})


@router.get("/patients/{patient_id}/report", operation_id="patient_report", response_class=Response,
            responses={**DOCUMENT, **NOT_FOUND, **NOTHING_YET, **ERROR_RESPONSES})
def patient_report(request: Request, db: DbSession, where: ClinicalWhere, patient_id: PatientId,
                   fmt: Format = "pdf", audience: Audience = "clinician", paper: Paper = "a4") -> Response:
    """The report of a patient's latest visit, as the web app's download buttons give it (audited)."""
    cache = getattr(request.app.state, "page_cache", None)  # the web app's: a chart made once serves both
    return _download(stored_report(db, where, patient_id, audience, fmt, page_size=PAPERS[paper],
                                   page_cache=cache))


@router.post("/report", operation_id="report", response_class=Response,
             responses={**DOCUMENT, **ERROR_RESPONSES})
async def report(who: Clinical, record: Record, fmt: Format = "pdf", audience: Audience = "clinician",
                 paper: Paper = "a4") -> Response:
    """The report of a record, as `myoscope report RECORD` writes it (nothing stored)."""
    rec = parse_record(record, source="request body")
    body = await run_in_threadpool(record_report, rec, audience, fmt, assessor=who.username,
                                   page_size=PAPERS[paper])
    return _download(report_file(body, audience, fmt, rec.id or "record"))
