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
