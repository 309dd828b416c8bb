"""A validated record: one person at one time (DESIGN §5).

Parsing collects every problem before raising, so that a user fixes a file once, and applies
nothing until the whole record is valid. Quantities arrive as a number in the canonical unit,
``{"value": 154, "unit": "lb"}`` or ``"154 lb"``; they leave in canonical units only.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from . import units
from .errors import N_, QUOTE_LIMIT, Problem, RecordValidationError, UnknownUnitError, quote
from .inputs import iter_records, unusable_values
from .measures import Catalog, Measure, load_catalog

#: a catalogue message (``N_``): the self-check shows parser problems in the reader's language
NOT_A_NUMBER = N_("expected a number in {unit}, got {value}")

_CONDITION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: a number written with a comma: a decimal comma or a thousands separator
_COMMA_NUMBER = re.compile(r"\s*[-+]?\d+,\d")


@dataclass
class Record:
    """Canonical values of one record, plus what was entered and the warnings raised."""

    values: dict[str, Any]
    entered_units: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    source: str | None = None

    def get(self, measure_id: str) -> Any:
        return self.values.get(measure_id)

    @property
    def id(self) -> str | None:
        v = self.values.get("id")
        return None if v is None else str(v)

    def entered(self, measure_id: str, catalog: Catalog | None = None) -> tuple[float, str] | None:
        """The number and unit a quantity was entered in (``80, "lb"``), when that unit is not
        the canonical one the value is held in; None otherwise (or when nothing was entered).

        The number is the canonical value converted back with the same exact factor, to ten
        significant digits: what was typed, without the conversion's binary noise. A quantity
        entered in two units (``5 ft 4 in``, ``11 st 4 lb``) is given in the smaller one
        (``64, "in"``; ``158, "lb"``): one number and one unit, as every caller shows it."""
        unit = self.entered_units.get(measure_id)
        value = self.values.get(measure_id)
        if not unit or isinstance(value, bool) or not isinstance(value, int | float):
            return None
        m = (catalog or load_catalog()).measures.get(measure_id)
        if m is None or m.dimension is None or unit == m.unit:
            return None
        compound = units.compound_named(unit)
        if compound is not None:  # "5 ft 4 in" is shown as its total in the smaller unit: 64 in
            unit = compound.unit
        try:
            if units.to_canonical(1.0, unit, m.dimension) == 1.0:
                return None  # "KG", "kgf": the canonical unit under another spelling
            back = units.from_canonical(float(value), unit, m.dimension)
        except UnknownUnitError:  # pragma: no cover - parse_record accepted the unit
            return None
        return float(f"{back:.10g}"), unit

    def to_dict(self) -> dict[str, Any]:
        return dict(self.values)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | None = None) -> Record:
        return parse_record(data, source=source)


def parse_record(
    data: Mapping[str, Any], source: str | None = None, catalog: Catalog | None = None
) -> Record:
    """Validate ``data`` and return a :class:`Record` in canonical units.

    :raises RecordValidationError: naming every bad field at once.
    """
    cat = catalog or load_catalog()
    if not isinstance(data, Mapping):
        raise RecordValidationError(
            [Problem("(record)", f"expected an object of fields, got {type(data).__name__}")],
            source,
        )
    # NaN, infinities, huge integers, deep nesting: no field validator can use them. Their fields
    # are left out and the others validated, so that every bad field is named at once
    problems: list[Problem] = unusable_values(data)
    if any(p.path == "(record)" for p in problems):
        raise RecordValidationError(problems, source)
    # a problem's path starts with its top-level key (which may itself hold a dot: UK Biobank's
    # "31-0.0"), so keys are matched whole rather than split out of the paths
    unusable = {str(k) for k in data if any(p.path == str(k) or p.path.startswith((f"{k}.", f"{k}["))
                                            for p in problems)}
    warnings: list[Problem] = []
    values: dict[str, Any] = {}
    entered: dict[str, str] = {}

    for key, raw in data.items():
        if str(key) in unusable:
            continue
        measure = cat.measures.get(str(key))
        if measure is None:
            problems.append(Problem(str(key)[:80], unknown_field(str(key), cat)))
            continue
        if raw is None:
            continue  # missing is unknown, never a default
        parser = _PARSERS[measure.kind]
        parser(measure, raw, cat, values, entered, problems, warnings)

    for m in cat.measures.values():
        if m.required and values.get(m.id) is None and not _has_problem(problems, m.id):
            problems.append(Problem(m.id, f"required ({' or '.join(m.values)})"))

    if values.get("asm") is not None and values.get("asm_method") is None \
            and not _has_problem(problems, "asm_method"):
        # every muscle-mass cut-off names the method it was derived for (DESIGN §7)
        problems.append(Problem("asm_method", "required when asm is given (dxa or bia)"))
    _check_mrc_sum(values, cat, problems)
    if values.get("provenance"):
        from .provenance import check_against

        check_against(values, problems)
    _finish_dates(values, problems, cat)
    if problems:
        raise RecordValidationError(_sorted(problems, data), source)
    return Record(values=values, entered_units=entered, warnings=warnings, source=source)


def unknown_field(key: str, cat: Catalog) -> str:
    """'unknown field', with the likely intended one: names are lower-case, and typos happen."""
    if key.lower() in cat.measures:
        return f"unknown field (field names are lower-case: {key.lower()})"
    near = difflib.get_close_matches(key.lower(), list(cat.measures), n=1, cutoff=0.75)
    return f"unknown field (did you mean {near[0]}?)" if near else "unknown field"


def _sorted(problems: list[Problem], data: Mapping[str, Any]) -> list[Problem]:
    # Report in the order the fields appear in the input, then missing required fields.
    order = {str(k): i for i, k in enumerate(data)}
    return sorted(problems, key=lambda p: order.get(p.path.split("[")[0].split(".")[0], len(order)))


def _has_problem(problems: list[Problem], path: str) -> bool:
    return any(p.path == path for p in problems)


def _check_mrc_sum(values: dict[str, Any], cat: Catalog, problems: list[Problem]) -> None:
    """An MRC sum score given together with all twelve grades must equal their sum."""
    grades = cat.derived["mrc_sum_score"].inputs if "mrc_sum_score" in cat.derived else ()
    given = values.get("mrc_sum_score")
    if given is None or not grades or any(values.get(g) is None for g in grades):
        return
    total = sum(values[g] for g in grades)
    if total != given:
        problems.append(Problem("mrc_sum_score",
                                f"{given} does not equal the sum of the twelve MRC grades ({total})"))


# --- quantities ---------------------------------------------------------------------------


def parse_quantity(
    measure: Measure, raw: Any, path: str, problems: list[Problem], warnings: list[Problem]
) -> tuple[float, str] | None:
    """Return (canonical value, unit as entered) or None after recording a problem."""
    assert measure.dimension is not None
    unit = measure.unit or ""
    value: Any
    if isinstance(raw, bool):
        problems.append(Problem.of(path, NOT_A_NUMBER, unit=unit, value=quote(raw)))
        return None
    if isinstance(raw, int | float):
        value, entered = raw, unit
    elif isinstance(raw, Mapping):
        extra = set(raw) - {"value", "unit"}
        if extra or "value" not in raw:
            problems.append(Problem(path, 'expected {"value": number, "unit": text}'))
            return None
        value, entered = raw["value"], str(raw.get("unit") or unit)
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(Problem.of(path, N_("expected a number, got {value}"), value=quote(value)))
            return None
    elif isinstance(raw, str):
        m = units.QUANTITY_TEXT.match(raw)
        if _COMMA_NUMBER.match(raw):
            # "1,5" read as 1 with the unit ",5 kg"; and "1,500" may be 1.5 or 1500
            problems.append(Problem(path, f"{quote(raw)}: write numbers with a decimal point and no "
                                    "thousands separator (1.5, 1500)"))
            return None
        compound = units.read_compound(raw, measure.dimension)
        if compound is not None:  # "5 ft 4 in", "11 st 4 lb": one reading for every engine
            if compound.value is None:
                problems.append(Problem(path, str(compound.problem)))
                return None
            return _checked(measure, compound.value, compound.text, compound.unit, path, problems, warnings)
        if not m:
            problems.append(Problem.of(path, N_("cannot read {value} as a quantity (e.g. '70 {unit}')"),
                                       value=quote(raw), unit=unit))
            return None
        value, entered = float(m.group(1)), (m.group(2) or unit)
    else:
        problems.append(Problem.of(path, NOT_A_NUMBER, unit=unit, value=quote(raw)))
        return None
    if not math.isfinite(float(value)):
        problems.append(Problem.of(path, N_("expected a finite number, got {value}"), value=quote(value)))
        return None
    try:
        canonical = units.to_canonical(float(value), entered, measure.dimension)
    except UnknownUnitError as exc:
        problems.append(Problem(path, str(exc)))
        return None
    shown = f"{value:g} {entered}" if entered else f"{value:g}"
    return _checked(measure, canonical, shown, entered, path, problems, warnings)


def _checked(
    measure: Measure, canonical: float, shown: str, entered: str, path: str, problems: list[Problem],
    warnings: list[Problem],
) -> tuple[float, str] | None:
    """The range and whole-number checks of a quantity in the canonical unit; ``shown`` is the
    value as entered (``154 lb``, ``5 ft 4 in``)."""
    unit = measure.unit or ""
    if measure.range and not measure.range[0] <= canonical <= measure.range[1]:
        expect = measure.describe_range()
        problems.append(Problem.of(path, N_("{value} is implausible (expected {expected})"), value=shown,
                                   expected=expect))
        return None
    if measure.integer and canonical != int(canonical):
        problems.append(Problem.of(path, N_("{value} is not a whole number of {unit}"), value=shown,
                                   unit=unit))
        return None
    if measure.usual and not measure.usual[0] <= canonical <= measure.usual[1]:
        lo, hi = measure.usual
        warnings.append(Problem(path, f"{shown} is unusual (usually {lo:g}–{hi:g} {unit}); check it"))
    return (int(canonical) if measure.integer else canonical), entered


def _quantity(
    m: Measure, raw: Any, cat: Catalog, values: dict[str, Any], entered: dict[str, str],
    problems: list[Problem], warnings: list[Problem],
) -> None:
    if isinstance(raw, list):
        if m.list_reduce != "max" or not raw:
            problems.append(Problem(m.id, f"expected one value in {m.unit}, not a list"))
            return
        parsed = [parse_quantity(m, r, f"{m.id}[{i}]", problems, warnings) for i, r in enumerate(raw)]
        if any(p is None for p in parsed):
            return
        best = max((p for p in parsed if p is not None), key=lambda p: p[0])
        values[m.id], entered[m.id] = best
        return
    q = parse_quantity(m, raw, m.id, problems, warnings)
    if q is not None:
        values[m.id], entered[m.id] = q


def _enum(
    m: Measure, raw: Any, cat: Catalog, values: dict[str, Any], entered: dict[str, str],
    problems: list[Problem], warnings: list[Problem],
) -> None:
    text = str(raw).strip()
    v = m.aliases.get(text, text.lower())
    if v not in m.values:
        problems.append(Problem.of(m.id, N_("{value} is not one of {choices}"), value=quote(raw),
                                   choices=", ".join(m.values)))
        return
    values[m.id] = v


def _bool(
    m: Measure, raw: Any, cat: Catalog, values: dict[str, Any], entered: dict[str, str],
    problems: list[Problem], warnings: list[Problem],
) -> None:
    v = parse_bool(m.id, raw, problems)
    if v is not None:
        values[m.id] = v


def parse_bool(path: str, raw: Any, problems: list[Problem]) -> bool | None:
    """true/false, yes/no, y/n, 1/0; anything else is a problem (and None)."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "yes", "y", "1"}:
        return True
    if text in {"false", "no", "n", "0"}:
        return False
    problems.append(Problem.of(path, N_("expected true or false, got {value}"), value=quote(raw)))
    return None


