"""Fried 2001 frailty phenotype: five criteria, height- and BMI-banded cut-offs, 3+ frail."""

from __future__ import annotations

from typing import Any

import pytest

from myoscope import assess
from myoscope.rules.evaluate import DefinitionResult

# A man, 175 cm and 70 kg (BMI 22.86), meeting none of the five criteria.
ROBUST: dict[str, Any] = {"sex": "male", "age": 75, "height": 175, "weight": 70, "weight_loss_past_year": 0,
                          "cesd_effort": 0, "cesd_get_going": 1, "activity_kcal_week": 900,
                          "walk_15ft_time": 4.5, "grip_strength": 36}


def fried(**fields: Any) -> DefinitionResult:
    return assess({**ROBUST, **fields}, ["fried2001"]).results["fried2001"]


def test_robust_prefrail_frail() -> None:
    assert (fried().outcome, fried().decided) == ("robust", True)
    r = fried(grip_strength=25)
    assert (r.outcome, r.decided) == ("prefrail", True)
    r = fried(grip_strength=25, walk_15ft_time=8, cesd_effort=3)
    assert (r.outcome, r.decided) == ("frail", True)


@pytest.mark.parametrize(("loss", "shrinking"), [
    ("10 lb", None),      # exactly 10 lb: '> 10 lb' or '>= 10 lb'? the comparator was not read
    ("10.1 lb", True), ("9.9 lb", False), (4.6, True),
])
def test_reported_weight_loss_over_10_lb(loss: Any, shrinking: bool | None) -> None:
    assert fried(weight_loss_past_year=loss).components["shrinking"] is shrinking


@pytest.mark.parametrize(("before", "intentional", "shrinking"), [
    (79.99, False, False),  # 76 kg now: 4.99% loss
    (79.99, None, False),
    (80, False, True),      # exactly 5.00%: >= 5
    (80, True, False),      # intentional
    (80, None, None),       # intent unknown
])
def test_measured_weight_loss_5_percent(before: float, intentional: bool | None, shrinking: bool | None) -> None:
    fields = {k: v for k, v in ROBUST.items() if k != "weight_loss_past_year"}
    fields["weight"] = 76
    fields["weight_history"] = [{"months_ago": 12, "weight": before}]
    if intentional is not None:
        fields["weight_loss_intentional"] = intentional
    r = assess(fields, ["fried2001"]).results["fried2001"]
    assert r.components["shrinking"] is shrinking


@pytest.mark.parametrize(("effort", "going", "exhausted"), [(1, 1, False), (2, 0, True), (0, 3, True)])
def test_exhaustion(effort: int, going: int, exhausted: bool) -> None:
    assert fried(cesd_effort=effort, cesd_get_going=going).components["exhaustion"] is exhausted


@pytest.mark.parametrize(("sex", "kcal", "low"), [("male", 382, True), ("male", 383, False),
                                                   ("female", 269, True), ("female", 270, False)])
def test_low_activity(sex: str, kcal: int, low: bool) -> None:
    assert fried(sex=sex, activity_kcal_week=kcal).components["low_activity"] is low


@pytest.mark.parametrize(("sex", "height", "seconds", "slow"), [
    ("male", 173, 6.9, False), ("male", 173, 7.0, True), ("male", 173.1, 5.9, False), ("male", 173.1, 6.0, True),
    ("female", 159, 6.9, False), ("female", 159, 7.0, True), ("female", 160, 6.0, True),
])
def test_slowness_by_height(sex: str, height: float, seconds: float, slow: bool) -> None:
    assert fried(sex=sex, height=height, walk_15ft_time=seconds).components["slowness"] is slow


@pytest.mark.parametrize(("sex", "weight", "grip", "weak"), [
    # height 100 cm: weight in kg equals BMI
    ("male", 24.0, 29, True), ("male", 24.0, 29.1, False),
    ("male", 25.0, 30, True), ("male", 25.0, 30.1, False),
    ("male", 27.0, 30, True), ("male", 27.0, 30.1, False),   # 26.1-28: <= 30 (CHS/MrOS table)
    ("male", 30.0, 32, True), ("male", 30.0, 32.1, False),
    ("female", 23.0, 17, True), ("female", 23.0, 17.1, False),
    ("female", 25.0, 17.3, True), ("female", 25.0, 17.4, False),
    ("female", 28.0, 18, True), ("female", 28.0, 18.1, False),
    ("female", 30.0, 21, True), ("female", 30.0, 21.1, False),
])
def test_weakness_by_bmi_band(sex: str, weight: float, grip: float, weak: bool) -> None:
    r = fried(sex=sex, height=100, weight=weight, grip_strength=grip, walk_15ft_time=4)
    assert r.components["weakness"] is weak


def test_grip_undecided_without_bmi_when_bands_disagree() -> None:
    fields = {k: v for k, v in ROBUST.items() if k != "weight"}
    r = assess({**fields, "grip_strength": 30}, ["fried2001"]).results["fried2001"]
    assert r.components["weakness"] is None
    assert r.outcome == "indeterminate" and r.decisive_measures == ["weight"]
    r = assess({**fields, "grip_strength": 28}, ["fried2001"]).results["fried2001"]
    assert r.components["weakness"] is True  # weak in every band


def test_one_criterion_with_others_missing_is_prefrail_but_not_decided() -> None:
    r = assess({"sex": "female", "grip_strength": 12, "height": 160, "weight": 60}, ["fried2001"]).results["fried2001"]
    assert r.outcome == "prefrail" and not r.decided
    assert r.possible_outcomes == ["frail", "prefrail"]
