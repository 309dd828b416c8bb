"""Alerts across the registry: a paged, indexed pass over every patient's stored series.

Patients are read in id order, a range of patients per query; each query returns only the
current version of the measures change is followed for, ordered by patient and date, streamed
(``yield_per``), so memory stays flat with 100 000 patients and a page that stops early reads
only what it shows. Each patient's series then goes through the same pure code as one patient
on screen (:func:`myoscope.registry.changes.patient_changes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, String, exists, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from ..errors import RegistryError, quote
from ..measures import Catalog, load_catalog
from . import audit
from .changes import (
    Alert,
    PatientSeries,
    VisitValues,
    current_alerts,
    patient_changes,
    tracked_measures,
    verdicts_in_population,
)
from .knowledge import ChangeRules, load_change_rules
from .limits import check_actor
from .models import Assessment, Measurement, Organisation, Patient, Visit
from .views import decode_cursor, encode_cursor


@dataclass
class AlertReport:
    alerts: list[Alert] = field(default_factory=list)
    patients: int = 0
    latest_only: bool = True
    next_after: str | None = None  # page token: the scan stopped early; pass it to continue

    @property
    def summary(self) -> list[dict[str, Any]]:
        return [{"patient": a.pseudonym, "date": a.date.isoformat(), "kind": a.kind, "message": a.message}
                for a in self.alerts]

    def to_dict(self) -> dict[str, Any]:
        return {"patients_scanned": self.patients, "latest_only": self.latest_only,
                "alerts": [a.to_dict() for a in self.alerts], "next_after": self.next_after}

    def __str__(self) -> str:
        more = [f"(more: --after {self.next_after})"] if self.next_after else []
        if not self.alerts:
            return "\n".join([f"No alerts ({self.patients} patient(s) with follow-up data scanned).", *more])
        lines = [f"{len(self.alerts)} alert(s) in {self.patients} patient(s) scanned:"]
        lines += [f"  {a.pseudonym}  {a.date}  {a.message}" for a in self.alerts]
        return "\n".join(lines + more)


def _series_query(lo: int, hi: int | None, organisation_id: int | None) -> Select[*tuple[Any, ...]]:
    """The current tracked values of patients lo < id <= hi, by patient, date and visit.

    Every step is an index range: patients by primary key, visits by (patient, date), values by
    (visit, measure), the "not superseded" test by ``supersedes_id``."""
    newer = aliased(Measurement)
    stmt: Select[*tuple[Any, ...]] = (
        select(Patient.id, Patient.pseudonym, Patient.sex, type_coerce(Patient.birth_date, String), Visit.id,
               type_coerce(Visit.visit_date, String), Measurement.measure_id, Measurement.value_num)
        .join(Visit, Visit.patient_id == Patient.id)
        .join(Measurement, Measurement.visit_id == Visit.id)
        .where(Patient.id > lo, Visit.patient_id > lo, Measurement.measure_id.in_(tracked_measures()),
               Measurement.value_num.is_not(None), ~exists().where(newer.supersedes_id == Measurement.id))
        .order_by(Patient.id, Visit.visit_date, Visit.id)
    )
    if hi is not None:  # the range on both tables: PostgreSQL does not carry it across the join itself
        stmt = stmt.where(Patient.id <= hi, Visit.patient_id <= hi)
    if organisation_id is not None:
        stmt = stmt.where(Patient.organisation_id == organisation_id)
    return stmt


def _chunks(session: Session, after_id: int, organisation_id: int | None, chunk: int) -> Iterator[
        tuple[int, int]]:
    """Consecutive patient-id ranges (lo, hi] of at most ``chunk`` patients each."""
    lo = after_id
    while True:
        ids = select(Patient.id).where(Patient.id > lo).order_by(Patient.id).limit(chunk)
        if organisation_id is not None:
            ids = ids.where(Patient.organisation_id == organisation_id)
        hi = session.scalar(select(func.max(ids.subquery().c.id)))
        if hi is None:
            return
        yield lo, int(hi)
        lo = int(hi)


def iter_series(session: Session, *, organisation_name: str | None = None, after_id: int = 0,
                chunk: int = 500, batch: int = 20_000) -> Iterator[PatientSeries]:
    """Every patient's series of current tracked values, in patient-id order, a chunk at a time.

    Patients are read in id ranges of ``chunk`` (a key-ordered page each, so stopping early or
    resuming ``after_id`` costs only the pages read), rows streamed in ``batch``es."""
    org_id: int | None = None
    if organisation_name is not None:
        org_id = session.scalar(select(Organisation.id).where(Organisation.name == organisation_name))
        if org_id is None:
            return
    for lo, hi in _chunks(session, after_id, org_id, chunk):
        yield from _group(session.connection().execute(_series_query(lo, hi, org_id),
                                                       execution_options={"yield_per": batch}))


def _group(rows: Iterable[Any]) -> Iterator[PatientSeries]:
    """Rows ordered by patient, date and visit, grouped into series."""
    head: tuple[int, str, str, date | None] | None = None
    visits: list[VisitValues] = []
    values: dict[str, float] = {}
    visit: tuple[int, date] | None = None
    # Core rows, not ORM objects: the ORM's row loading adds nothing for plain columns and costs
    # about as much as the query itself. Dates are converted once per patient and per visit, not
    # once per measurement row (SQLite returns them as text).
    for pid, pseudonym, sex, born, vid, vdate, measure, value in rows:
        if head is None or pid != head[0]:
            if head is not None:
                if visit is not None:
                    visits.append(VisitValues(visit[0], visit[1], values))
                yield PatientSeries(*head, visits)
                visits, values, visit = [], {}, None
            head = (pid, pseudonym, sex, _as_date(born))
        if visit is None or vid != visit[0]:
            if visit is not None:
                visits.append(VisitValues(visit[0], visit[1], values))
                values = {}
            on = _as_date(vdate)
            assert on is not None
            visit = (vid, on)
        if value is not None:  # NULLs are filtered out by the query already
            values[measure] = value
    if head is not None:
        if visit is not None:
            visits.append(VisitValues(visit[0], visit[1], values))
        yield PatientSeries(*head, visits)


def _as_date(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def patient_alerts(series: PatientSeries, rules: ChangeRules, catalog: Catalog, *,
                   latest_only: bool, in_population: Callable[[str], bool] | None = None) -> list[Alert]:
    """One patient's alerts: the single place that decides what a patient is alerted for.

    Kept apart from the scan so that a new rule about which alerts to raise (one that consults
    the patient's stored verdicts, say) changes this function only."""
    result = patient_changes(series, rules, catalog, in_population)
    return current_alerts(result) if latest_only else list(result.alerts)


def stored_in_population(session: Session, patient_id: int) -> Callable[[str], bool]:
    """Whether the patient's current verdict (latest visit, latest assessment) under a definition
    is within its population; read only when an alert rests on one (rare), so the scan stays a
    single streamed query for everyone else."""
    read: list[Callable[[str], bool]] = []  # the stored verdicts, read at most once per patient

    def check(definition: str) -> bool:
        if not read:
            verdicts = session.scalar(
                select(Assessment.verdicts).join(Visit, Visit.id == Assessment.visit_id)
                .where(Visit.patient_id == patient_id)
                .order_by(Visit.visit_date.desc(), Visit.id.desc(), Assessment.id.desc()).limit(1))
            read.append(verdicts_in_population(verdicts))
        return read[0](definition)
    return check


def _after_id(after: str) -> int:
    """The patient id of an alerts page token. :raises RegistryError: for one this code did not make."""
    key = decode_cursor(after)
    if len(key) != 1 or not key[0].isascii() or not key[0].isdigit() or int(key[0]) >= 2**31:  # an INTEGER id
        raise RegistryError(f"{quote(after)} is not a page token of the alerts (use the one the previous "
                            "page printed)")
    return int(key[0])


def compute_alerts(session: Session, *, organisation_name: str | None = None, latest_only: bool = True,
                   limit: int | None = None, after: str | None = None, actor: str,
                   context: Mapping[str, Any] | None = None) -> AlertReport:
    """Alerts for every patient (at their latest visit, or over their whole history), a page at a time.

    With ``limit``, the scan stops after the patient whose alerts bring the page to ``limit`` or
    more, and ``next_after`` says where the next page starts (``after``). Audited as one read
    naming the patients whose alerts are shown (``context``, e.g. a request id, joins its details)."""
    check_actor(actor)
    rules, catalog = load_change_rules(), load_catalog()
    report = AlertReport(latest_only=latest_only)
    after_id = _after_id(after) if after else 0
    for series in iter_series(session, organisation_name=organisation_name, after_id=after_id):
        report.patients += 1
        report.alerts += patient_alerts(series, rules, catalog, latest_only=latest_only,
                                        in_population=stored_in_population(session, series.patient_id))
        if limit is not None and len(report.alerts) >= limit:
            report.next_after = encode_cursor(str(series.patient_id))
            break
    shown = sorted({a.pseudonym for a in report.alerts})
    audit.record(session, actor=actor, action="read", entity="alerts", organisation=organisation_name,
                 patients_scanned=report.patients, patients_shown=shown, **dict(context or {}))
    return report
