"""One pydantic model per CDS Hooks 2.0 object, with the specification's rules as validators.

https://cds-hooks.hl7.org/2.0/ — Card, Source, Suggestion, Action, Link, the discovery Service,
the request and feedback. Rules that span fields are validators raising ``ValueError`` (so an
invalid card is refused where it is built, never sent).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SUMMARY_LIMIT = 140


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _absolute(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an absolute http(s) URL")
    return url


class Source(_Model):
    """Where a card's content comes from: the definition and its DOI."""

    label: str = Field(min_length=1)
    url: str | None = None
    icon: str | None = None
    topic: dict[str, Any] | None = None

    @field_validator("url", "icon")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return None if v is None else _absolute(v)


class Link(_Model):
    label: str = Field(min_length=1)
    url: str
    type: Literal["absolute", "smart"]
    appContext: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _absolute(v)

    @model_validator(mode="after")
    def _app_context_only_smart(self) -> Link:
        if self.appContext is not None and self.type != "smart":
            raise ValueError("appContext is only for smart links")
        return self


class Action(_Model):
    type: Literal["create", "update", "delete"]
    description: str = Field(min_length=1)
    resource: dict[str, Any] | None = None
    resourceId: list[str] | None = None

    @model_validator(mode="after")
    def _payload(self) -> Action:
        if self.type in ("create", "update") and self.resource is None:
            raise ValueError(f"a {self.type} action needs a resource")
        if self.type == "delete" and not self.resourceId:
            raise ValueError("a delete action needs resourceId")
        return self


class Suggestion(_Model):
    label: str = Field(min_length=1)
    uuid: str = Field(default_factory=lambda: str(uuid4()))
    isRecommended: bool | None = None
    actions: list[Action] = Field(default_factory=list)


class Coding(_Model):
    code: str
    system: str
    display: str | None = None


class Card(_Model):
    uuid: str = Field(default_factory=lambda: str(uuid4()))
    summary: str = Field(min_length=1)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] = Field(default_factory=list)
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[Coding] | None = None
    links: list[Link] = Field(default_factory=list)

    @field_validator("summary")
    @classmethod
    def _short(cls, v: str) -> str:
        if len(v) >= SUMMARY_LIMIT:
            raise ValueError(f"summary must be under {SUMMARY_LIMIT} characters (has {len(v)})")
        return v

    @model_validator(mode="after")
    def _selection(self) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("a card with suggestions needs selectionBehavior")
        return self


class CdsResponse(_Model):
    cards: list[Card]
    systemActions: list[Action] = Field(default_factory=list)


class Service(_Model):
    """One entry of the discovery document."""

    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] = Field(default_factory=dict)
    usageRequirements: str | None = None


class FhirAuthorization(BaseModel):
    model_config = ConfigDict(extra="allow")

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str

    @field_validator("access_token")
    @classmethod
    def _header_safe(cls, v: str) -> str:
        """Sent as ``Authorization: Bearer <token>``, and a header holds visible ASCII only (RFC
        6750's token characters are a subset): a control character, a space or a non-ASCII letter
        could not be sent (httpx failed, and the card blamed the server: "did not answer JSON"),
        and a CR or LF would start another header."""
        if not all("!" <= c <= "~" for c in v):
            raise ValueError("not a bearer token: visible ASCII characters only (RFC 6750)")
        return v


class PatientViewContext(BaseModel):
    model_config = ConfigDict(extra="allow")

    userId: str
    patientId: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9\-.]{1,64}$")
    encounterId: str | None = None


class HookRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    hook: str
    hookInstance: str
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    @field_validator("fhirServer")
    @classmethod
    def _server(cls, v: str | None) -> str | None:
        """An absolute http(s) base URL that httpx can request (a port out of range or a control
        character is the client's error, a 400, not a crash when the server is read), without
        query or fragment (the service appends resource paths to it)."""
        if v is None:
            return None
        _absolute(v)
        try:
            url = httpx.URL(v)
            _ = urlsplit(v).port  # ValueError when out of range
        except (httpx.InvalidURL, ValueError) as exc:
            raise ValueError(f"not a usable URL ({exc})") from None
        if url.query or url.fragment:
            raise ValueError("a FHIR base URL has no query or fragment")
        return v.rstrip("/")

    @model_validator(mode="after")
    def _auth_needs_server(self) -> HookRequest:
        if self.fhirAuthorization is not None and self.fhirServer is None:
            raise ValueError("fhirAuthorization without fhirServer")
        return self


