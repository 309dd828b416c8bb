"""Record fields added for these instruments: units, ranges, and every bad field named at once."""

from __future__ import annotations

import pytest

from myoscope import RecordValidationError, parse_record


def test_units_convert_exactly() -> None:
    r = parse_record({"sex": "female", "life_expectancy_months": "1 y", "weight_loss_past_year": "10 lb",
                      "fat_free_mass": "88 lb", "l3_adipose_area": "15000 mm2"})
    assert r.values["life_expectancy_months"] == 12
    assert r.values["weight_loss_past_year"] == 4.5359237  # exactly the Fried cut-off
    assert r.values["fat_free_mass"] == pytest.approx(39.91612856)
    assert r.values["l3_adipose_area"] == 150


def test_every_bad_new_field_is_named_at_once() -> None:
    with pytest.raises(RecordValidationError) as exc:
        parse_record({"sex": "male", "performance_status": 5, "reduced_muscle_mass": "tiny",
                      "mrc_hip_flexion_left": 2.5, "so_complications": "maybe", "fat_free_mass": 200})
    paths = [p.path for p in exc.value.problems]
    assert paths == ["performance_status", "reduced_muscle_mass", "mrc_hip_flexion_left", "so_complications",
                     "fat_free_mass"]
    text = str(exc.value)
    assert "performance_status: 5 points is implausible (expected 0–4 points)" in text
    assert "reduced_muscle_mass: 'tiny' is not one of not_reduced, mild_to_moderate, severe" in text
    assert "mrc_hip_flexion_left: 2.5 points is not a whole number of points" in text
    assert "so_complications: expected true or false, got 'maybe'" in text
    assert "fat_free_mass: 200 kg is implausible (expected 15–150 kg)" in text
