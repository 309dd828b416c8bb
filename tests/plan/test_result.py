"""The plan's result object: which of its items a face shows beside the red flags."""

from __future__ import annotations

import pytest

from myoscope.pathway import run_pathway

from ..records import WEEKS_PROGRESSIVE

BASE = {"sex": "male", "age": 60, "height": 175, "weight": 70, "grip_strength": 22}


def test_a_supported_guillain_barre_is_a_same_day_referral_beside_an_urgent_flag() -> None:
    plan = run_pathway({**BASE, **WEEKS_PROGRESSIVE}).plan
    assert plan is not None
    assert [(i.id, i.urgency, i.kind) for i in plan.same_day_referrals()] == [
        ("cause_acute_inflammatory_neuropathy", "emergency", "referral")]


@pytest.mark.parametrize("condition", ["sepsis", "anorexia_nervosa"])
def test_a_known_diagnosis_urgent_item_is_not_a_same_day_referral(condition: str) -> None:
    # the plan still lists its urgent item (interventions.yaml), but a list that showed it at
    # every visit of a known, followed diagnosis would cry wolf
    plan = run_pathway({**BASE, "conditions": [condition]}).plan
    assert plan is not None
    assert any(i.urgency == "urgent" and i.kind != "red_flag" for i in plan.sections["treat_cause"])
    assert plan.same_day_referrals() == []


@pytest.mark.parametrize(("condition", "known", "suspected"), [
    ("als", "cause_als_known", "cause_als"),
    ("inflammatory_myopathy", "cause_inflammatory_myopathy_known", "cause_inflammatory_myopathy"),
])
def test_a_recorded_diagnosis_is_followed_not_referred_as_suspected(condition: str, known: str,
                                                                    suspected: str) -> None:
    plan = run_pathway({**BASE, "conditions": [condition]}).plan
    assert plan is not None and plan.item(suspected) is None
    item = plan.item(known)
    assert item is not None and item.urgency == "routine" and "(recorded)" in item.text