def _text(
    m: Measure, raw: Any, cat: Catalog, values: dict[str, Any], entered: dict[str, str],
    problems: list[Problem], warnings: list[Problem],
) -> None:
    # an id or a note is text, or a number written as one; a list or an object was stored as
    # Python's text of it ("[1, 2]", "{'a': [1]}")
    if isinstance(raw, Mapping | list | tuple | set):
        kind = "an object" if isinstance(raw, Mapping) else "a list"
        problems.append(Problem(m.id, f"expected text, got {kind}"))
        return
    values[m.id] = str(raw)


def _date(
    m: Measure, raw: Any, cat: Catalog, values: dict[str, Any], entered: dict[str, str],
    problems: list[Problem], warnings: list[Problem],
) -> None:
    d = as_date(raw)
    if d is None:
        problems.append(Problem(m.id, f"expected a date YYYY-MM-DD, got {quote(raw)}"))
    else:
        values[m.id] = d


#: the one written form of a date: Python's ``date.fromisoformat`` also reads ``20260110`` and
#: ``2026-W02-6``, so a JSON number (``20260110.5``, whose text starts so) passed for a date
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def as_date(raw: Any) -> date | None:
    """A date or a text date ``YYYY-MM-DD``; None when it is neither (a number is no date)."""
    if isinstance(raw, datetime):
        return None  # a date and time where a date belongs; comparing the two would fail later
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _sarc_f(
    m: Measure, raw: Any, cat: Catalog, values: dict[str, Any], entered: dict[str, str],
    problems: list[Problem], warnings: list[Problem],
) -> None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(m.id, f"expected an object with items {', '.join(cat.sarc_f.items)}"))
        return
    sf = cat.sarc_f
    lo, hi = sf.item_range
    items: dict[str, int] = {}
    for key, ans in raw.items():
        path = f"{m.id}.{key}"
        if ans is None:
            continue
        if key == "falls_past_year":
            if isinstance(ans, bool) or not isinstance(ans, int) or ans < 0:
                problems.append(Problem(path, f"expected a count of falls (0 or more), got {quote(ans)}"))
            elif "falls" in raw and raw["falls"] is not None:
                problems.append(Problem(path, "give either falls or falls_past_year, not both"))
            else:
                items["falls"] = sf.points_for_falls(ans)
            continue
        if key not in sf.items:
            problems.append(Problem(path, f"unknown item (expected {', '.join(sf.items)})"))
            continue
        if isinstance(ans, str):
            word = ans.strip().lower().replace(" ", "_")
            if word not in sf.answers:
                expect = f"{lo}–{hi} or one of {', '.join(sf.answers)}"
                problems.append(Problem(path, f"unknown answer {quote(ans)} (expected {expect})"))
                continue
            items[key] = sf.answers[word]
        elif isinstance(ans, bool) or not isinstance(ans, int) or not lo <= ans <= hi:
            problems.append(Problem(path, f"{quote(ans)} is not a score {lo}–{hi}"))
        else:
            items[key] = ans
    values[m.id] = items


