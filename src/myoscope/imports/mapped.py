"""Read a table through a device map: every row checked, every bad cell named by row and column.

Each value goes through the record contract's own checks (:func:`myoscope.record.parse_quantity`
and the field parsers): units converted exactly, implausible values refused with the expected
range. Every problem of every row is collected before anything is returned; a file with bad rows
yields nothing unless ``partial`` is asked for, and then the bad rows are reported as skipped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputFileError, MeasuresImportError, NothingToImportError, Problem, quote
from ..measures import Catalog, Measure, load_catalog
from ..record import _PARSERS, parse_quantity
from .devicemap import ColumnSpec, DeviceMap
from .result import ImportedRecord, MeasuresImport
from .table import Table

_PREFIX = re.compile(r"^\s*\d+\s*\.\s*")
_HEADER_UNIT = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{6})?$")
_DOTTED_DATE = re.compile(r"^(\d{4})[./-](\d{1,2})[./-](\d{1,2})(?:[ T].*)?$")


def header_key(name: str, dmap: DeviceMap) -> str:
    """A column name as the map names it (LookinBody numbers its columns: '15. Weight')."""
    name = name.strip()
    return _PREFIX.sub("", name) if dmap.header_match == "without_number_prefix" else name


def normalise_unit(unit: str) -> str:
    """'cm^2' -> 'cm2' (tools write powers with a caret); the units module does the rest."""
    return unit.strip().replace("^2", "2").replace("^3", "3")


class _Columns:
    """The file's header, found by the names a device map uses (with units read from headers;
    letter case ignored when the map says so)."""

    def __init__(self, table: Table, dmap: DeviceMap, file: str) -> None:
        self.fold = dmap.case_insensitive
        self._index: dict[str, int] = {}
        self._unit: dict[str, str] = {}
        self._shown: dict[str, str] = {}
        self.keys: list[str] = []  # the header's own names (without the unit-less aliases)
        dupes = []
        for i, raw in enumerate(table.header):
            key = header_key(raw, dmap)
            if not key:
                continue
            if self._n(key) in self._index:
                dupes.append(key)
            self._index[self._n(key)] = i
            self._shown[self._n(key)] = raw.strip()
            self.keys.append(key)
            m = _HEADER_UNIT.match(key)
            if m and self._n(m.group(1)) not in self._index:  # 'Muscle CSA (cm^2)' is also 'Muscle CSA'
                self._index[self._n(m.group(1))] = i
                self._shown[self._n(m.group(1))] = raw.strip()
                self._unit[self._n(m.group(1))] = normalise_unit(m.group(2))
        if dupes:
            raise InputFileError(f"{file}: duplicate column(s) {', '.join(sorted(set(dupes)))}")

    def _n(self, name: str) -> str:
        return name.lower() if self.fold else name

    def has(self, name: str) -> bool:
        return self._n(name) in self._index

    def first(self, names: list[str]) -> str | None:
        return next((n for n in names if self.has(n)), None)

    def pos(self, name: str) -> int:
        return self._index[self._n(name)]

    def cell(self, cells: list[Any], name: str) -> Any:
        i = self.pos(name)
        return cells[i] if i < len(cells) else None

    def show(self, name: str) -> str:
        return self._shown[self._n(name)]

    def unit(self, name: str) -> str | None:
        return self._unit.get(self._n(name))


def import_table(
    table: Table,
    dmap: DeviceMap,
    *,
    file: str,
    fmt: str,
    patient: str | None = None,
    partial: bool = False,
    catalog: Catalog | None = None,
    choices: Mapping[str, Mapping[str, str]] | None = None,
) -> MeasuresImport:
    """Read every row of ``table`` through ``dmap``.

    ``choices`` (REDCap's data dictionary) turns coded cells into their labels before ``codes``.

    :raises InputFileError: a required column is missing (all of them named, with those found).
    :raises NothingToImportError: no row is left (e.g. no L3 row; the levels found are named).
    :raises MeasuresImportError: bad values (every one, by row and column), unless ``partial``.
    """
    cat = catalog or load_catalog()
    name = Path(file).name
    cols = _Columns(table, dmap, file)
    _check_columns(cols, dmap, table, file, cat)
    rows = table.rows
    if dmap.select is not None:
        col = dmap.select.column
        found = sorted({_text(cols.cell(c, col)) for _, c in rows} - {""}, key=_level_order)
        rows = [(n, c) for n, c in rows if _text(cols.cell(c, col)) == dmap.select.value]
        if not rows:
            shown = ", ".join(found[:12]) + (f" and {len(found) - 12} more" if len(found) > 12 else "")
            raise NothingToImportError(
                f"{file}: no row with {dmap.select.column} {dmap.select.value} "
                f"({dmap.select.column} found: {shown or 'none'}); "
                f"myoscope reads the {dmap.select.value} row only, since the record's CT fields are "
                f"measured at {dmap.select.value}"
            )
    id_col = cols.first([dmap.id] if isinstance(dmap.id, str) else list(dmap.id or []))
    if patient is not None and id_col is not None:
        ids = sorted({_text(cols.cell(c, id_col)) for _, c in rows})
        rows = [(n, c) for n, c in rows if _text(cols.cell(c, id_col)) == patient]
        if not rows:
            shown = ", ".join(ids[:10]) + (" ..." if len(ids) > 10 else "")
            raise NothingToImportError(
                f"{file}: no row of patient {patient} in column {id_col} (found: {shown})"
            )
    elif patient is not None and len(rows) > 1:
        raise InputFileError(
            f"{file}: --patient names one record, but the file has {len(rows)} rows "
            f"and no id column; give one file per patient"
        )
    if not rows:
        raise NothingToImportError(f"{file}: no data rows")
    raw_cols = _raw_columns(cols, dmap)
    plans = _plans(cols, dmap, cat)
    result = MeasuresImport(file=file, format=fmt, tool=dmap.tool, notes=list(dmap.notes))
    problems: list[Problem] = []
    for n, cells in rows:
        row_problems: list[Problem] = []
        rec = _row(n, cells, cols, dmap, cat, name, row_problems, table.sheet, choices or {}, plans)
        if id_col is not None:
            ident = _text(cols.cell(cells, id_col))
            if ident:
                rec.values = {"id": ident, **rec.values}
        elif patient is not None:
            rec.values = {"id": patient, **rec.values}
        if raw_cols and rec.provenance:
            target = dmap.raw_for if dmap.raw_for in rec.provenance else next(iter(rec.provenance))
            kept = {}
            for col in raw_cols:
                v = _number(cols.cell(cells, col))
                if v is not None:
                    kept[cols.show(col)] = v
            if kept:
                rec.provenance[target]["raw"] = kept
        if row_problems:
            problems += row_problems
            continue
        if not rec.provenance:  # only the map's constants: nothing was measured in this row
            result.notes.append(f"row {n}: no value to import (every mapped cell is empty or missing)")
            continue
        orphans = [k for k in rec.values
                   if k.endswith("_method") and k.removesuffix("_method") not in rec.values]
        for k in orphans:
            del rec.values[k]  # asm_method without asm says nothing
        result.records.append(rec)
    if problems and (not partial or not result.records):
        raise MeasuresImportError(problems, file)  # with --partial too when no row is good
    result.skipped = problems
    if not result.records:
        raise NothingToImportError(
            f"{file}: no row could be imported"
            + (f" ({len(problems)} problem(s) in the bad rows)" if problems else "")
        )
    return result


def _check_columns(cols: _Columns, dmap: DeviceMap, table: Table, file: str, cat: Catalog) -> None:
    missing: list[str] = []
    no_unit: list[str] = []
    for mid, spec in dmap.columns.items():
        if mid not in cat.measures:
            raise InputFileError(f"device map {dmap.name}: {mid} is not a record field")
        names = spec.names()
        if not names:
            continue
        present = [n for n in names if cols.has(n)]
        if spec.sum_of is not None and len(present) != len(names) and not spec.optional:
            missing += [n for n in names if not cols.has(n)]
        elif spec.from_ is not None and not present and not spec.optional:
            missing.append(" or ".join(names))
        if spec.unit == "header":
            no_unit += [n for n in present if cols.unit(n) is None]
    if dmap.select is not None and not cols.has(dmap.select.column):
        missing.append(dmap.select.column)
    if missing:
        found = ", ".join(h for h in table.header if h) or "none"
        raise InputFileError(
            f"{file}: missing column(s) {', '.join(missing)} for {dmap.name} (columns found: {found})"
        )
    if no_unit:
        raise InputFileError(
            f"{file}: column(s) {', '.join(no_unit)} name no unit (expected e.g. "
            f"'{no_unit[0]} (cm^2)'); a value without a unit is not read"
        )


def _raw_columns(cols: _Columns, dmap: DeviceMap) -> list[str]:
    keep = [c for c in dmap.raw if cols.has(c)]
    if dmap.raw_pattern:
        pat = re.compile(dmap.raw_pattern)
        keep += [k for k in cols.keys if pat.search(k)]
    return list(dict.fromkeys(keep))


@dataclass(frozen=True)
class _Plan:
    """One record field's columns, resolved once per file (not once per row)."""

    mid: str
    spec: ColumnSpec
    measure: Measure
    used: tuple[str, ...]
    shown: str


def _plans(cols: _Columns, dmap: DeviceMap, cat: Catalog) -> list[_Plan]:
    out = []
    for mid, spec in dmap.columns.items():
        used = [c for c in spec.names() if cols.has(c)]
        if spec.from_ is not None:
            used = used[:1]
        out.append(_Plan(mid, spec, cat.measures[mid], tuple(used), " + ".join(cols.show(c) for c in used)))
    return out


def _row(
    n: int,
    cells: list[Any],
    cols: _Columns,
    dmap: DeviceMap,
    cat: Catalog,
    name: str,
    problems: list[Problem],
    sheet: str | None,
    choices: Mapping[str, Mapping[str, str]],
    plans: list[_Plan],
) -> ImportedRecord:
    values: dict[str, Any] = {}
    prov: dict[str, dict[str, Any]] = {}
    level = dmap.select.value if dmap.select is not None else dmap.level
    for plan in plans:
        where = f"row {n}, {plan.shown or plan.mid}"
        got = _value(n, cells, cols, plan, cat, where, problems, dmap, choices)
        if got is None:
            continue
        values[plan.mid] = got
        if plan.spec.value is not None:
            continue  # provenance is kept for measured values only (a constant is the map's)
        entry: dict[str, Any] = {"tool": dmap.tool, "file": name, "row": n}
        if sheet:
            entry["sheet"] = sheet
        if level:
            entry["level"] = level
        if plan.shown:
            entry["column"] = plan.shown
        prov[plan.mid] = entry
    return ImportedRecord(values=values, provenance=prov, row=n)


def _value(
    n: int,
    cells: list[Any],
    cols: _Columns,
    plan: _Plan,
    cat: Catalog,
    where: str,
    problems: list[Problem],
    dmap: DeviceMap,
    choices: Mapping[str, Mapping[str, str]],
) -> Any:
    spec, m, names = plan.spec, plan.measure, plan.used
    if spec.value is not None:
        return _field(m, spec.value, spec.unit, cat, where, problems)
    if not names:
        return None
    cells_ = [(c, cols.cell(cells, c)) for c in names]
    present = [(c, v) for c, v in cells_ if not _is_missing(v, dmap)]
    if not present:
        return None
    if spec.sum_of is not None:
        if len(present) != len(names):
            absent = [cols.show(c) for c, v in cells_ if _is_missing(v, dmap)]
            problems.append(
                Problem(where, f"{m.id} is the sum of {len(names)} columns; missing: {', '.join(absent)}")
            )
            return None
        total = 0.0
        unit: str | None = None
        for c, v in present:
            num = _number(v)
            if num is None:
                problems.append(Problem(f"row {n}, {cols.show(c)}", f"expected a number, got {quote(v)}"))
                return None
            total += num
            unit = _unit_for(spec, c, cols)
        return _field(m, round(total, 9), unit, cat, where, problems)
    col, cell = present[0]
    label = choices.get(col, {}).get(_text(cell))
    key: Any = _text(cell)
    if spec.codes:
        for candidate in (key, label, _int_or_none(key)):
            if candidate is not None and candidate in spec.codes:
                return _field(m, spec.codes[candidate], spec.unit, cat, where, problems)
        problems.append(
            Problem(
                where,
                f"unknown code {quote(cell)} (expected one of {', '.join(str(k) for k in spec.codes)})",
            )
        )
        return None
    if label is not None and m.kind != "quantity":
        cell = label
    if m.kind == "quantity":
        return _field(m, cell, _unit_for(spec, col, cols), cat, where, problems)
    if m.kind == "date":
        cell = _iso_date(cell)
    return _field(m, cell, None, cat, where, problems)


def _unit_for(spec: ColumnSpec, col: str, cols: _Columns) -> str | None:
    if spec.unit == "header":
        return cols.unit(col)
    return spec.unit


def _field(
    m: Measure, raw: Any, unit: str | None, cat: Catalog, where: str, problems: list[Problem]
) -> Any:
    """One cell through the record contract; a quantity comes back as {"value", "unit"} (canonical)."""
    if m.kind == "quantity":
        if isinstance(raw, str):
            mt = _NUMBER.match(raw)
            if not mt:
                problems.append(Problem(where, f"expected a number, got {quote(raw)}"))
                return None
            number, text_unit = float(mt.group(1)), mt.group(2)
            if text_unit:
                unit = normalise_unit(text_unit)
        elif isinstance(raw, bool) or not isinstance(raw, int | float):
            problems.append(Problem(where, f"expected a number, got {quote(raw)}"))
            return None
        else:
            number = float(raw)
        if not math.isfinite(number):
            problems.append(Problem(where, f"expected a finite number, got {quote(raw)}"))
            return None
        if not unit:
            problems.append(
                Problem(where, f"no unit for {m.id} (the device map must declare it, e.g. unit: {m.unit})")
            )
            return None
        warnings: list[Problem] = []
        q = parse_quantity(m, {"value": number, "unit": unit}, where, problems, warnings)
        if q is None:
            return None
        return {"value": round(float(q[0]), 6), "unit": m.unit}
    scratch: list[Problem] = []
    values: dict[str, Any] = {}
    _PARSERS[m.kind](m, raw, cat, values, {}, scratch, [])
    for p in scratch:
        problems.append(Problem(where, p.message))
    v = values.get(m.id)
    return v.isoformat() if isinstance(v, date) else v


def _is_missing(v: Any, dmap: DeviceMap) -> bool:
    return (
        v is None
        or (isinstance(v, str) and v.strip() in dmap.missing)
        or (isinstance(v, float) and math.isnan(v))
    )


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    mt = _NUMBER.match(str(v)) if v is not None else None
    return float(mt.group(1)) if mt and not mt.group(2) else None


def _int_or_none(v: str) -> int | None:
    try:
        return int(v)
    except ValueError:
        return None


def _iso_date(v: Any) -> Any:
    """Dates as devices write them: 2025-03-01, 2025.03.01 10:22, 20250301102233."""
    if isinstance(v, date):
        return v if type(v) is date else v.date()  # type: ignore[attr-defined]
    text = _text(v)
    m = _COMPACT_DATE.match(text) or _DOTTED_DATE.match(text)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return text


def _level_order(level: str) -> tuple[int, int, str]:
    """T12 before L1..L5, then anything else, for the 'levels found' message."""
    m = re.match(r"^([CTLS])(\d+)$", level)
    return ("CTLS".index(m.group(1)), int(m.group(2)), level) if m else (9, 0, level)


__all__ = ["header_key", "import_table", "normalise_unit"]
