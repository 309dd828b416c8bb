"""Unit conversion: exact factors, round trips, refusal of unknown units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from myoscope import units
from myoscope.errors import UnknownUnitError


@pytest.mark.parametrize(
    ("value", "unit", "dimension", "expected"),
    [
        (154, "lb", "mass", 69.85322498),  # 154 × 0.45359237 exactly
        (1, "lb", "mass", 0.45359237),
        (70, "in", "length_cm", 177.8),
        (5.5, "ft", "length_cm", 167.64),
        (15, "ft", "length_m", 4.572),  # Fried's 15-foot walk
        (3.6, "km/h", "speed", 1.0),
        (1, "ft/s", "speed", 0.3048),
        (2, "min", "time", 120.0),
        (88, "lbf", "force", 39.91612856),
        (9.80665, "N", "force", 1.0),
        (35, "g/L", "g_dl", 3.5),
        (0.5, "mg/dL", "mg_l", 5.0),
    ],
)
def test_exact_factors(value: float, unit: str, dimension: str, expected: float) -> None:
    assert units.to_canonical(value, unit, dimension) == pytest.approx(expected, abs=1e-9)


def test_canonical_unit_is_identity() -> None:
    assert units.to_canonical(27.0, "kg", "force") == 27.0
    assert units.canonical_unit("force") == "kg"


def test_case_insensitive_units() -> None:
    assert units.to_canonical(10, "LB", "mass") == units.to_canonical(10, "lb", "mass")


def test_unknown_unit_names_the_accepted_ones() -> None:
    with pytest.raises(UnknownUnitError, match=r"unknown unit 'furlong' \(accepted: cm, mm, m, in, ft\)"):
        units.to_canonical(5, "furlong", "length_cm")


@given(st.floats(min_value=0.001, max_value=1e4), st.sampled_from(sorted(units.FACTORS["mass"])))
def test_round_trip(value: float, unit: str) -> None:
    # converted values keep 9 decimals of the canonical unit (units.CONVERSION_DECIMALS)
    canonical = units.to_canonical(value, unit, "mass")
    assert abs(canonical - value * units.FACTORS["mass"][unit]) <= 5e-10
    back = units.from_canonical(canonical, unit, "mass")
    assert back == pytest.approx(value, abs=1e-8 / units.FACTORS["mass"][unit])


def test_ucum_codes_map_to_the_exact_factors() -> None:
    from myoscope.errors import UnknownUnitError
    from myoscope.units import from_ucum, to_canonical

    assert to_canonical(110, from_ucum("[lb_av]"), "mass") == round(110 * 0.45359237, 9)
    assert to_canonical(31, from_ucum("[lbf_av]"), "force") == round(31 * 0.45359237, 9)
    assert to_canonical(62, from_ucum("[in_i]"), "length_cm") == 157.48
    assert from_ucum("m/s") == "m/s" and from_ucum("lb") == "lb"  # a plain unit name passes through
    with pytest.raises(UnknownUnitError, match="unknown UCUM unit"):
        from_ucum("[smoot]")


# --- two units: feet and inches, stone and pounds -------------------------------------------------


def test_compound_factors_are_definitions() -> None:
    # 12 in = 1 ft and 14 lb = 1 st by definition; the total is converted through the smaller unit
    assert units.COMPOUNDS["ft+in"].per == 12 and units.COMPOUNDS["ft+in"].unit == "in"
    assert units.COMPOUNDS["st+lb"].per == 14 and units.COMPOUNDS["st+lb"].unit == "lb"
    assert units.FACTORS["length_cm"]["ft"] == units.FACTORS["length_cm"]["in"] * 12
    assert units.FACTORS["length_m"]["ft"] == pytest.approx(units.FACTORS["length_m"]["in"] * 12, rel=1e-15)


@pytest.mark.parametrize(
    ("text", "dimension", "unit", "expected"),
    [
        ("5 ft 4 in", "length_cm", "ft+in", 162.56),  # 64 in × 2.54 exactly
        ("5'4\"", "length_cm", "ft+in", 162.56),
        ("5′4″", "length_cm", "ft+in", 162.56),  # prime and double prime
        ("5’4”", "length_cm", "ft+in", 162.56),  # a word processor's quotes
        ("5' 4''", "length_cm", "ft+in", 162.56),  # two single quotes for inches
        ("5 ft 4", "length_cm", "ft+in", 162.56),  # the inches' unit left out
        ("5ft4in", "length_cm", "ft+in", 162.56),
        ("  5 FT 4 IN ", "length_cm", "ft+in", 162.56),
        ("5 ft 11.5 in", "length_cm", "ft+in", 181.61),
        ("6'", "length_cm", "ft+in", 182.88),  # the mark alone: feet
        ("15 ft 0 in", "length_m", "ft+in", 4.572),  # a gait distance
        ("11 st 4 lb", "mass", "st+lb", 71.66759446),  # 158 lb × 0.45359237 exactly
        ("11 st 4 lbs", "mass", "st+lb", 71.66759446),
        ("11st 4", "mass", "st+lb", 71.66759446),
        ("11 st", "mass", "st+lb", 69.85322498),  # stone alone: 154 lb
        ("11.5 st", "mass", "st+lb", 73.02837157),
        ("-5 ft 4 in", "length_cm", "ft+in", -162.56),  # the sign is the whole's: the range refuses it
    ],
)
def test_a_compound_is_read_through_its_smaller_unit(text: str, dimension: str, unit: str, expected: float) -> None:
    r = units.read_compound(text, dimension)
    assert r is not None and r.problem is None and r.unit == unit and r.text == text.strip()
    assert r.value == expected  # exactly: the same number as the smaller unit alone gives


@pytest.mark.parametrize(
    ("text", "dimension", "problem"),
    [
        ("5 ft 13 in", "length_cm", "5 ft 13 in: inches must be below 12"),
        ("5 ft 12 in", "length_cm", "5 ft 12 in: inches must be below 12"),
        ("5'12.5\"", "length_cm", "5'12.5\": inches must be below 12"),
        ("11 st 14 lb", "mass", "11 st 14 lb: pounds must be below 14"),
        ("4 in 5 ft", "length_cm", "4 in 5 ft: write feet before inches"),
        ("4 lb 11 st", "mass", "4 lb 11 st: write stone before pounds"),
        ("5.5 ft 4 in", "length_cm", "5.5 ft 4 in: feet must be a whole number"),
        ("10.5 st 2 lb", "mass", "10.5 st 2 lb: stone must be a whole number"),
    ],
)
def test_a_compound_written_wrongly_is_refused_saying_why(text: str, dimension: str, problem: str) -> None:
    r = units.read_compound(text, dimension)
    assert r is not None and r.value is None and r.problem == problem


@pytest.mark.parametrize(
    ("text", "dimension"),
    [
        ("5.9 ft", "length_cm"),  # a single unit: read as before (to_canonical)
        ("5 FT", "length_cm"),
        ("70 in", "length_cm"),
        ("150 lb", "mass"),
        ("11 st 4 lb", "force"),  # stone is no unit of a grip's force
        ("5 ft 4 in", "mass"),  # feet and inches are no mass
        ("11 st 4 lb", "length_cm"),
        ("5 ft 4 lb", "length_cm"),  # units of two compounds
        ("11 stone", "mass"),  # the word: an unknown unit, as before
        ("5e1 ft 4 in", "length_cm"),
        ("5 ft, 4 in", "length_cm"),
        ("tall", "length_cm"),
    ],
)
def test_what_is_no_compound_is_left_to_the_single_unit_rule(text: str, dimension: str) -> None:
    assert units.read_compound(text, dimension) is None


@given(st.integers(min_value=0, max_value=9), st.integers(min_value=0, max_value=11))
def test_feet_and_inches_equal_the_same_length_in_inches(feet: int, inches: int) -> None:
    for dimension in ("length_cm", "length_m"):
        r = units.read_compound(f"{feet} ft {inches} in", dimension)
        assert r is not None and r.value == units.to_canonical(feet * 12 + inches, "in", dimension)


@given(st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=139))
def test_stone_and_pounds_equal_the_same_mass_in_pounds(stone: int, tenths: int) -> None:
    pounds = f"{tenths // 10}.{tenths % 10}"  # 0.0 to 13.9 lb, as written
    r = units.read_compound(f"{stone} st {pounds} lb", "mass")
    assert r is not None and r.value == units.to_canonical(stone * 14 + float(pounds), "lb", "mass")
