"""The column mapping of a cohort upload: none, a shipped one, an uploaded mapping file, a REDCap
data dictionary, or columns picked in the form, in the cohort engine's ``--map`` format
(docs/cohort.md).

Whatever way it is given, a mapping becomes the engine's own :class:`~myoscope.cohort.mapping.
Mapping` and is checked before any job starts, every problem named at once: the file's schema
(as ``--map`` checks it), then, against the uploaded table's header, that each named source
column exists, that each target is a table column and that each unit fits its measure. A shipped
mapping lists alternative names for several exports, so only "no column of it is in the table"
is a problem for it. A REDCap data dictionary is read by the one reader of :mod:`myoscope.redcap`
(as ``--map redcap:DICT.csv``); the table must be that project's raw export: its record id
column present, at least one mapped field present, and no column the dictionary cannot hold (a
wrong dictionary, or an export with labels for names). The mapping a job ran with is kept beside
its outputs (``mapping.yaml``), so the run can be repeated with ``myoscope cohort --map``.
"""

from __future__ import annotations

from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from pydantic import ValidationError

from ..cohort.mapping import SHIPPED, FieldMap, Mapping, first_present, from_dictionary, load_mapping
from ..cohort.tables import TableColumn, table_columns
from ..errors import InputFileError, Problem, ProblemsError
from ..inputs import decode, parse_text
from ..measures import load_catalog
from ..redcap import Dictionary, DictionaryError, parse_dictionary

MODES = ("none", "ukb", "nhanes", "file", "redcap", "columns")
MODE_TEXT = {
    "none": "none: the table's columns are named as the record's fields",
    "ukb": "UK Biobank baseline (shipped)",
    "nhanes": "NHANES 2011–2014 (shipped)",
    "file": "a mapping file (YAML or JSON, the --map format)",
    "redcap": "a REDCap data dictionary (the table is the project's raw CSV export)",
    "columns": "pick the columns below",
}
#: table columns offered first in the form; the rest of the table contract follows
MAIN_TARGETS = ("sex", "age", "height", "weight", "grip_strength", "gait_speed", "chair_stand_time", "asm",
                "asm_method", "calf_circumference")
MAX_MAPPING_BYTES = 1 << 20
#: a data dictionary of a large project (thousands of fields, long choice lists) stays well below
MAX_DICTIONARY_BYTES = 5 << 20


class MappingProblemsError(ProblemsError):
    """A cohort upload's column mapping with one or more problems (all named)."""

    what = "column mapping"


@dataclass(frozen=True)
class Target:
    """One table column the form offers to map: its name, label and the units it accepts."""

    name: str
    label: str
    units: tuple[str, ...]
    main: bool
    #: for a column of named values (``asm_method``), the values one may give every row instead
    values: tuple[str, ...] = ()


@cache
def targets() -> tuple[Target, ...]:
    """Every table column a mapping may fill (the table contract of docs/cohort.md)."""
    catalog = load_catalog()
    out = []
    for name, col in table_columns(catalog, 1).items():
        m = catalog.measures.get(col.measure)
        values = m.values if m is not None and m.kind == "enum" and col.kind == "enum" else ()
        out.append(Target(name, _label(col), tuple(_units(col)), name in MAIN_TARGETS, tuple(values)))
    return tuple(sorted(out, key=lambda t: (not t.main, MAIN_TARGETS.index(t.name) if t.main else 0)))


def _label(col: TableColumn) -> str:
    catalog = load_catalog()
    if col.kind in ("sarc_f_item", "falls_count") and col.name.startswith("sarc_f_"):
        item = col.name[len("sarc_f_"):]
        return catalog.label_of(f"sarc_f.{item}") if item in catalog.sarc_f.wording else \
            f"SARC-F {item.replace('_', ' ')}"
    if col.kind == "history_weight":
        return "Earlier weight"
    if col.kind == "history_months":
        return "Months before the record of the earlier weight"
    return catalog.label_of(col.measure)


def _units(col: TableColumn) -> list[str]:
    m = load_catalog().measures.get(col.measure)
    if col.kind == "history_weight":
        m = load_catalog().measures.get("weight")
    if m is None or m.kind != "quantity" or col.kind == "history_months":
        return []
    return m.accepted_units()


@dataclass(frozen=True)
class MappingChoice:
    """What the upload form asked for, parsed but not yet checked against the table."""

    mode: str
    mapping: Mapping | None
    describe: str
    #: the REDCap data dictionary the mapping was built from (mode ``redcap``)
    dictionary: Dictionary | None = None


def _one(form: AnyMapping[str, Any], name: str) -> str:
    v = form.get(name, "")
    return v.strip() if isinstance(v, str) else ""


