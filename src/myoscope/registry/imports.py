"""Import visits from a CSV file: one row per visit, the record contract's flat column names.

Columns: ``patient`` (pseudonym) and ``date`` are required; ``sex`` and ``birth_date`` are needed
for a patient not yet registered (and must agree with a registered one); every other column is a
record field (DESIGN §6 table names: ``sarc_f_strength``, ``weight_previous`` with
``weight_previous_months_ago`` or ``weight_previous_date``). An empty cell is missing, never zero.

The whole file is validated first and every problem is reported at once (row and column); if
there is any, nothing is written. Then each visit is written in its own transaction, so a
process killed mid-import leaves whole visits only, and importing the same file again adds
nothing (a visit is identified by its content).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InputFileError, PatientNotFoundError, Problem, RecordValidationError
from ..inputs import decode, read_bytes
from ..measures import load_catalog
from ..record import parse_record
from . import repo
from .models import Organisation, Patient
from .views import ImportResult

PATIENT_COLUMN = "patient"


def row_to_record(row: Mapping[str, str | None]) -> dict[str, Any]:
    """A flat CSV row as a record dict (nested fields rebuilt; empty cells dropped)."""
    cat = load_catalog()
    items = (*cat.sarc_f.items, "falls_past_year")
    data: dict[str, Any] = {}
    sarc_f: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    for key, raw in row.items():
        if key is None or raw is None or not str(raw).strip():
            continue
        value = str(raw).strip()
        if key.startswith("sarc_f_") and key[len("sarc_f_"):] in items:
            item = key[len("sarc_f_"):]
            sarc_f[item] = int(value) if value.lstrip("-").isdigit() else value
        elif key in ("weight_previous", "weight_previous_months_ago", "weight_previous_date"):
            previous[key] = value
        else:
            data[key] = value
    if sarc_f:
        data["sarc_f"] = sarc_f
    if previous:
        entry: dict[str, Any] = {"weight": previous.get("weight_previous")}
        if "weight_previous_months_ago" in previous:
            try:
                entry["months_ago"] = float(previous["weight_previous_months_ago"])
            except ValueError:
                entry["months_ago"] = previous["weight_previous_months_ago"]
        if "weight_previous_date" in previous:
            entry["date"] = previous["weight_previous_date"]
        data["weight_history"] = [entry]
    return data


def read_rows(path: str | Path) -> list[dict[str, str | None]]:
    p = Path(path)
    text = decode(read_bytes(p), str(p))  # the one input reader: UTF-8 only, named line if not
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not reader.fieldnames:
            raise InputFileError(f"{p}: empty file (expected a header row)")
        missing = [c for c in (PATIENT_COLUMN, "date") if c not in reader.fieldnames]
        if missing:
            raise InputFileError(f"{p}: missing column(s) {', '.join(missing)}")
        rows = list(reader)
    except csv.Error as exc:
        raise InputFileError(f"cannot parse {p}: line {reader.line_num}: {exc}") from exc
    short = [i + 2 for i, r in enumerate(rows) if None in r.values()]  # DictReader pads with None
    if short:
        lines = ", ".join(map(str, short[:5])) + (f" and {len(short) - 5} more" if len(short) > 5 else "")
        raise InputFileError(f"{p}: fewer cells than header columns on line(s) {lines}")
    return rows


def _validate(session: Session, rows: list[dict[str, str | None]], org: str) -> list[Problem]:
    problems: list[Problem] = []
    known = {p.pseudonym: p for p in session.scalars(
        select(Patient).join(Organisation).where(Organisation.name == org))}
    new_patients: dict[str, tuple[str | None, str | None]] = {}
    for i, row in enumerate(rows):
        where = f"line {i + 2}"  # file lines: the header is line 1 (docs/errors.md)
        if None in row:
            problems.append(Problem(where, "more cells than header columns"))
            continue
        pseudonym = (row.get(PATIENT_COLUMN) or "").strip()
        if not pseudonym:
            problems.append(Problem(f"{where}, {PATIENT_COLUMN}", "required"))
            continue
        data = row_to_record({k: v for k, v in row.items() if k != PATIENT_COLUMN})
        patient = known.get(pseudonym)
        if patient is None:
            ident = (data.get("sex"), data.get("birth_date"))
            if ident[0] is None:
                problems.append(Problem(f"{where}, sex", f"required for new patient {pseudonym}"))
                continue
            if new_patients.setdefault(pseudonym, ident) != ident:
                problems.append(Problem(where, f"sex or birth_date of {pseudonym} differs from an "
                                               "earlier row"))
        else:
            if data.get("sex") is not None and repo.normalise_sex(data["sex"], []) != patient.sex:
                problems.append(Problem(f"{where}, sex", f"differs from the registered sex ({patient.sex})"))
            if data.get("birth_date") is not None and str(data["birth_date"]) != str(patient.birth_date):
                problems.append(Problem(f"{where}, birth_date",
                                        f"differs from the registered birth date ({patient.birth_date})"))
            data["sex"] = patient.sex
            if patient.birth_date is not None:
                data["birth_date"] = patient.birth_date
        data["id"] = pseudonym
        try:
            record = parse_record(data)
            if record.values["date"] > date.today():
                problems.append(Problem(f"{where}, date", f"{record.values['date']} is in the future"))
        except RecordValidationError as exc:
            problems += [Problem(f"{where}, {p.path}", p.message) for p in exc.problems]
    return problems


def import_csv(session: Session, *, path: str | Path, organisation_name: str = repo.DEFAULT_ORGANISATION,
               actor: str) -> ImportResult:
    """Import every row of ``path`` as a visit; commits once per visit (see the module docstring).

    :raises RecordValidationError: listing every bad cell; nothing is written.
    """
    rows = read_rows(path)
    problems = _validate(session, rows, organisation_name)
    if problems:
        session.rollback()
        raise RecordValidationError(problems, str(path))
    session.commit()
    result = ImportResult(str(path), rows=len(rows))
    for i, row in enumerate(rows):
        pseudonym = (row[PATIENT_COLUMN] or "").strip()
        data = row_to_record({k: v for k, v in row.items() if k != PATIENT_COLUMN})
        try:
            repo.find_patient(session, pseudonym=pseudonym, organisation_name=organisation_name)
        except PatientNotFoundError:
            repo.add_patient(session, pseudonym=pseudonym, sex=data["sex"], birth_date=data.get("birth_date"),
                             organisation_name=organisation_name, actor=actor)
            result.patients_created += 1
        visit = repo.add_visit(session, pseudonym=pseudonym, data=data, organisation_name=organisation_name,
                               source=f"{Path(path).name}:{i + 2}", actor=actor)
        session.commit()
        if visit.created:
            result.created += 1
        else:
            result.skipped += 1
    return result
