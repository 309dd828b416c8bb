"""Version 1 of the HTTP API: one router per resource; ``ROUTERS`` is the whole list."""

from __future__ import annotations

from fastapi import APIRouter

from . import alerts, audit, meta, pathway, patients, reports, visits

ROUTERS: list[APIRouter] = [meta.router, pathway.router, patients.router, visits.router, alerts.router,
                            audit.router, reports.router]
