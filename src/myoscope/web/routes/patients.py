"""The patient list, a new patient, the patient page and its charts."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from ...errors import (
    NothingToReportError,
    PatientExistsError,
    ProblemsError,
    RecordValidationError,
    SimulationError,
)
from ...registry import repo
from ...report.service import PAPERS
from ...report.svg import svg_of
from .. import patients as svc
from .. import projection as proj
from ..deps import CsrfChecked, CurrentWhere, DbSession, PathId, Settings
from ..errors import NothingToReport
from ..forms import problems_by_field
from ..page_cache import PageCache
from ..reports import stored_report
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
    pseudonym: Annotated[str, Form()] = "",  # its length is the registry's to name, with the rest
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


@router.get("/{patient_id}/edit")
def edit_patient_form(request: Request, db: DbSession, where: CurrentWhere, patient_id: PathId) -> Response:
    patient = svc.scoped_patient(db, where.who, patient_id)
    where.audit(db, action="read", entity="patient", entity_id=patient.id, patient_id=patient.id)
    values = {"sex": patient.sex, "birth_date": patient.birth_date.isoformat() if patient.birth_date else ""}
    return page(request, "patient_edit.html",
                {"patient": patient, "values": values, "problems": {}, "other": [], "sexes": SEXES})


@router.post("/{patient_id}/edit", dependencies=[CsrfChecked])
def correct_patient(
    request: Request,
    db: DbSession,
    where: CurrentWhere,
    patient_id: PathId,
    sex: Annotated[str, Form()] = "",
    birth_date: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Correct the sex or birth date (an empty birth date is unknown); every visit is re-assessed."""
    patient = svc.scoped_patient(db, where.who, patient_id)
    try:
        done = repo.correct_patient(db, patient_id=patient.id, sex=sex, birth_date=birth_date.strip() or None,
                                    reason=reason, actor=where.who.username)
    except RecordValidationError as exc:
        db.rollback()
        by, other = problems_by_field(exc.problems, ())
        values = {"sex": sex, "birth_date": birth_date, "reason": reason}
        return page(request, "patient_edit.html", {"patient": patient, "values": values, "problems": by,
                                                   "other": other, "sexes": SEXES}, 422)
    where.audit(db, action="update", entity="web_request", entity_id=patient.id, patient_id=patient.id,
                what="patient correction", fields=sorted(done.changed))
    return RedirectResponse(f"/patients/{patient.id}", status_code=303)


@router.get("/{patient_id}")
def patient_page(
    request: Request,
    db: DbSession,
    where: CurrentWhere,
    patient_id: PathId,
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
                                          "fragments": fragments,
                                          "left_out": proj.left_out(view.latest, scenario)})


def _fragments(request: Request, result: dict[str, Any]) -> dict[str, Markup]:
    macros = request.app.state.templates.env.get_template("_macros.html").module
    return {"verdicts": macros.verdicts(result), "workup": macros.workup(result.get("workup")),
            "plan": macros.plan(result.get("plan"))}


@router.get("/{patient_id}/timeline.svg")
def timeline_svg(request: Request, db: DbSession, where: CurrentWhere, patient_id: PathId) -> Response:
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
    patient_id: PathId,
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
    patient_id: PathId,
    fmt: Annotated[str, Path(pattern="^(pdf|html)$")],
    audience: Annotated[str, Query(pattern="^(clinician|patient)$")] = "clinician",
    paper: Annotated[str, Query(pattern="^(a4|letter)$")] = "a4",
) -> Response:
    """The clinician or patient report of the latest visit, as PDF or HTML (an audited read)."""
    try:
        report = stored_report(db, where, patient_id, audience, fmt, page_size=PAPERS[paper],
                               page_cache=request.app.state.page_cache)
    except NothingToReportError as exc:
        raise NothingToReport(str(exc)) from None
    return Response(report.body, media_type=report.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{report.filename}"'})


def _empty_svg(message: str) -> str:
    """The message in place of a chart, wrapped to the chart's width (one line was cut off)."""
    import textwrap
    from xml.sax.saxutils import escape

    lines = textwrap.wrap(message, 80) or [""]
    spans = "".join(f'<tspan x="4" dy="{0 if i == 0 else 18}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="560" height="{18 * len(lines) + 16}" role="img">'
        f'<title>{escape(message)}</title><text x="4" y="20" font-family="sans-serif" font-size="13">'
        f"{spans}</text></svg>"
    )
