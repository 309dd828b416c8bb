"""The public pages (no sign-in): the self-check (/check) and the guide (/learn).

Nothing is stored: the answers travel in the form from step to step and are forgotten when the
page is closed; the only cookie is the form's CSRF token (double-submit, path /check). Every
decision is the self-check service's (``myoscope.selfcheck``); these handlers only choose the page.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ...errors import Problem, RecordValidationError
from ...selfcheck import flags_for, questions, run_check, warning_signs_needed
from ...selfcheck.guide import guide_index, guide_page
from ...selfcheck.knowledge import public_knowledge
from ...selfcheck.service import MONTHS, UNIT, problems_by_field
from ..deps import Settings
from ..errors import WebError
from ..i18n import N_, choose, gettext_for
from ..selfcheck_pdf import patient_pdf_available, summary_pdf
from .render import page

router = APIRouter()
CHECK_CSRF_COOKIE = "myoscope_check_csrf"
#: form fields that are not answers
_CONTROL = {"csrf_token", "help_seen"}


class PageGone(WebError):
    status = 404
    title = N_("Not found")


def _ctx(request: Request, **extra: Any) -> dict[str, Any]:
    lang = choose(request.headers.get("accept-language"))
    return {"_": gettext_for(lang), "lang": lang, "public": True, "k": public_knowledge().check, **extra}


def _token(request: Request) -> str:
    return request.cookies.get(CHECK_CSRF_COOKIE) or secrets.token_urlsafe(32)


def _render(request: Request, settings: Settings, name: str, status: int = 200, **extra: Any) -> Response:
    token = _token(request)
    response = page(request, name, _ctx(request, csrf=token, **extra), status)
    response.set_cookie(CHECK_CSRF_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.cookie_secure, path="/check")
    return response


async def _answers(request: Request) -> dict[str, str]:
    form = await request.form()
    token = form.get("csrf_token")
    cookie = request.cookies.get(CHECK_CSRF_COOKIE, "")
    if not cookie or not isinstance(token, str) or not hmac.compare_digest(cookie, token):
        raise WebError(N_("the form has expired: please start the self-check again at /check"))
    return {k: v for k, v in form.items() if isinstance(v, str) and v.strip() and k not in _CONTROL}


def _problems(request: Request, problems: list[Problem]) -> dict[str, list[str]]:
    """Each problem under its form field, in the page's language around the values as given."""
    return problems_by_field(problems, gettext_for(choose(request.headers.get("accept-language"))))


def _emergency(flags: list[dict[str, Any]]) -> bool:
    """Whether the answers hold an emergency that is known, not only possible."""
    return any(f["urgency"] == "emergency" and f.get("status", "active") == "active" for f in flags)


def _main_form(request: Request, settings: Settings, answers: dict[str, str],
               problems: dict[str, list[str]] | None = None, status: int = 200,
               help_seen: bool = False) -> Response:
    # told to get help now, the person is not asked to time chair rises and a walk meanwhile
    # (answers that cannot be read, the page's own problems, raise no flag here)
    emergency = False
    if help_seen:
        with contextlib.suppress(RecordValidationError):
            emergency = _emergency(flags_for(answers))
    return _render(request, settings, "public/check_questions.html", status, answers=answers,
                   help_seen=help_seen, emergency=emergency,
                   problems=problems or {}, sarc_f=questions("sarc_f"), about=questions("about_you"),
                   carried=_carried(answers, main=True), months_field=MONTHS)


def _carried(answers: dict[str, str], main: bool) -> dict[str, str]:
    """The answers of earlier steps, carried as hidden fields (the main form's own are shown)."""
    story = {n for step in ("story", "warning_signs") for q in questions(step)
             for n in ((q.name, UNIT + q.name) if q.kind == "weight" else (q.name,))}
    return {k: v for k, v in answers.items() if (k in story) == main}


@router.get("/check")
def check_start(request: Request, settings: Settings) -> Response:
    return _render(request, settings, "public/check_start.html", answers={}, problems={},
                   story=questions("story"))


