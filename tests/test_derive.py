"""Derived measures are rounded to reporting precision before any comparison (DESIGN §7)."""

from __future__ import annotations

import pytest

from myoscope import assess, parse_record
from myoscope.derive import derive


def d(**fields: object) -> dict[str, object]:
    return derive(parse_record({"sex": "male", **fields}))


def test_bmi_asmi_ratios() -> None:
    out = d(height=170, weight=70, asm=20.23, asm_method="dxa", grip_strength=30)
    assert out["bmi"] == 24.22
    assert out["asmi"] == 7.0  # 20.23 / 1.7² = 7.000000000000001 unrounded
    assert out["alm_bmi"] == 0.835
    assert out["grip_bmi"] == 1.239


def test_asmi_boundary_is_not_low_after_rounding() -> None:
    # 7.000000000000001 would pass "< 7.0" only by accident of binary noise; rounded it is 7.00.
    a = assess({"sex": "male", "height": 170, "asm": 20.23, "asm_method": "dxa",
                "grip_strength": 20}, ["ewgsop2"])
    assert a.results["ewgsop2"].components["low_asmi"] is False


def test_weight_loss_exactly_five_percent() -> None:
    out = d(weight=76, weight_history=[{"months_ago": 6, "weight": 80}])
    assert out["weight_loss_percent_6m"] == 5.0  # (1 − 76/80) × 100 = 5.000000000000004 unrounded


def test_weight_loss_windows() -> None:
    out = d(weight=54, weight_history=[{"months_ago": 3, "weight": 57}, {"months_ago": 6, "weight": 58},
                                       {"months_ago": 12, "weight": 60}])
    assert out["weight_loss_percent_6m"] == pytest.approx(6.9, abs=0.01)  # from the 58 kg peak
    assert out["weight_loss_percent_12m"] == 10.0
    assert out["weight_loss_percent"] == 10.0


def test_weight_gain_is_negative_loss() -> None:
    assert d(weight=82, weight_history=[{"months_ago": 4, "weight": 80}])["weight_loss_percent_6m"] == -2.5


def test_weight_loss_unknown_without_history_in_window() -> None:
    out = d(weight=70, weight_history=[{"months_ago": 9, "weight": 75}])
    assert out["weight_loss_percent_6m"] is None
    assert out["weight_loss_percent_12m"] == 6.67


def test_gait_speed_from_timed_walk() -> None:
    assert d(gait_distance="4 m", gait_time=5)["gait_speed"] == 0.8
    assert d(gait_distance="15 ft", gait_time=6)["gait_speed"] == 0.76  # 4.572 / 6 = 0.762


def test_measured_gait_speed_wins() -> None:
    assert d(gait_speed=1.1, gait_distance=4, gait_time=5)["gait_speed"] == 1.1


def test_sarc_f_total_only_when_complete() -> None:
    full = {"strength": 1, "assistance_walking": 1, "rise_from_chair": 0, "climb_stairs": 2, "falls": 0}
    assert d(sarc_f=full)["sarc_f"] == 4
    assert d(sarc_f={"strength": 2})["sarc_f"] is None


def test_l3_smi() -> None:
    assert d(height=180, l3_muscle_area=170)["l3_smi"] == 52.47


def test_missing_inputs_give_none() -> None:
    out = d(weight=70)
    assert out["bmi"] is None and out["asmi"] is None and out["alm_bmi"] is None
