"""``/fhir``: ``$assess`` (a Bundle in, the result out) and ``metadata`` (the CapabilityStatement).

Stateless: nothing is stored and no registry patient is read, so no session is needed; every
error is an OperationOutcome (style-web.md §13), never an HTML page.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from ...errors import Problem, ProblemsError
from ...fhir.capability import capability_statement
from ...fhir.outcome import MEDIA_TYPE, outcome_response
from ...fhir.service import assess_fhir

router = APIRouter(prefix="/fhir", tags=["fhir"])


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


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit:,} bytes")


@router.get("/metadata")
def metadata() -> Response:
    """The CapabilityStatement (FHIR 4.0.1)."""
    return JSONResponse(capability_statement(), media_type=MEDIA_TYPE)


@router.post("/$assess")
async def assess(
    request: Request,
    result: Annotated[str, Query(alias="_result", pattern="^(bundle|assessment)$")] = "bundle",
) -> Response:
    """Assess a Bundle (or Patient plus Observations): a Bundle of the out resources with an
    OperationOutcome of the import report, or with ``_result=assessment`` the assessment JSON."""
    limit = request.app.state.settings.fhir_max_bytes
    try:
        data = await read_json(request, limit)
        done = assess_fhir(data)
    except BodyTooLarge as exc:
        return outcome_response(413, str(exc))
    except ProblemsError as exc:
        status = 422 if type(exc).__name__ == "RecordValidationError" else 400
        return outcome_response(status, str(exc).splitlines()[0], exc.problems)
    if result == "assessment":
        return JSONResponse(done.to_dict())
    return JSONResponse(done.bundle(), media_type=MEDIA_TYPE)