@router.post("/check/story")
async def check_story(request: Request, settings: Settings) -> Response:
    answers = await _answers(request)
    try:
        flags = await run_in_threadpool(flags_for, answers)
    except RecordValidationError as exc:
        return _render(request, settings, "public/check_start.html", 422, answers=answers,
                       problems=_problems(request, exc.problems), story=questions("story"))
    # an emergency the story already shows is said now, not after the warning-sign questions
    if _emergency(flags):
        return _render(request, settings, "public/check_help.html", answers=answers, carried=answers,
                       flags=[f for f in flags if f["urgency"] in ("emergency", "urgent")])
    if warning_signs_needed(answers):
        return _render(request, settings, "public/check_signs.html", answers=answers, problems={},
                       signs=questions("warning_signs"), carried=answers)
    return _main_form(request, settings, answers)


@router.post("/check/signs")
async def check_signs(request: Request, settings: Settings) -> Response:
    answers = await _answers(request)
    try:
        flags = await run_in_threadpool(flags_for, answers)
    except RecordValidationError as exc:  # a typed warning-sign answer (the rate of weight loss)
        story = {q.name for q in questions("story")}
        return _render(request, settings, "public/check_signs.html", 422, answers=answers,
                       problems=_problems(request, exc.problems), signs=questions("warning_signs"),
                       carried={k: v for k, v in answers.items() if k in story})
    urgent = [f for f in flags if f["urgency"] in ("emergency", "urgent")]
    if urgent:
        return _render(request, settings, "public/check_help.html", flags=urgent, answers=answers,
                       carried=answers)
    return _main_form(request, settings, answers)


@router.post("/check/questions")
async def check_questions(request: Request, settings: Settings) -> Response:
    help_seen = (await request.form()).get("help_seen") == "yes"  # the person saw the help page
    return _main_form(request, settings, await _answers(request), help_seen=help_seen)


@router.post("/check/result")
async def check_result(request: Request, settings: Settings) -> Response:
    form = await request.form()
    answers = await _answers(request)
    try:
        result = await run_in_threadpool(run_check, answers)
    except RecordValidationError as exc:
        return _main_form(request, settings, answers, _problems(request, exc.problems), 422,
                          help_seen=form.get("help_seen") == "yes")
    if result.urgent and form.get("help_seen") != "yes":
        # an urgent red flag is shown before any other result, whatever the path to it
        return _render(request, settings, "public/check_help.html", flags=result.urgent, answers=answers,
                       carried=answers, to_result=True)
    return _render(request, settings, "public/check_result.html", result=result, answers=answers,
                   pdf=patient_pdf_available())


@router.post("/check/summary")
async def check_summary(request: Request, settings: Settings) -> Response:
    answers = await _answers(request)
    try:
        result = await run_in_threadpool(run_check, answers)
    except RecordValidationError as exc:
        return _main_form(request, settings, answers, _problems(request, exc.problems), 422)
    return _render(request, settings, "public/check_summary.html", result=result, answers=answers,
                   pdf=patient_pdf_available(), today=date.today().isoformat())


@router.post("/check/summary.pdf")
async def check_summary_pdf(request: Request, settings: Settings) -> Response:
    """The printable summary as a PDF download; nothing is stored (the answers come with the form)."""
    answers = await _answers(request)
    try:
        result = await run_in_threadpool(run_check, answers)
    except RecordValidationError as exc:
        return _main_form(request, settings, answers, _problems(request, exc.problems), 422)
    if not patient_pdf_available():
        raise PageGone(N_("PDF rendering is not installed here; use the printable summary"))
    page_html = _render(request, settings, "public/check_summary.html", result=result, answers=answers,
                        pdf=False, today=date.today().isoformat())
    pdf = await run_in_threadpool(summary_pdf, bytes(page_html.body).decode("utf-8"))
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="self-check-summary.pdf"', "Cache-Control": "no-store"})


@router.get("/learn")
def learn(request: Request) -> Response:
    return page(request, "public/learn_index.html", _ctx(request, guide=guide_index()))


@router.get("/learn/{cause_id}")
def learn_cause(request: Request, cause_id: str) -> Response:
    entry = guide_page(cause_id)
    if entry is None:
        raise PageGone(N_("there is no guide page with that name"))
    return page(request, "public/learn_cause.html", _ctx(request, entry=entry))
