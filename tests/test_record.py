"""Record parsing: canonical units, every problem at once, nothing half-applied."""

from __future__ import annotations

import math
from datetime import date

import pytest

from myoscope import RecordValidationError, parse_record
from myoscope.record import load_records


def test_quantity_forms_are_equivalent() -> None:
    a = parse_record({"sex": "female", "weight": 154 * 0.45359237})
    b = parse_record({"sex": "female", "weight": {"value": 154, "unit": "lb"}})
    c = parse_record({"sex": "female", "weight": "154 lb"})
    assert a.values["weight"] == pytest.approx(b.values["weight"]) == pytest.approx(c.values["weight"])
    assert b.entered_units["weight"] == "lb"


def test_sex_aliases() -> None:
    assert parse_record({"sex": "M"}).values["sex"] == "male"
    assert parse_record({"sex": "F"}).values["sex"] == "female"


def test_grip_trials_use_the_best() -> None:
    r = parse_record({"sex": "male", "grip_strength": [24, "26.5 kg", {"value": 50, "unit": "lb"}]})
    assert r.values["grip_strength"] == 26.5


def test_missing_is_absent_not_default() -> None:
    r = parse_record({"sex": "male", "grip_strength": None})
    assert "grip_strength" not in r.values
    assert "gait_speed" not in r.values


def test_all_four_problems_reported_at_once() -> None:
    with pytest.raises(RecordValidationError) as exc:
        parse_record({"grip_strength": 270, "height": "65 furlong", "chair_stand_time": -2})
    paths = [p.path for p in exc.value.problems]
    assert paths == ["grip_strength", "height", "chair_stand_time", "sex"]
    text = str(exc.value)
    assert "270 kg is implausible (expected 0–120 kg)" in text
    assert "unknown unit 'furlong'" in text
    assert "-2 s is implausible (expected 2–300 s)" in text
    assert "sex: required (male or female)" in text


def test_unknown_field_is_an_error() -> None:
    with pytest.raises(RecordValidationError, match="grip: unknown field"):
        parse_record({"sex": "male", "grip": 30})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("grip_strength", True, "expected a number in kg, got True"),
        ("gait_speed", "fast", "cannot read 'fast' as a quantity"),
        ("sppb", 7.5, "is not a whole number of points"),
        ("asian", "maybe", "expected true or false"),
        ("setting", "spa", "'spa' is not one of community, hospital, icu, nursing_home"),
        ("weight", {"value": 70, "units": "kg"}, 'expected {"value": number, "unit": text}'),
        ("height", float("nan"), "expected a finite number"),
    ],
)
def test_bad_values(field: str, value: object, message: str) -> None:
    with pytest.raises(RecordValidationError) as exc:
        parse_record({"sex": "male", field: value})
    assert message in str(exc.value)


def test_asm_needs_its_method() -> None:
    with pytest.raises(RecordValidationError, match="asm_method: required when asm is given"):
        parse_record({"sex": "male", "asm": 20})


def test_unusual_value_is_a_warning() -> None:
    r = parse_record({"sex": "male", "grip_strength": 95})
    assert r.values["grip_strength"] == 95
    assert [w.path for w in r.warnings] == ["grip_strength"]


def test_sarc_f_answers_and_falls_count() -> None:
    r = parse_record({"sex": "female", "sarc_f": {
        "strength": "a lot", "assistance_walking": "none", "rise_from_chair": 1,
        "climb_stairs": "unable", "falls_past_year": 4}})
    assert r.values["sarc_f"] == {"strength": 2, "assistance_walking": 0, "rise_from_chair": 1,
                                  "climb_stairs": 2, "falls": 2}


@pytest.mark.parametrize(("falls", "points"), [(0, 0), (1, 1), (3, 1), (4, 2), (9, 2)])
def test_sarc_f_falls_bands(falls: int, points: int) -> None:
    r = parse_record({"sex": "female", "sarc_f": {"falls_past_year": falls}})
    assert r.values["sarc_f"]["falls"] == points


def test_sarc_f_bad_items() -> None:
    with pytest.raises(RecordValidationError) as exc:
        parse_record({"sex": "female", "sarc_f": {"strength": 3, "stairs": 1, "falls": "often"}})
    assert [p.path for p in exc.value.problems] == ["sarc_f.strength", "sarc_f.stairs", "sarc_f.falls"]


def test_age_from_birth_date() -> None:
    r = parse_record({"sex": "male", "birth_date": "1950-06-15", "date": "2026-06-14"})
    assert r.values["age"] == 75.0
    r = parse_record({"sex": "male", "birth_date": "1950-06-15", "date": "2026-06-15"})
    assert r.values["age"] == 76.0


