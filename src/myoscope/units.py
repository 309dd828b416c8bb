"""Exact unit conversion.

Every factor here is exact by definition, not a measurement: the international yard and pound
(1959: 1 yd = 0.9144 m, 1 lb = 0.45359237 kg), standard gravity (kgf = 9.80665 N, CGPM 1901) and
the thermochemical calorie (4.184 J). A hand-written table gives bit-identical results in the
per-record and cohort paths, which a general units library does not (see dependencies.md §4).

Heights and weights are also written in two units, the larger first: ``5 ft 4 in`` (``5'4"``)
and ``11 st 4 lb`` (the stone, 14 lb). :data:`COMPOUNDS` holds how many of the smaller unit make
one of the larger (12 in = 1 ft, 14 lb = 1 st, both by definition); :func:`read_compound` reads
such a text into the canonical unit through the smaller one (5 ft 4 in is exactly 64 in).

Grip dynamometers read kilogram-force; clinical cut-offs are written "kg" and mean kgf. A grip
in pounds (lb or lbf) therefore converts with the pound-mass factor, and newtons with 1/g.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

from .errors import UnknownUnitError, quote

_LB = 0.45359237
_IN_CM = 2.54
_FT_M = 0.3048
_FT_IN = 12  # 1 ft = 12 in
_ST_LB = 14  # 1 st (stone) = 14 lb

#: dimension -> canonical unit -> {accepted unit: factor that multiplies into the canonical unit}
#: A quantity written as text: a number, then an optional unit (``150 lb``, ``1.62m``). One
#: pattern for a record's text quantities and a table cell's (cohort), so both read alike.
QUANTITY_TEXT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")

FACTORS: dict[str, dict[str, float]] = {
    "mass": {"kg": 1.0, "g": 0.001, "lb": _LB, "lbs": _LB},
    "force": {"kg": 1.0, "kgf": 1.0, "lb": _LB, "lbs": _LB, "lbf": _LB, "N": 1 / 9.80665},
    "length_cm": {"cm": 1.0, "mm": 0.1, "m": 100.0, "in": _IN_CM, "ft": _FT_M * 100},
    "length_m": {"m": 1.0, "cm": 0.01, "km": 1000.0, "ft": _FT_M, "yd": 0.9144, "in": 0.0254},
    "time": {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0},
    "speed": {"m/s": 1.0, "cm/s": 0.01, "km/h": 1 / 3.6, "ft/s": _FT_M, "mph": 1609.344 / 3600},
    "area_cm2": {"cm2": 1.0, "cm²": 1.0, "mm2": 0.01, "mm²": 0.01},
    "energy_week": {"kcal/week": 1.0, "kJ/week": 1 / 4.184},
    "days": {"days": 1.0, "d": 1.0, "weeks": 7.0, "wk": 7.0},
    "months": {"months": 1.0, "mo": 1.0, "years": 12.0, "y": 12.0},
    "years": {"years": 1.0, "y": 1.0},
    "g_dl": {"g/dL": 1.0, "g/L": 0.1},
    "mg_l": {"mg/L": 1.0, "mg/dL": 10.0},
    "pg_ml": {"pg/mL": 1.0, "ng/L": 1.0},
    # enzyme activity (CK): 1 U = 1 µmol/min, so 1 µkat/L = 60 U/L exactly
    "u_l": {"U/L": 1.0, "IU/L": 1.0, "µkat/L": 60.0, "ukat/L": 60.0},
    # TSH: 1 mIU/L = 1 µIU/mL by definition of the litre
    "miu_l": {"mIU/L": 1.0, "µIU/mL": 1.0, "uIU/mL": 1.0, "mU/L": 1.0},
    "percent": {"%": 1.0},
    "points": {"points": 1.0},
    "ohm": {"ohm": 1.0, "Ω": 1.0},
    "hu": {"HU": 1.0},
    "kg_m2": {"kg/m2": 1.0, "kg/m²": 1.0},
    "cm2_m2": {"cm2/m2": 1.0, "cm²/m²": 1.0},
    "ratio": {"ratio": 1.0},
}

#: UCUM codes (unitsofmeasure.org, as FHIR Quantity.code carries them) -> the unit names above.
#: Only units whose factor the table already holds exactly; an unlisted UCUM code is refused by
#: :func:`from_ucum` rather than guessed. ``[lb_av]`` is the avoirdupois pound (0.45359237 kg) and
#: ``[lbf_av]`` its force (LOINC's grip codes use it), ``[in_i]``/``[ft_i]`` the international
#: inch and foot; ``{score}`` and ``1`` are points of a scale.
UCUM: dict[str, str] = {
    "kg": "kg", "g": "g", "[lb_av]": "lb", "[lbf_av]": "lbf", "kgf": "kgf", "N": "N",
    "cm": "cm", "mm": "mm", "m": "m", "km": "km", "[in_i]": "in", "[ft_i]": "ft", "[yd_i]": "yd",
    "s": "s", "ms": "ms", "min": "min", "h": "h",
    "m/s": "m/s", "cm/s": "cm/s", "km/h": "km/h", "[ft_i]/s": "ft/s", "[mi_i]/h": "mph",
    "cm2": "cm2", "mm2": "mm2", "kg/m2": "kg/m2", "cm2/m2": "cm2/m2",
    "g/dL": "g/dL", "g/L": "g/L", "mg/L": "mg/L", "mg/dL": "mg/dL", "pg/mL": "pg/mL", "ng/L": "ng/L",
    "U/L": "U/L", "[iU]/L": "IU/L", "ukat/L": "ukat/L", "m[IU]/L": "mIU/L", "u[IU]/mL": "uIU/mL",
    "%": "%", "{score}": "points", "1": "points", "Ohm": "ohm", "[hnsf'U]": "HU",
    "d": "days", "wk": "weeks", "mo": "months", "a": "years", "kcal/wk": "kcal/week",
}


def from_ucum(code: str) -> str:
    """The unit name of this module for a UCUM code (``[lb_av]`` -> ``lb``).

    A code that is not UCUM but is already one of this module's names (``lb``, ``in``: common in
    exported data) is returned as it is; the caller's :func:`to_canonical` then checks it.

    :raises UnknownUnitError: for a UCUM-looking code (brackets or braces) this table lacks.
    """
    if code in UCUM:
        return UCUM[code]
    if any(c in code for c in "[]{}"):
        raise UnknownUnitError(f"unknown UCUM unit {quote(code)}")
    return code


#: Converted values are rounded to this many decimals so that exact factors do not leave
#: binary noise (70 in -> 177.8 cm, not 177.79999999999998).
CONVERSION_DECIMALS = 9


def canonical_unit(dimension: str) -> str:
    """The canonical unit of a dimension: the first unit listed, whose factor is 1."""
    return next(iter(FACTORS[dimension]))


def accepted_units(dimension: str) -> list[str]:
    return list(FACTORS[dimension])


def to_canonical(value: float, unit: str, dimension: str) -> float:
    """Convert ``value`` in ``unit`` to the canonical unit of ``dimension``.

    :raises UnknownUnitError: when ``unit`` is not accepted for the dimension.
    """
    table = FACTORS[dimension]
    factor = table.get(unit)
    if factor is None:
        factor = _case_insensitive(table, unit)
    if factor is None:
        near = difflib.get_close_matches(unit, accepted_units(dimension), n=1, cutoff=0.6)
        hint = f"did you mean {near[0]}? " if near else ""
        raise UnknownUnitError(
            f"unknown unit {quote(unit)} ({hint}accepted: {', '.join(accepted_units(dimension))})"
        )
    if factor == 1.0:
        return float(value)
    return round(float(value) * factor, CONVERSION_DECIMALS)


def from_canonical(value: float, unit: str, dimension: str) -> float:
    """Inverse of :func:`to_canonical` (used for display and round-trip tests)."""
    factor = FACTORS[dimension].get(unit) or _case_insensitive(FACTORS[dimension], unit)
    if factor is None:
        raise UnknownUnitError(f"unknown unit {quote(unit)}")
    return float(value) / factor


@dataclass(frozen=True)
class Compound:
    """A quantity written in two units, the larger first (``5 ft 4 in``, ``11 st 4 lb``).

    The smaller part may be left out (``11 st``) or written without its unit (``5 ft 4``). The
    larger part alone is read here only where it is no unit of its own: ``5 ft`` stays the single
    unit ft (as before), ``5'`` and ``11 st`` are read as this compound."""

    #: the unit a record keeps as entered and the converted cells are counted under
    name: str
    #: spellings of the larger unit, lower case (``ft``, ``'``, ``′``)
    larger: tuple[str, ...]
    #: spellings of the smaller unit, lower case; the first is the unit of :data:`FACTORS` that
    #: converts the total
    smaller: tuple[str, ...]
    #: how many of the smaller unit make one of the larger: a definition (12 in = 1 ft)
    per: int
    #: the dimensions it is accepted in
    dimensions: tuple[str, ...]
    #: how a message names the two parts (``feet``, ``inches``)
    words: tuple[str, str]

    @property
    def unit(self) -> str:
        """The unit of :data:`FACTORS` the total is converted from (``in``, ``lb``)."""
        return self.smaller[0]


