"""``/fhir``: ``$assess`` (a Bundle in, the result out) and ``metadata`` (the CapabilityStatement).

``$assess`` takes patient data, so it is a clinical endpoint: it needs the JSON API's bearer
token (``myoscope token create``) of a clinician or admin, never the session cookie, and each
assessment writes an audit row (who, which organisation, from where, the request id, ``via``
fhir). It stores nothing and reads no registry patient, so the row names no patient: it records
a stateless assessment. ``metadata`` stays public (it describes the server, no patient data) and
declares the bearer token in ``rest.security``. Every error is an OperationOutcome
(style-web.md §13), never an HTML page; a 401 carries ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from ...api.deps import Clinical
from ...errors import Problem, ProblemsError
from ...fhir.capability import capability_statement
from ...fhir.outcome import MEDIA_TYPE, outcome_response
from ...fhir.service import FhirAssessment, assess_fhir
from ..deps import DbSession, address_of
from ..patients import Where

router = APIRouter(prefix="/fhir", tags=["fhir"])


def fhir_where(request: Request, who: Clinical) -> Where:
    """The token's user as the audit context of a FHIR request (``via`` fhir)."""
    return Where(who, address_of(request), request.state.request_id, via="fhir")


FhirWhere = Annotated[Where, Depends(fhir_where)]


async def read_json(request: Request, limit: int) -> Any:
    """The request body as JSON, at most ``limit`` bytes.

    :raises ProblemsError: (as 400/413 by the caller) for a body too large or not JSON."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProblemsError([Problem("(body)", f"not JSON ({type(exc).__name__})")]) from None
    except RecursionError:  # arrays or objects nested deeper than the parser goes: a 400, not a 500
        raise ProblemsError([Problem("(body)", "JSON nested too deeply")]) from None


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit:,} bytes")


@router.get("/metadata")
def metadata() -> Response:
    """The CapabilityStatement (FHIR 4.0.1); public: it holds no patient data."""
    return JSONResponse(capability_statement(), media_type=MEDIA_TYPE)


@router.post("/$assess")
async def assess(
    request: Request,
    db: DbSession,
    where: FhirWhere,
    result: Annotated[str, Query(alias="_result", pattern="^(bundle|assessment)$")] = "bundle",
) -> Response:
    """Assess a Bundle (or Patient plus Observations): a Bundle of the out resources with an
    OperationOutcome of the import report, or with ``_result=assessment`` the assessment JSON."""
    limit = request.app.state.settings.fhir_max_bytes
    try:
        data = await read_json(request, limit)
        done: FhirAssessment = await run_in_threadpool(assess_fhir, data)
    except BodyTooLarge as exc:
        return outcome_response(413, str(exc))
    except ProblemsError as exc:
        status = 422 if type(exc).__name__ == "RecordValidationError" else 400
        return outcome_response(status, str(exc).splitlines()[0], exc.problems)
    # committed with the request's transaction, before the response is sent (web.deps.get_db)
    where.audit(db, action="create", entity="assessment", stateless=True, operation="fhir $assess",
                result=result, used=len(done.imported.used), unknown=len(done.imported.unknown),
                dropped=len(done.imported.dropped))
    if result == "assessment":
        return JSONResponse(done.to_dict())
    return JSONResponse(done.bundle(), media_type=MEDIA_TYPE)
