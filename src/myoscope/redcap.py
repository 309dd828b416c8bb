"""REDCap data dictionaries: the one reader of a project's dictionary, for every face that reads
REDCap exports (``import-measures --format redcap``, ``import``, ``cohort --map redcap:DICT.csv``).

A REDCap CSV export names its columns by the project's field names and holds raw codes for coded
answers; the data dictionary (Project Setup > Data Dictionary, a CSV whose columns are
``Variable / Field Name, Form Name, Section Header, Field Type, Field Label, Choices,
Calculations, OR Slider Labels, Field Note, Text Validation Type OR Show Slider Number, Text
Validation Min, Text Validation Max, Identifier?, ...``) says what each field is. This module
reads it once (:func:`read_dictionary`) and, from it, plans which field fills which record field
(:func:`plan_fields`), so that the import and the cohort engine read a dictionary alike:

- a field fills the record field of its name (``grip_strength``), or of its name less a unit
  suffix (``height_cm``, ``weight_kg``, ``gait_speed_ms`` for m/s);
- a quantity's unit is read from the Field Note (``kg``, ``in cm``), the end of the Field Label
  (``Grip strength (kg)``) and the name's suffix; they must agree, and a quantity with none is
  an error unless the catalog accepts a single unit for it (``%``, ``HU``). Never assumed;
- the validation range (Text Validation Min/Max), converted with that unit, must overlap the
  catalog's plausible range: a height in "cm" validated 1.2 to 2.2 is a unit mix-up;
- coded answers (radio, dropdown, yes/no, true/false) become their labels, which the record
  contract reads (``Female``; ``Yes``/``No``).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputFileError, UnknownUnitError
from .inputs import decode, read_bytes
from .measures import Catalog, Measure
from .units import to_canonical

#: the columns of a data dictionary as REDCap writes them (the first ten are the ones read)
COLUMNS = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?", "Custom Alignment",
    "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?", "Field Annotation",
)
NAME, FORM, _SECTION, TYPE, LABEL, CHOICES, NOTE, VALIDATION, VMIN, VMAX = COLUMNS[:10]
REQUIRED = (NAME, FORM, TYPE, LABEL)
#: columns an export adds that are not fields of the dictionary
EXPORT_COLUMNS = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
                  "redcap_data_access_group", "redcap_survey_identifier")
_CODED = ("radio", "dropdown")
_FIXED_CHOICES = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}
NOT_A_FIELD = "not a record field (name it as the catalog does: grip_strength, height_cm)"
#: record kinds a dictionary field can fill as one column
_FLAT_KINDS = ("quantity", "enum", "bool", "date", "text")


@dataclass(frozen=True)
class DictField:
    name: str
    form: str
    type: str
    label: str
    choices: dict[str, str]
    note: str
    validation: str
    vmin: str
    vmax: str

    @property
    def export_columns(self) -> list[str]:
        """The export's column names: a checkbox is one column per choice (``name___code``)."""
        if self.type == "checkbox":
            return [f"{self.name}___{code}" for code in self.choices]
        return [] if self.type == "descriptive" else [self.name]


@dataclass(frozen=True)
class Dictionary:
    path: str
    fields: dict[str, DictField]

    @property
    def record_id(self) -> str:
        """REDCap's record id is the first field of the dictionary."""
        return next(iter(self.fields))

    def choices(self) -> dict[str, dict[str, str]]:
        """Code -> label of every coded field (what a raw export holds -> what it means)."""
        return {n: dict(f.choices) for n, f in self.fields.items() if f.choices and f.type != "checkbox"}

    def has_column(self, name: str) -> bool:
        return name in EXPORT_COLUMNS or any(name in f.export_columns for f in self.fields.values()) \
            or (name.endswith("_complete") and any(f.form == name[: -len("_complete")]
                                                   for f in self.fields.values()))


def read_dictionary(path: str | Path) -> Dictionary:
    """A REDCap data dictionary CSV. :raises InputFileError: naming the missing columns (with the
    columns found), duplicate field names and choices that cannot be read, all at once."""
    p = Path(path)
    text = decode(read_bytes(p), str(p))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputFileError(
            f"{p}: not a REDCap data dictionary: no column(s) {', '.join(repr(c) for c in missing)} "
            f"(found: {', '.join(header) or 'nothing'})"
        )
    reader.fieldnames = header
    fields: dict[str, DictField] = {}
    problems: list[str] = []
    for n, row in enumerate(reader, start=2):
        def cell(col: str, row: dict[str, Any] = row) -> str:
            return str(row.get(col) or "").strip()

        name, kind = cell(NAME), cell(TYPE).lower()
        if not name:
            continue
        if name in fields:
            problems.append(f"line {n}: field {name} is listed twice")
            continue
        choices: dict[str, str] = dict(_FIXED_CHOICES.get(kind, {}))
        if kind in (*_CODED, "checkbox"):
            for part in cell(CHOICES).split("|"):
                code, comma, label = part.partition(",")
                if not part.strip():
                    continue
                if not comma or not code.strip():
                    problems.append(f"line {n}: field {name}: choice {part.strip()!r} is not 'code, label'")
                    continue
                choices[code.strip()] = label.strip()
        fields[name] = DictField(name, cell(FORM), kind, cell(LABEL), choices, cell(NOTE),
                                 cell(VALIDATION).lower(), cell(VMIN), cell(VMAX))
    if problems:
        raise InputFileError(f"{p}: " + "; ".join(problems))
    if not fields:
        raise InputFileError(f"{p}: the data dictionary lists no field")
    return Dictionary(str(p), fields)


# --- which field fills which record field ------------------------------------------------------


