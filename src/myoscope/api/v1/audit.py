"""The audit log of your organisation (admins only): newest first, filtered, numbered pages."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ...registry.audit import jsonable
from ...registry.db import MAX_ID
from ...web import admin as svc
from ..deps import NO_NUL, AdminWhere, DbSession
from ..errors import ERROR_RESPONSES
from ..http import document
from ..schemas import AuditOut

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", operation_id="audit_log", responses={200: {"model": AuditOut}, **ERROR_RESPONSES})
def audit_log(
    request: Request, db: DbSession, where: AdminWhere,
    actor: Annotated[str, Query(max_length=100, pattern=NO_NUL)] = "",
    action: Annotated[str, Query(pattern="^(|create|read|update|delete)$")] = "",
    entity: Annotated[str, Query(max_length=30, pattern=NO_NUL)] = "",
    patient: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number (50 rows a page).")] = 1,
) -> Response:
    """The audit rows of your organisation's patients and users, as the admin page shows them."""
    log = svc.audit_log(db, where, svc.AuditFilter(actor.strip(), action, entity.strip(), patient, page))
    rows = [{"id": r.id, "at": r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC), "actor": r.actor,
             "action": r.action, "entity": r.entity,
             "entity_id": r.entity_id, "patient_id": r.patient_id, "details": r.details} for r in log.rows]
    doc = {"rows": rows, "total": log.total, "page": log.page, "pages": log.pages}
    return document(request, jsonable(doc), etag=False)
