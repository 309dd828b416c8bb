"""The patient page's timeline: grip, gait speed, chair stands, ASM, ASMI, weight and BMI over
visits, with each definition's cut-off drawn as a line and the minimal clinically important
difference (MCID) as a band.

Values come from the stored pathway results of the visits (measured and derived, as assessed);
the cut-offs are those the latest assessment's trace compared against (so a line is exactly
what decided a verdict, with the definitions that use it); the MCID is the smallest cited level
of ``knowledge/changes.yaml``, drawn as a band of ± that change around the first visit's value.
Nothing here is a clinical number of its own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..record import parse_record
from ..registry.models import Assessment, Visit
from ..report.registry_chart import Timeline, build_timeline, chart_of
from .patients import Where, scoped_patient

__all__ = ["Timeline", "timeline", "timeline_chart"]


def timeline(session: Session, where: Where, patient_id: int) -> Timeline:
    """The chart's data for one patient (:func:`myoscope.report.registry_chart.build_timeline`
    over the newest stored inputs of each visit date); audited as a read."""
    p = scoped_patient(session, where.who, patient_id)
    rows = session.execute(
        select(Visit.visit_date, Assessment.inputs)
        .join(Assessment, Assessment.visit_id == Visit.id)
        .where(Visit.patient_id == p.id)
        .order_by(Visit.visit_date, Visit.id, Assessment.id)
    ).all()
    newest: dict[Any, dict[str, Any]] = {}
    for on, inputs in rows:
        newest[on] = inputs  # the newest assessment of each visit date wins
    records = {on: parse_record(inputs, source=f"visit {on}") for on, inputs in newest.items()}
    out = build_timeline(p.pseudonym, records)
    where.audit(session, action="read", entity="timeline_chart", entity_id=p.id, patient_id=p.id)
    return out


def timeline_chart(t: Timeline) -> Any:
    """One panel per measure: values over visit dates, cut-off lines, the MCID band."""
    return chart_of(t)
