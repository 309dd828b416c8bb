"""Refractory cachexia and performance status (defect M4).

A decided Fearon 2011 refractory cachexia gets a comfort-focused plan: no training programme, no
goal of reversing the loss, no computed targets, no supplement referral, no routine screening, and
the plan says why. ECOG/WHO performance status 4 (totally confined to bed or chair, Oken 1982) is
bed-bound for the plan; an unrecorded performance status is unknown, never 0.
"""

from __future__ import annotations

from typing import Any

import myoscope
from myoscope.plan import Plan
from myoscope.report.document import patient_context

#: the reviewer's record: Fearon 2011 refractory cachexia, decided
REFRACTORY: dict[str, Any] = {
    "id": "m4", "sex": "female", "age": 72, "height": "160 cm", "weight": "42 kg", "conditions": ["cancer"],
    "weight_history": [{"months_ago": 6, "weight": 50}], "performance_status": 4,
    "life_expectancy_months": 1, "cancer_unresponsive_to_treatment": True, "anorexia": True,
    "fatigue": True, "grip_strength": 10, "plan_constraints": {"cancer_treatment": ["palliative"]},
}
PROGRAMME = ("ex_resistance", "ex_resistance_start_low", "ex_resistance_target", "ex_resistance_progression",
             "ex_aerobic", "ex_flexibility", "ex_cancer", "pt_programme")
NOT_IN_REFRACTORY = (*PROGRAMME, "goal_reverse", "goal_strength_function", "goal_cancer", "fu_screening",
                     "fu_response", "nut_dietitian_ons", "cause_cancer_cachexia", "ex_passive_rom",
                     "ex_early_mobilisation")


def record(**changes: Any) -> dict[str, Any]:
    r = dict(REFRACTORY)
    for k, v in changes.items():
        if v is None:
            r.pop(k, None)
        else:
            r[k] = v
    return r


def run(rec: dict[str, Any]) -> myoscope.PathwayResult:
    return myoscope.assess(rec)


def plan_of(rec: dict[str, Any]) -> Plan:
    plan = run(rec).plan
    assert plan is not None
    return plan


def ids(plan: Plan) -> list[str]:
    return [i.id for i in plan.items()]


def shown(plan: Plan) -> dict[str, tuple[Any, str]]:
    return {c.id: (c.value, c.basis) for c in plan.constraints}


def test_refractory_cachexia_gets_no_training_programme_and_says_why() -> None:
    result = run(REFRACTORY)
    assert result.results["fearon2011"].outcome == "refractory_cachexia"
    assert result.results["fearon2011"].decided
    plan = result.plan
    assert plan is not None and plan.status == "indicated"
    present = ids(plan)
    assert [i for i in NOT_IN_REFRACTORY if i in present] == []
    for iid in ("cause_refractory_cachexia", "ex_refractory_cachexia", "goal_comfort"):
        item = plan.item(iid)
        assert item is not None and item.citation is not None, iid
    assert "No training programme" in plan.item("ex_refractory_cachexia").text  # type: ignore[union-attr]
    assert [i.id for i in plan.sections["goals"]] == ["goal_comfort"]
    assert "no longer the aim" in plan.sections["goals"][0].text
    value, basis = shown(plan)["refractory_cachexia"]
    assert value is True and "fearon2011 outcome refractory_cachexia" in basis
    assert plan.nutrition["protein"].status == "not_computed"
    assert plan.nutrition["energy"].status == "not_computed"
    start = plan.item("nut_refeeding_start")
    assert start is not None and start.text.startswith("If nutritional support is started:")


def test_performance_status_4_is_bed_bound_not_assumed_otherwise() -> None:
    plan = plan_of(REFRACTORY)
    value, basis = shown(plan)["bed_bound"]
    assert value is True and basis.startswith("performance status 4: totally confined to bed or chair")
    assert not any("bed-bound" in a for a in plan.assumptions), plan.assumptions


def test_cachexia_not_refractory_still_gets_its_programme() -> None:
    # the same record with a longer expected survival and performance status 3 (not bed-bound):
    # Fearon 2011 cachexia, decided, so the standard programme and its goals stay
    result = run(record(performance_status=3, life_expectancy_months=12))
    assert result.results["fearon2011"].outcome == "cachexia" and result.results["fearon2011"].decided
    plan = result.plan
    assert plan is not None
    present = ids(plan)
    for iid in ("ex_resistance", "ex_resistance_target", "ex_aerobic", "pt_programme", "goal_reverse",
                "cause_cancer_cachexia", "fu_screening"):
        assert iid in present, iid
    for iid in ("ex_refractory_cachexia", "goal_comfort", "cause_refractory_cachexia"):
        assert iid not in present, iid
    assert "refractory_cachexia" not in shown(plan)  # shown only when it holds or is unknown
    value, basis = shown(plan)["bed_bound"]
    assert value is False and basis.startswith("performance status 3: not totally confined")


def test_performance_status_4_without_refractory_is_bed_bound_care() -> None:
    plan = plan_of(record(life_expectancy_months=12))
    present = ids(plan)
    assert "ex_passive_rom" in present and "ex_resistance" not in present and "ex_aerobic" not in present
    assert "goal_comfort" not in present


def test_performance_status_3_and_no_life_expectancy_leaves_refractory_unknown_and_says_so() -> None:
    result = run(record(performance_status=3, life_expectancy_months=None))
    assert not result.results["fearon2011"].decided
    plan = result.plan
    assert plan is not None
    value, basis = shown(plan)["refractory_cachexia"]
    assert value is None and "not decided" in basis
    assert "ex_resistance" in ids(plan)  # unknown is not read as yes ...
    assert any(a.startswith("refractory-cachexia unknown (fearon2011 cachexia not decided") for a in plan.assumptions)
    assert "ex_resistance_start_low" in ids(plan)  # ... and the programme starts low


def test_unknown_performance_status_is_not_read_as_zero() -> None:
    plan = plan_of(record(performance_status=None))
    value, basis = shown(plan)["bed_bound"]
    assert value is None and basis == "not recorded (plan_constraints.bed_bound)"
    assert "bed-bound not recorded: assumed not bed-bound" in plan.assumptions


def test_recorded_bed_bound_wins_over_performance_status() -> None:
    plan = plan_of(record(life_expectancy_months=12,
                          plan_constraints={"cancer_treatment": ["palliative"], "bed_bound": False}))
    assert shown(plan)["bed_bound"] == (False, "plan_constraints.bed_bound = False")


def test_patient_report_gives_no_exercise_programme_in_refractory_cachexia() -> None:
    ctx = patient_context(run(REFRACTORY))
    text = " ".join(ctx["todo"])
    assert "30 minutes" not in text and "weight" not in text
    assert "does not give you an exercise plan" in text
    assert ctx["eat"] == []
    other = patient_context(run(record(performance_status=3, life_expectancy_months=12)))
    assert any("30 minutes" in t for t in other["todo"])
