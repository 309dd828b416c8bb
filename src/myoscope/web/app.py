"""``create_app(settings)``: the web app, built on demand (nothing is created at import time).

The app holds its engine, session factory, password hasher and templates on ``app.state``; two
apps in one process (tests) share nothing. Every response carries the security headers; every
error is an HTML page naming the problem with its 4xx status, and an unexpected error a 500
page that shows no internals.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import anyio.to_thread
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..api.envelope import error_response
from ..errors import PatientNotFoundError, VisitNotFoundError
from ..knowledge import load_knowledge
from ..registry import db as registry_db
from .accounts import Passwords
from .cohort_jobs import CohortJobNotFound
from .errors import NotSignedIn, WebError
from .i18n import N_, choose, gettext_for
from .page_cache import PageCache
from .paths import NO_COOKIE_PATHS, PUBLIC_PATHS
from .settings import WebSettings

HERE = Path(__file__).parent
log = logging.getLogger("myoscope.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
API_PATH = "/api/"


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The web app for ``settings`` (default: read from the environment)."""
    settings = settings or WebSettings()
    engine = registry_db.make_engine(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.gc_freeze:
            freeze_startup_objects()
        # the worker's default thread limiter serves run_in_threadpool and every sync route
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        yield
        engine.dispose()

    if settings.migrate_on_start:
        registry_db.upgrade(engine)
    registry_db.require_current(engine)
    app = FastAPI(title="myoscope", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = registry_db.session_factory(engine)
    app.state.passwords = Passwords(settings)
    app.state.templates = templates()
    app.state.page_cache = PageCache(settings.page_cache_size)
    app.state.work_dir = _work_dir(settings, engine.url.render_as_string(hide_password=True))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    from ..api.app import PREFIX, create_api

    app.mount(PREFIX, create_api(app.state), name="api")
    from .deps import no_nul_in_query
    from .routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(no_nul_in_query)])
    from ..cdshooks.routes import router as cds_router

    app.include_router(cds_router)
    _middleware(app)
    _error_pages(app)
    return app


def freeze_startup_objects() -> None:
    """Load what every request needs, collect the start-up garbage, then freeze what is left
    (see ``WebSettings.gc_freeze``): long-lived objects stay alive by reference counting as
    before; only the cyclic collector stops re-walking them."""
    load_knowledge()
    gc.collect()
    gc.freeze()


def _work_dir(settings: WebSettings, database: str) -> Path:
    """Cohort jobs' folder: one per database under the configured (or temporary) folder. A job is
    found by its folder and owned by a user id, and user ids are per database, so two apps on two
    databases sharing the folder (the default one in the temp dir) must not see each other's jobs."""
    digest = hashlib.sha256(database.encode("utf-8")).hexdigest()[:16]
    folder = Path(settings.work_dir or Path(tempfile.gettempdir()) / "myoscope-web") / f"db-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=HERE / "templates")
    from . import views

    t.env.filters.update(views.FILTERS)
    t.env.globals.update(views.GLOBALS)
    return t


