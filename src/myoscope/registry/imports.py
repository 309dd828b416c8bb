"""Import visits from a CSV file: one row per visit, the record contract's flat column names.

Columns: ``patient`` (pseudonym) and ``date`` are required; ``sex`` and ``birth_date`` are needed
for a patient not yet registered (and must agree with a registered one); every other column is a
record field (DESIGN §6 table names: ``sarc_f_strength``, ``weight_previous`` with
``weight_previous_months_ago`` or ``weight_previous_date``). An empty cell is missing, never zero.

The whole file is validated first and every problem is reported at once (row and column); if
there is any, nothing is written. Every row-level check runs in that pass (the record contract,
agreement with the registered patient, an ``id`` naming another patient, text too long for its
column or holding a NUL byte), the same on SQLite and PostgreSQL. Then each patient's visits are
written holding the patient's lock (``upsert``) and assessed once, from the earliest new visit
on; patients are committed in groups of :data:`GROUP` (whole patients only): a process killed
mid-import leaves whole patients only, concurrent importers of one patient queue, and importing
the same file again adds nothing (a visit is identified by its content). Should the database
still refuse a row (a patient registered meanwhile with another sex, a disk full), the group is
written again a patient at a time: the error names the row and the patients before it stay
committed, so that a rerun resumes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..errors import ImportWriteError, InputFileError, Problem, RecordValidationError
from ..inputs import decode, read_bytes
from ..measures import load_catalog
from . import audit, repo, upsert
from .assessing import reassess
from .limits import limit_problems
from .models import Measurement, Organisation, Patient, Visit
from .storing import (
    Identity,
    PreparedVisit,
    existing_digests,
    normalise_sex,
    parse_birth_date,
    prepare_visit,
    store_visits,
)
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
        _require_columns(p, reader.fieldnames)
        rows = list(reader)
    except csv.Error as exc:
        raise InputFileError(f"cannot parse {p}: line {reader.line_num}: {exc}") from exc
    # DictReader pads a short row with None values and keeps a long one's extra cells under the
    # key None
    _refuse_misaligned(p, "line", short=[i + 2 for i, r in enumerate(rows) if None in r.values()],
                       long=[i + 2 for i, r in enumerate(rows) if None in r])
    return rows


def _require_columns(path: str | Path, header: Sequence[str]) -> None:
    """:raises InputFileError: naming the required columns the header lacks (CSV or Excel)."""
    missing = [c for c in (PATIENT_COLUMN, "date") if c not in header]
    if missing:
        raise InputFileError(f"{path}: missing column(s) {', '.join(missing)}")


def _refuse_misaligned(path: str | Path, unit: str, *, short: list[int], long: list[int]) -> None:
    """Refuse rows whose cells do not line up with the header, CSV lines and Excel rows alike:
    an extra value would be dropped without a word, and a shifted row read under columns it may
    not belong to. Both kinds are named together (one must not hide the other), before any cell
    is read, so nothing is written.

    :raises InputFileError: naming the rows ('line' or 'row' numbers) of each kind."""
    if short or long:
        raise InputFileError(f"{path}: " + "; ".join(
            f"{what} cells than header columns on {unit}(s) {_lines(found)}"
            for what, found in (("fewer", short), ("more", long)) if found))


def _lines(numbers: list[int]) -> str:
    """'3, 5, 8' (the first five line numbers, then how many more)."""
    more = f" and {len(numbers) - 5} more" if len(numbers) > 5 else ""
    return ", ".join(map(str, numbers[:5])) + more


#: patients written per transaction: one commit (and one audit INSERT) for the group instead of
#: one per patient, which on a database server is a round trip and a log flush each. A group
#: holds only whole patients, so a killed import still leaves whole patients only.
GROUP = 20


@dataclass
class PlannedPatient:
    """One patient's visits in a file, checked, in file order, with who the file says they are."""

    who: Identity
    registered: bool
    visits: list[PreparedVisit] = field(default_factory=list)


def _registered(session: Session, org: str, pseudonyms: list[str]) -> dict[str, Patient]:
    """The file's patients that the organisation already has (looked up by the index, in chunks)."""
    found: dict[str, Patient] = {}
    for start in range(0, len(pseudonyms), 500):
        found.update({p.pseudonym: p for p in session.scalars(
            select(Patient).join(Organisation)
            .where(Organisation.name == org, Patient.pseudonym.in_(pseudonyms[start:start + 500])))})
    return found


