"""Assessing stored visits: rebuild a visit's record from storage, assess it, keep the verdicts.

A visit's record is rebuilt from its current measurement versions, with the weights stored at
the patient's earlier visits as its weight history, so that weight-loss criteria (GLIM, Fearon)
see the registry's own series. Assessments are append-only: re-assessment adds a row.

What a row keeps is what is needed to query and to reproduce: each definition's outcome,
whether it is decided, its decisive measures and possible outcomes, the knowledge version, and
the record that was assessed (``inputs``). The trace (every comparison, with its citation) is
about 90 KiB per visit and follows from those inputs and that knowledge version, so it is not
stored: :func:`rebuild` recomputes the whole assessment on demand, and refuses when the
installed knowledge is not the version that made the row (the trace would not be the one the
verdicts came from).

Writers call these functions holding the patient's lock (:func:`myoscope.registry.upsert.
lock_patient`), so the visits read here are every visit the patient has.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from ..alarms import referral_entry
from ..errors import RegistryError, VisitNotFoundError
from ..knowledge import load_knowledge
from ..pathway import PathwayResult as FullAssessment
from ..pathway import run_pathway as assess
from ..record import parse_record
from ..rules.evaluate import DefinitionResult
from . import audit
from .limits import check_actor
from .models import Assessment, Measurement, Patient, Visit, utcnow

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
    """The record of a visit rebuilt from storage, with earlier stored weights as its history.

    Earlier weights are listed by date, then value, so that the record (and so the stored
    inputs) does not depend on the order in which concurrent writers inserted the visits."""
    data: dict[str, Any] = {"id": patient.pseudonym, "sex": patient.sex, "date": visit.visit_date}
    if patient.birth_date is not None:
        data["birth_date"] = patient.birth_date
    if visit.setting:
        data["setting"] = visit.setting
    for mid in sorted(current):
        m = current[mid]
        if m.value is None:
            continue
        data[mid] = m.value
        if mid in METHOD_FIELD and m.method:
            data[METHOD_FIELD[mid]] = m.method
    history = list(data.get("weight_history") or [])
    history += [{"date": d, "weight": w} for d, w in sorted(earlier_weights) if d < visit.visit_date]
    if history:
        data["weight_history"] = history
    return data


def load_visits(session: Session, patient_id: int) -> list[Visit]:
    """A patient's visits in date order, with all their measurement versions loaded."""
    stmt = (select(Visit).where(Visit.patient_id == patient_id).order_by(Visit.visit_date, Visit.id)
            .options(joinedload(Visit.measurements)).execution_options(populate_existing=True))
    return list(session.scalars(stmt).unique())


def verdict(result: DefinitionResult) -> dict[str, Any]:
    """What is kept of one definition's result (the trace is rebuilt on demand), ``in_population``
    included: alerts that must not rest on a verdict outside its population can read it.

    One place, so that a new per-verdict fact (a caveat flag that alerts must respect, say)
    is added to every stored row at once."""
    return {"outcome": result.outcome, "decided": result.decided,
            "decisive_measures": list(result.decisive_measures),
            "possible_outcomes": list(result.possible_outcomes),
            "in_population": result.in_population}


def assess_stored(data: Mapping[str, Any], source: str) -> FullAssessment:
    """The registry's assessment of a rebuilt record: every definition, the cause work-up (its red
    flags are stored) and the plan (its same-day referrals are stored; the rest of it is made again
    when a visit is shown in full, :func:`rebuild`, from the same inputs)."""
    return assess(parse_record(data, source=source), plan=True, cause_workup=True)


def red_flags(result: FullAssessment) -> list[dict[str, Any]]:
    """The work-up's red flags as stored (most urgent first, as the work-up orders them)."""
    return [] if result.workup is None else [audit.jsonable(r.to_dict()) for r in result.workup.red_flags]


def referrals(result: FullAssessment) -> list[dict[str, Any]]:
    """The plan's same-day (emergency) referrals for a cause as stored (most urgent first): what a
    list must show beside the red flags when a supported cause calls for more than any flag."""
    if result.plan is None:
        return []
    return [audit.jsonable(referral_entry(i)) for i in result.plan.same_day_referrals()]


