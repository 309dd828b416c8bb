"""Rendering a page: the template with the signed-in user and their CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    t: Jinja2Templates = request.app.state.templates
    user = getattr(request.state, "user", None)
    ctx = {"user": user, "csrf_token": user.csrf_token if user else "", **(context or {})}
    return t.TemplateResponse(request, name, ctx, status_code=status)
