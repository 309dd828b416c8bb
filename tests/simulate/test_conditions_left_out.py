"""A projection says which recorded muscle-wasting disease it leaves out (trajectory.yaml
``conditions_not_modelled`` and the states' ``conditions``), on every face."""

from __future__ import annotations

from myoscope import load_knowledge
from myoscope.plan.loader import load_plan_knowledge
from myoscope.record import parse_record
from myoscope.report.charts import projection_figure
from myoscope.simulate import simulate
from myoscope.simulate.parameters import load_trajectory

RECORD = {"sex": "male", "age": 63, "height": 175, "weight": 70, "grip_strength": 24}


def test_every_condition_of_a_muscle_wasting_cause_is_projected_or_said_to_be_left_out() -> None:
    kb = load_trajectory()
    projected = {c for s in kb.spec.states.values() for c in s.conditions}
    named = {c for cause in load_plan_knowledge().spec.causes.values() for c in cause.conditions}
    assert named <= projected | set(kb.spec.conditions_not_modelled)
    assert not projected & set(kb.spec.conditions_not_modelled)
    assert projected | set(kb.spec.conditions_not_modelled) <= set(load_knowledge().catalog.conditions)


def test_a_disease_without_rates_and_a_state_the_scenario_does_not_add_are_said_first() -> None:
    p = simulate({**RECORD, "conditions": ["als", "cancer", "diabetes"]}, None, years=1, draws=20)
    assert p.left_out == [
        "ALS/MND is recorded: this model has no rates for it, so the projection leaves out its "
        "effect on muscle.",
        "Cancer is recorded, and this scenario does not add the state 'Cancer cachexia': the "
        "projection leaves out any effect of it on muscle.",
    ]
    assert p.caveats[:2] == p.left_out and p.to_dict()["left_out"] == p.left_out
    assert "Left out: ALS/MND is recorded" in str(p)
    with_state = simulate({**RECORD, "conditions": ["cancer"]},
                          [{"from_day": 0, "state": "cachexia"}], years=1, draws=20)
    assert with_state.left_out == []
    assert simulate(RECORD, None, years=1, draws=20).left_out == []


def test_the_report_caption_says_it() -> None:
    caption, _ = projection_figure(parse_record({**RECORD, "conditions": ["spinal_muscular_atrophy"]}))
    assert caption.endswith("Spinal muscular atrophy is recorded: this model has no rates for it, so "
                            "the projection leaves out its effect on muscle.")