@dataclass(frozen=True)
class FieldPlan:
    """One dictionary field read into one record field, with its unit and where the unit was read."""

    measure: str
    column: str  # the field's name, the export's column
    unit: str | None = None
    unit_from: str = ""
    codes: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    """What a dictionary maps: ``fields`` by record field; ``not_mapped`` field -> why;
    ``problems``: every reason the dictionary cannot be read honestly (a quantity without a unit,
    units that disagree, a validation range in another unit)."""

    record_id: str
    fields: dict[str, FieldPlan] = field(default_factory=dict)
    not_mapped: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _suffix(unit: str) -> str:
    """A unit as it can end a field name: 'm/s' -> 'ms', 'cm2' -> 'cm2', 'kg/m2' -> 'kgm2'."""
    return re.sub(r"[^a-z0-9]", "", unit.lower().replace("²", "2"))


def match_measure(name: str, cat: Catalog) -> tuple[Measure, str | None] | None:
    """The record field a field name stands for, and the unit its suffix names (if any)."""
    low = name.lower()
    m = cat.measures.get(low)
    if m is not None and m.kind in _FLAT_KINDS:
        return m, None
    stem, _, tail = low.rpartition("_")
    m = cat.measures.get(stem) if stem else None
    if m is not None and m.kind == "quantity":
        for unit in m.accepted_units():
            if _suffix(unit) == tail:
                return m, unit
    return None


def _units_in(text: str, m: Measure) -> list[str]:
    """The accepted units of ``m`` that ``text`` names as words ('in kg' -> ['kg']).

    Words are split at spaces and brackets only, so "patient's" is not read as seconds; "in"
    counts as inches only when no other unit is named ("height in cm" is centimetres)."""
    out: list[str] = []
    for token in re.split(r"[\s,;:()\[\]]+", text):
        token = token.strip(".")
        for unit in m.accepted_units():
            if (token == unit or (token.lower() == unit.lower() and len(unit) > 1)) and unit not in out:
                out.append(unit)
    return [u for u in out if u != "in"] if len(out) > 1 and "in" in out else out


def _label_unit(label: str, m: Measure) -> list[str]:
    found = re.search(r"\(([^()]*)\)\s*$", label)
    return _units_in(found.group(1), m) if found else []


def plan_fields(d: Dictionary, cat: Catalog) -> Plan:
    """Which field fills which record field (see the module docstring); never raises."""
    plan = Plan(d.record_id)
    for f in d.fields.values():
        if f.name == d.record_id or f.type == "descriptive":
            continue
        if f.type == "checkbox":
            plan.not_mapped[f.name] = ("a checkbox is exported as one column per choice (name___code); "
                                       "map it with a mapping file")
            continue
        hit = match_measure(f.name, cat)
        if hit is None:
            plan.not_mapped[f.name] = NOT_A_FIELD
            continue
        m, name_unit = hit
        if m.id in plan.fields:
            plan.problems.append(f"{f.name}: {m.id} is already read from {plan.fields[m.id].column}")
            continue
        if m.kind == "quantity":
            _plan_quantity(f, m, name_unit, plan)
        elif m.kind == "date" and f.validation and not f.validation.startswith("date"):
            plan.problems.append(f"{f.name}: {m.id} is a date, but the field is validated as {f.validation}")
        else:
            plan.fields[m.id] = FieldPlan(m.id, f.name, codes=dict(f.choices))
    return plan


def _plan_quantity(f: DictField, m: Measure, name_unit: str | None, plan: Plan) -> None:
    said = {"Field Note": _units_in(f.note, m), "Field Label": _label_unit(f.label, m),
            "field name": [name_unit] if name_unit else []}
    for where, units in said.items():
        if len(units) > 1:
            plan.problems.append(f"{f.name}: the {where} names several units ({', '.join(units)})")
            return
    found = {where: units[0] for where, units in said.items() if units}
    if len(set(found.values())) > 1:
        shown = ", ".join(f"{u} in the {w}" for w, u in found.items())
        plan.problems.append(f"{f.name}: the units disagree ({shown})")
        return
    if found:
        unit, unit_from = next(iter(found.values())), ", ".join(found)
    elif len(m.accepted_units()) == 1:
        unit, unit_from = m.accepted_units()[0], "the only unit of " + m.id
    else:
        plan.problems.append(
            f"{f.name}: {m.id} has no unit: write it in the Field Note (one of "
            f"{', '.join(m.accepted_units())})"
        )
        return
    if f.type in _CODED or f.type in _FIXED_CHOICES:
        plan.problems.append(f"{f.name}: {m.id} is a quantity, but the field is {f.type}")
        return
    problem = _range_problem(f, m, unit)
    if problem:
        plan.problems.append(problem)
        return
    plan.fields[m.id] = FieldPlan(m.id, f.name, unit, unit_from)


def _range_problem(f: DictField, m: Measure, unit: str) -> str | None:
    """A validation range that lies wholly outside the plausible range, once converted: the
    dictionary's unit is not the one its numbers were written in."""
    if m.range is None or m.dimension is None:
        return None
    try:
        lo = to_canonical(float(f.vmin), unit, m.dimension) if f.vmin else None
        hi = to_canonical(float(f.vmax), unit, m.dimension) if f.vmax else None
    except (ValueError, UnknownUnitError):
        return None  # not a number (REDCap also allows 'today' for dates): nothing to compare
    plo, phi = m.range
    if (hi is not None and hi < plo) or (lo is not None and lo > phi):
        shown = f"{f.vmin or '…'} to {f.vmax or '…'} {unit}"
        return (f"{f.name}: the validation range {shown} lies outside the plausible "
                f"{m.describe_range()}: is the unit right?")
    return None


__all__ = ["COLUMNS", "DictField", "Dictionary", "FieldPlan", "Plan", "match_measure", "plan_fields",
           "read_dictionary"]
