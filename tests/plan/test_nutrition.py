"""Nutrition numbers computed from the record, checked by hand.

Protein: PROT-AGE (Bauer 2013, abstract) 1.0-1.2 g/kg/d, >=1.2 exercising, 1.2-1.5 with disease,
the exception for eGFR <30 not on dialysis; KDOQI 2020 (secondary) 0.55-0.60 g/kg/d, 0.6-0.8 with
diabetes, 1.0-1.2 on dialysis. Energy: ESPEN geriatrics 30 kcal/kg/d (secondary), KDOQI 25-35,
ESPEN cancer 25-30. Per meal: 25-30 g (PMC3276215). Refeeding: NICE CG32 (secondary).
"""

from __future__ import annotations

from typing import Any

import pytest

from myoscope.plan import CauseInput, Plan, PlanInputs, build_plan
from myoscope.plan.nutrition import divide, times


def plan_for(values: dict[str, Any], constraints: dict[str, Any] | None = None,
             outcomes: dict[str, str] | None = None, causes: list[CauseInput] | None = None) -> Plan:
    outcomes = {"ewgsop2": "sarcopenia"} if outcomes is None else outcomes
    return build_plan(PlanInputs(values=values, outcomes=outcomes, decided=dict.fromkeys(outcomes, True),
                                 constraints=constraints or {}, causes=causes))


def test_70_kg_at_1_2_g_per_kg_gives_84_g_a_day() -> None:
    p = plan_for({"age": 78, "weight": 70.0})
    protein = p.nutrition["protein"]
    assert protein.rule == "exercising" and protein.per_kg == (1.2, None)
    assert protein.per_day == (84, None)  # 1.2 x 70 = 84
    assert protein.per_meal == (28, None) and protein.meals == 3  # 84 / 3
    assert protein.calculation == "at least 1.2 g/kg × 70 kg = at least 84 g/day; ÷ 3 meals = at least 28 g per meal"
    assert "Three main meals assumed (the number of main meals a day is not recorded)." in p.assumptions
    energy = p.nutrition["energy"]
    assert energy.rule == "older_adult" and energy.per_day == (2100, 2100)  # 30 x 70


def test_bed_bound_is_not_exercising_so_1_0_to_1_2() -> None:
    p = plan_for({"age": 80, "weight": 70.0}, {"bed_bound": True})
    assert p.item("ex_resistance") is None
    protein = p.nutrition["protein"]
    assert protein.rule == "healthy" and protein.per_day == (70, 84)
    assert protein.per_meal == (23, 28)  # 70/3 = 23.3, 84/3 = 28


def test_disease_gives_1_2_to_1_5() -> None:
    p = plan_for({"age": 75, "weight": 70.0, "conditions": ["copd"]})
    assert [c.id for c in p.causes] == ["copd_cachexia"]
    assert p.nutrition["protein"].rule == "disease" and p.nutrition["protein"].per_day == (84, 105)


@pytest.mark.parametrize(("constraints", "conditions", "rule", "per_day"), [
    ({"egfr": 30.0, "dialysis": False}, ["ckd"], "disease", (84, 105)),   # 30 is not < 30
    ({"egfr": 29.9, "dialysis": False, "metabolically_stable": True}, ["ckd"], "ckd_severe", (39, 42)),  # 0.55 x 70 = 38.5 -> 39
    ({"egfr": 29.9, "dialysis": False, "metabolically_stable": True}, ["ckd", "diabetes"], "ckd_severe_diabetes", (42, 56)),
    ({"ckd_stage": "4", "dialysis": False, "metabolically_stable": True}, ["ckd"], "ckd_severe", (39, 42)),
    ({"ckd_stage": "3b", "dialysis": False}, ["ckd"], "disease", (84, 105)),
    ({"egfr": 10.0, "dialysis": True}, ["ckd"], "dialysis", (70, 84)),
])
def test_the_severe_ckd_exception(constraints: dict[str, Any], conditions: list[str], rule: str,
                                  per_day: tuple[int, int]) -> None:
    p = plan_for({"age": 74, "weight": 70.0, "conditions": conditions}, constraints)
    protein = p.nutrition["protein"]
    assert (protein.rule, protein.per_day) == (rule, per_day), protein.calculation
    assert p.nutrition["energy"].rule == "ckd" and p.nutrition["energy"].per_day == (1750, 2450)
    if rule.startswith("ckd_severe"):
        assert protein.per_meal is None  # the 25-30 g per meal advice does not apply
        assert "PROT-AGE exception" in protein.text


