"""Compare and Score nodes: cut-off selection, comparators, unsettled sources, partial scores."""

from __future__ import annotations

from typing import Any

import pytest

from myoscope.rules.nodes import Compare, Context, Cutoff, Score, ScoreItem, Source, conditions_from

SRC = Source(ref="test", text="Test 2024")


def grip_lt(comparator: str = "<", unconfirmed: str | None = None) -> Compare:
    return Compare("low grip", "grip_strength", comparator,
                   [Cutoff(27, conditions_from({"sex": "male"})), Cutoff(16, conditions_from({"sex": "female"}))],
                   SRC, unit="kg", unconfirmed_comparator=unconfirmed, name="low_grip")


def run(node: Compare | Score, **values: Any) -> tuple[Any, Context]:
    ctx = Context(values, {"asmi": ("asm", "height"), "bmi": ("weight", "height")})
    return node.evaluate(ctx), ctx


@pytest.mark.parametrize(("sex", "grip", "expected"), [
    ("male", 26.9, True), ("male", 27, False), ("male", 27.1, False),
    ("female", 15.9, True), ("female", 16, False), ("female", 16.1, False),
])
def test_sex_specific_cutoff(sex: str, grip: float, expected: bool) -> None:
    assert run(grip_lt(), sex=sex, grip_strength=grip)[0] is expected


def test_unknown_sex_decided_when_every_cutoff_agrees() -> None:
    assert run(grip_lt(), grip_strength=10)[0] is True  # low for both sexes
    assert run(grip_lt(), grip_strength=40)[0] is False
    node = grip_lt()
    result, ctx = run(node, grip_strength=20)  # low for men only
    assert result is None
    assert node.unknown_measures(ctx) == ["sex"]


def test_missing_value_names_the_measure() -> None:
    node = grip_lt()
    result, ctx = run(node, sex="male")
    assert result is None
    assert node.unknown_measures(ctx) == ["grip_strength"]
    assert ctx.trace[0]["value"] is None and ctx.trace[0]["missing"] == ["grip_strength"]


def test_ambiguous_band_names_the_band_inputs() -> None:
    node = Compare("low grip (BMI bands)", "grip_strength", "<=",
                   [Cutoff(29, conditions_from({"bmi": {"le": 24}})),
                    Cutoff(32, conditions_from({"bmi": {"gt": 24}}))], SRC, name="g")
    result, ctx = run(node, grip_strength=30)
    assert result is None
    assert node.unknown_measures(ctx) == ["weight", "height"]
    assert run(node, grip_strength=28)[0] is True  # low in every band
    assert run(node, grip_strength=30, bmi=23.0)[0] is False


def test_no_applicable_cutoff_is_unknown_with_a_note() -> None:
    node = Compare("low asmi", "asmi", "<", [Cutoff(7.26, conditions_from({"asm_method": "dxa"}))], SRC)
    result, ctx = run(node, asmi=6.0, asm_method="bia")
    assert result is None
    assert "no cut-off applies" in ctx.trace[0]["notes"][0]


@pytest.mark.parametrize(("value", "expected"), [(0.79, True), (0.8, None), (0.81, False)])
def test_unconfirmed_comparator_only_matters_at_the_cutoff(value: float, expected: bool | None) -> None:
    node = Compare("slow", "gait_speed", "<=", [Cutoff(0.8)], SRC, unconfirmed_comparator="<")
    result, ctx = run(node, gait_speed=value)
    assert result is expected
    if expected is None:
        assert "comparator is unsettled" in ctx.trace[0]["notes"][0]
        assert node.unknown_measures(ctx) == []


@pytest.mark.parametrize(("age", "bmi", "expected"), [
    (69, 20.5, False), (71, 20.5, True),  # < 20 under 70, < 22 from 70
    (70, 19.5, True), (70, 23.0, False),  # both bands agree at the boundary
    (70, 21.0, None),  # on the unsettled boundary and the bands disagree
])
def test_unsettled_band_boundary(age: float, bmi: float, expected: bool | None) -> None:
    node = Compare("low bmi", "bmi", "<",
                   [Cutoff(20, conditions_from({"age": {"lt": 70, "unsettled": True}})),
                    Cutoff(22, conditions_from({"age": {"ge": 70, "unsettled": True}}))], SRC)
    result, ctx = run(node, age=age, bmi=bmi)
    assert result is expected
    if expected is None:
        assert node.unknown_measures(ctx) == []
        assert any("band boundary is unsettled" in n for n in ctx.trace[0]["notes"])


def test_equality_comparator_on_booleans() -> None:
    node = Compare("not completed", "walk_400m_completed", "==", [Cutoff(False)], SRC)
    assert run(node, walk_400m_completed=False)[0] is True
    assert run(node, walk_400m_completed=True)[0] is False
    assert run(node)[0] is None


def test_trace_carries_everything() -> None:
    _, ctx = run(grip_lt(), sex="female", grip_strength=14)
    e = ctx.trace[0]
    assert {k: e[k] for k in ("measure", "value", "unit", "comparator", "cutoff", "result", "citation")} == {
        "measure": "grip_strength", "value": 14, "unit": "kg", "comparator": "<", "cutoff": 16,
        "result": True, "citation": "Test 2024"}


def sarc_f(cutoff: float = 4) -> Score:
    items = [ScoreItem(measure=f"sarc_f.{i}", min=0, max=2)
             for i in ("strength", "assistance_walking", "rise_from_chair", "climb_stairs", "falls")]
    return Score("sarc-f", "sarc_f", items, ">=", cutoff, SRC)


@pytest.mark.parametrize(("answers", "expected"), [
    ({"strength": 1, "assistance_walking": 1, "rise_from_chair": 1, "climb_stairs": 0, "falls": 0}, False),
    ({"strength": 1, "assistance_walking": 1, "rise_from_chair": 1, "climb_stairs": 1, "falls": 0}, True),
    ({"strength": 2, "assistance_walking": 2}, True),   # already 4 on two items
    ({"strength": 0, "assistance_walking": 0, "rise_from_chair": 0, "climb_stairs": 0}, False),  # 0 + at most 2
    ({"strength": 1, "assistance_walking": 1}, None),   # 2 known, 0–6 to come
    ({}, None),
])
def test_score_decides_from_partial_answers(answers: dict[str, int], expected: bool | None) -> None:
    node = sarc_f()
    result, ctx = run(node, sarc_f=answers)
    assert result is expected
    if expected is None:
        assert node.unknown_measures(ctx) == [f"sarc_f.{i}" for i in (
            "strength", "assistance_walking", "rise_from_chair", "climb_stairs", "falls") if i not in answers]


def test_score_with_node_item() -> None:
    calf = Compare("low calf", "calf_circumference", "<", [Cutoff(33)], SRC)
    items = [ScoreItem(measure="sarc_f.strength", max=2), ScoreItem(node=calf, max=10)]
    node = Score("sarc-calf", "sarc_calf", items, ">=", 11, SRC)
    assert run(node, sarc_f={"strength": 1}, calf_circumference=30)[0] is True
    assert run(node, sarc_f={"strength": 2}, calf_circumference=35)[0] is False
    result, ctx = run(node, sarc_f={"strength": 1})
    assert result is None and node.unknown_measures(ctx) == ["calf_circumference"]
