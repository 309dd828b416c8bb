"""The record's ``history`` block: canonical values, every bad field at once, absent stays absent."""

from __future__ import annotations

import pytest

from myoscope.errors import RecordValidationError
from myoscope.measures import load_catalog
from myoscope.record import parse_record
from myoscope.workup.history import load_history_schema, validate_history


def test_canonical_values_units_aliases_and_regions() -> None:
    h = validate_history({
        "symptoms": {"fasciculations": "yes", "cramps": False, "weakness": None},
        "tempo": "Weeks", "course": "relapsing-remitting", "distribution": "generalized",
        "signs": {"upper_motor_neuron": ["Lumbosacral", "cervical", "cervical"], "lower_motor_neuron": True,
                  "reflexes": "increased", "gowers_sign": False},
        "bed_rest_days": "2 weeks", "onset_age": {"value": 57, "unit": "y"},
        "labs": {"ck": "3 µkat/L", "ck_upper_limit": 200, "tsh": "0.2 µIU/mL"},
        "family_history": [], "medications": "prednisolone", "intake": "poor",
    })
    assert h == {
        "symptoms": {"fasciculations": True, "cramps": False},
        "tempo": "weeks", "course": "relapsing_remitting", "distribution": ["generalised"],
        "signs": {"upper_motor_neuron": ["cervical", "lumbosacral"], "lower_motor_neuron": True,
                  "reflexes": "brisk", "gowers_sign": False},
        "bed_rest_days": 14.0, "onset_age": 57.0,
        "labs": {"ck": 180.0, "ck_upper_limit": 200.0, "tsh": 0.2},
        "family_history": [], "medications": ["glucocorticoids"], "intake": "reduced",
    }


def test_false_regions_mean_absent_and_null_means_not_asked() -> None:
    h = validate_history({"signs": {"upper_motor_neuron": False, "lower_motor_neuron": None}})
    assert h == {"signs": {"upper_motor_neuron": []}}


def test_every_bad_history_field_is_reported_with_the_record_problems() -> None:
    with pytest.raises(RecordValidationError) as err:
        parse_record({
            "sex": "female", "age": 300,
            "history": {
                "tempo": "fortnight", "distribution": ["proximal", "sideways"],
                "signs": {"reflexes": "jumpy", "upper_motor_neuron": ["neck"], "gowers": True},
                "labs": {"ck": "4500 mg", "tsh": -1},
                "symptoms": {"cramps": "sometimes"},
                "family_history": ["als", "vampirism"],
                "favourite_colour": "blue",
            },
            "grip_strength": "strong",
        }, source="p.yaml")
    schema = load_history_schema()
    conditions = ", ".join(load_catalog().conditions)
    assert str(err.value).splitlines()[0] == "invalid record p.yaml (12 problems):"
    assert [str(p) for p in err.value.problems] == [
        "age: 300 years is implausible (expected 0–125 years)",
        "history.tempo: 'fortnight' is not one of hours, days, weeks, months, years",
        "history.distribution: unknown value(s) sideways (expected focal, asymmetric, proximal, distal, "
        "generalised)",
        "history.signs.reflexes: 'jumpy' is not one of absent, reduced, normal, brisk",
        "history.signs.upper_motor_neuron: unknown region(s) neck (expected bulbar, cervical, thoracic, "
        "lumbosacral)",
        "history.signs.gowers: unknown field (expected one of " + ", ".join(schema.fields["signs"].fields) + ")",
        "history.labs.ck: unknown unit 'mg' (accepted: U/L, IU/L, µkat/L, ukat/L)",
        "history.labs.tsh: -1 mIU/L is implausible (expected 0–1000 mIU/L)",
        "history.symptoms.cramps: expected true or false, got 'sometimes'",
        f"history.family_history: unknown condition id(s) vampirism (expected {conditions})",
        "history.favourite_colour: unknown field (expected one of " + ", ".join(schema.fields) + ")",
        "grip_strength: cannot read 'strong' as a quantity (e.g. '70 kg')",
    ]


def test_history_must_be_an_object() -> None:
    with pytest.raises(RecordValidationError) as err:
        parse_record({"sex": "male", "history": ["weakness"]})
    assert [str(p) for p in err.value.problems] == [
        "history: expected an object with fields " + ", ".join(load_history_schema().fields)]


def test_valid_history_is_kept_in_the_record() -> None:
    rec = parse_record({"sex": "male", "history": {"icu_days": "3 d", "notes": "post-op"}})
    assert rec.values["history"] == {"icu_days": 3.0, "notes": "post-op"}