def choice_from_form(form: AnyMapping[str, Any], file_bytes: bytes | None, file_name: str,
                     dictionary: tuple[bytes | None, str] = (None, "")) -> MappingChoice:
    """The mapping the form describes (``file_bytes``: the mapping file; ``dictionary``: the REDCap
    data dictionary's bytes and name). :raises MappingProblemsError: naming every problem."""
    mode = _one(form, "mapping_mode") or "none"
    if mode not in MODES:
        raise MappingProblemsError([Problem("mapping_mode", f"expected one of {', '.join(MODES)}")])
    if mode == "none":
        return MappingChoice(mode, None, MODE_TEXT[mode])
    if mode in SHIPPED:
        return MappingChoice(mode, load_mapping(mode), MODE_TEXT[mode])
    if mode == "file":
        return MappingChoice(mode, parse_mapping_file(file_bytes, file_name), f"mapping file {file_name}")
    if mode == "redcap":
        d = parse_redcap_dictionary(*dictionary)
        return MappingChoice(mode, redcap_mapping(d), f"REDCap data dictionary {dictionary[1]}", d)
    return MappingChoice(mode, mapping_from_columns(form), "columns picked in the form")


def parse_mapping_file(data: bytes | None, name: str) -> Mapping:
    """An uploaded mapping file, read with the input rules and checked as ``--map`` checks it."""
    if not data:
        raise MappingProblemsError([Problem("mapping_file", "choose a mapping file (YAML or JSON)")])
    if len(data) > MAX_MAPPING_BYTES:
        raise MappingProblemsError([Problem("mapping_file", f"larger than {MAX_MAPPING_BYTES >> 20} MB")])
    try:
        raw = parse_text(decode(data, name), name, as_json=name.lower().endswith(".json"))
    except InputFileError as exc:
        raise MappingProblemsError([Problem("mapping_file", str(exc))]) from exc
    return _validated(raw, "mapping_file")


def parse_redcap_dictionary(data: bytes | None, name: str) -> Dictionary:
    """An uploaded REDCap data dictionary, read by the one reader (:mod:`myoscope.redcap`)."""
    field = "redcap_dictionary"
    if not data:
        raise MappingProblemsError([Problem(field, "choose the project's data dictionary (CSV)")])
    if len(data) > MAX_DICTIONARY_BYTES:
        raise MappingProblemsError([Problem(field, f"larger than {MAX_DICTIONARY_BYTES >> 20} MB")])
    try:
        return parse_dictionary(decode(data, name), name)
    except DictionaryError as exc:
        raise MappingProblemsError([Problem("redcap_dictionary", p) for p in exc.problems]) from exc
    except InputFileError as exc:  # not text (decode)
        raise MappingProblemsError([Problem("redcap_dictionary", str(exc))]) from exc


def redcap_mapping(d: Dictionary) -> Mapping:
    """The dictionary's mapping, as ``--map redcap:DICT.csv`` builds it; every field that cannot be
    read honestly (a quantity without a unit, a unit mix-up) named one by one."""
    try:
        return from_dictionary(d)
    except DictionaryError as exc:
        raise MappingProblemsError([Problem("redcap_dictionary", p) for p in exc.problems]) from exc


def _validated(raw: Any, field: str) -> Mapping:
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(field, f"{'.'.join(str(x) for x in e['loc']) or 'the document'}: "
                           f"{str(e['msg']).removeprefix('Value error, ')}")
            for e in exc.errors()
        ]
        raise MappingProblemsError(problems) from exc


def mapping_from_columns(form: AnyMapping[str, Any]) -> Mapping:
    """A mapping built from the form's ``map.<target>`` (source column) and ``unit.<target>`` fields."""
    columns: dict[str, dict[str, Any]] = {}
    problems = []
    for t in targets():
        source = _one(form, f"map.{t.name}")
        unit = _one(form, f"unit.{t.name}")
        const = _one(form, f"const.{t.name}")
        if const:
            if const not in t.values:
                problems.append(Problem(f"const.{t.name}", f"{const!r} is not one of {', '.join(t.values)}"))
            elif source:
                problems.append(Problem(f"map.{t.name}", "a column or one value for every row, not both"))
            else:
                columns[t.name] = {"value": const}
            continue
        if not source:
            continue
        spec: dict[str, Any] = {"from": source}
        if unit:
            if t.units and unit not in t.units:
                problems.append(Problem(f"unit.{t.name}", f"{unit!r} is not one of {', '.join(t.units)}"))
            spec["unit"] = unit
        columns[t.name] = spec
    if not columns:
        problems.append(Problem("map", "pick the table's column for at least one field"))
    if problems:
        raise MappingProblemsError(problems)
    raw: dict[str, Any] = {"name": "columns picked in the web form", "columns": columns}
    if _one(form, "map_id"):
        raw["id"] = _one(form, "map_id")
    return _validated(raw, "map")


