"""One way to make a report, for every face: ``myoscope report``, the web app's download buttons
and the API's report routes all call :func:`record_report` (a record in hand) or, for a stored
patient, the web service :func:`myoscope.web.reports.stored_report`, which ends here.

Why one function: the choices a report makes (which charts, the pathway run, the page size
check before seconds of rendering) must not differ between the CLI, the page and the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ReportError
from .document import AUDIENCES, PAGE_SIZES, Charts, render_report

if TYPE_CHECKING:
    from ..record import Record

FORMATS = ("pdf", "html")
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
#: the page sizes as the HTTP routes spell them (lower case) and as the templates do
PAPERS = {size.lower(): size for size in PAGE_SIZES}


@dataclass(frozen=True)
class ReportFile:
    """A rendered report: its bytes, media type and a download file name."""

    body: bytes
    media_type: str
    filename: str


def check_request(audience: str, fmt: str, page_size: str) -> None:
    """Refuse an unknown audience, format or page size before any work (all problems at once)."""
    bad = []
    if audience not in AUDIENCES:
        bad.append(f"unknown audience {audience!r} (expected clinician or patient)")
    if fmt not in FORMATS:
        bad.append(f"unknown report format {fmt!r} (expected pdf or html)")
    if page_size not in PAGE_SIZES:
        bad.append(f"unknown page size {page_size!r} (expected {' or '.join(PAGE_SIZES)})")
    if bad:
        raise ReportError("; ".join(bad))


def record_report(
    record: Record,
    audience: str,
    fmt: str,
    *,
    assessor: str | None = None,
    page_size: str = "A4",
    charts: Charts | None = None,
    projection: bool = True,
) -> bytes:
    """The report of one record: the pathway run, then (clinician, with an age, unless
    ``projection`` is false or the plan holds refractory cachexia, where the document says why
    there is none) the ageing projection appended to ``charts``, then the document."""
    from ..pathway import run_pathway
    from .care import refractory

    check_request(audience, fmt, page_size)
    charts = charts if charts is not None else Charts()
    result = run_pathway(record)
    if (audience == "clinician" and projection and record.values.get("age") is not None
            and not refractory(result.plan)):
        from .charts import projection_figure

        charts.add(*projection_figure(record), kind="projection")
    return render_report(result, audience, fmt, assessor=assessor, charts=charts, page_size=page_size)


def report_file(body: bytes, audience: str, fmt: str, name: str) -> ReportFile:
    """``body`` with its media type and the download name ``myoscope-<audience>-report-<name>.<fmt>``
    (``name`` cut to letters, digits, dot, dash and underscore: it goes into a header)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:60].strip("._") or "record"
    return ReportFile(body, MEDIA_TYPES[fmt], f"myoscope-{audience}-report-{safe}.{fmt}")
