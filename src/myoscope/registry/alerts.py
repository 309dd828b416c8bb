"""Alerts across the registry: one streaming pass over every patient's stored series.

The query returns only the current version of the measures change is followed for, ordered by
patient and date, in batches (``yield_per``), so memory stays flat with 100 000 patients; each
patient's series then goes through the same pure code as one patient on screen
(:func:`myoscope.registry.changes.patient_changes`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import String, exists, select, type_coerce
from sqlalchemy.orm import Session, aliased

from ..measures import load_catalog
from . import audit
from .changes import Alert, PatientSeries, VisitValues, current_alerts, patient_changes, tracked_measures
from .knowledge import load_change_rules
from .models import Measurement, Organisation, Patient, Visit


@dataclass
class AlertReport:
    alerts: list[Alert] = field(default_factory=list)
    patients: int = 0
    latest_only: bool = True

    @property
    def summary(self) -> list[dict[str, Any]]:
        return [{"patient": a.pseudonym, "date": a.date.isoformat(), "kind": a.kind, "message": a.message}
                for a in self.alerts]

    def to_dict(self) -> dict[str, Any]:
        return {"patients_scanned": self.patients, "latest_only": self.latest_only,
                "alerts": [a.to_dict() for a in self.alerts]}

    def __str__(self) -> str:
        if not self.alerts:
            return f"No alerts ({self.patients} patient(s) with follow-up data scanned)."
        lines = [f"{len(self.alerts)} alert(s) in {self.patients} patient(s) scanned:"]
        lines += [f"  {a.pseudonym}  {a.date}  {a.message}" for a in self.alerts]
        return "\n".join(lines)


def iter_series(session: Session, *, organisation_name: str | None = None,
                batch: int = 20_000) -> Iterator[PatientSeries]:
    """Every patient's series of current tracked values, in patient order, streamed."""
    newer = aliased(Measurement)
    stmt = (
        select(Patient.id, Patient.pseudonym, Patient.sex, type_coerce(Patient.birth_date, String), Visit.id,
               type_coerce(Visit.visit_date, String), Measurement.measure_id, Measurement.value_num)
        .join(Visit, Visit.patient_id == Patient.id)
        .join(Measurement, Measurement.visit_id == Visit.id)
        .where(Measurement.measure_id.in_(tracked_measures()), Measurement.value_num.is_not(None),
               ~exists().where(newer.supersedes_id == Measurement.id))
        .order_by(Patient.id, Visit.visit_date, Visit.id)
    )
    if organisation_name is not None:
        stmt = stmt.join(Organisation, Organisation.id == Patient.organisation_id).where(
            Organisation.name == organisation_name)
    head: tuple[int, str, str, date | None] | None = None
    visits: list[VisitValues] = []
    values: dict[str, float] = {}
    visit: tuple[int, date] | None = None
    # Core execution on the session's connection: the ORM's row loading adds nothing for plain
    # columns and costs about as much as the query itself. Dates are converted once per patient
    # and per visit, not once per measurement row (SQLite returns them as text).
    rows = session.connection().execute(stmt, execution_options={"yield_per": batch})
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


def compute_alerts(session: Session, *, organisation_name: str | None = None, latest_only: bool = True,
                   actor: str) -> AlertReport:
    """Alerts for every patient (at their latest visit, or over their whole history).

    Audited as one read naming the patients whose alerts are shown."""
    rules, catalog = load_change_rules(), load_catalog()
    report = AlertReport(latest_only=latest_only)
    for series in iter_series(session, organisation_name=organisation_name):
        report.patients += 1
        result = patient_changes(series, rules, catalog)
        report.alerts += current_alerts(result) if latest_only else result.alerts
    shown = sorted({a.pseudonym for a in report.alerts})
    audit.record(session, actor=actor, action="read", entity="alerts", organisation=organisation_name,
                 patients_scanned=report.patients, patients_shown=shown)
    return report
