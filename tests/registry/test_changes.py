"""Change over time with numbers checkable by hand (no database).

MCIDs: Bohannon 2019 (grip 5.0-6.5 kg), Perera 2006 (gait 0.05/0.10 m/s, SPPB 0.5/1.0),
Jones 2013 (five chair stands 1.7 s). Expected ageing: Frederiksen 2006 (grip -0.31 kg/yr, women
50-85). Weight windows: GLIM 2019 (>5% within 6 months, >10% beyond), Fearon 2011 (>5%; >2% with
BMI <20). A month is 30.436875 days, as in myoscope.record.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from myoscope.derive import derive
from myoscope.record import parse_record
from myoscope.registry.changes import (
    PatientSeries,
    VisitValues,
    current_alerts,
    loss_from_peak,
    patient_changes,
    verdicts_in_population,
)


def series(sex: str, born: date | None, *visits: tuple[str, dict[str, float]]) -> PatientSeries:
    return PatientSeries(1, "P-1", sex, born,
                         [VisitValues(i + 1, date.fromisoformat(d), v) for i, (d, v) in enumerate(visits)])


ANNA = series(
    "female", date(1950, 1, 1),
    ("2024-01-15", {"grip_strength": 24.0, "gait_speed": 0.85, "weight": 62.0, "height": 165.0}),
    ("2024-05-15", {"grip_strength": 18.0, "gait_speed": 0.80, "weight": 58.9}),
    ("2024-11-15", {"grip_strength": 17.5, "gait_speed": 0.70, "weight": 57.0}),
)


def test_changes_between_visits_against_the_mcid() -> None:
    got = {(c.measure, c.to_date.isoformat()): c for c in patient_changes(ANNA).changes}
    grip = got["grip_strength", "2024-05-15"]
    assert (grip.change, grip.direction, grip.level, grip.mcid) == (-6.0, "decline", "meaningful_lower_estimate", 5.0)
    assert got["grip_strength", "2024-11-15"].level is None  # -0.5 kg is below 5.0
    # 0.80 - 0.85 is -0.05000000000000004 in binary; rounded to 2 decimals it is -0.05 and reaches 0.05
    gait = got["gait_speed", "2024-05-15"]
    assert (gait.change, gait.level) == (-0.05, "small")
    assert (got["gait_speed", "2024-11-15"].change, got["gait_speed", "2024-11-15"].level) == (-0.1, "substantial")


def test_improvement_is_not_a_decline_and_lower_is_better_for_chair_stands() -> None:
    s = series("male", date(1950, 1, 1),
               ("2024-01-01", {"chair_stand_time": 12.0, "grip_strength": 30.0}),
               ("2024-03-01", {"chair_stand_time": 14.0, "grip_strength": 36.5}))
    got = {c.measure: c for c in patient_changes(s).changes}
    assert (got["chair_stand_time"].direction, got["chair_stand_time"].level) == ("decline", "meaningful")
    assert (got["grip_strength"].direction, got["grip_strength"].level) == (
        "improvement", "meaningful_upper_estimate")
    messages = [a.message for a in patient_changes(s).alerts]
    assert messages == ["Five chair stands time rose 2 s in 2 months (MCID 1.7 s)"]


def test_annualised_rate_against_the_expected_ageing_rate() -> None:
    (grip,) = [r for r in patient_changes(ANNA).rates if r.measure == "grip_strength"]
    # -6.5 kg over 305 days = -6.5 / (305 / 365.2425) = -7.784 kg/year; a woman of 74: -0.31 kg/year
    assert grip.per_year == -7.784
    assert grip.percent_per_year == -32.43
    assert grip.expected_per_year == -0.31
    assert grip.faster_than_expected is True and grip.meaningful is True
    (gait,) = [r for r in patient_changes(ANNA).rates if r.measure == "gait_speed"]
    assert gait.expected_per_year is None and gait.faster_than_expected is None  # no cited rate: unknown


def test_rate_needs_a_known_age_and_a_minimum_span() -> None:
    no_age = series("female", None, ("2024-01-01", {"grip_strength": 24.0}), ("2025-01-01", {"grip_strength": 23.0}))
    (r,) = patient_changes(no_age).rates
    assert r.expected_per_year is None and r.faster_than_expected is None
    short = series("female", date(1950, 1, 1), ("2024-01-01", {"grip_strength": 24.0}),
                   ("2024-02-01", {"grip_strength": 17.0}))
    assert patient_changes(short).rates == []  # 31 days < 90: not annualised


def test_weight_windows_from_the_peak_and_the_exact_5_percent_boundary() -> None:
    w = patient_changes(ANNA).weight
    assert w[0].loss_percent == {6.0: None, 12.0: None}  # no earlier weight: unknown, not 0
    # (62 - 58.9) / 62 = 5.000000000000004 %: rounded to 5.0, which does not pass "> 5%"
    assert w[1].loss_percent == {6.0: 5.0, 12.0: 5.0}
    assert w[1].criteria["glim_6m"] is False and w[1].criteria["fearon_6m"] is False
    assert w[1].criteria["fearon_low_bmi"] is False  # > 2% but BMI 21.63 is not < 20
    # 2024-11-15: the earlier weights are 10.02 and 6.05 months back, so none is within 6 months
    assert w[2].loss_percent == {6.0: None, 12.0: 8.06}
    assert w[2].criteria["glim_6m"] is None and w[2].criteria["glim_beyond_6m"] is False


BEN = series(
    "male", date(1960, 6, 1),
    ("2024-01-01", {"weight": 80.0, "height": 175.0}),
    ("2024-03-01", {"weight": 76.0}),   # -5.00 % : not > 5
    ("2024-05-01", {"weight": 75.0}),   # -6.25 % from 80 (3.98 months)
    ("2024-07-01", {"weight": 74.0}),   # -7.50 % from 80 (5.98 months)
    ("2024-09-01", {"weight": 76.0}),   # 80 is 8.02 months back; from 75: a gain
    ("2025-01-01", {"weight": 70.0}),   # -7.89 % from 76 (4.01 months)
)


@pytest.mark.parametrize("stored", [None, {}, {"fearon2011": {"outcome": "cachexia", "in_population": False}},
                                    {"fearon2011": {"outcome": "cachexia", "in_population": None}}])
def test_no_cachexia_alert_rests_on_a_fearon_verdict_outside_its_population(stored: dict[str, Any] | None) -> None:
    """Issue 11: without recorded cancer the Fearon weight criterion raises no cachexia alert; the
    weight loss itself is still alerted under GLIM."""
    alerts = current_alerts(patient_changes(BEN, in_population=verdicts_in_population(stored)))
    assert [a.message for a in alerts] == ["weight −7.89% in 4 months (GLIM: weight loss >5% within the past 6 months)"]


def test_cachexia_episodes_over_the_weight_series() -> None:
    result = patient_changes(BEN)
    assert [(w.date.isoformat(), w.loss_percent[6.0]) for w in result.weight] == [
        ("2024-01-01", None), ("2024-03-01", 5.0), ("2024-05-01", 6.25), ("2024-07-01", 7.5),
        ("2024-09-01", -1.33), ("2025-01-01", 7.89)]
    assert [(e.start.isoformat(), e.end and e.end.isoformat(), e.peak_loss_percent) for e in result.episodes] == [
        ("2024-05-01", "2024-09-01", 7.5), ("2025-01-01", None, 7.89)]


def test_alerts_at_the_latest_visit_read_like_a_clinician_would_write_them() -> None:
    with_cancer = patient_changes(BEN, in_population=verdicts_in_population(
        {"fearon2011": {"outcome": "cachexia", "in_population": True}}))
    assert [a.message for a in current_alerts(with_cancer)] == [
        "weight criterion of cachexia met since 2025-01-01 (ongoing; peak loss 7.89%)",
        "weight −7.89% in 4 months (GLIM: weight loss >5% within the past 6 months; "
        "Fearon: weight loss >5% over the past 6 months)",
    ]
    anna = [a.message for a in current_alerts(patient_changes(ANNA))]
    assert anna == [
        "Usual gait speed fell 0.1 m/s in 6 months (MCID 0.05 m/s)",
        "Grip strength changing -7.78 kg/year since 2024-01-15, faster than the -0.31 kg/year expected "
        "with age",
    ]
    history = [a.message for a in patient_changes(ANNA).alerts]
    assert "Grip strength fell 6 kg in 4 months (MCID 5 kg)" in history


def test_fearon_low_bmi_needs_a_height() -> None:
    visits = (("2024-01-01", {"weight": 50.0}), ("2024-04-01", {"weight": 48.8}))
    with_height = series("female", date(1950, 1, 1), ("2023-12-01", {"height": 160.0}), *visits)
    # 2.4 % loss, BMI 48.8 / 1.6^2 = 19.06 < 20
    assert patient_changes(with_height).weight[-1].criteria["fearon_low_bmi"] is True
    assert patient_changes(with_height).weight[-1].criteria["fearon_6m"] is False
    without = series("female", date(1950, 1, 1), *visits)
    assert patient_changes(without).weight[-1].criteria["fearon_low_bmi"] is None  # unknown, not false


def test_missing_values_are_skipped_not_zero() -> None:
    s = series("female", date(1950, 1, 1), ("2024-01-01", {"grip_strength": 20.0}), ("2024-02-01", {}),
               ("2024-03-01", {"grip_strength": 19.0}))
    (c,) = patient_changes(s).changes
    assert (c.from_date.isoformat(), c.to_date.isoformat(), c.change) == ("2024-01-01", "2024-03-01", -1.0)


def test_result_object_summary_dict_and_text() -> None:
    result = patient_changes(BEN)
    assert result.summary[0] == {"date": "2024-05-01", "kind": "weight_loss",
                                 "message": result.alerts[0].message}
    d = result.to_dict()
    assert d["patient"] == "P-1" and d["episodes"][0] == {"start": "2024-05-01", "end": "2024-09-01",
                                                          "peak_loss_percent": 7.5}
    assert "cachexia weight criterion: 2025-01-01 → ongoing" in str(result)


@given(st.lists(st.tuples(st.integers(1, 400), st.floats(40, 120, allow_nan=False).map(lambda x: round(x, 1))),
                min_size=1, max_size=6),
       st.floats(40, 120).map(lambda x: round(x, 1)))
def test_weight_loss_matches_derive_for_the_same_history(past: list[tuple[int, float]], now: float) -> None:
    """The registry's windows and a record's derived weight loss agree (same data, same numbers)."""
    on = date(2025, 6, 1)
    history = [{"date": (on - timedelta(days=d)).isoformat(), "weight": w} for d, w in past]
    derived = derive(parse_record({"sex": "male", "date": on.isoformat(), "weight": now,
                                   "weight_history": history}))
    months = [(round(d / 30.436875, 2), w) for d, w in past]
    assert loss_from_peak(now, months, 6.0, 2)[0] == derived["weight_loss_percent_6m"]
    assert loss_from_peak(now, months, 12.0, 2)[0] == derived["weight_loss_percent_12m"]


def test_asm_rate_is_compared_with_the_simulators_ageing_rate_but_raises_no_alert_without_an_mcid() -> None:
    s = series("male", date(1950, 1, 1), ("2025-01-01", {"asm": 20.0}), ("2026-01-01", {"asm": 19.0}))
    (r,) = patient_changes(s).rates
    # -1 kg over 365 days = -1 / (365 / 365.2425) = -1.001 kg/year; expected at 75:
    # 20 kg x -(1 - e^-0.009) = -0.179 kg/year (trajectory.yaml: 0.90 %/yr at 70-79)
    assert (r.per_year, r.expected_per_year, r.faster_than_expected, r.meaningful) == (-1.001, -0.179, True, None)
    assert r.citation is not None and "ageing_mass_rate" in r.citation
    assert patient_changes(s).alerts == []
