"""Follow-ups of the clinical review (2026-12-06): what the plan says must agree with its gates.

S1: while exercise is deferred (a red flag, active or possible, or an unstable heart), no goal or
physiotherapy item rests on an exercise programme. M6: a plan left undetermined because no verdict's
population is established says so, and what to record first. S5: evidence from another population
(a ventilated-ICU trial for a bed-bound person at home) is said beside the item. S4: with the eGFR
recorded, only the missing dialysis status is asked for.
"""

from __future__ import annotations

import re
from typing import Any

import myoscope
from myoscope.plan import Plan
from myoscope.plan.loader import load_plan_knowledge

#: the reviewer's record (weakness over days, progressive): red flags defer exercise
GBS: dict[str, Any] = {
    "sex": "male", "age": 45,
    "history": {"symptoms": {"weakness": True, "numbness_tingling": True}, "tempo": "days",
                "course": "progressive", "distribution": ["generalised"], "signs": {"reflexes": "absent"}},
}
EXERCISE_WORDS = re.compile(r"exercis|resistance", re.IGNORECASE)


def plan_of(rec: dict[str, Any]) -> Plan:
    plan = myoscope.assess(rec).plan
    assert plan is not None
    return plan


def ids(plan: Plan) -> list[str]:
    return [i.id for i in plan.items()]


def test_no_exercise_goal_or_programme_while_a_red_flag_defers_exercise() -> None:
    # with a finding (low grip) the strength goal applied before the fix, under the deferral
    plan = plan_of({**GBS, "grip_strength": 20})
    assert "ex_deferred" in ids(plan)
    present = ids(plan)
    for iid in ("goal_strength_function", "pt_programme", "ex_resistance"):
        assert iid not in present, iid
    assert [i.id for i in plan.sections["goals"]] == ["goal_exercise_deferred"]
    assert not any("resistance-based activity" in i.text for i in plan.items())
    assert "set after the assessment" in plan.sections["goals"][0].text
    assert [i.id for i in plan_of(GBS).sections["goals"]] == ["goal_exercise_deferred"]


def test_an_unstable_heart_withholds_the_heart_failure_exercise_goal() -> None:
    rec = {"sex": "female", "age": 70, "grip_strength": 12, "conditions": ["heart_failure"]}
    assert "goal_heart_failure" in ids(plan_of(rec))
    held = plan_of({**rec, "plan_constraints": {"cardiac_unstable": True}})
    assert "goal_heart_failure" not in ids(held) and "goal_exercise_deferred" in ids(held)


def test_every_goal_and_physiotherapy_item_naming_exercise_waits_while_exercise_is_deferred() -> None:
    items = load_plan_knowledge().spec.items
    named = {iid: it for iid, it in items.items()
             if it.section in ("goals", "physiotherapy") and EXERCISE_WORDS.search(it.text)}
    assert {"goal_strength_function", "goal_heart_failure", "pt_programme"} <= set(named)
    ungated = [iid for iid, it in named.items()
               if "exercise_deferred" not in [*it.when.flags_none, *it.when.flags_all]]
    assert ungated == []


def test_undetermined_for_want_of_an_age_says_so_and_asks_for_it_first() -> None:
    plan = plan_of({"id": "grip-low-only", "sex": "male", "grip_strength": 20})
    assert plan.status == "undetermined"
    assert "no definition could be decided" not in plan.reason
    assert plan.reason.startswith("the population of ewgsop2")
    assert "fnih2014" in plan.reason and "is not established (age" in plan.reason
    assert plan.reason.endswith("record age and asian first")
    assert plan.decisive_measures[:2] == ["age", "asian"]
    from myoscope.report.summary import summary_text  # the one-screen summary says the reason too

    assert plan.reason in summary_text(myoscope.assess({"sex": "male", "grip_strength": 20}), width=1000)
    # with the age recorded the verdict is usable: indicated, no population reason
    assert plan_of({"sex": "male", "age": 70, "grip_strength": 20}).status == "indicated"


