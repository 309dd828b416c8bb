"""A recorded swallowing difficulty asks for a swallowing assessment (flag `swallowing_difficulty`,
item `nut_swallowing_assessment`); an unrecorded answer neither triggers nor suppresses anything."""

from __future__ import annotations

from typing import Any

from myoscope import assess
from myoscope.plan import CauseInput, Plan, PlanInputs, build_plan, load_plan_knowledge
from myoscope.plan.constraints import derive_flags

ITEM = "nut_swallowing_assessment"

# the case that had no prompt: dysphagia stable for years after a recorded stroke, so the NG42
# bulbar red flag (and its "assess swallowing safety" action) does not hold
STROKE = {"sex": "male", "age": 80, "height": "172 cm", "weight": "58 kg", "grip_strength": 20,
          "gait_speed": 0.6, "conditions": ["stroke"],
          "history": {"symptoms": {"swallowing_difficulty": True}, "tempo": "years", "course": "stable"}}


def plan_for(values: dict[str, Any], causes: list[CauseInput] | None = None) -> Plan:
    return build_plan(PlanInputs(values=values, outcomes={"ewgsop2": "sarcopenia"},
                                 decided={"ewgsop2": True}, causes=causes))


def flag(values: dict[str, Any]) -> tuple[Any, str]:
    f = derive_flags(values, {}, {}, load_plan_knowledge())
    return f.get("swallowing_difficulty"), f.basis["swallowing_difficulty"]


def test_the_flag_is_three_valued_from_the_history() -> None:
    assert flag({"history": {"symptoms": {"swallowing_difficulty": True}}}) == (
        True, "history.symptoms.swallowing_difficulty = True")
    assert flag({"history": {"symptoms": {"swallowing_difficulty": False}}}) == (
        False, "history.symptoms.swallowing_difficulty = False")
    unknown = (None, "not recorded (history.symptoms.swallowing_difficulty)")
    assert flag({}) == unknown
    assert flag({"history": {"tempo": "years"}}) == unknown
    assert flag({"history": {"symptoms": {"falls": True}}}) == unknown


def test_a_recorded_swallowing_difficulty_gets_the_assessment() -> None:
    a = assess(STROKE)
    assert a.plan is not None and a.plan.status == "indicated"
    item = a.plan.item(ITEM)
    assert item is not None and item.section == "nutrition" and item.kind == "referral"
    assert "speech and language therapist" in (item.refer_to or "")
    assert "texture" in item.text and item.citation is not None
    assert item.citation.ref == "thibault_2021" and "(secondary)" in (item.citation.locator or "")


def test_missing_or_no_swallowing_difficulty_asks_for_nothing() -> None:
    assert plan_for({"age": 80, "weight": 60.0}).item(ITEM) is None
    assert plan_for({"age": 80, "weight": 60.0, "history": {"symptoms": {"falls": True}}}).item(ITEM) is None
    no = {"age": 80, "weight": 60.0, "history": {"symptoms": {"swallowing_difficulty": False}}}
    assert plan_for(no).item(ITEM) is None
    yes = {"age": 80, "weight": 60.0, "history": {"symptoms": {"swallowing_difficulty": True}}}
    assert plan_for(yes).item(ITEM) is not None


def test_the_flag_does_not_suppress_other_items() -> None:
    """An unknown or recorded answer leaves every other item as it was."""
    base = {"age": 80, "weight": 60.0}
    before = {i.id for i in plan_for(base).items()}
    unknown = {i.id for i in plan_for({**base, "history": {"tempo": "years"}}).items()}
    known = {i.id for i in plan_for({**base, "history": {"symptoms": {"swallowing_difficulty": True}}}).items()}
    assert unknown == before and known == before | {ITEM}


def test_overlap_with_the_mnd_item_is_stated() -> None:
    """The schema has no `causes_none`: with ALS and a recorded swallowing difficulty both the MND
    team's item and the assessment appear (the MND team's speech and language therapist does it)."""
    p = plan_for({"age": 60, "weight": 60.0, "history": {"symptoms": {"swallowing_difficulty": True}}},
                 causes=[CauseInput("als")])
    assert p.item("nut_als") is not None and p.item(ITEM) is not None
