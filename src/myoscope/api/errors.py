"""Every failure of the API as the one envelope (:mod:`myoscope.api.envelope`), never a traceback.

Each producer has its handler: ``HTTPException`` (401, 403, 404, 405, 412 ...), request
validation (pydantic's errors mapped to problems, never echoing the body), myoscope's named
errors (a bad record is 422 with every problem, a patient of another organisation 404, a taken
pseudonym 409) and, last, any other exception: a 500 envelope naming only the request id, the
traceback logged. ``ERROR_RESPONSES`` declares the envelope on every route (OpenAPI).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import (
    MyoscopeError,
    NothingToReportError,
    PatientExistsError,
    PatientNotFoundError,
    Problem,
    ProblemsError,
    RegistryError,
    SimulationError,
    UnknownDefinitionError,
    UnknownUnitError,
    VisitNotFoundError,
)
from ..registry.tokens import TokenError
from .envelope import error_response

log = logging.getLogger("myoscope.api")

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 412: "precondition_failed",
         413: "too_large", 415: "unsupported_media_type", 422: "invalid_request",
         428: "precondition_required", 429: "too_many_requests", 500: "internal_error"}
BOUNDS = ("ge", "le", "gt", "lt", "max_length", "min_length", "pattern")


class ProblemOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    problem: str
    expected: str | None


class ErrorOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    message: str
    problems: list[ProblemOut]


class ErrorEnvelope(BaseModel):
    """``{"error": {"code", "message", "problems": [{"field", "problem", "expected"}]}}``"""

    model_config = ConfigDict(extra="forbid")
    error: ErrorOut


def declared(description: str) -> dict[str, Any]:
    return {"model": ErrorEnvelope, "description": description}


#: the envelope on every route: what a client can meet anywhere
Responses = dict[int | str, dict[str, Any]]
ERROR_RESPONSES: Responses = {
    400: declared("Bad request (malformed JSON, a page token this API did not make)"),
    401: declared("No token, or an unknown, revoked or expired one"),
    403: declared("The token's user lacks the role"),
    422: declared("Invalid input: every problem named"),
    500: declared("Internal error (logged; the body names only the request id)"),
}
#: routes that address one patient or visit add these
NOT_FOUND: Responses = {404: declared("No such patient or visit in your organisation")}
CONFLICT: Responses = {409: declared("The pseudonym is already used in your organisation")}
PRECONDITION: Responses = {412: declared("If-Match does not match the current ETag")}


def _status_error(status: int, message: str, headers: dict[str, str] | None = None,
                  problems: list[Problem] | None = None) -> Response:
    return error_response(status, CODES.get(status, "error"), message, problems or (), headers)


def _validation_problems(exc: RequestValidationError) -> list[Problem]:
    """Pydantic's errors as problems: where (``limit``, ``body.pseudonym``) and what; never the input."""
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ())]
        where = ".".join(loc[1:]) if len(loc) > 1 and loc[0] in ("query", "path", "header") else ".".join(loc)
        msg = str(e.get("msg", "invalid"))
        ctx = e.get("ctx") or {}
        expected = ctx.get("expected") or next(
            (f"{k.replace('_', ' ')} {v}" for k, v in ctx.items() if k in BOUNDS), None)
        out.append(Problem(where or "request", f"{msg} (expected {expected})" if expected else msg))
    return out


def _domain_problems(request: Request, exc: RequestValidationError) -> list[Problem]:
    """What the service would also have said of the body pydantic refused (its model's
    ``domain_problems``, :mod:`myoscope.api.schemas`), for the keys pydantic did not name: the
    route never runs then, and a client fixing the named fields would otherwise meet the rest
    only on its next request. Named under ``body.`` as pydantic's problems are."""
    route = request.scope.get("route")
    field = getattr(route, "body_field", None)
    check = getattr(getattr(getattr(field, "field_info", None), "annotation", None), "domain_problems", None)
    if check is None or not isinstance(exc.body, Mapping):
        return []
    named = {str(loc[1]) if len(loc) > 1 else "" for e in exc.errors()
             if (loc := tuple(e.get("loc", ()))) and loc[0] == "body"}
    if "" in named:  # the body as a whole was refused
        return []
    try:
        found: list[Problem] = check(exc.body)
    except Exception:  # the extra problems are a courtesy: never a 500 in place of pydantic's 422
        log.exception("domain checks of a refused body failed")
        return []
    return [Problem(f"body.{p.path}", p.message) for p in found
            if p.path.replace("[", ".").split(".")[0] not in named]


def install(app: FastAPI) -> None:
    """The envelope handlers of the API application."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "no such route", 405: "method not allowed on this route"}
        detail = exc.detail if isinstance(exc.detail, str) else None
        message = messages.get(exc.status_code, "error") if detail in (None, "Not Found",
                                                                       "Method Not Allowed") else detail
        return _status_error(exc.status_code, message or "error", dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _status_error(400, "the body is not valid JSON", None, [Problem("body", "not valid JSON")])
        problems = _validation_problems(exc) + _domain_problems(request, exc)
        return _status_error(422, "invalid request", None, problems)

    @app.exception_handler(MyoscopeError)
    async def _named(request: Request, exc: MyoscopeError) -> Response:
        return named_error(exc)


def named_error(exc: MyoscopeError) -> Response:
    """A named myoscope error as its status and envelope."""
    if isinstance(exc, ProblemsError):  # records, scenarios, tokens, accounts: every problem
        what = getattr(exc, "what", "input")
        n = len(exc.problems)
        return error_response(422, f"invalid_{what}", f"invalid {what} ({n} problem{'s' if n != 1 else ''})",
                              exc.problems)
    if isinstance(exc, PatientNotFoundError | VisitNotFoundError):
        return _status_error(404, "there is no such patient or visit in your organisation")
    if isinstance(exc, PatientExistsError):
        return error_response(409, "conflict", "the pseudonym is already used in your organisation",
                              [Problem("pseudonym", "already used in your organisation")])
    if isinstance(exc, UnknownDefinitionError):
        return error_response(422, "invalid_request", "unknown definition",
                              [Problem("definitions", str(exc))])
    if isinstance(exc, UnknownUnitError):
        return error_response(422, "invalid_record", "unknown unit", [Problem("record", str(exc))])
    if isinstance(exc, SimulationError):
        return error_response(422, "cannot_simulate", str(exc)[:500])
    if isinstance(exc, NothingToReportError):
        return _status_error(409, str(exc)[:500])
    if isinstance(exc, RegistryError | TokenError):
        return _status_error(400, str(exc)[:500])
    return _status_error(400, str(exc)[:500])


class CatchAll:
    """The last line: any exception a handler did not turn into a response becomes a 500 envelope
    naming the request id (the traceback goes to the log, never to the client). Pure ASGI, and it
    does not re-raise, so the error is logged once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            request_id = (scope.get("state") or {}).get("request_id", "?")
            log.exception("unexpected API error in %s %s (request %s)", scope.get("method"),
                          scope.get("path"), request_id)
            if not started:
                response = _status_error(500, f"internal error; it was logged (request {request_id})")
                await response(scope, receive, send)