class OverrideReason(BaseModel):
    model_config = ConfigDict(extra="allow")

    reason: Coding | None = None
    userComment: str | None = Field(default=None, max_length=2000)


#: an ISO 8601 date and time to the second, with its offset (``Z`` or ``+hh:mm``): an instant
INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})", re.ASCII)


class FeedbackItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    card: str = Field(min_length=1, max_length=64)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[dict[str, Any]] = Field(default_factory=list)
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: str = Field(min_length=10, max_length=40)

    @field_validator("outcomeTimestamp")
    @classmethod
    def _instant(cls, v: str) -> str:
        """When the feedback event occurred: the specification's "ISO8601 representation of the
        date and time in UTC". Stored as given, so it must name one instant (a date and time with
        its offset, a real calendar day); any other text would be kept as if it were a time."""
        if INSTANT.fullmatch(v):
            try:
                datetime.fromisoformat(v)  # the calendar: no 30 February, no hour 25
                return v
            except ValueError:
                pass
        raise ValueError(f"{v[:40]!r} is not an ISO 8601 date and time with its offset "
                         "(e.g. 2026-12-05T10:00:00Z)")


#: how ``json.dumps`` (ASCII output) writes a NUL and a surrogate: text without either escape
#: holds neither (a surrogate pair, an emoji, also matches; the walk then finds it is fine)
_ESCAPED_BAD_TEXT = re.compile(r"\\u(?:0000|d[89a-f])")


def _may_hold_bad_text(value: Any) -> bool:
    """Whether ``value`` may hold a NUL or a lone surrogate: one pass in C over a typical hook body
    (about 75 µs) instead of the walk in Python (about 275 µs), which then runs only when it may
    find something (or when the value cannot be dumped: nested too deep, not JSON)."""
    try:
        return _ESCAPED_BAD_TEXT.search(json.dumps(value)) is not None
    except (TypeError, ValueError, RecursionError):
        return True


def _bad_text(text: str) -> str | None:
    """What makes ``text`` unstorable (a NUL, a lone surrogate), or None."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid Unicode text)"
    return None


#: at most this many bad strings are named in one 400 (the rest are counted in one more line): a
#: 5 MB body of empty strings holding a NUL each would otherwise answer a list of a million
MAX_TEXT_PROBLEMS = 100


def text_problems(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(field, problem) for every string in a request body, key or value, holding a NUL character
    or a lone surrogate (JSON's ``\\u0000`` and ``\\ud800``): PostgreSQL refuses the first in a
    text column and neither is text (SQLite would keep both), so the client is told which field,
    with a 400, before anything is written or read. Paths are pydantic's (``feedback.0.card``).

    A walk with its own stack, not recursion: a body nested a few hundred lists deep is still
    JSON the parser accepts, and recursing into it (two frames per list) overflowed Python's
    stack, a 500 instead of an answer."""
    found: list[tuple[str, str]] = []
    if not _may_hold_bad_text(value):
        return found
    # one entry per open object or array: its path, whether it is an object (whose keys are text
    # to check), and an iterator over its members, so only the open path's names are held
    stack: list[tuple[str, bool, Iterator[tuple[Any, Any]]]] = []
    more = 0

    def add(at: str, why: str) -> None:
        nonlocal more
        if len(found) < MAX_TEXT_PROBLEMS:
            found.append((at, why))
        else:
            more += 1

    def visit(at: str, v: Any) -> None:
        if isinstance(v, str):
            why = _bad_text(v)
            if why:
                add(at or "(body)", why)
        elif isinstance(v, Mapping):
            stack.append((at, True, iter(v.items())))
        elif isinstance(v, list):
            stack.append((at, False, enumerate(v)))

    visit(path, value)
    while stack:
        at, is_object, members = stack[-1]
        member = next(members, None)
        if member is None:
            stack.pop()
            continue
        k, v = member
        why = _bad_text(str(k)) if is_object else None
        if why:  # a bad name is shown escaped, never echoed raw, and its value not walked
            name = ascii(k)[1:-1][:40]
            add(f"{at}.{name}" if at else name, f"its name {why}")
        else:
            visit(f"{at}.{k}" if at else str(k), v)
    if more:
        found.append(("(body)", f"{more:,} more names or values hold a NUL character or a lone surrogate "
                                f"(the first {MAX_TEXT_PROBLEMS} are named)"))
    return found


class Feedback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feedback: list[FeedbackItem] = Field(min_length=1, max_length=100)