def test_an_age_from_a_birth_date_meets_the_entered_ages_range() -> None:
    # before, a birth date of 1800 gave an age of 226, which every cut-off then read; entered, the
    # same age is refused as implausible
    with pytest.raises(RecordValidationError) as exc:
        parse_record({"sex": "male", "birth_date": "1800-01-01", "date": "2026-01-01"})
    assert [(p.path, p.message) for p in exc.value.problems] == [
        ("birth_date", "1800-01-01 gives an age of 226 years on 2026-01-01, which is implausible "
                       "(expected 0–125 years)")
    ]
    # the range's ends are ages too: born on the record's date is 0
    assert parse_record({"sex": "male", "birth_date": "2026-01-01", "date": "2026-01-01"}).values["age"] == 0.0


@pytest.mark.parametrize("given", [20260110.5, 20260110, "20260110", "2026-W02-6", " 2026-01-10"])
def test_a_date_is_written_yyyy_mm_dd(given: object) -> None:
    # Python's date.fromisoformat reads 20260110 and week dates: a JSON number passed for a date
    with pytest.raises(RecordValidationError, match=r"date: expected a date YYYY-MM-DD"):
        parse_record({"sex": "male", "date": given})


def test_weight_history_dates_become_months() -> None:
    r = parse_record({"sex": "male", "date": "2026-07-01", "weight": 70,
                      "weight_history": [{"date": "2026-01-01", "weight": "160 lb"}]})
    item = r.values["weight_history"][0]
    assert item["months_ago"] == pytest.approx(181 / 30.436875, abs=0.01)
    assert item["weight"] == pytest.approx(72.5747792)
    assert isinstance(r.values["date"], date)


def test_weight_history_date_needs_record_date() -> None:
    with pytest.raises(RecordValidationError, match=r"weight_history\[0\].date: needs the record's date"):
        parse_record({"sex": "male", "weight_history": [{"date": "2026-01-01", "weight": 70}]})


def test_conditions_are_checked_against_the_catalog() -> None:
    assert parse_record({"sex": "male", "conditions": ["copd", "cancer"]}).values["conditions"] == [
        "cancer", "copd"]
    with pytest.raises(RecordValidationError, match="unknown condition"):
        parse_record({"sex": "male", "conditions": ["flu"]})


def test_unknown_items_are_named_within_bounds() -> None:
    """Found by tests/test_inputs.py's generator: nested objects among the conditions made a
    message of thousands of characters. Short ids stay as they are; the rest is bounded."""
    nested = {f"k{i}": [None, {"x" * 500: list(range(50))}] for i in range(40)}
    with pytest.raises(RecordValidationError) as caught:
        parse_record({"sex": "male", "conditions": ["flu", nested, "y" * 5000, *[f"c{i}" for i in range(9)]]})
    (p,) = caught.value.problems
    assert p.message.startswith("unknown condition(s) flu, {") and " and 7 more (known: cancer" in p.message
    assert len(p.message) < 800


def test_unknown_weight_history_keys_of_mixed_types_are_named() -> None:
    """A YAML mapping may mix number and text keys, which ``sorted`` cannot order by themselves."""
    with pytest.raises(RecordValidationError, match=r"weight_history\[0\]: unknown key\(s\) 1, colour"):
        parse_record({"sex": "male", "weight_history": [{1: "a", "colour": "b", "weight": 70, "months_ago": 3}]})


def test_load_records_from_yaml_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "two.yaml"
    p.write_text("- {sex: male, grip_strength: 30}\n- {sex: female, grip_strength: 12}\n")
    recs = load_records(p)
    assert [r.source for r in recs] == [f"{p}[0]", f"{p}[1]"]


# --- records that contradict themselves (issue 11) -------------------------------------------


def test_a_record_dated_in_the_future_is_an_error() -> None:
    from datetime import date, timedelta

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(RecordValidationError) as err:
        parse_record({"sex": "male", "date": tomorrow})
    assert f"date: {tomorrow} is in the future" in str(err.value)


@pytest.mark.parametrize(("age", "ok"), [(75, True), (74, True), (76, True), (73, False), (77.5, False)])
def test_age_contradicting_birth_date_by_more_than_a_year_names_both(age: float, ok: bool) -> None:
    rec = {"sex": "female", "age": age, "birth_date": "1950-03-01", "date": "2025-06-01"}  # gives 75
    if ok:
        assert parse_record(rec).values["age"] == age
        return
    with pytest.raises(RecordValidationError) as err:
        parse_record(rec)
    assert f"age: {age:g} contradicts birth_date 1950-03-01 and date 2025-06-01, which give 75" in str(err.value)


