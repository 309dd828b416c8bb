"""One visit from input to rows: the checks every visit passes, its identity, and its storage.

The same checks serve ``visit add`` and each row of a CSV import, and the import runs them all
in its validation pass, before anything is written: a record field that contradicts the patient
(another ``id``, another sex or birth date), a date in the future, a value the record contract
refuses, and text the database would refuse (too long for its column, a NUL byte) on either
backend. Writing then only writes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..errors import Problem, RecordValidationError
from ..measures import load_catalog
from ..record import Record, as_date, parse_record
from . import audit
from .assessing import METHOD_FIELD
from .limits import limit_problems, text_problems
from .models import Base, Measurement, Visit, utcnow

MEASUREMENTS = Base.metadata.tables[Measurement.__tablename__]
#: record fields held by the patient or the visit row, not stored as measurements
VISIT_FIELDS = ("id", "sex", "birth_date", "date", "setting")


@dataclass(frozen=True)
class Identity:
    """Who a visit belongs to: the patient's pseudonym, sex and birth date (registered or new)."""

    pseudonym: str
    sex: str
    birth_date: date | None


@dataclass
class PreparedVisit:
    """A visit that passed every check: its record, content hash and where it came from."""

    record: Record
    digest: str
    source: str | None
    where: str  # how errors name it: "line 7" or "visit of P1"

    @property
    def date(self) -> date:
        on: date = self.record.values["date"]
        return on


def normalise_sex(raw: Any, problems: list[Problem], path: str = "sex") -> str | None:
    m = load_catalog().measures["sex"]
    text = str(raw).strip()
    value = m.aliases.get(text, text.lower())
    if value not in m.values:
        problems.append(Problem(path, f"{raw!r} is not one of {', '.join(m.values)}"))
        return None
    return value


def parse_birth_date(raw: Any, problems: list[Problem], path: str = "birth_date") -> date | None:
    if raw is None or isinstance(raw, date):
        return raw
    born = as_date(raw.strip() if isinstance(raw, str) else raw)
    if born is None:
        problems.append(Problem(path, f"expected a date YYYY-MM-DD, got {raw!r}"))
    return born


