"""One router per page family; ``ROUTERS`` is the whole list the app includes."""

from __future__ import annotations

from fastapi import APIRouter

from . import admin, assess, auth, cohort, fhir, patients, public, visits

ROUTERS: list[APIRouter] = [
    auth.router,
    patients.router,
    visits.router,
    assess.router,
    cohort.router,
    admin.router,
    public.router,
    fhir.router,
]