def reassess(session: Session, *, patient: Patient, from_visit: Visit | None = None,
             from_visits: list[int] | None = None, actor: str, reason: str,
             every_visit: list[tuple[Visit, list[Measurement]]] | None = None,
             ) -> tuple[dict[str, str], list[int]]:
    """Assess the first of ``from_visit``/``from_visits`` and every visit after it.

    Later visits are re-assessed because their weight history includes the new visit. Returns
    the outcomes of ``from_visit`` and the ids of the other visits assessed. ``every_visit``
    gives the patient's visits with their measurements when the caller holds all of them (a
    patient created in this transaction): they are not read back from the database then."""
    new = {from_visit.id} if from_visit is not None else set(from_visits or [])
    if every_visit is None:
        pairs = [(v, list(v.measurements)) for v in load_visits(session, patient.id)]
    else:
        pairs = sorted(every_visit, key=lambda p: (p[0].visit_date, p[0].id))
    weights: list[tuple[date, float]] = []
    outcomes: dict[str, str] = {}
    later: list[int] = []
    started = False
    rows: list[dict[str, Any]] = []
    audited: list[tuple[int | None, int | None, dict[str, Any]]] = []
    for v, measurements in pairs:
        current = current_measurements(measurements)
        started = started or v.id in new
        if started:
            data = audit.jsonable(visit_data(patient, v, current, weights))
            result = assess_stored(data, f"visit {v.id}")
            found = {k: r.outcome for k, r in result.results.items()}
            why = reason if v.id in new else LATER_REASON.get(reason, reason)
            rows.append({"visit_id": v.id, "created_at": utcnow(), "reason": why, "outcomes": found,
                         "knowledge_version": result.knowledge_version,
                         "myoscope_version": result.myoscope_version,
                         "verdicts": {k: verdict(r) for k, r in result.results.items()}, "inputs": data,
                         "red_flags": red_flags(result), "referrals": referrals(result)})
            audited.append((v.id, patient.id, {"visit_id": v.id, "reason": why,
                                               "knowledge_version": result.knowledge_version}))
            if from_visit is not None and v.id == from_visit.id:
                outcomes = found
            elif from_visit is not None or v.id not in new:
                later.append(v.id)
        w = current.get("weight")
        if w is not None and w.value_num is not None:
            weights.append((v.visit_date, w.value_num))
    if rows:  # one statement for the assessments, one for their audit rows
        session.execute(insert(Assessment), rows)
        audit.record_all(session, actor=actor, action="create", entity="assessment", items=audited)
    return outcomes, later


def current_assessment(session: Session, visit_id: int) -> Assessment | None:
    """The latest assessment row of a visit (rows are append-only; the newest is current)."""
    return session.scalar(select(Assessment).where(Assessment.visit_id == visit_id)
                          .order_by(Assessment.id.desc()).limit(1))


def rebuild_row(row: Assessment) -> FullAssessment:
    """The full pathway result (traces, caveats, work-up, plan) of one stored assessment row.

    :raises RegistryError: when the installed knowledge is not the version that made the stored
        verdicts, or when the rebuilt verdicts differ from the stored ones."""
    installed = load_knowledge().version
    if installed != row.knowledge_version:
        raise RegistryError(f"visit {row.visit_id} was assessed with knowledge {row.knowledge_version}; "
                            f"this installation has {installed}, so its trace cannot be rebuilt exactly")
    full = assess(parse_record(row.inputs, source=f"visit {row.visit_id}"))
    if {k: r.outcome for k, r in full.results.items()} != row.outcomes:
        raise RegistryError(f"visit {row.visit_id}: the rebuilt verdicts differ from the stored ones")
    return full


def rebuild(session: Session, *, visit_id: int, actor: str) -> FullAssessment:
    """The full assessment of a visit from its stored inputs (:func:`rebuild_row`), audited as a read.

    :raises VisitNotFoundError: for a visit with no assessment; RegistryError as ``rebuild_row``."""
    check_actor(actor)
    row = current_assessment(session, visit_id)
    if row is None:
        raise VisitNotFoundError(f"no assessed visit {visit_id}")
    full = rebuild_row(row)
    visit = session.get(Visit, visit_id)
    audit.record(session, actor=actor, action="read", entity="assessment", entity_id=row.id,
                 patient_id=visit.patient_id if visit else None, visit_id=visit_id)
    return full
