"""The public self-check and guide: plain-language questions and pages over the same knowledge
base and services the clinicians use (SARC-F, SARC-CalF, the work-up's red flags, the plan).

Nothing here decides anything: answers become a record, the record goes through the pathway,
and the result is the pathway's verdicts, red flags, causes and plan in plain words.
"""

from .service import (
    Question,
    SelfCheckResult,
    flags_for,
    questions,
    record_from,
    run_check,
    warning_signs_needed,
)

__all__ = [
    "Question",
    "SelfCheckResult",
    "flags_for",
    "questions",
    "record_from",
    "run_check",
    "warning_signs_needed",
]
