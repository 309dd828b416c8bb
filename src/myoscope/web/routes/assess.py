"""Quick assessment: the visit form with sex and age, the verdicts at once, nothing saved."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from ...alarms import of_result
from ...errors import RecordValidationError
from ...pathway import run_pathway
from ..accounts import SignedIn
from ..deps import CsrfChecked, RequireRole
from ..forms import form_values, problems_by_field, record_data, visit_fields
from .render import page
from .visits import flat

router = APIRouter(prefix="/assess")
Assessor = Annotated[SignedIn, Depends(RequireRole("clinician", "admin"))]


@router.get("")
def quick_form(request: Request, who: Assessor) -> Response:
    return page(
        request,
        "assess.html",
        {"fields": visit_fields(True), "values": {}, "problems": {}, "other": [], "result": None},
    )


@router.post("", dependencies=[CsrfChecked])
async def quick_assess(request: Request, who: Assessor) -> Response:
    form = flat(await request.form())
    fields = visit_fields(True)
    try:
        data = record_data(form, fields) | {"id": "quick assessment"}
        full = await run_in_threadpool(run_pathway, data)  # CPU work off the event loop
    except RecordValidationError as exc:
        by, other = problems_by_field(exc.problems, fields)
        return page(
            request,
            "assess.html",
            {"fields": fields, "values": form_values(form), "problems": by, "other": other, "result": None},
            422,
        )
    return page(
        request,
        "assess.html",
        {
            "fields": fields,
            "values": form_values(form),
            "problems": {},
            "other": [],
            "result": full.to_dict(),
            "flags": of_result(full.workup, full.plan),
        },
    )
