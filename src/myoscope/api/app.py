"""``create_api(state)``: the HTTP API, a FastAPI application mounted at ``/api/v1`` by the web app.

Why a sub-application rather than routers in the web app: the API has its own error domain (the
JSON envelope for every failure; the pages answer HTML), its own OpenAPI document listing only
API operations (``/api/v1/openapi.json``; the web app publishes none), and its own credential
(a bearer token, never the session cookie). It shares the web app's engine and settings, and
the web app's outer middleware (request id, security headers, the cross-site check, which lets
a bearer request without a cookie through). No interactive docs page is served: Swagger UI and
ReDoc load scripts from a CDN, and the app serves every asset itself; docs/api.md documents
every route, and any OpenAPI viewer can open the schema.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from .. import __version__
from . import errors

PREFIX = "/api/v1"
DESCRIPTION = (
    "Muscle wasting: assess a record under every consensus definition, work up the causes, plan, "
    "project; and the registry (patients, visits, alerts, audit log) of your organisation. "
    "Authenticate with `Authorization: Bearer <token>` (`myoscope token create`). Every error is "
    '`{"error": {"code", "message", "problems": [{"field", "problem", "expected"}]}}`.'
)


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_api(shared: Any = None) -> FastAPI:
    """The API over the web app's ``state`` (engine, session factory, settings); with none, an API
    that can only describe itself (its OpenAPI document)."""
    from .v1 import ROUTERS

    api = FastAPI(
        title="myoscope API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        servers=[{"url": PREFIX}],
        root_path_in_servers=False,
        generate_unique_id_function=_operation_id,
    )
    for name in ("settings", "engine", "sessions", "page_cache"):
        setattr(api.state, name, getattr(shared, name, None))
    for router in ROUTERS:
        api.include_router(router)
    errors.install(api)
    api.add_middleware(errors.CatchAll)
    return api


def openapi_text() -> str:
    """The API's OpenAPI document as committed in ``docs/openapi.json`` (a test keeps them equal)."""
    return json.dumps(create_api().openapi(), indent=2, ensure_ascii=False) + "\n"
