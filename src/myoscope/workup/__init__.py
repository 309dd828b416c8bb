"""Cause work-up: likely causes of muscle wasting, red flags, next tests and questions to ask.

``workup(record)`` ranks candidate causes with the stated, cited weights of
``knowledge/causes.yaml``. It supports and does not replace clinical diagnosis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .result import Candidate, CriteriaResult, FindingHit, Question, RedFlag, Support, TestItem, Workup

if TYPE_CHECKING:
    from ..assess import Assessment
    from ..record import Record


def workup(record: Record | Mapping[str, Any], assessment: Assessment | None = None) -> Workup:
    """Work up the likely causes of muscle wasting for one record.

    Uses the assessment's derived measures and definition outcomes (EWGSOP2, GLIM, ...) when
    given; otherwise assesses the record first.

    :raises RecordValidationError: when ``record`` is a dict with invalid fields (history included).
    """
    from ..assess import assess
    from .engine import run_workup

    if assessment is None:
        assessment = assess(record)
    made = getattr(assessment, "workup", None)  # a pathway result carries its work-up
    if isinstance(made, Workup):
        return made
    outcomes = {rid: r.outcome for rid, r in assessment.results.items()}
    return run_workup(assessment.record, assessment.derived, outcomes)


__all__ = ["Candidate", "CriteriaResult", "FindingHit", "Question", "RedFlag", "Support", "TestItem",
           "Workup", "workup"]
