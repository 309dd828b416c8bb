"""The patient list, a new patient, the patient page and its charts."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from ...errors import PatientExistsError, ProblemsError, RecordValidationError, SimulationError
from ...registry import repo
from ...report.svg import svg_of
from .. import patients as svc
from .. import projection as proj
from ..deps import CsrfChecked, CurrentWhere, DbSession, Settings
from ..errors import NothingToReport
from ..forms import problems_by_field
from ..page_cache import PageCache
from ..timeline import timeline, timeline_chart
from .render import page

router = APIRouter(prefix="/patients")
SEXES = ("female", "male")
SVG = "image/svg+xml"


@router.get("")
def patient_list(
    request: Request,
    db: DbSession,
    where: CurrentWhere,
    settings: Settings,
    q: Annotated[str, Query(max_length=100)] = "",
    sort: Annotated[str, Query(pattern="^(alert|date|pseudonym)$")] = "alert",
    page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    listing = svc.list_patients(
        db, where, query=q.strip(), sort=sort, page=page_no, page_size=settings.page_size
    )
    db.commit()
    return page(request, "patients.html", {"listing": listing})


@router.get("/new")
def new_patient_form(request: Request, where: CurrentWhere) -> Response:
    return page(request, "patient_new.html", {"values": {}, "problems": {}, "other": [], "sexes": SEXES})


@router.post("", dependencies=[CsrfChecked])
def create_patient(
    request: Request,
    db: DbSession,
    where: CurrentWhere,
    pseudonym: Annotated[str, Form(max_length=100)] = "",
    sex: Annotated[str, Form()] = "",
    birth_date: Annotated[str, Form()] = "",
) -> Response:
    values = {"pseudonym": pseudonym, "sex": sex, "birth_date": birth_date}
    try:
        p = repo.add_patient(
            db,
            pseudonym=pseudonym.strip(),
            sex=sex,
            birth_date=birth_date.strip() or None,
            organisation_name=where.who.organisation or "",
            actor=where.who.username,
        )
    except RecordValidationError as exc:
        by, other = problems_by_field(exc.problems, ())
        return page(
            request,
            "patient_new.html",
            {"values": values, "problems": by, "other": other, "sexes": SEXES},
            422,
        )
    except PatientExistsError:
        return page(
            request,
            "patient_new.html",
            {
                "values": values,
                "sexes": SEXES,
                "other": [],
                "problems": {"pseudonym": ["already used in your organisation"]},
            },
            409,
        )
    where.audit(db, action="create", entity="web_request", entity_id=p.id, patient_id=p.id, what="patient")
    return RedirectResponse(f"/patients/{p.id}", status_code=303)


@router.get("/{patient_id}")
def patient_page(
    request: Request,
    db: DbSession,
    where: CurrentWhere,
    patient_id: int,
    scenario: Annotated[str, Query(max_length=60)] = proj.DEFAULT_SCENARIO,
) -> Response:
    cache: PageCache = request.app.state.page_cache
    view = svc.patient_page(db, where, patient_id, cache=cache)
    db.commit()  # read and audited: the page renders without holding the database
    fragments = None
    if view.latest is not None and view.latest_key is not None and cache.size > 0:
        # the verdicts, work-up and plan are rendered from the result alone: once per assessment
        latest = view.latest
        fragments = cache.get_or_make(("html", *view.latest_key), lambda: _fragments(request, latest))
    return page(request, "patient.html", {"p": view, "scenarios": proj.scenarios(), "scenario": scenario,
                                          "fragments": fragments})


def _fragments(request: Request, result: dict[str, Any]) -> dict[str, Markup]:
    macros = request.app.state.templates.env.get_template("_macros.html").module
    return {"verdicts": macros.verdicts(result), "workup": macros.workup(result.get("workup")),
            "plan": macros.plan(result.get("plan"))}


@router.get("/{patient_id}/timeline.svg")
def timeline_svg(request: Request, db: DbSession, where: CurrentWhere, patient_id: int) -> Response:
    data = timeline(db, where, patient_id)
    db.commit()  # read and audited: render without holding the database
    if not data.values:
        return Response(_empty_svg("No measurement to chart yet."), media_type=SVG)
    # the chart is a function of these numbers alone: cached under them (content-addressed, so a
    # new visit or a correction is a new entry), since vl-convert takes far longer than the page
    cache: PageCache = request.app.state.page_cache
    key = ("timeline", json.dumps(asdict(data), sort_keys=True, default=str))
    svg = cache.get_or_make(key, lambda: svg_of(
        timeline_chart(data),
        f"Measurements of patient {data.pseudonym} over time",
        "One panel per measure: the value at each visit, the cut-offs of the latest assessment as "
        "dashed lines and the minimal clinically important difference as a band.",
    ))
    return Response(svg, media_type=SVG)


@router.get("/{patient_id}/projection.svg")
def projection_svg(
    request: Request,
    db: DbSession,
    where: CurrentWhere,
    patient_id: int,
    scenario: Annotated[str, Query(max_length=60)] = proj.DEFAULT_SCENARIO,
) -> Response:
    data = proj.latest_record_or_none(db, where, patient_id)
    proj.audit_projection(db, where, patient_id, scenario)
    db.commit()  # the audit row is stored; the seconds of rendering below hold no database lock
    try:
        if data is None:
            raise proj.NoProjectionError("no visit recorded yet: add a visit to project from")
        cache: PageCache = request.app.state.page_cache
        svg = cache.get_or_make(proj.chart_key(data, patient_id, scenario), lambda: svg_of(
            proj.project(data, patient_id, scenario).chart(max_points=proj.CHART_POINTS),
            f"Projection: {proj.scenarios()[scenario]['name']}",
            "Median and 5-95% band of each projected quantity, with the definitions' cut-offs.",
        ))
    except (proj.NoProjectionError, SimulationError, ProblemsError, ValueError) as exc:
        return Response(_empty_svg(f"No projection: {exc}"), media_type=SVG)
    return Response(svg, media_type=SVG)


@router.get("/{patient_id}/report.{fmt}")
def patient_report(
    request: Request,
    db: DbSession,
    where: CurrentWhere,
    patient_id: int,
    fmt: Annotated[str, Path(pattern="^(pdf|html)$")],
    audience: Annotated[str, Query(pattern="^(clinician|patient)$")] = "clinician",
) -> Response:
    """The clinician or patient report of the latest visit, as PDF or HTML (an audited read)."""
    from ...pathway import run_pathway
    from ...record import parse_record
    from ...report.charts import REPORT_PANEL_HEIGHT
    from ...report.document import Charts, render_report
    from ...report.registry_chart import chart_of

    try:
        data = proj.latest_record(db, where, patient_id)  # a foreign id is 404
    except proj.NoProjectionError as exc:
        raise NothingToReport(f"{exc}; the report is of the latest visit") from None
    charts = Charts()
    if audience == "clinician":
        t = timeline(db, where, patient_id)
        if t.values:
            charts.add("Measurements over visits with the latest assessment's cut-offs (dashed) and the "
                       "minimal clinically important difference (band).",
                       svg_of(chart_of(t, height=REPORT_PANEL_HEIGHT), f"Measurements of {t.pseudonym}",
                              "Timeline"))
    where.audit(db, action="read", entity="report", entity_id=patient_id, patient_id=patient_id,
                audience=audience, format=fmt)
    db.commit()  # read and audited: render without holding the database
    rec = parse_record(data, source=f"patient {patient_id}")
    if audience == "clinician":
        charts.add(*_projection_figure(request, data, patient_id))
    result = run_pathway(rec)
    body = render_report(result, audience, fmt, assessor=where.who.username, charts=charts)
    media = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    name = f"myoscope-{audience}-report-{patient_id}.{fmt}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _projection_figure(request: Request, data: dict[str, Any], patient_id: int) -> tuple[str, str | None]:
    """The patient page's default projection (shared chart cache: seconds to render once)."""
    name = proj.scenarios()[proj.DEFAULT_SCENARIO]["name"]
    caption = (f"Projection under the scenario '{name}': median and 5–95% band, the definitions' cut-offs "
               "(dashed red), intervention and bed-rest periods shaded.")
    cache: PageCache = request.app.state.page_cache
    try:
        svg = cache.get_or_make(proj.chart_key(data, patient_id, proj.DEFAULT_SCENARIO), lambda: svg_of(
            proj.project(data, patient_id, proj.DEFAULT_SCENARIO).chart(max_points=proj.CHART_POINTS),
            f"Projection: {name}", caption))
    except (proj.NoProjectionError, SimulationError, ProblemsError, ValueError) as exc:
        return f"No projection: {exc}", None
    return caption, svg


def _empty_svg(message: str) -> str:
    from xml.sax.saxutils import escape

    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="560" height="40" role="img">'
        f'<title>{escape(message)}</title><text x="4" y="24" font-family="sans-serif" font-size="13">'
        f"{escape(message)}</text></svg>"
    )
