"""Each equation against a worked example computed here, independently, from the published
formula as printed in its source (the coefficients below are typed from the papers, not read
from knowledge/equations.yaml), plus what each says it estimates and for whom."""

from __future__ import annotations

import math

import pytest

from myoscope import equations as eq
from myoscope.errors import KnowledgeError


def test_janssen_2000_whole_body_smm() -> None:
    # Janssen 2000 abstract: SM (kg) = [(Ht²/R × 0.401) + (gender × 3.825) + (age × −0.071)] + 5.102
    ht, r, age = 170.0, 500.0, 60
    man = ((ht**2 / r * 0.401) + (1 * 3.825) + (age * -0.071)) + 5.102
    woman = ((ht**2 / r * 0.401) + (0 * 3.825) + (age * -0.071)) + 5.102
    assert eq.janssen2000_smm(ht, r, "male", age) == pytest.approx(man, abs=1e-12)
    assert eq.janssen2000_smm(ht, r, "female", age) == pytest.approx(woman, abs=1e-12)
    assert man == pytest.approx(27.8448, abs=1e-9)  # 23.1778 + 3.825 - 4.26 + 5.102 by hand
    assert eq.equation("janssen2000_smm").scope == "whole_body"


def test_kyle_2003_appendicular_asm() -> None:
    # Kyle 2003 abstract: ASMM = −4.211 + (0.267 × ht²/R) + (0.095 × W) + (1.909 × sex) + (−0.012 × age)
    # + (0.058 × Xc); men = 1
    ht, r, xc, w, age = 175.0, 450.0, 55.0, 75.0, 40
    expected = -4.211 + 0.267 * ht**2 / r + 0.095 * w + 1.909 * 1 - 0.012 * age + 0.058 * xc
    assert eq.kyle2003_asm(ht, r, xc, w, "male", age) == pytest.approx(expected, abs=1e-12)
    assert round(expected, 2) == 25.70  # close to the paper's male DXA mean of 25.8 kg
    spec = eq.equation("kyle2003_asm")
    assert spec.scope == "appendicular" and spec.valid_age == (22, 94)


def test_lee_2000_whole_body_smm_model_1() -> None:
    # Lee 2000 abstract (model 1): SM = Ht × (0.00744 × CAG² + 0.00088 × CTG² + 0.00441 × CCG²)
    # + 2.4 × sex − 0.048 × age + race + 7.8; corrected girth = girth − π × skinfold
    ht, age = 1.70, 45
    cag = 30.0 - math.pi * 1.2   # arm girth 30 cm, triceps skinfold 12 mm
    ctg = 55.0 - math.pi * 1.8   # thigh 55 cm, front thigh skinfold 18 mm
    ccg = 37.0 - math.pi * 1.0   # calf 37 cm, medial calf skinfold 10 mm
    base = ht * (0.00744 * cag**2 + 0.00088 * ctg**2 + 0.00441 * ccg**2) - 0.048 * age + 7.8
    args = (ht, 30.0, 55.0, 37.0, 12.0, 18.0, 10.0)
    assert eq.lee2000_smm(*args, "male", age, "white") == pytest.approx(base + 2.4, abs=1e-12)
    assert eq.lee2000_smm(*args, "female", age, "asian") == pytest.approx(base - 2.0, abs=1e-12)
    assert eq.lee2000_smm(*args, "female", age, "african_american") == pytest.approx(base + 1.1, abs=1e-12)
    with pytest.raises(ValueError, match="race must be one of"):
        eq.lee2000_smm(*args, "female", age, "martian")


def test_mourtzakis_2008_whole_body_ffm_and_fm() -> None:
    # FFM (kg) = 0.30 × L3 skeletal muscle area (cm²) + 6.06; FM (kg) = 0.042 × L3 adipose area + 11.2
    assert eq.mourtzakis2008_ffm(140.0) == pytest.approx(0.30 * 140.0 + 6.06, abs=1e-12)
    assert eq.mourtzakis2008_fm(250.0) == pytest.approx(0.042 * 250.0 + 11.2, abs=1e-12)
    assert eq.equation("mourtzakis2008_ffm").scope == "whole_body"


def test_park_2021_lunar_to_hologic_alm() -> None:
    # men: Horizon ALM = 0.915 × Lunar Prodigy ALM + 0.322; women: 1.066 × Lunar ALM − 2.064
    assert eq.park2021_hologic_alm(24.8, "male") == pytest.approx(0.915 * 24.8 + 0.322, abs=1e-12)
    assert eq.park2021_hologic_alm(15.8, "female") == pytest.approx(1.066 * 15.8 - 2.064, abs=1e-12)
    # the paper's means: Lunar reads higher than Hologic in both sexes
    assert eq.park2021_hologic_alm(24.8, "male") < 24.8
    assert eq.park2021_hologic_alm(15.8, "female") < 15.8


def test_every_equation_says_what_it_estimates_and_for_whom() -> None:
    specs = eq.load_equations()
    assert set(specs) == {"janssen2000_smm", "kyle2003_asm", "lee2000_smm", "mourtzakis2008_ffm",
                          "mourtzakis2008_fm", "park2021_hologic_alm"}
    for spec in specs.values():
        text = spec.describe()
        assert spec.estimates in text and spec.population in text and spec.source.ref in text
        assert spec.scope in ("whole_body", "appendicular")


def test_sergi_2015_is_not_shipped_unverified() -> None:
    with pytest.raises(KnowledgeError, match="no equation 'sergi2015_asm'"):
        eq.equation("sergi2015_asm")


def test_bad_inputs_are_errors() -> None:
    with pytest.raises(ValueError, match="sex must be"):
        eq.janssen2000_smm(170, 500, "x", 40)
    with pytest.raises(ValueError, match="resistance_ohm must be positive"):
        eq.kyle2003_asm(170, 0, 50, 70, "male", 40)
