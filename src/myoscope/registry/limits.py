"""The database's own limits on text, checked before anything is written, the same on every backend.

PostgreSQL refuses a string longer than its ``VARCHAR(n)`` column and any text holding a NUL
byte; SQLite stores both without a word. Checked only by the database, the same file would be
accepted on one backend and fail half-way on the other, after earlier rows were committed. So
every text that reaches a limited column, and every string in a record, is checked here, in
the validation pass, and the problem names the field (and the CSV row).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import InstrumentedAttribute

from ..errors import Problem, RecordValidationError
from .models import ApiToken, Organisation, Patient, User, Visit

#: the columns a user's text reaches, by the name the user knows it under
LIMITED = {
    "pseudonym": Patient.pseudonym,
    "organisation": Organisation.name,
    "user": Patient.created_by,
    "username": User.username,
    "display_name": User.display_name,
    "token name": ApiToken.name,
    "source": Visit.source,
    "setting": Visit.setting,
}


def max_length(column: InstrumentedAttribute[Any]) -> int | None:
    """The declared length of a ``String(n)`` column (None for unlimited text)."""
    kind = column.property.columns[0].type
    return kind.length if isinstance(kind, String) else None


def text_problems(path: str, value: Any) -> list[Problem]:
    """NUL bytes and text that is not UTF-8 (a lone surrogate) anywhere in ``value``, recursively."""
    if isinstance(value, str):
        if "\x00" in value:
            return [Problem(path, "contains a NUL byte (not allowed in stored text)")]
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [Problem(path, "is not valid UTF-8 text")]
        return []
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in text_problems(f"{path}.{k}" if path else str(k), v)]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in text_problems(f"{path}[{i}]", v)]
    return []


def limit_problems(path: str, field: str, value: str | None) -> list[Problem]:
    """Problems of ``value`` for the column the user knows as ``field`` (see :data:`LIMITED`)."""
    if value is None:
        return []
    problems = text_problems(path, value)
    limit = max_length(LIMITED[field])
    if limit is not None and len(value) > limit:
        problems.append(Problem(path, f"{len(value)} characters; at most {limit} are stored"))
    return problems


def actor_problems(actor: str) -> list[Problem]:
    """Problems of the name of who is acting (``--user``, a login): it is stored in every audit
    row a command writes, a read's too, so every command refuses what its column cannot hold."""
    return limit_problems("user", "user", actor)


def check_actor(actor: str, source: str | None = None) -> None:
    """:raises RecordValidationError: naming ``user``, for an actor no audit row can hold (a read
    is refused like a write, before anything is read: PostgreSQL would fail at the audit INSERT,
    SQLite would store the name whole)."""
    problems = actor_problems(actor)
    if problems:
        raise RecordValidationError(problems, source)
