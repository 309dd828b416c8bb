"""AWGS 2025 specifics that golden cases cannot show one record at a time: performance and case
finding are reported beside the verdict and never change it; the trace cites Table 2."""

from __future__ import annotations

import pytest

from myoscope import assess

BASE = [
    {"sex": "male", "age": 70, "asian": True, "grip_strength": 30},  # at risk
    {"sex": "female", "age": 56, "asian": True, "grip_strength": 19},  # possible
    {"sex": "male", "age": 58, "asian": True, "height": 168, "grip_strength": 30, "asm": 19.5,
     "asm_method": "dxa"},  # sarcopenia
    {"sex": "female", "age": 55, "asian": True, "height": 160, "weight": 60, "grip_strength": 22},  # none
]
REPORTED = [
    {"gait_speed": 0.4, "chair_stand_time": 30, "calf_circumference": 25},
    {"gait_speed": 1.6, "chair_stand_time": 6, "calf_circumference": 40},
]


@pytest.mark.parametrize("base", BASE)
def test_outcome_measures_and_case_finding_never_change_the_verdict(base: dict[str, object]) -> None:
    plain = assess(base, ["awgs2025"]).results["awgs2025"]
    for extra in REPORTED:
        r = assess({**base, **extra}, ["awgs2025"]).results["awgs2025"]
        assert (r.outcome, r.decided, r.decisive_measures) == (plain.outcome, plain.decided,
                                                               plain.decisive_measures)
        slow = extra["gait_speed"] == 0.4
        assert r.components["slow_gait"] is slow
        assert r.components["slow_chair_stand"] is slow


def test_performance_cutoffs_follow_the_age_band() -> None:
    young = assess({"sex": "male", "age": 55, "gait_speed": 1.1, "chair_stand_time": 11},
                   ["awgs2025"]).results["awgs2025"].components
    old = assess({"sex": "male", "age": 70, "gait_speed": 1.1, "chair_stand_time": 11},
                 ["awgs2025"]).results["awgs2025"].components
    assert (young["slow_gait"], young["slow_chair_stand"]) == (True, True)  # < 1.2 m/s, >= 10 s
    assert (old["slow_gait"], old["slow_chair_stand"]) == (False, False)  # < 1.0 m/s, >= 12 s


def test_calf_case_finding_applies_from_65_only() -> None:
    at_60 = assess({"sex": "female", "age": 60, "calf_circumference": 30}, ["awgs2025"]).results["awgs2025"]
    at_70 = assess({"sex": "female", "age": 70, "calf_circumference": 30}, ["awgs2025"]).results["awgs2025"]
    assert at_60.components["low_calf"] is None and at_70.components["low_calf"] is True


def test_trace_cites_table_2() -> None:
    r = assess(BASE[2], ["awgs2025"]).results["awgs2025"]
    grip = next(e for e in r.trace if e.get("node") == "low_grip")
    assert (grip["cutoff"], grip["comparator"]) == (34, "<")
    assert "doi:10.1038/s43587-025-01004-y" in grip["citation"] and "Table 2" in grip["citation"]
