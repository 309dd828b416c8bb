"""THE ONE PLACE where the self-check's patient PDF is wired (issue 16's report package).

The reports issue builds the patient PDF (WeasyPrint, its patient template). Until it is merged
this module reports that no PDF is available, and the result page offers the print-friendly
summary (``/check/summary``) only. At merge: make ``patient_pdf_available`` return True and
``patient_pdf`` render ``result`` with the report package's patient template; the route
``POST /check/summary.pdf`` in ``routes/public.py`` is then the only line to add.
"""

from __future__ import annotations

from ..selfcheck import SelfCheckResult


def patient_pdf_available() -> bool:
    """Whether the report package's patient PDF can be offered (not before issue 16 merges)."""
    return False


def patient_pdf(result: SelfCheckResult) -> bytes | None:
    """The self-check summary as a patient PDF; ``None`` until the report package is wired."""
    return None
