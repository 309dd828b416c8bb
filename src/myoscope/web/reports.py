"""A stored patient's report (clinician or patient, PDF or HTML): the service behind the web
app's download buttons and the API's ``GET /patients/{id}/report``.

The latest visit's record is read scoped to the user's organisation (a foreign id is not found)
and the read is audited (entity ``report``) and committed before the seconds of rendering, so no
database lock is held while WeasyPrint works. The clinician report adds the registry timeline and
the patient page's default projection (from the app's page cache when it is there).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..errors import NothingToReportError, ProblemsError, SimulationError
from ..record import parse_record
from ..report.document import Charts
from ..report.service import ReportFile, check_request, record_report, report_file
from ..report.svg import svg_of
from . import projection as proj
from .page_cache import PageCache
from .patients import Where
from .timeline import timeline

TIMELINE_CAPTION = ("Measurements over visits with the latest assessment's cut-offs (dashed) and the minimal "
                    "clinically important difference (band).")


def stored_report(
    session: Session,
    where: Where,
    patient_id: int,
    audience: str,
    fmt: str,
    *,
    page_size: str = "A4",
    page_cache: PageCache | None = None,
) -> ReportFile:
    """The report of the patient's latest visit; raises ``PatientNotFoundError`` for an id outside
    the user's organisation and :class:`NothingToReportError` for a patient with no visit."""
    from ..report.charts import REPORT_PANEL_HEIGHT
    from ..report.registry_chart import chart_of

    check_request(audience, fmt, page_size)
    try:
        data = proj.latest_record(session, where, patient_id)  # a foreign id raises: not found
    except proj.NoProjectionError as exc:
        raise NothingToReportError(f"{exc}; the report is of the latest visit") from None
    charts = Charts()
    if audience == "clinician":
        t = timeline(session, where, patient_id)
        if t.values:
            charts.add(TIMELINE_CAPTION, svg_of(chart_of(t, height=REPORT_PANEL_HEIGHT),
                                                f"Measurements of {t.pseudonym}", "Timeline"))
    where.audit(session, action="read", entity="report", entity_id=patient_id, patient_id=patient_id,
                audience=audience, format=fmt)
    session.commit()  # read and audited: render without holding the database
    if audience == "clinician":
        charts.add(*_projection_figure(data, patient_id, page_cache), kind="projection")
    rec = parse_record(data, source=f"patient {patient_id}")
    body = record_report(rec, audience, fmt, assessor=where.who.username, page_size=page_size, charts=charts,
                         projection=False)
    return report_file(body, audience, fmt, str(patient_id))


def _projection_figure(data: dict[str, Any], patient_id: int,
                       cache: PageCache | None) -> tuple[str, str | None]:
    """The patient page's default projection (the app's page cache: seconds to render once)."""
    name = proj.scenarios()[proj.DEFAULT_SCENARIO]["name"]
    caption = (f"Projection under the scenario '{name}': median and 5–95% band, the definitions' cut-offs "
               "(dashed red), intervention and bed-rest periods shaded.")

    def make() -> str:
        return svg_of(proj.project(dict(data), patient_id, proj.DEFAULT_SCENARIO).chart(
            max_points=proj.CHART_POINTS), f"Projection: {name}", caption)

    try:
        svg = make() if cache is None else cache.get_or_make(
            proj.chart_key(data, patient_id, proj.DEFAULT_SCENARIO), make)
    except (proj.NoProjectionError, SimulationError, ProblemsError, ValueError) as exc:
        return f"No projection: {exc}", None
    return caption, svg
