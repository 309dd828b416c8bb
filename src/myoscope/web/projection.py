"""The patient page's projection: the latest visit's record under a chosen what-if scenario.

Scenarios are data (``scenarios.yaml``); the projection is :func:`myoscope.simulate.simulate`
with a fixed seed, so the same page shows the same band every time.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from ..errors import MyoscopeError
from ..knowledge import load_knowledge
from ..record import parse_record
from ..registry.assessing import current_measurements, load_visits, visit_data
from ..simulate import parse_scenario, simulate
from ..simulate.parameters import load_trajectory
from ..simulate.projection import Projection
from ..yamlio import load_yaml
from .patients import Where, scoped_patient

DRAWS = 200  # enough for a stable 5-95% band on a page; the CLI's default is 1000
CHART_POINTS = 150  # points per line drawn (the SVG renderer's cost grows with them)
DEFAULT_SCENARIO = "ageing_central"


class NoProjectionError(MyoscopeError):
    """The patient has no visit to project from, or the record lacks what a projection needs."""


@cache
def scenarios() -> dict[str, dict[str, Any]]:
    text = resources.files("myoscope.web").joinpath("scenarios.yaml").read_text("utf-8")
    data: dict[str, dict[str, Any]] = load_yaml(text)
    return data


def latest_record(session: Session, where: Where, patient_id: int) -> dict[str, Any]:
    """The record of the patient's latest visit, rebuilt from storage (with its weight history)."""
    p = scoped_patient(session, where.who, patient_id)
    visits = load_visits(session, p.id)
    if not visits:
        raise NoProjectionError("no visit recorded yet: add a visit to project from")
    weights: list[tuple[date, float]] = []
    for v in visits[:-1]:
        w = current_measurements(v.measurements).get("weight")
        if w is not None and w.value_num is not None:
            weights.append((v.visit_date, w.value_num))
    last = visits[-1]
    return visit_data(p, last, current_measurements(last.measurements), weights)


def latest_record_or_none(session: Session, where: Where, patient_id: int) -> dict[str, Any] | None:
    """``latest_record``, or ``None`` for a patient with no visit (a foreign id still raises)."""
    try:
        return latest_record(session, where, patient_id)
    except NoProjectionError:
        return None


def audit_projection(session: Session, where: Where, patient_id: int, scenario: str) -> None:
    where.audit(
        session,
        action="read",
        entity="projection",
        entity_id=patient_id,
        patient_id=patient_id,
        scenario=scenario,
    )


def chart_key(data: dict[str, Any], patient_id: int, scenario: str) -> tuple[object, ...]:
    """Everything a projection chart is a function of: the record it projects (the latest visit
    with its weight history, as stored now), the patient it names, the scenario and the knowledge
    version. Content-addressed, so a new visit, a correction, a re-assessment or another
    database's patient of the same id is another entry, and nothing needs invalidating."""
    record = json.dumps(data, sort_keys=True, default=str)
    return ("projection", patient_id, scenario, record, load_knowledge().version)


def left_out(result: dict[str, Any] | None, scenario: str) -> list[str]:
    """What the projection under ``scenario`` leaves out of the latest visit's record (its
    pathway ``result``): a recorded condition that wastes muscle and that no state of the scenario
    projects (:meth:`TrajectoryKnowledge.conditions_left_out`), said beside the chart."""
    spec = scenarios().get(scenario)
    if result is None or spec is None:
        return []
    kb = load_trajectory()
    states = (e.name for e in parse_scenario(dict(spec), knowledge=kb).states())
    return kb.conditions_left_out((result.get("record") or {}).get("conditions") or [], states)


def project(data: dict[str, Any], patient_id: int, scenario: str) -> Projection:
    """Project a visit's record (``latest_record``) under ``scenario`` (no database access)."""
    if scenario not in scenarios():
        raise NoProjectionError(f"unknown scenario {scenario!r} (choose one of {', '.join(scenarios())})")
    spec = dict(scenarios()[scenario])
    # the chart is titled by the record's source: the patient's pseudonym, as the page names them
    return simulate(parse_record(data, source=str(data.get("id") or f"patient {patient_id}")), spec,
                    draws=DRAWS, seed=0)
