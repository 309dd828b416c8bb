"""Sign in and sign out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from .. import accounts
from ..accounts import SignedIn
from ..deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfChecked,
    CurrentUser,
    DbSession,
    Settings,
    address_of,
    optional_user,
)
from .render import page

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a full URL): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/patients"


def _login_form(
    request: Request,
    settings: Settings,
    *,
    status: int = 200,
    error: str = "",
    username: str = "",
    next_url: str = "/patients",
) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(
        request,
        "login.html",
        {"login_csrf": token, "error": error, "username": username, "next": _safe_next(next_url)},
        status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=settings.cookie_secure, path="/login"
    )
    return response


@router.get("/")
def home(who: Annotated[SignedIn | None, Depends(optional_user)]) -> Response:
    return RedirectResponse("/patients" if who else "/login", status_code=303)


@router.get("/login")
def login_page(request: Request, settings: Settings, next: str = "/patients") -> Response:
    return _login_form(request, settings, next_url=next)


@router.post("/login")
def login(
    request: Request,
    db: DbSession,
    settings: Settings,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/patients",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        return _login_form(
            request,
            settings,
            status=403,
            error="The form has expired: please sign in again.",
            username=username,
            next_url=next,
        )
    try:
        done = accounts.sign_in(
            db,
            settings,
            request.app.state.passwords,
            username=username,
            password=password,
            address=address_of(request),
            old_token=request.cookies.get(SESSION_COOKIE),
        )
    except accounts.LoginThrottledError as exc:
        db.commit()
        return _login_form(
            request,
            settings,
            status=429,
            error=f"Too many failed sign-ins: {exc}.",
            username=username,
            next_url=next,
        )
    if done is None:
        db.commit()  # the failed attempt counts
        return _login_form(
            request,
            settings,
            status=401,
            error="Wrong user name or password.",
            username=username,
            next_url=next,
        )
    token, _user = done
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.cookie_secure, path="/"
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, db: DbSession, who: CurrentUser) -> Response:
    accounts.sign_out(db, who, address_of(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