#: a message names at most this many bad items of one field and counts the rest
LISTED = 5


def _listed(items: Iterable[Any]) -> str:
    """Bad items as a message names them: a short printable text as it is, anything else bounded
    by :func:`quote`, at most ``LISTED`` of them, so that a message's size never depends on the
    input's (a list of nested objects once made a message of thousands of characters)."""
    xs = list(items)
    shown = [x if isinstance(x, str) and len(x) <= QUOTE_LIMIT and x.isprintable() else quote(x)
             for x in xs[:LISTED]]
    return ", ".join(shown) + (f" and {len(xs) - LISTED:,} more" if len(xs) > LISTED else "")


def _weight_history(
    m: Measure, raw: Any, cat: Catalog, values: dict[str, Any], entered: dict[str, str],
    problems: list[Problem], warnings: list[Problem],
) -> None:
    if not isinstance(raw, list):
        problems.append(Problem(m.id, 'expected a list of {"months_ago": n, "weight": kg}'))
        return
    weight = cat.measures["weight"]
    out: list[dict[str, Any]] = []
    for i, entry in enumerate(raw):
        path = f"{m.id}[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(Problem(path, 'expected {"months_ago": n, "weight": kg}'))
            continue
        extra = set(entry) - {"months_ago", "date", "weight"}
        if extra:
            problems.append(Problem(path, f"unknown key(s) {_listed(sorted(extra, key=str))}"))
            continue
        q = parse_quantity(weight, entry.get("weight"), f"{path}.weight", problems, warnings) \
            if entry.get("weight") is not None else None
        if entry.get("weight") is None:
            problems.append(Problem(f"{path}.weight", "required"))
        item: dict[str, Any] = {}
        if "months_ago" in entry and entry["months_ago"] is not None:
            mo = entry["months_ago"]
            if isinstance(mo, bool) or not isinstance(mo, int | float) or not 0 <= mo <= 600:
                problems.append(Problem(f"{path}.months_ago", f"{quote(mo)} is not 0–600 months"))
                continue
            item["months_ago"] = float(mo)
        elif entry.get("date") is not None:
            d = as_date(entry["date"])
            if d is None:
                got = quote(entry["date"])
                problems.append(Problem(f"{path}.date", f"expected a date YYYY-MM-DD, got {got}"))
                continue
            item["date"] = d
        else:
            problems.append(Problem(path, "needs months_ago or date"))
            continue
        if q is not None:
            item["weight"] = q[0]
            out.append(item)
    values[m.id] = out


