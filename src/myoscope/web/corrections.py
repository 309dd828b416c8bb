"""Correcting a stored visit from the web: the visit form filled with the current values.

What changed is found by parsing the visit before and after (canonical values compared, so
"30.48 cm" typed as "12 in" is no change); the whole corrected visit is validated first, so every
bad field is named at once; then each change is a registry correction (a new version that keeps
the old one, audited, and re-assessed with every later visit).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .. import provenance
from ..errors import Problem, RecordValidationError, VisitNotFoundError
from ..record import parse_record
from ..registry import repo
from ..registry.assessing import METHOD_FIELD, current_measurements, visit_data
from ..registry.models import Patient, Visit
from .forms import Field


def scoped_visit(session: Session, patient: Patient, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None or visit.patient_id != patient.id:
        raise VisitNotFoundError(f"no visit {visit_id}")
    return visit


def stored_data(patient: Patient, visit: Visit) -> dict[str, Any]:
    return visit_data(patient, visit, current_measurements(visit.measurements), [])


def form_prefill(patient: Patient, visit: Visit, fields: tuple[Field, ...]) -> dict[str, Any]:
    """The form's values for a stored visit (canonical units)."""
    data = stored_data(patient, visit)
    out: dict[str, Any] = {"date": visit.visit_date.isoformat()}
    for f in fields:
        value = data.get(f.measure)
        if f.measure == "history":  # the nested block: the field's own path within it
            for key in f.name.split(".")[1:]:
                value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            continue
        if f.kind == "multi":  # an answer of none, present without regions, or the ticked values
            out[f.name] = ["none"] if value in ([], False) else ["yes"] if value is True else list(value)
            continue
        if f.kind == "sarc_f_item":
            item = f.name.split(".", 1)[1]
            if isinstance(value, dict) and value.get(item) is not None:
                out[f.name] = str(value[item])
        elif f.kind == "bool":
            out[f.name] = "yes" if value else "no"
        elif f.kind == "conditions":
            out[f.name] = list(value)
        elif f.kind == "quantity":
            out[f.name], out[f"unit.{f.name}"] = f"{float(value):g}", f.unit
        else:
            out[f.name] = str(value)
    return out


def changes_of(
    patient: Patient, visit: Visit, proposed: dict[str, Any], fields: tuple[Field, ...]
) -> list[tuple[str, Any]]:
    """The (measure, new value) pairs that differ from the stored visit; ``None`` retracts.

    :raises RecordValidationError: naming every bad field of the corrected visit."""
    before = stored_data(patient, visit)
    after = dict(before)
    shown = list(dict.fromkeys(f.measure for f in fields))
    for m in shown:
        if proposed.get(m) is None:
            after.pop(m, None)
            # a retracted imported value takes its provenance with it (as the registry does)
            block = provenance.corrected(after.pop(provenance.FIELD, None), m, None, by="", at="")
            if block is not None:
                after[provenance.FIELD] = block
        else:
            after[m] = proposed[m]
    old, new = parse_record(before).values, parse_record(after, source=f"visit {visit.id} correction").values
    changed = []
    for m in shown:
        a, b = old.get(m), new.get(m)
        same = a == b or (isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) < 1e-9)
        if not same:
            changed.append((m, proposed.get(m)))
    # a method field is stored on its measure's row: correct the measure first
    order = {f: i for i, f in enumerate(METHOD_FIELD.values())}
    return sorted(changed, key=lambda c: order.get(c[0], -1))


def correct_visit(
    session: Session,
    *,
    patient: Patient,
    visit: Visit,
    proposed: dict[str, Any],
    fields: tuple[Field, ...],
    reason: str,
    actor: str,
) -> list[str]:
    """Apply every change as a registry correction; returns the measures corrected."""
    problems = [] if reason.strip() else [Problem("reason", "required: why the visit is corrected")]
    try:
        changes = changes_of(patient, visit, proposed, fields)
    except RecordValidationError as exc:
        raise RecordValidationError([*problems, *exc.problems]) from exc
    if not changes:
        problems.append(Problem("visit", "nothing was changed"))
    if problems:
        raise RecordValidationError(problems)
    for measure, value in changes:
        repo.correct_measurement(
            session, visit_id=visit.id, measure_id=measure, value=value, reason=reason, actor=actor
        )
        session.expire(visit, ["measurements"])
    return [m for m, _ in changes]
