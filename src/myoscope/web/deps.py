"""Request dependencies: the database session, the signed-in user, their organisation, roles, CSRF.

Route signatures say who may call them: ``CurrentUser`` (anyone signed in), ``Clinical`` (may
see identifiable patient pages: clinicians and admins), ``Admin``. A page that needs a user and
gets none redirects to the sign-in page; a signed-in user without the role gets 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from pydantic import AfterValidator
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..registry.db import storable_id
from . import accounts
from .accounts import SignedIn
from .errors import CsrfError, Forbidden, NotFound, NotSignedIn
from .i18n import N_
from .paths import NO_COOKIE_PATHS, PUBLIC_PATHS
from .patients import Where
from .settings import WebSettings

SESSION_COOKIE = "myoscope_session"
LOGIN_CSRF_COOKIE = "myoscope_login_csrf"


def no_nul_in_query(request: Request) -> None:
    """Refuse a NUL character anywhere in the query string, on every page (the app includes
    each router with this): PostgreSQL cannot compare or store it, so a search or filter holding
    one was a 500 there (and a quiet 200 on SQLite). A 400, as the API answers 422 for the same.
    Form fields are the services' to check, so the form comes back with the field named."""
    if any("\x00" in key or "\x00" in value for key, value in request.query_params.multi_items()):
        _note_user(request)
        raise HTTPException(400, "the address holds a NUL character, which no search or filter can hold")


def _note_user(request: Request) -> None:
    """Who is signed in, for the header (navigation, sign-out) of an error page refused before
    the route's own dependencies read it, as every other page of a signed-in user has it. Not
    on the public pages or the machine faces, whose pages never show one. Read in a short
    transaction of its own; a database that fails leaves the page without the header, never a 500."""
    if request.url.path.startswith((*PUBLIC_PATHS, *NO_COOKIE_PATHS)):
        return
    try:
        with request.app.state.sessions() as db:
            optional_user(request, db, request.app.state.settings)
    except SQLAlchemyError:
        request.state.user = None


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed before the response is sent (audit rows with it),
    rolled back on any error, so a page is never shown for a read that was not audited."""
    with request.app.state.sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


DbSession = Annotated[Session, Depends(get_db, scope="function")]
Settings = Annotated[WebSettings, Depends(get_settings)]


def optional_user(request: Request, db: DbSession, settings: Settings) -> SignedIn | None:
    who = accounts.current(db, settings, request.cookies.get(SESSION_COOKIE))
    db.commit()  # a short transaction: SQLite's single write lock is not held for the whole request
    request.state.user = who
    return who


def current_user(who: Annotated[SignedIn | None, Depends(optional_user)]) -> SignedIn:
    if who is None:
        raise NotSignedIn()
    return who


CurrentUser = Annotated[SignedIn, Depends(current_user)]


class RequireRole:
    """A dependency that admits only the given roles (403 for the others)."""

    def __init__(self, *roles: str) -> None:
        self.roles = roles

    def __call__(self, who: CurrentUser) -> SignedIn:
        if who.role not in self.roles:
            raise Forbidden(f"this page is for {' or '.join(self.roles)} users")
        return who


Clinical = Annotated[SignedIn, Depends(RequireRole("clinician", "admin"))]
Admin = Annotated[SignedIn, Depends(RequireRole("admin"))]


def address_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def where(request: Request, who: Clinical) -> Where:
    """Who is asking, from where, in which request: what every audit row carries."""
    return Where(who, address_of(request), request.state.request_id)


CurrentWhere = Annotated[Where, Depends(where)]


def _storable_id(value: int) -> int:
    """An id beyond the database's integer names no row, but the database cannot even be asked
    (SQLite refuses to bind a number beyond 64 bits: OverflowError, a 500): it is answered here
    with the 404 of an unknown id. NotFound is not a ValueError, so pydantic lets it through
    rather than calling it a bad request; path parameters are read after the route's other
    dependencies, so an anonymous user is still sent to sign in first."""
    if not storable_id(value):
        raise NotFound(N_("there is no such page"))
    return value


#: an integer id in a web path (patient, visit, user): every route with one takes this type
PathId = Annotated[int, AfterValidator(_storable_id)]


async def csrf_token_of(request: Request) -> str:
    form = await request.form()
    token = form.get("csrf_token")
    return token if isinstance(token, str) else ""


async def check_csrf(request: Request, who: CurrentUser) -> None:
    """A state-changing form must carry the session's CSRF token."""
    if not hmac.compare_digest(await csrf_token_of(request), who.csrf_token):
        raise CsrfError()


CsrfChecked = Depends(check_csrf)