@pytest.mark.parametrize("intake", [
    {"food_intake_percent": 50.0, "reduced_intake_days": 10.0},  # GLIM reduced intake
    {"weight_loss_percent_6m": 11.0, "bmi": 19.0},                # malnutrition through the work-up
])
def test_no_low_protein_target_for_a_malnourished_person_with_severe_ckd(intake: dict[str, float]) -> None:
    # review 2026-12-07: metabolically stable, eGFR 22, eating half for 10 days, was given 39-42 g/day
    low = intake.get("food_intake_percent") is not None
    causes = [] if low else [CauseInput("malnutrition", reversible="yes")]
    p = plan_for({"age": 74, "weight": 70.0, "conditions": ["ckd"], **intake},
                 {"egfr": 22.0, "dialysis": False, "metabolically_stable": True}, causes=causes)
    protein = p.nutrition["protein"]
    assert protein.rule == "ckd_severe_malnourished" and protein.per_day is None
    assert "renal team" in protein.text and "PROT-AGE exception" in protein.text


@pytest.mark.parametrize("stable", [False, None])
@pytest.mark.parametrize("diabetes", [False, True])
def test_no_low_protein_target_unless_metabolically_stable(stable: bool | None, diabetes: bool) -> None:
    """KDOQI 2020's 0.55-0.60 (0.6-0.8 with diabetes) g/kg is for metabolically stable people only:
    false or unknown defers the target to the renal team, and still never raises protein."""
    constraints: dict[str, Any] = {"egfr": 22.0, "dialysis": False}
    if stable is not None:
        constraints["metabolically_stable"] = stable
    p = plan_for({"age": 74, "weight": 70.0, "conditions": ["ckd", *(["diabetes"] if diabetes else [])]}, constraints)
    protein = p.nutrition["protein"]
    assert protein.rule == "ckd_severe_not_stable" and protein.per_day is None
    assert "renal team" in protein.text and "PROT-AGE exception" in protein.text


@pytest.mark.parametrize(("constraints", "caution"), [
    ({"egfr": 45.0, "dialysis": False}, True),     # CKD 3: both targets shown
    ({"ckd_stage": "3a", "dialysis": False}, True),
    ({"egfr": 60.0, "dialysis": False}, False),    # 60 is not < 60
    ({"egfr": 45.0, "dialysis": True}, False),     # dialysis has its own target
    ({"egfr": 22.0, "dialysis": False}, False),    # severe: the exception rule, not this caution
])
def test_ckd_3_shows_the_kdoqi_caution_beside_prot_age(constraints: dict[str, Any], caution: bool) -> None:
    p = plan_for({"age": 74, "weight": 70.0, "conditions": ["ckd"]}, constraints)
    assert (p.item("nut_ckd_moderate_caution") is not None) is caution
    if caution:
        assert p.nutrition["protein"].rule == "disease"  # PROT-AGE 1.2-1.5 g/kg stays, with the caution


@pytest.mark.parametrize(("constraints", "decisive", "says"), [
    ({}, ["plan_constraints.egfr", "plan_constraints.dialysis"], "CKD is recorded but not its severity"),
    # the eGFR is recorded: only the dialysis status is asked for (S4)
    ({"egfr": 22.0}, ["plan_constraints.dialysis"], "Severe CKD is recorded (eGFR <30 or stage 4-5)"),
])
def test_ckd_of_unknown_severity_is_undetermined(constraints: dict[str, Any], decisive: list[str],
                                                 says: str) -> None:
    """CKD without eGFR/stage, or severe without the dialysis status: the exception cannot be
    decided, and the plan asks for what is missing, only that."""
    p = plan_for({"age": 74, "weight": 70.0, "conditions": ["ckd"]}, constraints)
    protein = p.nutrition["protein"]
    assert protein.status == "undetermined" and protein.per_day is None
    assert protein.decisive == decisive
    assert p.item("nut_protein").text.startswith(f"Protein: undetermined, record {', '.join(decisive)}. {says}")


def test_cancer_energy_and_protein() -> None:
    p = plan_for({"age": 66, "weight": 62.0, "conditions": ["cancer"]})
    assert p.nutrition["protein"].per_day == (62, 93)
    assert p.nutrition["energy"].per_day == (1550, 1860)


def test_rounding_is_decimal_half_up() -> None:
    assert times(0.55, 70) == 39  # 38.5, where binary floating point gives 38.50000000000001
    assert times(1.2, 53.1) == 64  # 63.72
    assert times(30, 53.1) == 1593
    assert divide(74, 3) == 25 and divide(93, 3) == 31
    p = plan_for({"age": 78, "weight": 53.1})
    assert p.nutrition["protein"].per_day == (64, None) and p.nutrition["protein"].per_meal == (21, None)


def test_meals_per_day_from_the_constraints() -> None:
    p = plan_for({"age": 78, "weight": 70.0}, {"meals_per_day": 4})
    assert p.nutrition["protein"].per_meal == (21, None) and p.nutrition["protein"].meals == 4
    assert not any("meals assumed" in a for a in p.assumptions)


def test_missing_weight_is_undetermined_never_defaulted() -> None:
    p = plan_for({"age": 78})
    for kind in ("protein", "energy"):
        t = p.nutrition[kind]
        assert t.status == "undetermined" and t.per_day is None and t.decisive == ["weight"]
    assert p.item("nut_protein").text.startswith("Protein: undetermined, record weight. Exercising:")
    assert p.item("nut_energy").text.startswith("Energy: undetermined, record weight. Guiding value")