def content_hash(pseudonym: str, organisation_name: str, data: Mapping[str, Any]) -> str:
    """Identity of a visit's content: the same record added twice is the same visit."""
    text = json.dumps({"patient": pseudonym, "organisation": organisation_name, "data": data},
                      sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def prepare_visit(who: Identity, raw: Mapping[str, Any], *, organisation_name: str,
                  visit_date: date | None = None, setting: str | None = None, source: str | None = None,
                  where: str = "") -> PreparedVisit:
    """Check one visit against its patient, the record contract and the database's limits.

    :raises RecordValidationError: naming every bad field (prefixed with ``where``)."""
    problems: list[Problem] = text_problems("", dict(raw)) + limit_problems("source", "source", source)
    data = {k: v for k, v in raw.items() if k not in ("id", "sex", "birth_date")}
    if raw.get("id") is not None and str(raw["id"]) != who.pseudonym:
        problems.append(Problem("id", f"{raw['id']!r} is not this patient ({who.pseudonym})"))
    if raw.get("sex") is not None and normalise_sex(raw["sex"], problems) not in (None, who.sex):
        problems.append(Problem("sex", f"{raw['sex']!r} differs from the patient's recorded sex ({who.sex})"))
    if raw.get("birth_date") is not None:
        born = parse_birth_date(raw["birth_date"], problems)
        if born is not None and born != who.birth_date:
            problems.append(Problem("birth_date", f"{raw['birth_date']} differs from the patient's recorded "
                                                  f"birth date ({who.birth_date})"))
    if visit_date is not None:
        if raw.get("date") is not None and str(raw["date"]) != visit_date.isoformat():
            problems.append(Problem("date", f"{raw['date']} differs from the visit date given "
                                            f"({visit_date})"))
        data["date"] = visit_date
    if setting is not None:
        data["setting"] = setting
    if data.get("date") is None:
        problems.append(Problem("date", "required: the visit date (YYYY-MM-DD)"))
    data["sex"] = who.sex
    if who.birth_date is not None and data.get("date") is not None:
        data["birth_date"] = who.birth_date
    record = None
    try:
        record = parse_record(data, source=source)
    except RecordValidationError as exc:
        problems += [p for p in exc.problems if p not in problems]
    if any(p.path == "date" for p in problems):
        # a date missing or unreadable is the one problem: that the birth date or a previous
        # weight's date then "needs the record's date" would only send the reader looking for a
        # second mistake that is not there
        problems = [p for p in problems if not p.message.startswith("needs the record's date")]
    # (a date in the future is refused by parse_record itself, for every face)
    if problems or record is None:
        prefix = f"{where}, " if where else ""
        raise RecordValidationError([Problem(prefix + p.path, p.message) for p in problems],
                                    source or where or None)
    on: date = record.values["date"]
    identity = {**raw, "date": on.isoformat(), **({"setting": setting} if setting else {})}
    return PreparedVisit(record, content_hash(who.pseudonym, organisation_name, identity), source, where)


def existing_digests(session: Session, patient_id: int) -> dict[str, int]:
    """The content hashes of a patient's stored visits, with their ids."""
    return {h: i for i, h in session.execute(select(Visit.id, Visit.content_hash)
                                             .where(Visit.patient_id == patient_id))}


def store_visits(session: Session, *, patient_id: int, with_birth_date: bool, visits: list[PreparedVisit],
                 actor: str, written: dict[int, list[Measurement]] | None = None) -> list[Visit]:
    """Insert prepared visits of one patient, their measurements and audit rows (not assessed yet).

    One INSERT for the visits and one for all their measurements: an import writes a patient's
    visits in a handful of statements, not two per visit. With ``written``, each visit's
    measurements as inserted are also given back there (by visit id, as detached rows): a new
    patient's visits can then be assessed without reading back what was just written."""
    catalog = load_catalog()
    rows = [Visit(patient_id=patient_id, visit_date=v.date, setting=v.record.values.get("setting"),
                  source=v.source, content_hash=v.digest, created_by=actor) for v in visits]
    session.add_all(rows)
    session.flush()
    values: list[dict[str, Any]] = []
    audited: list[tuple[int | None, int | None, dict[str, Any]]] = []
    for row, visit in zip(rows, visits, strict=True):
        record = visit.record
        stored: list[str] = []
        for mid, value in record.values.items():
            if mid in VISIT_FIELDS or mid in METHOD_FIELD.values() or (mid == "age" and with_birth_date):
                continue
            measure = catalog.measures[mid]
            m: dict[str, Any] = {
                "visit_id": row.id, "measure_id": mid, "source": visit.source, "entered_by": actor,
                "entered_at": utcnow(), "version": 1, "value_num": None, "value_json": None, "unit": None,
                "unit_entered": None,
                "method": record.values.get(METHOD_FIELD[mid]) if mid in METHOD_FIELD else None}
            if measure.kind == "quantity":
                m.update(value_num=float(value), unit=measure.unit,
                         unit_entered=record.entered_units.get(mid, measure.unit))
            else:
                m["value_json"] = json.loads(json.dumps(value, default=str))
            values.append(m)
            stored.append(mid)
        audited.append((row.id, patient_id, {"date": visit.date, "source": visit.source, "measures": stored}))
    if values:  # one Core executemany (value_json is declared none_as_null: None is SQL NULL)
        session.connection().execute(insert(MEASUREMENTS), values)
    if written is not None:
        for row in rows:
            written[row.id] = []
        for m in values:  # detached: never added to the session, so never written again
            written[m["visit_id"]].append(Measurement(**m))
    audit.record_all(session, actor=actor, action="create", entity="visit", items=audited)
    return rows
