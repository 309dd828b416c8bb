"""Errors of the FHIR face as OperationOutcome (style-web.md §13), the FHIR counterpart of the
JSON API's envelope: one issue per problem, the field as its expression, nothing echoed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi.responses import JSONResponse

from ..errors import Problem
from . import r4b

#: HTTP status -> OperationOutcome issue code (the codes of the FHIR issue-type value set)
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    500: "exception",
}
MEDIA_TYPE = "application/fhir+json"


def operation_outcome(status: int, message: str, problems: Iterable[Problem] = ()) -> dict[str, Any]:
    """The OperationOutcome body: the message first, then one issue per problem."""
    code = ISSUE_CODES.get(status, "processing")
    issues: list[dict[str, Any]] = [{"severity": "error", "code": code, "diagnostics": message}]
    issues += [
        {"severity": "error", "code": code, "diagnostics": p.message, "expression": [p.path]}
        for p in problems
    ]
    outcome = r4b.OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": issues})
    return r4b.to_json(outcome)


def outcome_response(status: int, message: str, problems: Iterable[Problem] = ()) -> JSONResponse:
    return JSONResponse(
        operation_outcome(status, message, problems), status_code=status, media_type=MEDIA_TYPE
    )
