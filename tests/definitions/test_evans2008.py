"""Evans 2008 cachexia: weight loss >= 5% in 12 months (or BMI < 20 when loss cannot be
documented) plus at least 3 of 5 criteria."""

from __future__ import annotations

from typing import Any

import pytest

from myoscope import assess
from myoscope.rules.evaluate import DefinitionResult

THREE: dict[str, Any] = {"strength_lowest_tertile": True, "fatigue": True, "anorexia": True}
NONE_OF_FIVE: dict[str, Any] = {"strength_lowest_tertile": False, "fatigue": False, "anorexia": False,
                                "mamc_low": False, "crp": 2, "il6": 1, "hemoglobin": 13.5, "albumin": 4.0}


def evans(**fields: Any) -> DefinitionResult:
    return assess({"sex": "female", "age": 70, "height": 100, **fields}, ["evans2008"]).results["evans2008"]


@pytest.mark.parametrize(("now", "outcome"), [
    (76.01, "no_cachexia"),  # 80 -> 76.01: 4.99%
    (76.0, "cachexia"),      # exactly 5.00%: Evans is >= 5 (Fearon and GLIM are > 5)
])
def test_weight_loss_at_least_5_percent_in_12_months(now: float, outcome: str) -> None:
    r = evans(weight=now, weight_history=[{"months_ago": 12, "weight": 80}], **THREE)
    assert (r.outcome, r.decided) == (outcome, True)


def test_bmi_below_20_only_when_weight_loss_cannot_be_documented() -> None:
    undocumented = evans(weight=19.99, **THREE)  # no history: BMI < 20 suffices
    assert (undocumented.outcome, undocumented.decided) == ("cachexia", True)
    at_20 = evans(weight=20.0, **THREE)  # BMI exactly 20 is not < 20: only a weight history decides
    assert at_20.outcome == "indeterminate" and at_20.decisive_measures == ["weight_history"]
    documented = evans(weight=19.5, weight_history=[{"months_ago": 12, "weight": 20}], **THREE)  # 2.5% loss
    assert (documented.outcome, documented.decided) == ("no_cachexia", True)


@pytest.mark.parametrize(("n", "outcome"), [(2, "no_cachexia"), (3, "cachexia")])
def test_three_of_five(n: int, outcome: str) -> None:
    criteria = dict(NONE_OF_FIVE)
    for key in ["strength_lowest_tertile", "fatigue", "anorexia"][:n]:
        criteria[key] = True
    r = evans(weight=70, weight_history=[{"months_ago": 6, "weight": 80}], **criteria)
    assert (r.outcome, r.decided) == (outcome, True)


@pytest.mark.parametrize(("field", "value", "met"), [
    ("crp", 5.0, False), ("crp", 5.1, True), ("il6", 4.0, False), ("il6", 4.1, True),
    ("hemoglobin", 12.0, False), ("hemoglobin", 11.9, True), ("albumin", 3.2, False), ("albumin", 3.1, True),
])
def test_abnormal_biochemistry(field: str, value: float, met: bool) -> None:
    lab = {"crp": 2, "il6": 1, "hemoglobin": 13.5, "albumin": 4.0, field: value}
    r = evans(weight=70, **lab)
    assert r.components["abnormal_biochemistry"] is met


def test_partial_criteria_leave_the_verdict_open() -> None:
    r = evans(weight=70, weight_history=[{"months_ago": 6, "weight": 80}], fatigue=True, anorexia=True)
    assert r.outcome == "indeterminate"
    assert r.possible_outcomes == ["cachexia", "no_cachexia"]
    assert "strength_lowest_tertile" in r.decisive_measures


@pytest.mark.parametrize(("asm", "method", "low"), [
    (5.44, "dxa", True), (5.45, "dxa", False), (5.0, "bia", None),  # DXA cut-off: no BIA cut-off
])
def test_low_ffmi_by_dxa(asm: float, method: str, low: bool | None) -> None:
    r = evans(weight=60, asm=asm, asm_method=method)
    assert r.components["low_asmi_dxa"] is low


def test_bia_estimate_is_used_with_a_caveat_and_flagged_in_the_trace() -> None:
    r = evans(weight=60, height=160, bia_resistance=650, bia_reactance=60)
    entry = next(e for e in r.trace if e["node"] == "low_asmi_bia_estimate")
    assert entry["value"] is not None
    assert "estimate" in entry and "Kyle 2003" in entry["estimate"]
    assert any("cut-off is for DXA" in c for c in r.caveats)


def test_no_estimate_when_asm_was_measured() -> None:
    r = evans(weight=60, height=160, asm=14, asm_method="dxa", bia_resistance=650, bia_reactance=60)
    entry = next(e for e in r.trace if e["node"] == "low_asmi_bia_estimate")
    assert entry["value"] is None and r.components["low_asmi_bia_estimate"] is None
    assert r.components["low_ffmi"] is False  # decided by the measured DXA value alone (5.47)