@dataclass
class SourceRow:
    """One visit as read: where it is in the file ('line 3', 'row 3'), its number, and its fields.
    ``flat`` rows are the visits CSV's text cells (rebuilt by :func:`row_to_record`); the others
    are record dicts already read through a device map (``myoscope import --map``)."""

    where: str
    number: int
    data: dict[str, Any]
    flat: bool = True


def _validate(session: Session, rows: list[SourceRow], org: str, path: str | Path,
              actor: str) -> tuple[dict[str, PlannedPatient], list[Problem]]:
    """Every row-level check, before anything is written: the plan of what to write, or problems."""
    problems = [*limit_problems("organisation", "organisation", org), *limit_problems("user", "user", actor)]
    name = Path(path).name
    problems += limit_problems("file name", "source", f"{name}:{len(rows) + 1}")
    if problems:  # a name the database cannot even be asked about
        return {}, problems
    pseudonyms = sorted(p for p in {str(r.data.get(PATIENT_COLUMN) or "").strip() for r in rows} - {""}
                        if not limit_problems("", "pseudonym", p))
    known = _registered(session, org, pseudonyms)
    session.commit()  # reading is done: release SQLite's write lock before the long part
    plan: dict[str, PlannedPatient] = {}
    for src in rows:
        where = src.where  # file lines: the header is line 1 (docs/errors.md)
        # every problem of a row is named at once: a bad patient, sex or birth date does not stop
        # the rest of the row being checked (against a stand-in identity: _check_rest)
        found: list[Problem] = []
        row = src.data
        pseudonym = str(row.get(PATIENT_COLUMN) or "").strip()
        if not pseudonym:
            found.append(Problem(f"{where}, {PATIENT_COLUMN}", "required"))
        else:
            found += limit_problems(f"{where}, pseudonym", "pseudonym", pseudonym)
        rest = {k: v for k, v in row.items() if k != PATIENT_COLUMN}
        data = row_to_record(rest) if src.flat else rest
        planned = None
        if found:  # no usable patient: the sex and birth date are checked as a new patient's would be
            found += repo.patient_problems("-", data.get("sex"), data.get("birth_date"), path=where)[0]
        elif (planned := plan.get(pseudonym)) is None:
            patient = known.get(pseudonym)
            if patient is not None:
                planned = PlannedPatient(Identity(pseudonym, patient.sex, patient.birth_date), True)
            else:
                if data.get("sex") is None:
                    found.append(Problem(f"{where}, sex", f"required for new patient {pseudonym}"))
                who, sex, born = repo.patient_problems(pseudonym, data.get("sex"), data.get("birth_date"),
                                                       path=where)
                found += who
                if not found and sex is not None:
                    planned = PlannedPatient(Identity(pseudonym, sex, born), False)
            if planned is not None:
                plan[pseudonym] = planned
        elif not planned.registered and _identity_differs(planned.who, data):
            found.append(Problem(where, f"sex or birth_date of {pseudonym} differs from an earlier row"))
            data = {k: v for k, v in data.items() if k not in ("sex", "birth_date")}  # reported once
        try:
            if planned is not None:
                planned.visits.append(prepare_visit(planned.who, data, organisation_name=org,
                                                    source=f"{name}:{src.number}", where=where))
            else:
                _check_rest(data, found, org=org, source=f"{name}:{src.number}", where=where)
        except RecordValidationError as exc:
            found += exc.problems
        problems += [p for p in found if p not in problems]
    return plan, problems


def _check_rest(data: dict[str, Any], found: list[Problem], *, org: str, source: str, where: str) -> None:
    """The checks of a row whose patient is not known (its pseudonym, sex or birth date is bad:
    already in ``found``): its other fields still pass every check of a visit, against a stand-in
    identity that takes part in none of them (no record field's check depends on the sex); a
    birth date without a problem still gives the age its checks.

    :raises RecordValidationError: naming the other fields' problems."""
    born = None
    if data.get("birth_date") is not None and all(p.path != f"{where}, birth_date" for p in found):
        born = parse_birth_date(data["birth_date"], [])
    rest = {k: v for k, v in data.items() if k not in ("id", "sex", "birth_date")}
    prepare_visit(Identity("", "female", born), rest, organisation_name=org, source=source, where=where)


def _identity_differs(who: Identity, data: Mapping[str, Any]) -> bool:
    """Whether a later row of a new patient names another sex or birth date than their first row
    (a cell left empty names none: missing is unknown, not a contradiction)."""
    scratch: list[Problem] = []
    sex = normalise_sex(data["sex"], scratch) if data.get("sex") is not None else who.sex
    born = who.birth_date
    if data.get("birth_date") is not None:
        born = parse_birth_date(data["birth_date"], scratch)
    return bool(scratch) or sex != who.sex or born != who.birth_date


