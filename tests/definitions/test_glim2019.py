"""GLIM 2019: phenotypic and etiologic criteria, stage from the most severe phenotypic criterion,
and the boundaries of every cut-off through the whole pathway (record -> derive -> rules)."""

from __future__ import annotations

from typing import Any

import pytest

from myoscope import assess
from myoscope.rules.evaluate import DefinitionResult

# A non-Asian woman aged 60 with inflammation, muscle graded not reduced, and a stable weight a
# year ago: every criterion but the one under test is decided, so the tests isolate one cut-off.
BASE: dict[str, Any] = {
    "sex": "female", "age": 60, "asian": False, "height": 160, "inflammation": True,
    "reduced_muscle_mass": "not_reduced", "weight_loss_intentional": False,
}


def glim(**fields: Any) -> DefinitionResult:
    return assess({**BASE, **fields}, ["glim2019"]).results["glim2019"]


def history(now: float, six_months: float, twelve_months: float) -> dict[str, Any]:
    return {"weight": now, "weight_history": [{"months_ago": 6, "weight": six_months},
                                              {"months_ago": 12, "weight": twelve_months}]}


@pytest.mark.parametrize(("now", "outcome"), [
    (76.0, "no_malnutrition"),        # (80 - 76) / 80 = 5.000000000000004% -> 5.00%: not > 5
    (75.99, "malnutrition_stage_1"),  # 5.01%
    (72.0, "malnutrition_stage_1"),   # exactly 10.00% within 6 months: stage 1, not 2
    (71.99, "malnutrition_stage_2"),  # 10.01%
])
def test_weight_loss_within_6_months(now: float, outcome: str) -> None:
    # 80 kg six and twelve months ago: the loss beyond 6 months equals the loss within them
    r = glim(**history(now, 80, 80))
    assert (r.outcome, r.decided) == (outcome, True)


def test_exactly_ten_percent_in_six_months_from_the_issue() -> None:
    r = glim(**history(54, 60, 60))  # (60 - 54) / 60 = 9.999999999999998% -> 10.00%
    assert (r.outcome, r.decided) == ("malnutrition_stage_1", True)
    assert r.components["loss_over_10_within_6m"] is False


@pytest.mark.parametrize(("twelve", "outcome"), [
    (77.78, "no_malnutrition"),        # 70 kg now: 10.00% beyond 6 months, not > 10
    (77.8, "malnutrition_stage_1"),    # 10.03%
    (87.5, "malnutrition_stage_1"),    # 20.00%: not > 20
    (87.6, "malnutrition_stage_2"),    # 20.09%
])
def test_weight_loss_beyond_6_months(twelve: float, outcome: str) -> None:
    r = glim(**history(70, 70, twelve))  # no loss within 6 months
    assert r.outcome == outcome and r.decided


def test_intentional_weight_loss_does_not_count() -> None:
    r = glim(**history(70, 80, 80), weight_loss_intentional=True)
    assert r.components["weight_loss"] is False
    assert r.outcome == "no_malnutrition"


def test_unknown_intent_leaves_weight_loss_undecided() -> None:
    fields = {**BASE, **history(70, 80, 80)}
    del fields["weight_loss_intentional"]
    r = assess(fields, ["glim2019"]).results["glim2019"]
    assert r.outcome == "indeterminate"
    assert r.decisive_measures == ["weight_loss_intentional"]


def bmi_record(bmi_x100: int, age: float, asian: bool | None) -> dict[str, Any]:
    # height 100 cm makes weight (kg) equal BMI exactly
    rec = {**BASE, "height": 100, "weight": bmi_x100 / 100, "age": age,
           "weight_history": [{"months_ago": 6, "weight": bmi_x100 / 100},
                              {"months_ago": 12, "weight": bmi_x100 / 100}]}
    if asian is None:
        del rec["asian"]
    else:
        rec["asian"] = asian
    return rec


@pytest.mark.parametrize(("bmi", "age", "asian", "low"), [
    (1999, 69, False, True), (2000, 69, False, False),   # < 20 under 70
    (2199, 71, False, True), (2200, 71, False, False),   # < 22 over 70
    (1849, 69, True, True), (1850, 69, True, False),     # Asia: < 18.5 under 70
    (1999, 71, True, True), (2000, 71, True, False),     # Asia: < 20 over 70
])
def test_low_bmi_age_and_asian_cutoffs(bmi: int, age: float, asian: bool, low: bool) -> None:
    r = assess(bmi_record(bmi, age, asian), ["glim2019"]).results["glim2019"]
    assert r.components["low_bmi"] is low


def test_same_bmi_differs_between_asian_and_general_cutoffs() -> None:
    general = assess(bmi_record(1900, 65, False), ["glim2019"]).results["glim2019"]
    asian = assess(bmi_record(1900, 65, True), ["glim2019"]).results["glim2019"]
    assert (general.outcome, general.decided) == ("malnutrition_stage_1", True)
    assert (asian.outcome, asian.decided) == ("no_malnutrition", True)
    unknown = assess(bmi_record(1900, 65, None), ["glim2019"]).results["glim2019"]
    assert unknown.outcome == "indeterminate" and unknown.decisive_measures == ["asian"]