#: Compounds by name. Feet and inches wherever a length accepts both units (height, calf
#: circumference, a gait distance); stone and pounds for masses only (stone is no unit of a
#: grip's force). The prime marks are read only here, as they are written in heights: ``5'4"``,
#: ``5′4″``, and with a word processor's quotes ``5’4”``.
COMPOUNDS: dict[str, Compound] = {
    c.name: c
    for c in (
        Compound(
            "ft+in",
            ("ft", "'", "′", "’"),
            ("in", '"', "″", "”", "''"),
            _FT_IN,
            tuple(d for d, table in FACTORS.items() if "ft" in table and "in" in table),
            ("feet", "inches"),
        ),
        Compound("st+lb", ("st",), ("lb", "lbs"), _ST_LB, ("mass",), ("stone", "pounds")),
    )
}

#: Two numbers, each followed by its unit (the second unit may be left out), or one number and a
#: unit; ASCII digits, no exponent, a sign only in front. Matched against the stripped text.
COMPOUND_TEXT = re.compile(
    r"^([-+]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([^\s0-9.+-]+)"
    r"(?:\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([^\s0-9.+-]*))?$"
)


@dataclass(frozen=True)
class CompoundReading:
    """A compound quantity read from a text, or why it is refused."""

    #: the text as written, blanks around it removed: what a message shows
    text: str
    #: the compound's name (``ft+in``)
    unit: str
    #: in the canonical unit of the dimension; None when refused
    value: float | None
    #: why it is refused (``5 ft 13 in: inches must be below 12``); None when read
    problem: str | None = None


