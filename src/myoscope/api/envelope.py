"""The one error envelope of every JSON face (DESIGN §13).

``{"error": {"code": ..., "message": ..., "problems": [{"field", "problem", "expected"}]}}``: the
same problems the CLI names (``myoscope.errors.Problem``), one body shape for every 4xx and 5xx a
JSON client can meet, so a client needs one parser. A body never echoes the request or internals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi.responses import JSONResponse

from ..errors import Problem

_EXPECTED = re.compile(r"\(?expected (?P<what>[^)]*)\)?")


def problem_dict(problem: Problem) -> dict[str, Any]:
    """One problem as ``{"field", "problem", "expected"}``; ``expected`` is null when unstated."""
    found = _EXPECTED.search(problem.message)
    return {
        "field": problem.path,
        "problem": problem.message,
        "expected": found.group("what").strip() if found else None,
    }


def error_body(code: str, message: str, problems: Iterable[Problem] = ()) -> dict[str, Any]:
    """The envelope for one error; ``code`` is a stable machine word (``invalid_record``, ``not_found``)."""
    return {"error": {"code": code, "message": message, "problems": [problem_dict(p) for p in problems]}}


def error_response(
    status: int,
    code: str,
    message: str,
    problems: Iterable[Problem] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON response carrying :func:`error_body` with ``status``."""
    return JSONResponse(error_body(code, message, problems), status_code=status, headers=headers)
