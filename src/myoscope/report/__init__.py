"""Rendering of every result: text (summary and full trace), HTML, PDF and charts.

Results do not import this package; their ``__str__`` / ``_repr_html_`` / ``to_html`` import the
module they need when called (``tests/report/test_import_cycles.py`` keeps it so). The public
entry points below are imported on first use, so ``import myoscope.report`` stays light.

- :func:`summary_text` — the one-screen text summary of an assessment.
- :func:`clinician_html`, :func:`clinician_pdf` — the report a clinician signs.
- :func:`patient_html`, :func:`patient_pdf` — the plain-language patient report (reusable by other
  faces, e.g. a public self-check; docs/reports.md).
- :func:`render_report`, :func:`write_report` — one call for a face; whole files only.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC = {
    "summary_text": "summary",
    "batch_table": "summary",
    "clinician_html": "document",
    "clinician_pdf": "document",
    "patient_html": "document",
    "patient_pdf": "document",
    "render_report": "document",
    "write_report": "document",
    "Charts": "document",
    "ReportError": "document",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'myoscope.report' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
