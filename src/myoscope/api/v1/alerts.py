"""Alerts: your organisation's patients whose latest visit shows a decline or weight loss."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ...registry.alerts import compute_alerts
from ..deps import After, ClinicalWhere, DbSession
from ..errors import ERROR_RESPONSES
from ..http import document
from ..schemas import AlertsOut

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.get("", operation_id="list_alerts", responses={200: {"model": AlertsOut}, **ERROR_RESPONSES})
def alerts(
    request: Request, db: DbSession, where: ClinicalWhere,
    limit: Annotated[int, Query(ge=1, le=500, description="Stop after the patient whose alerts reach "
                                "this many.")] = 100,
    after: After = None,
    all_visits: Annotated[bool, Query(alias="all", description="Alerts at every visit, not only the "
                                      "latest.")] = False,
) -> Response:
    """The registry's alert scan (`myoscope alerts`), restricted to your organisation, a page at a time."""
    report = compute_alerts(db, organisation_name=where.who.organisation or "", latest_only=not all_visits,
                            limit=limit, after=after, actor=where.who.username,
                            context={"address": where.address, "request_id": where.request_id, "via": "api"})
    return document(request, report.to_dict(), etag=False)
