"""``GET /health`` (no token: a load balancer's probe and the benchmark's baseline) and ``GET /me``."""

from __future__ import annotations

from fastapi import APIRouter

from ... import __version__
from ..deps import CurrentUser
from ..errors import ERROR_RESPONSES
from ..schemas import HealthOut, MeOut

router = APIRouter(tags=["meta"])


@router.get("/health", operation_id="health", responses={500: ERROR_RESPONSES[500]})
def health() -> HealthOut:
    """The API answers (it reads no database)."""
    return HealthOut(status="ok", version=__version__)


@router.get("/me", operation_id="me", responses=ERROR_RESPONSES)
def me(who: CurrentUser) -> MeOut:
    """Who the token acts as: user, role and organisation."""
    return MeOut(username=who.username, display_name=who.display_name, role=who.role,
                 organisation=who.organisation)