def test_undetermined_without_any_verdict_still_says_measure_first() -> None:
    plan = plan_of({"sex": "male", "age": 70})
    assert plan.status == "undetermined" and plan.reason == "no definition could be decided: measure first"


def test_icu_trial_evidence_for_a_bed_bound_person_at_home_says_its_population() -> None:
    rec = {"sex": "female", "age": 88, "height": "155 cm", "weight": "45 kg", "grip_strength": 8,
           "plan_constraints": {"bed_bound": True}, "setting": "community"}
    item = plan_of(rec).item("ex_early_mobilisation")
    assert item is not None and "59% vs 35%" in item.text
    note = [a for a in item.assumptions if "mechanically ventilated adults in intensive care" in a]
    assert note and note[0].endswith("applied here outside that population.")
    unknown = plan_of({k: v for k, v in rec.items() if k != "setting"}).item("ex_early_mobilisation")
    assert unknown is not None and any(a.startswith("Setting not recorded: this evidence comes from")
                                       for a in unknown.assumptions)
    in_icu = plan_of({**rec, "setting": "icu"}).item("ex_early_mobilisation")
    assert in_icu is not None and not any("outside that population" in a for a in in_icu.assumptions)


def _protein(constraints: dict[str, Any], **extra: Any) -> Any:
    rec = {"sex": "female", "age": 75, "weight": "60 kg", "grip_strength": 12,
           "plan_constraints": constraints, **extra}
    return plan_of(rec).nutrition["protein"]


def test_egfr_recorded_asks_only_for_the_dialysis_status() -> None:
    t = _protein({"egfr": 22})
    assert t.status == "undetermined" and t.decisive == ["plan_constraints.dialysis"]
    assert "not its severity" not in t.text and "record the dialysis status" in t.text
    t = _protein({"dialysis": False}, conditions=["ckd"])
    assert t.decisive == ["plan_constraints.egfr"] and "dialysis status" not in t.text
    t = _protein({}, conditions=["ckd"])
    assert t.decisive == ["plan_constraints.egfr", "plan_constraints.dialysis"]
    assert _protein({"egfr": 22, "dialysis": True}).rule == "dialysis"


def test_an_adult_with_nothing_measured_is_undetermined_not_sent_for_a_paediatric_assessment() -> None:
    # AWGS 2025 (from 50) is not applicable at 45 and nothing else was measured: the plan said
    # "outside the population of every definition ... a specialist (paediatric) assessment"
    a = myoscope.assess({"sex": "male", "age": 45, "history": {"symptoms": {"weakness": True}, "tempo": "years"}})
    assert a.plan is not None and "awgs2025" in [k for k, r in a.results.items() if r.outcome == "not_applicable"]
    assert a.plan.status == "undetermined", a.plan.reason
    assert "paediatric" not in a.plan.reason
    child = myoscope.assess({"sex": "female", "age": 10, "grip_strength": 8})
    assert child.plan is not None and child.plan.status == "not_applicable"


def test_a_person_in_bed_is_followed_with_what_can_be_measured_in_bed() -> None:
    # review 2026-12-07: a bed-bound person at home was told "In hospital ... weekly while an
    # inpatient", and to repeat the chair stands, the walk and SARC-F
    base = {"sex": "female", "age": 84, "height": 158, "weight": 44, "grip_strength": 11}
    home = plan_of({**base, "setting": "nursing_home", "plan_constraints": {"bed_bound": True}})
    ids = {i.id for i in home.sections["follow_up"]}
    assert "fu_response_in_bed" in ids and not ids & {"fu_response", "fu_screening", "fu_hospital_nutrition"}
    assert home.item("fu_response_in_bed").repeat == ["grip_strength", "weight"]
    ward = plan_of({**base, "setting": "hospital", "plan_constraints": {"bed_bound": False}})
    assert {"fu_response", "fu_screening", "fu_hospital_nutrition"} <= {i.id for i in ward.sections["follow_up"]}
