"""Published body-composition equations as named functions.

The coefficients are clinical numbers and live, cited, in ``knowledge/equations.yaml``; this
module only applies them. Each function says what it estimates (whole-body or appendicular, and
against which reference method) and for whom it was developed, because an estimate is a
different quantity from the measurement it imitates: a whole-body muscle mass is never compared
with a cut-off made for appendicular mass, and a trace that uses an estimate says so
(:func:`estimate_note`).
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import KnowledgeError
from .yamlio import load_yaml

Sex = Literal["male", "female"]
_SEX_CODE = {"male": 1.0, "female": 0.0}  # every equation here codes men = 1, women = 0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EquationSource(_Strict):
    ref: str
    locator: str


class EquationSpec(_Strict):
    """One published equation. Unknown keys are errors; the citation is required."""

    title: str
    estimates: str
    scope: Literal["whole_body", "appendicular"]
    method: str
    population: str
    source: EquationSource
    status: str
    inputs: dict[str, dict[str, str]]
    feeds: list[str] = Field(default_factory=list)  # derived measures computed with it
    valid_age: tuple[float, float] | None = None
    coefficients: dict[str, float] | None = None
    coefficients_by_sex: dict[str, dict[str, float]] | None = None
    race_terms: dict[str, float] | None = None

    @model_validator(mode="after")
    def _has_coefficients(self) -> EquationSpec:
        if (self.coefficients is None) == (self.coefficients_by_sex is None):
            raise ValueError("give exactly one of coefficients or coefficients_by_sex")
        return self

    def describe(self) -> str:
        """'Estimates ...; scope ...; for ...; source ...' — what a reader needs before using it."""
        return (f"{self.title}: estimates {self.estimates} ({self.scope.replace('_', '-')}); "
                f"method {self.method}; developed in {self.population}; "
                f"source {self.source.ref}, {self.source.locator}; status: {self.status}")


class EquationsFile(_Strict):
    version: str
    equations: dict[str, EquationSpec]


@cache
def load_equations() -> dict[str, EquationSpec]:
    """The equations of ``knowledge/equations.yaml`` (cached: knowledge is immutable at run time)."""
    text = resources.files("myoscope.knowledge").joinpath("equations.yaml").read_text("utf-8")
    try:
        return EquationsFile.model_validate(load_yaml(text)).equations
    except ValidationError as exc:
        raise KnowledgeError(f"equations.yaml: {exc}") from exc


def equation(equation_id: str) -> EquationSpec:
    try:
        return load_equations()[equation_id]
    except KeyError:
        raise KnowledgeError(f"equations.yaml has no equation {equation_id!r}") from None


def _c(equation_id: str) -> dict[str, float]:
    coefficients = equation(equation_id).coefficients
    assert coefficients is not None
    return coefficients


def _sex(sex: str) -> float:
    try:
        return _SEX_CODE[sex]
    except KeyError:
        raise ValueError(f"sex must be 'male' or 'female', got {sex!r}") from None


def _positive(**values: float) -> None:
    for name, v in values.items():
        if not v > 0:
            raise ValueError(f"{name} must be positive, got {v!r}")


def janssen2000_smm(height_cm: float, resistance_ohm: float, sex: str, age: float) -> float:
    """Whole-body skeletal muscle mass (kg) from BIA resistance — NOT appendicular mass.

    Janssen 2000 (MRI reference), healthy adults of varied age and adiposity; underestimates
    skeletal muscle in Asian adults.
    """
    _positive(height_cm=height_cm, resistance_ohm=resistance_ohm)
    c = _c("janssen2000_smm")
    return ((height_cm * height_cm) / resistance_ohm * c["ht2_r"] + _sex(sex) * c["sex"] + age * c["age"]
            + c["intercept"])


def kyle2003_asm(height_cm: float, resistance_ohm: float, reactance_ohm: float, weight_kg: float,
                 sex: str, age: float) -> float:
    """Appendicular skeletal muscle mass (kg) from BIA resistance and reactance at 50 kHz.

    Kyle 2003 (DXA reference), adults aged 22-94 years.
    """
    _positive(height_cm=height_cm, resistance_ohm=resistance_ohm, weight_kg=weight_kg)
    c = _c("kyle2003_asm")
    return (c["intercept"] + c["ht2_r"] * (height_cm * height_cm) / resistance_ohm + c["weight"] * weight_kg
            + c["sex"] * _sex(sex) + c["age"] * age + c["reactance"] * reactance_ohm)


def lee2000_smm(height_m: float, arm_girth_cm: float, thigh_girth_cm: float, calf_girth_cm: float,
                triceps_skinfold_mm: float, thigh_skinfold_mm: float, calf_skinfold_mm: float,
                sex: str, age: float, race: str) -> float:
    """Whole-body skeletal muscle mass (kg) from anthropometry (Lee 2000 model 1) — NOT appendicular.

    Girths are corrected for the skinfold over them (girth − π × skinfold, in cm). Developed in
    nonobese adults (BMI < 30, MRI reference); ``race`` is asian, african_american, white or hispanic.
    """
    _positive(height_m=height_m)
    spec = equation("lee2000_smm")
    c = _c("lee2000_smm")
    terms = spec.race_terms or {}
    if race not in terms:
        raise ValueError(f"race must be one of {', '.join(terms)}, got {race!r}")

    def corrected(girth_cm: float, skinfold_mm: float) -> float:
        return girth_cm - math.pi * skinfold_mm / 10

    cag = corrected(arm_girth_cm, triceps_skinfold_mm)
    ctg = corrected(thigh_girth_cm, thigh_skinfold_mm)
    ccg = corrected(calf_girth_cm, calf_skinfold_mm)
    return (height_m * (c["cag"] * cag**2 + c["ctg"] * ctg**2 + c["ccg"] * ccg**2)
            + c["sex"] * _sex(sex) + c["age"] * age + terms[race] + c["intercept"])


def mourtzakis2008_ffm(l3_muscle_area_cm2: float) -> float:
    """Whole-body fat-free mass (kg) from the CT skeletal muscle area at L3 (adults with cancer)."""
    c = _c("mourtzakis2008_ffm")
    return c["slope"] * l3_muscle_area_cm2 + c["intercept"]


def mourtzakis2008_fm(l3_adipose_area_cm2: float) -> float:
    """Whole-body fat mass (kg) from the CT total adipose tissue area at L3 (adults with cancer)."""
    c = _c("mourtzakis2008_fm")
    return c["slope"] * l3_adipose_area_cm2 + c["intercept"]


def park2021_hologic_alm(alm_lunar_kg: float, sex: str) -> float:
    """Appendicular lean mass (kg) as a Hologic Horizon would read it, from a GE Lunar Prodigy value.

    Park 2021: 40 healthy Korean adults aged 23-71; a device conversion, not a new measurement.
    """
    _sex(sex)
    by_sex = equation("park2021_hologic_alm").coefficients_by_sex
    assert by_sex is not None
    c = by_sex[sex]
    return c["slope"] * alm_lunar_kg + c["intercept"]


def in_validated_age(equation_id: str, age: float | None) -> bool:
    """False when the equation names the ages it was developed in and ``age`` is outside them."""
    span = equation(equation_id).valid_age
    if span is None:
        return True
    return age is not None and span[0] <= age <= span[1]


@cache
def estimate_notes() -> dict[str, str]:
    """Derived measure -> sentence saying it is an estimate, of what, by which equation, for whom."""
    out: dict[str, str] = {}
    for spec in load_equations().values():
        for measure in spec.feeds:
            out[measure] = (f"{measure} is an estimate ({spec.scope.replace('_', '-')}): {spec.estimates}, "
                            f"by the equation '{spec.title}'; developed in {spec.population}")
    return out


def estimate_note(measure: str) -> str | None:
    """The estimate note for ``measure``, or None if it is measured rather than estimated."""
    return estimate_notes().get(measure)


def describe_all() -> list[dict[str, Any]]:
    """Every equation as a plain dict (for docs and the assessment's JSON)."""
    return [{"id": k, **v.model_dump()} for k, v in load_equations().items()]


__all__ = [
    "EquationSpec",
    "describe_all",
    "equation",
    "estimate_note",
    "estimate_notes",
    "in_validated_age",
    "janssen2000_smm",
    "kyle2003_asm",
    "lee2000_smm",
    "load_equations",
    "mourtzakis2008_ffm",
    "mourtzakis2008_fm",
    "park2021_hologic_alm",
]
