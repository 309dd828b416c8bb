"""A stored patient's report inputs: the latest visit's record and the registry timeline chart.

Used by ``myoscope report --patient``; the read is audited by :func:`myoscope.registry.repo.show_patient`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import RegistryError
from ..registry.assessing import current_measurements, load_visits, visit_data
from ..registry.repo import find_patient, show_patient

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..registry.changes import PatientChanges


def latest_visit_record(
    session: Session, *, pseudonym: str, organisation_name: str | None, actor: str
) -> tuple[dict[str, Any], PatientChanges]:
    """(the record of the latest visit, the patient's change over time); audited as one read."""
    view = show_patient(session, pseudonym=pseudonym, organisation_name=organisation_name, actor=actor)
    patient = find_patient(session, pseudonym=pseudonym, organisation_name=organisation_name)
    visits = load_visits(session, patient.id)
    if not visits:
        raise RegistryError(f"patient {pseudonym} has no visit to report on")
    weights = []
    for v in visits[:-1]:
        w = current_measurements(v.measurements).get("weight")
        if w is not None and w.value_num is not None:
            weights.append((v.visit_date, w.value_num))
    last = visits[-1]
    return visit_data(patient, last, current_measurements(last.measurements), weights), view.changes
