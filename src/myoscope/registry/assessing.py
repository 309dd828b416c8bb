"""Assessing stored visits: rebuild a visit's record from storage, assess it, keep the result.

A visit's record is rebuilt from its current measurement versions, with the weights stored at
the patient's earlier visits as its weight history, so that weight-loss criteria (GLIM, Fearon)
see the registry's own series. Assessments are append-only: re-assessment adds a row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..pathway import run_pathway as assess
from ..record import parse_record
from . import audit
from .models import Assessment, Measurement, Patient, Visit

#: a measure whose method is another record field (stored in the measurement's ``method``)
METHOD_FIELD = {"asm": "asm_method"}
#: why a later visit is re-assessed, by why the visit before it was
LATER_REASON = {"visit added": "earlier visit added", "measurement corrected": "earlier visit corrected"}


def current_measurements(measurements: list[Measurement]) -> dict[str, Measurement]:
    """The current version of each measure: the row that no other row supersedes."""
    superseded = {m.supersedes_id for m in measurements if m.supersedes_id is not None}
    return {m.measure_id: m for m in measurements if m.id not in superseded}


def visit_data(patient: Patient, visit: Visit, current: Mapping[str, Measurement],
               earlier_weights: list[tuple[date, float]]) -> dict[str, Any]:
    """The record of a visit rebuilt from storage, with earlier stored weights as its history."""
    data: dict[str, Any] = {"id": patient.pseudonym, "sex": patient.sex, "date": visit.visit_date}
    if patient.birth_date is not None:
        data["birth_date"] = patient.birth_date
    if visit.setting:
        data["setting"] = visit.setting
    for mid, m in current.items():
        if m.value is None:
            continue
        data[mid] = m.value
        if mid in METHOD_FIELD and m.method:
            data[METHOD_FIELD[mid]] = m.method
    history = list(data.get("weight_history") or [])
    history += [{"date": d, "weight": w} for d, w in earlier_weights if d < visit.visit_date]
    if history:
        data["weight_history"] = history
    return data


def load_visits(session: Session, patient_id: int) -> list[Visit]:
    """A patient's visits in date order, with all their measurement versions loaded."""
    stmt = (select(Visit).where(Visit.patient_id == patient_id).order_by(Visit.visit_date, Visit.id)
            .options(selectinload(Visit.measurements)))
    return list(session.scalars(stmt))


def reassess(session: Session, *, patient: Patient, from_visit: Visit, actor: str,
             reason: str) -> tuple[dict[str, str], list[int]]:
    """Assess ``from_visit`` and every later visit (their weight history includes it).

    Returns the outcomes of ``from_visit`` and the ids of the later visits re-assessed."""
    visits = load_visits(session, patient.id)
    weights: list[tuple[date, float]] = []
    outcomes: dict[str, str] = {}
    later: list[int] = []
    started = False
    for v in visits:
        current = current_measurements(v.measurements)
        started = started or v.id == from_visit.id
        if started:
            result = assess(parse_record(visit_data(patient, v, current, weights), source=f"visit {v.id}"))
            payload = json.loads(json.dumps(result.to_dict(), default=str))
            found = {k: r.outcome for k, r in result.results.items()}
            why = reason if v.id == from_visit.id else LATER_REASON.get(reason, reason)
            session.add(Assessment(visit_id=v.id, knowledge_version=result.knowledge_version,
                                   myoscope_version=result.myoscope_version, reason=why,
                                   outcomes=found, result=payload))
            audit.record(session, actor=actor, action="create", entity="assessment", entity_id=v.id,
                         patient_id=patient.id, visit_id=v.id, reason=why,
                         knowledge_version=result.knowledge_version)
            if v.id == from_visit.id:
                outcomes = found
            else:
                later.append(v.id)
        w = current.get("weight")
        if w is not None and w.value_num is not None:
            weights.append((v.visit_date, w.value_num))
    session.flush()
    return outcomes, later
