"""Rhabdomyolysis is a cause the work-up ranks, not only a red flag (2026-12-06).

A man of 30 with muscle pain, dark urine and weakness over days and a CK 225 times the upper limit
was worked up as Guillain-Barre syndrome and myositis: the plan treated those. The cause
`rhabdomyolysis` (gate: CK more than 5 times the upper limit; Stahl 2020, Bosch 2009) now ranks
first, the plan's treat-the-cause item and goal are its own, and a CK raised over years (a
dystrophy's) does not list it.
"""

from __future__ import annotations

import copy
from typing import Any

import myoscope
from myoscope.record import parse_record
from myoscope.workup import workup

#: the reviewer's record
RHABDO: dict[str, Any] = {
    "sex": "male", "age": 30,
    "history": {"symptoms": {"muscle_pain": True, "dark_urine": True, "weakness": True}, "tempo": "days",
                "labs": {"ck": 45000, "ck_upper_limit": 200}},
}


def _causes(record: dict[str, Any]) -> list[str]:
    return [c.id for c in workup(parse_record(copy.deepcopy(record), source="test")).candidates]


def test_rhabdomyolysis_ranks_first_with_its_tests() -> None:
    w = workup(parse_record(copy.deepcopy(RHABDO), source="test"))
    top = w.candidates[0]
    assert top.id == "rhabdomyolysis"
    assert "ck_renal_urine" in [t.id for t in top.next_tests]


def test_a_ck_raised_over_years_does_not_list_rhabdomyolysis() -> None:
    chronic = {"sex": "male", "age": 30,
               "history": {"symptoms": {"weakness": True}, "tempo": "years",
                           "labs": {"ck": 4000, "ck_upper_limit": 200}}}
    assert "rhabdomyolysis" not in _causes(chronic)


def test_the_plan_treats_rhabdomyolysis_and_its_goal_leads() -> None:
    plan = myoscope.assess(copy.deepcopy(RHABDO)).plan
    assert plan is not None
    assert plan.causes[0].id == "rhabdomyolysis"
    item = plan.item("cause_rhabdomyolysis")
    assert item is not None and item.urgency == "emergency"
    goals = [i.id for i in plan.sections["goals"]]
    assert goals[0] == "goal_rhabdomyolysis"
    assert "goal_myositis" not in goals
    # exercise stays deferred (the red flag), and no standard programme is prescribed
    assert plan.item("ex_deferred") is not None
    assert plan.item("ex_resistance") is None