def read_compound(text: str, dimension: str) -> CompoundReading | None:
    """Read a quantity written in two units (``5 ft 4 in``, ``5'4"``, ``11 st 4 lb``, ``11 st``).

    None when ``text`` is no compound of ``dimension``: a single unit (``5.9 ft``) or anything
    else is read as before, by :data:`QUANTITY_TEXT` and :func:`to_canonical`. A compound written
    wrongly is refused with the reason: the smaller unit first, a larger part that is not whole
    beside a smaller one, or a smaller part of a whole larger unit or more (``5 ft 13 in``).

    The value is the total in the smaller unit converted by :func:`to_canonical`, so that
    ``5 ft 4 in`` gives exactly what ``64 in`` gives. Every engine calls this one function."""
    shown = text.strip()
    m = COMPOUND_TEXT.match(shown)
    if m is None:
        return None
    sign, big, first, small, second = m.groups()
    first, second = first.lower(), (second or "").lower()
    for c in COMPOUNDS.values():
        if dimension not in c.dimensions:
            continue
        if small is not None and first in c.smaller and second in c.larger:
            return CompoundReading(shown, c.name, None, f"{shown}: write {c.words[0]} before {c.words[1]}")
        if first not in c.larger or (small is not None and second not in ("", *c.smaller)):
            continue
        if small is None and _case_insensitive(FACTORS[dimension], first) is not None:
            return None  # "5 ft": the single unit
        larger, smaller = float(big), float(small or 0)
        if small is not None and not larger.is_integer():
            return CompoundReading(shown, c.name, None, f"{shown}: {c.words[0]} must be a whole number")
        if smaller >= c.per:
            return CompoundReading(shown, c.name, None, f"{shown}: {c.words[1]} must be below {c.per}")
        total = larger * c.per + smaller
        value = to_canonical(-total if sign == "-" else total, c.unit, dimension)
        if not math.isfinite(value):
            return CompoundReading(shown, c.name, None, f"expected a finite number, got {quote(shown)}")
        return CompoundReading(shown, c.name, value)
    return None


def compound_named(unit: str) -> Compound | None:
    """The compound a record keeps as its entered unit (``ft+in``), or None for a single unit."""
    return COMPOUNDS.get(unit)


def _case_insensitive(table: dict[str, float], unit: str) -> float | None:
    # "KG", "Kg" and "LB" are common in exported spreadsheets; "N" vs "n" never collides.
    for name, factor in table.items():
        if name.lower() == unit.lower():
            return factor
    return None