def source_rows(path: str | Path, *, mapping: str | Path | None = None, sheet: str | None = None,
                dictionary: str | Path | None = None) -> list[SourceRow]:
    """The visits of a file: the visits CSV (or an Excel sheet with the same columns), or any table
    read through a device map (``mapping``: a shipped format name such as ``inbody``, or a map
    file; docs/imports.md), whose id column names the patient and whose values keep their
    provenance. A REDCap export with its ``dictionary`` needs no map: the dictionary's field names
    and units say what each column is (docs/imports.md). :raises InputFileError: :raises
    MeasuresImportError: (every bad cell)"""
    suffix = Path(path).suffix.lower()
    if mapping is None and dictionary is None and suffix not in (".xlsx", ".xlsm"):
        if sheet is not None:
            raise InputFileError(f"{path}: --sheet is for Excel files")
        return [SourceRow(f"line {i + 2}", i + 2, dict(r)) for i, r in enumerate(read_rows(path))]
    if mapping is None and dictionary is None:
        from ..imports.table import read_xlsx

        table = read_xlsx(path, sheet)
        _require_columns(path, table.header)
        # every row comes padded with empty cells to the sheet's widest: only a value beyond the
        # header's last named column is one too many
        width = max(i + 1 for i, h in enumerate(table.header) if h)
        _refuse_misaligned(path, "row", short=[], long=[n for n, cells in table.rows
                                                        if any(_filled(c) for c in cells[width:])])
        out = []
        for n, cells in table.rows:
            row = {h: (None if c is None else (c.isoformat()[:10] if hasattr(c, "isoformat") else
                                               _cell_text(c)))
                   for h, c in zip(table.header, cells, strict=False) if h}
            out.append(SourceRow(f"row {n}", n, row))
        return out
    from ..imports import devicemap, import_measures

    fmt = "redcap" if dictionary is not None else "xlsx" if suffix in (".xlsx", ".xlsm") else "mapping"
    if str(mapping) in devicemap.SHIPPED:
        fmt, mapping = str(mapping), None
    result = import_measures(path, fmt, mapping=mapping, sheet=sheet, dictionary=dictionary)
    rows = []
    for rec in result.records:
        data = rec.to_dict()
        data[PATIENT_COLUMN] = data.pop("id", None)
        rows.append(SourceRow(f"row {rec.row}", rec.row or 0, data, flat=False))
    return rows


def _filled(c: Any) -> bool:
    """Whether an Excel cell holds a value (blank text is empty, as a blank row is)."""
    return c is not None and not (isinstance(c, str) and not c.strip())


def _cell_text(c: Any) -> str:
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    return str(c)


def import_csv(session: Session, *, path: str | Path, organisation_name: str = repo.DEFAULT_ORGANISATION,
               actor: str, mapping: str | Path | None = None, sheet: str | None = None,
               dictionary: str | Path | None = None) -> ImportResult:
    """Import every row of ``path`` as a visit; commits once per group of patients (see the module
    docstring); a group the database refuses is written again a patient at a time. ``mapping``,
    ``sheet``, ``dictionary``: see :func:`source_rows`.

    :raises RecordValidationError: listing every bad cell; nothing is written.
    :raises ImportWriteError: when the database refuses a row after validation (naming the
        row); the patients before it stay committed and a rerun resumes.
    """
    rows = source_rows(path, mapping=mapping, sheet=sheet, dictionary=dictionary)
    plan, problems = _validate(session, rows, organisation_name, path, actor)
    if problems:
        session.rollback()
        raise RecordValidationError(problems, str(path))
    result = ImportResult(str(path), rows=len(rows))
    try:
        org_id = upsert.organisation_id(session, organisation_name)
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        raise ImportWriteError(f"{path}: the database refused organisation {organisation_name!r}: "
                               f"{_reason(exc)}") from exc
    patients = list(plan.items())
    for start in range(0, len(patients), GROUP):
        group = patients[start:start + GROUP]
        if len(group) > 1:
            scratch = ImportResult(str(path))
            try:
                with audit.batched(session):
                    for _pseudonym, planned in group:
                        _write_patient(session, org_id, organisation_name, planned, actor, path, scratch)
                session.commit()
            except (ImportWriteError, SQLAlchemyError):
                # nothing of the group is kept: it is written again a patient at a time below, so
                # that the patients before the one refused stay committed and the error names it
                # (a deadlock with a concurrent importer of the same patients lands here too)
                session.rollback()
            else:
                result.created += scratch.created
                result.skipped += scratch.skipped
                result.patients_created += scratch.patients_created
                continue
        for pseudonym, planned in group:
            _import_patient(session, org_id, organisation_name, pseudonym, planned, actor, path, result)
    return result