def test_an_unusable_number_does_not_hide_the_other_fields_problems() -> None:
    # NaN, an infinity or a huge integer used to stop validation, naming only itself
    with pytest.raises(RecordValidationError) as exc:
        parse_record({"sex": "male", "age": 1e309, "weight": -0, "height": 1e308, "sarc_f": {"strength": math.nan}})
    assert [p.path for p in exc.value.problems] == ["age", "weight", "height", "sarc_f.strength"]
    with pytest.raises(RecordValidationError) as exc:
        parse_record({"sex": math.nan, "age": 70})
    assert [(p.path, p.message) for p in exc.value.problems] == [("sex", "expected a finite number, got nan")]
    # a key holding a dot (UK Biobank's "31-0.0") was split at it, so its value was named twice:
    # as unusable, and as an unknown field
    with pytest.raises(RecordValidationError) as exc:
        parse_record({"sex": "male", "31-0.0": math.nan})
    assert [(p.path, p.message) for p in exc.value.problems] == [("31-0.0", "expected a finite number, got nan")]


@pytest.mark.parametrize("given", ["1,5 kg", "70,5", "1,500 g"])
def test_a_number_with_a_comma_is_named_as_such(given: str) -> None:
    # "1,5 kg" was refused as the unknown unit ",5 kg"; "1,500 g" may be 1.5 kg or 1500 g
    with pytest.raises(RecordValidationError, match="write numbers with a decimal point and no thousands"):
        parse_record({"sex": "male", "weight": given})


@pytest.mark.parametrize(("given", "said"), [([1, 2], "a list"), ({"a": [1]}, "an object")])
def test_an_id_is_text_not_a_list_or_an_object(given: object, said: str) -> None:
    # stored as Python's text of it ("[1, 2]") before
    with pytest.raises(RecordValidationError, match=f"id: expected text, got {said}"):
        parse_record({"sex": "male", "id": given})
    assert parse_record({"sex": "male", "id": 12}).values["id"] == "12"


@pytest.mark.parametrize(
    ("field", "given", "same_as"),
    [
        ("height", "5 ft 4 in", "64 in"),
        ("height", "5'4\"", "64 in"),
        ("height", "5′4″", "64 in"),
        ("height", "5 ft 4", "64 in"),
        ("calf_circumference", "1 ft 2 in", "14 in"),  # any length of the catalog
        ("gait_distance", "13 ft 1 in", "157 in"),
        ("weight", "11 st 4 lb", "158 lb"),
        ("weight", "11 st", "154 lb"),
        ("asm", "3 st 2 lb", "44 lb"),  # any mass
    ],
)
def test_feet_and_inches_stone_and_pounds(field: str, given: str, same_as: str) -> None:
    other = {"sex": "female", "asm_method": "dxa"}
    r = parse_record({**other, field: given})
    assert r.values[field] == parse_record({**other, field: same_as}).values[field]
    name = "st+lb" if "st" in given else "ft+in"
    assert r.entered_units[field] == name
    # shown as entered in the smaller unit: one number and one unit, as the reports show it
    number, unit = same_as.split()
    assert r.entered(field) == (float(number), unit)


@pytest.mark.parametrize(
    ("field", "given", "message"),
    [
        ("height", "5 ft 13 in", "height: 5 ft 13 in: inches must be below 12"),
        ("height", "4 in 5 ft", "height: 4 in 5 ft: write feet before inches"),
        ("height", "5.5 ft 4 in", "height: 5.5 ft 4 in: feet must be a whole number"),
        ("weight", "11 st 14 lb", "weight: 11 st 14 lb: pounds must be below 14"),
        ("weight", "60 st", "weight: 60 st is implausible (expected 15–350 kg)"),
        ("height", "9 ft 2 in", "height: 9 ft 2 in is implausible (expected 50–250 cm)"),
        # only where a single unit of the same dimension is accepted
        ("grip_strength", "4 st 2 lb", "grip_strength: unknown unit 'st 2 lb' (accepted: kg, kgf, lb, lbs, lbf, N)"),
        ("weight", "5 ft 4 in", "weight: unknown unit 'ft 4 in' (accepted: kg, g, lb, lbs)"),
        # stone is read in text only, where it is written with its pounds
        ("weight", {"value": 11, "unit": "st"}, "weight: unknown unit 'st' (accepted: kg, g, lb, lbs)"),
        ("weight", "11 stone", "weight: unknown unit 'stone' (accepted: kg, g, lb, lbs)"),
    ],
)
def test_a_compound_written_wrongly_is_a_problem_of_its_field(field: str, given: object, message: str) -> None:
    with pytest.raises(RecordValidationError) as exc:
        parse_record({"sex": "female", field: given})
    assert [str(p) for p in exc.value.problems] == [message]


def test_a_compound_is_shown_as_written_in_a_warning() -> None:
    r = parse_record({"sex": "male", "height": "4 ft 2 in"})
    assert r.values["height"] == 127.0
    assert [str(w) for w in r.warnings] == ["height: 4 ft 2 in is unusual (usually 130–210 cm); check it"]