@pytest.mark.parametrize(("age", "caveat"), [
    (60, "applied here outside that population"), (None, "Age not recorded"), (70, None)])
def test_population_caveat(age: float | None, caveat: str | None) -> None:
    values: dict[str, Any] = {"weight": 70.0}
    if age is not None:
        values["age"] = age
    caveats = plan_for(values).nutrition["protein"].caveats
    assert any(caveat in c for c in caveats) if caveat else not any("over 65" in c for c in caveats)


def test_refeeding_start_from_the_record() -> None:
    malnourished = [CauseInput("malnutrition", reversible="yes")]
    p = plan_for({"age": 70, "weight": 45.0, "bmi": 15.0}, causes=malnourished)
    start = p.nutrition["refeeding_start"]
    assert start.per_day == (450, 450) and start.rule == "refeeding"  # 10 kcal/kg x 45 kg
    assert "4–7 days" in start.text and "bmi 15 (threshold < 16)" in start.text
    extreme = plan_for({"age": 70, "weight": 40.0, "bmi": 13.5}, causes=malnourished).nutrition["refeeding_start"]
    assert extreme.per_day == (200, 200) and extreme.rule == "refeeding_extreme"  # 5 kcal/kg x 40 kg
    two_minor = plan_for({"age": 70, "weight": 50.0, "bmi": 18.0, "weight_loss_percent_6m": 11.0},
                         causes=malnourished)
    assert two_minor.nutrition["refeeding_start"].per_day == (500, 500)
    one_minor = plan_for({"age": 70, "weight": 50.0, "bmi": 18.0}, causes=malnourished)
    assert "refeeding_start" not in one_minor.nutrition
    risk = next(c for c in one_minor.constraints if c.id == "refeeding_high_risk")
    assert risk.value is None  # intake history and electrolytes are not in the record: unknown, not "no"


@pytest.mark.parametrize(("intake", "extra", "constraints", "risk", "start"), [
    # NICE CG32 (secondary: PMC8672300 Table 2): little or no intake for more than 10 days (major)
    ({"food_intake_percent": 0.0, "reduced_intake_days": 12.0}, {}, {}, True, 660),
    # ... for more than 5 days is a minor criterion: with a BMI under 18.5, two minors
    ({"food_intake_percent": 0.0, "reduced_intake_days": 7.0}, {"bmi": 18.0}, {}, True, 660),
    ({"food_intake_percent": 0.0, "reduced_intake_days": 7.0}, {}, {}, None, None),
    # negligible intake for more than 15 days is extreme: 5 kcal/kg
    ({"food_intake_percent": 0.0, "reduced_intake_days": 16.0}, {}, {}, True, 330),
    # how little "little" is CG32 does not say: 30% for 12 days stays unknown, not "no"
    ({"food_intake_percent": 30.0, "reduced_intake_days": 12.0}, {}, {}, None, None),
    # a full intake, or a reduction of 5 days or fewer, is not little intake for longer
    ({"food_intake_percent": 100.0, "reduced_intake_days": 12.0}, {"bmi": 18.0}, {}, None, None),
    # drugs including chemotherapy are a minor criterion (the others are not recorded)
    ({}, {"bmi": 18.0}, {"cancer_treatment": ["chemotherapy"]}, True, 660),
    ({}, {"bmi": 18.0}, {"cancer_treatment": ["surgery"]}, None, None),
])
def test_refeeding_criteria_from_the_recorded_intake_and_chemotherapy(
        intake: dict[str, float], extra: dict[str, float], constraints: dict[str, Any],
        risk: bool | None, start: int | None) -> None:
    p = plan_for({"age": 70, "weight": 66.0, **intake, **extra}, constraints,
                 causes=[CauseInput("malnutrition", reversible="yes")])
    flag = next(c for c in p.constraints if c.id == "refeeding_high_risk")
    assert flag.value is risk, flag.basis
    if start is None:
        assert "refeeding_start" not in p.nutrition and p.item("nut_refeeding_vitamins") is None
    else:
        assert p.nutrition["refeeding_start"].per_day == (start, start)
        # thiamine and the other vitamins before and during the first 10 days; the dietitian
        # builds the feeding up, and no supplement "of at least 400 kcal" is added beside it
        assert p.item("nut_refeeding_vitamins") is not None and p.item("nut_refeeding_dietitian") is not None
        assert p.item("nut_dietitian_ons") is None


def test_no_standard_refeeding_rate_in_anorexia_nervosa() -> None:
    p = plan_for({"age": 22, "weight": 38.0, "bmi": 14.0, "conditions": ["anorexia_nervosa"]})
    assert "refeeding_start" not in p.nutrition
    assert p.nutrition["protein"].status == "not_computed" and p.nutrition["energy"].status == "not_computed"