def check_against_table(choice: MappingChoice, header: list[str]) -> None:
    """Check the mapping against the uploaded table's columns.

    :raises MappingProblemsError: every source column that is not in the table, target that is
        not a table column and unit that does not fit its measure, at once."""
    mp = choice.mapping
    if mp is None:
        return
    names = set(header)
    shown = ", ".join(header[:40]) + (" …" if len(header) > 40 else "")
    field = {"file": "mapping_file", "columns": "map"}.get(choice.mode, "mapping_mode")
    columns = table_columns(load_catalog(), 20)
    problems: list[Problem] = []
    if choice.mode == "redcap" and choice.dictionary is not None:
        _check_redcap(mp, choice.dictionary, header, shown)
        return
    if choice.mode in SHIPPED:
        if not any(n in names for fm in mp.columns.values() if fm.value is None for n in fm.names()):
            problems.append(Problem("mapping_mode", f"no column of the {mp.name} mapping is in the table "
                                                    f"(its columns: {shown})"))
        if problems:
            raise MappingProblemsError(problems)
        return
    form = choice.mode == "columns"
    for target, fm in mp.columns.items():
        where, what = (f"map.{target}", "") if form else (field, f"columns.{target}: ")
        if target != "id" and target not in columns:
            problems.append(Problem(where, f"{what}not a table column (docs/cohort.md lists them)"))
            continue
        problems += [Problem(where, what + m) for m in _missing_sources(fm, names, shown)]
        col = columns.get(target)
        units = _units(col) if col is not None else []
        if fm.unit and not form:  # the form offers only the units that fit
            if not units:
                problems.append(Problem(where, f"{what}has no unit, but the mapping gives {fm.unit!r}"))
            elif fm.unit not in units:
                problems.append(Problem(where, f"{what}unit {fm.unit!r} is not one of {', '.join(units)}"))
    if mp.id is not None and first_present(mp.id, names) is None:
        where, what = ("map_id", "") if form else (field, "id: ")
        problems.append(Problem(where, f"{what}no column {_names(mp.id)} in the table "
                                       f"(its columns: {shown})"))
    for part in ("weight", "strata", "psu"):
        given = getattr(mp.survey, part) if mp.survey else None
        if given is not None and first_present(given, names) is None:
            problems.append(Problem(field, f"survey.{part}: no column {_names(given)} in the table"))
    if problems:
        raise MappingProblemsError(problems)


def _check_redcap(mp: Mapping, d: Dictionary, header: list[str], shown: str) -> None:
    """A REDCap export against its dictionary. A field the dictionary maps may be absent (an
    export of some forms only); the record id may not, nor can every mapped field, and a column
    the dictionary cannot hold means another project's dictionary or an export with labels."""
    names = set(header)
    said: list[str] = []
    if d.record_id not in names:
        said.append(f"no column {d.record_id!r} (the record id, the dictionary's first field) in the table "
                    f"(its columns: {shown})")
    if not any(n in names for fm in mp.columns.values() for n in fm.names()):
        fields = ", ".join(n for fm in mp.columns.values() for n in fm.names())
        said.append(f"no field the dictionary maps ({fields}) is in the table (its columns: {shown})")
    foreign = [h for h in header if not d.has_column(h)]
    if foreign:
        listed = ", ".join(foreign[:20]) + (" …" if len(foreign) > 20 else "")
        said.append(f"{len(foreign)} column(s) of the table are not fields of this data dictionary: {listed} "
                    "(the project's raw export, with field names as its header, is expected)")
    problems = [Problem("redcap_dictionary", m) for m in said]
    if problems:
        raise MappingProblemsError(problems)


def _names(n: str | list[str]) -> str:
    return repr(n) if isinstance(n, str) else " or ".join(repr(x) for x in n)


def _missing_sources(fm: FieldMap, names: set[str], shown: str) -> list[str]:
    if fm.value is not None:
        return []
    if fm.from_ is not None:
        if first_present(fm.from_, names) is None:
            return [f"no column {_names(fm.from_)} in the table (its columns: {shown})"]
        return []
    missing = [n for n in fm.names() if n not in names]
    if missing and (fm.sum_of is not None or len(missing) == len(fm.names())):
        return [f"column(s) {', '.join(repr(n) for n in missing)} not in the table (its columns: {shown})"]
    return []


def as_yaml(mapping: Mapping) -> str:
    """The mapping in the ``--map`` file format (what a job keeps beside its outputs)."""
    data = mapping.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
