"""``/cds-services``: discovery, the ``myoscope-patient-view`` hook and its feedback endpoint.

Thin: the JWT is verified (:mod:`.security`), the data gathered (:mod:`.fetching`), the pathway
run (:func:`myoscope.fhir.service.assess_fhir`) and the cards built (:mod:`.cards`). A request the
service cannot read is a 4xx in the one JSON envelope; a patient without data is not an error
(the card says what to measure).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from ..api.envelope import error_response
from ..errors import Problem, ProblemsError, RecordValidationError
from ..fhir.importing import FhirInputError
from ..fhir.service import FhirAssessment, assess_fhir
from ..registry.models import CdsFeedback
from .cards import CardContext, cards_for
from .fetching import FhirServerError, from_prefetch, from_server, prefetch_templates, read_json_capped
from .models import CdsResponse, Feedback, HookRequest, PatientViewContext, Service, text_problems
from .replay import JtiLedger
from .security import MAX_JWKS_BYTES, CdsAuthError, JwtVerifier, parse_clients

SERVICE_ID = "myoscope-patient-view"
HOOK = "patient-view"

router = APIRouter(prefix="/cds-services", tags=["cds-hooks"])
#: a call whose data hold at most this many resources is assessed on the event loop: a few
#: milliseconds of CPU-bound Python, which a worker thread would only make dearer (two thread
#: hand-overs and a fight for the interpreter lock with the other calls in flight: docs/cds-hooks.md,
#: Speed). Larger data go to a worker thread, so one big patient cannot hold up the other calls.
INLINE_RESOURCES = 100


def today() -> date:
    """The assessment date of a hook call (UTC): the Observations window ends here."""
    return datetime.now(UTC).date()


def services() -> list[Service]:
    return [
        Service(
            hook=HOOK,
            id=SERVICE_ID,
            title="myoscope muscle wasting",
            description="Sarcopenia, malnutrition and cachexia verdicts under every consensus definition, "
            "red flags, and what to measure next, from the patient's Observations.",
            prefetch=prefetch_templates(),
            usageRequirements="Observations coded with LOINC (docs/fhir.md); "
            "JWT-signed requests (RS384/ES384).",
        )
    ]


def verifier(request: Request) -> JwtVerifier:
    """The app's verifier (built once per app: its JWKS cache outlives a request); the jti replay
    check lives in the registry database, shared by every worker (:mod:`.replay`)."""
    state = request.app.state
    if getattr(state, "cds_verifier", None) is None:
        timeout = state.settings.cds_fhir_timeout

        def fetch(url: str) -> dict[str, Any]:
            doc: dict[str, Any] = read_json_capped(url, "JWKS URL", MAX_JWKS_BYTES, timeout)
            return doc

        ledger = JtiLedger(state.engine)
        state.cds_verifier = JwtVerifier(
            parse_clients(state.settings.cds_clients), ledger.once, fetch_jwks=fetch, leeway=ledger.leeway
        )
    v: JwtVerifier = state.cds_verifier
    return v


def service_url(request: Request, path: str) -> str:
    base = request.app.state.settings.public_base_url or str(request.base_url)
    return base.rstrip("/") + path


def _problems(exc: ValidationError, prefix: str = "", skip: tuple[str, ...] = ()) -> list[Problem]:
    """pydantic's complaints (but those of a type in ``skip``) as problems, each path under
    ``prefix`` (a model validated from a part of the body). A lone surrogate in a path or message
    is escaped: a response holding one cannot be encoded, a 500 instead of the 400."""

    def text(s: str) -> str:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")

    return [
        Problem(
            text(".".join(str(p) for p in (prefix, *e.get("loc", ())) if p != "") or "(body)"),
            text(str(e.get("msg", "invalid"))),
        )
        for e in exc.errors()
        if e.get("type") not in skip
    ]


def _refused(raw: Any, exc: ValidationError | None = None, prefix: str = "") -> list[Problem]:
    """Every problem of a body: the text no field can hold (a NUL, a lone surrogate), named the
    same way on the hook and the feedback endpoint, then the models' other complaints (``exc``,
    its paths under ``prefix``). pydantic's own complaint about a lone surrogate would only name
    such a field a second time (or, for an extra key, name the whole body), so it is left out
    when the text check found any."""
    bad = [Problem(path, why) for path, why in text_problems(raw)]
    if exc is None:
        return bad
    named = {p.path for p in bad}
    skip = ("string_unicode",) if bad else ()
    return bad + [p for p in _problems(exc, prefix, skip) if p.path not in named]


async def _body(request: Request) -> Any:
    limit = request.app.state.settings.fhir_max_bytes
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ProblemsError([Problem("(body)", f"larger than {limit:,} bytes")])
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProblemsError([Problem("(body)", "not JSON")]) from None
    except RecursionError:  # arrays or objects nested deeper than the parser goes: a 400, not a 500
        raise ProblemsError([Problem("(body)", "JSON nested too deeply")]) from None


@router.get("")
def discovery() -> Response:
    """The discovery document: the one service, its hook and prefetch templates."""
    return JSONResponse({"services": [s.model_dump(exclude_none=True) for s in services()]})


@router.post("/{service_id}")
async def call_hook(service_id: str, request: Request) -> Response:
    """Answer a ``patient-view`` call with cards (docs/cds-hooks.md)."""
    if service_id != SERVICE_ID:
        return error_response(404, "not_found", f"no CDS service {service_id[:100]!r}")
    check = verifier(request)
    try:
        claims = await run_in_threadpool(
            check.verify, request.headers.get("authorization"), service_url(request, request.url.path)
        )
    except CdsAuthError as exc:
        return error_response(401, "unauthorized", str(exc), headers={"WWW-Authenticate": "Bearer"})
    try:
        raw = await _body(request)
    except ProblemsError as exc:
        return error_response(400, "invalid_request", "the request body cannot be read", exc.problems)
    read = _hook_request(raw)
    if isinstance(read, list):
        return error_response(400, "invalid_request", "the hook request is invalid", read)
    hook, context = read
    if hook.hook != HOOK:
        return error_response(
            400,
            "hook_mismatch",
            f"service {SERVICE_ID} answers {HOOK}, not {hook.hook[:50]!r}",
            [Problem("hook", f"expected {HOOK}")],
        )
    client = check.client(str(claims["iss"]))
    if hook.fhirServer and client is not None and not client.allows_server(hook.fhirServer):
        return error_response(
            403,
            "forbidden",
            "this client may not name that FHIR server",
            [Problem("fhirServer", "not one of the client's configured FHIR servers")],
        )
    settings = request.app.state.settings
    ctx = CardContext(
        base_url=settings.public_base_url or str(request.base_url),
        patient_id=context.patientId,
        smart_launch_url=settings.smart_launch_url,
    )
    resources = from_prefetch(hook.prefetch, context.patientId)
    why = None
    caveats: list[str] = []
    if resources is None and hook.fhirServer:
        token = hook.fhirAuthorization.access_token if hook.fhirAuthorization else None
        try:
            fetched = await from_server(
                hook.fhirServer,
                context.patientId,
                token,
                settings.cds_fhir_timeout,
                getattr(request.app.state, "cds_http_transport", None),
            )
        except FhirServerError as exc:
            why = f"The FHIR server could not be read: {exc}."
        else:
            resources = fetched.resources
            caveats += [fetched.note] if fetched.note else []
    if resources is None:
        why = why or "Neither prefetch nor a FHIR server gave this patient's data."
        return _cards(cards_for(None, ctx, why=why))
    if len(resources) <= INLINE_RESOURCES:
        return _assessed(resources, ctx, caveats)
    return await run_in_threadpool(_assessed, resources, ctx, caveats)


def _hook_request(raw: Any) -> tuple[HookRequest, PatientViewContext] | list[Problem]:
    """The hook request and its ``patient-view`` context, or every problem of the body (the
    context's named under ``context.``, where they are in the body)."""
    try:
        hook = HookRequest.model_validate(raw)
    except ValidationError as exc:
        return _refused(raw, exc)
    try:
        context = PatientViewContext.model_validate(hook.context)
    except ValidationError as exc:
        return _refused(raw, exc, "context")
    bad = _refused(raw)
    return bad if bad else (hook, context)


def _assessed(resources: list[dict[str, Any]], ctx: CardContext, caveats: list[str]) -> Response:
    """The cards of one patient's data, each with ``caveats`` (the plan is made for its urgent
    referrals, which have cards of their own)."""
    try:
        done: FhirAssessment = assess_fhir(resources, today())
    except RecordValidationError as exc:
        why = "The data read are not enough for an assessment:"
        return _cards(cards_for(None, ctx, exc.problems, why, caveats))
    except FhirInputError as exc:
        why = "The data read are not FHIR this service can use:"
        return _cards(cards_for(None, ctx, exc.problems, why, caveats))
    return _cards(cards_for(done, ctx, caveats=caveats))


def _cards(cards: list[Any]) -> Response:
    body = CdsResponse(cards=cards).model_dump(exclude_none=True)
    for card in body["cards"]:  # optional lists are left out when empty
        for key in ("suggestions", "links"):
            if not card.get(key):
                card.pop(key, None)
    if not body["systemActions"]:
        del body["systemActions"]
    return JSONResponse(body)


@router.post("/{service_id}/feedback")
async def feedback(service_id: str, request: Request) -> Response:
    """Store what the clinician did with each card (accepted / overridden)."""
    if service_id != SERVICE_ID:
        return error_response(404, "not_found", f"no CDS service {service_id[:100]!r}")
    try:
        claims = await run_in_threadpool(
            verifier(request).verify,
            request.headers.get("authorization"),
            service_url(request, request.url.path),
        )
    except CdsAuthError as exc:
        return error_response(401, "unauthorized", str(exc), headers={"WWW-Authenticate": "Bearer"})
    try:
        raw = await _body(request)
    except ProblemsError as exc:
        return error_response(400, "invalid_request", "the request body cannot be read", exc.problems)
    # text no database column can hold (a NUL: PostgreSQL refuses it, SQLite keeps it) is refused
    # on every backend, named with the other invalid fields
    try:
        body = Feedback.model_validate(raw)
        bad = _refused(raw)
    except ValidationError as exc:
        bad = _refused(raw, exc)
    if bad:
        return error_response(400, "invalid_request", "the feedback is invalid", bad)
    rows = [
        CdsFeedback(
            service_id=service_id,
            card_uuid=item.card,
            outcome=item.outcome,
            accepted_suggestions={"ids": [s.get("id") for s in item.acceptedSuggestions]},
            override_reason=item.overrideReason.model_dump(exclude_none=True)
            if item.overrideReason
            else None,
            outcome_timestamp=item.outcomeTimestamp,
            client=str(claims["iss"])[:200],
        )
        for item in body.feedback
    ]
    with request.app.state.sessions.begin() as session:
        session.add_all(rows)
    return JSONResponse({"stored": len(rows)})
