"""MRC sum score for ICU-acquired weakness (sum or per-group grades) and the CT L3 muscle index."""

from __future__ import annotations

from typing import Any

import pytest

from myoscope import RecordValidationError, assess
from myoscope.rules.evaluate import DefinitionResult

GROUPS = ["shoulder_abduction", "elbow_flexion", "wrist_extension", "hip_flexion", "knee_extension",
          "ankle_dorsiflexion"]
FIELDS = [f"mrc_{g}_{side}" for g in GROUPS for side in ("left", "right")]


def mrc(**fields: Any) -> DefinitionResult:
    return assess({"sex": "male", **fields}, ["mrc_icuaw"]).results["mrc_icuaw"]


@pytest.mark.parametrize(("total", "outcome"), [
    (47, "icu_acquired_weakness"), (48, "no_icu_acquired_weakness"), (49, "no_icu_acquired_weakness"),
])
def test_sum_score(total: int, outcome: str) -> None:
    r = mrc(mrc_sum_score=total)
    assert (r.outcome, r.decided) == (outcome, True)


def grades(total: int) -> dict[str, int]:
    """Twelve grades summing to ``total`` (4 everywhere, then adjusted on the first groups)."""
    out = dict.fromkeys(FIELDS, 4)
    diff = total - 48
    for f in FIELDS:
        step = max(-4, min(1, diff))
        out[f] += step
        diff -= step
        if diff == 0:
            break
    assert sum(out.values()) == total
    return out


@pytest.mark.parametrize(("total", "outcome"), [
    (47, "icu_acquired_weakness"), (48, "no_icu_acquired_weakness"), (49, "no_icu_acquired_weakness"),
])
def test_grades_are_summed(total: int, outcome: str) -> None:
    r = mrc(**grades(total))
    assert (r.outcome, r.decided) == (outcome, True)
    assert assess({"sex": "male", **grades(total)}, ["mrc_icuaw"]).derived["mrc_sum_score"] == total


def test_partial_grades_decide_when_they_can() -> None:
    low = {f: 2 for f in FIELDS[:8]}  # 16 points known, at most 16 + 4 x 5 = 36 < 48
    r = mrc(**low)
    assert (r.outcome, r.decided) == ("icu_acquired_weakness", True)
    high = {f: 5 for f in FIELDS[:10]}  # 50 points already
    r = mrc(**high)
    assert (r.outcome, r.decided) == ("no_icu_acquired_weakness", True)
    open_ = {f: 4 for f in FIELDS[:10]}  # 40 points known, 40..50 possible
    r = mrc(**open_)
    assert r.outcome == "indeterminate"
    assert r.decisive_measures == ["mrc_sum_score", *FIELDS[10:]]


def test_sum_contradicting_the_grades_is_an_error() -> None:
    with pytest.raises(RecordValidationError, match="does not equal the sum of the twelve MRC grades"):
        assess({"sex": "male", "mrc_sum_score": 50, **grades(47)})


def test_grade_out_of_range_is_an_error() -> None:
    with pytest.raises(RecordValidationError, match="mrc_knee_extension_left: 6 points is implausible"):
        assess({"sex": "male", "mrc_knee_extension_left": 6})


def ct(def_id: str, **fields: Any) -> DefinitionResult:
    return assess(fields, [def_id]).results[def_id]


@pytest.mark.parametrize(("sex", "weight", "area", "low"), [
    # height 100 cm: weight = BMI and area = SMI
    ("male", 24.99, 42.99, True), ("male", 24.99, 43.0, False),
    ("male", 25.0, 52.99, True), ("male", 25.0, 53.0, False),
    ("female", 30.0, 40.99, True), ("female", 30.0, 41.0, False),
])
def test_martin_smi(sex: str, weight: float, area: float, low: bool) -> None:
    # areas below the plausible range cannot be entered with height 1 m, so scale to 2 m (x4)
    r = ct("ct_martin2013", sex=sex, height=200, weight=weight * 4, l3_muscle_area=area * 4)
    assert r.components["low_smi"] is low
    assert r.outcome == ("low_muscle" if low else "normal_muscle") and r.decided


def test_martin_man_undecided_without_bmi_when_bands_disagree() -> None:
    r = ct("ct_martin2013", sex="male", height=200, l3_muscle_area=48 * 4)
    assert r.outcome == "indeterminate" and r.decisive_measures == ["weight"]
    r = ct("ct_martin2013", sex="male", height=200, l3_muscle_area=40 * 4)
    assert (r.outcome, r.decided) == ("low_muscle", True)  # low in both BMI bands


@pytest.mark.parametrize(("weight", "hu", "low"), [(24.99, 40.9, True), (24.99, 41, False),
                                                    (25.0, 32.9, True), (25.0, 33, False)])
def test_martin_attenuation_is_reported_not_decisive(weight: float, hu: float, low: bool) -> None:
    r = ct("ct_martin2013", sex="female", height=200, weight=weight * 4, l3_muscle_area=160,
           l3_muscle_attenuation=hu)
    assert r.components["low_attenuation"] is low
    assert r.outcome == "low_muscle"  # 40.0 cm²/m² < 41 whatever the attenuation


@pytest.mark.parametrize(("sex", "smi", "low"), [
    ("male", 52.39, True), ("male", 52.4, None), ("male", 52.41, False),
    ("female", 38.49, True), ("female", 38.5, None), ("female", 38.51, False),
])
def test_prado_smi_comparator_unsettled(sex: str, smi: float, low: bool | None) -> None:
    r = ct("ct_prado2008", sex=sex, age=60, height=200, weight=130, l3_muscle_area=round(smi * 4, 2),
           conditions=["cancer"])
    assert r.components["low_smi"] is low
    assert r.caveats == []  # an adult, BMI 32.5, with cancer: the obese cancer population of the paper


def test_prado_caveat_below_bmi_30() -> None:
    r = ct("ct_prado2008", sex="female", age=60, height=200, weight=100, l3_muscle_area=140, conditions=["cancer"])
    assert r.outcome == "low_muscle"
    assert r.caveats == ["Prado 2008 derived these cut-offs in obese patients (BMI >= 30); this person's BMI is below 30."]
    assert ct("ct_prado2008", sex="female", height=200, weight=100).caveats == []  # no CT: no caveat
