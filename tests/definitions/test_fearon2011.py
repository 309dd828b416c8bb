"""Fearon 2011 cancer cachexia: the three routes to cachexia, precachexia, refractory cachexia."""

from __future__ import annotations

from typing import Any

import pytest

from myoscope import assess
from myoscope.rules.evaluate import DefinitionResult

# Not refractory (cancer responding), not precachexia features unless a test sets them.
BASE: dict[str, Any] = {"sex": "male", "age": 64, "height": 100, "conditions": ["cancer"],
                        "reduced_muscle_mass": "not_reduced", "cancer_unresponsive_to_treatment": False,
                        "anorexia": False, "metabolic_change": False}


def fearon(now: float, six_months_ago: float, **fields: Any) -> DefinitionResult:
    rec = {**BASE, "weight": now, "weight_history": [{"months_ago": 6, "weight": six_months_ago}], **fields}
    return assess(rec, ["fearon2011"]).results["fearon2011"]


@pytest.mark.parametrize(("now", "outcome"), [
    (76.0, "no_cachexia"),   # 80 -> 76: exactly 5.00%, not > 5
    (75.99, "cachexia"),     # 5.01%
])
def test_weight_loss_over_5_percent(now: float, outcome: str) -> None:
    r = fearon(now, 80)
    assert (r.outcome, r.decided) == (outcome, True)


@pytest.mark.parametrize(("now", "before", "outcome"), [
    (19.6, 20.0, "no_cachexia"),  # BMI 19.6, loss 2.00%: not > 2
    (19.59, 20.0, "cachexia"),    # loss 2.05% with BMI < 20
    (20.0, 20.5, "no_cachexia"),  # loss 2.44% but BMI exactly 20: not < 20
])
def test_low_bmi_with_loss_over_2_percent(now: float, before: float, outcome: str) -> None:
    r = fearon(now, before)
    assert (r.outcome, r.decided) == (outcome, True)


@pytest.mark.parametrize(("grade", "now", "outcome"), [
    ("not_reduced", 73.4, "no_cachexia"),
    ("mild_to_moderate", 73.4, "cachexia"),  # 75 -> 73.4: 2.13% with sarcopenia
    ("severe", 73.4, "cachexia"),
    ("severe", 73.5, "no_cachexia"),         # 75 -> 73.5: exactly 2.00%, not > 2
])
def test_sarcopenia_with_loss_over_2_percent(grade: str, now: float, outcome: str) -> None:
    r = fearon(now, 75, reduced_muscle_mass=grade)  # BMI well above 20 (height 1 m)
    assert (r.outcome, r.decided) == (outcome, True)


def test_precachexia_features() -> None:
    r = fearon(78, 80, anorexia=True, metabolic_change=True)  # 2.5% loss
    assert (r.outcome, r.decided) == ("precachexia", True)
    r = fearon(78, 80, anorexia=True, metabolic_change=False)
    assert (r.outcome, r.decided) == ("no_cachexia", True)


def test_precachexia_at_exactly_5_percent_is_unsettled() -> None:
    r = fearon(76, 80, anorexia=True, metabolic_change=True)  # 5.00%: <= 5 or < 5?
    assert r.outcome == "indeterminate"
    assert r.possible_outcomes == ["precachexia", "no_cachexia"]
    entry = next(e for e in r.trace if e["node"] == "loss_at_most_5")
    assert entry["result"] is None and "unsettled" in entry["notes"][0]


@pytest.mark.parametrize(("ps", "survival", "outcome"), [
    (3, 2.9, "refractory_cachexia"), (2, 2.9, "cachexia"), (3, 3.0, "cachexia"), (4, 1, "refractory_cachexia"),
])
def test_refractory_cachexia(ps: int, survival: float, outcome: str) -> None:
    r = fearon(70, 80, cancer_unresponsive_to_treatment=True, performance_status=ps,
               life_expectancy_months=survival)
    assert (r.outcome, r.decided) == (outcome, True)


def test_cachexia_is_provisional_until_refractory_features_are_known() -> None:
    fields = {k: v for k, v in BASE.items() if k != "cancer_unresponsive_to_treatment"}
    r = assess({**fields, "weight": 70, "weight_history": [{"months_ago": 6, "weight": 80}]},
               ["fearon2011"]).results["fearon2011"]
    assert r.outcome == "cachexia" and not r.decided
    assert r.decisive_measures == ["cancer_unresponsive_to_treatment", "performance_status",
                                   "life_expectancy_months"]


def test_missing_weight_history_names_it() -> None:
    r = assess({**BASE, "weight": 70}, ["fearon2011"]).results["fearon2011"]
    assert r.outcome == "indeterminate"
    assert r.decisive_measures[0] == "weight_history"