def _conditions(
    m: Measure, raw: Any, cat: Catalog, values: dict[str, Any], entered: dict[str, str],
    problems: list[Problem], warnings: list[Problem],
) -> None:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append(Problem(m.id, "expected a list of condition ids"))
        return
    bad = [c for c in raw if not isinstance(c, str) or c not in cat.conditions]
    if bad:
        problems.append(Problem(m.id, f"unknown condition(s) {_listed(bad)} "
                                      f"(known: {', '.join(cat.conditions)})"))
        return
    values[m.id] = sorted(set(raw))


def _object(
    m: Measure, raw: Any, cat: Catalog, values: dict[str, Any], entered: dict[str, str],
    problems: list[Problem], warnings: list[Problem],
) -> None:
    if m.parser:
        # a block owned by a domain module (the work-up's history, the plan's constraints): the
        # catalog names its parser, imported on use so the core does not import the domains
        module, _, name = m.parser.partition(":")
        parse = getattr(import_module(module), name)
        block = parse(raw, problems, warnings, cat)
        if block is not None:
            values[m.id] = block
        return
    if not isinstance(raw, Mapping):
        problems.append(Problem(m.id, "expected an object"))
        return
    values[m.id] = dict(raw)


_PARSERS = {
    "quantity": _quantity,
    "enum": _enum,
    "bool": _bool,
    "text": _text,
    "date": _date,
    "sarc_f": _sarc_f,
    "weight_history": _weight_history,
    "conditions": _conditions,
    "object": _object,
}


