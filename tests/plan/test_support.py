"""The plan acts on a work-up hypothesis only when the record shows what its source needs
(causes.yaml `support`; WhenSpec `causes_supported` and `causes_weak`).

- `supported`: treated; items for the supported case (GBS: the same-day emergency referral).
- `undecided` (a fact missing): unknown, not absent, so treated as without the rule, the
  same-day referral included, while the missing fact is asked.
- `not_supported`: not treated (no item, no cause flag such as "no standard programme"), the
  plan says why among its assumptions, and the weak-case items (GBS: what to ask, and when to go
  to hospital the same day) are given whatever the plan's status.
- No support (a cause without a rule, a recorded condition, an older work-up result): as before,
  the same-day referral included.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from myoscope import assess
from myoscope.plan import CauseInput, Plan, PlanInputs, RedFlagInput, build_plan, load_plan_knowledge
from myoscope.plan.adapt import causes_from_workup

GBS = "acute_inflammatory_neuropathy"
EMERGENCY = "cause_acute_inflammatory_neuropathy"
WEAK = "cause_acute_inflammatory_neuropathy_unconfirmed"
SARCOPENIA = {"ewgsop2": "sarcopenia"}


def plan_for(causes: list[CauseInput], outcomes: dict[str, str] | None = None,
             red_flags: list[RedFlagInput] | None = None) -> Plan:
    outcomes = SARCOPENIA if outcomes is None else outcomes
    return build_plan(PlanInputs(values={"age": 80, "weight": 60.0}, outcomes=outcomes,
                                 decided=dict.fromkeys(outcomes, True), causes=causes,
                                 red_flags=red_flags or []))


def ids(plan: Plan) -> set[str]:
    return {i.id for i in plan.items()}


def gbs(support: str | None) -> CauseInput:
    return CauseInput(GBS, "Guillain-Barré", support=support, support_needs="weakness still getting worse (Leonhard)")


@pytest.mark.parametrize(("support", "emergency", "weak", "treated"), [
    ("supported", True, False, True), ("undecided", True, False, True),
    ("not_supported", False, True, False), (None, True, False, True),
])
def test_gbs_items_follow_its_support(support: str | None, emergency: bool, weak: bool, treated: bool) -> None:
    p = plan_for([gbs(support)])
    assert (EMERGENCY in ids(p)) is emergency
    assert (WEAK in ids(p)) is weak
    assert (GBS in [c.id for c in p.causes]) is treated


def test_the_emergency_referral_is_unchanged_when_gbs_is_supported() -> None:
    item = plan_for([gbs("supported")]).item(EMERGENCY)
    assert item is not None and item.urgency == "emergency" and item.kind == "referral"
    assert "same-day hospital assessment" in item.text and item.citation is not None
    assert item.citation.ref == "leonhard_2019_gbs"


def test_the_weak_wording_asks_and_gives_the_safety_net() -> None:
    item = plan_for([gbs("not_supported")]).item(WEAK)
    assert item is not None and item.urgency == "soon" and item.kind == "recommendation"
    text = item.text
    assert "does not show weakness that is still getting worse" in text
    assert "Ask whether the weakness is still getting worse or spreading" in text
    assert "reflexes" in text and "neurological assessment" in text
    assert text.endswith("If the weakness is getting worse or spreading, or breathing or swallowing is "
                         "affected: same-day emergency assessment.")
    assert item.citation is not None and item.citation.ref == "leonhard_2019_gbs"


def test_a_cause_not_supported_sets_no_cause_flag_and_the_plan_says_why() -> None:
    """ALS not supported: no ALS item, and its "no standard programme" flag does not withhold the
    standard resistance programme from the sarcopenia that is there."""
    als = CauseInput("als", "ALS", support="not_supported", support_needs="a progressive course (Turner 2022)")
    p = plan_for([CauseInput("age_related_sarcopenia"), als])
    assert [c.id for c in p.causes] == ["age_related_sarcopenia"]
    assert not {"cause_als", "ex_als_resistance", "ex_als_caution", "nut_als", "fu_als", "goal_slow"} & ids(p)
    assert "ex_resistance" in ids(p) and "goal_reverse" in ids(p)
    assert "ALS: listed by the work-up, but the record does not show a progressive course (Turner 2022); " \
           "the plan does not treat it." in p.assumptions
    assert "ALS" not in p.reason


def test_an_undecided_or_supported_als_keeps_its_items() -> None:
    for support in ("undecided", "supported", None):
        p = plan_for([CauseInput("als", support=support)])
        assert {"cause_als", "ex_als_resistance", "fu_als"} <= ids(p), support
        assert "ex_resistance" not in ids(p)


def test_the_weak_item_is_given_in_a_plan_that_is_not_indicated() -> None:
    """A hypothesis not supported does not call for a plan (nothing measured: measure first), but
    what to ask and when to seek emergency care is still said; nothing else is added."""
    p = plan_for([CauseInput("disuse_atrophy"), gbs("not_supported")], outcomes={})
    assert p.status == "undetermined"
    assert [i.id for i in p.sections["treat_cause"]] == [WEAK]
    assert all(not p.sections[s] for s in ("exercise", "nutrition", "physiotherapy", "goals"))
    assert any(a.startswith("Guillain-Barré: listed by the work-up") for a in p.assumptions)


def test_red_flags_keep_their_urgency_beside_the_weak_item() -> None:
    flag = RedFlagInput("acute_weakness_over_days", "Weakness over days.", "emergency", "Same-day.",
                        defers_exercise=True, status="possible")
    p = plan_for([gbs("not_supported")], red_flags=[flag])
    treat = [(i.id, i.urgency) for i in p.sections["treat_cause"]]
    assert treat[0] == ("red_flag_acute_weakness_over_days", "emergency")
    assert (WEAK, "soon") in treat and EMERGENCY not in ids(p)
    assert [i.id for i in p.sections["exercise"]] == ["ex_deferred"]


HIP: dict[str, Any] = {
    "sex": "female", "age": 83, "height": 158, "weight": 55, "grip_strength": 12, "gait_speed": 0.5,
    "conditions": ["hip_fracture"],
    "history": {"symptoms": {"weakness": True}, "tempo": "weeks", "course": "improving", "bed_rest_days": 6}}


def test_the_adapter_reads_support_from_the_workup_object_and_its_json_alike() -> None:
    a = assess(copy.deepcopy(HIP))
    assert a.workup is not None
    pk = load_plan_knowledge()
    from_object, _ = causes_from_workup(a.workup, pk)
    from_json, _ = causes_from_workup(a.workup.to_dict(), pk)
    assert from_object == from_json
    gbs_input = next(c for c in from_object if c.id == GBS)
    assert gbs_input.support == "not_supported"
    assert gbs_input.support_needs is not None and gbs_input.support_needs.startswith(
        "weakness that is still getting worse, the progressive phase of Guillain-Barré syndrome (Leonhard et al. 2019")


def test_an_older_workup_result_without_support_is_treated_as_before() -> None:
    workup = {"candidates": [{"id": GBS, "label": "GBS", "confidence": "low"}], "red_flags": []}
    causes, _ = causes_from_workup(workup, load_plan_knowledge())
    assert causes[0].support is None
    p = plan_for(causes)
    assert GBS in [c.id for c in p.causes] and EMERGENCY in ids(p) and WEAK not in ids(p)


def test_the_plan_json_shows_the_support_of_each_treated_cause() -> None:
    p = plan_for([gbs("undecided"), CauseInput("age_related_sarcopenia")])
    causes = {c["id"]: c for c in p.to_dict()["causes"]}
    assert causes[GBS]["support"] == "undecided" and causes["age_related_sarcopenia"]["support"] is None


def test_a_same_day_referral_heads_the_cause_section_before_a_possible_flag() -> None:
    """At one urgency a known instruction comes before a red flag not yet ruled out: the
    supported Guillain-Barré referral, not the cord-compression questions, is the clinician
    report's first plan line (its headline) for one-sided weakness getting worse over weeks (a
    symmetrical or unrecorded distribution raises NG127's immediate red flag, which comes first)."""
    result = assess({"sex": "male", "age": 79, "height": "172 cm", "weight": "60 kg", "grip_strength": 20,
                     "gait_speed": 0.6, "history": {"symptoms": {"weakness": True}, "tempo": "weeks",
                                                    "course": "progressive", "distribution": ["asymmetric"]}})
    assert result.plan is not None and result.workup is not None
    assert "possible" in {f.status for f in result.workup.red_flags if f.urgency == "emergency"}
    first = result.plan.sections["treat_cause"][0]
    assert (first.id, first.urgency) == (EMERGENCY, "emergency")
    ranks = [(i.urgency, i.text.startswith("Possible, not yet ruled out")) for i in result.plan.sections["treat_cause"]]
    emergency = [possible for urgency, possible in ranks if urgency == "emergency"]
    assert emergency == sorted(emergency)  # known before possible
