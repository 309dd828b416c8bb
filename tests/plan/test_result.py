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


@pytest.mark.parametrize("condition", ["als", "inflammatory_myopathy", "sepsis", "anorexia_nervosa"])
def test_a_known_diagnosis_urgent_item_is_not_a_same_day_referral(condition: str) -> None:
    # the plan still lists its urgent item (interventions.yaml), but a list that showed it at
    # every visit of a known, followed diagnosis would cry wolf
    plan = run_pathway({**BASE, "conditions": [condition]}).plan
    assert plan is not None
    assert any(i.urgency == "urgent" and i.kind != "red_flag" for i in plan.sections["treat_cause"])
    assert plan.same_day_referrals() == []