def _import_patient(session: Session, org_id: int, organisation_name: str, pseudonym: str,
                    planned: PlannedPatient, actor: str, path: str | Path, result: ImportResult) -> None:
    """One patient in a transaction of its own (committed), or the error that names its row."""
    try:
        with audit.batched(session):
            _write_patient(session, org_id, organisation_name, planned, actor, path, result)
        session.commit()
    except ImportWriteError:
        session.rollback()
        raise
    except SQLAlchemyError as exc:
        session.rollback()
        where = _refused_row(session, org_id, organisation_name, planned, actor, path)
        raise ImportWriteError(f"{path}, {where} (patient {pseudonym}): the database refused it: "
                               f"{_reason(exc)}. Nothing of this patient was written; the patients "
                               "before were: fix the cause and import again to resume") from exc


def _write_patient(session: Session, org_id: int, organisation_name: str, planned: PlannedPatient, actor: str,
                   path: str | Path, result: ImportResult, *, one_by_one: bool = False,
                   at: list[str] | None = None) -> None:
    """One patient's new visits, stored and assessed under the patient's lock (not committed).

    ``one_by_one`` stores them a visit at a time, noting each row in ``at`` first: how
    :func:`_refused_row` finds the row a failed batch stumbled on."""
    who = planned.who
    patient, created = upsert.patient(session, organisation=org_id, pseudonym=who.pseudonym, sex=who.sex,
                                      birth_date=who.birth_date, actor=actor)
    if created:
        audit.record_all(session, actor=actor, action="create", entity="patient", items=[(
            patient.id, patient.id, {"pseudonym": who.pseudonym, "organisation": organisation_name,
                                     "sex": patient.sex, "birth_date": patient.birth_date})])
        result.patients_created += 1
    elif (patient.sex, patient.birth_date) != (who.sex, who.birth_date):
        raise ImportWriteError(f"{path}, {planned.visits[0].where}: patient {who.pseudonym} was registered "
                               f"meanwhile as {patient.sex}, born {patient.birth_date or 'unknown'}; this "
                               f"file says {who.sex}, born {who.birth_date or 'unknown'}")
    digests = set() if created else set(existing_digests(session, patient.id))
    todo: list[PreparedVisit] = []
    for visit in planned.visits:
        if visit.digest in digests:
            result.skipped += 1
        else:
            digests.add(visit.digest)
            todo.append(visit)
    if not todo:
        return
    batches = [[v] for v in todo] if one_by_one else [todo]
    stored: list[Visit] = []
    # a patient created here has no visit but these: assess them as written, without reading back
    written: dict[int, list[Measurement]] | None = {} if created else None
    for batch in batches:
        if at is not None:
            at[0] = batch[0].where
        stored += store_visits(session, patient_id=patient.id, visits=batch, actor=actor,
                               with_birth_date=patient.birth_date is not None, written=written)
    if at is not None:
        first, last = (v.where.split(" ")[-1] for v in (planned.visits[0], todo[-1]))
        at[0] = f"{planned.visits[0].where.split(' ')[0]}s {first}-{last}"
    reassess(session, patient=patient, from_visits=[v.id for v in stored], actor=actor, reason="visit added",
             every_visit=None if written is None else [(v, written[v.id]) for v in stored])
    result.created += len(todo)


def _refused_row(session: Session, org_id: int, organisation_name: str, planned: PlannedPatient, actor: str,
                 path: str | Path) -> str:
    """Which row of a patient the database refuses: the patient written again a visit at a time,
    then rolled back whatever happens (only run after a failure)."""
    at = [planned.visits[0].where]
    try:
        _write_patient(session, org_id, organisation_name, planned, actor, path,
                       ImportResult(str(path)), one_by_one=True, at=at)
    except (SQLAlchemyError, ImportWriteError):
        pass
    finally:
        session.rollback()
    return at[0]


def _reason(exc: SQLAlchemyError) -> str:
    """The database's own message, first line (without SQLAlchemy's statement dump)."""
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