@pytest.mark.parametrize(("bmi", "low"), [(1990, True), (2100, None), (2250, False)])
def test_age_exactly_70_is_unsettled_only_where_the_bands_disagree(bmi: int, low: bool | None) -> None:
    r = assess(bmi_record(bmi, 70, False), ["glim2019"]).results["glim2019"]
    assert r.components["low_bmi"] is low
    if low is None:
        entry = next(e for e in r.trace if e["node"] == "low_bmi")
        assert any("unsettled" in n and "age" in n for n in entry["notes"])
        assert r.decisive_measures == []  # nothing to measure: the sources disagree


@pytest.mark.parametrize(("bmi", "age", "outcome"), [
    (1849, 60, "malnutrition_stage_2"), (1850, 60, "malnutrition_stage_1"),
    (1999, 75, "malnutrition_stage_2"), (2000, 75, "malnutrition_stage_1"),
])
def test_bmi_stage_2_thresholds(bmi: int, age: float, outcome: str) -> None:
    r = assess(bmi_record(bmi, age, False), ["glim2019"]).results["glim2019"]
    assert (r.outcome, r.decided) == (outcome, True)


def test_asian_low_bmi_cannot_decide_the_stage() -> None:
    r = assess(bmi_record(1700, 60, True), ["glim2019"]).results["glim2019"]
    assert r.outcome == "malnutrition_stage_1" and not r.decided
    assert r.possible_outcomes == ["malnutrition_stage_2", "malnutrition_stage_1"]
    assert r.decisive_measures == []
    assert any("no BMI thresholds for Asian" in c for c in r.caveats)


def test_asian_stage_2_still_decided_by_weight_loss() -> None:
    rec = bmi_record(1700, 60, True)
    rec["weight_history"] = [{"months_ago": 6, "weight": 19.5}, {"months_ago": 12, "weight": 19.5}]
    r = assess(rec, ["glim2019"]).results["glim2019"]
    assert (r.outcome, r.decided) == ("malnutrition_stage_2", True)


@pytest.mark.parametrize(("sex", "ffm", "low"), [
    ("male", 38.23, True), ("male", 38.25, False),      # / 1.5 m² -> FFMI 16.99 and 17.00
    ("female", 33.72, True), ("female", 33.75, False),  # FFMI 14.99 and 15.00
])
def test_ffmi_western_thresholds(sex: str, ffm: float, low: bool) -> None:
    r = glim(sex=sex, height=150, fat_free_mass=ffm, weight=60)
    assert r.components["low_ffmi"] is low


def test_ffmi_has_no_asian_threshold() -> None:
    r = glim(asian=True, height=150, fat_free_mass=30, weight=60)  # FFMI 13.33
    assert r.components["low_ffmi"] is None
    fields = {**BASE, "height": 150, "fat_free_mass": 30, "weight": 60}
    del fields["asian"]
    r = assess(fields, ["glim2019"]).results["glim2019"]
    assert r.components["low_ffmi"] is None  # might be Asian: not judged by the Western value


def test_low_ffmi_gives_malnutrition_but_not_the_stage() -> None:
    fields = {**BASE, **history(60, 60, 60), "height": 150, "fat_free_mass": 30}
    del fields["reduced_muscle_mass"]
    r = assess(fields, ["glim2019"]).results["glim2019"]
    assert r.outcome == "malnutrition_stage_1" and not r.decided
    assert r.decisive_measures == ["reduced_muscle_mass"]  # the grading decides the stage


@pytest.mark.parametrize(("grade", "outcome"), [
    ("not_reduced", "no_malnutrition"), ("mild_to_moderate", "malnutrition_stage_1"),
    ("severe", "malnutrition_stage_2"),
])
def test_muscle_grading(grade: str, outcome: str) -> None:
    r = glim(**history(60, 60, 60), reduced_muscle_mass=grade)
    assert (r.outcome, r.decided) == (outcome, True)


@pytest.mark.parametrize(("intake", "days", "met"), [
    (50, 8, True), (51, 8, False), (50, 7, False), (90, 15, True), (90, 14, False),
])
def test_reduced_intake(intake: int, days: int, met: bool) -> None:
    r = glim(**history(60, 80, 80), inflammation=False, chronic_gi_condition=False,
             food_intake_percent=intake, reduced_intake_days=days)
    assert r.components["reduced_intake_or_assimilation"] is met
    assert r.outcome == ("malnutrition_stage_2" if met else "no_malnutrition")


def test_phenotype_without_etiology_is_not_malnutrition() -> None:
    r = glim(**history(60, 80, 80), inflammation=False, chronic_gi_condition=False,
             food_intake_percent=100, reduced_intake_days=0)
    assert (r.outcome, r.decided) == ("no_malnutrition", True)


def test_nothing_recorded_names_what_to_measure() -> None:
    r = assess({"sex": "male"}, ["glim2019"]).results["glim2019"]
    assert r.outcome == "indeterminate"
    assert {"weight", "height", "weight_history", "inflammation", "reduced_muscle_mass"} <= set(r.decisive_measures)
