"""The `plan_constraints` block: canonical values, every bad field at once, unknown stays unknown."""

from __future__ import annotations

import pytest

from myoscope import assess
from myoscope.errors import RecordValidationError
from myoscope.plan.constraints import validate_constraints


def test_canonical_values() -> None:
    assert validate_constraints({
        "egfr": "22 mL/min/1.73m2", "nyha_class": "4", "cancer_treatment": "chemotherapy",
        "dialysis": "no", "bed_bound": True, "meals_per_day": 4, "ckd_stage": "3b",
        "sedentary": None}) == {
        "egfr": 22.0, "nyha_class": "IV", "cancer_treatment": ["chemotherapy"], "dialysis": False,
        "bed_bound": True, "meals_per_day": 4, "ckd_stage": "3b"}
    assert validate_constraints({"egfr": {"value": 45, "unit": "mL/min/1.73m2"}}) == {"egfr": 45.0}


def test_every_bad_field_at_once() -> None:
    with pytest.raises(RecordValidationError) as err:
        validate_constraints({"egfr": 500, "nyha_class": "V", "wheelchair": True, "dialysis": "maybe",
                              "meals_per_day": 2.5, "ckd_stage": 6, "cancer_treatment": ["chemo"],
                              "frail": "sometimes"}, source="p.yaml")
    assert str(err.value) == (
        "invalid record p.yaml (8 problems):\n"
        "  - plan_constraints.egfr: 500 is implausible (expected 0–200 mL/min/1.73m2)\n"
        "  - plan_constraints.nyha_class: 'V' is not one of I, II, III, IV\n"
        "  - plan_constraints.wheelchair: unknown field (expected one of bed_bound, icu, frail, falls_risk, "
        "sedentary, egfr, ckd_stage, dialysis, metabolically_stable, cardiac_unstable, nyha_class, cancer_treatment, meals_per_day)\n"
        "  - plan_constraints.dialysis: expected true or false, got 'maybe'\n"
        "  - plan_constraints.meals_per_day: 2.5 is not a whole number\n"
        "  - plan_constraints.ckd_stage: 6 is not one of 1, 2, 3a, 3b, 4, 5\n"
        "  - plan_constraints.cancer_treatment: ['chemo'] is not one of none, surgery, chemotherapy, "
        "radiotherapy, immunotherapy, hormone_therapy, palliative\n"
        "  - plan_constraints.frail: expected true or false, got 'sometimes'"
    )


def test_wrong_unit_and_shape() -> None:
    with pytest.raises(RecordValidationError) as err:
        validate_constraints({"egfr": "22 mL/min", "icu": [True]})
    assert "plan_constraints.egfr: unknown unit 'mL/min' (accepted: mL/min/1.73m2)" in str(err.value)
    assert "plan_constraints.icu: expected true or false, got [True]" in str(err.value)
    with pytest.raises(RecordValidationError) as err:
        validate_constraints(["bed_bound"])
    assert "plan_constraints: expected an object with fields bed_bound" in str(err.value)


def test_assess_refuses_bad_plan_constraints() -> None:
    with pytest.raises(RecordValidationError) as err:
        assess({"sex": "female", "age": 80, "plan_constraints": {"egfr": -3}})
    assert "plan_constraints.egfr: -3 is implausible (expected 0–200 mL/min/1.73m2)" in str(err.value)
    # validated with the rest of the record, so every bad field is named at once
    with pytest.raises(RecordValidationError) as err:
        assess({"sex": "x", "age": 80, "plan_constraints": {"egfr": -3}}, plan=False)
    assert [p.path for p in err.value.problems] == ["sex", "plan_constraints.egfr"]


def test_the_plan_shows_each_constraint_and_why() -> None:
    a = assess({"sex": "female", "age": 80, "weight": 58, "height": 160, "grip_strength": 12, "setting": "icu",
                "plan_constraints": {"egfr": 25, "dialysis": False}})
    assert a.plan is not None
    shown = {c.id: (c.value, c.basis) for c in a.plan.constraints}
    assert shown["icu"] == (True, "setting = icu")
    assert shown["bed_bound"] == (None, "not recorded (plan_constraints.bed_bound)")
    assert shown["ckd_severe_no_dialysis"] == (True, "egfr 25 (threshold < 30); dialysis False")
    assert shown["obese"] == (False, "bmi 22.66 (threshold >= 30)")


def test_nice_cg32_refeeding_risk_is_not_read_from_a_childs_bmi() -> None:
    # a BMI of 15 is normal at 4 years; NICE CG32's criteria (BMI under 16) are written for adults
    child = assess({"sex": "male", "age": 4, "height": 100, "weight": 15, "conditions": ["spinal_muscular_atrophy"]}).plan
    assert child is not None
    flags = {c.id: c for c in child.constraints}
    assert flags["child"].value is True and flags["refeeding_high_risk"].value is None
    assert "criteria are for adults" in flags["refeeding_high_risk"].basis
    assert "refeeding_start" not in child.nutrition and child.item("fu_refeeding") is None
    # the same BMI in an adult is a high risk, with the adult start
    adult = assess({"sex": "male", "age": 40, "height": 100, "weight": 15, "conditions": ["spinal_muscular_atrophy"]}).plan
    assert adult is not None and "refeeding_start" in adult.nutrition