def age_on(born: date, on: date) -> int:
    """Whole years from ``born`` to ``on`` (a birthday counts on its day)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def implausible_age(born: date, on: date, cat: Catalog | None = None) -> str | None:
    """Why ``born`` cannot be the birth date of someone seen ``on``: the age it gives is outside
    the age measure's plausible range (None when inside). One message for the record, the
    registry's patients and, word for word, the cohort engines' reject lines."""
    m = (cat or load_catalog()).measures["age"]
    years = age_on(born, on)
    if m.range is None or m.range[0] <= years <= m.range[1]:
        return None
    return (f"{born.isoformat()} gives an age of {years} years on {on.isoformat()}, which is "
            f"implausible (expected {m.describe_range()})")


def _finish_dates(values: dict[str, Any], problems: list[Problem], cat: Catalog) -> None:
    """Age from birth date; weight-history dates to months before the record date. An age
    computed from a birth date meets the same plausible range as an age entered (a birth date
    of 1800 gave an age of 226 that every cut-off then read)."""
    on = values.get("date")
    born = values.get("birth_date")
    today = date.today()
    if on is not None and on > today:
        problems.append(Problem("date", f"{on.isoformat()} is in the future"))
    if born is not None and born > today:
        problems.append(Problem("birth_date", f"{born.isoformat()} is in the future"))
    age = values.get("age")
    if born is not None and on is not None and age is not None and born <= on:
        # the same person cannot be two ages: a contradiction is an error, never a silent choice
        computed = age_on(born, on)
        if abs(float(age) - computed) > 1:
            problems.append(Problem("age", f"{float(age):g} contradicts birth_date {born.isoformat()} "
                                    f"and date {on.isoformat()}, which give {computed}"))
    if born is not None and age is None:
        if on is None:
            problems.append(Problem("birth_date", "needs the record's date to give an age"))
        elif born > on:
            problems.append(Problem("birth_date", "is after the record's date"))
        else:
            why = implausible_age(born, on, cat)
            if why:
                problems.append(Problem("birth_date", why))
            else:
                values["age"] = float(age_on(born, on))
    for i, item in enumerate(values.get("weight_history", [])):
        if "date" in item:
            if on is None:
                problems.append(Problem(f"weight_history[{i}].date", "needs the record's date"))
                continue
            days = (on - item.pop("date")).days
            if days < 0:
                problems.append(Problem(f"weight_history[{i}].date", "is after the record's date"))
                continue
            # mean Gregorian month: 365.2425 / 12 days
            item["months_ago"] = round(days / 30.436875, 2)


# --- files --------------------------------------------------------------------------------


def read_records(path: str | Path) -> list[tuple[dict[str, Any], str]]:
    """Read one record or a list of records from a JSON or YAML file (``-``: standard input),
    unvalidated. Returns (data, source label) pairs, so that validation errors name the file and
    item. To read a large file record by record, use :func:`myoscope.inputs.iter_records`.

    :raises InputFileError: for a file that cannot be read or parsed.
    """
    return list(iter_records(path))


def load_records(path: str | Path) -> list[Record]:
    """Read and validate every record in a file. :raises RecordValidationError:"""
    return [parse_record(d, source=src) for d, src in read_records(path)]