def _same_origin(headers: Headers) -> bool:
    """Defence in depth beside the CSRF token: refuse a cross-site unsafe request outright."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == headers.get("host")


def _ambient(scope: Scope, headers: Headers) -> bool:
    """Whether the request may carry a credential the browser adds by itself (a cookie).

    A bearer-token request to the API with no cookie has none: another site cannot make a
    browser send it (a script would need the token, and a cross-origin Authorization header
    needs CORS consent this app never gives), so it needs no cross-site check. Any request
    with a cookie is checked, to the API too (the API ignores cookies, but the check costs
    nothing and keeps the rule simple)."""
    bearer = headers.get("authorization", "").lower().startswith("bearer ")
    return not (str(scope.get("path", "")).startswith(API_PATH) and bearer and "cookie" not in headers)


class SecurityMiddleware:
    """Request id, the cross-site check and the security headers on every response (pure ASGI,
    so a request pays no extra task or body copy for it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"], state["user"] = request_id, None
        static = str(scope.get("path", "")).startswith("/static/")

        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers.update(SECURITY_HEADERS)
                headers["X-Request-Id"] = request_id
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        headers = Headers(scope=scope)
        path = str(scope.get("path", ""))
        machine = path.startswith(NO_COOKIE_PATHS)
        cross_site = _ambient(scope, headers) and not _same_origin(headers)
        if scope["method"] in UNSAFE and not machine and cross_site:
            refused: Response = (
                error_response(403, "forbidden", "cross-site request refused")
                if path.startswith(API_PATH)
                else PlainTextResponse("cross-site request refused", status_code=403)
            )
            await refused(scope, receive, with_headers)
            return
        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            # an unhandled error would otherwise reach Starlette's outermost error middleware,
            # whose 500 page bypasses this one (and so the headers); a response already begun
            # cannot be replaced, so that case is left to the server
            if started:
                raise
            await crash_page(Request(scope, receive))(scope, receive, with_headers)


def _middleware(app: FastAPI) -> None:
    app.add_middleware(SecurityMiddleware)




def error_page(request: Request, status: int, title: str, message: str, **values: str) -> HTMLResponse:
    """The shared error page, in the language the browser asks for: the title and a fixed message
    are catalogue messages (marked with ``N_``); ``values`` fill a message's named placeholders.
    Under the public paths the page is a public one: the public navigation, and a way back to the
    self-check rather than to the sign-in page."""
    t: Jinja2Templates = request.app.state.templates
    lang = choose(request.headers.get("accept-language"))
    public = request.url.path.startswith(PUBLIC_PATHS)
    user = getattr(request.state, "user", None)
    return t.TemplateResponse(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": message, "values": values, "lang": lang,
         "public": public, "_": gettext_for(lang), "user": user,
         "csrf_token": user.csrf_token if user else ""},  # the header's sign-out form posts it
        status_code=status,
    )


def _error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def _login(request: Request, exc: NotSignedIn) -> Response:
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return error_page(request, 401, exc.title, N_("your session has ended; sign in again"))

    @app.exception_handler(WebError)
    async def _web(request: Request, exc: WebError) -> Response:
        return error_page(request, exc.status, exc.title, exc.message)

    @app.exception_handler(CohortJobNotFound)
    @app.exception_handler(PatientNotFoundError)
    @app.exception_handler(VisitNotFoundError)
    async def _missing(request: Request, exc: Exception) -> Response:
        return error_page(request, 404, N_("Not found"),
                          N_("there is no such patient or visit in your organisation"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        missing = exc.status_code in (404, 405)
        code = "not_found" if exc.status_code == 404 else "http_error"
        text = "no such endpoint" if missing else str(exc.detail)
        machine = _machine_error(request, exc.status_code, code, text, dict(exc.headers or {}))
        if machine is not None:
            return machine
        titles = {404: N_("Not found"), 405: N_("Method not allowed")}
        return error_page(
            request,
            exc.status_code,
            titles.get(exc.status_code, N_("Error")),
            N_("there is no such page") if exc.status_code == 404 else str(exc.detail),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        ]
        machine = _machine_error(request, 400, "invalid_request", "; ".join(problems))
        return machine or error_page(request, 400, N_("Bad request"), "; ".join(problems))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        response = crash_page(request)
        response.headers.update(SECURITY_HEADERS)  # reached only outside SecurityMiddleware
        return response


def crash_page(request: Request) -> Response:
    """The 500 of an unexpected error: it names the request id, never the error itself (an HTML
    page, or a machine face's own error body)."""
    request_id = getattr(request.state, "request_id", "?")
    log.exception("unexpected error in %s %s (request %s)", request.method, request.url.path, request_id)
    message = N_("the error was logged (request {request_id})")
    machine = _machine_error(request, 500, "internal_error", message.format(request_id=request_id))
    return machine or error_page(request, 500, N_("Something went wrong"), message, request_id=request_id)


def _machine_error(request: Request, status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> Response | None:
    """The error body of a machine face: an OperationOutcome under /fhir/, the JSON envelope under
    /cds-services (a CDS client gets a JSON 500, never an HTML page or an empty 200); None elsewhere.
    ``headers`` are the exception's (a 401's ``WWW-Authenticate`` challenge)."""
    path = request.url.path
    if path.startswith("/fhir/"):
        from ..fhir.outcome import outcome_response

        response: Response = outcome_response(status, message)
    elif path.startswith("/cds-services"):
        from ..api.envelope import error_response

        response = error_response(status, code, message)
    else:
        return None
    response.headers.update(headers or {})
    return response
