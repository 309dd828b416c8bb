"""JSON responses with strong ETags, and the conditional-request checks (RFC 9110 §13).

A document's ETag is a hash of the exact bytes sent, so equal ETags mean equal documents.
``If-None-Match`` (weak comparison) answers 304 with no body; ``If-Match`` (strong comparison)
guards a change: a client that read the visit and corrects it gets 412 if someone changed it
in between, instead of overwriting what it never saw.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import HTTPException, Request, Response

from ..payloads import dumps


class DocumentResponse(Response):
    """A JSON document encoded exactly as the CLI encodes it (:func:`myoscope.payloads.dumps`)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        # a lone surrogate (JSON allows "\ud800" in a body) is written back as that same escape
        return dumps(content, indent=None).encode("utf-8", errors="backslashreplace")


def etag_of(body: bytes | memoryview) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def _tags(header: str) -> list[str]:
    return [t.strip() for t in header.split(",") if t.strip()]


def none_match(header: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names the current representation (weak comparison)."""
    if header is None:
        return False
    tags = _tags(header)
    return "*" in tags or etag in {t.removeprefix("W/") for t in tags}


def require_match(request: Request, etag: str, what: str = "visit") -> None:
    """Refuse a change whose ``If-Match`` names another representation (412). No header: no check.

    Weak tags never match (strong comparison)."""
    header = request.headers.get("if-match")
    if header is None:
        return
    tags = _tags(header)
    if "*" not in tags and etag not in tags:
        raise HTTPException(412, f"the {what} has changed since you read it (If-Match does not match its "
                                 "ETag): read it again, then correct it")


def document(request: Request, content: Any, *, status: int = 200, etag: bool = True,
             headers: dict[str, str] | None = None) -> Response:
    """``content`` as a JSON response with a strong ETag; 304 when ``If-None-Match`` names it."""
    response = DocumentResponse(content, status_code=status, headers=headers)
    if etag:
        tag = etag_of(bytes(response.body))
        fresh = none_match(request.headers.get("if-none-match"), tag)
        if status == 200 and request.method == "GET" and fresh:
            return Response(status_code=304, headers={"ETag": tag})
        response.headers["ETag"] = tag
    return response
