"""API request dependencies: the database session, the token's user, roles, the audit context.

Route signatures say who may call them, as the web app's do: ``CurrentUser`` (any valid token),
``Clinical`` (clinicians and admins: identifiable patient data and the pathway), ``Admin``. A
request without a valid token gets 401 with ``WWW-Authenticate: Bearer``; a token whose user
lacks the role gets 403 before anything is looked up. The API takes no session cookie, so no
request of it can be forged by another site (no ambient credential, hence no CSRF token).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..registry import tokens
from ..registry.db import MAX_ID
from ..web.accounts import SignedIn
from ..web.deps import DbSession, address_of
from ..web.patients import Where

#: the OpenAPI security scheme (documented; the check itself is :func:`current_user`)
bearer = HTTPBearer(auto_error=False, scheme_name="token",
                    description="An API token from `myoscope token create`: `Authorization: Bearer myo_...`")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="myoscope"'}


def current_user(
    request: Request, db: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> SignedIn:
    """The token's user, checked in a short transaction of its own (its last use recorded)."""
    if credentials is None:
        raise HTTPException(401, "an API token is required: 'Authorization: Bearer <token>'", CHALLENGE)
    found = tokens.authenticate(db, credentials.credentials)
    db.commit()  # SQLite's write lock is not held for the request (last use is written rarely)
    if found is None:
        raise HTTPException(401, "the token is unknown, revoked or expired",
                            {"WWW-Authenticate": 'Bearer realm="myoscope", error="invalid_token"'})
    who = SignedIn(found.user_id, found.username, found.display_name, found.role, found.organisation_id,
                   found.organisation, "", f"api-token:{found.token_id}")
    request.state.user = who
    return who


CurrentUser = Annotated[SignedIn, Depends(current_user)]


class RequireRole:
    """A dependency that admits only the given roles (403 for the others)."""

    def __init__(self, *roles: str) -> None:
        self.roles = roles

    def __call__(self, who: CurrentUser) -> SignedIn:
        if who.role not in self.roles:
            raise HTTPException(403, f"this route is for {' or '.join(self.roles)} users")
        return who


Clinical = Annotated[SignedIn, Depends(RequireRole("clinician", "admin"))]
Admin = Annotated[SignedIn, Depends(RequireRole("admin"))]


def clinical_where(request: Request, who: Clinical) -> Where:
    """Who asks, from where, in which request: what every audit row carries (``via`` api)."""
    return Where(who, address_of(request), request.state.request_id, via="api")


def admin_where(request: Request, who: Admin) -> Where:
    return Where(who, address_of(request), request.state.request_id, via="api")


#: ids in paths: positive and within the database's integer (``registry.db.MAX_ID``)
PatientId = Annotated[int, Path(ge=1, le=MAX_ID, description="The patient's id (from the patient list).")]
VisitId = Annotated[int, Path(ge=1, le=MAX_ID, description="The visit's id (from the visit list).")]

#: a query text: no NUL byte (PostgreSQL refuses it in any text; SQLite would take it)
NO_NUL = r"^[^\x00]*$"
After = Annotated[str | None, Query(max_length=500, pattern=NO_NUL,
                                    description="The previous page's next_after (null: the first page).")]

ClinicalWhere = Annotated[Where, Depends(clinical_where)]
AdminWhere = Annotated[Where, Depends(admin_where)]

__all__ = [
    "NO_NUL",
    "Admin",
    "AdminWhere",
    "After",
    "Clinical",
    "ClinicalWhere",
    "CurrentUser",
    "DbSession",
    "PatientId",
    "RequireRole",
    "VisitId",
]
