"""Administration: the organisation's users and its audit log (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from ...registry.models import AUDIT_ACTIONS
from .. import accounts
from .. import admin as svc
from ..accounts import SignedIn
from ..deps import Admin, CsrfChecked, DbSession, PathId, address_of
from ..forms import problems_by_field
from ..patients import Where
from .render import page

router = APIRouter(prefix="/admin")


def admin_where(request: Request, who: Admin) -> Where:
    return Where(who, address_of(request), request.state.request_id)


AdminWhere = Annotated[Where, Depends(admin_where)]


def _users_page(request: Request, db: DbSession, where: Where, **extra: object) -> Response:
    status = int(extra.pop("status", 200))  # type: ignore[call-overload]
    ctx = {
        "users": svc.users_of(db, where),
        "roles": accounts.ROLES,
        "password_min": accounts.PASSWORD_MIN,
        "values": {},
        "problems": {},
        "other": [],
        "change_problems": [],
    }
    return page(request, "admin_users.html", {**ctx, **extra}, status)


@router.get("/users")
def users(request: Request, db: DbSession, where: AdminWhere) -> Response:
    return _users_page(request, db, where)


@router.post("/users", dependencies=[CsrfChecked])
def add_user(
    request: Request,
    db: DbSession,
    where: AdminWhere,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    values = {"username": username, "display_name": display_name, "role": role}
    try:
        accounts.create_user(
            db,
            request.app.state.passwords,
            username=username.strip(),
            password=password,
            role=role,
            organisation=where.who.organisation or "",
            display_name=display_name.strip() or None,
            actor=where.who.username,
        )
    except accounts.AccountInputError as exc:
        by, other = problems_by_field(exc.problems, ())
        return _users_page(request, db, where, values=values, problems=by, other=other, status=422)
    except accounts.AccountError as exc:
        return _users_page(request, db, where, values=values, problems={"username": [str(exc)]}, status=409)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}", dependencies=[CsrfChecked])
def change_user(
    request: Request,
    db: DbSession,
    where: AdminWhere,
    user_id: PathId,
    role: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    """Change a user's role, or deactivate/reactivate them (each form on the page sends one).

    The fields are taken as posted: the service names every bad one at once (form-level limits
    answered a bare 400 naming only the first)."""
    try:
        svc.change_user(
            db, where, user_id, role=role or None, active=active
        )
    except accounts.AccountInputError as exc:
        return _users_page(request, db, where, change_problems=[str(p) for p in exc.problems], status=422)
    except svc.LastAdminError as exc:
        db.rollback()
        return _users_page(request, db, where, change_problems=[str(exc)], status=409)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/audit")
def audit_log(
    request: Request,
    db: DbSession,
    where: AdminWhere,
    actor: Annotated[str, Query(max_length=100)] = "",
    action: Annotated[str, Query(pattern="^(|create|read|update|delete)$")] = "",
    entity: Annotated[str, Query(max_length=30)] = "",
    patient: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> Response:
    log = svc.audit_log(
        db,
        where,
        svc.AuditFilter(actor.strip(), action, entity.strip(), int(patient) if patient else None, page_no),
    )
    return page(request, "admin_audit.html", {"log": log, "actions": AUDIT_ACTIONS})


__all__ = ["SignedIn", "router"]
